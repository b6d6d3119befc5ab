"""Experiment: a clause with a better home elsewhere, as mining evidence.

Absolute clause cosines do not tell a clause a side adds from one loosely translated
(``exp_clause_coverage.py``: 0.41 against 0.45). Relative evidence may: a clause of one side
that is closer to *another* sentence of the partner's language, near the partner in its document,
than to the partner itself is said elsewhere, so this side says more than its partner
(containment by joining: the Chinese summary line that also names Australia and Japan, whose
English says so in the two sentences before its partner).

For a candidate (e, z) each side is split into clauses (``exp_clause_coverage.mining_clauses``:
the aligner's clauses, also cut at sentence ends inside the line, short ones joined); a side with
one clause is its sentence and its vector. The distinct clauses are encoded in one batch. For
each clause q of the Chinese side, its *home margin* is

    max over e' in H(e) of cos(q, e')  -  cos(q, e)

where H(e) are the other English sentences of e's document within ``HOME_WINDOW`` positions of
it ("window"), or q's two nearest English sentences anywhere but e ("knn": top-2 over all English
vectors); likewise for the English clauses against z's neighbours. A margin above 0 means the
clause has a better home. Three features: the largest margin of an English clause, of a Chinese
clause, and the larger share of a side's characters in clauses whose margin is above 0.
Variants (``VARIANTS``): margins below 0 read as 0, longer clauses, two neighbouring sentences
summed as one more home. Not adopted; results in BENCHMARKS.md ("Mining": a clause with a better
home elsewhere).

    python benchmarks/exp_better_home.py                            # both folds, refitted with each
    python benchmarks/exp_better_home.py --store /tmp/re-store      # also score a built store's
                                                                    # candidates with fold A's refits

Plumbing (refit, threshold rule, held-apart judging, store scoring): ``feature_trials.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchmarks.feature_trials as ft  # noqa: E402
from benchmarks.exp_clause_coverage import mining_clauses  # noqa: E402
from termalign.align.pair_evidence import Candidates, MiningSide  # noqa: E402

HOME_WINDOW = 16  # sentences either side of the partner, in its document, that may be a clause's home


def window_rows(side: MiningSide, rows: np.ndarray, width: int) -> list[np.ndarray]:
    """For each row of ``rows``, the other rows of ``side`` in its document within ``width``
    positions of it (sorted by position)."""
    if len(side.doc) == 0:
        return [np.zeros(0, np.int64) for _ in rows]
    span = int(side.pos.max()) + 2 * width + 2
    key = side.doc * span + side.pos
    order = np.argsort(key, kind="stable")
    skey = key[order]
    out = []
    for r in rows:
        lo = np.searchsorted(skey, key[r] - width, side="left")
        hi = np.searchsorted(skey, key[r] + width, side="right")
        got = order[lo:hi]
        out.append(got[got != r])
    return out


def knn_rows(side: MiningSide, query_rows: np.ndarray, queries: np.ndarray, k: int = 2) -> list[np.ndarray]:
    """For each query vector, its ``k`` nearest rows of ``side`` other than ``query_rows[t]`` (its partner)."""
    from termalign.align.index import exact_knn

    if len(queries) == 0:
        return []
    _, rows = exact_knn(np.asarray(queries, np.float32), np.asarray(side.vecs[0 : len(side.vecs)], np.float32), k + 1)
    return [r[(r >= 0) & (r != p)][:k] for r, p in zip(rows, query_rows)]


def better_home(
    en: MiningSide,
    zh: MiningSide,
    cand: Candidates,
    encode,
    mode: str = "window",
    clip: bool = False,
    min_chars: dict[str, int] | None = None,
    joined: bool = False,
) -> np.ndarray:
    """(c, 3): the largest home margin of an English clause, of a Chinese clause, and the larger
    share of a side's characters in clauses with a better home (margin > 0). See the module doc.
    ``clip``: margins below 0 read as 0 (only a better home is evidence); ``min_chars``: the
    shortest clause per language (``mining_clauses``); ``joined`` (window only): two neighbouring
    sentences of the window, their vectors summed, are a home too (a clause said by two sentences)."""
    c = len(cand)
    out = np.zeros((c, 3))
    if c == 0:
        return out
    i, j = cand.i, cand.j
    clauses = [
        (mining_clauses(en.text[a], "en", min_chars), mining_clauses(zh.text[b], "zh", min_chars)) for a, b in zip(i, j)
    ]
    texts = sorted({t for ce, cz in clauses for parts in (ce, cz) if len(parts) > 1 for t in parts})
    vec = dict(zip(texts, np.asarray(encode(texts), np.float64))) if texts else {}
    ev = np.asarray(en.vecs[i], np.float64)  # (c, d) the candidates' own sentences
    zv = np.asarray(zh.vecs[j], np.float64)
    # each side's clause vectors (its sentence's vector when it is one clause)
    q_en = [np.stack([vec[t] for t in ce]) if len(ce) > 1 else ev[r][None] for r, (ce, _) in enumerate(clauses)]
    q_zh = [np.stack([vec[t] for t in cz]) if len(cz) > 1 else zv[r][None] for r, (_, cz) in enumerate(clauses)]
    if mode == "window":
        homes_of_en = window_rows(zh, j, HOME_WINDOW)  # an English clause's homes: Chinese sentences near z
        homes_of_zh = window_rows(en, i, HOME_WINDOW)
        homes_en = [homes_of_en[r] for r in range(c) for _ in q_en[r]]
        homes_zh = [homes_of_zh[r] for r in range(c) for _ in q_zh[r]]
    else:
        flat_en, flat_zh = np.concatenate(q_en), np.concatenate(q_zh)
        homes_en = knn_rows(zh, np.repeat(j, [len(q) for q in q_en]), flat_en)
        homes_zh = knn_rows(en, np.repeat(i, [len(q) for q in q_zh]), flat_zh)
    need_zh = np.unique(np.concatenate([np.zeros(0, np.int64), *homes_en]).astype(np.int64))
    need_en = np.unique(np.concatenate([np.zeros(0, np.int64), *homes_zh]).astype(np.int64))
    read_zh = np.asarray(zh.vecs[need_zh], np.float64) if len(need_zh) else np.zeros((0, ev.shape[1]))
    read_en = np.asarray(en.vecs[need_en], np.float64) if len(need_en) else np.zeros((0, ev.shape[1]))
    at_en = at_zh = 0
    for r in range(c):
        shares = []
        for col, (q, partner, homes, need, read, at, parts) in enumerate(
            (
                (q_en[r], zv[r], homes_en, need_zh, read_zh, at_en, clauses[r][0]),
                (q_zh[r], ev[r], homes_zh, need_en, read_en, at_zh, clauses[r][1]),
            )
        ):
            margins = np.empty(len(q))
            for k in range(len(q)):
                h = homes[at + k]
                hv = read[np.searchsorted(need, h)]
                sims = hv @ q[k]
                best = sims.max() if len(h) else 0.0
                if joined and len(h) > 1:
                    side = zh if col == 0 else en
                    adj = np.flatnonzero(np.diff(side.pos[h]) == 1)  # the window's rows are in document order
                    if len(adj):
                        norm = np.sqrt(2.0 + 2.0 * np.einsum("ij,ij->i", hv[adj], hv[adj + 1]))
                        best = max(best, ((sims[adj] + sims[adj + 1]) / norm).max())
                margins[k] = best - q[k] @ partner
            out[r, col] = max(margins.max(), 0.0) if clip else margins.max()
            n = np.array([len(p.replace(" ", "")) for p in parts], np.float64) if len(q) > 1 else np.ones(1)
            shares.append(float(n[margins > 0].sum() / max(n.sum(), 1.0)))
        at_en += len(q_en[r])
        at_zh += len(q_zh[r])
        out[r, 2] = max(shares)
    return out


def sentence_windows(en: MiningSide, zh: MiningSide, cand: Candidates, encode, sizes=(2, 3)) -> np.ndarray:
    """(c, 2): for the English and for the Chinese side, the best cosine of the partner with a
    window of ``sizes`` consecutive sentences of this side's document that holds the candidate's
    sentence (their vectors summed, as the aligner pools windows), minus the candidate's own
    cosine. Above 0: a many-to-one bead explains the partner better (containment by join, or
    one sentence of a 1-2 bead), with sentences rather than clauses as the evidence."""
    out = np.zeros((len(cand), 2))
    for col, (side, other, rows, partners) in enumerate(((en, zh, cand.i, cand.j), (zh, en, cand.j, cand.i))):
        near = window_rows(side, rows, max(sizes) - 1)
        for r, (a, b) in enumerate(zip(rows, partners)):
            at = {int(side.pos[n]): int(n) for n in near[r]} | {int(side.pos[a]): int(a)}
            u = np.asarray(other.vecs[b], np.float64)
            base = float(np.asarray(side.vecs[a], np.float64) @ u)
            best = base
            p = int(side.pos[a])
            for n in sizes:
                for start in range(p - n + 1, p + 1):
                    idx = [at.get(q) for q in range(start, start + n)]
                    if None not in idx:
                        v = np.asarray(side.vecs[np.array(idx)], np.float64).sum(axis=0)
                        best = max(best, float(v @ u) / max(float(np.linalg.norm(v)), 1e-9))
            out[r, col] = best - base
    return out


def variant(**kw):
    """An extra of ``feature_trials.py``: :func:`better_home` with these options."""
    return lambda en, zh, cand, encode: better_home(en, zh, cand, encode, **kw)


LONG_CLAUSES = {"en": 24, "zh": 10}  # twice the shortest clause of ``mining_clauses``
VARIANTS = {
    "shipped features": [],
    "+ better home (window)": [variant(mode="window")],
    "+ better home (knn top-2)": [variant(mode="knn")],
    "+ better home (window, margins > 0 only)": [variant(mode="window", clip=True)],
    "+ better home (window, > 0 only, long clauses)": [variant(mode="window", clip=True, min_chars=LONG_CLAUSES)],
    "+ better home (window, > 0 only, long clauses, joined homes)": [
        variant(mode="window", clip=True, min_chars=LONG_CLAUSES, joined=True)
    ],
    "+ sentence windows of 2 or 3": [sentence_windows],
    "+ sentence windows of 2": [lambda *a: sentence_windows(*a, sizes=(2,))],
}


def report(fold, name, model, held_rows) -> None:
    """The better-home margins of the held-apart candidates, by kind."""
    if not name.startswith("+ better home"):
        return
    x = np.concatenate([r[3][:, -3:] for r in held_rows])
    cont = np.concatenate([r[0].containment(r[2].i, r[2].j) for r in held_rows])
    y = np.concatenate([r[4] for r in held_rows])
    for what, sel in (("right", y == 1), ("containment", cont), ("other wrong", (y == 0) & ~cont)):
        if sel.any():
            m = x[sel]
            print(
                f"  {what} ({int(sel.sum())}): mean margin en {m[:, 0].mean():.3f}, zh {m[:, 1].mean():.3f}; "
                f"share with a better home > 0: {(m[:, 2] > 0).mean():.2f}"
            )


if __name__ == "__main__":
    ft.trial_main(__doc__, VARIANTS, report, top=10)
