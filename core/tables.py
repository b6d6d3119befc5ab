"""Parsed tables (a tokenizer, a dictionary, unpacked weights) kept in the user cache folder, so a
fresh process loads them instead of parsing them again.

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
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .files import atomic_path

log = logging.getLogger(__name__)

T = TypeVar("T")


def cache_dir() -> Path:
    """Where caches live: $TERMALIGN_CACHE, $XDG_CACHE_HOME/termalign or ~/.cache/termalign."""
    if os.environ.get("TERMALIGN_CACHE"):
        return Path(os.environ["TERMALIGN_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "termalign"


def table_path(name: str, key: str) -> Path:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return cache_dir() / "tables" / f"{name}-{digest}.json"


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
    except Exception as e:  # corrupt or unreadable: rebuild it, never fail because of a cache
        log.info("rebuilding the cached table %s (%s: %s)", path, type(e).__name__, e)
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(to_json(value), f, ensure_ascii=False, separators=(",", ":"))
    except (OSError, TypeError, ValueError) as e:  # a read-only home, a full disk: the parse is not saved
        log.info("cannot write the cached table %s (%s)", path, e)
    return value
