"""Clause-end boundary vectors (align/clauses.py) on MAC-Dev, and their effect on the aligner."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from termalign.align.beads import parse_beads
from termalign.align.clauses import boundary_vectors, head_tail
from termalign.align.evaluate import strict
from termalign.align.pipeline import AlignParams, align_sides, sentence_sides


@pytest.fixture(scope="module")
def chapter_006(usem3, macdev):
    zh = (macdev / "src" / "006").read_text(encoding="utf-8").splitlines()
    en = (macdev / "tgt" / "006").read_text(encoding="utf-8").splitlines()
    gold = parse_beads((macdev / "gold" / "006.align").read_text(encoding="utf-8"))
    return zh, en, gold, sentence_sides(zh, en, usem3, 6, "zh", "en")


def test_first_and_last_clause():
    assert head_tail("韦小宝冲将上去，那男孩身子微斜，横脚钩扫。", "zh") == ("韦小宝冲将上去，", "横脚钩扫。")
    assert head_tail("Trinket lunged after him, the boy leant a little to one side, put out a leg.", "en") == (
        "Trinket lunged after him,",
        "put out a leg.",
    )
    assert head_tail("两人同时跌倒。", "zh") == ("两人同时跌倒。", "两人同时跌倒。")
    assert head_tail("Then he let me go.", "en") == ("Then he let me go.", "Then he let me go.")


def _gold_cells(gold) -> list[tuple[int, int]]:
    i = j = 0
    out = []
    for b in gold:
        i, j = i + len(b.src), j + len(b.tgt)
        out.append((i, j))
    return out


def test_gold_boundaries_score_positive_and_shifted_ones_do_not(chapter_006):
    zh, en, gold, x = chapter_006
    us, ut = x[0].bound, x[1].bound
    assert us.shape == (len(zh) + 1, 512) and ut.shape == (len(en) + 1, 512)
    assert not us[0].any() and not us[-1].any() and not ut[0].any() and not ut[-1].any()
    inner = [(i, j) for i, j in _gold_cells(gold) if 1 < i < len(zh) - 1 and 1 < j < len(en) - 1]
    on = np.array([us[i] @ ut[j] for i, j in inner])
    shifted = np.array([us[i] @ ut[j + d] for i, j in inner for d in (-1, 1)])
    assert (on > 0).mean() > 0.9
    assert on.mean() > shifted.mean() + 0.3


@pytest.mark.slow  # a MAC-Dev chapter aligned twice
def test_boundary_evidence_raises_strict_f1(chapter_006):
    _, _, gold, x = chapter_006
    with_b = strict(align_sides(*x, AlignParams()).beads, gold, nulls=False)
    without = strict(align_sides(*x, replace(AlignParams(), w_bound=0.0)).beads, gold, nulls=False)
    assert with_b.f1 > without.f1 + 0.01


def test_one_sentence_has_no_inner_boundary(usem3):
    v = usem3.encode(["他笑了。"])
    assert not boundary_vectors(usem3, ["他笑了。"], "zh", v).any()
