"""Cleaning at read time: boilerplate lines kept apart, markup removed from a cleaned copy."""

from __future__ import annotations

from termalign.text.clean import boilerplate_lines, clean_sentence
from termalign.text.segment import read_document
from tests.conftest import seed


def test_seed_chrome_is_boilerplate_and_outside_the_streams():
    d002, d004, d001, d003 = (read_document(seed(s)) for s in ("002", "004", "001", "003"))
    chrome = set(d002.boilerplate()) | set(d004.boilerplate()) | set(d001.boilerplate()) | set(d003.boilerplate())
    for line in (
        "Search documents",  # UI text
        "Sou Hu Cai Jing· 2025-11-09 11:44",  # a site stamp
        "Fish AI Reader",  # repeated page chrome
        "联系邮箱 441953276@qq.com",  # contact line with an e-mail address
        "来源:人工智能学家",  # source line
        "記者署名:By Andrea Shalal",  # byline
        "GET FOX BUSINESS ON THE GO BY CLICKING HERE",
        "鱼阅,AI 时代的下一个智能信息助手,助你摆脱信息焦虑",  # a slogan inside the footer block
    ):
        assert line in chrome, line
    prose = {s for d in (d001, d002, d003, d004) for lang in ("en", "zh") for s in d.sentences(lang)}
    assert not chrome & prose  # never aligned, mined or used as an example
    assert all("@" not in s for s in prose)


def test_headlines_and_section_heads_stay_prose():
    d004, d003 = read_document(seed("004")), read_document(seed("003"))
    # a headline between "Search documents" and a stamp is content, and so is a translated heading
    assert "美国财长贝森特:我坚信美国有能力在两年内找到中国稀土的平替" in d004.sentences("zh")
    assert "US URGES OTHERS TO FOLLOW ITS LEAD" in d003.sentences("en")


def test_markup_is_removed_from_the_cleaned_copy_only():
    d002, d004 = read_document(seed("002")), read_document(seed("004"))
    bold = [s for s in d002.sentences("zh") if "**" in s]
    assert len(bold) == 3 and all(s[0] in "🌍🤝💰" for s in bold)  # the original stays as read
    heads = [clean_sentence(s).split(":")[0] for s in bold]
    assert heads == ["全球稀土格局与中国主导地位", "美国主导的稀土外交新举措", "重大合作协议与投资承诺"]
    cited = [s for s in d004.sentences("en") if "][" in s or s.rstrip(".").endswith("]")]
    assert cited, "seed 004 has [n] reference markers"
    for s in cited:
        c = clean_sentence(s)
        assert "[" not in c and " ." not in c, c
    viewpoint = next(s for s in d004.sentences("en") if s.startswith("Core Viewpoint - "))
    assert clean_sentence(viewpoint).startswith("The U.S. Treasury Secretary Scott Bessenet expressed")


def test_clean_sentence_leaves_plain_prose_alone():
    for s in read_document(seed("000")).sentences("en")[:20]:
        assert clean_sentence(s) == s
    assert clean_sentence("- **Prices** fell [3].") == "Prices fell."
    assert clean_sentence("A [sic] note stays.") == "A [sic] note stays."


def test_boilerplate_lines_flags_one_per_line():
    lines = ["Search documents", "", "China mines 70 percent of the world's rare earths.", "来源:路透社"]
    assert boilerplate_lines(lines) == [True, False, False, True]
