"""Quotation states at sentence ends (align/quotes.py) and their use as boundary evidence."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from termalign.align.beads import parse_beads
from termalign.align.evaluate import strict
from termalign.align.pipeline import AlignParams, align_sides, sentence_sides
from termalign.align.quotes import quote_evidence, quote_states


def _lines(macdev, side: str, name: str) -> list[str]:
    return (macdev / side / name).read_text(encoding="utf-8").splitlines()


def test_chinese_speech_split_inside_its_quotation_is_open_where_the_english_is_closed(macdev):
    zh, en = _lines(macdev, "src", "002"), _lines(macdev, "tgt", "002")
    i = zh.index("海老公沉声道：“好你个屁！")
    j = en.index("'Better my arse!' muttered the eunuch.")
    sz, se = quote_states(zh, "zh"), quote_states(en, "en")
    assert sz[i]
    assert not se[j]
    # the Chinese quotation closes in a later sentence, and is closed after it
    k = next(r for r in range(i + 1, len(zh)) if "”" in zh[r])
    assert sz[i:k].all() and not sz[k]


def test_apostrophes_are_not_quotation_marks():
    s = ["Something was beginning to fall into place in Trinket's mind.", "He didn't know the boys' names."]
    assert not quote_states(s, "en").any()


def test_an_english_quotation_reopened_in_every_paragraph_is_open_until_it_closes(macdev):
    en = _lines(macdev, "tgt", "006")
    i = en.index("\"I don't know much.")
    got = quote_states(en, "en")
    assert got[i]  # the speech goes on in the next line
    k = next(r for r in range(i + 1, len(en)) if en[r].endswith('"'))
    assert got[i:k].all() and not got[k]


def test_unbalanced_marks_give_no_evidence():
    assert quote_states(["'One", "'two", "'three", "'four", "'five."], "en") is None
    assert quote_evidence(["'I am here,' he said."], ["他到了。"]) is not None  # no open quotation at an end
    # an English quotation open at a sentence end, and no quotation marks at all in the Chinese
    assert quote_evidence(["'I am here.", "Come in!'"], ["我在这里。", "进来！"]) is None


def test_only_an_english_open_quotation_needs_the_chinese_one():
    e, z = quote_evidence(["'I am here.", "Come in!'"], ["“我在这里。", "进来！”"])
    assert e.tolist() == [[1.0, 1.0], [0.0, 0.0]]
    assert z.tolist() == [[0.0, 1.0], [0.0, 0.0]]


@pytest.mark.slow  # a MAC-Dev chapter aligned twice
def test_quotation_evidence_raises_strict_f1_on_a_dialogue_chapter(usem3, macdev):
    """Chapter 002 is mostly dialogue: 103 English sentences end inside a quotation."""
    zh, en = _lines(macdev, "src", "002"), _lines(macdev, "tgt", "002")
    gold = parse_beads((macdev / "gold" / "002.align").read_text(encoding="utf-8"))
    s, t = sentence_sides(zh, en, usem3, 6, "zh", "en")
    assert s.quote is not None and t.quote[:, 0].sum() > 50
    with_q = strict(align_sides(s, t, AlignParams()).beads, gold, nulls=False)
    without = strict(align_sides(s, t, replace(AlignParams(), w_quote=0.0)).beads, gold, nulls=False)
    assert with_q.f1 > without.f1 + 0.01

    def wrong_boundaries(beads):
        q_en, q_zh = t.quote[:, 0], s.quote[:, 1]
        i = j = 0
        out = 0
        for b in beads[:-1]:
            i, j = i + len(b.src), j + len(b.tgt)
            out += bool(0 < i < len(zh) and 0 < j < len(en) and q_en[j - 1] and not q_zh[i - 1])
        return out

    got = align_sides(s, t, AlignParams()).beads
    assert wrong_boundaries(got) < wrong_boundaries(align_sides(s, t, replace(AlignParams(), w_quote=0.0)).beads)
    assert np.isfinite([b.score for b in got]).all()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_sentences_no_states(lang):
    assert quote_states([], lang).shape == (0,)
