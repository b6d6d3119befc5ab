"""Chinese names that jieba cuts or pairs with the wrong English, on the sentences of MAC-Dev chapters
004 and 006: a surname read as the name spells it (单 shan, not dan), a name whose whole spelling
repairs the fragment jieba leaves (叶文 -> 叶文洁), and transliterated names whose English the Chinese
also writes in Latin letters (Planck) or that sit inside a longer name (Wilkinson)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from termalign.glossary.candidates import en_candidates
from termalign.glossary.pairing import (
    GlossaryParams,
    build_glossary,
    candidate_features,
    count,
    sounds_alone,
    spells_whole,
    written_in_latin,
)
from termalign.glossary.pinyin import name_syllables, translit
from termalign.glossary.spans import all_zh_candidates, spelled_names

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def chapters():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_glossary import macdev_corpus, macdev_pairs

    return {ch: (macdev_pairs([ch]), macdev_corpus([ch])) for ch in ("004", "006")}


def test_a_surname_takes_the_reading_that_spells_the_name():
    """单 is dan to pypinyin but shan as a surname; a transliteration keeps its usual readings."""
    assert name_syllables("单廷秀", "shantingxiu") == ["shan", "ting", "xiu"]
    assert translit("单廷秀", "Shan Tingxiu") == 1.0  # dan ting xiu: 0.86
    assert translit("单扁郎", "Shan Bianlang") == 1.0
    assert name_syllables("曾祖父", "zeng") == ["zeng", "zu", "fu"]
    assert name_syllables("贝森特", "bessent") == ["bei", "sen", "te"]  # 贝 spells nothing of "bes"
    assert name_syllables("MP材料", "mpmaterials") == ["MP", "cai", "liao"]  # not one reading a character


def test_a_name_jieba_cuts_after_a_heteronym_surname_is_a_candidate_and_an_entry(usem3, chapters):
    """单廷秀是个干干巴巴的小老头: jieba cuts 单廷 + 秀, and only the surname's reading shan spells "Shan
    Tingxiu"; before, 廷秀 / "Shan Tingxiu" and 扁郎 / "Shan Bianlang" were the entries."""
    pairs, text = chapters["004"]
    p = next(p for p in pairs if p.zh.startswith("单廷秀是个干干巴巴的小老头"))
    assert "单廷秀" not in {k for k, *_ in all_zh_candidates(p.zh)}
    names = spelled_names((q.zh, [s for _, s in en_candidates(q.en)]) for q in pairs)
    assert {"单廷秀", "单扁郎"} <= names
    assert "单廷秀" in {k for k, *_ in all_zh_candidates(p.zh, names)}
    got = {(e.zh, e.en) for e in build_glossary(pairs, usem3, corpus=text)}
    assert {("单廷秀", "Shan Tingxiu"), ("单扁郎", "Shan Bianlang")} <= got
    assert not {z for z, _ in got} & {"廷秀", "扁郎", "单廷"}


def test_the_whole_spelling_of_a_name_repairs_the_fragment_jieba_leaves(usem3, chapters):
    """于是话题转到叶文洁身上 / "So the topic of conversation turned to Ye Wenjie.": jieba cuts 叶文 +
    洁身, so 叶文 meets "Ye Wenjie" in its one sentence (Dice 1) where 叶文洁 is seen three times (0.5).
    叶文洁 spells the whole name and repairs 叶文, whatever the encoder says."""
    assert spells_whole("叶文洁", "叶文", "Ye Wenjie")
    assert not spells_whole("叶文洁身", "叶文", "Ye Wenjie")  # 身 glued on: 0.80
    assert not spells_whole("叶文", "叶", "Ye Wenjie")  # spells only part of it
    pairs, text = chapters["006"]
    c, rows, _, rep, _ = candidate_features(pairs, usem3, GlossaryParams(), corpus=text)
    at = {(c.zh[c.zi[r]], c.en[c.ei[r]]): int(r) for r in rows}
    assert rep[at[("叶文", "ye wenjie")]] == at[("叶文洁", "ye wenjie")]
    by_zh = {e.zh: e.en for e in build_glossary(pairs, usem3, corpus=text)}
    assert by_zh.get("叶文洁") == "Ye Wenjie" and "叶文" not in by_zh


def test_a_transliterated_name_pairs_with_its_own_name(usem3, chapters):
    """Chapter 006 names three satellites. The Chinese writes "Planck" itself in two of the three
    sentences whose English has "Planck", so those are no evidence against 普朗克 / Planck (Probe won
    before); 威尔金森 sounds like "Wilkinson" (0.60), and "Wilkinson Microwave Anisotropy Probe" is the
    longer Chinese term's, so "Wilkinson" is 威尔金森's best match."""
    zh = "很快，他调出了另外两颗卫星WMAP和Planck的宇宙背景辐射实时数据，并将其变化显示为曲线——"
    assert written_in_latin(zh, [("planck", "Planck"), ("WMAP", "WMAP"), ("satellite", "satellites")]) == {
        "planck",
        "WMAP",
    }
    # a gloss in parentheses is evidence for the term before it (example corpus, file 000)
    assert not written_in_latin("亚洲集团高级顾问麦艾文(Evan Medeiros)表示", [("medeiros", "Medeiros")])
    assert sounds_alone("威尔金森", "Wilkinson", "Wilkinson Microwave Anisotropy Probe")
    assert not sounds_alone("老公", "Librarian", "Chief Librarian")  # chapter 002: 乌老公 / "Chief Librarian"
    pairs, text = chapters["006"]
    c, rows, x, _, _ = candidate_features(pairs, usem3, GlossaryParams(), corpus=text)
    from termalign.glossary.pairing import FEATURES

    best_zh = {(c.zh[c.zi[r]], c.en[c.ei[r]]): x[k, FEATURES.index("best_zh")] for k, r in enumerate(rows)}
    assert best_zh[("威尔金森", "wilkinson")] == 1.0
    # no best match, or no longer among the term's kept partners (a two-letter name took its place)
    assert best_zh.get(("威尔金森", "wilkinson microwave anisotropy probe"), 0.0) == 0.0
    by_zh = {e.zh: e.en for e in build_glossary(pairs, usem3, corpus=text)}
    assert by_zh.get("普朗克") == "Planck"


def test_a_headword_is_the_form_its_own_pairs_write(usem3, chapters):
    """MAC-Dev 006 writes "3K glasses" eleven times (眼镜) and "glass" once, as a modifier, in "the immense
    glass building" (玻璃). Both have the key "glass". Each entry's headword is a form written in its own
    sentence pairs, not the form most frequent in the corpus: 玻璃 / "glass" (the corpus' other form a
    variant, for search), 眼镜 / "glasses"."""
    pairs, text = chapters["006"]
    assert count(pairs, GlossaryParams()).en_surface["glass"].most_common(1)[0][0] == "glasses"
    by_zh = {e.zh: e for e in build_glossary(pairs, usem3, corpus=text)}
    assert (by_zh["玻璃"].en, by_zh["玻璃"].en_variants) == ("glass", ("glasses",))
    assert by_zh["眼镜"].en == "glasses"
