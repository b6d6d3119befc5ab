"""Per-side features of every window of 1..k consecutive sentences (Vecalign's "overlaps").

A bead of a source and b target sentences is scored from window features: the vector of the
joined sentences, their character count, the anchor tokens (numbers, names) they contain and
their dictionary lemmas (``lexicon``). Window sums use cumulative sums, so every window costs
O(1) after one pass; the lemma incidence is sparse (its vocabulary is the document's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Side:
    """Everything the scorer needs about one side of a document pair.

    ``vecs``: (K, n, dim) float32 unit window vectors (``vecs[k-1, i]`` = sentences i..i+k-1,
    zero rows past the end); ``chars``: (K, n) float64 window character counts (non-space);
    ``anchors``: (K, n, L) float32, 1 where the window contains anchor token l; ``lex``: K
    (n, V) float32, ``scipy.sparse`` CSR or dense (as ``lexicon.lexicon_matrices`` made them), nonzero where window (k, i) has dictionary lemma v (1, or
    the lemma's weight; empty, V = 0, when there is no dictionary evidence); ``lex_n``: (K, n)
    float64, the window's (weighted) count of lexical units (English content lemmas, or Chinese
    content words); ``quote``: (n, 2) float64 per sentence, ``need`` and ``have`` of an open
    quotation at its end (``quotes.quote_evidence``; zeros when there is no such evidence);
    ``bound``: (n+1, dim) float32 boundary vectors (``clauses.boundary_vectors``), or None.
    """

    vecs: np.ndarray
    chars: np.ndarray
    anchors: np.ndarray
    lex: tuple
    lex_n: np.ndarray
    quote: np.ndarray
    bound: np.ndarray | None = None

    @property
    def n(self) -> int:
        return self.vecs.shape[1]

    @property
    def max_window(self) -> int:
        return self.vecs.shape[0]


def sentence_chars(sentences: Sequence[str]) -> np.ndarray:
    """Characters per sentence, spaces not counted; shape (n,) float64."""
    return np.array([len(s) - s.count(" ") for s in sentences], dtype=np.float64)


def window_sums(x: np.ndarray, max_window: int) -> np.ndarray:
    """Sums over windows: ``out[k-1, i] = x[i] + ... + x[i+k-1]`` (zero past the end).

    ``x`` has shape (n, ...) and the result (max_window, n, ...), same dtype family.
    """
    n = x.shape[0]
    csum = np.zeros((n + 1,) + x.shape[1:], dtype=np.float64)
    np.cumsum(x, axis=0, out=csum[1:])
    out = np.zeros((max_window,) + x.shape, dtype=np.float64)
    for k in range(1, max_window + 1):
        if n - k + 1 > 0:
            out[k - 1, : n - k + 1] = csum[k:] - csum[: n - k + 1]
    return out


def window_incidence(x, max_window: int) -> tuple:
    """Window "or", generalised to weights: ``out[k-1][i, v]`` = the largest ``x[r, v]`` over
    sentences r = i..i+k-1 (1 when any has v, for 0/1 incidence; zero rows past the end).
    ``x`` (n, V), non-negative, CSR or a dense array -> ``max_window`` (n, V) float32 of the same
    kind."""
    if isinstance(x, np.ndarray):
        return _dense_window_incidence(x, max_window)
    from scipy import sparse

    n = x.shape[0]
    x = sparse.csr_matrix(x, dtype=np.float32)
    acc, out = x, []
    for k in range(1, max_window + 1):
        if k > 1:  # add sentence i+k-1 to window i: x shifted up by k-1 rows
            acc = acc.maximum(
                sparse.vstack([x[k - 1 :], sparse.csr_matrix((min(k - 1, n), x.shape[1]), dtype=np.float32)])
            )
        keep = (np.arange(n) <= n - k).astype(np.float32)
        w = sparse.diags(keep) @ acc
        w.eliminate_zeros()
        out.append(sparse.csr_matrix(w, dtype=np.float32))
    return tuple(out)


def _dense_window_incidence(x: np.ndarray, max_window: int) -> tuple:
    x = np.asarray(x, dtype=np.float32)
    run, out = x, []  # run[i] = max of x[i] .. x[i+k-1], for the current k
    for k in range(1, max_window + 1):
        if k > 1:
            run = np.maximum(run[:-1], x[k - 1 :])
        w = np.zeros_like(x)
        w[: run.shape[0]] = run
        out.append(w)
    return tuple(out)


def make_side(
    vecs: np.ndarray,
    chars: np.ndarray,
    anchors: np.ndarray,
    lex=None,
    lex_count: np.ndarray | None = None,
    quote: np.ndarray | None = None,
    bound: np.ndarray | None = None,
) -> Side:
    """Build a Side from window vectors (K, n, dim), per-sentence chars (n,), anchors (n, L) and
    optionally dictionary lemma incidence (sparse (n, V), 0/1 or weights) with per-sentence
    (weighted) unit counts (n,), quotation states (n, 2) and boundary vectors (n+1, dim)."""
    K, n = vecs.shape[0], vecs.shape[1]
    if lex is None:
        lex, lex_count = np.zeros((n, 0), dtype=np.float32), np.zeros(n)
    return Side(
        vecs=np.ascontiguousarray(vecs, dtype=np.float32),
        chars=window_sums(np.asarray(chars, dtype=np.float64), K),
        anchors=window_any(np.asarray(anchors) > 0, K),
        lex=window_incidence(lex, K),
        lex_n=window_sums(np.asarray(lex_count, dtype=np.float64), K),
        quote=np.zeros((n, 2)) if quote is None else np.asarray(quote, dtype=np.float64),
        bound=None if bound is None else np.ascontiguousarray(bound, dtype=np.float32),
    )


def window_any(x: np.ndarray, max_window: int) -> np.ndarray:
    """``out[k-1, i] = 1`` where any of ``x[i] .. x[i+k-1]`` is true (zero past the end).

    ``x`` (n, L) bool -> (max_window, n, L) float32: the same 0/1 values as thresholding
    ``window_sums``, without its float64 cumulative sums (for L = 512 anchor tokens those were
    8 bytes x 512 x max_window per sentence, and then some).
    """
    out = np.zeros((max_window,) + x.shape, dtype=np.float32)
    run = np.array(x, dtype=bool)  # run[i] = x[i] | ... | x[i+k-1], for the current k
    for k in range(1, max_window + 1):
        if k > 1:
            run = run[:-1] | x[k - 1 :]
        if run.shape[0] == 0:
            break
        out[k - 1, : run.shape[0]] = run
    return out


def stack_windows(single: np.ndarray, max_window: int) -> np.ndarray:
    """Approximate window vectors from sentence vectors alone: the normalised sum of the
    sentence vectors in the window. (n, dim) -> (max_window, n, dim); zero rows past the end.
    Used for coarse passes and tests, where no encoder is at hand."""
    w = window_sums(np.asarray(single, dtype=np.float64), max_window)
    norm = np.linalg.norm(w, axis=-1, keepdims=True)
    return (w / np.maximum(norm, 1e-12)).astype(np.float32)
