"""SQLite helpers shared by the vector cache and the store."""

from __future__ import annotations

import sqlite3
import time

import numpy as np


def set_wal(conn: sqlite3.Connection, timeout_s: float = 60.0) -> None:
    """Put ``conn``'s database in WAL mode, waiting for other processes doing the same.

    The switch needs the file to itself, and SQLite answers "database is locked" at once instead of
    waiting on ``busy_timeout`` (three processes opening one fresh cache together: 2 of 120 failed
    so). The mode is stored in the file, so one that is already WAL is left alone; otherwise the
    switch is retried, backing off, for up to ``timeout_s`` seconds.
    """
    deadline, delay = time.monotonic() + timeout_s, 0.005
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(2 * delay, 0.2)


def blob(v: np.ndarray | None) -> bytes | None:
    """A vector as the float32 bytes SQLite keeps in a BLOB column (None stays NULL)."""
    return None if v is None else np.ascontiguousarray(v, dtype=np.float32).tobytes()


def unblob(b: bytes) -> np.ndarray:
    """The float32 vector a :func:`blob` wrote (read-only: it shares ``b``'s memory)."""
    return np.frombuffer(b, dtype=np.float32)
