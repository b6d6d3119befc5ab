"""Every glossary export parses back to what was written, including hostile text."""

from __future__ import annotations

import os
import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from termalign.corpus.export import (
    corpus_script,
    read_csv,
    read_jsonl,
    read_tbx,
    read_tsv,
    tbx_bytes,
    tsv_field,
    tsv_text,
    write_csv,
    write_jsonl,
    write_tbx,
    write_tsv,
    xml_safe,
    zh_forms,
)
from termalign.corpus.store import to_simplified
from termalign.glossary.entries import SentencePair, TermEntry
from termalign.text.segment import is_traditional

NASTY = [
    "<script>alert('x')</script>",
    "R&D",
    'say "hi"',
    "tab\there",
    "line\nbreak",
    "emoji 🀄️🇨🇳",
    "\u202eRTL mark\u200f",
    "]]>",
    "&amp;",
    "稀土\r\n出口",
    "關鍵礦物",
    "\u2028sep",
]
text = st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=30))
examples = st.builds(
    SentencePair,
    en=text,
    zh=text,
    doc=st.text(string.ascii_letters + "._-", min_size=1, max_size=12),
    score=st.floats(0, 1),
)
entries = st.lists(
    st.builds(
        TermEntry,
        zh=text,
        en=text,
        confidence=st.floats(0, 1),
        freq=st.integers(0, 10**6),
        n_docs=st.integers(0, 999),
        zh_variants=st.lists(text, max_size=3).map(tuple),
        en_variants=st.lists(text, max_size=3).map(tuple),
        examples=st.lists(examples, max_size=2).map(tuple),
        pinned=st.booleans(),
    ),
    max_size=4,
)

REAL = [
    TermEntry(
        "稀土",
        "rare earth",
        0.97,
        21,
        3,
        ("稀土",),
        ("rare earths",),
        (
            SentencePair(
                "China mines 70 percent of the world’s rare earths.", "中国开采全球70%的稀土。", 0.9, "000.txt"
            ),
        ),
    ),
    TermEntry("关键矿物", "critical mineral", 0.9, 8, 1, ("關鍵礦物",), ("critical minerals",), (), True),
]

settings_ = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings_
@given(entries)
def test_jsonl_round_trips(tmp_path, es):
    write_jsonl(es, tmp_path / "g.jsonl")
    assert read_jsonl(tmp_path / "g.jsonl") == es


@settings_
@given(entries)
def test_csv_round_trips(tmp_path, es):
    write_csv(es, tmp_path / "g.csv")
    assert read_csv(tmp_path / "g.csv") == es


@settings_
@given(entries)
def test_tsv_has_three_clean_columns(tmp_path, es):
    write_tsv(es, tmp_path / "g.tsv", direction="zh-en", signature="sig\twith tab")
    rows = read_tsv(tmp_path / "g.tsv")
    assert len(rows) == len(es)
    for row, e in zip(rows, es):
        assert len(row) == 3
        # one script (Simplified by default): a headword written in Traditional goes in converted
        assert (row[0].lstrip(" "), row[1]) == (tsv_field(zh_forms(e, "simplified")[0]), tsv_field(e.en))


def _en_key(text: str) -> str:
    return " ".join(text.casefold().replace("-", " ").split())


@settings_
@given(entries)
def test_tbx_is_well_formed_and_round_trips(tmp_path, es):
    from termalign.text.segment import is_traditional

    write_tbx(es, tmp_path / "g.tbx", signature="termalign:test|<&>")
    back = read_tbx(tmp_path / "g.tbx")
    # Simplified only (a headword written in Traditional goes in converted)
    main = [zh_forms(e, "simplified")[0] for e in es]
    assert [(b.zh, b.en, b.confidence, b.freq, b.n_docs, b.pinned) for b in back] == [
        (xml_safe(z), xml_safe(e.en), round(e.confidence, 2), e.freq, e.n_docs, e.pinned) for z, e in zip(main, es)
    ]
    for b, e, z in zip(back, es, main):
        # the preferred form not repeated; English without case/hyphen-only repeats
        want_zh = [v for v in dict.fromkeys((e.zh, *e.zh_variants)) if v != z and not is_traditional(v)]
        assert list(b.zh_variants) == [xml_safe(v) for v in want_zh]
        keys = [_en_key(e.en)] + [_en_key(v) for v in e.en_variants]
        want_en = [v for k, v in zip(keys[1:], e.en_variants, strict=True) if k not in keys[: keys.index(k) + 1][:-1]]
        want_en = [v for v in want_en if _en_key(v) != _en_key(e.en)]
        assert list(b.en_variants) == [xml_safe(v) for v in dict.fromkeys(want_en)] or len(set(keys)) < len(keys)
        assert len(b.examples) <= 1  # at most one context per language
        if e.examples and b.examples:
            assert (b.examples[0].en, b.examples[0].doc) == (xml_safe(e.examples[0].en), e.examples[0].doc)


CASES = [
    *REAL,
    TermEntry(
        "特朗普",
        "Trump",
        0.99,
        17,
        2,
        ("川普",),
        ("trump", "TRUMP"),  # case-only variants: never admitted terms
        (
            SentencePair("Trump said so.", "特朗普这样说。", 0.99, "000.txt"),
            SentencePair("川普說。", "川普說。", 0.9, "003.txt"),
        ),
    ),
    TermEntry("价格管制", "price control", 0.5175, 1, 1, (), ("price controls", "Price-Controls"), ()),
]
SNAPSHOTS = Path(__file__).resolve().parent / "data" / "export"
TBX_BASIC_STATUS = {  # TBX-Basic's picklist (TBXBasicXCSV02.xcs)
    "preferredTerm-admn-sts",
    "admittedTerm-admn-sts",
    "deprecatedTerm-admn-sts",
    "supersededTerm-admn-sts",
}


def _snapshot(name: str, data: bytes) -> None:
    """Compare with tests/data/export/NAME; TERMALIGN_UPDATE_SNAPSHOTS=1 rewrites it (then review the diff)."""
    path = SNAPSHOTS / name
    if os.environ.get("TERMALIGN_UPDATE_SNAPSHOTS") == "1":
        path.write_bytes(data)
    assert data.decode("utf-8") == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("script", ["simplified", "traditional", "both"])
def test_tbx_snapshot_reads_well_in_a_cat_tool(script):
    data = tbx_bytes(CASES, signature="termalign:test", script=script)
    _snapshot(f"glossary-{script}.tbx", data)
    root = etree.fromstring(data)
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    want = {"simplified": ["zh-CN"], "traditional": ["zh-TW"], "both": ["zh-CN", "zh-TW"]}[script]
    for te in root.iter("termEntry"):
        note = te.findtext("note")
        assert re.fullmatch(r"confidence \d\.\d\d; \d+ sentence pairs? in \d+ documents?(; your known term)?", note)
        sets = te.findall("langSet")
        assert [ls.get(lang) for ls in sets] == ["en", *want]  # one Chinese script per langSet, as asked
        for ls in sets:
            terms = [t.findtext("term") for t in ls.findall("tig")]
            assert len({_en_key(t) for t in terms}) == len(terms), terms  # no case-only variants
            assert len(ls.findall("tig/descrip[@type='context']")) <= 1  # at most one context per language
            statuses = [t.findtext("termNote[@type='administrativeStatus']") for t in ls.findall("tig")]
            assert set(statuses) <= TBX_BASIC_STATUS and statuses[0] == "preferredTerm-admn-sts"
            assert statuses.count("preferredTerm-admn-sts") == 1
            if ls.get(lang) == "zh-CN":
                assert not any(is_traditional(t) for t in terms), terms
            if ls.get(lang) == "zh-TW":
                assert all(is_traditional(t) or t == to_simplified(t) for t in terms), terms
    entries = root.findall("text/body/termEntry")
    trump = {"simplified": ["特朗普", "川普"], "traditional": ["特朗普"], "both": ["特朗普", "川普", "特朗普"]}[script]
    assert [t.text for t in entries[2].iter("term")] == ["Trump", *trump]  # 'trump', 'TRUMP' are not terms
    mineral = {"simplified": ["关键矿物"], "traditional": ["關鍵礦物"], "both": ["关键矿物", "關鍵礦物"]}[script]
    assert [t.text for t in entries[1].iter("term")] == ["critical mineral", "critical minerals", *mineral]


def test_tmx_snapshot_has_a_true_header():
    from termalign.align.formats import pairs_to_tmx
    from termalign.glossary.entries import SentencePair

    pairs = [
        SentencePair(
            "China mines 70 percent of the world’s rare earths.", "中国开采全球70%的稀土。", 0.9991, "000.txt"
        ),
        SentencePair("G7 members remain heavily dependent.", "G7成員國仍高度依賴。", 0.95, "003.txt"),
    ]
    data = pairs_to_tmx(pairs, "termalign:test")
    header = etree.fromstring(data).find("header")
    assert re.fullmatch(r"\d{8}T\d{6}Z", header.get("creationdate"))
    assert header.get("creationtool") == "termalign" and header.get("o-tmf") == "termalign"
    from termalign.align.formats import tool_version

    assert header.get("creationtoolversion") == tool_version()
    stable = re.sub(rb'creationdate="[^"]+"', b'creationdate="DATE"', data)
    stable = stable.replace(f'creationtoolversion="{tool_version()}"'.encode(), b'creationtoolversion="VERSION"')
    _snapshot("pairs.tmx", stable)
    scores = [tu.findtext("prop[@type='x-score']") for tu in etree.fromstring(data).iter("tu")]
    assert scores == ["0.9991", "0.9500"] and b"<note>" not in data


def test_tbx_script_follows_the_corpus():
    assert corpus_script(["中国开采全球70%的稀土。", "政府巩固稀土替代供应", "G7成員國仍高度依賴。"]) == "simplified"
    assert corpus_script(["G7成員國仍高度依賴。", "關鍵礦物供應", "中国开采全球70%的稀土。"]) == "traditional"
    assert corpus_script([]) == "simplified"


def test_tbx_structure_on_real_entries(tmp_path):
    out = tmp_path / "g.tbx"
    write_tbx(REAL, out, signature="termalign:0.1|enc:usem3/512")
    root = etree.parse(str(out)).getroot()
    assert root.tag == "martif" and root.get("type") == "TBX-Basic"
    assert root.findtext("martifHeader/fileDesc/sourceDesc/p") == "termalign:0.1|enc:usem3/512"
    langs = [ls.get("{http://www.w3.org/XML/1998/namespace}lang") for ls in root.iter("langSet")]
    assert langs == ["en", "zh-CN", "en", "zh-CN"]  # 關鍵礦物 is Traditional: not in a Simplified export
    assert read_tbx(out)[0].examples[0].zh == "中国开采全球70%的稀土。"
    assert [t.text for t in root.iter("term")][:2] == ["rare earth", "rare earths"]
    assert root.findtext("text/body/termEntry/note") == "confidence 0.97; 21 sentence pairs in 3 documents"


def test_tsv_direction_and_signature(tmp_path):
    write_tsv(REAL, tmp_path / "g.tsv", signature="termalign:0.1")
    lines = (tmp_path / "g.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["# English\tChinese\tcomment", "# termalign:0.1"]  # OmegaT skips '#' lines
    assert lines[2].split("\t")[:2] == ["rare earth", "稀土"]
    assert "pinned" in lines[3]
    write_tsv(REAL, tmp_path / "z.tsv", direction="zh-en")
    assert (tmp_path / "z.tsv").read_text(encoding="utf-8").splitlines()[:2] == [
        "# Chinese\tEnglish\tcomment",
        "稀土\trare earth\tconf 0.97; freq 21; docs 3",
    ]


def test_tsv_in_traditional_script_names_the_simplified_form_in_the_comment():
    lines = tsv_text(REAL, script="traditional").splitlines()
    assert lines[2].split("\t")[:2] == ["critical mineral", "關鍵礦物"]
    assert lines[2].split("\t")[2].endswith("; zh: 关键矿物; pinned")
    with pytest.raises(ValueError, match="one script"):
        tsv_text(REAL, script="both")


def test_failed_write_leaves_old_file(tmp_path):
    out = tmp_path / "g.jsonl"
    write_jsonl(REAL, out)
    before = out.read_bytes()

    class Boom(TermEntry):
        def to_dict(self):
            raise RuntimeError("disk full")

    try:
        write_jsonl([REAL[0], Boom("a", "b", 0.5, 1, 1)], out)
    except RuntimeError:
        pass
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["g.jsonl"]


def test_a_headword_written_in_traditional_exports_in_either_script():
    # 003 alone names the IEA, in Traditional: the entry shows it so and the exports convert it
    e = TermEntry("國際能源署", "International Energy Agency", 0.95, 2, 1, zh_variants=("国际能源署",))
    assert zh_forms(e, "simplified") == ("国际能源署", [])
    assert zh_forms(e, "traditional") == ("國際能源署", [])
    rows = [r for r in tsv_text([e]).splitlines() if not r.startswith("#")]
    assert rows == ["International Energy Agency\t国际能源署\tconf 0.95; freq 2; docs 1; zh: 國際能源署"]
