"""Evidence that a mined (English, Chinese) sentence pair is a translation, beyond one cosine.

The miner (``align.mining``) proposes mutual-best candidates by ratio margin; this module turns
each candidate into a row of features that a logistic model (``mining_model.json``) maps to a
calibrated P(correct). Every feature reuses the aligner's own evidence:

* ``margin``, ``cos``: the candidate's ratio margin and cosine; ``gap_fwd`` / ``gap_bwd``: how far
  its margin stands above the English sentence's second-best candidate, and the Chinese one's
  (margin both ways);
* ``len_dev``, ``len_dev2``: the log length ratio (characters) less the usual one of the corpus at
  hand (the median over its candidates, shrunk towards ``LEN_PRIOR`` when they are few: English
  runs longer against Chinese in a novel than in the news), and its square, so departures either
  way cost; ``log_words``: log(1 + English words), since very short
  lines ("II.", a heading) are the least reliable;
* ``anchors``: shared numbers and transliterated names (numbers read with their magnitude,
  8.5 billion = 85亿, and the aligner's ``align.scoring.numbers_en`` / ``numbers_zh`` for words and
  numerals; names by ``name_tokens_en`` / ``pinyin_ngrams``); ``num_unmatched``: numbers on one
  side only;
* ``dice``: dictionary coverage, the Dice of English lemmas and Chinese words that CC-CEDICT
  glosses connect (``align.lexicon``); ``dice_idf``: the same with each lemma and word weighted
  by its rarity among the candidates (``lexicon.idf``), so the words every sentence of a
  comparable corpus shares (rare earth, 稀土, China) say little and a translation must also
  share the rest; ``cover_min``: the smaller of the two sides' weighted coverage (a translation
  covers both sides; a related sentence that adds or drops a clause leaves one side uncovered);
* ``support``: other candidates between the same two documents within three sentences on both
  sides and in the same order (sentences of documents running in parallel support each other);
* ``doc_share``: the candidates between the pair's two documents over the sentences of the
  smaller side: two documents that translate each other share many, two articles on one topic
  a few, so a lone topical look-alike between them is doubted;
* containment, one side saying more than the other (a sentence beside two joined ones, a clause
  beside its whole sentence, a summary line beside a bullet list): ``clause_lr`` / ``clause_lr2``,
  the log ratio of clause counts (commas, semicolons, colons, enumeration commas, internal
  sentence ends) and its square; ``sent_diff``, the difference in sentences run together on one
  line; ``cover_gap``, how much more of one side than of the other the dictionary covers;
* ``unended``: the sides (0-2) with no sentence-final mark: headings and headlines, which articles
  on one event word alike without translating each other;
* ``nb_en`` / ``nb_zh``: the best cosine of the Chinese sentence with the English sentence's
  neighbours in its document (and of the English one with the Chinese one's): high when the
  content of one side is spread over two sentences of the other, so the pair is only a part of a
  translation (:func:`neighbour_cosines`).

All functions are pure; the work is linear in the number of candidates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .index import VectorRows

# What the evidence reads: one language's sentences (MiningSide) and the candidate pairs between
# two languages' (Candidates, made by align.mining.mutual_candidates).


@dataclass(frozen=True, slots=True)
class Candidates:
    """Mutual-best pairs by ratio margin: arrays of one length, one entry per pair."""

    i: np.ndarray  # (c,) int64 source rows
    j: np.ndarray  # (c,) int64 target rows
    cos: np.ndarray  # (c,) float64
    margin: np.ndarray  # (c,) float64 ratio margin
    gap_fwd: np.ndarray  # (c,) margin minus the source's second-best candidate's margin
    gap_bwd: np.ndarray  # (c,) margin minus the target's second-best candidate's margin

    def __len__(self) -> int:
        return len(self.i)


@dataclass
class MiningSide:
    """One language's sentences as the miner reads them: row r of each field is sentence r."""

    text: Sequence[str]  # cleaned of markup: what is scored
    vecs: np.ndarray | VectorRows  # unit vectors, in memory or read a part at a time (e.g. a store's)
    doc: np.ndarray  # (n,) int64 document of each sentence
    pos: np.ndarray  # (n,) int64 its position in that document's stream of this language

    def __post_init__(self) -> None:  # any sequence of ints, kept as int64 arrays
        self.doc = np.asarray(self.doc, np.int64)
        self.pos = np.asarray(self.pos, np.int64)


FEATURES = (
    "margin",
    "cos",
    "gap_fwd",
    "gap_bwd",
    "len_dev",
    "len_dev2",
    "log_words",
    "anchors",
    "num_unmatched",
    "dice",
    "dice_idf",
    "cover_min",
    "support",
    "doc_share",
    "clause_lr",
    "clause_lr2",
    "sent_diff",
    "cover_gap",
    "unended",
    "nb_en",
    "nb_zh",
)
LEN_PRIOR, LEN_PRIOR_N = 1.05, 10  # usual log length ratio (benchmark mean), worth this many candidates
SUPPORT_WINDOW = 3  # sentences either side in which a neighbouring candidate supports a pair
_MIN_NAME = 4  # shorter capitalised words (The, She, He) collide with pinyin syllables


_CLAUSE_EN = re.compile(r"[,;:]\s|\s[-–—]\s")
_CLAUSE_ZH = re.compile(r"[,;:，；：、]")
_STOP_EN = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"“(\[A-Z-])")
_END_EN = re.compile(r"[.!?…][\"'”’)\]]*$")
_END_ZH = re.compile(r"[。！？!?…][\"”’」』)）]*$")
_STOP_ZH = re.compile(r"[。！？!?][”’」)）]*(?=.)")


def clause_counts(en: str, zh: str) -> tuple[int, int, int, int]:
    """(English clause marks, Chinese clause marks, English sentence ends inside the line, Chinese
    ones). A sentence end inside a line counts as a clause mark too."""
    se, sz = len(_STOP_EN.findall(en)), len(_STOP_ZH.findall(zh.strip()))
    return len(_CLAUSE_EN.findall(en)) + se, len(_CLAUSE_ZH.findall(zh)) + sz, se, sz


def length_log_ratio(en: str, zh: str) -> float:
    """log((characters of en + 1) / (characters of zh + 1)), spaces left out."""
    return float(np.log((len(en.replace(" ", "")) + 1) / (len(zh.replace(" ", "")) + 1)))


_AMOUNT_EN = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)(?:\s*(trillion|billion|million|thousand|bn|mn)\b)?", re.I)
_AMOUNT_ZH = re.compile(r"(\d+(?:[,，]\d{3})*(?:\.\d+)?)\s*(万亿|亿|万|千)?")
_SCALE = {"trillion": 1e12, "billion": 1e9, "bn": 1e9, "million": 1e6, "mn": 1e6, "thousand": 1e3}
_SCALE |= {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3}


def _amounts(pattern: re.Pattern, text: str) -> set[float]:
    """Numbers in Arabic digits with their magnitude word (8.5 billion = 85亿 = 8.5e9), decimals
    kept, to 4 significant digits; values below 2 left out, as the aligner's anchors do."""
    out = set()
    for m in pattern.finditer(text):
        v = float(m.group(1).replace(",", "").replace("，", "")) * _SCALE.get((m.group(2) or "").lower(), 1.0)
        if v >= 2:
            out.add(float(f"{v:.4g}"))
    return out


def numbers_both(en: str, zh: str) -> tuple[set[float], set[float]]:
    """The numbers of each side: Arabic amounts with magnitude (:func:`_amounts`) plus the
    number words and Chinese numerals the aligner reads (``align.scoring.numbers_en`` /
    ``numbers_zh``), those not written in digits."""
    from .scoring import _arabic_integers, numbers_en, numbers_zh

    ne = _amounts(_AMOUNT_EN, en) | {float(v) for v in numbers_en(en) - _arabic_integers(en)}
    nz = _amounts(_AMOUNT_ZH, zh) | {float(v) for v in numbers_zh(zh) - _arabic_integers(zh)}
    return ne, nz


def anchor_counts(en: str, zh: str) -> tuple[int, int]:
    """(shared numbers + English names whose pinyin spelling is in the Chinese, numbers on one side only)."""
    from .scoring import name_tokens_en, pinyin_ngrams

    ne, nz = numbers_both(en, zh)
    names = {t for t in name_tokens_en(en) if len(t) >= _MIN_NAME}
    shared_names = len(names & pinyin_ngrams(zh)) if names else 0
    return len(ne & nz) + shared_names, len(ne ^ nz)


@lru_cache(maxsize=65536)
def _en_lemmas(text: str) -> frozenset[str]:
    from .lexicon import en_lemmas

    return frozenset(en_lemmas(text))


@lru_cache(maxsize=65536)
def _zh_words(text: str) -> tuple[frozenset[str], ...]:
    from termalign.text.segment import to_simplified

    from .lexicon import zh_words

    return tuple(zh_words(to_simplified(text)))


def dictionary_dice(en: str, zh: str) -> float:
    """Dice of dictionary coverage: (English lemmas some Chinese word can mean + Chinese words
    that can mean some English lemma) / (English lemmas + Chinese words). 0 when both are empty."""
    return weighted_dice(_en_lemmas(en), _zh_words(zh))


def weighted_coverage(
    lemmas: frozenset[str],
    words: Sequence[frozenset[str]],
    w_en: dict[str, float] | None = None,
    w_zh: dict[frozenset[str], float] | None = None,
) -> tuple[float, float, float, float]:
    """(covered English weight, all English weight, covered Chinese weight, all Chinese weight):
    an English lemma is covered when some Chinese word can mean it (CC-CEDICT), a Chinese word when
    it can mean some English lemma; each unit weighs ``w_en[lemma]`` / ``w_zh[gloss set]`` (1 by default)."""
    we = (lambda t: w_en.get(t, 1.0)) if w_en else (lambda t: 1.0)
    wz = (lambda g: w_zh.get(g, 1.0)) if w_zh else (lambda g: 1.0)
    glossed = frozenset().union(*words) if words else frozenset()
    return (
        sum(we(t) for t in lemmas if t in glossed),
        sum(we(t) for t in lemmas),
        sum(wz(g) for g in words if g & lemmas),
        sum(wz(g) for g in words),
    )


def weighted_dice(
    lemmas: frozenset[str],
    words: Sequence[frozenset[str]],
    w_en: dict[str, float] | None = None,
    w_zh: dict[frozenset[str], float] | None = None,
) -> float:
    """:func:`dictionary_dice` with weights (:func:`weighted_coverage`); 0 when both sides are empty."""
    ce, te, cz, tz = weighted_coverage(lemmas, words, w_en, w_zh)
    return (ce + cz) / (te + tz) if te + tz > 0 else 0.0


def _idf_weights(sets) -> dict:
    """``lexicon.idf`` of every unit over a list of unit collections (one per candidate)."""
    from collections import Counter

    from .lexicon import idf

    df = Counter(u for s in sets for u in set(s))
    if not df:
        return {}
    units = list(df)
    return dict(zip(units, idf(np.array([df[u] for u in units], np.float64), len(sets))))


def neighbour_support(
    i: np.ndarray, j: np.ndarray, en_doc: np.ndarray, zh_doc: np.ndarray, en_pos: np.ndarray, zh_pos: np.ndarray
) -> np.ndarray:
    """For candidates (English row ``i[c]``, Chinese row ``j[c]``), each at most once per side, the
    number of other candidates between the same two documents whose English sentence lies within
    ``SUPPORT_WINDOW`` positions and whose Chinese one lies within it too, in the same direction.

    ``en_doc``/``en_pos`` (rows,) give each English row's document and position in it; likewise
    for Chinese. Returns (c,) float64."""
    at = {(int(en_doc[a]), int(en_pos[a])): c for c, a in enumerate(i)}
    out = np.zeros(len(i))
    for c, (a, b) in enumerate(zip(i, j)):
        da, pa, db, pb = int(en_doc[a]), int(en_pos[a]), int(zh_doc[b]), int(zh_pos[b])
        n = 0
        for d in range(-SUPPORT_WINDOW, SUPPORT_WINDOW + 1):
            o = at.get((da, pa + d)) if d else None
            if o is None or int(zh_doc[j[o]]) != db:
                continue
            dz = int(zh_pos[j[o]]) - pb
            if dz * d > 0 and abs(dz) <= SUPPORT_WINDOW:
                n += 1
        out[c] = n
    return out


def usual_log_ratio(lrs: np.ndarray) -> float:
    """The run's usual log length ratio (:func:`length_log_ratio`), which ``len_dev`` is read
    against: the median of the candidates' ``lrs``, shrunk towards ``LEN_PRIOR`` with the weight of
    ``LEN_PRIOR_N`` candidates: the 33 candidates of the five example files built together, median
    1.396, give (33 * 1.396 + 10 * 1.05) / 43 = 1.315."""
    c = len(lrs)
    return (c * float(np.median(lrs)) + LEN_PRIOR_N * LEN_PRIOR) / (c + LEN_PRIOR_N) if c else LEN_PRIOR


def evidence(en: MiningSide, zh: MiningSide, cand: Candidates) -> np.ndarray:
    """The (c, len(FEATURES)) float64 feature matrix of the candidates ``cand`` (pairs of rows of
    ``en`` and ``zh``)."""
    i, j = cand.i, cand.j
    c = len(i)
    x = np.zeros((c, len(FEATURES)))
    if c == 0:
        return x
    x[:, 0], x[:, 1], x[:, 2], x[:, 3] = cand.margin, cand.cos, cand.gap_fwd, cand.gap_bwd
    lemmas = [_en_lemmas(en.text[a]) for a in i]
    words = [_zh_words(zh.text[b]) for b in j]
    w_en, w_zh = _idf_weights(lemmas), _idf_weights(words)
    lrs = np.array([length_log_ratio(en.text[a], zh.text[b]) for a, b in zip(i, j)])
    usual = usual_log_ratio(lrs)
    for r, (a, b) in enumerate(zip(i, j)):
        e, z = en.text[a], zh.text[b]
        lr = lrs[r] - usual
        matched, unmatched = anchor_counts(e, z)
        ce, te, cz, tz = weighted_coverage(lemmas[r], words[r], w_en, w_zh)
        x[r, 10] = (ce + cz) / (te + tz) if te + tz > 0 else 0.0
        cov_e, cov_z = ce / te if te > 0 else 0.0, cz / tz if tz > 0 else 0.0
        x[r, 11] = min(cov_e, cov_z)
        ke, kz, se, sz = clause_counts(e, z)
        clr = float(np.log((ke + 1) / (kz + 1)))
        unended = (not _END_EN.search(e.rstrip())) + (not _END_ZH.search(z.rstrip()))
        x[r, 14:19] = (clr, clr * clr, np.log1p(abs(se - sz)), abs(cov_e - cov_z), unended)
        x[r, 4:10] = (
            lr,
            lr * lr,
            np.log1p(len(e.split())),
            np.log1p(matched),
            np.log1p(unmatched),
            dictionary_dice(e, z),
        )
    x[:, 12] = np.log1p(neighbour_support(i, j, en.doc, zh.doc, en.pos, zh.pos))
    x[:, 13] = document_share(i, j, en.doc, zh.doc)
    x[:, 19:21] = neighbour_cosines(i, j, en, zh)
    return x


def neighbour_cosines(i: np.ndarray, j: np.ndarray, en: MiningSide, zh: MiningSide) -> np.ndarray:
    """(c, 2) float64: for each candidate (English row ``i[c]``, Chinese row ``j[c]``), the highest
    cosine of the Chinese sentence with the English sentences just before and after the English one
    in its document, and of the English sentence with the Chinese one's neighbours; 0 where there
    is no neighbour. Only the rows these cosines need are read from the sides' vectors."""
    from .index import row_dots

    out = np.zeros((len(i), 2))
    for col, (rows, other, side, opposite) in enumerate(((i, j, en, zh), (j, i, zh, en))):
        doc, pos = side.doc, side.pos
        if len(rows) == 0:
            continue
        at = {(int(d), int(q)): r for r, (d, q) in enumerate(zip(doc.tolist(), pos.tolist()))}
        for step in (-1, 1):
            nb = np.array([at.get((int(doc[r]), int(pos[r]) + step), -1) for r in rows], np.int64)
            has = nb >= 0
            if has.any():
                c = row_dots(side.vecs, nb[has], opposite.vecs, other[has])  # only these rows are read
                out[has, col] = np.maximum(out[has, col], c)
    return out


def document_share(i: np.ndarray, j: np.ndarray, en_doc: np.ndarray, zh_doc: np.ndarray) -> np.ndarray:
    """For each candidate, (candidates between its two documents) / min(English sentences of its
    English document, Chinese sentences of its Chinese document). Returns (c,) float64 in [0, 1]."""
    from collections import Counter

    n_en, n_zh = Counter(en_doc.tolist()), Counter(zh_doc.tolist())
    pairs = list(zip(en_doc[i].tolist(), zh_doc[j].tolist()))
    count = Counter(pairs)
    return np.array([count[p] / max(min(n_en[p[0]], n_zh[p[1]]), 1) for p in pairs], np.float64)
