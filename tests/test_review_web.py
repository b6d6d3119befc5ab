"""The review routes of the web server (``termalign serve --review``; app/web.py, app/review_web.py) over a copy of the example
store, without a browser: what they answer, and every way a write is refused.

A write must come from the review page itself: the server's own loopback host:port, our own
Origin, the per-server CSRF token, a JSON body of bounded size, POST only; without ``--review``
every write is refused and the store file is never touched. The browser half is in
tests/test_browser.py.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURE_CACHE, SEEDS, copy_store
from test_web import request, running, sha256

from termalign.app.cli import main
from termalign.app.review_web import MAX_BODY_BYTES, TOKEN_HEADER, HttpError, check_write_request
from termalign.app.web import own_hosts
from termalign.corpus.store import DB_NAME, Store

# ---------------------------------------------------------------- helpers


@pytest.fixture
def review_store(rare_earths_store, tmp_path) -> Path:
    """A private copy of the example store (with its glossary): the tests write decisions to it."""
    return copy_store(rare_earths_store, tmp_path / "store")


@pytest.fixture
def review_server(review_store):
    with running(review_store, review=True, user="tester") as server:
        yield server


def host_of(server) -> str:
    host, port = server.server_address[:2]
    return f"{host}:{port}"


def page_token(server) -> str:
    status, _, body = request(server, "/review", headers={"Host": host_of(server)})
    assert status == 200
    return re.search(rb'<meta name="termalign-token" content="([^"]*)">', body).group(1).decode()


def post(server, path: str, body: object, *, token: str | None = None, headers: dict | None = None, raw=None):
    """(status, json) of a POST as the review page sends it; ``headers`` override or add
    (a value of None drops that header)."""
    data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    h = {
        "Host": host_of(server),
        "Origin": f"http://{host_of(server)}",
        "Content-Type": "application/json",
        "Content-Length": str(len(data)),
        TOKEN_HEADER: token if token is not None else server.app.token,
    }
    h.update(headers or {})
    h = {k: v for k, v in h.items() if v is not None}
    host, port = server.server_address[:2]
    con = http.client.HTTPConnection(host, port, timeout=30)
    try:
        con.putrequest("POST", path, skip_host=True, skip_accept_encoding=True)
        for k, v in h.items():
            con.putheader(k, v)
        con.endheaders(data)
        r = con.getresponse()
        body_bytes = r.read()
        return r.status, json.loads(body_bytes) if body_bytes else None
    finally:
        con.close()


def get(server, path: str):
    status, headers, body = request(server, path, headers={"Host": host_of(server)})
    assert headers["content-type"] == "application/json; charset=utf-8", headers
    return status, json.loads(body)


def queue(server, **params) -> list[dict]:
    from urllib.parse import urlencode

    status, data = get(server, "/api/review/queue?" + urlencode(params))
    assert status == 200, data
    return data["items"]


def decisions_in(store: Path) -> list[tuple]:
    with sqlite3.connect(store / DB_NAME) as con:
        return con.execute("select action, zh_key, en_key, user, undone from decisions order by id").fetchall()


# ---------------------------------------------------------------- reading the queue


def test_queue_lists_pending_entries_with_counts_and_kinds(review_server):
    status, data = get(review_server, "/api/review/queue?limit=10")
    assert status == 200
    items, counts = data["items"], data["counts"]
    assert len(items) == 10 and all(i["status"] == "pending" for i in items)
    assert all(i["kind"] in ("term", "name", "place", "organisation") for i in items)
    assert {"id", "zh", "en", "confidence", "freq", "worth"} <= set(items[0])
    assert counts["reviewed"] == 0 and counts["pending"] >= len(items)
    # filters: a confidence band, a text filter that finds 稀土
    band = queue(review_server, min_conf="0.2", max_conf="0.6", status="all", limit=200)
    assert band and all(0.2 <= i["confidence"] <= 0.6 for i in band)
    assert any(i["zh"] == "稀土" for i in queue(review_server, q="稀土", status="all"))


def test_entry_concordance_marks_the_term_on_both_sides(review_server):
    (item,) = [i for i in queue(review_server, q="稀土", status="all") if i["zh"] == "稀土"]
    status, data = get(review_server, f"/api/review/entry/{item['id']}")
    assert status == 200 and data["kwic"] and data["item"] == item
    lines = data["kwic"]
    for line in lines:  # every span is the term: the Chinese form, or rare earth(s) in English
        assert all(line["zh"][s:e] == "稀土" for s, e in line["zh_spans"])
        assert all(re.fullmatch(r"rare[ -]earths?", line["en"][s:e], re.I) for s, e in line["en_spans"])
        assert line["zh_spans"] or line["en_spans"]
    both = [bool(line["zh_spans"] and line["en_spans"]) for line in lines]
    assert both[0] and both == sorted(both, reverse=True)  # pairs with the term on both sides first


@pytest.mark.parametrize(
    "query, message",
    [
        ("status=maybe", "status must be one of: pending, accepted, rejected, edited, reviewed, all"),
        ("kind=animal", "kind must be one of: term, name, place, organisation"),
        ("min_conf=nan", "min_conf must be a number between 0 and 1"),
        ("max_conf=2", "max_conf must be a number between 0 and 1"),
        ("min_conf=0.8&max_conf=0.2", "min_conf is larger than max_conf"),
        ("offset=-1", "offset must be an integer between 0 and 100000000"),
        ("limit=0", "limit must be an integer between 1 and 200"),
        ("q=" + "x" * 201, "q longer than 200 characters"),
        ("doc=a%0Ab", "control characters in doc"),
    ],
)
def test_bad_queue_filters_are_400_with_one_line(review_server, query, message):
    assert get(review_server, "/api/review/queue?" + query) == (400, {"error": message})


def test_entry_route_takes_only_a_number(review_server):
    for path in ("/api/review/entry/", "/api/review/entry/-1", "/api/review/entry/1x", "/api/review/entry/%31"):
        assert get(review_server, path) == (404, {"error": "not found"}), path


# ---------------------------------------------------------------- deciding over HTTP


def test_decide_then_undo_round_trip(review_server, review_store):
    first = queue(review_server, limit=5)[0]
    status, data = post(review_server, "/api/review/decide", {"id": first["id"], "action": "accept"})
    assert status == 200, data
    assert data["decision"]["action"] == "accept" and data["decision"]["user"] == "tester"
    assert data["counts"]["reviewed"] == 1 and data["counts"]["accepted"] == 1
    assert first["id"] not in [i["id"] for i in queue(review_server, limit=200)]  # out of the pending list
    assert first["id"] in [i["id"] for i in queue(review_server, status="accepted")]
    status, data = post(review_server, "/api/review/undo", {})
    assert status == 200 and data["decision"]["action"] == "accept" and data["counts"]["reviewed"] == 0
    assert [d[0] for d in decisions_in(review_store)] == ["accept"] and decisions_in(review_store)[0][-1] == 1


def test_the_pages_download_carries_the_review_status(review_server):
    """/api/export (the page's TBX link) is what `termalign export` writes: statuses included."""
    from xml.etree import ElementTree

    first = queue(review_server, min_conf="0.7", limit=1)[0]
    assert post(review_server, "/api/review/decide", {"id": first["id"], "action": "accept"})[0] == 200
    status, _, body = request(review_server, "/api/export?format=tbx", headers={"Host": host_of(review_server)})
    assert status == 200
    main: dict[str, list[str]] = {}  # English main term -> the administrativeStatus of each entry with it
    for ls in ElementTree.fromstring(body).iter("langSet"):
        if ls.get("{http://www.w3.org/XML/1998/namespace}lang") == "en":
            tig = ls.find("tig")
            main.setdefault(tig.findtext("term"), []).append(tig.findtext("termNote"))
    # two Chinese terms may share an English one (矿物 and 矿产, "minerals"): only the accepted entry is preferred
    statuses = main.pop(first["en"])
    assert statuses.count("preferredTerm-admn-sts") == 1
    assert set(statuses) <= {"preferredTerm-admn-sts", "admittedTerm-admn-sts"}
    assert main and {s for v in main.values() for s in v} == {"admittedTerm-admn-sts"}


def test_an_edit_keeps_the_new_forms(review_server):
    item = queue(review_server, limit=5)[1]
    fields = {"en": item["en"] + " (edited)", "note": "checked against the source"}
    status, data = post(review_server, "/api/review/decide", {"id": item["id"], "action": "edit", "fields": fields})
    assert status == 200, data
    edited = queue(review_server, status="edited")
    assert [i["en"] for i in edited] == [item["en"] + " (edited)"]


@pytest.mark.parametrize(
    "body, message",
    [
        ({"id": 1, "action": "approve"}, "action must be one of: accept, reject, edit, merge, split, add, note"),
        ({"action": "accept"}, "missing id"),
        ({"id": "1", "action": "accept"}, "id must be a non-negative integer"),
        ({"id": True, "action": "accept"}, "id must be a non-negative integer"),
        ({"id": 1, "action": "edit", "fields": ["en"]}, "fields must be a JSON object"),
        ({"id": 1, "action": "accept", "sql": "drop table terms"}, "unknown key 'sql'; expected id, action, fields"),
        ([1, 2], "body must be a JSON object"),
    ],
)
def test_bad_decide_bodies_are_400(review_server, review_store, body, message):
    assert post(review_server, "/api/review/decide", body) == (400, {"error": message})
    assert decisions_in(review_store) == []


def test_a_library_error_is_one_line_400(review_server, review_store):
    status, data = post(review_server, "/api/review/decide", {"id": 10**9, "action": "accept"})
    assert status == 400 and set(data) == {"error"} and "\n" not in data["error"] and "Traceback" not in data["error"]
    assert decisions_in(review_store) == []


def test_undo_with_nothing_to_undo_answers_null(review_server):
    status, data = post(review_server, "/api/review/undo", {})
    assert status == 200 and data["decision"] is None


# ---------------------------------------------------------------- refusals: each check on its own


def test_without_review_every_write_is_403_and_the_store_is_untouched(review_store):
    db = review_store / DB_NAME
    before = (sha256(db), db.stat().st_mtime_ns)
    with running(review_store) as server:
        status, _, body = request(server, "/review")
        assert status == 200
        assert b'<meta name="termalign-mode" content="read-only">' in body
        assert b'<meta name="termalign-token" content="">' in body  # no token: no write control works
        item = queue(server, limit=1)[0]
        status, data = post(server, "/api/review/decide", {"id": item["id"], "action": "accept"})
        assert status == 403 and "termalign serve --review" in data["error"]
        assert post(server, "/api/review/undo", {})[0] == 403
    assert (sha256(db), db.stat().st_mtime_ns) == before


def test_the_token_is_in_the_page_and_differs_per_server(review_store, review_server):
    token = page_token(review_server)
    assert token == review_server.app.token and len(token) >= 40
    status, headers, _ = request(review_server, "/review", headers={"Host": host_of(review_server)})
    assert headers["cache-control"] == "no-store"
    with running(review_store, review=True) as other:
        assert page_token(other) != token


@pytest.mark.parametrize("token", ["", "wrong", None])
def test_a_write_without_the_right_token_is_403(review_server, review_store, token):
    item = queue(review_server, limit=1)[0]
    headers = {TOKEN_HEADER: None} if token is None else {}
    status, data = post(
        review_server, "/api/review/decide", {"id": item["id"], "action": "reject"}, token=token or "", headers=headers
    )
    assert status == 403 and data == {"error": "missing or wrong CSRF token (reload the review page)"}
    assert decisions_in(review_store) == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1:1"},  # another local service's page
        {"Origin": "https://127.0.0.1"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_a_write_from_another_origin_is_403(review_server, review_store, headers):
    item = queue(review_server, limit=1)[0]
    status, data = post(review_server, "/api/review/decide", {"id": item["id"], "action": "reject"}, headers=headers)
    assert (status, data) == (403, {"error": "forbidden origin"})
    assert decisions_in(review_store) == []


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1", "127.0.0.1:1", "localhost:1", "127.0.0.2:{port}"])
def test_with_review_only_the_servers_own_host_and_port_are_answered(review_server, review_store, host):
    port = review_server.server_address[1]
    host = host.format(port=port)
    item = queue(review_server, limit=1)[0]
    status, data = post(
        review_server, "/api/review/decide", {"id": item["id"], "action": "reject"}, headers={"Host": host}
    )
    assert (status, data) == (403, {"error": "forbidden host"})
    status, _, body = request(review_server, "/review", headers={"Host": host})  # nor is the token handed out
    assert status == 403 and b"termalign-token" not in body
    assert decisions_in(review_store) == []


def test_localhost_with_the_port_is_the_same_server(review_server):
    port = review_server.server_address[1]
    item = queue(review_server, limit=1)[0]
    own = f"localhost:{port}"
    status, data = post(
        review_server,
        "/api/review/decide",
        {"id": item["id"], "action": "reject"},
        headers={"Host": own, "Origin": f"http://{own}"},
    )
    assert status == 200, data


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None])
def test_a_write_that_is_not_json_is_415(review_server, review_store, ctype):
    """text/plain and form posts are what a cross-site <form> can send without a preflight."""
    item = queue(review_server, limit=1)[0]
    status, data = post(
        review_server, "/api/review/decide", {"id": item["id"], "action": "reject"}, headers={"Content-Type": ctype}
    )
    assert (status, data) == (415, {"error": "Content-Type must be application/json"})
    assert decisions_in(review_store) == []


def test_a_body_over_the_limit_is_413_and_the_connection_closes(review_server, review_store):
    item = queue(review_server, limit=1)[0]
    body = {"id": item["id"], "action": "note", "fields": {"note": "x" * MAX_BODY_BYTES}}
    status, data = post(review_server, "/api/review/decide", body)
    assert (status, data) == (413, {"error": f"body larger than {MAX_BODY_BYTES} bytes"})
    just_under = {"id": item["id"], "action": "note", "fields": {"note": "x" * (MAX_BODY_BYTES - 200)}}
    assert post(review_server, "/api/review/decide", just_under)[0] == 200
    # raw: the refusal comes before the body is read, and the connection is not reused for it
    host, port = review_server.server_address[:2]
    head = (
        f"POST /api/review/decide HTTP/1.1\r\nHost: {host_of(review_server)}\r\nContent-Type: application/json\r\n"
        f"{TOKEN_HEADER}: {review_server.app.token}\r\nContent-Length: {10 * MAX_BODY_BYTES}\r\n\r\n"
    )
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: " + host_of(review_server).encode() + b"\r\n\r\n"
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head.encode() + smuggled)
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    assert raw.startswith(b"HTTP/1.1 413") and b"Connection: close" in raw
    assert raw.count(b"HTTP/1.1 ") == 1  # the body was never parsed as a second request
    assert [d[0] for d in decisions_in(review_store)] == ["note"]


@pytest.mark.parametrize(
    "headers, status, message",
    [
        ({"Content-Length": None}, 411, "Content-Length required"),
        (
            {"Content-Length": None, "Transfer-Encoding": "chunked"},
            411,
            "send the body with a Content-Length, not chunked",
        ),
        ({"Content-Length": "12abc"}, 400, "bad Content-Length"),
    ],
)
def test_a_body_without_a_plain_length_is_refused(review_server, headers, status, message):
    assert post(review_server, "/api/review/decide", {}, raw=b"", headers=headers) == (status, {"error": message})


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe{}", b'"accept"'])
def test_a_body_that_is_not_a_json_object_is_400(review_server, raw):
    status, data = post(review_server, "/api/review/decide", None, raw=raw)
    assert status == 400 and data["error"] in ("body is not UTF-8 JSON", "body must be a JSON object")


def test_writes_are_post_only(review_server):
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        status, headers, body = request(
            review_server, "/api/review/decide", method=method, headers={"Host": host_of(review_server)}
        )
        assert status == 405 and headers["allow"] == "POST", method
    status, headers, _ = request(
        review_server, "/api/search?q=x", method="POST", headers={"Host": host_of(review_server)}
    )
    assert status == 405 and headers["allow"] == "GET, HEAD"


def test_the_write_checks_on_their_own():
    """check_write_request, without a server: the order of the checks and what passes."""
    from email.message import Message

    hosts = own_hosts("127.0.0.1", 8765)
    assert hosts == {"127.0.0.1:8765", "localhost:8765"}
    assert own_hosts("::1", 80) == {"[::1]:80", "localhost:80", "[::1]", "localhost"}

    def headers(**kw):
        m = Message()
        base = {
            "Origin": "http://localhost:8765",
            "Content-Type": "application/json; charset=utf-8",
            "Content-Length": "2",
        }
        for k, v in {**base, TOKEN_HEADER: "t0k", **{k.replace("_", "-"): v for k, v in kw.items()}}.items():
            if v is not None:
                m[k] = v
        return m

    assert check_write_request(headers(), hosts, "t0k") == 2
    assert check_write_request(headers(Origin=None), hosts, "t0k") == 2  # a non-browser client sends none
    for kw, status in [
        ({"Origin": "http://localhost:8766"}, 403),
        ({TOKEN_HEADER: "t0K"}, 403),
        ({"Content_Type": "text/plain"}, 415),
        ({"Content_Length": str(MAX_BODY_BYTES + 1)}, 413),
    ]:
        with pytest.raises(HttpError) as e:
            check_write_request(headers(**kw), hosts, "t0k")
        assert e.value.status == status, kw
    with pytest.raises(HttpError):  # a server with no token (read-only) accepts no token, not even ""
        check_write_request(headers(**{TOKEN_HEADER: ""}), hosts, "")


# ---------------------------------------------------------------- what the server writes


def test_decisions_are_the_only_rows_the_review_server_changes(review_server, review_store):
    """No write path outside the store's decisions: every table but the decisions and the
    glossary rows they re-apply to (terms and its search keys) is byte for byte the same."""

    def dump() -> dict[str, list]:
        with sqlite3.connect(review_store / DB_NAME) as con:
            tables = [
                r[0]
                for r in con.execute(
                    "select name from sqlite_master where type = 'table' and name not like 'terms_fts%'"
                )
            ]
            return {t: con.execute(f'select * from "{t}"').fetchall() for t in tables}  # noqa: S608 (names from sqlite_master)

    before = dump()
    items = queue(review_server, limit=3)
    for item, action in zip(items, ("accept", "reject", "edit")):
        fields = {"en": item["en"] + "s"} if action == "edit" else {}
        assert (
            post(review_server, "/api/review/decide", {"id": item["id"], "action": action, "fields": fields})[0] == 200
        )
    assert post(review_server, "/api/review/undo", {})[0] == 200
    after = dump()
    changed = {t for t in before if before[t] != after.get(t)}
    assert "decisions" in changed and changed <= {"decisions", "sqlite_sequence", "terms"}, (
        changed
    )  # the sequence: decisions.id
    assert set(after) == set(before)


def test_serve_review_refuses_a_non_loopback_host(review_store):
    r = CliRunner().invoke(
        main, ["serve", "--review", "--store", str(review_store), "--host", "0.0.0.0", "--no-similar"]
    )
    assert r.exit_code == 2 and "--review serves on loopback only" in r.output and "Traceback" not in r.output


@pytest.mark.slow  # a server process and a build process
def test_a_build_while_someone_reviews_keeps_both(review_store, tmp_path):
    """WAL and the busy timeout: decisions saved over HTTP while `termalign build` adds documents
    and re-mines the glossary are all there afterwards, and the build finished."""
    from termalign.corpus.store import norm_text

    def key(item: dict) -> tuple[str, str]:
        return norm_text(item["zh"]), norm_text(item["en"])

    extra = tmp_path / "more"
    extra.mkdir()
    for i, src in enumerate(sorted(SEEDS.glob("*.txt"))[:2]):
        shutil.copy(src, extra / f"copy{i}_{src.name}")  # new names: new documents, so the build writes
    env = {**os.environ, "TERMALIGN_STORE": str(review_store), "TERMALIGN_CACHE": str(FIXTURE_CACHE)}
    with running(review_store, review=True, user="tester") as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "termalign.app.cli", "build", str(extra), "--store", str(review_store)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        done = threading.Event()
        watcher = threading.Thread(target=lambda: (proc.wait(600), done.set()), daemon=True)
        watcher.start()
        answers, decided = [], []
        while len(decided) < 150:  # a decision every 0.2 s for as long as the build runs (at least 10),
            item = queue(server, limit=1)[0]  # each on the entry the page would show next
            status, data = post(server, "/api/review/decide", {"id": item["id"], "action": "accept"})
            answers.append((status, data))
            if status == 200:
                decided.append(key(item))
            if done.wait(0.2) and len(decided) >= 10:
                break
        out = proc.communicate(timeout=600)[0].decode("utf-8", "replace")
        accepted = {key(i) for i in queue(server, status="accepted", limit=200)}
    assert proc.returncode == 0, out
    # the one refusal a build may cause: the entry went from the glossary between the page's
    # look at the queue and its decision (the page then shows "Not saved: no glossary entry with id N")
    assert [a for a in answers if a[0] != 200 and not a[1]["error"].startswith("no glossary entry with id")] == []
    assert len(decided) >= 10
    # keyed as decisions are: a rebuild may show an entry's forms in another case
    assert set(decided) <= accepted, set(decided) - accepted
    with Store.open(review_store, readonly=True) as s:
        assert any(d.name.startswith("copy0_") for d in s.documents())  # the build really wrote


# the terms table's columns before the review migration (migration 005 and later add the others)
PRE_REVIEW_TERM_COLUMNS = {
    "id", "zh", "en", "zh_norm", "en_norm", "confidence", "freq", "n_docs",
    "zh_variants", "en_variants", "examples", "pinned", "termhood",
}  # fmt: skip


def test_a_glossary_mined_before_review_existed_is_reviewed_in_place(review_store):
    """A store whose glossary an older termalign mined is migrated by `serve --review`; a decision
    then changes the entry itself (it leaves the pending list) and adds no twin row."""
    with sqlite3.connect(review_store / DB_NAME) as con:  # take the store back to before the review migration
        cols = [r[1] for r in con.execute("pragma table_info(terms)")]
        for (name,) in con.execute("select name from sqlite_master where type = 'index' and tbl_name = 'terms'"):
            if set(r[2] for r in con.execute(f'pragma index_info("{name}")')) - PRE_REVIEW_TERM_COLUMNS:
                con.execute(f'drop index "{name}"')
        for c in cols:
            if c not in PRE_REVIEW_TERM_COLUMNS:
                con.execute(f'alter table terms drop column "{c}"')
        con.execute("drop table decisions")
        con.execute("delete from meta where key >= 'migration:005' and key like 'migration:%'")
        n_terms = con.execute("select count(*) from terms").fetchone()[0]
    with running(review_store, review=True) as server:
        first = queue(server, limit=1)[0]
        status, data = post(server, "/api/review/decide", {"id": first["id"], "action": "accept"})
        assert status == 200, data
        assert data["counts"]["accepted"] == 1 and data["counts"]["pending"] == n_terms - 1
        assert first["id"] not in [i["id"] for i in queue(server, limit=200)]
    with sqlite3.connect(review_store / DB_NAME) as con:
        assert con.execute("select count(*) from terms").fetchone()[0] == n_terms
