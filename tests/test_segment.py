"""Segmentation of the five real seeds, the sentence splitters, and the ``segment`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from termalign.app.cli import main
from termalign.text.segment import (
    Document,
    Paragraph,
    is_traditional,
    line_lang,
    looks_presplit,
    read_document,
    segment_text,
    split_sentences,
    to_simplified,
)
from tests.conftest import SEEDS, seed

DATA = Path(__file__).resolve().parent / "data"


def para_at(doc: Document, line: int) -> Paragraph:
    (p,) = [p for p in doc.paragraphs if p.line == line]
    return p


# ---------------------------------------------------------------- seed 000: one line per paragraph, interleaved


@pytest.fixture(scope="module")
def d000() -> Document:
    return read_document(seed("000"))


def test_000_date_line_and_paragraph_counts(d000):
    assert d000.paragraphs[0] == Paragraph("other", "2025年10月23日", 1, ("2025年10月23日",))
    langs = [p.lang for p in d000.paragraphs]
    assert langs.count("en") == 40 and langs.count("zh") == 41  # 82 lines: date + 40 pairs + 1 unpaired zh


def test_000_unpaired_chinese_line(d000):
    langs = [p.lang for p in d000.paragraphs]
    i = [p.line for p in d000.paragraphs].index(52)
    assert langs[i - 1 : i + 2] == ["zh", "zh", "en"]  # zh line 52 follows zh line 51, no English of its own
    assert d000.paragraphs[i].text.startswith("美国政府已同意在矿业领域的多家公司中持有股权")
    assert d000.paragraphs[i].sentences == (d000.paragraphs[i].text,)


def test_000_sentences(d000):
    en = para_at(d000, 26).sentences
    assert len(en) == 2
    assert en[0].startswith("Under President Joseph R. Biden Jr., the U.S. government carried out")
    assert en[1].startswith("Mining and refining operations")
    assert len(para_at(d000, 14).sentences) == 1  # "Mr. Trump ... on Nov. 1 unless ..."
    assert para_at(d000, 77).sentences == (
        "“This is China versus the world.",
        "It’s not a U.S.-China problem,” Mr. Bessent said.",
    )
    assert para_at(d000, 78).sentences == ("“这是中国与世界对立。", "这不是美中问题,”贝森特说。")
    assert para_at(d000, 45).lang == "zh"  # starts "智库Silverado Policy Accelerator的…"
    assert not any(s.endswith(("U.S.", "Mr.", "R.", "Nov.")) for s in d000.sentences("en"))


# ---------------------------------------------------------------- seed 003: hard-wrapped, Traditional, PTT boilerplate


@pytest.fixture(scope="module")
def d003() -> Document:
    return read_document(seed("003"))


def test_003_first_english_paragraph_is_unwrapped(d003):
    p = para_at(d003, 8)
    assert p.lang == "en"
    assert p.text == (
        "WASHINGTON, Jan 11 (Reuters) - U.S. Treasury Secretary Scott Bessent will urge Group of Seven "
        "nations and others to step up their efforts to reduce reliance on critical minerals from China "
        "when he hosts a dozen top finance officials on Monday, a senior U.S. official said."
    )
    assert p.sentences == (p.text,)


def test_003_chinese_joined_across_a_wrapped_parenthesis(d003):
    p = para_at(d003, 12)
    assert p.lang == "zh"
    assert "史考特.貝森特(Scott Bessent)將在週一" in p.text
    assert "\n" not in p.text and p.text.endswith("降低對來自中國關鍵礦物的依賴。")
    assert "包括G7先進經濟體" in para_at(d003, 19).text  # no space inserted between 包括 and G7


def test_003_punctuation_lines_glued(d003):
    assert para_at(d003, 21).text == "Together, the grouping accounts for 60% of global demand for critical minerals."
    zh = para_at(d003, 62)
    assert zh.sentences[-1] == "其他國家也可以在認清此事嚴重性後加入。」"
    assert all(p.line not in (22, 64) for p in d003.paragraphs)  # "." and "。」" are not paragraphs


def test_003_quotes_and_sentences(d003):
    assert para_at(d003, 27).sentences == (
        "該官員表示:「緊迫性是今天的主題。",
        "這是一項非常龐大的工程,牽涉到許多層面與許多國家,我們真的必須加快腳步。」",
    )
    en = para_at(d003, 58).sentences
    assert len(en) == 2 and en[1].startswith("\"We're ready to move")
    assert para_at(d003, 90).sentences[0] == "The meeting was planned well before that action, U.S. officials said."


def test_003_boilerplate_stays_out_of_sentences(d003):
    text = " ".join(d003.sentences("en") + d003.sentences("zh"))
    for junk in (
        "[新聞]",
        "原文標題",
        "原文連結",
        "發布時間",
        "記者署名",
        "原文內容",
        "心得/評論",
        "※",
        "ptt.cc",
        "https://",
        "熱門文章",
        "Andrea Shalal",
    ):
        assert junk not in text, junk
    assert d003.sentences("en")[1].startswith("WASHINGTON, Jan 11")
    assert para_at(d003, 103).lang == "other"  # the footer's "38"
    langs = [p.lang for p in d003.paragraphs if p.line < 95]
    assert langs.count("en") == langs.count("zh") == 18  # the two titles and 17 wrapped pairs in the body


def test_003_header_titles_are_a_pair_and_the_rest_of_the_header_is_not(d003):
    title, label, headline = para_at(d003, 1), para_at(d003, 2), para_at(d003, 3)
    assert (title.lang, title.text) == ("zh", "美國將推動各國加速 降低對中國稀土依賴")  # the [新聞] tag dropped
    assert label.lang == "other"
    assert (headline.lang, headline.sentences) == (
        "en",
        ("US to push for quicker action in reducing reliance on China for rare earths",),
    )
    assert all(para_at(d003, line).lang == "other" for line in (4, 5, 6, 7))  # link, time, byline, 原文內容


def test_003_is_traditional_and_converts(d003):
    assert is_traditional(para_at(d003, 23).text)
    assert to_simplified("關鍵礦物") == "关键矿物"
    assert not is_traditional("关键矿物是美国的战略重点。")
    assert not is_traditional("Rare earths")


# ---------------------------------------------------------------- seeds 001, 002, 004


def test_001_is_chinese_only():
    d = read_document(seed("001"))
    assert not d.has_lang("en") and d.sentences("en") == []
    assert d.paragraphs[0].lang == "zh" and d.paragraphs[0].text.startswith("摘要:")
    assert para_at(d, 2).lang == "other"  # 信息来源:URL
    assert len(d.paragraphs) == 26  # one paragraph a line: long unwrapped lines are never joined
    assert (
        para_at(d, 4).sentences[0]
        == '贝森特在福克斯新闻"周日早晨未来"节目中明确表示:"我们甚至还没有完成协议,我们希望在感恩节前完成。"'
    )


def test_002_junk_lines_are_other():
    d = read_document(seed("002"))
    en = " ".join(d.sentences("en"))
    for junk in ("index_new5.html", "zaker_core", "03:26"):
        assert junk not in en and junk not in " ".join(d.sentences("zh"))
    assert [p.lang for p in d.paragraphs[:4]] == ["other", "zh", "other", "other"]
    assert para_at(d, 16).sentences[0] == 'Call it "The Art of the Rare Earth Deal."'
    assert para_at(d, 10).lang == "zh"  # emoji bullet heading


# An academic text: Chinese paragraphs that write their units, formulas and symbols in Latin
# script. Tagged by the share of Han characters, the first was English (more Latin words than
# twice its 12 Han characters) and the second "other" (no spaces and a "/": it looked like a
# path), and both were dropped from the Chinese side.
ACADEMIC = """By the Arrhenius equation ln k = ln A - E_a/(RT), where E_a is the activation energy, k_B the Boltzmann constant, T the absolute temperature and A the pre-exponential factor.

根据 Arrhenius equation ln k = ln A − E_a/(RT)，式中 E_a 为 activation energy，k_B 为 Boltzmann constant，T 为 absolute temperature，A 为 pre-exponential factor，单位分别为 kJ/mol、J/K、K 和 s^-1。

The removal rate was highest at 5 mg/L.

浓度为5mg/L时去除率最高，pH=7。
"""


def test_chinese_with_latin_units_and_formulas_stays_chinese():
    d = segment_text(ACADEMIC)
    assert [p.lang for p in d.paragraphs] == ["en", "zh", "en", "zh"]
    assert len(d.sentences("zh")) == 2
    # what is still "other": links, paths and English that quotes a Chinese name
    assert line_lang("http://www.news.cn/2025/稀土.html") == "other"
    assert line_lang("news/2025/index_new5.html") == "other"
    assert line_lang("The company Huawei (华为) announced a new phone.") == "en"


def test_one_sentence_per_line_is_recognised(macdev):
    import textwrap

    for side in ("src", "tgt"):
        for f in sorted((macdev / side).iterdir()):
            assert looks_presplit(f.read_text(encoding="utf-8")), f
    for f in sorted(SEEDS.glob("*.txt")):
        assert not looks_presplit(f.read_text(encoding="utf-8")), f  # paragraphs, blank lines, hard wraps
    chapter = (macdev / "tgt" / "001").read_text(encoding="utf-8")
    assert not looks_presplit("\n".join(textwrap.wrap(chapter.replace("\n", " "), 80)))


def test_004_bylines_and_bullets():
    d = read_document(seed("004"))
    assert all(para_at(d, n).lang == "other" for n in (4, 7, 10, 13, 16, 19, 22, 25, 28, 31))
    en = d.sentences("en")
    assert not any("Sou Hu" in s or "2025-11-09" in s for s in en)
    s26 = para_at(d, 26).sentences
    assert s26[0].endswith("dissatisfaction from the European Union [1][3]")
    assert s26[1].startswith("The EU initially hoped")
    assert not any(s.startswith("- ") for s in en)
    assert para_at(d, 9).sentences == ("摆脱对华依赖?", "普京签发急令,俄罗斯打造自主稀土产业链")


# ---------------------------------------------------------------- the pure functions


@pytest.mark.parametrize(
    "line, lang",
    [
        ("智库Silverado Policy Accelerator的首席执行官", "zh"),
        ("The U.S. signed an agreement with Australia.", "en"),
        ("2025年10月23日", "other"),
        ("38", "other"),
        ("https://www.ptt.cc/bbs/Stock/M.1768131864.A.9E9.html", "other"),
        ("🌍🤝💰", "other"),
        ("---- ... ----", "other"),
        ("A New Gold Rush", "en"),
        ("新淘金热", "zh"),
    ],
)
def test_line_lang(line, lang):
    assert line_lang(line) == lang


def test_split_english_rules():
    text = (
        "Mr. Smith met Dr. J. Jones of Acme Inc. in Washington on Jan. 5 at 3.5 percent growth. "
        "He left the U.S. The next day, prices rose; analysts e.g. at the U.K. office were surprised. "
        '"Is it over?" she asked. "No!" Prices fell 2.5% vs. last year.'
    )
    assert split_sentences(text, "en") == [
        "Mr. Smith met Dr. J. Jones of Acme Inc. in Washington on Jan. 5 at 3.5 percent growth.",
        "He left the U.S.",
        "The next day, prices rose; analysts e.g. at the U.K. office were surprised.",
        '"Is it over?" she asked.',
        '"No!"',
        "Prices fell 2.5% vs. last year.",
    ]


def test_split_chinese_rules():
    text = "他说:「稀土价格上涨了3.5%。」随后离开……市场反应如何?约60-70%的产能;其余在海外！“对。”完"
    assert split_sentences(text, "zh") == [
        "他说:「稀土价格上涨了3.5%。」",
        "随后离开……",
        "市场反应如何?",
        "约60-70%的产能;其余在海外！",
        "“对。”",
        "完",
    ]
    assert split_sentences("第一句；第二句。", "zh") == ["第一句；", "第二句。"]


def test_unbalanced_quotes_still_split():
    d = read_document(DATA / "unbalanced_quotes.txt")
    assert len(d.sentences("en")) == 3 and len(d.sentences("zh")) == 3


def test_presplit_keeps_lines():
    text = "中国开采了全球70%的稀土。他说。\n\n  China mines rare earths. It refines them.  \n2025\n"
    d = segment_text(text, "x", presplit=True)
    assert [(p.lang, p.line, p.sentences) for p in d.paragraphs] == [
        ("zh", 1, ("中国开采了全球70%的稀土。他说。",)),
        ("en", 3, ("China mines rare earths. It refines them.",)),
        ("other", 4, ("2025",)),
    ]


def test_presplit_macdev_line_counts(macdev):
    files = [macdev / "src" / "001", macdev / "tgt" / "001"]
    for f in files:
        raw = [s for s in f.read_text(encoding="utf-8").split("\n") if s.strip()]
        assert len(read_document(f, presplit=True).paragraphs) == len(raw)


def test_huge_single_line_segments(tmp_path):
    p = tmp_path / "huge.txt"
    p.write_text("Rare earths are vital, they say. " * 100_000, encoding="utf-8")  # 3.3 MB, one line
    d = read_document(p)
    assert len(d.paragraphs) == 1 and len(d.sentences("en")) == 100_000


def test_many_lines(tmp_path):
    p = tmp_path / "many.txt"
    p.write_text("中国开采了全球70%的稀土。\nChina mines 70 percent of rare earths.\n" * 10_000, encoding="utf-8")
    d = read_document(p)
    assert len(d.sentences("zh")) == len(d.sentences("en")) == 10_000


# ---------------------------------------------------------------- CLI


def test_cli_segment_prints_tags():
    r = CliRunner().invoke(main, ["segment", str(seed("003"))])
    assert r.exit_code == 0, r.output
    assert "    8 [en] WASHINGTON" in r.output and "   12 [zh] 華盛頓" in r.output and "[other]" in r.output


def test_cli_segment_json():
    r = CliRunner().invoke(main, ["segment", "--json", str(seed("000"))])
    rows = [json.loads(line) for line in r.output.splitlines()]
    assert r.exit_code == 0 and len(rows) == 82 and rows[1]["lang"] == "en" and rows[2]["line"] == 3


@pytest.mark.parametrize("name", ["binary.pdf", "empty.txt", "does-not-exist.txt"])
def test_cli_segment_bad_input(name):
    r = CliRunner().invoke(main, ["segment", str(DATA / name)])
    assert r.exit_code == 2
    assert r.output.startswith("Error: ") and r.output.count("\n") == 1 and "Traceback" not in r.output
    assert name in r.output
