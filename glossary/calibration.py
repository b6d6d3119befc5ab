"""The confidence a glossary entry shows, and the score its rank is taken from.

The confidence model (:data:`glossary.pairing.WEIGHTS`) is fitted on candidate pairs, before
linking picks the entries and the rules after it remove wrong ones (partners that leave out a
translation, clauses, fragments). If those steps keep a right candidate with probability s1 and a
wrong one with s0, whatever its features, the odds of a survivor are the candidate's odds times
s1 / s0: a constant shift of the logit. So an entry shows ``sigmoid(logit(p) + ENTRY_SHIFT)``,
where ``p`` is the candidate model's confidence, while linking, its floor and the glossary's
order keep ``p`` (:func:`link_score` undoes the shift exactly, so the order is the one the
candidate model gives; ranking by the shifted confidence moved wrong entries of low confidence
and high termhood into the dev top 100s).
"""

from __future__ import annotations

import math

# Fitted by ``python benchmarks/bench_glossary.py --fit-shift`` on the judged dev entries (165 of
# the example corpus, 147 of MAC-Dev 001-003), one parameter with a Gaussian prior centred on no
# shift; the prior's strength (10 per corpus) chosen by fitting on one corpus and judging the
# other, both ways. Fitted on one corpus, judged on the other, it lowered ECE both ways
# (example -> MAC-Dev 0.126 -> 0.068, MAC-Dev -> example 0.160 -> 0.102).
ENTRY_SHIFT = 0.669
_ODDS = math.exp(ENTRY_SHIFT)


def shown_confidence(p: float) -> float:
    """An entry's confidence from its candidate confidence ``p``: the odds times ``exp(ENTRY_SHIFT)``."""
    return p * _ODDS / (p * _ODDS + 1.0 - p)


def link_score(confidence: float) -> float:
    """The candidate confidence behind a shown ``confidence`` (the inverse of :func:`shown_confidence`;
    0 and 1 stay): the score the glossary's order multiplies with termhood."""
    return confidence / (confidence + (1.0 - confidence) * _ODDS)
