"""The review routes' requests, checked: pure functions over headers, bodies and query strings.

``app.web`` serves the routes; everything here is about what a request may be. A write
(``POST /api/review/decide`` or ``/api/review/undo``) passes :func:`check_write_request`, then
:func:`read_json_body`; a decision's body is read by :func:`parse_decide`, the queue's filters by
:func:`parse_queue_filters`. Each refusal is an :class:`HttpError`: a status and one line.
"""

from __future__ import annotations

import hmac
import json
import math
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qs

MAX_QUERY_CHARS = 200
# Review (writes): every POST body is JSON of at most this many bytes.
MAX_BODY_BYTES = 16 * 1024
TOKEN_HEADER = "X-Termalign-Token"
WRITE_ROUTES = ("/api/review/decide", "/api/review/undo")
QUEUE_STATUSES = ("pending", "accepted", "rejected", "edited", "reviewed", "all")  # as corpus.review's
QUEUE_KINDS = ("term", "name", "place", "organisation")
MAX_QUEUE_LIMIT = 200
DEFAULT_QUEUE_LIMIT = 50


class HttpError(Exception):
    """An error the client is told about: status code + one-line message."""

    def __init__(self, status: HTTPStatus, message: str, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def query_arg(query: str, key: str, default: str | None = None) -> str:
    """The first value of ``key`` in the query string ``query`` (``default`` when absent; 400 when
    there is no default, or the string is not UTF-8)."""
    try:
        values = parse_qs(query, keep_blank_values=True, strict_parsing=False, errors="strict").get(key)
    except UnicodeDecodeError:
        raise HttpError(HTTPStatus.BAD_REQUEST, "query string is not UTF-8") from None
    if not values:
        if default is None:
            raise HttpError(HTTPStatus.BAD_REQUEST, f"missing parameter {key!r}")
        return default
    return values[0]


def queue_item_dict(item) -> dict:
    """A ``corpus.review.QueueItem`` as JSON: the entry's fields (no examples: the page asks
    ``/api/review/entry/<id>`` for the concordance) plus id, status, worth, kind, note, domain."""
    entry = item.entry.to_dict()
    entry.pop("examples", None)
    return {
        **entry,
        "id": item.id,
        "status": item.status,
        "worth": item.worth,
        "kind": item.kind,
        "note": item.note,
        "domain": item.domain,
    }


@dataclass(frozen=True)
class QueueFilters:
    """The review queue's filters, as checked from a query string (:func:`parse_queue_filters`)."""

    status: str = "pending"
    kind: str | None = None
    q: str | None = None
    min_conf: float | None = None
    max_conf: float | None = None
    doc: str | None = None
    offset: int = 0
    limit: int = DEFAULT_QUEUE_LIMIT


# ---------------------------------------------------------------- review requests


def check_write_request(headers, allowed_hosts: frozenset[str], token: str) -> int:
    """Refuse (``HttpError``) a write that is not the review page's own; returns its body length.

    ``headers`` are the request's (a ``Message``); ``allowed_hosts`` the lower-case ``host:port``
    names of this server. In order: an ``Origin`` (browsers send one on every POST) must be
    ``http://`` + one of ``allowed_hosts``; ``Sec-Fetch-Site``, when sent, must be
    ``same-origin`` (or ``none``: typed by the user); the CSRF token header must equal ``token``
    (constant-time compare); the body must be ``application/json`` with a ``Content-Length`` no
    larger than ``MAX_BODY_BYTES`` (chunked bodies are refused: 411).
    """
    origin = headers.get("Origin")
    if origin is not None and origin.strip().lower() not in {f"http://{h}" for h in allowed_hosts}:
        raise HttpError(HTTPStatus.FORBIDDEN, "forbidden origin")
    fetch_site = headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site.strip().lower() not in ("same-origin", "none"):
        raise HttpError(HTTPStatus.FORBIDDEN, "forbidden origin")
    sent = headers.get(TOKEN_HEADER, "")
    if not token or not hmac.compare_digest(sent.encode("utf-8", "replace"), token.encode("utf-8")):
        raise HttpError(HTTPStatus.FORBIDDEN, "missing or wrong CSRF token (reload the review page)")
    ctype = headers.get("Content-Type", "")
    if ctype.split(";", 1)[0].strip().lower() != "application/json":
        raise HttpError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json")
    if headers.get("Transfer-Encoding") is not None:
        raise HttpError(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length, not chunked")
    raw = headers.get("Content-Length")
    if raw is None:
        raise HttpError(HTTPStatus.LENGTH_REQUIRED, "Content-Length required")
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()):
        raise HttpError(HTTPStatus.BAD_REQUEST, "bad Content-Length")
    length = int(raw)
    if length > MAX_BODY_BYTES:
        raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body larger than {MAX_BODY_BYTES} bytes")
    return length


def read_json_body(rfile, length: int) -> dict:
    """Exactly ``length`` bytes from ``rfile``, as a JSON object (``HttpError`` 400 otherwise)."""
    data = rfile.read(length) if length else b""
    if len(data) != length:
        raise HttpError(HTTPStatus.BAD_REQUEST, "body shorter than its Content-Length")
    if not data:
        return {}
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise HttpError(HTTPStatus.BAD_REQUEST, "body is not UTF-8 JSON") from None
    if not isinstance(body, dict):
        raise HttpError(HTTPStatus.BAD_REQUEST, "body must be a JSON object")
    return body


def parse_decide(body: dict) -> tuple[int | None, str, dict]:
    """``(id, action, fields)`` of a decide request; ``id`` may be null only for ``add``."""
    from termalign.corpus.review import ACTIONS

    unknown = sorted(set(body) - {"id", "action", "fields"})
    if unknown:
        raise HttpError(HTTPStatus.BAD_REQUEST, f"unknown key {unknown[0]!r}; expected id, action, fields")
    action = body.get("action")
    if action not in ACTIONS:
        raise HttpError(HTTPStatus.BAD_REQUEST, f"action must be one of: {', '.join(ACTIONS)}")
    term_id = body.get("id")
    if term_id is None and action != "add":
        raise HttpError(HTTPStatus.BAD_REQUEST, "missing id")
    if term_id is not None and (isinstance(term_id, bool) or not isinstance(term_id, int) or term_id < 0):
        raise HttpError(HTTPStatus.BAD_REQUEST, "id must be a non-negative integer")
    fields = body.get("fields") or {}
    if not isinstance(fields, dict):
        raise HttpError(HTTPStatus.BAD_REQUEST, "fields must be a JSON object")
    return term_id, action, fields


def _conf_arg(query: str, key: str) -> float | None:
    raw = query_arg(query, key, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:  # also refuses nan and inf
        raise HttpError(HTTPStatus.BAD_REQUEST, f"{key} must be a number between 0 and 1")
    return value


def _int_arg(query: str, key: str, default: int, lo: int, hi: int) -> int:
    raw = query_arg(query, key, str(default)).strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9 and lo <= int(raw) <= hi):
        raise HttpError(HTTPStatus.BAD_REQUEST, f"{key} must be an integer between {lo} and {hi}")
    return int(raw)


def _text_arg(query: str, key: str) -> str | None:
    value = query_arg(query, key, "").strip()
    if len(value) > MAX_QUERY_CHARS:
        raise HttpError(HTTPStatus.BAD_REQUEST, f"{key} longer than {MAX_QUERY_CHARS} characters")
    if any(ord(c) < 32 for c in value):
        raise HttpError(HTTPStatus.BAD_REQUEST, f"control characters in {key}")
    return value or None


def parse_queue_filters(query: str) -> QueueFilters:
    """The review queue's filters from a query string, each checked (``HttpError`` 400)."""
    status = query_arg(query, "status", "pending").strip() or "pending"
    if status not in QUEUE_STATUSES:
        raise HttpError(HTTPStatus.BAD_REQUEST, f"status must be one of: {', '.join(QUEUE_STATUSES)}")
    kind = query_arg(query, "kind", "").strip() or None
    if kind is not None and kind not in QUEUE_KINDS:
        raise HttpError(HTTPStatus.BAD_REQUEST, f"kind must be one of: {', '.join(QUEUE_KINDS)}")
    filters = QueueFilters(
        status=status,
        kind=kind,
        q=_text_arg(query, "q"),
        min_conf=_conf_arg(query, "min_conf"),
        max_conf=_conf_arg(query, "max_conf"),
        doc=_text_arg(query, "doc"),
        offset=_int_arg(query, "offset", 0, 0, 10**8),
        limit=_int_arg(query, "limit", DEFAULT_QUEUE_LIMIT, 1, MAX_QUEUE_LIMIT),
    )
    if filters.min_conf is not None and filters.max_conf is not None and filters.min_conf > filters.max_conf:
        raise HttpError(HTTPStatus.BAD_REQUEST, "min_conf is larger than max_conf")
    return filters
