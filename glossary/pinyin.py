"""Toneless pinyin for search: does an ASCII query spell the start of a Chinese term?

``xitu`` / ``xi tu`` / ``xī tǔ`` find 稀土; ``guanjian`` finds 关键 and 关键矿物. Every reading
of a character counts (重 is ``zhong`` and ``chong``), which suits a search box better than
guessing the one reading in context.

The character table is pypinyin's own ``pinyin_dict.json``, read directly (``text.pinyin``):
importing the ``pypinyin`` package loads its phrase dictionary and segmenter first, measured at
0.6-0.9 s, against 0.05 s for the JSON alone -- a lookup from the command line cannot pay the former.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from difflib import SequenceMatcher
from functools import lru_cache

from termalign.text.pinyin import raw_table, readings, strip_tones

_table: dict[int, tuple[str, ...]] | None = None
_syllables: frozenset[str] = frozenset()
_lock = threading.Lock()


def _load() -> dict[int, tuple[str, ...]]:
    """Code point -> toneless readings of every character, and the syllables they use (empty if
    pypinyin is absent)."""
    global _table, _syllables
    with _lock:
        if _table is None:
            raw = raw_table()
            table = {int(k): tuple(dict.fromkeys(strip_tones(r) for r in v.split(","))) for k, v in raw.items()}
            _syllables = frozenset(r for rs in table.values() for r in rs if r.isascii() and r.isalpha())
            _table = table
    return _table


def is_syllable(word: str) -> bool:
    """``word`` (letters, any case) is one toneless pinyin syllable: how the translations spell a
    Chinese surname ("Jia", "Zhou", "Liu")."""
    _load()
    return word.lower() in _syllables


@lru_cache(maxsize=4096)
def is_pinyin(query: str) -> bool:
    """True when ``query`` (letters and spaces, tones allowed) splits into pinyin syllables.

    Gates the pinyin lookup, so English typos ("rare eath") never pay for it.
    """
    q = strip_tones(query).replace(" ", "").replace("'", "")
    if not q or not re.fullmatch(r"[a-z]+", q):
        return False
    _load()
    if not _syllables:
        return False
    ok = [True] + [False] * len(q)  # ok[i]: q[:i] splits into syllables
    for i in range(1, len(q) + 1):
        ok[i] = any(ok[j] and q[j:i] in _syllables for j in range(max(0, i - 6), i))
    return ok[-1]


def spells_prefix(query: str, term: str) -> bool:
    """True when the toneless pinyin ``query`` spells the first characters of ``term``.

    The query must end on a syllable boundary, cover at least one whole character, and may
    stop inside the term: 'xitu' matches 稀土 and 稀土出口, 'xit' matches neither.
    """
    q = strip_tones(query).replace(" ", "").replace("'", "")
    if not q:
        return False

    def walk(pos: int, k: int) -> bool:
        if pos == len(q):
            return k > 0
        if k == len(term):
            return False
        return any(q.startswith(r, pos) and walk(pos + len(r), k + 1) for r in readings(term[k]))

    return walk(0, 0)


__all__ = ["strip_tones", "readings", "is_pinyin", "is_syllable", "spells_prefix", "name_syllables", "translit"]


def name_syllables(z: str, letters: str, usual: Sequence[str] | None = None) -> list[str]:
    """The toneless pinyin of each character of ``z`` as a name spelled ``letters`` reads it.

    A character keeps its usual reading in context (``usual``, by default pypinyin's
    ``lazy_pinyin(z)``) unless another of its readings (pypinyin's table lists them all) spells
    the letters at that point: 单 is read dan, but shan as a surname, so 单廷秀 / "shantingxiu" is
    ``['shan', 'ting', 'xiu']``, not dan ting xiu (曾 zeng, 解 xie, 区 ou, 仇 qiu, 朴 piao, 乐 yue
    likewise). Left to right, each character once, a constant number of readings each: linear.
    Once a character spells none of the letters left, the rest keep their usual readings
    (贝森特 / "bessent" stays bei sen te)."""
    if usual is None:
        from pypinyin import lazy_pinyin

        usual = lazy_pinyin(z)
    out = list(usual)
    if len(out) != len(z):
        return out  # Latin letters or digits inside (MP材料): no character-by-character reading
    pos = 0
    for k, ch in enumerate(z):
        fits = [r for r in (out[k], *readings(ch)) if r and letters.startswith(r, pos)]
        if not fits:
            break  # the rest keep their usual readings
        out[k] = fits[0] if fits[0] == out[k] else max(fits, key=len)
        pos += len(out[k])
    return out


def translit(z: str, e: str) -> float:
    """Pinyin of ``z`` vs the letters of ``e`` (贝森特 ~ beisente vs bessent; 单廷秀 ~ shantingxiu, every
    reading of a character allowed: :func:`name_syllables`): 0..1, 0 unless ``e`` is a name."""
    if not e[:1].isupper() or not any(c.isalpha() for c in e):
        return 0.0
    en = "".join(ch for ch in e.lower() if ch.isalpha())
    py = "".join(name_syllables(z, en)).lower()
    if not py or not en or not py.isascii():
        return 0.0
    return SequenceMatcher(None, py, en, autojunk=False).ratio()
