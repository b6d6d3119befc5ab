"""Security properties that are about the code, not one request: SQL built only with placeholders,
no unpickling of files, loopback by default, and a few more hostile requests.

Already covered elsewhere and not repeated: path traversal (17 forms, tests/test_web.py), a
document holding ``<script>`` coming back as JSON data (tests/test_web.py) and shown as text in
a real browser (tests/test_browser.py), foreign Host headers, the read-only store.
"""

from __future__ import annotations

import ast
import inspect
import json
import socket

import pytest

from tests.conftest import ROOT

PACKAGES = ("core", "text", "models", "align", "glossary", "corpus", "app")
SOURCES = sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))

# Calls whose (positional) argument is SQL text, and which argument it is. Helpers that take SQL
# from their caller are sinks too, so their callers are checked in turn.
SQL_SINKS = {"execute": 0, "executemany": 0, "executescript": 0, "terms_where": 0, "ranked_rows": 0, "_script": 1}
PLACEHOLDER_CHARS = set("?, ")


def _placeholder_only(node: ast.AST, assigned: dict[str, list[ast.AST]], params: set[str]) -> bool:
    """An expression that can only produce '?', ',' and spaces (e.g. ",".join("?" * len(ids))):
    its strings are made of those characters, it calls only join and len, and any variable in it
    is only counted (an argument of len) or is itself such an expression."""
    if isinstance(node, ast.Name):
        if node.id in params or node.id not in assigned:
            return False
        return all(_placeholder_only(v, assigned, params) for v in assigned[node.id])
    strings = [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    calls = [n for n in ast.walk(node) if isinstance(n, ast.Call)]
    counted = {id(a) for c in calls if getattr(c.func, "id", None) == "len" for a in c.args}
    names = [n for n in ast.walk(node) if isinstance(n, ast.Name) and n.id != "len" and id(n) not in counted]
    return (
        bool(strings)
        and all(set(x) <= PLACEHOLDER_CHARS for x in strings)
        and "?" in "".join(strings)
        and all(
            (c.func.attr if isinstance(c.func, ast.Attribute) else getattr(c.func, "id", "")) in ("join", "len")
            for c in calls
        )
        and all(_placeholder_only(n, assigned, params) for n in names)
    )


def _safe_sql(node: ast.AST, assigned: dict[str, list[ast.AST]], params: set[str], sink_params: set[str]) -> bool:
    """True when ``node`` can only be fixed SQL text (with placeholder lists spliced in)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):  # f"... in ({marks})": every hole must be placeholders only
        return all(
            _placeholder_only(v.value, assigned, params)
            or (isinstance(v.value, ast.Name) and v.value.id in sink_params)  # checked at the callers
            for v in node.values
            if isinstance(v, ast.FormattedValue)
        )
    if isinstance(node, ast.Name):
        if node.id in sink_params:  # the function is itself a sink: its callers are checked
            return True
        if node.id in params or node.id not in assigned:
            return False
        return all(_safe_sql(v, assigned, params, sink_params) for v in assigned[node.id])
    if isinstance(node, ast.IfExp):
        return _safe_sql(node.body, assigned, params, sink_params) and _safe_sql(
            node.orelse, assigned, params, sink_params
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # "fixed " "fixed" concatenation
        return _safe_sql(node.left, assigned, params, sink_params) and _safe_sql(
            node.right, assigned, params, sink_params
        )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("split", "strip"):
        return _safe_sql(node.func.value, assigned, params, sink_params)  # for stmt in sql.split(";")
    return False  # %-formatting, .format(), a value from anywhere else


def unsafe_sql(source: str, filename: str = "<src>") -> list[str]:
    """Places where SQL text may contain something other than fixed text and placeholders."""
    tree = ast.parse(source)
    bad = []
    funcs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    # module-level string constants (ORDER = "a desc, id") are fixed text too
    consts = {
        t.id: [n.value]
        for n in tree.body
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    for fn in funcs or [tree]:
        params = {a.arg for a in (*fn.args.args, *fn.args.kwonlyargs)} if funcs else set()
        sink_params = set()
        if funcs and fn.name in SQL_SINKS:
            positional = [a.arg for a in fn.args.args if a.arg != "self"]
            if SQL_SINKS[fn.name] < len(positional):
                sink_params.add(positional[SQL_SINKS[fn.name]])
        assigned: dict[str, list[ast.AST]] = {k: list(v) for k, v in consts.items()}
        for n in ast.walk(fn):
            if isinstance(n, ast.Assign):
                for t in n.targets:
                    elts = t.elts if isinstance(t, ast.Tuple) else [t]
                    vals = (
                        n.value.elts
                        if isinstance(t, ast.Tuple) and isinstance(n.value, ast.Tuple)
                        else [n.value] * len(elts)
                    )
                    for e, v in zip(elts, vals):
                        if isinstance(e, ast.Name):
                            assigned.setdefault(e.id, []).append(v)
            elif isinstance(n, ast.For) and isinstance(n.target, ast.Name):
                assigned.setdefault(n.target.id, []).append(n.iter)
        for n in ast.walk(fn):
            if not isinstance(n, ast.Call):
                continue
            name = n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", None)
            if name not in SQL_SINKS or len(n.args) <= SQL_SINKS[name]:
                continue
            if not _safe_sql(n.args[SQL_SINKS[name]], assigned, params, sink_params):
                bad.append(f"{filename}:{n.lineno}: {ast.unparse(n)[:120]}")
    return sorted(set(bad))


def test_the_sql_checker_catches_string_built_sql():
    """The checker itself: these must be flagged, the placeholder forms must not."""
    flagged = [
        "def f(con, q):\n    con.execute(f\"select * from t where x = '{q}'\")",
        "def f(con, q):\n    con.execute(\"select * from t where x = '%s'\" % q)",
        "def f(con, q):\n    con.execute(\"select * from t where x = '{}'\".format(q))",
        'def f(con, q):\n    con.execute("select * from t where x = \'" + q + "\'")',
        'def f(con, q):\n    sql = f"select * from {q}"\n    con.execute(sql)',
        "def f(store, q):\n    store.terms_where(f\"zh = '{q}'\", (), 1)",
        "def f(con, ids):\n    marks = ','.join(str(i) for i in ids)\n    con.execute(f'select 1 where id in ({marks})')",
    ]
    for src in flagged:
        assert unsafe_sql(src), src
    fine = [
        "def f(con, q):\n    con.execute('select * from t where x = ?', (q,))",
        "def f(con, ids):\n    marks = ','.join('?' * len(ids))\n    con.execute(f'select 1 where id in ({marks})', ids)",
        "def f(con, part):\n    con.execute(f\"select 1 where k in ({','.join('?' * len(part))})\", part)",
        "def f(con, a):\n    sql = ('select 1 ' 'where x = ?') if a else 'select 2'\n    con.execute(sql, (a,))",
    ]
    for src in fine:
        assert unsafe_sql(src) == [], src


def test_all_sql_in_the_package_is_parameterised():
    bad = [b for p in SOURCES for b in unsafe_sql(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))]
    assert bad == []
    # and the scan really looked at the store's queries
    store_calls = sum(
        1
        for n in ast.walk(ast.parse((ROOT / "corpus" / "store.py").read_text(encoding="utf-8")))
        if isinstance(n, ast.Call) and getattr(n.func, "attr", None) == "execute"
    )
    assert store_calls >= 20


# ---------------------------------------------------------------- no unpickling of files


def _calls(tree: ast.AST):
    for n in ast.walk(tree):
        if isinstance(n, ast.Call):
            f = n.func
            yield n, (f"{ast.unparse(f.value)}.{f.attr}" if isinstance(f, ast.Attribute) else getattr(f, "id", ""))


def _kw(call: ast.Call, name: str):
    for k in call.keywords:
        if k.arg == name:
            return k.value.value if isinstance(k.value, ast.Constant) else "<expr>"
    return None


def untrusted_loads(source: str, filename: str = "<src>") -> list[str]:
    """Loads that can run code from a file: pickle & co., np.load with pickles, torch.load without weights_only."""
    tree = ast.parse(source)
    bad = []
    for n in ast.walk(tree):
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            mods = [a.name for a in n.names] if isinstance(n, ast.Import) else [n.module or ""]
            if any(
                m.split(".")[0] in ("pickle", "cPickle", "dill", "joblib", "shelve", "marshal", "cloudpickle")
                for m in mods
            ):
                bad.append(f"{filename}:{n.lineno}: imports {mods}")
    for call, name in _calls(tree):
        where = f"{filename}:{call.lineno}: {ast.unparse(call)[:100]}"
        if name in ("np.load", "numpy.load") and _kw(call, "allow_pickle") is not False:
            bad.append(where)
        elif name == "torch.load" and _kw(call, "weights_only") is not True:
            bad.append(where)
        elif name in ("yaml.load", "yaml.unsafe_load") and "Safe" not in ast.unparse(call):
            bad.append(where)
        elif name in ("eval", "exec"):
            bad.append(where)
    return bad


def test_the_load_checker_catches_unsafe_loads():
    for src in [
        "import pickle",
        "from joblib import load",
        "np.load(p)",
        "np.load(p, allow_pickle=True)",
        "torch.load(p)",
        "torch.load(p, weights_only=False)",
        "yaml.load(s)",
        "eval(s)",
    ]:
        assert untrusted_loads(src), src
    for src in [
        "np.load(p, allow_pickle=False)",
        "torch.load(p, weights_only=True)",
        "yaml.load(s, Loader=yaml.SafeLoader)",
        "json.loads(s)",
    ]:
        assert untrusted_loads(src) == [], src


def test_no_file_is_ever_unpickled():
    bad = [b for p in SOURCES for b in untrusted_loads(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))]
    assert bad == []
    # the two .npy loads that exist are checked, not missed
    npy = [p for p in SOURCES if "np.load(" in p.read_text(encoding="utf-8")]
    assert {p.name for p in npy} >= {"index.py"}


# ---------------------------------------------------------------- the web server


def test_loopback_is_the_default_everywhere():
    from termalign.app.cli import serve
    from termalign.app.web import DEFAULT_HOST, make_server

    assert DEFAULT_HOST == "127.0.0.1"
    assert inspect.signature(make_server).parameters["host"].default == "127.0.0.1"
    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    from tests.test_web import build_hostile_store, running

    with running(build_hostile_store(tmp_path_factory.mktemp("sec") / "store")) as server:
        yield server


def _raw(server, data: bytes) -> tuple[bytes, bytes]:
    host, port = server.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(data)
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    return head, body


@pytest.mark.parametrize(
    "path",
    [
        "/static/..\\glossary.sqlite",
        "/static/%5c..%5cglossary.sqlite",
        "http://127.0.0.1/static/../glossary.sqlite",
        "/static/./app.js",
        "/static/APP.JS",
        "/static/app.js/",
        "/static/app.js?x=/../glossary.sqlite#",
    ],
)
def test_more_traversal_forms_are_404(hostile_server, path):
    head, body = _raw(hostile_server, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    status = head.split(b" ")[1]
    if path.startswith("/static/app.js?"):  # the query is not part of the file name: the whitelisted file
        assert status == b"200" and b"SQLite format 3" not in body
    else:
        assert status == b"404" and json.loads(body) == {"error": "not found"}


def test_markup_in_a_bad_request_comes_back_as_json_not_html(hostile_server):
    head, body = _raw(hostile_server, b"GET /<script>alert(1)</script> HTTP/9.9\r\n\r\n")
    assert b"application/json" in head and b"nosniff" in head.lower()
    assert b"<html" not in body.lower()
    json.loads(body)  # a JSON string: a browser never renders it as markup
