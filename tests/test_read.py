"""Reading: every encoding the seeds come in, and every bad input refused with one clear line.

The bad-input corpus in tests/data is made by ``make_corpus`` below from real sentences of the
seeds (run ``python tests/test_read.py`` to rebuild it); ``test_corpus_is_up_to_date`` keeps the
committed files and this generator in step.
"""

from __future__ import annotations

import codecs
import io
import random
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from termalign.core.errors import InputError
from termalign.text.read import MAX_BYTES, clean_text, decode_bytes, read_text

DATA = Path(__file__).resolve().parent / "data"

# Real sentences from the seeds: 000 (Simplified, interleaved) and 003 (Traditional).
SIMPLIFIED = (
    "中国开采了全球70%的稀土,并为全球90%的供应进行化学加工。"
    "当特朗普政府最近对该国施加高关税和更广泛的技术控制时,中国政府推出许可制度作为回应。\n"
)
TRADITIONAL = (
    "這個國家組合合計佔全球關鍵礦物需求量的60%。\n該官員表示:「緊迫性是今天的主題。這是一項非常龐大的工程。」\n"
)
BILINGUAL = (
    "China mines 70 percent of the world’s rare earths, and does chemical processing for 90 percent of the global supply.\n"
    + SIMPLIFIED
)
ENGLISH = (
    "The Trump administration is pursuing an array of unconventional measures to shore up mineral supplies.\n"
    "Mr. Trump has threatened to impose an additional 100 percent tax on Chinese imports on Nov. 1.\n"
)
UNBALANCED = (
    "“Threats to U.S. mineral supplies will just keep happening. Nobody closed this quote. It goes on.\n"
    "該官員表示:「緊迫性是今天的主題。這是一項非常龐大的工程。沒有結束引號。\n"
)

CHINESE_ONLY = SIMPLIFIED + TRADITIONAL

# Three paragraphs of seed 000 (the second in Traditional), for a folder whose files all come in
# different encodings: mixed/en/X pairs with mixed/zh/X (align-dir, build).
MIXED_EN = (
    "The Trump administration is pursuing an array of unconventional measures to shore up mineral supplies that are"
    " vital for makers of cars, jet engines, weaponry and data centers, as the Chinese government leverages its control"
    " of rare earth exports in ways that could cripple global industry.\n",
    "In recent months, the administration has taken stakes in several mining and minerals firms. It has talked of"
    " establishing a strategic reserve of rare earths, and supporting domestic producers with price controls and"
    " tariffs.\n",
    "Some analysts have praised the administration’s effort to find new approaches to reduce a dependence on China"
    " that has persisted through the terms of many U.S. presidents.\n",
)
MIXED_ZH = (
    "特朗普政府正在采取一系列非常规措施,以保障汽车、喷气发动机、武器和数据中心制造商所需的关键矿产供应,"
    "因为中国政府正在利用其对稀土出口的控制,以可能令全球工业瘫痪的方式施加影响。\n",
    "近幾個月來,政府已在幾家礦業和礦產公司中持有股份。它討論了建立稀土戰略儲備,並通過價格管制和關稅支持國內生產商。\n",
    "一些分析人士赞扬政府努力寻找新方法,以减少对中国依赖的做法,这种依赖已持续多位美国总统任期。\n",
)

# name -> (bytes, the text it must decode to, or None when it must be refused)
CORPUS: dict[str, tuple[bytes, str | None]] = {
    "gbk.txt": (SIMPLIFIED.encode("gbk"), SIMPLIFIED),
    "big5.txt": (TRADITIONAL.encode("big5"), TRADITIONAL),
    "utf16le_bom.txt": (codecs.BOM_UTF16_LE + BILINGUAL.encode("utf-16-le"), BILINGUAL),
    "utf16be_bom.txt": (codecs.BOM_UTF16_BE + BILINGUAL.encode("utf-16-be"), BILINGUAL),
    "utf16le_nobom.txt": (BILINGUAL.encode("utf-16-le"), BILINGUAL),
    "utf8_bom.txt": (codecs.BOM_UTF8 + BILINGUAL.encode("utf-8"), BILINGUAL),
    "no_chinese.txt": (ENGLISH.encode("utf-8"), ENGLISH),
    "control_chars.txt": (
        "China mines\x07 70 percent\x1b of the world’s rare earths.\r\n中国开采了\x01全球70%的稀土。\r\x7f".encode(),
        "China mines 70 percent of the world’s rare earths.\n中国开采了全球70%的稀土。\n",
    ),
    "rtl_marks.txt": (
        "\u202aChina\u200e mines\u200f 70\u200b percent.\u202c\n\u202b中国\u2066开采了\u2069全球\ufeff70%的稀土。\u202e\n".encode(),
        "China mines 70 percent.\n中国开采了全球70%的稀土。\n",
    ),
    "unbalanced_quotes.txt": (UNBALANCED.encode("utf-8"), UNBALANCED),
    "chinese_only.txt": (CHINESE_ONLY.encode("utf-8"), CHINESE_ONLY),
    "mixed/en/a.txt": (MIXED_EN[0].encode("utf-8"), MIXED_EN[0]),
    "mixed/en/b.txt": (codecs.BOM_UTF16_LE + MIXED_EN[1].encode("utf-16-le"), MIXED_EN[1]),
    "mixed/en/c.txt": (codecs.BOM_UTF8 + MIXED_EN[2].encode("utf-8"), MIXED_EN[2]),
    "mixed/zh/a.txt": (MIXED_ZH[0].encode("gbk"), MIXED_ZH[0]),
    "mixed/zh/b.txt": (MIXED_ZH[1].encode("big5"), MIXED_ZH[1]),
    "mixed/zh/c.txt": (MIXED_ZH[2].encode("utf-16-be"), MIXED_ZH[2]),
    "empty.txt": (b"", None),
    "whitespace.txt": (b" \n\t\n   \r\n\n", None),
}


def _png() -> bytes:
    """A real 1x1 red PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def _pdf() -> bytes:
    stream = zlib.compress(b"BT /F1 12 Tf (China mines 70 percent of rare earths) Tj ET")
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        + b"4 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
        + stream
        + b"\nendstream\nendobj\n%%EOF\n"
    )


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("000.txt", date_time=(2025, 1, 1, 0, 0, 0)), BILINGUAL)  # same bytes every run
    return buf.getvalue()


BINARY = {"binary.pdf": (_pdf, "PDF"), "image.png": (_png, "PNG"), "archive.zip": (_zip, "ZIP")}


def make_corpus(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (data, _) in CORPUS.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    for name, (make, _) in BINARY.items():
        (folder / name).write_bytes(make())


def test_corpus_is_up_to_date():
    for name, (data, _) in CORPUS.items():
        assert (DATA / name).read_bytes() == data, f"rebuild tests/data: {name} differs"
    for name in BINARY:
        assert (DATA / name).is_file()


@pytest.mark.parametrize("name", [n for n, (_, text) in CORPUS.items() if text is not None])
def test_corpus_decodes_to_the_original_text(name):
    assert read_text(DATA / name) == CORPUS[name][1]


@pytest.mark.parametrize(
    "name, words",
    [
        ("empty.txt", "empty"),
        ("whitespace.txt", "only whitespace"),
        ("binary.pdf", "looks like a PDF file"),
        ("image.png", "looks like a PNG image"),
        ("archive.zip", "looks like a ZIP archive"),
    ],
)
def test_bad_inputs_are_refused_in_one_line(name, words):
    with pytest.raises(InputError) as e:
        read_text(DATA / name)
    msg = str(e.value)
    assert "\n" not in msg
    assert msg.startswith(str(DATA / name) + ": ")
    assert words in msg


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_text(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a directory"):
        read_text(tmp_path)


def test_explicit_encoding_is_used_and_checked():
    assert read_text(DATA / "big5.txt", encoding="big5") == TRADITIONAL
    with pytest.raises(InputError, match="not valid utf-8 at byte 0"):
        read_text(DATA / "big5.txt", encoding="utf-8")
    with pytest.raises(InputError, match="unknown encoding"):
        read_text(DATA / "gbk.txt", encoding="klingon")


def test_gbk_read_as_big5_would_be_wrong():
    # The detector must not accept a codec that merely decodes without error.
    data = CORPUS["big5.txt"][0]
    assert data.decode("gb18030") != TRADITIONAL  # Big5 bytes are valid GBK: a real trap
    assert decode_bytes(data, "x.txt") == TRADITIONAL


def test_undecodable_bytes_name_the_encoding_option():
    rng = random.Random(0)  # high bytes at random: no codec makes Chinese or English of them
    junk = bytes(rng.randrange(0x80, 0x100) for _ in range(300))
    with pytest.raises(InputError) as e:
        decode_bytes(junk, "junk.txt")
    assert "--encoding" in str(e.value) and "\n" not in str(e.value)


def test_nul_bytes_that_are_not_utf16_are_binary():
    with pytest.raises(InputError, match="binary"):
        decode_bytes(b"abc\x00\x00\x00\x01\x02def\x00ghi\x00\x00", "blob.bin")
    # NULs on both parities, and as UTF-16 it reads as rare CJK characters (U+6202 U+6E69): still binary
    with pytest.raises(InputError, match="binary"):
        decode_bytes(b"\x00\x01\x02binary\x00" * 50, "bad.txt")


def test_utf16be_without_bom():
    assert decode_bytes(BILINGUAL.encode("utf-16-be"), "be.txt") == BILINGUAL


def test_clean_text_newlines():
    assert clean_text("a\r\nb\rc\u2028d") == "a\nb\nc\nd"


def test_ten_megabyte_single_line(tmp_path):
    unit = "Rare earths are vital. 稀土至关重要。"  # 44 bytes in UTF-8
    line = unit * (10 * 2**20 // 44 + 1)
    p = tmp_path / "huge.txt"
    p.write_text(line, encoding="utf-8")
    assert p.stat().st_size > 10 * 1024 * 1024
    assert read_text(p) == line


def test_hundred_thousand_lines(tmp_path):
    p = tmp_path / "many.txt"
    p.write_bytes(
        ("中国开采了全球70%的稀土。\r\nChina mines 70 percent of rare earths.\r\n" * 50_000).encode("gb18030")
    )
    text = read_text(p)
    assert text.count("\n") == 100_000 and "\r" not in text and text.startswith("中国开采了")


def test_size_guard(tmp_path, monkeypatch):
    p = tmp_path / "big.txt"
    p.write_text("rare earths\n" * 100, encoding="utf-8")
    monkeypatch.setattr("termalign.text.read.MAX_BYTES", 1000)
    with pytest.raises(InputError, match="limit"):
        read_text(p)
    assert MAX_BYTES >= 100 * 2**20


if __name__ == "__main__":  # rebuild the committed corpus
    make_corpus(DATA)
    sys.exit(0)
