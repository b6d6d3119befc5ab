"""Banded dynamic programming over bead types, and its traceback. numpy only: no I/O, no encoder.

``D[i, j]`` is the least cost of aligning source sentences ``0..i-1`` with target sentences
``0..j-1``. A bead of type ``(a, b)`` (a source and b target sentences, both >= 1) ending at
``(i, j)`` adds ``cost[t, i, j]``; a 1-0 bead adds ``skip_src``, a 0-1 bead ``skip_tgt`` (one
cost for every sentence, or an array with one per sentence of that side).
Only cells inside a band (per row ``lo[i] <= j <= hi[i]``) are searched, so a long document
costs about ``n * width`` cells instead of ``n * m``.

Rows are computed one at a time with numpy: all typed beads as a gather from earlier rows, then
the 0-1 chain inside the row as a prefix minimum (``row_with_insertions``). Costs come from a
callback that fills a block of rows at once, so the scorer can use matrix products (BLAS).

An optional boundary cost ``cell_cost(i, cols)`` is paid by every bead, null beads included, that
ends at cell ``(i, j)``: evidence about where beads may *end* (a quotation open on one side and
closed on the other) rather than about what they join.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

# block_costs(i0, i1, c0, c1) -> (T, i1 - i0, c1 - c0) float64: cost of a bead of each type
# ending at rows i0..i1-1 and columns c0..c1-1 (inf where the bead does not fit).
BlockCosts = Callable[[int, int, int, int], np.ndarray]
# cell_cost(i, cols) -> (len(cols),) float64: the boundary cost of ending a bead at (i, cols).
CellCosts = Callable[[int, np.ndarray], np.ndarray]

# The test suite turns this on (tests/conftest.py): then a bead cost that is NaN or -inf, or a
# skip or boundary cost that is not finite, raises instead of silently steering the path (NaN
# never wins an argmin and poisons every sum it enters). Off in use: the check is cheap but
# a user's alignment should not fail on it.
CHECK_FINITE = False

SKIP_SRC = -1  # back-pointer codes for the two null bead types
SKIP_TGT = -2
_ROWS_PER_BLOCK = 32


@dataclass(frozen=True, slots=True)
class Band:
    """Per-row column range ``lo[i] .. hi[i]`` (inclusive), for rows ``0..n``; both monotone."""

    lo: np.ndarray  # (n+1,) int64
    hi: np.ndarray  # (n+1,) int64

    @classmethod
    def full(cls, n: int, m: int) -> Band:
        return cls(np.zeros(n + 1, dtype=np.int64), np.full(n + 1, m, dtype=np.int64))

    def widen(self, by: int, m: int) -> Band:
        """A band that contains this one: ``by`` more columns each side, rows ``by`` apart merged.

        ``lo`` and ``hi`` are non-decreasing, so the least ``lo`` within ``by`` rows of ``i`` is
        ``lo[i - by]`` and the greatest ``hi`` is ``hi[i + by]``.
        """
        n = len(self.lo) - 1
        idx = np.arange(n + 1)
        lo = np.maximum(self.lo[np.maximum(idx - by, 0)] - by, 0)
        hi = np.minimum(self.hi[np.minimum(idx + by, n)] + by, m)
        return Band(lo, hi)

    @property
    def cells(self) -> int:
        return int(np.sum(self.hi - self.lo + 1))


def band_around_path(cells: Sequence[tuple[int, int]], n: int, m: int, width: int) -> Band:
    """The band of all cells within ``width`` rows/columns of a monotone path through (0,0)..(n,m).

    ``cells`` are (i, j) points of the path (DP coordinates, 0..n and 0..m), in order.
    """
    lo = np.full(n + 1, m, dtype=np.int64)
    hi = np.zeros(n + 1, dtype=np.int64)
    pts = sorted(set(cells) | {(0, 0), (n, m)})
    prev_i, prev_j = 0, 0
    for i, j in pts:  # fill the rectangle between consecutive points, so the path is connected
        for r in range(prev_i, i + 1):
            lo[r] = min(lo[r], prev_j)
            hi[r] = max(hi[r], j)
        prev_i, prev_j = i, j
    hi = np.maximum.accumulate(hi)
    lo = np.minimum.accumulate(lo[::-1])[::-1]
    return Band(lo, hi).widen(width, m)


def row_with_insertions(
    base: np.ndarray, skip: float | np.ndarray, cell: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``cost[j] = min(base[j], cost[j-1] + skip + cell[j])`` with no Python loop (``cell``: the
    boundary cost of each column, default 0; ``base`` already includes it); also says where 0-1
    won. ``skip`` may be an array, ``skip[j]`` the cost of the 0-1 step into column j
    (``skip[0]`` unused)."""
    ramp: np.ndarray
    if isinstance(skip, np.ndarray):
        ramp = np.zeros(base.size)
        np.cumsum(skip[1:], out=ramp[1:])
    else:
        ramp = skip * np.arange(base.size)
    if cell is not None:
        ramp = ramp + np.cumsum(cell)
    shifted = base - ramp
    best = np.minimum.accumulate(shifted)
    return best + ramp, best < shifted


@dataclass(frozen=True, slots=True)
class Path:
    """The best bead path: ``steps[k] = (a, b, i, j)``, a bead of a source and b target sentences
    ending at DP cell (i, j); ``cost[k]`` its own cost, ``gap[k]`` how much worse the best other
    choice at that cell was (inf when there was none). ``total`` is the summed cost."""

    steps: tuple[tuple[int, int, int, int], ...]
    cost: np.ndarray
    gap: np.ndarray
    total: float


def banded_dp(
    block_costs: BlockCosts,
    types: Sequence[tuple[int, int]],
    n: int,
    m: int,
    skip_src: float | np.ndarray,
    skip_tgt: float | np.ndarray,
    band: Band | None = None,
    cell_cost: CellCosts | None = None,
) -> Path:
    """Least-cost monotone bead path from (0, 0) to (n, m) inside ``band``.

    ``types`` are the (a, b) bead types with a, b >= 1; 1-0 and 0-1 are always allowed, at
    ``skip_src`` / ``skip_tgt`` each (a number, or an (n,) / (m,) array: the cost of leaving
    that sentence unpaired); every bead ending at (i, j) also pays ``cell_cost(i, [j])`` when
    given. Raises ValueError if the band has no path.
    """
    band = band or Band.full(n, m)
    skip_src, skip_tgt = _one_if_constant(skip_src), _one_if_constant(skip_tgt)
    if (
        isinstance(skip_src, np.ndarray)
        and skip_src.shape != (n,)
        or (isinstance(skip_tgt, np.ndarray) and skip_tgt.shape != (m,))
    ):
        raise ValueError(f"skip costs of shape {np.shape(skip_src)}, {np.shape(skip_tgt)} for {n} x {m} sentences")
    if CHECK_FINITE and not (np.isfinite(skip_src).all() and np.isfinite(skip_tgt).all()):
        raise FloatingPointError(f"non-finite skip cost ({skip_src}, {skip_tgt})")
    lo, hi = band.lo, band.hi
    if lo[0] != 0 or hi[n] != m:
        raise ValueError("band must contain (0, 0) and (n, m)")
    width = hi - lo + 1
    off = np.zeros(n + 2, dtype=np.int64)
    np.cumsum(width, out=off[1:])
    D = np.full(off[-1], np.inf)
    second = np.full(off[-1], np.inf)  # the best cost of any other choice at the cell
    ptr = np.zeros(off[-1], dtype=np.int16)
    own = np.zeros(off[-1])  # cost of the chosen bead itself
    T = len(types)
    a_arr = [a for a, _ in types]
    b_arr = [b for _, b in types]

    # row 0: only 0-1 beads
    q0 = cell_cost(0, np.arange(lo[0], hi[0] + 1)) if cell_cost else None
    s0 = _tgt_skip(skip_tgt, np.arange(lo[0], hi[0] + 1))
    r0, _ = row_with_insertions(np.where(np.arange(width[0]) + lo[0] == 0, 0.0, np.inf), s0, q0)
    D[off[0] : off[1]] = r0
    ptr[off[0] + 1 : off[1]] = SKIP_TGT
    own[off[0] + 1 : off[1]] = (s0[1:] if isinstance(s0, np.ndarray) else s0) + (q0[1:] if q0 is not None else 0.0)

    block = None
    bi0 = 1
    for i in range(1, n + 1):
        if block is None or i >= bi0 + block.shape[1]:
            bi0 = i
            bi1 = min(n + 1, i + _ROWS_PER_BLOCK)
            bc0, bc1 = int(lo[bi0]), int(hi[bi1 - 1]) + 1
            block = block_costs(bi0, bi1, bc0, bc1) if T else np.zeros((0, bi1 - bi0, bc1 - bc0))
            if CHECK_FINITE and (np.isnan(block).any() or np.isneginf(block).any()):
                raise FloatingPointError(f"NaN or -inf bead cost in rows {bi0}..{bi1 - 1}")
        cols = np.arange(lo[i], hi[i] + 1)
        w = cols.size
        cand = np.full((T + 1, w), np.inf)
        # inf, not np.empty: the rows of types that do not fit yet (a > i) are never filled, and
        # uninitialised memory there made ``bead += q`` warn "invalid value" (a signalling NaN)
        bead = np.full((T + 1, w), np.inf)
        # 1-0: from (i-1, j)
        s_src = skip_src[i - 1] if isinstance(skip_src, np.ndarray) else skip_src
        cand[T] = _gather(D, off, lo, hi, i - 1, cols) + s_src
        bead[T] = s_src
        crow = block[:, i - bi0, lo[i] - bc0 : hi[i] + 1 - bc0]
        for t in range(T):
            a, b = a_arr[t], b_arr[t]
            if a > i:
                continue
            prev = _gather(D, off, lo, hi, i - a, cols - b)
            cand[t] = prev + crow[t]
            bead[t] = crow[t]
        q = cell_cost(i, cols) if cell_cost else None
        if CHECK_FINITE and q is not None and not np.isfinite(q).all():
            raise FloatingPointError(f"non-finite boundary cost in row {i}")
        if q is not None:
            cand += q
            bead += q
        k = np.argmin(cand, axis=0)
        base = cand[k, np.arange(w)]
        part = np.partition(cand, 1, axis=0)[1] if T + 1 > 1 else np.full(w, np.inf)
        s_tgt = _tgt_skip(skip_tgt, cols)
        row, ins = row_with_insertions(base, s_tgt, q)
        s = slice(off[i], off[i + 1])
        D[s] = row
        back = np.where(k == T, SKIP_SRC, k).astype(np.int16)
        back[ins] = SKIP_TGT
        ptr[s] = back
        ins_cost = s_tgt + (q if q is not None else 0.0)
        own[s] = np.where(ins, ins_cost, bead[k, np.arange(w)])
        # the runner-up: for a typed choice the second-best typed/1-0 candidate (or the 0-1 chain);
        # for a 0-1 choice the best typed candidate
        chain = np.concatenate([[np.inf], row[:-1]]) + ins_cost
        second[s] = np.where(ins, base, np.minimum(part, chain))
    if not np.isfinite(D[off[n] + (m - lo[n])]):
        raise ValueError("no bead path inside the band")
    steps, costs, gaps = [], [], []
    i, j = n, m
    while i > 0 or j > 0:
        c = off[i] + (j - lo[i])
        p = int(ptr[c])
        a, b = (1, 0) if p == SKIP_SRC else (0, 1) if p == SKIP_TGT else types[p]
        steps.append((a, b, i, j))
        costs.append(own[c])
        gaps.append(second[c] - D[c])
        i, j = i - a, j - b
    steps.reverse()
    return Path(tuple(steps), np.array(costs[::-1]), np.array(gaps[::-1]), float(D[off[n] + (m - lo[n])]))


def _one_if_constant(skip: float | np.ndarray) -> float | np.ndarray:
    """A skip array whose entries are all equal as that number, so the DP takes the same
    arithmetic (and gives the same path, bit for bit) as when it is given the number."""
    if not np.ndim(skip):
        return float(skip)
    arr = np.asarray(skip, dtype=np.float64)
    if not arr.size:  # a side with no sentences: no null bead to pay for
        return 0.0
    return float(arr[0]) if (arr == arr[0]).all() else arr


def _tgt_skip(skip_tgt: float | np.ndarray, cols: np.ndarray) -> float | np.ndarray:
    """The 0-1 cost of stepping into each of ``cols``: the skip cost of target sentence col - 1
    (column 0, which no 0-1 bead enters, gets sentence 0's); the number itself when it is one."""
    return skip_tgt[np.maximum(cols - 1, 0)] if isinstance(skip_tgt, np.ndarray) else skip_tgt


def _gather(D: np.ndarray, off: np.ndarray, lo: np.ndarray, hi: np.ndarray, r: int, cols: np.ndarray) -> np.ndarray:
    """D[r, cols] with inf outside row r's band."""
    ok = (cols >= lo[r]) & (cols <= hi[r])
    out = np.full(cols.size, np.inf)
    out[ok] = D[off[r] + cols[ok] - lo[r]]
    return out


def path_cells(path: Path) -> list[tuple[int, int]]:
    """The DP cells a path passes through (bead ends), with (0, 0)."""
    return [(0, 0)] + [(i, j) for _, _, i, j in path.steps]
