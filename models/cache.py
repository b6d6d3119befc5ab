"""On-disk vector cache, so a re-run over the same corpus never re-encodes a sentence.

One SQLite file (``vectors.sqlite``) under ``$TERMALIGN_CACHE``, else
``$XDG_CACHE_HOME/termalign``, else ``~/.cache/termalign``. Rows are keyed by
(model name, kind, sha1 of the text); values are float32 BLOBs. SQLite in WAL mode makes
two processes writing at once safe (writers queue on ``busy_timeout``) and a kill mid-write
leaves the last committed state, never a torn file.

For USE-m3 the cache holds the per-sentence pooled sums (``kind="pooled"``), not sentence or
window vectors: both are rebuilt from them with a cheap head (see ``models/usem3.py``), so a
sentence is run through the network once whether it is encoded alone or in windows.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

import numpy as np

from termalign.core.sqlite import blob, set_wal, unblob
from termalign.core.tables import cache_dir

from .base import Encoder, ModelError, Progress, WindowEncoder

log = logging.getLogger(__name__)

__all__ = ["CachedEncoder", "VectorCache", "cache_dir", "text_key"]

_CHUNK = 500  # keys per SELECT ... IN (...); well under SQLite's variable limit


def text_key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).digest()


class VectorCache:
    """float32 rows keyed by (model, kind, sha1(text)) in one SQLite file."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else cache_dir() / "vectors.sqlite"
        self._conn: sqlite3.Connection | None = None
        self._pid = -1
        self.off_reason = ""  # why the cache stopped being used (it is an optimisation only)

    def _db(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():  # never share a connection across fork
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
                set_wal(conn)
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, kind TEXT NOT NULL,"
                    " key BLOB NOT NULL, vec BLOB NOT NULL, PRIMARY KEY (model, kind, key)) WITHOUT ROWID"
                )
            except (sqlite3.Error, OSError) as e:
                raise ModelError(
                    f"cannot open the vector cache {self.path}: {e}; set TERMALIGN_CACHE to a writable folder"
                ) from e
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def _turn_off(self, e: Exception) -> None:
        """The cache cannot be read or written (unwritable folder, full disk, damaged file): the
        vectors are computed instead, and one warning names the cause."""
        if not self.off_reason:
            root = e.__cause__ or e
            cause = root.strerror if isinstance(root, OSError) and root.strerror else str(root)
            self.off_reason = f"vector cache {self.path} not used: {cause}"
            log.warning("Warning: %s (set TERMALIGN_CACHE to a writable folder)", self.off_reason)

    def get(self, model: str, kind: str, texts: Sequence[str], width: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows for ``texts`` (len(texts), width) float32 and a bool mask of which were found.

        With the cache unusable nothing is found (see ``_turn_off``)."""
        out = np.zeros((len(texts), width), dtype=np.float32)
        found = np.zeros(len(texts), dtype=bool)
        if self.off_reason:
            return out, found
        keys = [text_key(t) for t in texts]
        where: dict[bytes, list[int]] = {}
        for i, k in enumerate(keys):
            where.setdefault(k, []).append(i)
        uniq = list(where)
        try:
            db = self._db()
            for lo in range(0, len(uniq), _CHUNK):
                part = uniq[lo : lo + _CHUNK]
                q = f"SELECT key, vec FROM vectors WHERE model=? AND kind=? AND key IN ({','.join('?' * len(part))})"
                for key, raw in db.execute(q, (model, kind, *part)):
                    row = unblob(raw)
                    if row.size != width:  # written by an incompatible version: treat as a miss
                        continue
                    for i in where[key]:
                        out[i] = row
                        found[i] = True
        except (sqlite3.Error, OSError, ModelError) as e:
            self._turn_off(e)
            return np.zeros_like(out), np.zeros_like(found)
        return out, found

    def put(self, model: str, kind: str, texts: Sequence[str], rows: np.ndarray) -> None:
        """Store rows (len(texts), width); one transaction, existing keys are kept. A write that
        fails (full disk, read-only folder) turns the cache off with a warning; it never raises."""
        if self.off_reason:
            return
        rows = np.ascontiguousarray(rows, dtype=np.float32)
        data = [(model, kind, text_key(t), blob(rows[i])) for i, t in enumerate(texts)]
        try:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?, ?, ?)", data)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:  # SQLite has already rolled back after some errors (disk full)
                    db.execute("ROLLBACK")
                raise
        except (sqlite3.Error, OSError, ModelError) as e:
            self._turn_off(e)

    def count(self, model: str | None = None) -> int:
        if model is None:
            return self._db().execute("SELECT count(*) FROM vectors").fetchone()[0]
        return self._db().execute("SELECT count(*) FROM vectors WHERE model=?", (model,)).fetchone()[0]

    def close(self) -> None:
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None


def _cached_rows(
    cache: VectorCache,
    model: str,
    kind: str,
    texts: Sequence[str],
    width: int,
    compute: Callable[[list[str], Progress | None], np.ndarray],
    on_progress: Progress | None,
) -> np.ndarray:
    """Distinct texts looked up once; misses computed by ``compute`` and written back."""
    first: dict[str, int] = {}
    rows = [first.setdefault(t, len(first)) for t in texts]
    uniq = list(first)
    vals, found = cache.get(model, kind, uniq, width)
    miss = [i for i in range(len(uniq)) if not found[i]]
    done = len(uniq) - len(miss)
    if on_progress is not None and done:
        on_progress(done)
    if miss:
        todo = [uniq[i] for i in miss]
        step = None if on_progress is None else (lambda k: on_progress(done + k))
        new = compute(todo, step)
        vals[miss] = new
        cache.put(model, kind, todo, new)
    return vals[rows] if rows else np.zeros((0, width), dtype=np.float32)


class CachedEncoder:
    """Wraps an encoder: ``encode`` and, for a ``WindowEncoder``, ``pooled`` and
    ``encode_windows`` read and fill the disk cache. A second run over the same texts calls the
    model zero times. It declares the wrapped encoder's capabilities as its own."""

    def __init__(self, enc: Encoder, cache: VectorCache | None = None) -> None:
        self.inner = enc
        self.cache = cache if cache is not None else VectorCache()
        self.name = enc.name
        self.dim = enc.dim
        self.windows = enc.windows
        self.device = enc.device

    def encode(self, texts: Sequence[str], on_progress: Progress | None = None) -> np.ndarray:
        """Sentence vectors. For a model whose sentence vectors come from its pooled rows
        (``vectors_from_pooled``), they are made from the cached pooled rows: a sentence encoded
        here and then windowed by the aligner goes through the network once."""
        texts = list(texts)
        from_pooled = getattr(self.inner, "vectors_from_pooled", None)
        if from_pooled is not None and hasattr(self.inner, "pooled"):
            return from_pooled(self.pooled(texts, on_progress))
        return _cached_rows(
            self.cache, self.name, "vec", texts, self.dim, lambda t, p: self.inner.encode(t, on_progress=p), on_progress
        )

    def _window_encoder(self) -> WindowEncoder:
        if not self.windows:
            raise TypeError(f"{self.name} makes no window vectors of its own (windows is False)")
        return cast(WindowEncoder, self.inner)

    def pooled(self, texts: Sequence[str], on_progress: Progress | None = None) -> np.ndarray:
        from .usem3 import POOLED_WIDTH

        inner = self._window_encoder()

        return _cached_rows(
            self.cache,
            self.name,
            "pooled",
            list(texts),
            POOLED_WIDTH,
            lambda t, p: inner.pooled(t, on_progress=p),
            on_progress,
        )

    def windows_from_pooled(self, pooled: np.ndarray, max_window: int) -> np.ndarray:
        return self._window_encoder().windows_from_pooled(pooled, max_window)

    def encode_windows(
        self, sentences: Sequence[str], max_window: int, lang: str, on_progress: Progress | None = None
    ) -> np.ndarray:
        """Same contract as ``models.base.window_vectors``; caches per-sentence pooled sums."""
        return self.windows_from_pooled(self.pooled(sentences, on_progress), max_window)
