"""Lines -> paragraphs -> sentences, for English, Chinese and interleaved bilingual news files.

Rules, in order:

1. Each line gets a script-based language (``line_lang``): "zh" when Han characters carry it
   (mixed lines such as "智库Silverado Policy Accelerator的…" are zh, and so is any line with a
   dozen Han characters, however many units and formulas it writes in Latin script), "en" when Latin letters
   dominate, "other" for numbers, dates, bylines with a timestamp, URLs, paths and symbols.
2. Boilerplate becomes paragraphs with lang "other" (kept, so line numbers stay meaningful,
   but never mixed into en/zh sentences): a PTT-style header (``[新聞]`` ... ``原文內容:``),
   bare field labels (``原文標題:``, ``心得/評論:``), lines starting with ``※``, everything
   after a ``--`` signature separator, and page chrome, bylines, source and contact lines
   (``align.clean.boilerplate_lines``); such paragraphs carry ``boilerplate=True``. A PTT
   header's two titles are content, not boilerplate: the post's title (its ``[新聞]`` tag dropped)
   translates the original title under ``原文標題:``, so both are paragraphs.
3. Hard-wrapped files (most lines close to one width, e.g. 80 columns, CJK counting 2) are
   unwrapped: a line joins the paragraph above when that line was long (>= 3/4 of the wrap
   width) and has the same language; a punctuation-only line (``.`` or ``。」``) joins too.
   English joins with a space, Chinese with nothing (a space only between two Latin words).
   A blank line or a change of language always starts a new paragraph.
4. Paragraphs are split into sentences with ``split_sentences``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .clean import boilerplate_lines, ptt_title_line, strip_ptt_tag
from .read import read_text

LANGS = ("en", "zh", "other")


@dataclass(frozen=True, slots=True)
class Paragraph:
    lang: str  # "en" | "zh" | "other"
    text: str  # unwrapped paragraph text, original script
    line: int  # 1-based first line in the file
    sentences: tuple[str, ...]  # split sentences (original script)
    boilerplate: bool = False  # page chrome, a byline, a label (align.clean): kept, lang "other"


@dataclass(frozen=True, slots=True)
class Document:
    path: str
    paragraphs: tuple[Paragraph, ...]

    def sentences(self, lang: str) -> list[str]:
        """All sentences of paragraphs in ``lang``, in file order."""
        return [s for p in self.paragraphs if p.lang == lang for s in p.sentences]

    def boilerplate(self) -> list[str]:
        """The text of every boilerplate paragraph (``align.clean``), in file order."""
        return [p.text for p in self.paragraphs if p.boilerplate]

    def has_lang(self, lang: str) -> bool:
        return any(p.lang == lang and p.sentences for p in self.paragraphs)


# ---------------------------------------------------------------- line language

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_LATIN_WORD = re.compile("[A-Za-z\u00c0-\u024f]+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_FILEISH = re.compile(r"\.(?:s?html?|php|aspx?|jsp|pdf|jpe?g|png|gif|txt|xml|json)\b", re.I)
_TIME = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?!\d)")
_DATE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d{4}\s*年")
_DIGIT = re.compile(r"\d")
_SAMPLE = 4000  # characters looked at to tell a line's language: O(1) even for a 10 MB line
# Han characters that make a line Chinese whatever else it holds. A Chinese paragraph of an
# academic text can carry more Latin "words" (units, formulas, symbols: "Fe3O4", "mol/L", "T")
# than half its Han count; an English line rarely quotes this many Han characters.
_HAN_PROSE = 12


def _pathlike(s: str) -> bool:
    """A line without spaces that holds a "/" or a file suffix: is it a URL, path or file name,
    or Chinese prose with a unit in it ("浓度为5mg/L时去除率最高", no spaces either)?"""
    han = len(_HAN.findall(s))
    if han >= _HAN_PROSE:
        return False
    return bool(_FILEISH.search(s)) or s.count("/") >= 2 or han < 2


def line_lang(line: str) -> str:
    """The script of one line: "zh", "en" or "other" (numbers, dates, URLs, bylines, symbols)."""
    s = line.strip()[:_SAMPLE]
    if not s:
        return "other"
    if " " not in s and "\t" not in s and ("/" in s or _FILEISH.search(s)) and _pathlike(s):
        return "other"  # a URL, a path or a file name such as index_new5.html
    rest, n_urls = _URL.subn(" ", s) if ("/" in s or "www." in s) else (s, 0)
    if "@" in rest:
        rest = _EMAIL.sub(" ", rest)
    timestamp = False
    if _DIGIT.search(rest):
        timestamp = bool(_TIME.search(rest)) and bool(_DATE.search(rest))
        rest = _DATE.sub(" ", _TIME.sub(" ", rest))
    han = len(_HAN.findall(rest))
    words = _LATIN_WORD.findall(rest)
    letters = sum(map(len, words))
    if han == 0 and letters < 2:
        return "other"
    if timestamp and len(s) < 80:
        return "other"  # "Sou Hu Cai Jing· 2025-11-09 11:44", "虎嗅APP· 2025-11-09 09:32"
    if n_urls and han + len(words) <= 6:
        return "other"  # "原文連結:https://…", "信息来源:https://…"
    if han and (2 * han >= len(words) or han >= _HAN_PROSE):
        return "zh"  # by the Han characters it has, not their share: formulas and units stay in zh
    return "en" if letters >= 2 else "other"


# ---------------------------------------------------------------- sentence splitting

_ABBREV = frozenset(
    """mr mrs ms dr prof st sr jr gen sen rep gov lt col maj capt sgt adm cmdr rev hon pres supt
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    inc co corp ltd llc plc bros dept univ assn est approx fig figs vol vols ch no nos pp vs etc
    al e.g i.e u.s u.k u.n u.s.a e.u a.m p.m ph.d d.c""".split()
)
# Abbreviations that can also end a sentence: split after them only before a typical first word.
_MAY_END = frozenset("inc co corp ltd llc plc bros etc u.s u.k u.n u.s.a e.u a.m p.m d.c jr".split())
_STARTERS = frozenset(
    """the a an this that these those it its he she they we i you his her their our there here but and
    so yet however meanwhile in on at for as if when while after before since although though mr mrs
    ms dr some many most all no not what why how who""".split()
)
_EN_BREAK = re.compile(r"([.?!\u2026]+)([\"'\u201d\u2019)\]]*)\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")
_EN_BULLET = re.compile(r"(?<=\])\s+[-\u2013\u2014\u2022]\s+(?=[A-Z])")
_LEAD_BULLET = re.compile(r"^[-\u2013\u2022*]\s+")
_ZH_BREAK = re.compile("(?:[\u3002\uff01\uff1f!?\uff1b]+|\u2026+|\\.{3,})[\u201d\u300d\u300f\u2019\"'\uff09)\u3011]*")


def split_sentences(text: str, lang: str) -> list[str]:
    """Split one paragraph into sentences; "other" text comes back as one piece."""
    text = text.strip()
    if not text:
        return []
    if lang == "en":
        return _split_en(text)
    if lang == "zh":
        return _split_zh(text)
    return [text]


def _split_en(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _EN_BREAK.finditer(text):
        if m.group(1) == "." and not _ends_sentence(text, m):
            continue
        out.append(text[start : m.end(2)])
        start = m.end()
    out.append(text[start:])
    pieces = [p for s in out for p in _EN_BULLET.split(s)]
    return [t for t in (_LEAD_BULLET.sub("", p).strip() for p in pieces) if t]


def _ends_sentence(text: str, m: re.Match) -> bool:
    """Is the single '.' at m.start(1) a full stop (not an abbreviation or an initial)?"""
    end = m.start(1)
    word = text[text.rfind(" ", max(0, end - 40), end) + 1 : end].lstrip("\"'(\u201c\u2018[").lower()
    if not word:
        return True
    if len(word) == 1 and word.isalpha():
        return False  # an initial: "Joseph R. Biden"
    if word not in _ABBREV:
        return True
    if word not in _MAY_END:
        return False
    nxt = re.match(r"[\"'\u201c\u2018(\[]?([A-Za-z]+)", text[m.end() : m.end() + 30])
    return nxt is not None and nxt.group(1).lower() in _STARTERS


def _split_zh(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _ZH_BREAK.finditer(text):
        out.append(text[start : m.end()])
        start = m.end()
    out.append(text[start:])
    return [t for t in (p.strip() for p in out) if t]


# ---------------------------------------------------------------- paragraphs

# East Asian Wide and Fullwidth blocks (Hangul Jamo, CJK and Kana, Hangul, compatibility, forms,
# fullwidth ASCII, planes 2-3): one regex pass instead of unicodedata per character.
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]"
)


def _width(s: str) -> int:
    """Display columns, CJK wide/fullwidth counting 2; long lines are just "long"."""
    if len(s) > 400:
        return 2 * len(s)
    return len(s) + len(_WIDE.findall(s))


def _wrap_width(widths: list[int]) -> int | None:
    """The column a hard-wrapped file was wrapped at, or None if lines are paragraphs."""
    if len(widths) < 3:
        return None
    if sum(w > 100 for w in widths) > 0.2 * len(widths):
        return None
    width = max((w for w in widths if w <= 100), default=0)
    if width < 40 or sum(w >= 0.75 * width for w in widths) < 0.3 * len(widths):
        return None
    return width


def _is_fragment(s: str) -> bool:
    """Only punctuation (a wrapped '.' or '。」'), the tail of a sentence wrapped alone."""
    return len(s) <= 6 and not any(c.isalnum() for c in s)


def _join(a: str, b: str, lang: str) -> str:
    if not a:
        return b
    if lang == "en":
        if b[0] in ".,;:!?)]\u201d\u2019" or re.search(r"(?:^|\s)[\"\u201c]$", a) or a.endswith("-"):
            return a + b
        return a + " " + b
    latin = a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum()
    return a + (" " if latin else "") + b


def segment_text(text: str, path: str = "", presplit: bool = False) -> Document:
    """Cut ``text`` into language-tagged paragraphs and sentences (see the module docstring).

    With ``presplit`` every non-empty line is one sentence in its own paragraph, untouched
    except for stripping (the Vecalign/Bertalign convention, used for MAC-Dev).
    """
    lines = text.split("\n")
    if presplit:
        one_each = tuple(
            Paragraph(line_lang(s), s, i + 1, (s,)) for i, s in ((i, s.strip()) for i, s in enumerate(lines)) if s
        )
        return Document(path, one_each)
    boiler = boilerplate_lines(lines)
    title = ptt_title_line(lines, boiler)
    if title is not None:  # a PTT post's title is content: the translation of its original title
        lines = list(lines)
        lines[title] = strip_ptt_tag(lines[title])
    kinds = ["other" if b else line_lang(s) if s.strip() else "" for s, b in zip(lines, boiler)]
    widths = [_width(s.strip()) if k in ("en", "zh") else 0 for s, k in zip(lines, kinds)]
    wrap = _wrap_width([w for w, k in zip(widths, kinds) if k in ("en", "zh")])
    long_enough = 0.75 * wrap if wrap else None

    paras: list[Paragraph] = []
    cur: list = []  # [lang, text, first line, width of last line] of the paragraph being built
    for i, (raw, kind, is_boiler) in enumerate(zip(lines, kinds, boiler)):
        s = raw.strip()
        if not s:
            _flush(cur, paras)
            continue
        joins = (
            cur
            and long_enough is not None
            and not is_boiler
            and cur[0] in ("en", "zh")
            and cur[3] >= long_enough
            and (kind == cur[0] or (kind == "other" and _is_fragment(s)))
        )
        if joins:
            cur[1] = _join(cur[1], s, cur[0])
            cur[3] = widths[i] if kind == cur[0] else 0
            continue
        _flush(cur, paras)
        cur[:] = [kind, s, i + 1, widths[i], is_boiler]
    _flush(cur, paras)
    return Document(path, tuple(paras))


def _flush(cur: list, paras: list[Paragraph]) -> None:
    if cur:
        lang, text, line, _, boiler = cur
        paras.append(Paragraph(lang, text, line, tuple(split_sentences(text, lang)), boiler))
        cur.clear()


_SENTENCE_END = re.compile(
    "[.?!;:\u2026\u2014\u3002\uff01\uff1f\uff1b\uff1a-][\"'\u201d\u2019\u300d\u300f\uff09)\\]]*$"
)


def looks_presplit(text: str) -> bool:
    """Whether ``text`` looks like one sentence per line (Moses, OPUS, UN, MAC), to be read with
    ``presplit`` as ``align --presplit`` would: no blank line between lines, at least 80 % of
    the lines end a sentence (a hard-wrapped file ends few: 4 % of a MAC chapter wrapped at 80
    columns), and at most 20 % split into more than one sentence (a literary Chinese line with a
    quotation often does; 6 % in MAC-Dev)."""
    lines = [s.strip() for s in text.strip().split("\n")]
    if len(lines) < 3 or not all(lines):
        return False
    if sum(bool(_SENTENCE_END.search(s)) for s in lines) < 0.8 * len(lines):
        return False
    several = sum(len(split_sentences(s, line_lang(s))) > 1 for s in lines)
    return several <= 0.2 * len(lines)


def read_document(path: str | Path, encoding: str | None = None, presplit: bool = False) -> Document:
    """``read_text`` + ``segment_text``."""
    return segment_text(read_text(path, encoding), str(path), presplit)


# ---------------------------------------------------------------- Traditional / Simplified


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional -> Simplified Chinese (OpenCC t2s), for matching only; other text is unchanged."""
    return _t2s().convert(text) if text else text


def is_traditional(text: str) -> bool:
    """True when a noticeable share (>= 5%, at least one) of the Han characters are Traditional-only."""
    han = len(_HAN.findall(text))
    if not han:
        return False
    simp = to_simplified(text)
    changed = sum(a != b for a, b in zip(text, simp)) if len(simp) == len(text) else han
    return changed >= max(1, 0.05 * han)
