"""Evidence that a mined (English, Chinese) sentence pair is a translation, beyond one cosine.

The miner (``align.mining``) proposes mutual-best candidates by ratio margin; this module turns
each candidate into a row of features that a logistic model (``mining_model.json``) maps to a
calibrated P(correct). Every feature reuses the aligner's own evidence:

* ``margin``, ``cos``: the candidate's ratio margin and cosine; ``gap_fwd`` / ``gap_bwd``: how far
  its margin stands above the English sentence's second-best candidate, and the Chinese one's
  (margin both ways);
* ``len_lr``, ``len_lr2``: log length ratio (characters) and its square, so the model learns the
  usual ratio and penalises departures; ``log_words``: log(1 + English words), since very short
  lines ("II.", a heading) are the least reliable;
* ``anchors``: shared numbers and transliterated names (``align.scoring.numbers_en`` /
  ``numbers_zh`` / ``name_tokens_en`` / ``pinyin_ngrams``); ``num_unmatched``: numbers on one side
  only;
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
  a few, so a lone topical look-alike between them is doubted.

All functions are pure; the work is linear in the number of candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

FEATURES = (
    "margin",
    "cos",
    "gap_fwd",
    "gap_bwd",
    "len_lr",
    "len_lr2",
    "log_words",
    "anchors",
    "num_unmatched",
    "dice",
    "dice_idf",
    "cover_min",
    "support",
    "doc_share",
)
SUPPORT_WINDOW = 3  # sentences either side in which a neighbouring candidate supports a pair
_MIN_NAME = 4  # shorter capitalised words (The, She, He) collide with pinyin syllables


def length_log_ratio(en: str, zh: str) -> float:
    """log((characters of en + 1) / (characters of zh + 1)), spaces left out."""
    return float(np.log((len(en.replace(" ", "")) + 1) / (len(zh.replace(" ", "")) + 1)))


def anchor_counts(en: str, zh: str) -> tuple[int, int]:
    """(shared numbers + English names whose pinyin spelling is in the Chinese, numbers on one side only)."""
    from .scoring import name_tokens_en, numbers_en, numbers_zh, pinyin_ngrams

    ne, nz = numbers_en(en), numbers_zh(zh)
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


def evidence(
    en: Sequence[str],
    zh: Sequence[str],
    i: np.ndarray,
    j: np.ndarray,
    cos: np.ndarray,
    margin: np.ndarray,
    gap_fwd: np.ndarray,
    gap_bwd: np.ndarray,
    en_doc: np.ndarray,
    zh_doc: np.ndarray,
    en_pos: np.ndarray,
    zh_pos: np.ndarray,
) -> np.ndarray:
    """The (c, len(FEATURES)) float64 feature matrix of candidates ``(i[c], j[c])`` (rows of ``en``/``zh``)."""
    c = len(i)
    x = np.zeros((c, len(FEATURES)))
    if c == 0:
        return x
    x[:, 0], x[:, 1], x[:, 2], x[:, 3] = margin, cos, gap_fwd, gap_bwd
    lemmas = [_en_lemmas(en[a]) for a in i]
    words = [_zh_words(zh[b]) for b in j]
    w_en, w_zh = _idf_weights(lemmas), _idf_weights(words)
    for r, (a, b) in enumerate(zip(i, j)):
        e, z = en[a], zh[b]
        lr = length_log_ratio(e, z)
        matched, unmatched = anchor_counts(e, z)
        ce, te, cz, tz = weighted_coverage(lemmas[r], words[r], w_en, w_zh)
        x[r, 10] = (ce + cz) / (te + tz) if te + tz > 0 else 0.0
        x[r, 11] = min(ce / te if te > 0 else 0.0, cz / tz if tz > 0 else 0.0)
        x[r, 4:10] = (
            lr,
            lr * lr,
            np.log1p(len(e.split())),
            np.log1p(matched),
            np.log1p(unmatched),
            dictionary_dice(e, z),
        )
    x[:, 12] = np.log1p(neighbour_support(i, j, en_doc, zh_doc, en_pos, zh_pos))
    x[:, 13] = document_share(i, j, en_doc, zh_doc)
    return x


def document_share(i: np.ndarray, j: np.ndarray, en_doc: np.ndarray, zh_doc: np.ndarray) -> np.ndarray:
    """For each candidate, (candidates between its two documents) / min(English sentences of its
    English document, Chinese sentences of its Chinese document). Returns (c,) float64 in [0, 1]."""
    from collections import Counter

    n_en, n_zh = Counter(en_doc.tolist()), Counter(zh_doc.tolist())
    pairs = list(zip(en_doc[i].tolist(), zh_doc[j].tolist()))
    count = Counter(pairs)
    return np.array([count[p] / max(min(n_en[p[0]], n_zh[p[1]]), 1) for p in pairs], np.float64)
