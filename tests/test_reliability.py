"""Reliability, round two: output targets, read-only stores, hostile corpus folders, strict decoding,
removed files, interrupted builds and the smaller defects an adversarial probe found.

Each test names the promise it checks. Commands run in-process through click's CliRunner with the
real shipped encoder, except where only a real process shows the behaviour (a hang, a read-only
mount, memory use): those run as subprocesses with a timeout, so a regression fails instead of
hanging the suite.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from termalign.app.cli import main
from termalign.core.errors import InputError, TermalignError
from termalign.core.files import atomic_path
from termalign.corpus.pairs import split_key
from termalign.corpus.store import DB_NAME, Store
from tests.conftest import DATA, ROOT, SEEDS, one_line_error

CLI = [sys.executable, "-m", "termalign.app.cli"]


def _device_copy(tmp_path: Path, name: str, minor: int) -> Path:
    """A copy of /dev/null (minor 3) or /dev/full (minor 7) made with mknod: a test that goes
    wrong replaces the copy, never the machine's device."""
    dev = tmp_path / name
    try:
        os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, minor))
        with open(dev, "wb") as f:
            f.write(b"")
    except (PermissionError, OSError):
        pytest.skip("mknod needs CAP_MKNOD on a file system that allows devices")
    return dev


# ---------------------------------------------------------------- one output path


def test_output_to_a_device_writes_through_it_and_leaves_the_device(tmp_path):
    null = _device_copy(tmp_path, "null", 3)
    with atomic_path(null) as p:
        p.write_bytes(b"x" * 1000)
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["null"]  # no temporary file was left beside it


def test_output_to_a_full_device_fails_with_one_line(cli, tmp_path):
    full = _device_copy(tmp_path, "full", 7)
    r = cli("align", DATA / "utf8_bom.txt", "-o", full)
    one_line_error(r, 1, str(full), "No space left on device")
    assert stat.S_ISCHR(os.lstat(full).st_mode)


def test_output_to_a_fifo_is_written_into_it(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()), daemon=True)
    reader.start()
    with atomic_path(fifo) as p:
        p.write_bytes(b"beads\n")
    reader.join(10)
    assert got == [b"beads\n"] and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_output_through_a_symlink_replaces_its_target_and_keeps_the_link(cli, tmp_path):
    project = tmp_path / "cat-project"
    project.mkdir()
    (project / "glossary.tsv").write_text("old\n", encoding="utf-8")
    link = tmp_path / "out.tsv"
    link.symlink_to(project / "glossary.tsv")
    r = cli("align", DATA / "utf8_bom.txt", "--format", "tsv", "-o", link)
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and os.readlink(link) == str(project / "glossary.tsv")
    assert (project / "glossary.tsv").read_text(encoding="utf-8").startswith("# termalign")
    assert sorted(os.listdir(project)) == ["glossary.tsv"]


def test_a_250_character_output_name_works(cli, tmp_path):
    out = tmp_path / ("g" * 246 + ".tsv")
    r = cli("align", DATA / "utf8_bom.txt", "--format", "tsv", "-o", out)
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith("# termalign")
    assert os.listdir(tmp_path) == [out.name]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    out = tmp_path / "g.tsv"
    out.write_text("old\n", encoding="utf-8")
    with pytest.raises(ZeroDivisionError), atomic_path(out) as p:
        p.write_text("half", encoding="utf-8")
        raise ZeroDivisionError
    assert out.read_text(encoding="utf-8") == "old\n" and os.listdir(tmp_path) == ["g.tsv"]
    with pytest.raises(TermalignError, match="is a folder"), atomic_path(tmp_path) as p:
        pass


# ---------------------------------------------------------------- read-only stores, odd store paths


@pytest.fixture(scope="module")
def mixed_store(tmp_path_factory):
    """DATA/mixed built into a store (no glossary): six one-language files, mined pairs."""
    folder = tmp_path_factory.mktemp("mixed") / "store"
    r = CliRunner().invoke(main, ["build", str(DATA / "mixed"), "--store", str(folder), "--no-glossary", "--quiet"])
    assert r.exit_code == 0, r.output
    return folder


def _on_readonly_media(folder: Path, command: list[str]) -> subprocess.CompletedProcess:
    """Run ``command`` with ``folder`` read-only: a read-only bind mount in a user namespace
    (root: permissions would not stop it), else a folder without write permission."""
    if os.geteuid() == 0:
        if not shutil.which("unshare") or subprocess.run(["unshare", "-rm", "true"]).returncode:
            pytest.skip("needs unshare for a read-only mount")
        d = shlex.quote(str(folder))
        script = f"mount --bind {d} {d} && mount -o remount,bind,ro {d} && exec {shlex.join(command)}"
        cmd = ["unshare", "-rm", "sh", "-c", script]
    else:
        folder.chmod(0o555)
        cmd = command
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)
    finally:
        folder.chmod(0o755)


def test_a_store_on_read_only_media_can_be_searched_and_served(mixed_store, tmp_path):
    store = tmp_path / "ro"
    shutil.copytree(mixed_store, store)
    assert not (store / (DB_NAME + "-shm")).exists()  # cleanly closed: mode=ro alone would need to create it
    p = _on_readonly_media(store, [*CLI, "search", "rare earths", "--no-similar", "--json", "--store", str(store)])
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["examples"], p.stdout
    serve = (
        "from termalign.app.web import make_server; import threading, urllib.request;"
        f"s = make_server({str(store)!r}, '127.0.0.1', 0); threading.Thread(target=s.serve_forever, daemon=True).start();"
        "print(urllib.request.urlopen(s.url + 'api/search?q=rare%20earths').read().decode()); s.shutdown()"
    )
    p = _on_readonly_media(store, [sys.executable, "-c", serve])
    assert p.returncode == 0, p.stderr
    assert "examples" in json.loads(p.stdout)
    assert sorted(os.listdir(store)) == sorted(os.listdir(mixed_store))


@pytest.mark.parametrize("odd", ["a#b", "a?b", "a%20b", "a%b c"])
def test_store_paths_with_uri_characters(cli, tmp_path, odd):
    store = tmp_path / odd / "store"
    r = cli(
        "build", DATA / "mixed" / "en" / "a.txt", DATA / "mixed" / "zh" / "a.txt", "--store", store, "--no-glossary"
    )
    assert r.exit_code == 0, r.output
    r = cli("search", "the", "--no-similar", "--json", "--store", store)
    assert r.exit_code == 0, r.output
    assert os.listdir(tmp_path) == [odd]  # nothing opened at a path cut short at '#' or '?'
    assert DB_NAME in os.listdir(store)


# ---------------------------------------------------------------- hostile corpus folders


def _hostile_corpus(root: Path) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(DATA / "mixed" / "en" / "a.txt", corpus / "good.txt")
    os.mkfifo(corpus / "fifo.txt")
    (corpus / "zero.txt").symlink_to("/dev/zero")
    (corpus / "loop.txt").symlink_to(corpus / "loop.txt")
    (corpus / "gone.txt").symlink_to(corpus / "nowhere.txt")
    os.mkdir(corpus / "linked")
    (corpus / "to-folder").symlink_to(corpus / "linked")
    with open(os.path.join(os.fsencode(corpus), b"latin-\xe9.txt"), "wb") as f:
        f.write(b"China mines rare earths.\n")
    (corpus / "evil\nname.txt").write_bytes((DATA / "binary.pdf").read_bytes())
    deep = corpus / "deep"
    d = os.fsencode(deep)
    os.mkdir(d)
    fd = os.open(d, os.O_RDONLY)
    for _ in range(1500):  # 1,500 nested folders, made relative to an open folder (no long paths)
        os.mkdir("d", dir_fd=fd)
        new = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = new
    text = os.open("bottom.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(text, (DATA / "mixed" / "zh" / "a.txt").read_bytes())
    os.close(text)
    for _ in range(700):  # and on, past the 4,096-byte path limit: that folder cannot be listed
        os.mkdir("d", dir_fd=fd)
        new = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = new
    os.close(fd)
    return corpus


def _remove_nested(deep: Path) -> None:
    """Remove a chain of nested ``d`` folders (with files) bottom-up, through open folders: it is
    too deep for a recursive ``shutil.rmtree`` (pytest's own clean-up of old tmp folders would
    die of RecursionError on it) and past the path-length limit for path-based calls."""
    fds = [os.open(os.fsencode(deep), os.O_RDONLY)]
    try:
        while "d" in os.listdir(fds[-1]):
            fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
        for depth in range(len(fds) - 1, -1, -1):
            for name in os.listdir(fds[depth]):
                if name != "d":
                    os.unlink(name, dir_fd=fds[depth])
            if depth:
                os.close(fds.pop())
                os.rmdir("d", dir_fd=fds[-1])
    finally:
        for fd in fds:
            os.close(fd)
    os.rmdir(deep)


@pytest.fixture
def hostile_corpus(tmp_path):
    corpus = _hostile_corpus(tmp_path)
    yield corpus
    _remove_nested(corpus / "deep")


@pytest.mark.slow
def test_build_over_a_hostile_folder_skips_each_odd_entry_with_one_line(tmp_path, hostile_corpus):
    corpus = hostile_corpus
    env = {**os.environ, "TERMALIGN_CACHE": str(tmp_path / "cache")}
    cmd = [*CLI, "build", str(corpus), "--store", str(tmp_path / "store"), "--no-glossary", "--quiet"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    lines = p.stderr.splitlines()
    reasons = {
        "fifo.txt": "not a regular file (a FIFO)",
        "zero.txt": "not a regular file (a device)",
        "loop.txt": "symlink loop",
        "gone.txt": "broken symlink",
        "to-folder": "symlink to a folder",
        "latin-\\xe9.txt": "not valid UTF-8",
    }
    for name, why in reasons.items():
        assert any(line.startswith("skipped: ") and name in line and why in line for line in lines), (name, lines)
    # the PDF fails, on one line, its name's newline escaped; the file 1,500 folders down is built;
    # the folder past the path-length limit cannot be listed: a failure, not an abort
    assert any(line.startswith("failed: ") and "evil\\nname.txt" in line and "PDF" in line for line in lines), lines
    assert any(line.startswith("failed: ") and "cannot list folder (File name too long)" in line for line in lines)
    assert len(lines) == len(reasons) + 2, lines
    assert p.returncode == 5
    assert p.stdout.startswith("3 files (2 built, 0 unchanged, 2 failed, 6 other entries skipped)"), p.stdout


def test_an_unreadable_sub_folder_is_a_failure_named_on_one_line(tmp_path, monkeypatch):
    from termalign.corpus import build as build_mod

    corpus = tmp_path / "corpus"
    (corpus / "locked").mkdir(parents=True)
    (corpus / "locked" / "a.txt").write_text("text\n", encoding="utf-8")
    (corpus / "b.txt").write_text("text\n", encoding="utf-8")
    if os.geteuid() == 0:  # root reads any folder: make listing it fail the way permissions would
        real = os.scandir

        def scandir(path):
            if os.fspath(path).endswith("locked"):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real(path)

        monkeypatch.setattr(build_mod.os, "scandir", scandir)
    else:
        (corpus / "locked").chmod(0)
    try:
        scan = build_mod.scan_text_files([corpus])
    finally:
        (corpus / "locked").chmod(0o755)
    assert [p.name for p in scan.files] == ["b.txt"]
    assert scan.unlisted == ((str(corpus / "locked"), f"{corpus / 'locked'}: cannot list folder (Permission denied)"),)


def test_segment_stops_reading_a_device_at_the_size_limit(tmp_path):
    """`termalign segment /dev/zero` is refused at 200 MB (run with an address-space limit, so
    reading without a cap ends in MemoryError rather than taking the machine's memory)."""
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30));"
    run = "from termalign.app.cli import main; main(['segment', '/dev/zero'])"
    p = subprocess.run([sys.executable, "-c", limit + run], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert p.returncode == 2, p.stderr
    assert p.stderr == "Error: /dev/zero: input goes on, over the 200 MB limit (split it into smaller files)\n"


def test_a_file_changed_while_built_is_stored_as_read(usem3, tmp_path, monkeypatch):
    """The digest stored is that of the bytes decoded: a file rewritten between the resume check
    and the read cannot keep text in the store under another version's digest."""
    from termalign.corpus import build as build_mod

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    f = corpus / "a.txt"
    old, new = b"Rare earths are mined in China.\n", b"Magnets need neodymium and dysprosium.\n"
    f.write_bytes(old)
    real = build_mod.file_sha256

    def hash_then_change(path, **kw):
        digest = real(path, **kw)
        f.write_bytes(new)  # the file changes after it was hashed, before it is read
        return digest

    monkeypatch.setattr(build_mod, "file_sha256", hash_then_change)
    with Store.open(tmp_path / "store") as store:
        build_mod.build([corpus], store, usem3, glossary=False)
        (doc,) = store.documents()
        texts, _ = store.sentences(doc.id, "en")
    assert texts == ["Magnets need neodymium and dysprosium."]
    assert doc.sha256 == hashlib.sha256(new).hexdigest()


# ---------------------------------------------------------------- strict decoding


def test_one_stray_byte_in_utf8_text_is_refused_not_read_as_mojibake(tmp_path):
    from termalign.text.read import read_text

    text = (SEEDS / next(iter(sorted(os.listdir(SEEDS))))).read_bytes()[:3000]
    text = text[: text.rfind(b"\n") + 1]
    f = tmp_path / "stray.txt"
    f.write_bytes(text[:1000].rsplit(b"\n", 1)[0] + b"\n\xff" + text[1000:])
    with pytest.raises(InputError, match="stray bytes in UTF-8 text"):
        read_text(f)
    assert "\ufffd" not in read_text(f, encoding="latin-1")  # --encoding reads it as told


def test_a_pinned_terms_file_with_one_stray_byte_is_refused(cli, mixed_store, tmp_path):
    pinned = tmp_path / "known.tsv"
    pinned.write_bytes("稀土\trare earth\n".encode() + b"\x9a\n")
    store = tmp_path / "store"
    shutil.copytree(mixed_store, store)
    one_line_error(cli("glossary", "build", "--store", store, "--pinned", pinned), 2, str(pinned), "stray bytes")


@pytest.mark.parametrize("codec", ["rot13", "base64", "zlib"])
def test_codecs_that_are_not_text_encodings_are_a_bad_command_line(cli, codec):
    one_line_error(cli("segment", "--encoding", codec, DATA / "gbk.txt"), 2, f"{codec!r} is not a text encoding")
    r = cli("build", DATA / "gbk.txt", "--encoding", codec, "--no-glossary")
    assert r.exit_code == 2, r.output


# ---------------------------------------------------------------- files gone from the corpus, Ctrl-C


def test_build_removes_the_rows_of_deleted_files_unless_told_to_keep_them(cli, tmp_path):
    """The mixed folder is three file pairs (en/X + zh/X); pair b is deleted from the corpus."""
    corpus = tmp_path / "corpus"
    shutil.copytree(DATA / "mixed", corpus)
    store = tmp_path / "store"
    assert cli("build", corpus, "--store", store, "--no-glossary").exit_code == 0
    (corpus / "en" / "b.txt").unlink()
    (corpus / "zh" / "b.txt").unlink()
    r = cli("build", corpus, "--store", store, "--no-glossary", "--keep-missing")
    assert r.exit_code == 0 and "removed" not in r.stdout
    with Store.open(store, readonly=True) as s:
        assert len(s.documents()) == 3
    r = cli("build", corpus, "--store", store, "--no-glossary")
    assert r.exit_code == 0 and r.stdout.startswith("4 files (0 built, 2 unchanged, 0 failed, 1 removed)"), r.stdout
    with Store.open(store, readonly=True) as s:
        assert sorted(
            " + ".join(Path(f).relative_to(corpus.resolve()).as_posix() for f in split_key(d.path))
            for d in s.documents()
        ) == ["en/a.txt + zh/a.txt", "en/c.txt + zh/c.txt"]
        assert s.con.execute("select count(*) from pairs where doc not in (select id from documents)").fetchone() == (
            0,
        )


def test_a_ctrl_c_build_prints_its_summary_line(cli, tmp_path, monkeypatch):
    from termalign.corpus import build as build_mod

    real, calls = build_mod.prepare_unit, []

    def prepare(*a, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*a, **kw)

    monkeypatch.setattr(build_mod, "prepare_unit", prepare)  # the mixed folder: three file pairs
    r = cli("build", DATA / "mixed", "--store", tmp_path / "store", "--no-glossary")
    assert r.exit_code == 130
    assert r.stdout.startswith("interrupted after 6 files (2 built,"), r.stdout
    assert r.stderr == "Interrupted.\n"
    with Store.open(tmp_path / "store", readonly=True) as s:
        assert len(s.documents()) == 2


# ---------------------------------------------------------------- the smaller ones


def _corrupt(store: Path) -> None:
    """Overwrite the root pages of the pairs and sentences tables with garbage (a damaged disk or a
    torn copy): the schema and meta still read, so the store opens and fails later."""
    db = store / DB_NAME
    con = sqlite3.connect(db)
    page = con.execute("pragma page_size").fetchone()[0]
    roots = [r for (r,) in con.execute("select rootpage from sqlite_master where name in ('pairs', 'sentences')")]
    con.close()
    data = bytearray(db.read_bytes())
    for r in roots:
        data[(r - 1) * page : r * page] = bytes((i * 151 + 7) % 251 for i in range(page))
    db.write_bytes(bytes(data))
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert con.execute("select count(*) from meta").fetchone()[0] > 0
    with pytest.raises(sqlite3.DatabaseError, match="malformed"):
        con.execute("pragma quick_check").fetchall()
    con.close()


def test_a_store_with_corrupt_pages_is_exit_3_and_serve_refuses_it(cli, mixed_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(mixed_store, store)
    _corrupt(store)
    one_line_error(cli("search", "rare earths", "--no-similar", "--store", store), 3)
    # a real process with a timeout: a serve that starts on the damaged store would never return
    cmd = [*CLI, "serve", "--store", str(store), "--port", "0", "--no-similar"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=ROOT)
    except subprocess.TimeoutExpired:
        pytest.fail("serve started on a store with corrupt pages")
    assert p.returncode == 3 and p.stdout == "", p
    assert p.stderr.startswith("Error: ") and p.stderr.count("\n") == 1 and "corrupt" in p.stderr, p.stderr


def test_an_unusable_vector_cache_is_a_warning_that_names_the_cause(tmp_path, caplog):
    import numpy as np

    from termalign.models.cache import VectorCache

    (tmp_path / "file").write_text("", encoding="utf-8")
    cache = VectorCache(tmp_path / "file" / "sub" / "vectors.sqlite")  # a folder that cannot be made
    rows = np.ones((2, 4), np.float32)
    cache.put("m", "k", ["a", "b"], rows)  # does not raise
    assert not cache.get("m", "k", ["a", "b"], 4)[1].any()
    assert "Not a directory" in cache.off_reason and "Not a directory" in caplog.text

    full = VectorCache(tmp_path / "full.sqlite")
    full.put("m", "k", ["x"], np.ones((1, 4), np.float32))
    full._db().execute("pragma max_page_count = 3")  # a full disk, in miniature
    full.put("m", "k", [str(i) for i in range(5000)], np.ones((5000, 4), np.float32))
    assert "full" in full.off_reason


def test_min_confidence_nan_is_refused_and_the_output_kept(cli, mixed_store, tmp_path):
    out = tmp_path / "g.tsv"
    out.write_text("old\n", encoding="utf-8")
    r = cli("export", "--format", "tsv", "-o", out, "--store", mixed_store, "--min-confidence", "nan")
    assert r.exit_code == 2 and "nan" in r.stderr
    assert out.read_text(encoding="utf-8") == "old\n"


def test_serve_on_ipv6_loopback(mixed_store):
    from termalign.app.web import make_server

    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    server = make_server(mixed_store, "::1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert server.url.startswith("http://[::1]:")
        body = json.loads(urllib.request.urlopen(server.url + "api/search?q=rare%20earths", timeout=30).read())
        assert body["examples"]
    finally:
        server.shutdown()
        server.server_close()


def test_build_with_an_unknown_device_is_a_bad_command_line(cli, tmp_path):
    r = cli("build", DATA / "gbk.txt", "--device", "tpu", "--store", tmp_path / "s")
    assert r.exit_code == 2 and "tpu" in r.stderr
    assert not (tmp_path / "s").exists()


def test_a_user_dictionary_line_with_a_superscript_digit_is_refused_by_line(tmp_path):
    from termalign.glossary.candidates import read_user_dict

    d = tmp_path / "user.dict"
    d.write_text("稀土 5 n\n稀土 ² n\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        read_user_dict(str(d))


def test_an_argument_that_is_not_utf8_is_a_bad_command_line(cli):
    r = cli("search", os.fsdecode(b"rare \xff"), "--no-similar")
    assert r.exit_code == 2 and "not valid UTF-8" in r.stderr and "\\xff" in r.stderr


def test_two_file_align_of_english_with_english_is_refused(cli):
    one_line_error(
        cli("align", DATA / "mixed" / "en" / "a.txt", DATA / "mixed" / "en" / "b.txt"), 2, "both files are English"
    )


def test_a_newline_in_a_file_name_stays_on_one_line(cli, tmp_path):
    bad = tmp_path / "a\nb.txt"
    bad.write_bytes(b"")
    one_line_error(cli("segment", bad), 2, "a\\nb.txt", "file is empty")


def test_writer_lock_makes_a_second_writer_wait(tmp_path):
    """Two writable opens of one store take turns: the second waits (and says so) until the first closes."""
    first = Store.open(tmp_path / "s")
    waited = threading.Event()
    opened = []

    def second():
        with Store.open(tmp_path / "s", on_wait=waited.set) as s:
            opened.append(s.signature)

    t = threading.Thread(target=second)
    t.start()
    assert waited.wait(10)
    assert not opened
    first.close()
    t.join(30)
    assert opened == [""]
    with Store.open(tmp_path / "s", readonly=True) as r:  # readers never wait
        assert r.count_pairs() == 0


def test_deleting_a_document_drops_the_mining_stamp(usem3, mined_example_store, tmp_path):
    """The root of the lost-mined-pairs defect: re-committing a document deletes the mined pairs
    that involve it, so the stamp that says "mined" must go with them."""
    from conftest import MINED_FLOOR, SEEDS, copy_store

    from termalign.corpus.build import build

    with Store.open(copy_store(mined_example_store[0], tmp_path / "s")) as store:
        mined = store.count_pairs("mined")
        assert mined > 0 and store.get_meta("mined_state")
        (doc, *_) = [
            d
            for d in store.documents()
            if store.con.execute(
                "select 1 from pairs where kind = 'mined' and (doc = ? or other_doc = ?)", (d.id, d.id)
            ).fetchone()
        ]
        store.delete_document(doc.path)
        assert store.get_meta("mined_state") is None
        build([SEEDS], store, usem3, glossary=False, min_score=MINED_FLOOR)
        assert store.count_pairs("mined") == mined
