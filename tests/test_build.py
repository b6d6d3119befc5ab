"""Build: the example corpus, resume, changed files, failures, and kill safety."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from termalign.align.mining import default_model
from termalign.corpus.build import build
from termalign.corpus.store import DB_NAME, Store
from tests.conftest import SEEDS, seed


def _counts(folder) -> dict:
    con = sqlite3.connect(folder / DB_NAME)
    out = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("documents", "sentences")}
    out["aligned"] = con.execute("select count(*) from pairs where kind = 'aligned'").fetchone()[0]
    out["mined"] = con.execute("select count(*) from pairs where kind = 'mined'").fetchone()[0]
    out["pairs"] = sorted(con.execute("select kind, en, zh from pairs").fetchall())
    con.close()
    return out


def test_example_corpus_pairs_every_paragraph_of_000(example_store):
    folder, report = example_store
    assert report.files == 5 and not report.failed and report.skipped == 0
    with Store.open(folder, readonly=True) as s:
        docs = {d.name[:3]: d for d in s.documents()}
        assert [k for k, d in sorted(docs.items()) if d.parallel] == ["000", "003"]
        pairs = s.con.execute(
            "select en, zh from pairs where doc = ? and kind = 'aligned' and en != '' and zh != ''", (docs["000"].id,)
        ).fetchall()
    # every English paragraph of seed 000 is followed by its Chinese line: each must be covered by pairs
    lines = seed("000").read_text(encoding="utf-8").splitlines()
    paired_zh = "".join(zh for _, zh in pairs)
    paired_en = " ".join(en for en, _ in pairs)
    missed, total = [], 0
    for i, line in enumerate(lines[:-1]):
        nxt = lines[i + 1]
        if line.isascii() and len(line) > 40 and not nxt.isascii():
            total += 1
            if line.split(". ")[0][:50] not in paired_en or nxt[:15] not in paired_zh:
                missed.append(line[:60])
    assert total >= 20 and not missed, missed


def test_mined_cross_document_pairs_are_right_at_the_top(example_store, mined_example_store):
    # the default keeps only what the model trusts: on the example corpus, where the Chinese of
    # the Southeast Asian deals also names Australia and Japan (one side says more), not that pair
    folder, _ = example_store
    with Store.open(folder, readonly=True) as s:
        kept = s.con.execute("select en, zh, score from pairs where kind = 'mined'").fetchall()
    assert all(r[2] >= default_model().threshold for r in kept)
    assert not [r for r in kept if "Southeast Asian nations" in r[0]]
    with Store.open(mined_example_store[0], readonly=True) as s:  # kept down to P >= 0.5
        rows = s.con.execute(
            "select p.en, p.zh, p.score, p.doc, p.other_doc from pairs p where kind = 'mined' order by score desc"
        ).fetchall()
        assert rows and all(0 <= r[2] <= 1 for r in rows)
        assert all(
            r[3] != r[4] or not s.con.execute("select parallel from documents where id = ?", (r[3],)).fetchone()[0]
            for r in rows
        )  # never inside a parallel document
        chrome = ("Search documents", "Fish AI Reader", "来源", "@", "**")  # never a line of page chrome
        assert not [r for r in rows if any(c in r[0] or c in r[1] for c in chrome)]


def test_boilerplate_and_cleaned_text_are_recorded(example_store):
    folder, _ = example_store
    with Store.open(folder, readonly=True) as s:
        docs = {d.name[:3]: d.id for d in s.documents()}
        assert "Search documents" in s.boilerplate(docs["004"])
        assert "联系邮箱 441953276@qq.com" in s.boilerplate(docs["002"])
        assert "Search documents" not in s.sentences(docs["004"], "en")[0]  # not in the prose stream
        raw, vecs = s.sentences(docs["002"], "zh")
        clean, _ = s.sentences(docs["002"], "zh", clean=True)
        assert len(raw) == len(clean) == len(vecs)
        marked = [k for k, t in enumerate(raw) if "**" in t]
        assert len(marked) == 3  # the original keeps its markup ...
        assert all("**" not in clean[k] and clean[k][0] not in "🌍🤝💰" for k in marked)  # ... the cleaned copy not


def test_resume_skips_everything_then_redoes_a_changed_file(tmp_path, usem3):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("001", "003"):
        shutil.copy(seed(name), corpus)
    (corpus / ".hidden.txt").write_text("hidden", encoding="utf-8")
    (corpus / "bad.txt").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    with Store.open(tmp_path / "s") as s:
        first = build([corpus], s, usem3, glossary=False)
        assert first.files == 3 and len(first.failed) == 1 and "bad.txt" in first.failed[0][0]
        again = build([corpus], s, usem3, glossary=False)
        assert again.skipped == 2 and (again.sentences, again.pairs, again.mined) == (
            first.sentences,
            first.pairs,
            first.mined,
        )
        before = s.con.execute("select count(*) from sentences").fetchone()[0]
        old_sha = s.find_document(str(next(corpus.glob("003_*.txt")).resolve())).sha256
        f = next(corpus.glob("003_*.txt"))
        text = f.read_text(encoding="utf-8").replace(
            "原文內容:\n", "原文內容:\nThe new line is about rare earths.\n新的一行是关于稀土的。\n", 1
        )
        f.write_text(text, encoding="utf-8")
        third = build([corpus], s, usem3, glossary=False)
        assert third.skipped == 1
        assert s.con.execute("select count(*) from sentences").fetchone()[0] > before
        assert s.find_document(str(f.resolve())).sha256 != old_sha
        assert (
            s.con.execute("select count(*) from sentences where text like '%新的一行是关于稀土的%'").fetchone()[0] == 1
        )
        assert s.con.execute("select count(*) from documents").fetchone()[0] == 2


@pytest.mark.slow  # a cold build in a subprocess, killed, then resumed
def test_killed_build_resumes_to_the_same_result(tmp_path, example_store):
    ref_folder, _ = example_store
    store = tmp_path / "killed"
    env = {**os.environ, "TERMALIGN_CACHE": str(tmp_path / "fresh-cache")}  # cold cache: slow enough to kill
    cmd = [
        sys.executable,
        "-m",
        "termalign.app.cli",
        "build",
        str(SEEDS),
        "--store",
        str(store),
        "--quiet",
        "--no-glossary",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = store / "glossary.sqlite"
    n = 0
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if db.exists():
            try:
                con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
                n = con.execute("select count(*) from documents").fetchone()[0]
                con.close()
            except sqlite3.OperationalError:
                n = 0
            if n >= 1:
                break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 1 <= n < 5, f"kill came too late or too early ({n} documents committed)"
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=300)
    got, want = _counts(store), _counts(ref_folder)
    assert {k: v for k, v in got.items() if k != "pairs"} == {k: v for k, v in want.items() if k != "pairs"}
    assert got["pairs"] == want["pairs"]


def _interleaved_macdev_chapter(macdev, name: str, dest) -> str:
    """MAC-Dev chapter ``name`` as one interleaved file, built as benchmarks/bench_build.py builds
    its ``pair`` corpus (per gold bead: the zh sentences on one line, then the en ones)."""
    from benchmarks.bench_build import macdev_bilingual_lines

    one = dest / "macdev-one"
    for sub, f in (("gold", f"{name}.align"), ("src", name), ("tgt", name)):
        (one / sub).mkdir(parents=True)
        (one / sub / f).symlink_to(macdev / sub / f)
    return "\n".join(macdev_bilingual_lines(one)) + "\n"


@pytest.mark.slow  # a MAC-Dev chapter through build
def test_interleaved_literary_chapter_is_aligned_not_mined(tmp_path, usem3, macdev):
    # MAC-Dev 004: only 54% of its sentences find a confident partner (literary 1-2 / 2-1 beads),
    # 72% of its paragraphs do -- parallel by paragraphs (align.mining.document_is_parallel)
    lines = _interleaved_macdev_chapter(macdev, "004", tmp_path).splitlines()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mac004.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Store.open(tmp_path / "s") as s:
        report = build([corpus], s, usem3, glossary=False)
        (doc,) = s.documents()
        assert doc.parallel and not report.failed
        pairs = s.con.execute("select en, zh from pairs where kind = 'aligned' and en != '' and zh != ''").fetchall()
        assert report.mined == 0  # nothing mined inside a parallel document
    # gold: each zh line is followed by its en line; an aligned pair is right when it is one of these
    # beads or part of one (measured: 194 of 208)
    gold = {zh: en for zh, en in zip(lines, lines[1:]) if not zh.isascii() and en.isascii()}
    right = sum(1 for en, zh in pairs if any(zh in g and en in gold[g] for g in gold if zh[:8] in g))
    assert len(pairs) >= 150 and right / len(pairs) >= 0.85, (len(pairs), right)


# ---------------------------------------------------------------- progress: per file and overall


def _events_of_a_build(tmp_path, usem3, files):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in files:
        shutil.copy(f, corpus)
    events = []
    with Store.open(tmp_path / "s") as s:
        build([corpus], s, usem3, glossary=False, on_event=events.append)
    return events


def test_each_file_reports_its_progress_before_it_is_done(tmp_path, usem3):
    events = _events_of_a_build(tmp_path, usem3, [seed("003"), seed("004")])
    assert events[0].kind == "start" and events[0].total == 2
    assert [e.status for e in events if e.kind == "stage"] == ["mining", "index"]
    for name, parallel in (("003", True), ("004", False)):
        mine = [e for e in events if name in e.path]
        assert mine[-1].kind == "file" and mine[-1].status == "done"
        progress = mine[:-1]
        assert progress and all(e.kind == "progress" for e in progress)
        stages = list(dict.fromkeys(e.status for e in progress))
        assert stages == (["encode", "check", "align"] if parallel else ["encode", "check"])
        done = [e.done for e in progress]
        assert done == sorted(done) and done[0] == 0 and done[-1] == progress[0].total > 20


def test_build_bars_render_on_a_terminal_only(tmp_path, usem3, monkeypatch):
    import io

    from termalign.app.cli import _BuildBars

    events = _events_of_a_build(tmp_path, usem3, [seed("003")])

    class Tty(io.StringIO):
        def isatty(self):
            return True

    for show in (True, False):
        err = Tty()
        monkeypatch.setattr(sys, "stderr", err)
        bars = _BuildBars(show=show)
        for e in events:
            bars.on_event(e)
        bars.close()
        text = err.getvalue()
        if show:  # the overall bar counts files; the file's own bar counts its sentences, named by stage (seed 003: 53 sentences, its two titles included)
            assert "0/1 [" in text and "file/s" in text and "0/53 [" in text and "sentence/s" in text
            assert "encode 003_" in text
        else:
            assert text == ""


@pytest.mark.slow  # a build in a fresh process
def test_cli_build_off_a_terminal_prints_the_summary_and_no_bar(tmp_path):
    from click.testing import CliRunner

    from termalign.app.cli import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(seed("003"), corpus)
    (corpus / "bad.txt").write_bytes(b"\x00\x01binary\x00" * 50)
    for quiet in ([], ["--quiet"]):
        r = CliRunner().invoke(main, ["build", str(corpus), "--store", str(tmp_path / "s"), "--no-glossary", *quiet])
        assert r.exit_code == 5, r.output  # one file failed
        out = r.output
        assert "\r" not in out and "it/s" not in out and "%|" not in out and "sentence/s" not in out
        assert out.count("failed: ") == 1 and "bad.txt" in out
        assert "2 files (" in out and "unchanged, 1 failed)" in out and "sentences" in out


def _aligned(s: Store) -> list[tuple[str, str, float]]:
    return s.con.execute("select en, zh, score from pairs where kind = 'aligned' order by id").fetchall()


def test_a_refitted_calibration_redoes_the_documents_on_resume(tmp_path, usem3, monkeypatch):
    """The pairs' scores come from the calibration: a refit (even under the same name) is a new
    build signature, so resume re-aligns every document instead of keeping stale scores."""
    from termalign.align import confidence

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(seed("003"), corpus)
    shipped = confidence.default_calibration()
    refit = confidence.Calibration((shipped.coef[0] - 1.0, *shipped.coef[1:]), "refit", shipped.name)
    with Store.open(tmp_path / "s") as s:
        build([corpus], s, usem3, glossary=False)
        before, sig = _aligned(s), s.signature
        assert f"cal:{shipped.signature()}" in sig
        monkeypatch.setattr(confidence, "load_calibration", lambda path=None: refit)
        confidence.default_calibration.cache_clear()
        try:
            again = build([corpus], s, usem3, glossary=False)
            after = _aligned(s)
            assert again.skipped == 0 and s.signature != sig and f"cal:{refit.signature()}" in s.signature
            assert [r[:2] for r in after] == [r[:2] for r in before]  # the same beads, lower scores
            assert all(a[2] <= b[2] for a, b in zip(after, before)) and after != before
            assert build([corpus], s, usem3, glossary=False).skipped == 1
        finally:
            confidence.default_calibration.cache_clear()


@pytest.mark.slow
def test_a_new_glossary_method_redoes_the_glossary_not_the_documents(tmp_path, usem3, monkeypatch):
    from termalign.corpus.build import build_terms
    from termalign.glossary import pairing

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(seed("003"), corpus)
    with Store.open(tmp_path / "s") as s:
        build([corpus], s, usem3)
        state = s.get_meta("glossary_state")
        rebuilt = []
        monkeypatch.setattr(s, "replace_terms", lambda entries, st, features=None: rebuilt.append(st))
        assert build_terms(s, usem3) == "" and rebuilt == []  # nothing changed: kept
        monkeypatch.setattr(pairing, "METHOD_VERSION", pairing.METHOD_VERSION + "-next")
        report = build([corpus], s, usem3)
        assert report.skipped == 1 and len(rebuilt) == 1 and rebuilt[0] != state


# ---------------------------------------------------------------- mining past the exact limit


def _mined(folder) -> dict:
    """The store's mined pairs: (English document, Chinese document, src, tgt) -> (score, margin)."""
    with Store.open(folder, readonly=True) as s:
        sql = "select doc, other_doc, src, tgt, score, margin from pairs where kind = 'mined'"
        return {tuple(r[:4]): tuple(r[4:]) for r in s.con.execute(sql)}


def _prose(folder) -> int:
    with Store.open(folder, readonly=True) as s:
        return s.con.execute(
            "select count(*) from sentences where lang in ('en', 'zh') and boilerplate = 0"
        ).fetchone()[0]


def test_mining_past_the_exact_limit_reads_the_store_a_shard_at_a_time(
    tmp_path, monkeypatch, example_store, mined_example_store, past_the_exact_limit
):
    from termalign.align import index
    from termalign.corpus.build import mine_corpus
    from tests.conftest import MINED_FLOOR, copy_store

    # every list visited: the shards' search is exact, so chunked reading must lose nothing
    monkeypatch.setattr(index, "IVF_NPROBE", 10_000)
    folder = copy_store(example_store[0], tmp_path / "s")
    with Store.open(folder) as s:
        n = mine_corpus(s, min_score=MINED_FLOOR)
    sizes = past_the_exact_limit
    assert max(sizes) <= 64  # never more than one shard of vectors at once
    assert sum(sizes) >= 2 * _prose(folder)  # yet every vector was read: as a base and as a query
    got, want = _mined(folder), _mined(mined_example_store[0])
    assert n == mined_example_store[1] and got.keys() == want.keys()
    assert all(abs(a - b) <= 1e-5 for k in got for a, b in zip(got[k], want[k]))


def test_mining_past_the_exact_limit_keeps_the_exact_pairs_at_the_default_recall(
    tmp_path, example_store, mined_example_store, past_the_exact_limit
):
    from termalign.align.mining import mine_sentences
    from termalign.corpus.build import mine_corpus, mining_inputs
    from termalign.corpus.store import SentenceVectors
    from tests.conftest import MINED_FLOOR, copy_store

    folder = copy_store(example_store[0], tmp_path / "s")
    with Store.open(folder) as s:
        mine_corpus(s, min_score=MINED_FLOOR)
        assert max(past_the_exact_limit) <= 64
        both = {}
        for in_memory in (False, True):  # the vectors read a part at a time, then all at once
            m = mining_inputs(s, in_memory)
            assert isinstance(m.sides["en"].vecs, SentenceVectors) is not in_memory
            both[in_memory] = {(p.i, p.j) for p in mine_sentences(m.sides["en"], m.sides["zh"], 4, m.excluded)}
    assert _mined(folder).keys() == _mined(mined_example_store[0]).keys()  # the pairs kept are the exact path's
    # every candidate, kept or not: 32 of ~60 lists visited finds most of the exact path's (34 of 34 when
    # written); its recall at scale, with thousands of lists, is measured by benchmarks/bench_knn.py
    exact, ivf = both[True], both[False]
    assert len(exact) > 25 and len(exact & ivf) >= 0.9 * len(exact)
