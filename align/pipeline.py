"""The aligner: the only code that chains embed -> score -> DP -> confidence.

``align_sides`` is the numpy-only core (one :class:`AlignSide` per side in, an :class:`AlignTrace`
out: the beads and how they were found); ``sentence_sides`` computes the sides of two sentence
lists with an encoder and ``align_sentences`` chains the two; ``align_document`` aligns one
interleaved bilingual file (paragraphs first, then sentences inside paragraph pairs) and
``align_documents`` two monolingual files.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from termalign.core.errors import InputError

from .beads import Alignment, Bead
from .clauses import boundary_vectors
from .confidence import FEATURES, Calibration, bead_features, default_calibration
from .dp import Band, band_around_path, banded_dp
from .dp import Path as DPPath
from .lexicon import lexicon_matrices
from .overlap import make_side, sentence_chars, stack_windows
from .quotes import quote_evidence
from .scoring import Scorer, anchor_matrices

if TYPE_CHECKING:  # pragma: no cover
    from termalign.models.base import Encoder

# 6.1: as 6 on MAC-Dev (every bead and score the same); differs where 6 met NaN costs, on sides
# whose sentences are mostly empty (the length smoothing is now at least one character).
# 6.2: CC-CEDICT's glosses no longer take a name's comment ("Tokyo, capital of Japan") or the pinyin
# of a cross-reference as English words, and British spellings meet its American ones (grey, gray);
# the same beads on MAC-Dev and the seeds, scores within 0.002.
VERSION = "6.2"


@dataclass(frozen=True, slots=True)
class AlignParams:
    """Knobs of the aligner. Everything that changes the output goes into ``signature()``.

    ``max_merge``: most sentences on one side of a bead (<= 8); ``max_total``: most sentences
    in a bead, both sides together; ``skip_quantile``: the 1-0 / 0-1 cost is this quantile of
    random-pair costs (0.95: a pair is left unpaired when it scores like the worst 5% of random
    pairs); ``para_skip_quantile``: the same for paragraphs of an interleaved file, stricter (0.5: a
    paragraph pair must score better than the median random pair), so comparable-but-not-parallel
    paragraphs stay unpaired; ``knn``: neighbours in the margin (a confidence feature); ``len_power``: the
    exponent of the length penalty; ``w_anchor``: weight of anchor (numbers, names) evidence;
    ``w_lex``: weight of bilingual dictionary evidence (en-zh only; ``scoring``, ``lexicon``);
    ``w_quote``: cost of ending a bead where the English side has a quotation open and the Chinese
    side has not (en-zh only; ``quotes``); ``w_bound``: weight of the clause-end boundary score
    (``clauses``), a reward for ending a bead where the two sides' clause ends agree;
    ``w_merge``: cost per extra sentence in a bead (negative = a bonus; see ``scoring``);
    ``band``: half-width of the search band around the coarse path; ``max_cells``: above this
    many DP cells the document is first aligned coarsely; ``seed``: the RNG seed.
    """

    max_merge: int = 6
    max_total: int = 7
    skip_quantile: float = 0.95
    para_skip_quantile: float = 0.5
    knn: int = 4
    len_power: float = 0.5
    w_anchor: float = 0.05
    w_lex: float = 0.25
    w_quote: float = 0.1
    w_bound: float = 0.15
    w_merge: float = -0.03
    band: int = 24
    max_cells: int = 2_000_000
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.max_merge <= 8:
            raise ValueError("max_merge must be 1..8")
        if self.max_total < 2:
            raise ValueError("max_total must be >= 2")

    def types(self) -> list[tuple[int, int]]:
        """Bead types with both sides non-empty; 1-0 and 0-1 are always allowed."""
        M = self.max_merge
        return [(a, b) for a in range(1, M + 1) for b in range(1, M + 1) if a + b <= self.max_total]

    def signature(self) -> str:
        d = asdict(self)
        return "align:" + VERSION + "|" + "|".join(f"{k}:{v}" for k, v in d.items())


@dataclass(frozen=True, slots=True, eq=False)
class AlignSide:
    """One side of an alignment, everything the aligner reads about it.

    ``vecs`` (K, n, dim) unit window vectors as made by ``models.base.window_vectors`` (K >=
    ``AlignParams.max_merge``); the rest is optional evidence, each used only when both sides
    have it: ``chars`` (n,) sentence lengths (default: all equal, no length evidence);
    ``anchors`` (n, L) 0/1 anchor-token incidence over a vocabulary shared with the other side
    (``scoring.anchor_matrices``); ``lex`` sparse (n, V) 0/1 dictionary lemma incidence with
    ``lex_n`` (n,) unit counts (``lexicon.lexicon_matrices``); ``quote`` (n, 2) quotation
    ``need`` / ``have`` at each sentence's end (``quotes.quote_evidence``); ``bound`` (n+1, dim)
    clause-end boundary vectors (``clauses.boundary_vectors``). ``sentences`` (the text as given),
    ``view`` (what the encoder saw: Chinese in Simplified script) and ``lang`` describe where the
    evidence came from; the aligner itself reads only the arrays.
    """

    vecs: np.ndarray
    chars: np.ndarray | None = None
    anchors: np.ndarray | None = None
    lex: Any = None  # (n, V): scipy.sparse CSR, or dense for a small document
    lex_n: np.ndarray | None = None
    quote: np.ndarray | None = None
    bound: np.ndarray | None = None
    sentences: tuple[str, ...] = ()
    view: tuple[str, ...] = ()
    lang: str = ""

    @property
    def n(self) -> int:
        """Number of sentences."""
        return int(self.vecs.shape[1])


@dataclass(frozen=True, slots=True, eq=False)
class AlignTrace:
    """What one run of the aligner found: ``beads`` covering both sides in order, and how.

    ``path`` is the DP's best path (``dp.Path``: per bead its cost and the gap to the next best
    choice; None when a side is empty), ``features`` (len(beads), len(confidence.FEATURES)) the
    confidence features the scores were computed from, ``skip`` the 1-0 / 0-1 cost.
    """

    beads: tuple[Bead, ...]
    path: DPPath | None
    features: np.ndarray
    skip: float

    @property
    def costs(self) -> np.ndarray:
        """(len(beads),) each bead's own cost (empty when a side is empty)."""
        return np.zeros(0) if self.path is None else self.path.cost


def align_sides(
    src: AlignSide,
    tgt: AlignSide,
    params: AlignParams = AlignParams(),
    calibration: Calibration | None = None,
) -> AlignTrace:
    """Align two sides: numpy only, no encoder. ``calibration`` defaults to the fitted one that
    ships with termalign (``confidence.default_calibration``). Returns the beads with their trace."""
    K = params.max_merge
    n, m = src.n, tgt.n
    if src.vecs.shape[0] < K or tgt.vecs.shape[0] < K:
        raise ValueError(f"need window vectors up to {K} sentences, got {src.vecs.shape[0]} and {tgt.vecs.shape[0]}")
    if calibration is None:
        calibration = default_calibration()
    if n == 0 or m == 0:
        beads = [Bead((i,), (), 1.0) for i in range(n)] + [Bead((), (j,), 1.0) for j in range(m)]
        return AlignTrace(tuple(beads), None, np.zeros((0, len(FEATURES))), float("nan"))
    rng = np.random.default_rng(params.seed)
    src_chars = np.ones(n) if src.chars is None else np.asarray(src.chars, dtype=np.float64)
    tgt_chars = np.ones(m) if tgt.chars is None else np.asarray(tgt.chars, dtype=np.float64)
    src_anchors, tgt_anchors = src.anchors, tgt.anchors
    if src_anchors is None or tgt_anchors is None:
        src_anchors, tgt_anchors = np.zeros((n, 0), np.float32), np.zeros((m, 0), np.float32)
    both_lex = src.lex is not None and tgt.lex is not None
    sl, tl, sln, tln = (src.lex, tgt.lex, src.lex_n, tgt.lex_n) if both_lex else (None,) * 4
    both_quote = src.quote is not None and tgt.quote is not None
    sq, tq = (src.quote, tgt.quote) if both_quote else (None, None)
    both_bound = src.bound is not None and tgt.bound is not None
    sb, tb = (src.bound, tgt.bound) if both_bound else (None, None)
    s_side = make_side(src.vecs[:K], src_chars, src_anchors, sl, sln, sq, sb)
    t_side = make_side(tgt.vecs[:K], tgt_chars, tgt_anchors, tl, tln, tq, tb)
    scorer = Scorer(
        s_side,
        t_side,
        params.types(),
        knn=params.knn,
        len_power=params.len_power,
        w_anchor=params.w_anchor,
        w_merge=params.w_merge,
        rng=rng,
        w_lex=params.w_lex,
        w_quote=params.w_quote,
        w_bound=params.w_bound,
    )
    skip = scorer.skip_cost(params.skip_quantile, rng)
    band = None
    if (n + 1) * (m + 1) > params.max_cells:
        band = coarse_band(src.vecs[0], tgt.vecs[0], params)
    with _one_blas_thread() if band is not None else contextlib.nullcontext():
        path = banded_dp(
            scorer.block,
            scorer.types,
            n,
            m,
            skip,
            skip,
            band,
            cell_cost=scorer.cell_cost if scorer.has_cell_costs else None,
        )
        feats = bead_features(scorer, path, skip)
    probs = calibration.predict(feats)
    beads = []
    for (a, b, i, j), pr in zip(path.steps, probs):
        beads.append(Bead(tuple(range(i - a, i)), tuple(range(j - b, j)), float(pr)))
    return AlignTrace(tuple(beads), path, feats, float(skip))


# The coarse pass reads where its beads are, never their scores.
_PLACES_ONLY = Calibration((0.0,) * len(FEATURES), "coarse pass: bead places only", "none")

# Most sentences averaged into one block of a coarse pass. The fine band is widened by the block
# size, so a block size growing with the document (as sqrt(n * m / max_cells) does) made the
# fine DP quadratic; above this size the coarse pass is itself aligned coarse-to-fine instead.
MAX_BLOCK = 16


def coarse_band(src1: np.ndarray, tgt1: np.ndarray, params: AlignParams) -> Band:
    """A band around a cheap path on averaged blocks of sentences (Vecalign's coarse-to-fine).

    Sentences are averaged in blocks of f (2..``MAX_BLOCK``) so that the coarse DP has at most
    ``max_cells`` cells, or, for documents too long for that, is itself searched in a band around
    a coarser pass (recursively, as Vecalign does); the coarse path (1-1, 1-2, 2-1, 1-0, 0-1
    blocks, margin cost only) is scaled back up and widened by ``params.band`` + f sentences.
    Time and memory grow linearly with the document.
    """
    n, m = src1.shape[0], tgt1.shape[0]
    f = min(MAX_BLOCK, max(2, math.ceil(math.sqrt((n + 1) * (m + 1) / params.max_cells))))
    # Centred first: averages of f sentences all lean towards a side's mean vector, so random
    # block pairs scored almost like true ones (median cosine 0.54 on MAC-Dev paragraphs), two
    # skips undercut a pair and the coarse path degenerated into all 1-0 then all 0-1.
    cs, ct = _blocks(src1 - src1.mean(axis=0), f), _blocks(tgt1 - tgt1.mean(axis=0), f)
    sub = AlignParams(
        max_merge=2,
        max_total=3,
        skip_quantile=params.skip_quantile,
        knn=params.knn,
        len_power=0.0,
        w_anchor=0.0,
        w_lex=0.0,
        w_quote=0.0,
        w_bound=0.0,
        w_merge=0.0,
        band=params.band,
        max_cells=params.max_cells,
        seed=params.seed,
    )
    # only the beads' places are read: the fitted calibration is not needed
    coarse = align_sides(AlignSide(stack_windows(cs, 2)), AlignSide(stack_windows(ct, 2)), sub, _PLACES_ONLY)
    pts = [(0, 0)]
    for bead in coarse.beads:
        i = (bead.src[-1] + 1) * f if bead.src else pts[-1][0]
        j = (bead.tgt[-1] + 1) * f if bead.tgt else pts[-1][1]
        pts.append((min(i, n), min(j, m)))
    return band_around_path(pts, n, m, params.band + f)


_BLAS = None


def _one_blas_thread():
    """A context in which BLAS uses one thread (no-op without threadpoolctl), for documents
    above ``max_cells`` (below, the output stays bit-identical to what it was: a probability of
    one MAC-Dev bead moved in the 4th decimal with one thread).

    The DP's matrix products are small (32 rows by the band width; one bead against 4,096
    neighbours). With two threads on a busy 2-core machine OpenBLAS spent 22 ms of CPU on a
    32 x 512 x 98 float32 product that takes 0.3 ms on one thread (load 11): the second thread
    spins while it waits. That alone made the fine DP of a 10,000 x 10,000 paragraph document
    take 48 CPU s instead of about 2.
    """
    global _BLAS
    if _BLAS is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - optional
            _BLAS = False
        else:
            _BLAS = ThreadpoolController()
    if _BLAS is False:
        return contextlib.nullcontext()
    return _BLAS.limit(limits=1, user_api="blas")


def _blocks(x: np.ndarray, f: int) -> np.ndarray:
    n = x.shape[0]
    pad = (-n) % f
    xp = np.concatenate([x, np.zeros((pad, x.shape[1]), x.dtype)]) if pad else x
    s = xp.reshape(-1, f, x.shape[1]).sum(axis=1)
    return s / np.maximum(np.linalg.norm(s, axis=1, keepdims=True), 1e-12)


# ---------------------------------------------------------------- text in


def _lang_of(sentences: Sequence[str], lang: str) -> str:
    """``zh`` becomes ``zh-TW`` when the text is Traditional; other codes pass through."""
    if not lang.startswith("zh"):
        return lang
    from termalign.text.segment import is_traditional

    return "zh-TW" if is_traditional("".join(sentences[:200])) else "zh"


def _for_matching(sentences: Sequence[str], lang: str) -> list[str]:
    """The view the encoder and the anchors see: Chinese in Simplified script."""
    if not lang.startswith("zh"):
        return list(sentences)
    from termalign.text.segment import to_simplified

    return [to_simplified(s) for s in sentences]


def signature(enc, params: AlignParams, calibration: Calibration | None = None) -> str:
    cal = calibration if calibration is not None else default_calibration()
    return f"termalign|enc:{enc.name}|{params.signature()}|cal:{cal.name}"


def align_sentences(
    src: Sequence[str],
    tgt: Sequence[str],
    enc: Encoder,
    params: AlignParams = AlignParams(),
    src_lang: str = "en",
    tgt_lang: str = "zh",
) -> Alignment:
    """Align two lists of sentences (one language each) with encoder ``enc``.

    Chinese is matched in Simplified script (the output keeps the original text); languages
    ``zh`` are reported as ``zh-TW`` when the text is Traditional.
    """
    calibration = default_calibration()  # before any encoding: a broken install fails at once
    src, tgt = list(src), list(tgt)
    src_lang, tgt_lang = _lang_of(src, src_lang), _lang_of(tgt, tgt_lang)
    s_side, t_side = sentence_sides(src, tgt, enc, params.max_merge, src_lang, tgt_lang)
    trace = align_sides(s_side, t_side, params, calibration)
    return Alignment(tuple(src), tuple(tgt), trace.beads, src_lang, tgt_lang, signature(enc, params, calibration))


def sentence_sides(
    src: Sequence[str], tgt: Sequence[str], enc: Encoder, max_window: int, src_lang: str, tgt_lang: str
) -> tuple[AlignSide, AlignSide]:
    """One :class:`AlignSide` for each of two sentence lists: window vectors up to ``max_window``,
    character counts, anchor incidence and clause-end boundary vectors, all from the matching
    view (Chinese in Simplified script), and dictionary lemma incidence and quotation states when
    one side is English and the other Chinese."""
    from termalign.models.base import window_vectors

    s_view, t_view = _for_matching(src, src_lang), _for_matching(tgt, tgt_lang)
    sl = tl = sln = tln = sq = tq = None
    if src_lang.startswith("zh") == tgt_lang.startswith("zh"):
        sa, ta = None, None  # anchors, the dictionary and quotation marks are an en-zh signal
    elif src_lang.startswith("zh"):
        ta, sa, _ = anchor_matrices(t_view, s_view)
        tl, sl, tln, sln = lexicon_matrices(t_view, s_view)
        tq, sq = quote_evidence(t_view, s_view) or (None, None)
    else:
        sa, ta, _ = anchor_matrices(s_view, t_view)
        sl, tl, sln, tln = lexicon_matrices(s_view, t_view)
        sq, tq = quote_evidence(s_view, t_view) or (None, None)
    sv = window_vectors(enc, s_view, max_window, src_lang)
    tv = window_vectors(enc, t_view, max_window, tgt_lang)
    src_side = AlignSide(
        vecs=sv,
        chars=sentence_chars(s_view),
        anchors=sa,
        lex=sl,
        lex_n=sln,
        quote=sq,
        bound=boundary_vectors(enc, s_view, src_lang, sv[0]),
        sentences=tuple(src),
        view=tuple(s_view),
        lang=src_lang,
    )
    tgt_side = AlignSide(
        vecs=tv,
        chars=sentence_chars(t_view),
        anchors=ta,
        lex=tl,
        lex_n=tln,
        quote=tq,
        bound=boundary_vectors(enc, t_view, tgt_lang, tv[0]),
        sentences=tuple(tgt),
        view=tuple(t_view),
        lang=tgt_lang,
    )
    return src_side, tgt_side


def align_documents(src, tgt, enc, params: AlignParams = AlignParams()) -> Alignment:
    """Align two monolingual ``segment.Document``s. Each side's language is the one most of its
    sentences are in ("en" or "zh"); every paragraph's sentences are kept, in file order, so
    with ``presplit`` the ladder's indices are the files' line numbers."""
    s_lang, t_lang = _main_lang(src), _main_lang(tgt)
    if s_lang == t_lang:  # two English files: every pair would look like a translation
        name = {"en": "English", "zh": "Chinese"}[s_lang]
        raise InputError(tgt.path or "TGT", f"both files are {name}", "align needs one English and one Chinese side")
    return align_sentences(_all_sentences(src), _all_sentences(tgt), enc, params, s_lang, t_lang)


def _all_sentences(doc) -> list[str]:
    return [s for p in doc.paragraphs for s in p.sentences]


def _main_lang(doc) -> str:
    counts = {lang: len(doc.sentences(lang)) for lang in ("en", "zh")}
    return max(counts, key=lambda lang: counts[lang])


def align_document(doc, enc, params: AlignParams = AlignParams()) -> Alignment:
    """Align one interleaved bilingual ``segment.Document``: English (src) with Chinese (tgt).

    Paragraphs are aligned first (each paragraph is one "sentence" of a paragraph-level
    alignment, so a paragraph bead may join several paragraphs on a side); then the sentences
    inside each paragraph bead are aligned. ``meta["paragraphs"]`` holds the paragraph beads
    (indices into the en / zh paragraph lists). Sentence indices are into
    ``doc.sentences("en")`` / ``doc.sentences("zh")``.
    """
    en_p = [p for p in doc.paragraphs if p.lang == "en" and p.sentences]
    zh_p = [p for p in doc.paragraphs if p.lang == "zh" and p.sentences]
    en_s = [s for p in en_p for s in p.sentences]
    zh_s = [s for p in zh_p for s in p.sentences]
    pp = AlignParams(
        **{
            **asdict(params),
            "max_merge": min(params.max_merge, 3),
            "max_total": min(params.max_total, 4),
            "skip_quantile": params.para_skip_quantile,
        }
    )
    para = align_sentences([p.text for p in en_p], [p.text for p in zh_p], enc, pp, "en", "zh")
    en_off = np.cumsum([0] + [len(p.sentences) for p in en_p])
    zh_off = np.cumsum([0] + [len(p.sentences) for p in zh_p])
    beads: list[Bead] = []
    for pb in para.beads:
        es = list(range(en_off[pb.src[0]], en_off[pb.src[-1] + 1])) if pb.src else []
        zs = list(range(zh_off[pb.tgt[0]], zh_off[pb.tgt[-1] + 1])) if pb.tgt else []
        if not es or not zs:
            beads += [Bead((i,), (), pb.score) for i in es] + [Bead((), (j,), pb.score) for j in zs]
            continue
        if len(es) == 1 and len(zs) == 1:
            beads.append(Bead((es[0],), (zs[0],), pb.score))
            continue
        sub = align_sentences([en_s[i] for i in es], [zh_s[j] for j in zs], enc, params, "en", "zh")
        for b in sub.beads:
            beads.append(Bead(tuple(es[i] for i in b.src), tuple(zs[j] for j in b.tgt), b.score))
    tgt_lang = _lang_of(zh_s, "zh")
    return Alignment(
        tuple(en_s),
        tuple(zh_s),
        tuple(beads),
        "en",
        tgt_lang,
        signature(enc, params),
        meta={
            "paragraphs": para.beads,
            "en_paragraphs": tuple(p.text for p in en_p),
            "zh_paragraphs": tuple(p.text for p in zh_p),
        },
    )
