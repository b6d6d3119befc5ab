"""Toneless pinyin of single Han characters, from pypinyin's own character table.

The table is pypinyin's ``pinyin_dict.json``, read directly: importing the ``pypinyin`` package
loads its phrase dictionary and segmenter first (0.2-0.9 CPU s), a cost a short command cannot
pay. A character's readings are worked out when it is first asked for.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

_lock = threading.Lock()
_raw: dict[str, str] | None = None


def strip_tones(text: str) -> str:
    """'xī tǔ' -> 'xi tu'; 'lǜ' -> 'lv' (the keyboard spelling of ü, as pypinyin writes it)."""
    decomposed = unicodedata.normalize("NFD", text).replace("u\u0308", "v").replace("U\u0308", "v")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def raw_table() -> dict[str, str]:
    """pypinyin's table as it is stored: decimal code point -> readings with tone marks, joined by
    commas, the usual one first. Empty when pypinyin is not installed."""
    global _raw
    with _lock:
        if _raw is None:
            spec = importlib.util.find_spec("pypinyin")  # locates the package without importing it
            path = Path(spec.origin).parent / "pinyin_dict.json" if spec and spec.origin else None
            _raw = json.loads(path.read_text(encoding="utf-8")) if path is not None and path.is_file() else {}
    return _raw


@lru_cache(maxsize=65536)
def readings(char: str) -> tuple[str, ...]:
    """Toneless readings of one character, the usual one first; () for anything that is not a
    known Han character."""
    r = raw_table().get(str(ord(char))) if len(char) == 1 else None
    return tuple(dict.fromkeys(strip_tones(x) for x in r.split(","))) if r else ()


def first_reading(char: str) -> str:
    """The toneless reading ``pypinyin.lazy_pinyin(char)[0]`` gives a single character (its usual
    reading; ``tests/test_segment.py`` checks every CJK Unified Ideograph), the character itself
    when the table has none."""
    r = readings(char)
    return r[0] if r else char
