"""Cleaning at read time: which lines are boilerplate, and a sentence's text without markup.

Two jobs, both pure:

* :func:`boilerplate_lines` marks lines that are not the document's prose: forum headers and
  labels (a PTT post's ``[新聞]`` title block up to ``原文內容:``, except the post's title and
  the original title under ``原文標題:``, which translate each other; ``※`` notes, a ``--``
  signature and what follows), source and byline lines (``来源:…``, ``記者署名:By …``), contact
  lines with an e-mail address, page chrome and UI text (``Search documents``, ``Fish AI Reader``
  repeated, ``… CLICKING HERE``, a ``site· 2025-11-09 11:44`` stamp, a photo credit), tag
  lists after ``相关标签``, and a short line sandwiched between two such lines. ``segment`` keeps
  each as a paragraph of the text (nothing is thrown away) but outside the English and Chinese
  streams, so it is never aligned, mined or shown as an example.
* :func:`clean_sentence` removes markup from a prose sentence: markdown emphasis (``**…**``),
  emoji bullets, reference markers (``[1][12]``), leading ``-``/``•``/``#`` bullets and summary
  labels (``Core Viewpoint - ``). The original sentence stays what ``segment`` returns; the store
  keeps both.
"""

from __future__ import annotations

import re
from collections import Counter

# --- whole lines ---------------------------------------------------------------------------

_PTT_TITLE = re.compile(r"^\s*\[[^\]\s]{1,6}\]")
_PTT_BODY = re.compile(r"^\s*原文[內内]容\s*[:：]")
_LABEL = re.compile(
    r"^\s*(?:原文標題|原文标题|原文連結|原文链接|發布時間|发布时间|記者署名|记者署名|原文[內内]容|"
    r"心得/評論|心得/评论|相關標籤|相关标签|相關文章|相关文章)\s*[:：]?\s*$"
)
_TAGS_LABEL = re.compile(r"^\s*(?:相關標籤|相关标签|標籤|标签|Tags?)\s*[:：]?\s*$", re.I)
_SOURCE = re.compile(
    r"^\s*(?:信息来源|資訊來源|来源|來源|资料来源|資料來源|出处|出處|文章来源|图片来源|圖片來源|Sources?)\s*[:：]", re.I
)
_BYLINE = re.compile(
    r"^\s*(?:記者署名|记者署名|作者|編輯|编辑|責任編輯|责任编辑|撰文|撰稿|记者|記者)\s*[:：]"
    r"|^\s*(?:By|Reporting by|Writing by|Editing by|Additional reporting by)\s+[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3}\s*[;,.]?\s*$"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_UI = re.compile(
    r"^\s*(?:search(?: documents)?|share(?: this(?: article| story)?)?|subscribe(?: now)?|sign (?:in|up)|log ?in|"
    r"read more|advertisement|related (?:articles?|stories)|back to top|print|comments?|menu|home|"
    r"scan to (?:read|follow)|follow us(?: on \w+)?|click here[^.]*|more from [^.]+)\s*$",
    re.I,
)
_CLICK = re.compile(r"\bCLICK(?:ING)? HERE\b|\bDOWNLOAD (?:OUR|THE) APP\b", re.I)
_STAMP = re.compile(r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}\s*月\s*\d{1,2}\s*日)\s*\d{1,2}:\d{2}\s*$")
_CREDIT = re.compile(
    r"(?:照片|图片|圖片|图源|圖源|摄影|攝影|Photo|Image|Credit)\s*[:：]\s*[^。.!?！？]{1,30}\s*$", re.I
)
_SENTENCE_END = re.compile(r"[.!?。！？…]$|[.!?。！？][\"'”’」)）]*$")
_SHORT = 60  # characters: chrome lines are short


def _line_is_chrome(t: str) -> bool:
    """One stripped line that is boilerplate on its own (see the module docstring)."""
    if t.startswith("※") or _LABEL.match(t) or _SOURCE.match(t) or _UI.match(t):
        return True
    if len(t) <= 2 * _SHORT and _BYLINE.match(t):
        return True
    if len(t) <= 2 * _SHORT and _EMAIL.search(t):
        return True
    if len(t) <= 2 * _SHORT and _CLICK.search(t):
        return True
    if len(t) <= _SHORT and _STAMP.search(t):
        return True
    return bool(_CREDIT.search(t)) and len(t) <= 3 * _SHORT


def boilerplate_lines(lines: list[str]) -> list[bool]:
    """Which of a file's lines are boilerplate (header, footer, labels, chrome), one flag per line."""
    n = len(lines)
    boiler = [False] * n
    stripped = [s.strip() for s in lines]
    first = next((i for i, s in enumerate(stripped) if s), None)
    if first is not None and _PTT_TITLE.match(lines[first]):
        body = next((i for i in range(first, min(n, first + 20)) if _PTT_BODY.match(lines[i])), None)
        if body is not None:
            boiler[first : body + 1] = [True] * (body + 1 - first)
            for i in _ptt_titles(lines, first, body):
                boiler[i] = False
    short = Counter(t for t in stripped if t and len(t) <= 40 and len(t.split()) <= 4 and not _SENTENCE_END.search(t))
    after_tags = False
    for i, t in enumerate(stripped):
        if not t:
            continue
        if t in ("--", "-- "):
            boiler[i:] = [True] * (n - i)
            break
        if after_tags and not _SENTENCE_END.search(t):
            boiler[i] = True
        after_tags = bool(_TAGS_LABEL.match(t))
        if _line_is_chrome(t) or short[t] >= 2:
            boiler[i] = True
    # in the second half, a short line between two boilerplate lines is part of the same footer
    # block (an app's slogan, not a sentence); in the first half such a line is more often a headline
    filled = [i for i, t in enumerate(stripped) if t]
    for a, b, c in zip(filled, filled[1:], filled[2:]):
        if (
            boiler[a]
            and boiler[c]
            and not boiler[b]
            and len(stripped[b]) <= _SHORT
            and not _SENTENCE_END.search(stripped[b])
            and 2 * b >= n
        ):
            boiler[b] = True
    return boiler


_ORIG_TITLE = re.compile(r"^\s*(?:原文標題|原文标题)\s*[:：]?\s*$")
_LABEL_WITH_VALUE = re.compile(r"^\s*(?:原文連結|原文链接|發布時間|发布时间|記者署名|记者署名|原文[內内]容)\s*[:：]")


def _ptt_titles(lines: list[str], first: int, body: int) -> list[int]:
    """The title line of a PTT header (``first``) and the lines of its original title: those after
    the ``原文標題:`` label up to the next label, when there are any (a post without an original
    title keeps its whole header as boilerplate)."""
    label = next((i for i in range(first + 1, body) if _ORIG_TITLE.match(lines[i])), None)
    if label is None:
        return []
    orig = []
    for i in range(label + 1, body):
        if _LABEL.match(lines[i]) or _LABEL_WITH_VALUE.match(lines[i]):
            break
        if lines[i].strip():
            orig.append(i)
    return [first] + orig if orig else []


def ptt_title_line(lines: list[str], boiler: list[bool]) -> int | None:
    """The index of a PTT post's title line when ``boilerplate_lines`` kept it as content."""
    first = next((i for i, s in enumerate(lines) if s.strip()), None)
    if first is None or boiler[first] or not any(boiler) or not _PTT_TITLE.match(lines[first]):
        return None
    return first


def strip_ptt_tag(line: str) -> str:
    """``[新聞] 美國將推動…`` -> ``美國將推動…``."""
    return _PTT_TITLE.sub("", line, count=1).strip()


# --- inside a sentence ---------------------------------------------------------------------

_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_STRAY_STARS = re.compile(r"\*\*+")
_REFS = re.compile(r"\s*(?:\[\d{1,3}(?:\s*[,–-]\s*\d{1,3})*\])+")
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U0001fc00-\U0001ffff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\u20e3\U000e0020-\U000e007f]"
)
_LEAD = re.compile(r"^\s*(?:#{1,6}\s+|[-–•·*▪►]\s+)")
_SUMMARY_LABEL = re.compile(
    r"^\s*(?:Core (?:Viewpoints?|Insights?|Points?)|Key (?:Points?|Takeaways?)|Group \d+)\s*[-:：]\s+"
)
_SPACES = re.compile(r"[ \t]{2,}")


def clean_sentence(text: str) -> str:
    """``text`` without markup (see the module docstring); unchanged when it has none."""
    if not text:
        return text
    s = _EMPHASIS.sub(r"\2", text)
    s = _STRAY_STARS.sub("", s)
    s = _REFS.sub("", s)
    s = _EMOJI.sub("", s)
    s = _LEAD.sub("", s)
    s = _SUMMARY_LABEL.sub("", s)
    s = _SPACES.sub(" ", s).strip()
    return s or text.strip()
