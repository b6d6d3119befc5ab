"""The confidence a glossary entry shows, and the score its rank is taken from.

The confidence model (:data:`WEIGHTS` below) is fitted on candidate pairs, before
linking picks the entries and the rules after it remove wrong ones (partners that leave out a
translation, clauses, fragments). Entries are another population: the rules remove wrong
candidates of high confidence (so a confident entry is right more often than its candidate score
says), while an entry of middling confidence is usually a common word paired once, which is right
less often than its score says, and more so in a novel than in the news. An entry therefore shows
its candidate confidence ``p`` through one logistic map fitted on entries that also reads the entry's
termhood ``t`` (:mod:`glossary.termhood`; a general word is wrong more often than a term of the
same ``p``): ``sigmoid(ENTRY_SLOPE * logit(p) + ENTRY_SHIFT + ENTRY_TERMHOOD * t)``. Linking, its floor
and the glossary's order keep ``p``: the order is ``p`` times termhood (:func:`link_score` undoes the
map, for an entry whose ``p`` is not at hand).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

# The candidate model: a logistic regression over these features of a candidate pair
# (glossary.pairing computes them).
FEATURES = (
    "bias",
    "sim",
    "dice",
    "log_cooc",
    "llr",
    "translit",
    "paren",
    "best_zh",
    "best_en",
    "len_fit",
    "zh_extra",
    "en_extra",
    "en_head",
    "log_recur",
    "en_cut",
)
# Fitted by ``fit_weights`` (L2 = 0.3) on the labelled candidate pairs of the dev part of the gold
# (``python benchmarks/bench_glossary.py --fit``; 1,022 pairs, 252 correct): 3-fold held-out log-loss
# 0.244, accuracy 0.897; of the dev pairs given 0.9 and up, 98% are right (60 pairs).
WEIGHTS = (
    -7.156,
    4.620,
    1.073,
    -0.620,
    -0.767,
    1.471,
    1.047,
    2.532,
    1.321,
    1.911,
    -0.424,
    -0.176,
    -0.166,
    1.811,
    -1.532,
)

# Fitted by ``python benchmarks/bench_glossary.py --fit-shift`` on the judged dev entries of the
# example corpus, MAC-Dev 001-003 and the first two non-literary probes (248, 288, 108 and 107), each
# random sample of the unjudged entries weighted by the share of the entries it stands for (docs/glossary.md,
# "What the confidence means"), never on a held part. ECE over all dev entries under 5-fold
# cross-validation, example corpus / MAC-Dev / probes / pooled: 0.070 / 0.080 / 0.024 / 0.037 / 0.050
# (glossary:25's candidates; the map before glossary:25, 1.570, -0.513 and 5.048, was fitted on the first
# two alone).
ENTRY_SLOPE = 1.531
ENTRY_SHIFT = -0.469
ENTRY_TERMHOOD = 4.788


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _offset(termhood: float | None) -> float:
    return ENTRY_SHIFT + ENTRY_TERMHOOD * (termhood or 0.0)


def candidate_confidence(x: Iterable[float]) -> float:
    """The candidate model's confidence of one feature row (as ``glossary.pairing.confidence`` with
    :data:`WEIGHTS`; the store orders its entries by it)."""
    return _sigmoid(sum(w * float(v) for w, v in zip(WEIGHTS, x)))


def shown_confidence(p: float, termhood: float | None = None) -> float:
    """An entry's confidence from its candidate confidence ``p`` and its ``termhood`` (None: 0);
    0 and 1 stay."""
    if p <= 0.0 or p >= 1.0:
        return p
    return _sigmoid(ENTRY_SLOPE * _logit(p) + _offset(termhood))


def link_score(confidence: float, termhood: float | None = None) -> float:
    """The candidate confidence behind a shown ``confidence`` of an entry of this ``termhood`` (the
    inverse of :func:`shown_confidence`; 0 and 1 stay). Exact below the cap on the shown confidence
    (``pairing.MAX_CONFIDENCE``); at the cap it is the least candidate confidence that reaches it."""
    if confidence <= 0.0 or confidence >= 1.0:
        return confidence
    return _sigmoid((_logit(confidence) - _offset(termhood)) / ENTRY_SLOPE)


def shown_weights(weights: Sequence[float], termhood: float = 0.0) -> list[float]:
    """The logistic weights (bias first) whose confidence is :func:`shown_confidence` of ``weights``' own,
    for entries of this ``termhood``."""
    return [ENTRY_SLOPE * w + (_offset(termhood) if k == 0 else 0.0) for k, w in enumerate(weights)]
