"""Organisation names that jieba's noun runs miss (:func:`glossary.candidates.zh_candidates`).

An organisation's Chinese name is a run of words that ends in a head (公司, 大学, 委员会, 银行), and two
habits of jieba keep such a run from being one noun run:

* a word of the name is tagged a verb: 开发 ("Development") in 美国 国际 开发 金融公司, "U.S.
  International Development Finance Corporation" (names use verbs as modifiers: 发展, 改革, 研究, 保护);
* the head is glued to the word after it: jieba's dictionary holds 大学教授, 公司总裁, 银行行长, 协会主席,
  so 乔治城 大学教授 ("a professor at Georgetown University") has no token that ends at 大学.

:func:`org_spans` gives every span that ends in a head after nouns, names, adjectives and verbs;
those are many and some are clauses (分析人士赞扬政府, "analysts praised the administration"), so
:func:`org_names` keeps only the spans that meet, in their own sentence pair, a capitalised English
name of at least as many words as the span has jieba tokens, and the pairing counts those as
candidates (like :func:`glossary.spans.spelled_names`). The heads are read from jieba's dictionary
(:func:`org_heads`), not listed here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache

from .candidates import (
    _HAN,
    _ZH_MOD,
    _ZH_NOUN,
    ZH_STOP,
    _is_cap,
    _posseg,
    _to_simplified,
    _tokens,
    lexicon,
    zh_candidates,
)
from .variants import zh_key

ORG_NT_MIN = 20  # a word that ends this many of the words jieba's dictionary tags nt heads an organisation's name
ORG_MAX = 6  # jieba tokens of an organisation's name, at most
_ONE_CHAR_HEADS = frozenset("部局署委")  # ministry, bureau, office, commission: heads jieba may leave alone
_COORD = frozenset("和与及")  # inside a name: 国家发展和改革委员会 "National Development and Reform Commission"
_EN_LINK = frozenset({"of", "the", "and", "for", "on"})  # lower-case words inside an English name


@lru_cache(maxsize=1)
def org_heads() -> frozenset[str]:
    """Words of two or three characters that end organisation names, read from jieba's dictionary:
    those that end at least ``ORG_NT_MIN`` of the words it tags ``nt`` (organisation), as 大学 (345 of
    them), 公司 (233), 政府, 学院, 集团, 委员会, 银行, 协会, 中心, 研究所. Each is a word of the dictionary."""
    tags = _posseg().dt.word_tag_tab
    ends: Counter = Counter()
    for w, t in tags.items():
        if t == "nt":
            ends.update(w[-n:] for n in (2, 3) if len(w) > n)
    return frozenset(h for h, n in ends.items() if n >= ORG_NT_MIN and lexicon(h))


def ends_in_head(word: str) -> bool:
    """``word`` ends in an organisation's head (:func:`org_heads`; heads are two or three characters)."""
    heads = org_heads()
    return word[-2:] in heads or word[-3:] in heads


def _org_end(word: str, flag: str) -> int:
    """Characters of the token ``word`` that end an organisation's name: all of an organisation (tag
    ``nt``) or a noun ending in a head (金融公司); the head alone when jieba glued it to a noun after
    it (大学教授: 大学 and then 教授, "professor"); 0 otherwise. A fixed expression (``l``) that ends in a
    head ends a name as a noun does: jieba holds 控制中心 whole, so 中国 疾病 预防 控制中心 ends there."""
    heads = org_heads()
    if word in _ONE_CHAR_HEADS and flag == "n":
        return 1  # 工业 和 信息化 部: a ministry's 部 cut off by jieba (the run before it must be a name's)
    if flag == "nt" or ((flag.startswith("n") or flag == "l") and ends_in_head(word)):
        return len(word)
    for n in (2, 3):
        rest = word[n:]
        if (
            word[:n] in heads
            and len(rest) >= 2
            and lexicon(rest)
            and _posseg().dt.word_tag_tab.get(rest, "").startswith("n")
        ):
            return n
    return 0


def _org_runs(text: str) -> Iterator[tuple[str, str, int, int, int]]:
    """(key, surface, start, end, jieba tokens) of every span of 2 to ``ORG_MAX`` tokens that ends in an
    organisation's head (:func:`_org_end`) after nouns, names, adjectives and verbs of two or more
    characters: a name's words can be verbs (开发 "development" in 美国国际开发金融公司), and 和, 与 or 及 may
    join two of them (国家 发展 和 改革 委员会, "National Development and Reform Commission"; 工业 和 信息化
    部). The span opens with no verb and no conjunction (持有加拿大公司 is "holding Canadian companies"), and a
    head of one character (部) ends a span of three tokens or more."""
    simp = _to_simplified(text)
    same = len(simp) == len(text)
    toks = _tokens(simp)
    for i, (w, f, s) in enumerate(toks):
        cut = _org_end(w, f)
        if not cut:
            continue
        e = s + cut
        a = i
        while a > 0 and i - a + 1 < ORG_MAX:
            w0, f0, _ = toks[a - 1]
            # a conjunction between two words of the name (not right before a one-character head: 和 部)
            coord = w0 in _COORD and (a < i or len(w) > 1) and a >= 2 and toks[a - 2][1] in _ZH_NOUN + ("v",)
            if not (f0 in _ZH_NOUN + _ZH_MOD or (f0 == "v" and len(w0) >= 2) or coord) or not _HAN.match(w0):
                break
            a -= 1
        for b in range(a, i):
            if toks[b][1] == "v" or toks[b][0] in _COORD:
                continue
            if cut == 1 and i - b < 2:
                continue  # 信息化 部 alone is no name
            key = zh_key(simp[toks[b][2] : e])
            if key not in ZH_STOP:
                yield key, text[toks[b][2] : e] if same else simp[toks[b][2] : e], toks[b][2], e, i - b + 1


def org_spans(text: str) -> list[tuple[str, str, int, int]]:
    """Spans of ``text`` that end in an organisation's head (:func:`_org_runs`), as candidates."""
    return [c[:4] for c in _org_runs(text)]


def org_names(pairs: Iterable[tuple[str, Iterable[str]]]) -> frozenset[str]:
    """Keys of the organisation spans (:func:`org_spans`) that jieba's noun runs miss and that meet,
    in their sentence pair, a capitalised English name of at least as many words as the span has
    tokens (美国 国际 开发 金融公司, "U.S. International Development Finance Corporation"; 乔治城 大学,
    "Georgetown University"). ``pairs``: (Chinese text, its English candidate surfaces) per pair."""
    out: set[str] = set()
    for zh, en in pairs:
        words = [
            len(ws)
            for ws in (s.split() for s in en)
            if len(ws) >= 2 and _is_cap(ws[0]) and _is_cap(ws[-1]) and all(_is_cap(x) or x in _EN_LINK for x in ws)
        ]
        if not words:
            continue
        most = max(words)
        found = {k for k, _, _, _, n in _org_runs(zh) if n <= most}
        if found:
            out |= found - {k for k, *_ in zh_candidates(zh)}
    return frozenset(out)
