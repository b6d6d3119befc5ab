from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from termalign.align.beads import Bead, covers_exactly, format_beads, parse_bead, parse_beads


def test_parses_gold_lines_of_macdev(macdev):
    beads = parse_beads((macdev / "gold" / "001.align").read_text())
    assert beads[0] == Bead((0, 1), (0,), 1.0)
    assert len(beads) == 270
    assert {b.kind for b in beads} >= {"1-1", "2-1", "1-2"}


def test_null_beads_and_scores():
    assert parse_bead("[]:[7]:0.25") == Bead((), (7,), 0.25)
    assert parse_bead("[3]:[]").is_null


@st.composite
def ladders(draw):
    n_src, n_tgt, beads = 0, 0, []
    for _ in range(draw(st.integers(0, 12))):
        a, b = draw(st.integers(0, 3)), draw(st.integers(0, 3))
        if a == b == 0:
            continue
        score = draw(st.floats(0, 1)).__round__(4)
        beads.append(Bead(tuple(range(n_src, n_src + a)), tuple(range(n_tgt, n_tgt + b)), score))
        n_src, n_tgt = n_src + a, n_tgt + b
    return beads, n_src, n_tgt


@given(ladders())
def test_ladder_round_trips(case):
    beads, n_src, n_tgt = case
    assert parse_beads(format_beads(beads)) == beads
    assert covers_exactly(beads, n_src, n_tgt)
