"""Clause-level evidence for where a bead ends: boundary vectors from first and last clauses.

Window vectors say what two beads contain; they say little about *where* one bead hands over to
the next, which is where most of an aligner's mistakes are (a sentence given to its neighbour's
bead). The material right before a true boundary corresponds on the two sides, and so does the
material right after it; across it, it does not. So for the boundary before sentence i of a side,

    u[i] = vec(last clause of sentence i-1) - vec(first clause of sentence i)

and a DP cell (i, j) gets the boundary score ``u_src[i] . u_tgt[j]``, which expands to
``tail.tail' + head.head' - tail.head' - head.tail'``: positive when each side's ends match the
other side's ends of the same sentences and not the crossed ones. Clauses are split at commas,
semicolons, colons (and dashes in English); a one-clause sentence is its own first and last
clause. On MAC-Dev's gold boundaries the score is positive at 96% (mean 0.59), at the boundaries
the aligner got wrong without it 57% (mean 0.06); BENCHMARKS.md has the effect on F1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_CLAUSE_ZH = re.compile(r"(?<=[，,；;：:])")
_CLAUSE_EN = re.compile(r"(?<=[,;:])\s+|(?<=—)")


def split_clauses(sentence: str, lang: str) -> list[str]:
    """The clauses of a sentence, split after commas, semicolons and colons (and dashes in
    English), stripped; a one-clause sentence gives ``[sentence]``."""
    rx = _CLAUSE_ZH if lang.startswith("zh") else _CLAUSE_EN
    parts = [p.strip() for p in rx.split(sentence) if p.strip()]
    return parts or [sentence]


def head_tail(sentence: str, lang: str) -> tuple[str, str]:
    """The first and the last clause of a sentence (both the sentence when it has one clause)."""
    parts = split_clauses(sentence, lang)
    if len(parts) < 2:
        return sentence, sentence
    return parts[0], parts[-1]


def boundary_vectors(enc, sentences: Sequence[str], lang: str, single: np.ndarray) -> np.ndarray:
    """(n+1, dim) float32: row i (0 < i < n) is the last clause's vector of sentence i-1 minus the
    first clause's vector of sentence i; rows 0 and n (the document's ends) are zero.

    ``single`` (n, dim) are the sentences' own unit vectors, used for one-clause sentences; each
    distinct clause text is encoded once with ``enc``.
    """
    from termalign.models.base import encode_unique

    n = len(sentences)
    single = np.asarray(single, dtype=np.float32)
    out = np.zeros((n + 1, single.shape[1]), dtype=np.float32)
    if n < 2:
        return out
    ends = [head_tail(s, lang) for s in sentences]
    vec = dict(zip(sentences, single))  # a one-clause sentence is its own first and last clause
    pieces = sorted({p for e in ends for p in e} - vec.keys())
    vec.update(zip(pieces, encode_unique(enc, pieces)))
    heads = np.stack([vec[h] for h, _ in ends])
    tails = np.stack([vec[t] for _, t in ends])
    out[1:n] = tails[:-1] - heads[1:]
    return out
