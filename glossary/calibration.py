"""The confidence a glossary entry shows, and the score its rank is taken from.

The confidence model (:data:`glossary.pairing.WEIGHTS`) is fitted on candidate pairs, before
linking picks the entries and the rules after it remove wrong ones (partners that leave out a
translation, clauses, fragments). Entries are another population: the rules remove wrong
candidates of high confidence (so a confident entry is right more often than its candidate score
says), while an entry of middling confidence is usually a common word paired once, which is right
less often than its score says. An entry therefore shows its candidate confidence ``p`` through one
logistic map fitted on entries, ``sigmoid(ENTRY_SLOPE * logit(p) + ENTRY_SHIFT)``, while linking,
its floor and the glossary's order keep ``p`` (:func:`link_score` undoes the map exactly, so the order
is the one the candidate model gives). The map is linear in the logit, so the shown confidence is
itself a logistic model of the candidate features (:func:`shown_weights`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

# Fitted by ``python benchmarks/bench_glossary.py --fit-shift`` on the judged dev entries of the
# example corpus and MAC-Dev 001-003 (249 and 300), each random sample of the unjudged entries
# weighted by the share of the entries it stands for (docs/glossary.md, "What the confidence
# means"), never on the held part. ECE over all dev entries, example corpus / MAC-Dev: 0.062 / 0.152
# with the shift alone it replaces (0.669), 0.094 / 0.080 with this map (5-fold CV 0.095 / 0.086).
# The two kinds of text want different maps (fitted on one corpus alone: shift +0.96 on the news,
# -0.33 on the novels); one map serves both.
ENTRY_SLOPE = 1.515
ENTRY_SHIFT = -0.125


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def shown_confidence(p: float) -> float:
    """An entry's confidence from its candidate confidence ``p`` (0 and 1 stay)."""
    if p <= 0.0 or p >= 1.0:
        return p
    return _sigmoid(ENTRY_SLOPE * _logit(p) + ENTRY_SHIFT)


def link_score(confidence: float) -> float:
    """The candidate confidence behind a shown ``confidence`` (the inverse of :func:`shown_confidence`;
    0 and 1 stay): the score the glossary's order multiplies with termhood."""
    if confidence <= 0.0 or confidence >= 1.0:
        return confidence
    return _sigmoid((_logit(confidence) - ENTRY_SHIFT) / ENTRY_SLOPE)


def shown_weights(weights: Sequence[float]) -> list[float]:
    """The logistic weights (bias first) whose confidence is :func:`shown_confidence` of ``weights``' own."""
    return [ENTRY_SLOPE * w + (ENTRY_SHIFT if k == 0 else 0.0) for k, w in enumerate(weights)]
