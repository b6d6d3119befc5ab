"""Property and fuzz tests: reading, segmentation, the DP on odd vectors, alignment writers.

What already has its own properties elsewhere and is not repeated here: the DP against an
exhaustive oracle and beads covering random inputs (tests/test_dp.py), the ladder round trip
(tests/test_beads.py), the glossary TBX/TSV/CSV/JSONL round trips (tests/test_export.py).
"""

from __future__ import annotations

import json
import string
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from termalign.align.beads import Alignment, Bead, covers_exactly, parse_beads
from termalign.align.formats import (
    TSV_HEADER,
    alignment_to_jsonl,
    alignment_to_tmx,
    alignment_to_tsv,
    render,
    tmx_units,
)
from termalign.align.overlap import stack_windows
from termalign.align.pipeline import AlignParams, AlignSide, align_sides
from termalign.core.errors import InputError
from termalign.corpus.export import xml_safe
from termalign.text.clean import boilerplate_lines, ptt_title_line, strip_ptt_tag
from termalign.text.read import _INVISIBLE, clean_text, decode_bytes
from termalign.text.segment import segment_text, split_sentences

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text like what people feed us: both scripts, full-width punctuation, quotes, bidi marks, controls.
PIECES = [
    "稀土",
    "出口管制",
    "關鍵礦物",
    "。",
    "!",
    "?",
    "「",
    "」",
    "“",
    "”",
    '"',
    "'",
    ". ",
    "Mr. ",
    "U.S. ",
    "rare earths",
    "70%",
    "2025年10月23日",
    "\n",
    "\n\n",
    "\r\n",
    "\t",
    " ",
    "\u200f",
    "\u202e",
    "\ufeff",
    "\x00",
    "\x07",
    "--",
    "※ ",
    "[新聞] ",
    "原文內容:",
    "http://x.cn/a.html",
    "…",
    "—",
    "\u3000",
]
texty = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=40).map("".join)


# ---------------------------------------------------------------- reading


@FAST
@given(
    st.one_of(
        st.binary(max_size=400),
        texty.map(lambda t: t.encode("utf-8")),
        texty.map(lambda t: t.encode("utf-16")),
        texty.map(lambda t: t.encode("gb18030", "replace")),
    )
)
def test_decoding_any_bytes_gives_clean_text_or_one_line_error(data):
    try:
        text = decode_bytes(data, "fuzz.txt")
    except InputError as e:
        msg = str(e)
        assert msg.startswith("fuzz.txt: ") and "\n" not in msg
        return
    assert text.strip()
    assert "\r" not in text and not _INVISIBLE.search(text)
    assert clean_text(text) == text  # cleaning is idempotent


@FAST
@given(texty)
def test_utf8_text_decodes_to_itself_cleaned(text):
    assume(clean_text(text).strip() and "\x00" not in text)  # a NUL byte means binary (tests/test_read.py)
    assert decode_bytes(text.encode("utf-8"), "t.txt") == clean_text(text)


# ---------------------------------------------------------------- segmentation


@FAST
@given(texty, st.booleans())
@example("[新聞] \n--", False)  # a PTT title line that is its tag alone, before a rule line
def test_segmentation_never_crashes_and_keeps_every_character(text, presplit):
    text = clean_text(text)
    doc = segment_text(text, "fuzz.txt", presplit=presplit)
    n_lines = text.count("\n") + 1
    lines = [p.line for p in doc.paragraphs]
    assert lines == sorted(lines) and all(1 <= n <= n_lines for n in lines)
    for p in doc.paragraphs:
        assert p.lang in ("en", "zh", "other") and p.text == p.text.strip() and p.text
        assert all(s and s == s.strip() for s in p.sentences)
        if presplit:
            assert p.sentences == (p.text,)
        if p.lang == "zh" or p.lang == "other":  # Chinese splitting and "other" lose only whitespace
            assert "".join("".join(p.sentences).split()) == "".join(p.text.split())
    # every non-space character of the input is in some paragraph, in order (nothing is dropped), but for the
    # tag of a PTT post's title line ("[新聞] ..."), which segmenting strips from the title it keeps as content
    lines_in = text.split("\n")
    title = None if presplit else ptt_title_line(lines_in, boilerplate_lines(lines_in))
    if title is not None:
        lines_in[title] = strip_ptt_tag(lines_in[title])
    kept = "".join("".join(p.text.split()) for p in doc.paragraphs)
    assert kept == "".join("\n".join(lines_in).split())


@FAST
@given(texty, st.sampled_from(["en", "zh", "other"]))
def test_split_sentences_pieces_are_in_the_text_in_order(text, lang):
    text = clean_text(text)
    pos = 0
    for s in split_sentences(text, lang):
        if lang == "en":  # the English splitter may drop list bullets; the rest is verbatim
            continue
        i = text.find(s, pos)
        assert i >= 0, (s, text)
        pos = i + len(s)


# ---------------------------------------------------------------- the DP on odd vectors


def _vectors(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "random":
        return rng.normal(size=(n, 8))
    if kind == "identical":  # every sentence the same (a file of repeated boilerplate)
        return np.ones((n, 8))
    if kind == "zero":  # what an encoder gives for an empty string
        return np.zeros((n, 8))
    return rng.normal(size=(2, 8))[rng.integers(0, 2, n)]  # "two": only two distinct sentences


@SLOW
@given(
    st.integers(0, 20),
    st.integers(0, 20),
    st.sampled_from(["random", "identical", "zero", "two"]),
    st.sampled_from(["random", "identical", "zero", "two"]),
    st.integers(0, 2**32 - 1),
    st.booleans(),
)
def test_beads_cover_every_sentence_once_in_order_on_odd_inputs(n, m, kind_a, kind_b, seed, with_lengths):
    rng = np.random.default_rng(seed)
    p = AlignParams(max_merge=3, max_total=4)
    src = AlignSide(stack_windows(_vectors(kind_a, n, rng), 3))
    tgt = AlignSide(stack_windows(_vectors(kind_b, m, rng), 3))
    if with_lengths:
        src = replace(src, chars=rng.integers(1, 400, n))
        tgt = replace(tgt, chars=rng.integers(1, 400, m))
    beads = align_sides(src, tgt, p).beads
    assert covers_exactly(beads, n, m)
    assert all(np.isfinite(b.score) and 0.0 <= b.score <= 1.0 for b in beads)
    assert all(len(b.src) <= 3 and len(b.tgt) <= 3 and (b.src or b.tgt) for b in beads)


# ---------------------------------------------------------------- alignment writers


def _sentences(lang: str):
    """Sentences as segmentation makes them: cleaned, stripped, non-empty, one line."""
    alphabet = st.characters(blacklist_categories=("Cs",))
    base = st.one_of(st.sampled_from([s for s in PIECES if s.strip()]), st.text(alphabet, min_size=1, max_size=20))
    return (
        st.lists(base, min_size=1, max_size=4).map("".join).map(lambda t: " ".join(clean_text(t).split())).filter(bool)
    )


@st.composite
def alignments(draw):
    en = draw(st.lists(_sentences("en"), max_size=6))
    zh = draw(st.lists(_sentences("zh"), max_size=6))
    beads, i, j = [], 0, 0
    while i < len(en) or j < len(zh):
        a = draw(st.integers(0 if j < len(zh) else 1, min(2, len(en) - i)))
        b = draw(st.integers(0 if a else 1, min(2, len(zh) - j)))
        beads.append(Bead(tuple(range(i, i + a)), tuple(range(j, j + b)), round(draw(st.floats(0, 1)), 4)))
        i, j = i + a, j + b
    sig = draw(st.text(string.ascii_letters + string.digits + "|:._-/", max_size=30))
    return Alignment(tuple(en), tuple(zh), tuple(beads), "en", draw(st.sampled_from(["zh", "zh-TW"])), sig)


@SLOW
@given(alignments())
def test_tmx_parses_back_to_the_non_null_pairs(al):
    units = list(tmx_units(alignment_to_tmx(al)))
    want = [(s, t) for b, s, t in al.pairs() if not b.is_null]
    zh = "zh-TW" if al.tgt_lang == "zh-TW" else "zh-CN"
    assert [(u["en"], u[zh]) for u in units] == [(xml_safe(s), xml_safe(t)) for s, t in want]


@SLOW
@given(alignments())
def test_jsonl_tsv_and_ladder_parse_back(al):
    rows = [json.loads(line) for line in alignment_to_jsonl(al).splitlines()]
    assert [(tuple(r["src"]), tuple(r["tgt"]), r["src_text"], r["tgt_text"]) for r in rows] == [
        (b.src, b.tgt, s, t) for b, s, t in al.pairs()
    ]
    lines = alignment_to_tsv(al).split("\n")
    assert lines[0] == f"# {al.signature}" and lines[1] == TSV_HEADER and lines[-1] == ""
    cols = [line.split("\t") for line in lines[2:-1]]
    assert len(cols) == len(al.beads) and all(len(c) == 5 for c in cols)
    assert [(c[3], c[4]) for c in cols] == [(",".join(map(str, b.src)), ",".join(map(str, b.tgt))) for b in al.beads]
    assert [b.src + b.tgt for b in parse_beads(render(al, "ladder").decode())] == [b.src + b.tgt for b in al.beads]


@pytest.mark.parametrize("fmt", ["ladder", "tsv", "jsonl", "tmx"])
def test_writers_on_an_empty_alignment(fmt):
    data = render(Alignment((), (), (), "en", "zh", "sig"), fmt)
    assert isinstance(data, bytes)
    if fmt == "tmx":
        assert list(tmx_units(data)) == []
