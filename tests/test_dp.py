"""The DP core: exhaustive oracle, coverage property, band monotonicity (numpy only, no encoder)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termalign.align.beads import Bead, covers_exactly
from termalign.align.confidence import FEATURES
from termalign.align.dp import Band, band_around_path, banded_dp, row_with_insertions
from termalign.align.overlap import stack_windows
from termalign.align.pipeline import AlignParams, AlignSide, align_sides

TYPES = [(1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1)]


def _costs(n: int, m: int, seed: int) -> np.ndarray:
    """Random costs (T, n+1, m+1) indexed by bead end cell; inf where a bead does not fit."""
    rng = np.random.default_rng(seed)
    c = rng.uniform(0.0, 2.0, size=(len(TYPES), n + 1, m + 1))
    for t, (a, b) in enumerate(TYPES):
        c[t, :a, :] = np.inf
        c[t, :, :b] = np.inf
    return c


def _block(c: np.ndarray):
    return lambda i0, i1, c0, c1: c[:, i0:i1, c0:c1]


def _brute(c: np.ndarray, n: int, m: int, skip: float, cell: np.ndarray | None = None, skips=None) -> float:
    """Every monotone bead path, by plain recursion: the oracle. ``cell`` (n+1, m+1): a cost paid
    by every bead that ends at the cell; ``skips``: (per source, per target sentence) null costs
    instead of ``skip``."""
    s_src, s_tgt = skips if skips is not None else ([skip] * n, [skip] * m)

    @functools.cache
    def best(i: int, j: int) -> float:
        if i == 0 and j == 0:
            return 0.0
        out = np.inf
        if i > 0:
            out = min(out, best(i - 1, j) + s_src[i - 1])
        if j > 0:
            out = min(out, best(i, j - 1) + s_tgt[j - 1])
        for t, (a, b) in enumerate(TYPES):
            if i >= a and j >= b:
                out = min(out, best(i - a, j - b) + c[t, i, j])
        return out + (cell[i, j] if cell is not None else 0.0)

    return best(n, m)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 5), st.integers(0, 5), st.integers(0, 2**32 - 1), st.floats(0.1, 2.0))
def test_dp_equals_exhaustive_search(n, m, seed, skip):
    c = _costs(n, m, seed)
    path = banded_dp(_block(c), TYPES, n, m, skip, skip)
    assert np.isclose(path.total, _brute(c, n, m, skip))
    # the path's own bead costs add up to the total, and it ends where it should
    assert np.isclose(path.cost.sum(), path.total)
    assert sum(a for a, _, _, _ in path.steps) == n and sum(b for _, b, _, _ in path.steps) == m


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 5), st.integers(0, 5), st.integers(0, 2**32 - 1), st.floats(0.1, 2.0))
def test_boundary_costs_are_paid_by_every_bead_ending_at_the_cell(n, m, seed, skip):
    c = _costs(n, m, seed)
    cell = np.random.default_rng(seed + 1).choice([0.0, 0.3, 1.5], size=(n + 1, m + 1))
    path = banded_dp(_block(c), TYPES, n, m, skip, skip, cell_cost=lambda i, cols: cell[i, cols])
    assert np.isclose(path.total, _brute(c, n, m, skip, cell))
    assert np.isclose(path.cost.sum(), path.total)  # each bead's own cost includes its boundary


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30), st.integers(1, 30), st.integers(0, 2**32 - 1))
def test_beads_cover_every_sentence_once_in_order(n, m, seed):
    rng = np.random.default_rng(seed)
    src = stack_windows(rng.normal(size=(n, 16)), 4)
    tgt = stack_windows(rng.normal(size=(m, 16)), 4)
    beads = align_sides(AlignSide(src), AlignSide(tgt), AlignParams(max_merge=4, max_total=5)).beads
    assert covers_exactly(beads, n, m)
    assert all(0.0 <= b.score <= 1.0 for b in beads)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 25), st.integers(2, 25), st.integers(0, 2**32 - 1), st.integers(0, 4))
def test_widening_the_band_never_makes_the_cost_worse(n, m, seed, width):
    c = _costs(n, m, seed)
    diag = [(round(k * n / max(n, m)), round(k * m / max(n, m))) for k in range(max(n, m) + 1)]
    narrow = band_around_path(diag, n, m, width)
    wide = narrow.widen(2, m)
    full = Band.full(n, m)
    t_narrow = banded_dp(_block(c), TYPES, n, m, 1.0, 1.0, narrow).total
    t_wide = banded_dp(_block(c), TYPES, n, m, 1.0, 1.0, wide).total
    t_full = banded_dp(_block(c), TYPES, n, m, 1.0, 1.0, full).total
    assert t_full <= t_wide + 1e-9 <= t_narrow + 2e-9


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 5), st.integers(0, 5), st.integers(0, 2**32 - 1))
def test_per_sentence_skip_costs_equal_exhaustive_search(n, m, seed):
    c = _costs(n, m, seed)
    rng = np.random.default_rng(seed + 1)
    s_src, s_tgt = rng.uniform(0.1, 2.0, n), rng.uniform(0.1, 2.0, m)
    q = rng.uniform(0.0, 0.5, size=(n + 1, m + 1))
    path = banded_dp(_block(c), TYPES, n, m, s_src, s_tgt, cell_cost=lambda i, cols: q[i, cols])
    assert path.total == pytest.approx(_brute(c, n, m, 0.0, q, (s_src, s_tgt)))
    assert sum(path.cost) == pytest.approx(path.total)
    for (a, b, i, j), own in zip(path.steps, path.cost):  # a null bead's own cost is its sentence's
        if a + b == 1:
            assert own == pytest.approx((s_src[i - 1] if a else s_tgt[j - 1]) + q[i, j])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30), st.integers(1, 30), st.integers(0, 2**32 - 1), st.floats(0.1, 2.0))
def test_constant_skip_arrays_give_the_scalar_path_bit_for_bit(n, m, seed, skip):
    c = _costs(n, m, seed)
    q = np.random.default_rng(seed).uniform(0.0, 0.5, size=(n + 1, m + 1))
    band = Band.full(n, m)
    one = banded_dp(_block(c), TYPES, n, m, skip, skip, band, lambda i, cols: q[i, cols])
    arr = banded_dp(_block(c), TYPES, n, m, np.full(n, skip), np.full(m, skip), band, lambda i, cols: q[i, cols])
    assert one.steps == arr.steps and one.total == arr.total
    assert np.array_equal(one.cost, arr.cost) and np.array_equal(one.gap, arr.gap)


def test_a_cheap_skip_leaves_that_sentence_unpaired():
    # three source sentences, two target: 2 pairs well with target 1, so one of 1-2 must go
    c = np.full((len(TYPES), 4, 3), np.inf)
    c[0, 1, 1] = 0.1  # 1-1 (0, 0)
    c[0, 2, 2] = 0.5  # 1-1 (1, 1)
    c[0, 3, 2] = 0.5  # 1-1 (2, 1)
    c[2, 3, 2] = 0.9  # 2-1 (1-2, 1)
    plain = banded_dp(_block(c), TYPES, 3, 2, 1.0, 1.0)
    assert [(a, b) for a, b, _, _ in plain.steps] == [(1, 1), (2, 1)]
    cheap = banded_dp(_block(c), TYPES, 3, 2, np.array([1.0, 1.0, 0.2]), np.ones(2))
    assert [(a, b, i, j) for a, b, i, j in cheap.steps] == [(1, 1, 1, 1), (1, 1, 2, 2), (1, 0, 3, 2)]
    assert cheap.cost[-1] == 0.2


def test_row_with_insertions_matches_the_loop():
    rng = np.random.default_rng(0)
    base = rng.uniform(0, 5, 50)
    base[rng.integers(0, 50, 10)] = np.inf
    got, ins = row_with_insertions(base, 0.7)
    want = base.copy()
    for j in range(1, 50):
        want[j] = min(want[j], want[j - 1] + 0.7)
    assert np.allclose(got, want)
    assert not ins[0]
    cell = rng.uniform(0, 1, 50)
    got, _ = row_with_insertions(base + cell, 0.7, cell)
    want = base + cell
    for j in range(1, 50):
        want[j] = min(want[j], want[j - 1] + 0.7 + cell[j])
    assert np.allclose(got, want)
    skip = rng.uniform(0, 1, 50)  # one cost per column
    got, _ = row_with_insertions(base + cell, skip, cell)
    want = base + cell
    for j in range(1, 50):
        want[j] = min(want[j], want[j - 1] + skip[j] + cell[j])
    assert np.allclose(got, want)


def test_identical_vectors_align_one_to_one():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 32))
    side = AlignSide(stack_windows(x, 3))
    beads = align_sides(side, side, AlignParams(max_merge=3, max_total=4)).beads
    assert list(beads) == [Bead((i,), (i,), b.score) for i, b in enumerate(beads)]


def test_long_input_uses_a_band_and_still_finds_the_diagonal():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(600, 32))
    y = x + 0.3 * rng.normal(size=x.shape)
    p = AlignParams(max_merge=2, max_total=3, max_cells=20_000)  # forces coarse-to-fine
    beads = align_sides(AlignSide(stack_windows(x, 2)), AlignSide(stack_windows(y, 2)), p).beads
    assert covers_exactly(beads, 600, 600)
    assert sum(b.src == b.tgt for b in beads) >= 590


def test_the_trace_holds_what_each_bead_was_found_with():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(30, 16))
    y = np.concatenate([x[:10], x[11:]]) + 0.2 * rng.normal(size=(29, 16))  # sentence 10 left out
    trace = align_sides(
        AlignSide(stack_windows(x, 3)), AlignSide(stack_windows(y, 3)), AlignParams(max_merge=3, max_total=4)
    )
    assert len(trace.beads) == len(trace.path.steps) == len(trace.costs) == trace.features.shape[0]
    assert trace.features.shape[1] == len(FEATURES) and np.isclose(trace.costs.sum(), trace.path.total)
    assert [(len(b.src), len(b.tgt)) for b in trace.beads] == [(a, b) for a, b, _, _ in trace.path.steps]
    assert covers_exactly(trace.beads, 30, 29) and np.isfinite(trace.skip)
    empty = align_sides(AlignSide(np.zeros((3, 0, 16))), AlignSide(stack_windows(y, 3)), AlignParams(max_merge=3))
    assert empty.path is None and empty.features.shape == (0, len(FEATURES)) and len(empty.costs) == 0
    assert list(empty.beads) == [Bead((), (j,), 1.0) for j in range(29)]
    with pytest.raises(ValueError, match="need window vectors up to 4"):
        align_sides(AlignSide(stack_windows(x, 3)), AlignSide(stack_windows(y, 3)), AlignParams(max_merge=4))


# ---------------------------------------------------------------- non-finite costs
# tests/conftest.py turns dp.CHECK_FINITE on for every test: a NaN or -inf cost raises.


def test_a_nan_bead_cost_is_an_error_under_the_check():
    c = _costs(4, 4, 0)
    c[0, 2, 2] = np.nan
    with pytest.raises(FloatingPointError, match="NaN"):
        banded_dp(_block(c), TYPES, 4, 4, 1.0, 1.0)
    cell = np.zeros((5, 5))
    cell[3, 1] = -np.inf
    with pytest.raises(FloatingPointError, match="boundary"):
        banded_dp(_block(_costs(4, 4, 0)), TYPES, 4, 4, 1.0, 1.0, cell_cost=lambda i, cols: cell[i, cols])


@st.composite
def _degenerate_side(draw, dim: int = 8):
    """Sentence vectors, lengths and boundary vectors as odd files give them: empty lines (0
    characters, often most of a presplit file), zero vectors, repeated sentences."""
    n = draw(st.integers(1, 14))
    kind = draw(st.sampled_from(["random", "zero", "repeated"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    vecs = {"random": rng.normal(size=(n, dim)), "zero": np.zeros((n, dim)), "repeated": np.ones((n, dim))}[kind]
    chars = np.asarray(draw(st.lists(st.sampled_from([0, 0, 0, 1, 3, 120]), min_size=n, max_size=n)), float)
    bound = draw(st.sampled_from([None, "zero", "random"]))
    if bound is not None:
        bound = np.zeros((n + 1, dim), np.float32) if bound == "zero" else rng.normal(size=(n + 1, dim)).astype("f4")
        bound[0] = bound[n] = 0
    quote = rng.integers(0, 2, size=(n, 2)).astype(float) if draw(st.booleans()) else None
    return AlignSide(stack_windows(vecs, 3), chars=chars, quote=quote, bound=bound)


@settings(max_examples=60, deadline=None)
@given(_degenerate_side(), _degenerate_side())
def test_degenerate_sides_give_finite_costs_and_a_full_path(src, tgt):
    trace = align_sides(src, tgt, AlignParams(max_merge=3, max_total=4))
    assert covers_exactly(trace.beads, src.n, tgt.n)
    assert all(np.isfinite(b.score) for b in trace.beads) and np.isfinite(trace.costs).all()
