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
  glosses connect (``align.lexicon``);
* ``support``: other candidates between the same two documents within three sentences on both
  sides and in the same order (sentences of documents running in parallel support each other).

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
    "support",
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
    from .lexicon import zh_words
    from .segment import to_simplified

    return tuple(zh_words(to_simplified(text)))


def dictionary_dice(en: str, zh: str) -> float:
    """Dice of dictionary coverage: (English lemmas some Chinese word can mean + Chinese words
    that can mean some English lemma) / (English lemmas + Chinese words). 0 when both are empty."""
    lemmas, words = _en_lemmas(en), _zh_words(zh)
    if not lemmas and not words:
        return 0.0
    glossed = frozenset().union(*words) if words else frozenset()
    cov_en = len(lemmas & glossed)
    cov_zh = sum(1 for w in words if w & lemmas)
    return (cov_en + cov_zh) / (len(lemmas) + len(words))


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
    for r, (a, b) in enumerate(zip(i, j)):
        e, z = en[a], zh[b]
        lr = length_log_ratio(e, z)
        matched, unmatched = anchor_counts(e, z)
        x[r, 4:10] = (
            lr,
            lr * lr,
            np.log1p(len(e.split())),
            np.log1p(matched),
            np.log1p(unmatched),
            dictionary_dice(e, z),
        )
    x[:, 10] = np.log1p(neighbour_support(i, j, en_doc, zh_doc, en_pos, zh_pos))
    return x
