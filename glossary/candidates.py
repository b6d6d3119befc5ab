"""Monolingual term candidates: Chinese from jieba POS tags, English from a rule-based chunker.

Both return ``(key, surface)`` tuples, where the key is the variant-folded form from
:mod:`glossary.variants` and the surface is the text as written (Traditional stays
Traditional), so entries can list the forms actually seen.

* Chinese: the text is Simplified-normalised, cut by ``jieba.posseg``, and every span of 1..4
  adjacent noun-ish tokens that ends in a noun is a candidate (实体 清单 -> 实体清单, 关键 矿产,
  美国 进出口银行). Single tokens must be nouns of two or more characters.
* English: capitalised sequences with inner "of/the/and" (Export-Import Bank of the United
  States, Group of Seven), acronyms (G7, IEA), and lower-case word n-grams bounded by a
  closed-class stopword list and suffix rules (entity list, strategic reserve).
* ``中文(English)`` in Chinese text is mined directly by :func:`paren_pairs`.

Generic words (的, 表示, said, also, ...) are never candidates: see ``ZH_STOP`` / ``EN_STOP``.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache

from . import postag
from .variants import en_key, is_acronym, zh_key

log = logging.getLogger(__name__)

# Generic Chinese words: function words, reporting verbs, time words, vague nouns.
ZH_STOP = frozenset(
    """的 了 是 在 和 与 及 或 等 这 那 其 之 也 都 就 而 但 并 对 把 被 从 向 为 以 于 将 会 能 要 已 又 更
    表示 认为 指出 称 说 强调 透露 报道 表明 我们 他们 你们 它们 她们 自己 这些 那些 一些 这个 那个 这种 这样
    问题 方面 情况 时间 时候 今年 去年 明年 目前 现在 当时 之后 之前 以来 期间 方式 方法 部分 东西 事情 内容
    国家 人士 人们 工作 领域 措施 过程 结果 原因 影响 作用 能力 意义 地方 时期 年 月 日 周 天 人 事 点 次
    数据 报告 消息 新闻 记者 文章 信息 来源 摘要 标题 链接 原文 一个 一项 多个 各国 其他 此外 同时 因此 可能""".split()
)

# Generic English words: closed classes, reporting verbs, auxiliaries, vague nouns.
EN_STOP = frozenset(
    """a an the and or but nor so yet for of in on at by to from with without into onto over under about
    above below after before between through during against among across around than then as if while
    because since until unless although though whether which who whom whose what when where why how
    that this these those it its it's they them their theirs we us our ours you your he him his she her
    i me my mine one ones some any all each every both either neither no not none other others another
    such same own more most less least many much few several very too also only just even still already
    again ever never always often here there now today yesterday tomorrow
    is are was were be been being am do does did done doing have has had having will would shall should
    can could may might must need needs said says say saying told tell tells added adds according
    get gets got make makes made take takes took taken give gives gave go goes went come comes came
    see seen seem seems use used using want wants like well back up down out off away however therefore
    thus meanwhile instead rather perhaps including included include includes per via mr mrs ms dr
    year years month months week weeks day days time times people way ways thing things lot lots part
    percent official officials matter fact update updated
    first second third last next new recent recently including so-called
    monday tuesday wednesday thursday friday saturday sunday january february march april june july
    august september october november december jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)
# Vague nouns: never a term alone, but a fine part of one ("data center", "news agency", "World War").
EN_VAGUE = frozenset(
    """data information news report reports source sources article articles world number numbers issue issues
    case cases point points part parts title titles link links summary""".split()
)
EN_STOP = EN_STOP | EN_VAGUE

_ZH_NOUN = (
    "n",
    "nr",
    "ns",
    "nt",
    "nz",
    "nrt",
    "nrfg",
    "vn",
    "eng",
    "j",
    "nl",
    "ng",
    "l",
)  # l: fixed expressions (宇宙线)
_ZH_MOD = ("a", "b", "an")  # may start or sit inside a multiword term, never end it
_ZH_NUM = re.compile(r"^[一二三四五六七八九十两]+$")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_jieba_lock = threading.Lock()


@lru_cache(maxsize=1)
def _posseg():
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


# A word to teach jieba: a term (a pinned entry's Chinese) or a user dictionary's (word, freq, tag)
# line (freq None: forced to stay one token; tag None: a noun, so that it becomes a candidate).
TaughtWord = str | tuple[str, int | None, str | None]
_FORCED = 100000  # the frequency that keeps a taught word one token


def _taught(words: Iterable[TaughtWord]) -> list[tuple[str, int, str]]:
    """(key, freq, tag) of each word; a term shorter than two characters is left out (a user
    dictionary's line is taught as written)."""
    out = []
    for w in words:
        word, freq, tag = (w, None, None) if isinstance(w, str) else w
        k = zh_key(word)
        if k and (len(k) >= 2 or not isinstance(w, str)):
            out.append((k, _FORCED if freq is None else freq, tag or "nz"))
    return out


def _teach(entries: list[tuple[str, int, str]]) -> None:
    import jieba

    _posseg()
    with _jieba_lock:
        for k, freq, tag in entries:
            jieba.add_word(k, freq=freq, tag=tag)
    zh_candidates.cache_clear()
    _tokens.cache_clear()


@contextmanager
def taught_words(words: Iterable[TaughtWord]) -> Iterator[None]:
    """Teach jieba ``words`` (pinned terms, a user dictionary's lines) so they stay one token, for
    the duration of the block; then jieba's dictionary is as it was.

    jieba's dictionary is process-wide: without this, the terms pinned for one glossary (or a user
    dictionary given for it) would change how every later glossary in the same process (a library
    user's, a long-lived server's, a test session's) cuts its text. Blocks nest."""
    import jieba

    entries = _taught(words)
    whole = [k for k, _, _ in entries]
    keys = {k[: i + 1] for k in whole for i in range(len(k))}  # add_word also adds the prefixes
    if not keys:
        yield
        return
    pos = _posseg().dt
    with _jieba_lock:
        pos.makesure_userdict_loaded()  # tags taught before stay where jieba keeps them
        tok = jieba.dt
        tok.check_initialized()
        freq = {k: tok.FREQ.get(k) for k in keys}
        tags = {k: pos.word_tag_tab.get(k) for k in keys}
        total = tok.total
    _teach(entries)
    try:
        yield
    finally:
        with _jieba_lock:
            pos.makesure_userdict_loaded()
            for k, v in freq.items():
                if v is None:
                    tok.FREQ.pop(k, None)
                else:
                    tok.FREQ[k] = v
            for k, t in tags.items():
                if t is None:
                    pos.word_tag_tab.pop(k, None)
                else:
                    pos.word_tag_tab[k] = t
            tok.total = total
        zh_candidates.cache_clear()
        _tokens.cache_clear()


def read_user_dict(path: str | os.PathLike) -> list[tuple[str, int | None, str | None]]:
    """(word, freq, tag) per line of a jieba user dictionary: ``word [freq] [tag]``, UTF-8.

    Blank lines and ``#`` comments are skipped; a malformed line raises ``InputError`` naming it.
    """
    from termalign.core.errors import InputError

    out: list[tuple[str, int | None, str | None]] = []
    try:
        with open(path, encoding="utf-8-sig") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise InputError(path, f"cannot read user dictionary ({e.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(path, "user dictionary is not UTF-8") from None
    for n, line in enumerate(lines, 1):
        cols = line.split()
        if not cols or cols[0].startswith("#"):
            continue
        freq = tag = None
        rest = cols[1:]
        if rest and rest[0].isascii() and rest[0].isdigit():  # "²" is a digit to str.isdigit, not to int()
            freq, rest = int(rest[0]), rest[1:]
        if rest:
            tag, rest = rest[0], rest[1:]
        if rest or not _HAN.search(cols[0]):
            raise InputError(path, f"line {n}: expected 'word [freq] [tag]' with a Chinese word, found {line[:60]!r}")
        out.append((cols[0], freq, tag))
    return out


# The dots that part a transliterated name: the middle dot, the katakana middle dot, the bullet and the
# hyphenation point (阿比盖尔·亨特, 阿比盖尔・亨特, 阿比盖尔•亨特, 阿比盖尔‧亨特); a full stop too when it follows a name
NAME_DOTS = "·・•‧"

# After a name and its dot, the rest of the name: a name, or a noun or morpheme jieba does not read as
# a name (马赫纳兹·汗: 汗 is tagged zg, a morpheme)
_NAME_REST = ("nr", "n", "zg", "ng", "j")


_CONJUNCTIONS = frozenset("和与及")
_BEFORE_HEAD = frozenset({"n", "vn", "nz", "nt", "ns", "l", "j"})  # tags of a word an organisation's head may follow


@lru_cache(maxsize=50_000)
def _tokens(simplified: str) -> tuple[tuple[str, str, int], ...]:
    """(word, flag, start offset) with "斯科特 · 贝森特" (and "马赫纳兹 · 汗") merged into one nr token, and a
    two-character word jieba's HMM made up from a character and the conjunction after it split in two:
    锂和/nz 钴 is 锂 和 钴 ("lithium and cobalt"), 祖和/n 太老爷 is 祖 和 太老爷. 部将 ("subordinate general")
    after a noun of two characters or more is a ministry's 部 and the adverb 将 ("will"): jieba's dictionary
    holds 外交部 whole, but not 应急管理部, whose 部 it glues to the 将 after it (应急 管理 部将 派出). A word of 每
    and one character is a distributive pronoun (每吨 "per tonne", which jieba tags a noun, as 每年 and 每人 are)."""
    out: list[tuple[str, str, int]] = []
    pos = 0
    for p in _posseg().cut(simplified):
        w, f = p.word, p.flag
        if len(w) == 2 and w[1] in _CONJUNCTIONS and _HAN.match(w[0]) and not lexicon(w):
            out += [(w[0], dictionary_tag(w[0]) or f, pos), (w[1], "c", pos + 1)]
        elif w == "部将" and out and len(out[-1][0]) >= 2 and out[-1][1] in _BEFORE_HEAD:
            out += [("部", "n", pos), ("将", "d", pos + 1)]  # 应急 管理 部将 防汛: the ministry, then "will"
        elif len(w) == 2 and w[0] == "每" and _HAN.match(w[1]) and f != "r":
            out.append((w, "r", pos))  # 每吨 "per tonne" is distributive, as jieba tags 每年, 每人 and 每桶 (r)
        elif out and w in NAME_DOTS + ".．" and out[-1][1].startswith("nr"):
            out.append((w, "dot", pos))
        elif out and len(out) >= 2 and out[-1][1] == "dot" and f.startswith(_NAME_REST):
            prev = out[-2]
            out[-2:] = [(prev[0] + out[-1][0] + w, "nr", prev[2])]
        else:
            out.append((w, f, pos))
        pos += len(w)
    return tuple(t for t in out if t[1] != "dot")


def lexicon(word: str) -> bool:
    """``word`` is in jieba's dictionary (as taught for this glossary) with a frequency."""
    import jieba

    _posseg()
    jieba.dt.check_initialized()
    return bool(jieba.dt.FREQ.get(word))


def zh_tokens(text: str) -> tuple[str, ...]:
    """The jieba tokens of the (Simplified-normalised) text, as the candidates see them."""
    return tuple(w for w, _, _ in _tokens(_to_simplified(text)))


def zh_tagged(text: str) -> tuple[tuple[str, str], ...]:
    """(token, jieba POS tag) of the (Simplified-normalised) text, as the candidates see them."""
    return tuple((w, f) for w, f, _ in _tokens(_to_simplified(text)))


def zh_word_starts(text: str) -> frozenset[int]:
    """Offsets in the (Simplified-normalised) text at which a jieba token begins (男孩 手肘: 0 and 2;
    侄女儿 is one word, so 女儿 begins none)."""
    return frozenset(at for _, _, at in _tokens(_to_simplified(text)))


def _zh_ok(term: str) -> bool:
    return len(term) >= 2 and bool(_HAN.search(term)) and term not in ZH_STOP and not term[-1].isdigit()


@lru_cache(maxsize=50_000)
def zh_candidates(text: str, max_tokens: int = 4) -> tuple[tuple[str, str, int, int], ...]:
    """Chinese term candidates of ``text``: (key, surface, start, end), offsets into ``text``.

    The text is cut in its Simplified form, so 關鍵礦物 and 关键矿物 get the same key; the
    surface is sliced from the original when OpenCC kept the length (it does for t2s).
    """
    simp = _to_simplified(text)
    same_len = len(simp) == len(text)
    toks = verb_heads(modal_heads(time_nouns(aspect_verbs(glued_predicates(locative_compounds(_tokens(simp)))))))
    out: dict[tuple[int, int], tuple[str, str, int, int]] = {}
    i = 0
    while i < len(toks):
        if not _in_run(toks, i):
            i += 1
            continue
        j = i
        while j < len(toks) and _in_run(toks, j):
            j += 1
        for a in range(i, j):
            if toks[a][1] == "k":
                continue  # a suffix opens no candidate (noun_suffix)
            for b in range(a + 1, min(j, a + max_tokens) + 1):
                last = toks[b - 1][1]
                if (
                    (last in _ZH_MOD and (b - a == 1 or len(toks[b - 1][0]) < 2))
                    or last == "m"
                    or (b - a == 1 and toks[a][1] == "ng")
                ):
                    continue
                if b < j and bound_suffix(toks[b][0], toks[b][1]):
                    continue  # 尖嘴 婆: the term is 尖嘴婆, not 尖嘴
                if b - a == 1 and toks[a][1] == "eng":
                    continue  # Latin inside Chinese (G7, IEA): used by paren_pairs, not as a zh term
                s, e = toks[a][2], toks[b - 1][2] + len(toks[b - 1][0])
                if toks[a][1] == "eng" or toks[b - 1][1] == "eng":
                    continue
                if locative_end(toks[b - 1][0], last):
                    e -= 1  # 竹板 床上 -> 竹板床 (床上 alone -> 床, no run's candidate): the locative is the sentence's
                key = zh_key(simp[s:e])
                # a run's length is bounded, a word of jieba's dictionary is not (全国人民代表大会常务委员会/nt)
                if not _zh_ok(key) or (len(key) > 12 and b - a > 1) or zh_clause([(w, f) for w, f, _ in toks[a:b]]):
                    continue
                out[(s, e)] = (key, text[s:e] if same_len else simp[s:e], s, e)
        i = j
    return tuple(out.values())


# Modal verbs that are nouns too: 会 "can, will" and "meeting", 能 "can" and "energy"
_MODAL_NOUNS = frozenset("会能")


def modal_heads(toks: tuple[tuple[str, str, int], ...]) -> tuple[tuple[str, str, int], ...]:
    """``toks`` with a modal verb that closes its clause read as the noun it also is. A modal needs a verb
    after it, so 会 tagged ``v`` right after a word of two or more characters and right before punctuation
    (or the end) is no modal: it heads a noun that the word qualifies (开 斗争/vn 会/v 。 "a denouncing
    meeting", 改为 帮助/v 会/v ， "a helping meeting"). The head is retagged ``n`` and a verb before it ``b``
    (a modifier, which opens or sits inside a candidate and never ends one); a modal before a verb (我 会 去)
    or after a pronoun or adverb (我 不 会 。) is left alone."""
    out = list(toks)
    for i in range(1, len(toks)):
        w, f, s = toks[i]
        prev, pf, ps = toks[i - 1]
        if (
            w in _MODAL_NOUNS
            and f == "v"
            and (i + 1 == len(toks) or toks[i + 1][1] == "x")
            and len(prev) >= 2
            and _HAN.match(prev)
            and pf in ("n", "vn", "v")
        ):
            out[i] = (w, "n", s)
            if pf == "v":
                out[i - 1] = (prev, "b", ps)
    return tuple(out)


# What may follow a noun phrase's head verb (verb_heads): the sentence's end, the enumeration comma, 时 "when"
_PHRASE_CLOSE = frozenset({"。", "、", "时"})
# Demonstratives and quantifiers that qualify only nouns ("this kind of", "these", "other"): a verb right
# after one is the noun it also is (这种 依赖 "this dependence"); 这样 "so" and 该 "should" qualify verbs too
_NOUN_DETERMINERS = frozenset({"这种", "那种", "此类", "各种", "各类", "这些", "那些", "其他", "其它"})
# Coordinators of a list of nouns: a noun and a verb after one, closing the list, is its last member
_LIST_JOINS = frozenset({"和", "与", "及", "、"})


def verb_heads(toks: tuple[tuple[str, str, int], ...]) -> tuple[tuple[str, str, int], ...]:
    """``toks`` with a two-character verb read as the verbal noun (``vn``) it also is when it heads the
    phrase a 的 opens: right after 的 and a dictionary noun of two or more characters, and right before the
    sentence's end, an enumeration comma or 时 (or the end of the text). 拜登政府实施的 技术/n 限制/v 。
    ("technology curbs put in place by the Biden administration"), 正在进行的 政府/n 停摆/v 、 ("an ongoing
    government shutdown"), 更广泛的 技术/n 控制/v 时: a 的-phrase qualifies a noun, so what closes it is a
    noun phrase, and the noun run takes the verb. A comma after it opens the next clause (的分析人士 指出/v ，
    "analysts ... pointed out"), so the noun and verb there are a subject and its predicate and stay apart.
    The verb may head the 的-phrase alone (对中国 的 依赖/v 。 "reliance on China"), and a verb right after a
    determiner that qualifies only nouns is a noun too (这种 依赖/v 已 "this dependence has"), unless a noun,
    its object, follows it."""
    out = list(toks)
    for i in range(1, len(toks)):
        w, f, s = toks[i]
        prev, pf, _ = toks[i - 1]
        if f != "v" or len(w) != 2 or not _HAN.match(w) or w in ZH_STOP:
            continue
        closes = i + 1 == len(toks) or toks[i + 1][0] in _PHRASE_CLOSE
        if (
            (
                i >= 2
                and (
                    toks[i - 2][0] == "的"
                    or (i >= 3 and toks[i - 2][0] in _LIST_JOINS and toks[i - 3][1] in ("n", "vn"))
                )
                and pf in ("n", "vn")
                and len(prev) >= 2
                and lexicon(prev)
                and closes
            )
            or (prev == "的" and closes)
            or (
                (prev in _NOUN_DETERMINERS or (pf == "vn" and i >= 2 and toks[i - 2][0] in _NOUN_DETERMINERS))
                and (i + 1 == len(toks) or toks[i + 1][1] not in _ZH_NOUN)
            )
        ):
            out[i] = (w, "vn", s)
    return tuple(out)


# Words of time in English glosses: a word jieba tags a time word (t) whose glosses hold none is a noun
_TIME_GLOSS = frozenset(
    "time times day days week weeks month months year years era age period moment morning noon afternoon"
    " evening night midnight dawn dusk now present past future then later before after previously formerly"
    " recently recent ago today tonight tomorrow yesterday season spring summer autumn winter once when while"
    " during early late soon currently nowadays weekend monday tuesday wednesday thursday friday saturday sunday"
    " january february march april may june july august september october november december".split()
)


def time_nouns(toks: tuple[tuple[str, str, int], ...]) -> tuple[tuple[str, str, int], ...]:
    """``toks`` with a word jieba tags a time word (``t``) read as a noun when CC-CEDICT glosses it only
    as a noun that names no time, or whose first sense is such a noun in lower case: 元首/t "head of
    state", 生日/t "birthday", 青年/t "youth" (then "youthful years"). jieba's dictionary tags
    them so; 明天 "tomorrow", 过去 "(in the) past", 后来 "afterwards" and 感恩节 "Thanksgiving Day" stay
    time words, as do 正在 "in the middle of (doing sth)" and 潜在 "hidden" (no noun)."""
    from termalign.align.lexicon import senses

    out = list(toks)
    for i, (w, f, s) in enumerate(toks):
        if f != "t" or len(w) < 2 or not _HAN.match(w):
            continue
        found = senses(w)
        words = [re.findall(r"[a-z]+", x.lower()) for x in found]
        if found and (all(_names_no_time(x) for x in words) or (_names_no_time(words[0]) and found[0][:1].islower())):
            out[i] = (w, "n", s)
    return tuple(out)


def _names_no_time(words: list[str]) -> bool:
    """A sense's words name a thing that is no time: 青年's first sense "youth" (jieba tags 青年 a time word,
    for its later sense "youthful years"), so 青年失业率 / "youth unemployment rate" is one noun run."""
    return bool(words) and words[0] != "to" and not _TIME_GLOSS & set(words) and _can_be_noun(words[-1])


# locatives that jieba's dictionary glues to the noun character before them (门前 "in front of the door", 屋里)
_LOCATIVES = frozenset("上里中下内前后外边旁")


def locative_compounds(toks: tuple[tuple[str, str, int], ...]) -> tuple[tuple[str, str, int], ...]:
    """``toks`` with a one-character word and a place word (``s``) that is a noun character and a locative
    read as the two-character noun the first two make and the locative: 角/n 门前/s ("up to one of the
    side entrances") is 角门 "side entrance" and 前, 东/ns 屋里/s is 东屋 "east wing" and 里. jieba's
    dictionary holds the noun character with its locative (门前 "in front of the door"), so the compound
    before it was cut apart, and a one-character noun or adjective is no term alone. The place word must
    be no noun of its own (:func:`place_noun`: 胸口 "chest" stays), its noun character a noun of jieba's
    dictionary and more common than the place word (as :func:`locative_end`), and the word before it a
    noun, an adjective or a name of one character."""
    import jieba

    out = list(toks)
    for i in range(len(toks) - 1):
        w, f, s = toks[i]
        w2, f2, s2 = toks[i + 1]
        if (
            len(w) == 1
            and _HAN.match(w)
            and f in ("n", "a", "b", "ns")
            and f2 == "s"
            and len(w2) == 2
            and w2[1] in _LOCATIVES
            and lexicon(w2)
            and not place_noun(w2, f2)
            and dictionary_tag(w2[0]) == "n"
            and jieba.dt.FREQ.get(w2[0], 0) > jieba.dt.FREQ.get(w2, 0)
        ):
            out[i : i + 2] = [(w + w2[0], "n", s), (w2[1], "f", s2 + 1)]
    return tuple(out)


def glued_predicates(toks: tuple[tuple[str, str, int], ...]) -> tuple[tuple[str, str, int], ...]:
    """``toks`` with a noun token that CC-CEDICT lacks cut into the noun and the verb it is made of, when
    CC-CEDICT has both and jieba's dictionary tags them so: 稀土 矿藏分布/n 全球 ("rare earth deposits are
    spread out around the world") is 矿藏 "deposit" and its predicate 分布 "to be distributed", so the noun
    run is 稀土矿藏, not 稀土矿藏分布."""
    from termalign.align.lexicon import is_headword

    out: list[tuple[str, str, int]] = []
    for w, f, s in toks:
        k = len(w) - 2
        if (
            len(w) >= 4
            and f == "n"
            and _HAN.fullmatch(w[0])
            and not is_headword(w)
            and is_headword(w[:k])
            and is_headword(w[k:])
            and (dictionary_tag(w[:k]) or "").startswith("n")
            and dictionary_tag(w[k:]) == "v"
        ):
            out += [(w[:k], "n", s), (w[k:], "v", s + k)]
        else:
            out.append((w, f, s))
    return tuple(out)


_ASPECT_MARKS = frozenset("了着过")


def aspect_verbs(toks: tuple[tuple[str, str, int], ...]) -> tuple[tuple[str, str, int], ...]:
    """``toks`` with a noun that takes an aspect particle read as the verb it is, when CC-CEDICT gives it
    only verb senses: 在 东京 会见/n 了 日本财务大臣 ("met the finance minister of Japan in Tokyo") holds no
    noun 东京会见. A noun that CC-CEDICT also gives a noun sense keeps its tag (开 晚饭/n 了 "supper had
    started": 了 closes the sentence there)."""
    from termalign.align.lexicon import verbal_only

    out = list(toks)
    for i in range(len(toks) - 1):
        w, f, s = toks[i]
        if f in ("n", "vn") and toks[i + 1][0] in _ASPECT_MARKS and toks[i + 1][1].startswith("u") and verbal_only(w):
            out[i] = (w, "v", s)
    return tuple(out)


# Tokens that end a clause, not a term: 时 "when" (闲话时), 一事 "the matter of" (田地一事)
_ZH_CLAUSE_END = frozenset({"时", "之时", "一事", "之际", "之后", "之前", "以后", "以前"})
_ASPECT_INSIDE = re.compile(r".[着了过].")  # 抿着嘴: a verb with its aspect particle, then its object
_ABB = re.compile(r"^.*(.)\1$")  # 叶哗哗, 砰砰: a reduplicated syllable describes a sound or a manner


def zh_clause(toks: Sequence[tuple[str, str]]) -> bool:
    """The tokens (word, jieba tag) of a candidate read as a clause or a phrase, not a term.

    jieba tags many words of narrative text as nouns, so a noun run can be a piece of a sentence:
    a name and then an adjective or adverb (王二 根本, "Wang Er did not at all"), a one-character
    noun and then an adjective (人 柔媚, "she is charming"), a quantity with its measure word (三两
    银子 "three taels of silver", 二十两), a reduplicated sound word (砰砰 声响, 叶哗哗), a verb
    with its aspect particle inside (抿着嘴), a time clause (闲话时) or a negated predicate at the end
    (空山 无人, :func:`negated_predicate`). Terms keep their numerals
    as names (七国集团, 七大工业国), and a two-character adjective may end one (环境有害)."""
    if not toks:
        return False
    words = [w for w, _ in toks]
    key = "".join(words)
    if _ASPECT_INSIDE.search(key) and not any(len(w) >= 2 and w[0] in "着了过" for w in words):
        return True
    if words[-1] in _ZH_CLAUSE_END and len(words) > 1:
        return True
    if len(toks) > 1 and negated_predicate(*toks[-1]):
        return True
    for n, (w, f) in enumerate(toks):
        nxt = toks[n + 1][1] if n + 1 < len(toks) else ""
        if f.startswith("nr") and nxt.startswith(("a", "d")):
            return True
        if len(w) == 1 and f == "n" and n == 0 and nxt.startswith("a"):
            return True
        if f == "m" and len(w) >= 2 and w[-1] in _MEASURE:
            return True
        if len(w) >= 2 and _ABB.match(w) and w[-1] not in _KIN and _HAN.match(w) and (len(w) >= 3 or len(toks) > 1):
            return True
    return False


_NEGATORS = frozenset("无没不未")


def negated_predicate(word: str, flag: str) -> bool:
    """``word`` (tagged ``flag`` in context) is a negated predicate, which ends a clause, not a term:
    the existential 无 / 没 ("there is no") with a one-character object (空山 无人 "the mountain is
    empty of people", 酸软 无力 "weak and without strength"), or a negator opening a verb, adjective
    or set phrase (银子 不打紧 "the silver does not matter", 韦小宝 不服气). Jieba tags 无人 and 无力
    nouns. A negated noun that heads a term is longer or no predicate (无人机 "drone", 不动产 "real
    estate"), and 非 ("non-", 非营利, 非洲) is left alone."""
    if not word or word[0] not in _NEGATORS or len(word) < 2:
        return False
    return (len(word) == 2 and word[0] in "无没") or flag.startswith(("l", "v", "a", "d"))


# 姑奶奶, 老太太, 刘老老: kinship words double a syllable too
_KIN = frozenset("爸妈奶爷姐哥弟妹叔姑姨婶舅婆公太娘伯宝老")
_MEASURE = frozenset("两个件只条位名本张次斤尺寸丈里亩担石升斗匹头口把根枝朵块元文钱贯串")


# jieba's dictionary tags of function words and verbs: adverbs, verbs (and verbal nouns), prepositions,
# conjunctions, particles, locatives, pronouns, measure words, numerals, time words, modal and
# interjection words (先 d, 将 d, 斗 vn, 出 v). A word jieba guesses from such characters only is no noun.
_FUNCTION_TAGS = ("d", "v", "p", "c", "u", "f", "r", "q", "m", "t", "y", "e", "o")
_LOCATIVE_END = frozenset("上里中下内")
# conjunctions and particles (所 c, 和 c, 着 uz, 了 ul, 之 u): at the edge of a word jieba's HMM made up, such a
# character is the sentence's grammar, not part of a name or a term (:func:`hmm_glue`)
_GLUE_EDGE_TAGS = ("c", "u")


def dictionary_tag(word: str) -> str | None:
    """The POS tag jieba's dictionary (as taught for this glossary) gives ``word``; None when it has none."""
    return _posseg().dt.word_tag_tab.get(word) if lexicon(word) else None


def hmm_glue(word: str) -> bool:
    """``word`` is a token jieba's HMM made up (no word of its dictionary) from characters the dictionary
    knows only as function words or verbs: 先将 (先 d, 将 d: "first ... took") in 的/uj 先将/n 刘老老/nr,
    斗出 (斗 vn, 出 v: "thrust out") in 手肘/n 斗出/vn. The HMM tags such a guess a noun, and the noun run
    glued an adverb or a verb to the term beside it (先将刘老老 / "Grannie Liu's antecedents", 手肘斗出 /
    "left fist"); it breaks the run instead. A made-up word with a character the dictionary knows as
    anything else (a surname morpheme, a noun, an adjective: 刘老老, 周瑞家, 狗儿, 贾蓉, 贝森特) is left alone:
    most names are such guesses, unless it opens or ends in a character the dictionary knows only as a
    conjunction or a particle (:data:`_GLUE_EDGE_TAGS`): 幻所 in 同/p 领警/n 幻所/n 训之事/i ("to share
    what [警幻] Disenchantment taught": 所 c marks the verb after it) was 幻所 / "Disenchantment". The
    characters of transliterated names are none of these (尔 nr, 特 d, 斯 nr, 因 p, 顿 q), while 所, 和,
    着, 了 and 之 are. Not cached: a taught word enters the dictionary."""
    if len(word) < 2 or lexicon(word) or not _HAN.match(word):
        return False
    tags = [dictionary_tag(ch) for ch in word]
    if any(t is not None and t.startswith(_GLUE_EDGE_TAGS) for t in (tags[0], tags[-1])):
        return True
    return all(t is not None and t.startswith(_FUNCTION_TAGS) for t in tags)


def locative_end(word: str, flag: str) -> bool:
    """``word`` (tagged ``flag`` in context) is a noun character and a locative (床上 "on the bed", 队里 "in
    the team") that jieba's dictionary keeps as one noun: at the end of a longer candidate the locative
    belongs to the sentence, not to the term, which is cut before it (竹板/n 床上/n -> 竹板床 / "bamboo
    bed", not 竹板床上), and alone it is no run's candidate: "sitting on the bed" paired 床上 with "bed" in five
    sentences of MAC-Dev 001-003; the noun character alone is left to the one-character rule. A word more common in the dictionary than its noun alone is a word of its own
    (皇上 "the Emperor": 10,776 against 3,844 for 皇), and a name (美中 ns) is left alone."""
    import jieba

    if flag != "n" or len(word) != 2 or word[1] not in _LOCATIVE_END or not lexicon(word):
        return False
    return dictionary_tag(word[0]) == "n" and jieba.dt.FREQ.get(word[0], 0) > jieba.dt.FREQ.get(word, 0)


def bound_suffix(word: str, flag: str) -> bool:
    """``word`` is a one-character morpheme (jieba's ``ng``) that binds to the noun before it: 婆 of
    尖嘴婆 ("the vixen", 尖嘴 alone is "a pointed mouth"), 子 of 地租子. Inside a noun run no candidate
    ends before it: the word without its suffix is another word or none. 时 ("when": 闲话时) is left
    out: it closes a clause, not a word (:func:`zh_clause`)."""
    return flag == "ng" and len(word) == 1 and word != "时"


def clause_expression(word: str, flag: str) -> bool:
    """``word`` is a fixed expression (jieba's ``l``) whose last word in jieba's dictionary is a verb, an
    adverb, a pronoun or another function word (:data:`_FUNCTION_TAGS`): 爬起来 ("got up": 起来 v), 没什么
    ("nothing": 什么 r), 哈哈大笑 ("laughed heartily": 大笑 v), 差不多 (不多 m). Such an expression is a
    clause or a predicate, not a noun, and the noun run stops at it; one that ends in a noun (好奇心
    "curiosity", 几句话, 发言人, 再生能源) stays a candidate, as does one whose end jieba knows as
    nothing of these (五花大绑: 绑 zg). The last word is the longest proper suffix the dictionary has."""
    if flag != "l" or len(word) < 2:
        return False
    end = next((word[n:] for n in range(1, len(word)) if lexicon(word[n:])), None)
    tag = dictionary_tag(end) if end else None
    return tag is not None and tag != "vn" and tag.startswith(_FUNCTION_TAGS)


def noun_suffix(toks: Sequence[tuple[str, str, int]], i: int) -> bool:
    """``toks[i]`` is a suffix (jieba's ``k``) that closes the noun before it into another noun: 传教士/n 式/k
    ("missionary position"), 出席/v 者/k has no noun before it. The plural 们 (知青们) is the sentence's
    number, not a new term."""
    w, f, _ = toks[i]
    return f == "k" and w != "们" and i > 0 and toks[i - 1][1] in _ZH_NOUN and len(toks[i - 1][0]) >= 2


def place_noun(word: str, flag: str) -> bool:
    """``word``, which jieba tags a place word (``s``), is a noun: every sense CC-CEDICT gives it is a noun
    phrase (its last word lemminflect reads as a noun only), none a phrase with a preposition, a verb
    ("to ...") or a clause. jieba's ``s`` holds nouns of places and body parts (胸口 "chest", 腋下
    "armpit", 路旁 "roadside") beside a noun and its locative (脸上 "on the face", 门前 "in front of the
    door", 街上 "on the street"), which is the sentence's and no term: only the dictionary tells them apart."""
    if flag != "s" or len(word) < 2:
        return False
    from lemminflect import getAllLemmas

    from termalign.align.lexicon import senses

    heads = []
    for sense in senses(word):
        words = re.sub(r"\([^)]*\)", " ", sense).lower().split()
        if not words or words[0] in _SENSE_OPEN:
            return False
        heads.append(re.sub(r"[^a-z-]", "", words[-1]))
    return bool(heads) and all(set(getAllLemmas(h)) == {"NOUN"} for h in heads)


# a sense that opens with one of these is a phrase of the sentence, not a noun ("on the street", "to go")
_SENSE_OPEN = frozenset(
    """to in on at inside outside within over under behind before after beside by near among from of
    it one one's sb sth""".split()
)


def _in_run(toks: Sequence[tuple[str, str, int]], i: int) -> bool:
    w, f, _ = toks[i]
    if hmm_glue(w) or clause_expression(w, f):
        return False
    if f in _ZH_NOUN or f in _ZH_MOD or noun_suffix(toks, i) or place_noun(w, f):
        return True
    # 七 in 七大工业国, 七国集团: a Chinese numeral opening a noun run
    return f == "m" and bool(_ZH_NUM.match(w)) and i + 1 < len(toks) and toks[i + 1][1] in _ZH_NOUN + _ZH_MOD


def _to_simplified(text: str) -> str:
    from termalign.text.segment import to_simplified

    return to_simplified(text)


# ---------------------------------------------------------------- English

# a word, with a "+" or "++" closing it as part of its name (OPEC+, Disney+, C++), or one other character
_EN_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[A-Za-z0-9]+(?:[-'’&][A-Za-z0-9]+)*(?:\+{1,2}(?![\w+]))?|[^\sA-Za-z0-9]")
_CONNECT = frozenset({"of", "the", "and", "for", "de", "&", "on"})
_NUMWORD = frozenset("one two three four five six seven eight nine ten twenty".split())


# "Mr. Campbell": what follows is a name, not a sentence start; "Mrs Zhou" is a candidate beside "Zhou",
# paired only with a Chinese name and title (glossary.pairing.titled_ok). "Sir" is left out: with it
# 贾二 (of 贾二老爷, "the two Sir Jias") paired with "Jias" at 0.75 on MAC-Dev 001-003.
HONORIFIC = frozenset("mr mrs ms miss dr prof".split())
_NAME_SUFFIX = frozenset("jr sr".split())  # "Joseph R. Biden Jr.": not part of the name's key
_NOSTART = "\x00"  # marks an honorific ("\x00Mrs"): the next word is no sentence start
_COORD = frozenset({"and", "&"})


# an auxiliary or a pronoun with its clitic (didn't, can't, he'd, you're, we've, I'll, I'm): a verb form, no
# part of a term ("Misty didn't" was a candidate, and 非要不可 / "Misty didn't" an entry of MAC-Dev 001-003).
# The possessive 's is another matter (:func:`_split_possessives`); O'Neill and D'Arcy end in none of these.
_CLITIC = re.compile(r"(?:n['’]t|['’](?:re|ve|ll|d|m))$", re.IGNORECASE)


def _clitic(w: str) -> bool:
    """``w`` ends in a verb's clitic (:data:`_CLITIC`); the apostrophe is looked for first, as most words
    have none."""
    return ("'" in w or "’" in w) and _CLITIC.search(w) is not None


def _word_ok(w: str, final: bool) -> bool:
    lw = w.lower()
    if (lw in EN_STOP and (final or lw not in EN_VAGUE)) or not w[0].isalpha() or len(w) < 2:
        return False
    if _clitic(lw):
        return False
    if final and ((_adverb_or_past(lw) and not _known_noun(lw)) or not _can_be_noun(lw)):
        return False
    if any(c.isdigit() for c in w) and not is_acronym(w):
        return False
    return True


def stop_key(key: str, surface: str) -> bool:
    """A candidate's key is a stop word (:data:`EN_STOP`) as the text writes it. The stop list holds
    written forms, so a plural the text writes is judged by itself, not by its singular key: "mines"
    (key "mine", the pronoun) and "matters" are nouns, while "ones", "others" and "officials" are
    listed as written. Only the letters count: "U.S." is written as the key "US" ("us") is."""
    low = key.lower()
    if low not in EN_STOP:
        return False
    written = surface.lower()
    return written in EN_STOP or re.sub(r"[^a-z]", "", written) == re.sub(r"[^a-z]", "", low)


_POSSESSIVES = frozenset("my your his her its our their".split())


def _possessed_plural(before: str, span: Sequence[str]) -> bool:
    """``span`` is a noun phrase whatever lemminflect knows its last word as: a possessive determiner
    (``before``) opens it, adjectives follow, and the last word has a plural's -s. After "my green" a
    word is the noun the determiner owns, not a verb: "in my green fatigues" (黄军装), where lemminflect
    knows "fatigues" only as a verb's -s form and the chunk ended no term."""
    last = span[-1].lower()
    return (
        before.lower() in _POSSESSIVES
        and len(span) >= 2
        and all(adjective(w) for w in span[:-1])
        and last.endswith("s")
        and not last.endswith("ss")
        and last.isalpha()
    )


def _adjective_before_cap(chunk: Sequence[str], toks: Sequence[str], j: int) -> bool:
    """The lower-case chunk ends in an adjective (:func:`adjective`) right before ``toks[j]``, one capitalised
    word that no other capitalised word follows: "my little Buddha" (小和尚), where the capital stops the
    lower-case chunk and the capitalised span starts after the adjective, so neither held the two. A
    longer capitalised span is a name of its own ("old Wang Er"), which keeps its own candidates."""
    if not chunk or j >= len(toks) or not chunk[-1].islower() or not adjective(chunk[-1]):
        return False
    w = toks[j]
    return (
        _is_cap(w)
        and w.isalpha()
        and w.lower() not in EN_STOP
        and not is_acronym(w)
        and (j + 1 >= len(toks) or not _is_cap(toks[j + 1]))
    )


# Stop words that open a name when a capitalised word follows, at a sentence start too ("New Zealand won")
NAME_OPENERS = frozenset({"new"})


def _name_opener(toks: Sequence[str], i: int) -> bool:
    """``toks[i]``, a capitalised stop word at a sentence start, opens the name that the next capitalised
    word goes on with: "New Zealand won the America's Cup" gives "New Zealand", not "Zealand". Elsewhere
    the capital says so already; at a sentence start only the words of :data:`NAME_OPENERS` do ("The
    White House" keeps "White House")."""
    return (
        toks[i].lower() in NAME_OPENERS
        and i + 1 < len(toks)
        and _is_cap(toks[i + 1])
        and toks[i + 1].lower() not in EN_STOP
    )


# Stop words that are nouns too after a noun or an adjective: "a lithium mine" (the pronoun never follows
# one: "of mine", "is mine")
_NOUN_HOMOGRAPHS = frozenset({"mine"})


def _noun_homograph(word: str) -> bool:
    return word.lower() in _NOUN_HOMOGRAPHS


def _vague_head(span: Sequence[str]) -> bool:
    """A vague noun (:data:`EN_VAGUE`) heads ``span`` after a word lemminflect knows as a noun and not as an
    adjective: "government work report", "court case" name a kind of report or case; "the whole world" and
    "a small part" do not, and a vague noun alone is still no candidate."""
    from lemminflect import getAllLemmas

    if span[-1].lower() not in EN_VAGUE:
        return False
    prev = getAllLemmas(span[-2].lower())
    return "NOUN" in prev and "ADJ" not in prev


@lru_cache(maxsize=100_000)
def _degree_adverb(span: Sequence[str]) -> bool:
    """``span`` opens with an adverb in -ly that qualifies the adjective after it, and a noun follows:
    "moderately prosperous society" (小康社会), "highly enriched uranium", "genetically modified crops".
    The adverb belongs to the term; "moderately prosperous" alone ends in an adjective and stays out."""
    from lemminflect import getAllLemmas

    if len(span) < 3:
        return False
    adv, adj = span[0].lower(), span[1].lower()
    return (
        adv.endswith("ly")
        and set(getAllLemmas(adv)) == {"ADV"}
        and ("ADJ" in getAllLemmas(adj) or (adj.endswith("ed") and "VERB" in getAllLemmas(adj)))
    )


@lru_cache(maxsize=100_000)
def _irregular_past(word: str) -> bool:
    """``word`` is the simple past of another verb that is a noun too: "fell" (fall), "rose" (rise),
    "left" (leave), "saw" (see), "found" (find), "led" (lead). Regular -ed forms are left to
    :func:`_adverb_or_past`."""
    from lemminflect import getAllLemmas, getInflection

    lw = word.lower()
    if lw.endswith("ed") or lw in EN_STOP:
        return False
    verbs = getAllLemmas(lw).get("VERB", ())
    return any(v != lw and lw in getInflection(v, tag="VBD") for v in verbs)


@lru_cache(maxsize=100_000)
def _plural_noun(word: str) -> bool:
    """``word`` (lower case) is a plural noun by lemminflect: a noun whose lemma differs, ending in -s."""
    from lemminflect import getAllLemmas

    nouns = getAllLemmas(word).get("NOUN", ())
    return bool(nouns) and word not in nouns and word.endswith("s")


def _subject_verb(toks: Sequence[str], i: int) -> bool:
    """``toks[i]``, a sentence's first word, is a plural noun, its subject, and the word after it the verb,
    in the base form that agrees with it (:func:`_agrees`) and before its object (an article, a pronoun or
    an adjective): "Scientists study cosmic rays", "Vaccines train the immune system". Such a noun and
    verb made the candidates "scientists study" and "vaccines train" (疫苗训练). A noun after the two
    may make one compound of all three ("Minerals supply chains are ..."), which is left whole."""
    from lemminflect import getAllLemmas

    if i + 2 >= len(toks) or not toks[i + 1].islower() or not toks[i + 2][:1].isalpha():
        return False
    noun, verb, nxt = toks[i].lower(), toks[i + 1], toks[i + 2]
    if not _plural_noun(noun) or not _agrees(noun, verb):
        return False
    if nxt.lower() in _OBJECT_DETERMINERS or nxt.lower() in _OBJECT_PRONOUNS:
        return True
    readings = getAllLemmas(nxt.lower())
    return nxt.lower() not in EN_STOP and "ADJ" in readings and "NOUN" not in readings


def _past_predicate(toks: Sequence[str], j: int) -> bool:
    """``toks[j]`` is the past-tense verb of the clause whose subject is the noun before it, not that noun's
    head: "Inflation fell to two percent", "Lithium prices fell sharply", "oil prices rose". It is an
    irregular past (:func:`_irregular_past`) after a word lemminflect knows as a noun and not as an
    adjective ("a wild rose" keeps its noun), and no noun follows it ("prices rose sharply", "fell to")."""
    from lemminflect import getAllLemmas

    if j == 0 or not _irregular_past(toks[j]):
        return False
    prev = getAllLemmas(toks[j - 1].lower())
    if "NOUN" not in prev or "ADJ" in prev:
        return False
    nxt = toks[j + 1].lower() if j + 1 < len(toks) else "."
    return (
        not nxt[:1].isalpha()
        or nxt in EN_STOP
        or nxt in _PREPOSITIONS
        or set(getAllLemmas(nxt)) <= {"ADV", "ADJ", "NUM"}
    )


_MODALS = frozenset("would could will can may might must should shall cannot".split())
_MODAL_SKIP = frozenset("not also still only then never".split())


def _after_modal(toks: Sequence[str], i: int) -> bool:
    """``toks[i]`` follows a modal verb (an adverb like "not" or "also" may sit between): it is the verb
    the modal governs, so the chunk it opens is a verb and its object ("would spread artificial
    intelligence", "would cut emissions"), not a term. A modal read as a noun after a determiner ("a
    can opener", "the will of") governs nothing."""
    k = i - 1
    while k >= 0 and toks[k].lower() in _MODAL_SKIP:
        k -= 1
    return k >= 0 and toks[k] in _MODALS and not (k > 0 and toks[k - 1].lower() in _DETERMINERS)


@lru_cache(maxsize=100_000)
def _finite_verb(word: str) -> bool:
    """``word`` is a verb's -s form that lemminflect knows as nothing else ("allows", "accelerates"): the
    verb of a clause, which no name runs into ("the Foreign Trade Law allows countermeasures" gives no
    "Trade Law allows countermeasures", :func:`_cap_then_lower`; lower-case chunks read the tagger,
    :func:`_predicate_after_noun`). Capitalised words are names."""
    from lemminflect import getAllLemmas

    if not word.islower() or not word.endswith("s") or word.endswith("ss") or not _verb_only(word):
        return False
    return word not in getAllLemmas(word)["VERB"]


@lru_cache(maxsize=100_000)
def _verb_only(word: str) -> bool:
    """lemminflect knows ``word`` as a verb form and as nothing else ("refilling", "stopped", "imposed")."""
    from lemminflect import getAllLemmas

    readings = getAllLemmas(word)
    return bool(readings) and set(readings) == {"VERB"}


def _predicate_after_noun(toks: Sequence[str], j: int, tags: Sequence[str]) -> bool:
    """``toks[j]``, a lower-case word right after a common noun, is the verb of a clause whose subject that
    noun ends, as the part-of-speech tagger reads the sentence (``tags``, :func:`glossary.postag.tags`): a
    finite verb ("overuse of antibiotics accelerates antimicrobial resistance", "the statistics bureau
    stopped publishing", "delivery riders lack social insurance", "the drug targets the spike protein").
    Out of context lemminflect cannot tell "lack" or "targets" from a noun, and it took "fatigues" in "my
    green fatigues" for a verb. A present form without its -s (VBP) counts only before what opens an
    object or a complement: the tagger reads some compounds as a subject and its verb ("the cattle/NNS
    pen/VBP in the morning", "a G7 leaders/NNS summit/VBP in Canada"), and there the compound goes on.
    Participles ("the magnets used in cars", "newly enriched uranium") are no finite verbs. Nor is an -s
    form whose "object" a finite verb follows: that noun phrase is the subject of a relative clause and the
    -s form a plural noun ("the export controls the US imposed hurt": :func:`_relative_after`)."""
    if not toks[j].islower() or tags[j] not in _FINITE_TAGS or tags[j - 1] not in ("NN", "NNS"):
        return False
    if tags[j] == "VBZ":
        return not _relative_after(tags, j + 1)
    return tags[j] != "VBP" or (j + 1 < len(tags) and tags[j + 1] in _OBJECT_TAGS)


_NP_TAGS = frozenset({"JJ", "NN", "NNS", "NNP", "NNPS", "CD", "PRP$", "POS"})
_CLAUSE_VERB_TAGS = frozenset({"VBD", "VBZ", "VBP", "MD"})


def _relative_after(tags: Sequence[str], k: int) -> bool:
    """A noun phrase opened by a determiner starts at token ``k`` and a finite verb follows it: the phrase
    is the subject of a clause ("the US imposed", "the company makes"), not an object."""
    if k >= len(tags) or tags[k] != "DT":
        return False
    k += 1
    while k < len(tags) and tags[k] in _NP_TAGS:
        k += 1
    return k < len(tags) and tags[k] in _CLAUSE_VERB_TAGS


_FINITE_TAGS = frozenset({"VBZ", "VBP", "VBD"})
# what opens a verb's object or complement: "riders lack social insurance", "prices rise sharply"
_OBJECT_TAGS = frozenset({"DT", "JJ", "JJR", "JJS", "NN", "NNS", "PRP", "PRP$", "CD", "RB", "VBN", "TO"})


def _adverb_or_past(word: str) -> bool:
    """``word`` is shaped like an adverb (-ly) or a past form (-ed, longer than four letters), which
    ends no term as a chunk's last word ("laughed quite heartily", "the controls imposed"), unless
    it is a noun (:func:`_known_noun`)."""
    return word.endswith("ly") or (word.endswith("ed") and len(word) > 4)


@lru_cache(maxsize=100_000)
def _known_noun(word: str) -> bool:
    """lemminflect knows ``word`` as a noun and not as an adverb, whatever its ending: "gully",
    "monopoly", "family" in -ly and "seabed", "speed", "watershed" in -ed head noun chunks as any
    noun does; "daily" (also an adverb) stays out, and so does "supply", which lemminflect also
    lists as an adverb. A number word ("hundred") is no head of a term."""
    from lemminflect import getAllLemmas

    readings = getAllLemmas(word)
    return "NOUN" in readings and "ADV" not in readings and word not in _NUMBERS


def syllable_name(word: str) -> bool:
    """``word`` is a capitalised two-letter pinyin syllable: how a translation spells a one-syllable
    Chinese surname or name (Wu of 老吴 "old Wu", Li, Xu, Yu). Other capitalised two-letter words are
    too short to be a name alone ("Ah", "Oh"); those the stop list holds ("He", "An") stay out.
    :func:`en_candidates_marked` takes such a word only as a name of its own (:func:`_alone`), not the
    surname inside a longer name, which is the candidate there (as before)."""
    from .pinyin import is_syllable

    return len(word) == 2 and word[0].isupper() and word[1].islower() and is_syllable(word)


def _alone(span: Sequence[str], i: int) -> bool:
    """Word ``i`` of a capitalised span is a name by itself: no capitalised word right before or after it
    ("old Wu and the Wen brothers": Wu; "Ye Wenjie": not Ye)."""
    return (i == 0 or span[i - 1].lower() in _CONNECT) and (i + 1 == len(span) or span[i + 1].lower() in _CONNECT)


@lru_cache(maxsize=100_000)
def _can_be_noun(word: str) -> bool:
    """A term ends in a noun: False for a word lemminflect knows only as a verb, adjective or adverb
    ("laughed quite", "boy leapt astride"); words it does not know pass. A participle that opens a
    clause ("powerful magnets containing them") is told by its context: :func:`_participle`. A
    hyphenated word it does not know is read as its last part, the compound's head: "hand-warmer",
    "son-in-law" and "widow-woman" can be nouns, "half-knelt" and "home-made" cannot (knelt, made:
    verbs only); a name's pinyin ("xi-feng") is unknown to it and passes."""
    from lemminflect import getAllLemmas

    if word.endswith("ing"):
        return True  # a gerund is a noun: processing, mining, licensing, refining
    readings = getAllLemmas(word)
    if not readings and "-" in word:
        return _can_be_noun(word.rsplit("-", 1)[1])
    if not readings and word.startswith(_NEGATIONS):
        # a negated word lemminflect does not know reads as its base: "uncompetitive" is an adjective
        # ("made many international projects uncompetitive"), as "competitive" is
        readings = getAllLemmas(word[2:] if word.startswith("un") else word[3:])
    return not readings or "NOUN" in readings or "PROPN" in readings


_NEGATIONS = ("un", "non")


@lru_cache(maxsize=100_000)
def _can_start(word: str) -> bool:
    """A term does not start with a word lemminflect knows only as a verb or an adverb ("impose strict
    export controls" gives "export controls", not "impose strict export"); words it does not know pass."""
    from lemminflect import getAllLemmas

    if word.endswith(("ing", "ed")):
        return True  # a participle modifies a noun: "licensing system", "mining companies", "enriched uranium"
    readings = getAllLemmas(word)
    return not readings or not set(readings) <= {"VERB", "ADV", "AUX"}


_RELATIVE = frozenset({"that", "which", "who"})


@lru_cache(maxsize=100_000)
def _agrees(noun: str, word: str) -> bool:
    """``word`` can be a verb in the present tense that agrees with ``noun`` as its subject: the base
    form after a plural noun ("magnets" + "power"), the -s form after a singular one ("company" + "makes").
    False when lemminflect knows ``noun`` only as something else than a noun ("all", "is")."""
    from lemminflect import getAllLemmas

    nouns, verbs = getAllLemmas(noun).get("NOUN"), getAllLemmas(word).get("VERB")
    if not nouns or not verbs:
        return False
    if noun not in nouns:  # a plural: its lemma differs
        return word in verbs
    return word.endswith("s") and word not in verbs


def _clause_verb(toks: Sequence[str], i: int) -> bool:
    """``toks[i]`` is the verb of a relative clause: "magnets that power wind turbines", "companies
    that market new ...", or of a reduced one (:func:`_participle`: "magnets containing rare earths").
    The chunk it opens is the verb and its object ("power wind turbines"), so no term starts there.
    A determiner "that" ("all that stuff", "eunuch that evening") is left alone: its noun does not
    agree as a verb with the word before it."""
    if i >= 2 and toks[i - 1].lower() in _RELATIVE and _agrees(toks[i - 2].lower(), toks[i].lower()):
        return True
    return 1 <= i < len(toks) - 1 and (
        _participle(toks[i - 1], toks[i], toks[i + 1]) or _takes_object(toks[i - 1], toks[i], toks[i + 1])
    )


_DETERMINERS = frozenset(
    "a an the this that these those its their his her our my your some any every each no all both many several much".split()
)
# What opens a participle's object: "containing the ...", "chasing its own tail", "containing them"
_OBJECT_START = _DETERMINERS | frozenset("them him it us me".split())
# After a gerund these go on with the term's own phrase ("rare earth mining in Myanmar", "opening up")
_PREPOSITIONS = frozenset(
    """for of in on at by to from with without into onto over under about above below after before between
    through during against among across around than as up out down off""".split()
)


@lru_cache(maxsize=100_000)
def _participle(prev: str, word: str, nxt: str) -> bool:
    """``word`` is a present participle that opens a reduced relative clause on the noun ``prev``
    ("magnets containing rare earths", "a Mrs Zhou living here", "a puppy chasing its own tail"), not
    a gerund that modifies or heads a noun chunk ("rare earths licensing system", "rare earth mining
    in Myanmar"): lemminflect knows it as a verb's -ing form, ``prev`` can be a noun or is a name
    it does not know, and ``nxt`` opens the clause's object or is an adverb: a determiner or a
    pronoun, or a word lemminflect knows only as an adjective or adverb and no preposition. A noun
    after the -ing word says nothing ("mining companies", "containing neodymium"): that chunk is left
    as it is."""
    from lemminflect import getAllLemmas

    lp, ln = prev.lower(), nxt.lower()
    if not gerund(word) or not prev[:1].isalpha() or not nxt[:1].isalpha() or lp in EN_STOP:
        return False
    if not _can_be_noun(lp):
        return False
    readings = getAllLemmas(ln)
    if ln in _OBJECT_START:
        return True
    return bool(readings) and set(readings) <= {"ADJ", "ADV"} and ln not in _PREPOSITIONS


# An object pronoun follows a verb or a preposition and opens no clause: "a vixen hit me". "that",
# "this" and the quantifiers are left out: as often they open a relative clause or a time ("the
# supply that China controls", "exports this year"); so are "you", also a subject, and "her", also a
# possessive (:data:`_OBJECT_DETERMINERS`).
_OBJECT_PRONOUNS = frozenset("me him us them it himself herself themselves myself ourselves itself".split())
# An article or a possessive may open an object ("round the boy's waist") as well as a relative clause
# on the noun before it ("the exam paper the teacher set", "the export controls the US imposed")
_OBJECT_DETERMINERS = frozenset("a an the his her their my our its".split())
# Prepositions that EN_STOP lacks, so a chunk could run through them ("left foot round the boy's waist")
_MORE_PREPOSITIONS = frozenset(
    """round past inside outside behind near along beside besides toward towards upon within beyond beneath
    underneath opposite aboard amid amidst throughout unlike despite except""".split()
)


@lru_cache(maxsize=100_000)
def _takes_object(prev: str, word: str, nxt: str) -> bool:
    """``word`` is a verb or a preposition with its object, not the head of the noun chunk that ends in
    ``prev`` (which can be a noun): lemminflect knows "hit" and "round" as nouns too, so "the vixen hit
    him" gave "vixen hit" (尖嘴婆) and "his left foot round the boy's waist" gave "left foot round" (左足钩).

    An object pronoun after ``word`` says so for any verb. An article or a possessive after it says so
    only for a preposition, a verb that is no noun ("actions reflect a ...") or a past tense ("a vixen
    hit the boy"): a noun that is a verb as well may head a chunk that a relative clause follows ("the
    exam paper the teacher set", "the export controls the US imposed"), and a noun that is no verb
    keeps its second object ("gave the little boy the book")."""
    from lemminflect import getAllLemmas, getInflection

    lw, lp, ln = word.lower(), prev.lower(), nxt.lower()
    if not prev[:1].isalpha() or lp in EN_STOP or not _can_be_noun(lp):
        return False
    if lw in _MORE_PREPOSITIONS:
        return ln in _OBJECT_PRONOUNS or ln in _OBJECT_DETERMINERS
    readings = getAllLemmas(lw)
    verbs = readings.get("VERB", ())
    if not verbs or ln not in _OBJECT_PRONOUNS | _OBJECT_DETERMINERS:
        return False
    past = any(lw in getInflection(v, tag="VBD") for v in verbs)
    return ln in _OBJECT_PRONOUNS or "NOUN" not in readings or past


# a preposition or conjunction that opens a clause whose verb is a gerund ("before waddling into the room")
_GERUND_OPEN = frozenset("before after while without by upon on since when".split())


def _gerund_clause(toks: Sequence[str], i: int) -> bool:
    """``toks[i]`` is a gerund that is the verb of a clause, not a noun: it follows a word that opens such
    a clause (``_GERUND_OPEN``) and is followed by a preposition, a particle, a determiner or an object
    pronoun, as a verb is ("before waddling into the room beyond", "without stopping to", "by scratching
    a"). MAC-Dev 003's "waddling" was a candidate that way, and 下炕 ("got off the kang") / "waddling" an
    entry at rank 63. A gerund that is a term has no such context: "invest in refining and processing",
    "the licensing of rare earths", "by rolling out" aside (which is no term either). Of the 1,288
    English sentences of both dev corpora, 13 gerunds have this context, all verbs."""
    if not 0 < i < len(toks) - 1 or toks[i - 1].lower() not in _GERUND_OPEN or not gerund(toks[i].lower()):
        return False
    nxt = toks[i + 1].lower()
    return nxt in _PREPOSITIONS or nxt in _MORE_PREPOSITIONS or nxt in _OBJECT_DETERMINERS or nxt in _OBJECT_PRONOUNS


def _gerund_after_of(toks: Sequence[str], i: int) -> bool:
    """``toks[i]`` is a gerund right after "of": with the noun after it, a verb and its object ("accused
    me of beating peasants", 殴打贫下中农) or a participle and its noun ("the sound of rustling dresses"),
    not a compound, so it opens no candidate of two words or more; the noun alone is one. Of the 25
    gerunds after "of" in the English of both dev corpora, none opens a compound."""
    return 0 < i and toks[i - 1].lower() == "of" and gerund(toks[i].lower())


@lru_cache(maxsize=100_000)
def past_form(word: str) -> bool:
    """A word in -ed that lemminflect knows only as a verb ("discussed", "imposed"): a chunk it opens
    may be a clause's piece ("discussed international partnerships") as well as a term
    ("enriched uranium"), so it is no evidence that the chunk is one unit."""
    from lemminflect import getAllLemmas

    readings = getAllLemmas(word.lower())
    return word.lower().endswith("ed") and bool(readings) and set(readings) <= {"VERB"}


def _fold_abbreviations(toks: list[str]) -> list[str]:
    """Drop the points that are no full stops: "Mr. Campbell" -> [_NOSTART + "Mr", "Campbell"],
    "Joseph R. Biden Jr." -> ["Joseph", "Biden"] (a middle initial and a generational suffix are
    not part of the name's key, and their point must not end the name)."""
    out: list[str] = []
    i = 0
    while i < len(toks):
        t, lt = toks[i], toks[i].lower()
        dot = i + 1 < len(toks) and toks[i + 1] == "."
        if lt in HONORIFIC and t[:1].isupper() and i + 1 + dot < len(toks) and _is_cap(toks[i + 1 + dot]):
            out.append(_NOSTART + t)
        elif lt in _NAME_SUFFIX and t[:1].isupper() and out and _is_cap(out[-1]):
            pass
        elif (
            len(t) == 1
            and t.isupper()
            and dot
            and out
            and _is_cap(out[-1])
            and i + 2 < len(toks)
            and _is_cap(toks[i + 2])
        ):
            pass  # a middle initial
        else:
            out.append(t)
            i += 1
            continue
        i += 1 + dot
    return out


_LONG_NAME = 10  # words of a capitalised name taken whole (sub-spans: up to max_words + 1)


def en_candidates(text: str, max_words: int = 6) -> tuple[tuple[str, str], ...]:
    """English term candidates of ``text``: (key, surface); :func:`en_candidates_marked` without the mark."""
    return tuple((k, s) for k, s, _ in en_candidates_marked(text, max_words))


@lru_cache(maxsize=50_000)
def en_candidates_marked(text: str, max_words: int = 6) -> tuple[tuple[str, str, bool], ...]:
    """English term candidates of ``text``: (key, surface, whole), where ``whole`` says the surface
    ends where its chunk ends: it is written as a head ("rare earths" in "the rare earths"), not as a
    modifier of a longer chunk ("rare earth" in "rare earth exports"). Headwords are taken from whole
    surfaces, so they keep the number the text gives them.

    * capitalised sequences with inner "of/the/and" and every sub-sequence of them, each part of
      a hyphenated pair of names ("California-Nevada" gives California and Nevada too), and the
      members of a coordination that share a plural head ("Energy and Treasury Departments"
      gives Energy Department and Treasury Department);
    * a capitalised word or two followed by a lower-case noun chunk ("Chinese government",
      "Trump administration", "US taxpayer money");
    * lower-case word n-grams between stopwords and suffix rules; a vague noun (data, news,
      world) may sit inside one ("data center") but is no candidate alone.
    """
    toks = _fold_abbreviations(_split_possessives(_EN_TOKEN.findall(text)))
    tags = postag.tags([t.lstrip(_NOSTART) for t in toks])
    words = [t for t in toks if t[0].isalnum()]
    shouting = len(words) >= 4 and sum(w.isupper() for w in words) > 0.6 * len(words)
    # A heading in title case ("A Longstanding Risk"): there too the capitals say nothing
    shouting = shouting or (len(words) >= 3 and all(w[:1].isupper() or w[:1].isdigit() or w in _CONNECT for w in words))
    out: dict[str, tuple[str, str, bool]] = {}

    def add(span: Sequence[str], whole: bool = True) -> None:
        surface = " ".join(span)
        key = en_key(surface)
        if key and not stop_key(key, surface) and len(key) >= 2 and (key not in out or (whole and not out[key][2])):
            out[key] = (key, surface, whole)

    start = True  # at a sentence start the capital says nothing
    after_subject = -1  # the token after a sentence's plural subject that a verb follows (_subject_verb)
    i = 0
    while i < len(toks):
        t = toks[i]
        if t[:1] == _NOSTART:
            start = False
            i += 1
            continue
        if not t[0].isalnum():
            # a quote opens speech after a stop or a comma, but after a word it opens a quoted term or
            # name ('used to call "Feng-ge" when', 凤哥), whose capital is no sentence start
            quoted = t in '"“”' and i > 0 and toks[i - 1][0].isalnum()
            start = (t in '.!?:;"“”' and not quoted) or start
            i += 1
            continue
        if (
            not shouting
            and _is_cap(t)
            and not _clitic(t)
            and not (start and t.lower() in EN_STOP and not _name_opener(toks, i))
            and not (start and _verb_only(t.lower()))
        ):
            # a capitalised verb form with its clitic ("What I've seen", "I'll") is no name
            j = i + 1
            while j < len(toks):
                k = j
                while k < len(toks) and toks[k].lower() in _CONNECT and k - j < 2:
                    k += 1  # "of the" in Export-Import Bank of the United States
                if _is_cap(toks[j]) and not _clitic(toks[j]):
                    j += 1
                elif k > j and k < len(toks) and (_is_cap(toks[k]) or toks[k].lower() in _NUMWORD or toks[k].isdigit()):
                    j = k
                elif toks[j - 1].lower() == "of" and (toks[j].lower() in _NUMWORD or toks[j].isdigit()):
                    j += 1
                else:
                    break
            span = toks[i:j]
            if not (start and j == i + 1 and not is_acronym(t)):  # lone sentence-initial Word
                for a in range(len(span)):
                    # a long name whole, up to its end: "Chief Executive of the Hong Kong Special Administrative Region"
                    ends = [len(span)] if max_words + 1 < len(span) - a <= _LONG_NAME else []
                    for b in [*range(a + 1, min(len(span), a + max_words + 1) + 1), *ends]:
                        sub = span[a:b]
                        if sub[0].lower() in _CONNECT or sub[-1].lower() in _CONNECT or sub[0].isdigit():
                            continue
                        if len(sub) == 1 and (
                            sub[0].lower() in EN_STOP
                            or (
                                len(sub[0]) < 3
                                and not is_acronym(sub[0])
                                and not (syllable_name(sub[0]) and _alone(span, a))
                            )
                        ):
                            continue
                        add(sub, b == len(span) or span[b].lower() == "and")  # a conjunct is a head
                        if len(sub) == 1 and "-" in sub[0]:
                            parts = sub[0].split("-")
                            if all(_is_cap(x) and len(x) >= 3 for x in parts):
                                for x in parts:
                                    add([x])
                name = list(itertools.takewhile(lambda w: w.lower() not in _CONNECT, span))
                if i > 0 and toks[i - 1][:1] == _NOSTART and 0 < len(name) < max_words:
                    # "Mrs Zhou" beside "Zhou", "Dr Li Wei" (of Tsinghua University): the pairing picks
                    add([toks[i - 1][1:], *name])
                for span in _shared_head(toks, i, j):
                    add(span)
                for span, whole in _cap_then_lower(toks, i, j, shouting):
                    add(span, whole)
                start = False
                i = j
                continue
        # lower-case noun chunk
        j = i
        subject = start and _subject_verb(toks, i)
        while (
            j < len(toks)
            and toks[j][0].isalnum()
            and (_word_ok(toks[j], final=False) or (j > i and _noun_homograph(toks[j])))
            and (j == i or not _is_cap(toks[j]) or shouting)
            and (j == i or not _clause_verb(toks, j))
            and (j == i or not _past_predicate(toks, j))
            and (j == i or not _predicate_after_noun(toks, j, tags))
            and not (subject and j == i + 1)
        ):
            j += 1
        chunk = [w.lower() if (k == 0 and start) or shouting else w for k, w in enumerate(toks[i:j])]
        verb_first = _clause_verb(toks, i) or i == after_subject or _after_modal(toks, i)
        if subject and j == i + 1:
            after_subject = j  # "Scientists study cosmic rays": the chunk at "study" opens with a verb
        gerund_verb = _gerund_clause(toks, i)
        gerund_of = _gerund_after_of(toks, i)
        for a in range(len(chunk)):
            for b in range(a + 1, min(len(chunk), a + 4) + 1):
                sub = chunk[a:b]
                if a == 0 and gerund_verb:
                    continue  # "before waddling into the room": the gerund is a clause's verb
                if a == 0 and b > 1 and gerund_of:
                    continue  # "of beating peasants": a verb and its object
                if (
                    (
                        _word_ok(sub[-1], final=True)
                        or (a == 0 and i > 0 and _possessed_plural(toks[i - 1], sub))
                        or (len(sub) > 1 and (_noun_homograph(sub[-1]) or _vague_head(sub)))
                    )
                    and (len(sub) > 1 or len(sub[0]) >= 3)
                    and (
                        len(sub) == 1
                        or ((_can_start(sub[0].lower()) or _degree_adverb(tuple(sub))) and not (a == 0 and verb_first))
                    )
                ):
                    add(sub, b == len(chunk))
        if _adjective_before_cap(chunk, toks, j):
            add([chunk[-1], toks[j]])  # "my little Buddha" (小和尚): the adjective and the word it qualifies
        for a in range(len(chunk) - 1):
            if _attributive(chunk[a]):
                add([chunk[a]], False)  # "global" in "global supply chain": a modifier, never a head
        if chunk and j < len(toks) and toks[j].lower() in _PARTICLES and chunk[-1].lower().endswith("ing"):
            # a particle ends a phrasal compound the chunker stopped before: "opening up", "phasing out"
            for a in range(max(0, len(chunk) - 3), len(chunk)):
                if a == len(chunk) - 1 or (_can_start(chunk[a].lower()) and not (a == 0 and verb_first)):
                    add([*chunk[a:], toks[j]])
        start = False
        i = max(j, i + 1)
    for span, whole in _joins(toks, out):
        add(span, whole)
    for a in range(len(toks) - 1):
        if _relational_predicate(toks, a):
            add(toks[a : a + 2])
    return tuple(out.values())


def _relational_predicate(toks: Sequence[str], a: int) -> bool:
    """``toks[a]`` and the next token are an adjective phrase that ends its clause (no noun after it), opened
    by an adverb of 11 letters or more made of an adjective in -al ("environmentally harmful", 环境有害;
    "politically sensitive"): the adverb names a domain, which Chinese writes as a noun before the
    predicate (环境 "environment"), so the phrase is one term. Short degree adverbs ("really", "especially")
    stay out, and so does an adjective that is also a verb."""
    from lemminflect import getAllLemmas

    adv, adj = toks[a], toks[a + 1]
    after = toks[a + 2] if a + 2 < len(toks) else "."
    if not (adv.islower() and adj.islower() and adv.endswith("ally") and len(adv) >= 11):
        return False
    if after[0].isalnum() and after.lower() not in ("and", "or", "but"):
        return False  # a noun follows: the phrase modifies it and the noun chunk holds it
    readings = set(getAllLemmas(adj))
    made_of = set(getAllLemmas(adv[:-2]))  # "environmental"
    return set(getAllLemmas(adv)) == {"ADV"} and "ADJ" in made_of and "ADJ" in readings and "VERB" not in readings


_JOIN = frozenset({"of", "and", "with"})
# a lower-case preposition inside a title that the text writes in title case ("the Sutra in Forty-Two
# Sections", "Hangs by Its Horns"): it joins two capitalised chunks only
_TITLE_JOIN = frozenset({"in", "by"})
_PARTICLES = frozenset({"up", "out", "down", "off"})  # end a phrasal compound after a gerund
# "a sort of technique", "full of respect", "a boy of fourteen": a quantity, a degree or a number, no term
_NUMBERS = _NUMWORD | frozenset(
    """eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen thirty forty fifty sixty
    seventy eighty ninety hundred thousand million billion""".split()
)
_NO_JOIN = frozenset(
    """sort sorts kind kinds type types lot lots number numbers part parts full couple pair piece pieces bit
    series set sets group groups amount amounts dozens hundreds thousands millions billions most some""".split()
)


def _joins(toks: Sequence[str], out: dict[str, tuple[str, str, bool]]) -> list[tuple[list[str], bool]]:
    """Two candidates joined by of/and/with, or a name's possessive ("reform and opening",
    "socialism with Chinese characteristics", "America's Cup", "Zhou Rui's wife"), as (span, whole).

    The chunker stops at these words, so a term that holds one could not form. The joined form is
    one more candidate beside its parts, not instead of them: the pairing keeps it only when it pairs
    with a Chinese term better than either part does (Dice, the encoder, competitive linking). The left
    part must end its chunk and the right part is the whole next chunk; a possessive joins only a
    capitalised owner (no acronym), to a name ("America's Cup") or to a lower-case chunk that the
    name owns ("Zhou Rui's wife", 周瑞家的): free ones ("Jia Rong's smile") are left to
    :func:`glossary.pairing.unmatched_joins`."""
    res = []
    for c in range(1, len(toks) - 1):
        link = toks[c].lower()
        poss = toks[c] == "|"
        title = toks[c] in _TITLE_JOIN and _is_cap(toks[c - 1]) and _is_cap(toks[c + 1])
        if link not in _JOIN and not poss and not title:
            continue
        # a capitalised owner may be a whole name: "the Standing Committee of the National People's Congress"
        reach = 6 if poss and _is_cap(toks[c - 1]) else 3
        for a in range(max(0, c - reach), c):
            left = list(toks[a:c])
            lk = en_key(" ".join(left))
            # a capitalised owner opens a name even when it is no candidate alone: "People's Bank of China"
            owner = poss and all(_is_cap(t) for t in left) and left[0].lower() not in _DETERMINERS
            if not all(t[0].isalnum() for t in left) or ((lk not in out or not out[lk][2]) and not owner):
                continue
            for b in range(c + 2, min(len(toks), c + 4) + 1):
                right = list(toks[c + 1 : b])
                rk = en_key(" ".join(right))
                if not all(t[0].isalnum() for t in right) or rk not in out or len(left) + len(right) + 1 > reach + 3:
                    continue
                if left[-1].lower() in _NO_JOIN or right[-1].lower() in _NUMBERS or right[-1].isdigit():
                    continue
                if link != "and" and _complex_preposition(toks, a, c):
                    continue
                if b < len(toks) and toks[b][0].isalnum() and en_key(" ".join([*right, toks[b]])) in out:
                    continue  # the right part is the whole chunk that follows, not its first words
                if poss:
                    if a > 0 and _is_cap(toks[a - 1]) and toks[a - 1].lower() not in EN_STOP:
                        continue  # the owner is the whole name: "Chen Qingyang's clinic", not "Qingyang's clinic"
                    if _is_cap(left[-1]) and not is_acronym(left[-1]):
                        res.append(([*left[:-1], left[-1] + "'s", *right], out[rk][2]))
                elif link != "and" or _is_cap(left[0]) == _is_cap(right[0]):
                    res.append(([*left, toks[c], *right], out[rk][2]))
                elif _sentence_case(toks, a, left):
                    # "Reform and opening up has brought ...": the capital is the sentence's
                    res.append(([left[0].lower(), *left[1:], toks[c], *right], out[rk][2]))
    return res


def _sentence_case(toks: Sequence[str], a: int, left: Sequence[str]) -> bool:
    """``left`` opens its sentence (``toks[a]`` is the first word, or follows a sentence's end or an opening
    quote) with one capitalised word that is a common word lower-cased (lemminflect knows it, it is no
    acronym) before lower-case ones: "Reform and opening up has brought profound changes" joins "reform"
    to "opening up" as the lower-case "reform and opening up" elsewhere does. A name stays a name ("Xi and
    his colleagues" is no candidate: lemminflect does not know "xi")."""
    from lemminflect import getAllLemmas

    first = left[0]
    if a > 0 and toks[a - 1] not in _SENTENCE_OPENERS:
        return False
    return (
        first[:1].isupper()
        and first[1:].islower()
        and all(w.islower() for w in left[1:])
        and not is_acronym(first)
        and bool(getAllLemmas(first.lower()))
    )


_SENTENCE_OPENERS = frozenset(".!?:;\"“‘'(")


def _complex_preposition(toks: Sequence[str], a: int, c: int) -> bool:
    """``toks[a:c]`` is the noun of a complex preposition: in, on, by or with, then one of the closed
    class of nouns these prepositions are made of, bare, then of or with ("in line with", "in terms
    of", "on behalf of", "by way of"). That noun heads no phrase, so "line with international
    practice" is no term; an article ("in the line of fire") makes it a noun again."""
    return c == a + 1 and a > 0 and toks[a - 1].lower() in _PREP_OPEN and toks[a] in _PREP_NOUN


_PREP_OPEN = frozenset({"in", "on", "by", "with"})
_PREP_NOUN = frozenset(
    """line terms behalf front charge spite view light favour favor case place accordance respect
    search need keeping touch contact common lieu way means virtue course wake face comparison
    support""".split()
)


def _cap_then_lower(toks: Sequence[str], i: int, j: int, shouting: bool) -> list[tuple[list[str], bool]]:
    """The last one or two words of the capitalised span ``toks[i:j]`` with the first one to three
    words of the lower-case noun chunk right after it: "Chinese government", "Commerce employees";
    each with whether it takes the whole chunk.

    A name is not joined to a lone word that lemminflect knows as an adjective unless a determiner
    opens the span ("the Japanese military"): without one the word is no noun head but an address
    or a predicate ("Stop her, Zhou dear!"). A participle that opens a clause ends the chunk
    (:func:`_participle`: "a Mrs Zhou living here"). A word in -ed that is only a verb right after the
    name is the name's predicate, not a modifier of the noun after it (:func:`past_form`: "after Mr.
    Trump threatened tariffs on its exports" gives no "Trump threatened tariffs"), nor is a verb's -s form
    (:func:`_finite_verb`: "the Foreign Trade Law allows countermeasures")."""
    if shouting or (j < len(toks) and (past_form(toks[j]) or _finite_verb(toks[j]))):
        return []  # "Trade Law allows countermeasures": the name's predicate and its object
    k = j
    while (
        k < len(toks)
        and k - j < 3
        and toks[k][0].isalnum()
        and not _is_cap(toks[k])
        and _word_ok(toks[k], final=False)
        and not _clause_verb(toks, k)
    ):
        k += 1
    before = [t for t in toks[max(0, i - 2) : i] if t[:1] != _NOSTART]
    if k == j + 1 and not (before and before[-1].lower() in _DETERMINERS) and adjective(toks[j]):
        return []
    out = []
    for n_cap in (1, 2):
        head = list(toks[max(i, j - n_cap) : j])
        if len(head) < n_cap or head[0].lower() in _CONNECT or head[0].isdigit():
            continue
        for m in range(j + 1, k + 1):
            if _word_ok(toks[m - 1], final=True):
                out.append((head + list(toks[j:m]), m == k))
    return out


@lru_cache(maxsize=100_000)
def _attributive(word: str) -> bool:
    """``word``, written in lower case inside a noun chunk, is an adjective and nothing else lemminflect
    knows: "global", "critical", "strategic" in "global supply chain", "critical minerals". Chinese
    writes such attributes as nouns of their own (全球, 关键, 战略), which a noun chunk cannot pair with;
    the adjective alone is one more candidate, marked as a modifier (never a headword). A word that
    can also be a noun or a verb ("chief", "open") is left to the chunk."""
    from lemminflect import getAllLemmas

    lw = word.lower()
    return word.islower() and len(lw) >= 4 and set(getAllLemmas(lw)) == {"ADJ"} and lw not in EN_STOP


@lru_cache(maxsize=100_000)
def adjective(word: str) -> bool:
    """lemminflect knows ``word`` as an adjective in its base form ("dear", "military"), whatever else it knows it as."""
    from lemminflect import getAllLemmas

    return word.lower() in getAllLemmas(word.lower()).get("ADJ", ())


@lru_cache(maxsize=100_000)
def gerund(word: str) -> bool:
    """``word`` is the -ing form of a verb lemminflect knows ("licensing", "refining", "surrendering"),
    not a noun in -ing alone ("ceiling", "thing"): English that writes a verb as a noun."""
    from lemminflect import getAllLemmas

    lw = word.lower()
    verbs = getAllLemmas(lw).get("VERB", ())
    return lw.endswith("ing") and bool(verbs) and lw not in verbs


def _shared_head(toks: Sequence[str], i: int, j: int) -> list[list[str]]:
    """Members of a coordination with a shared plural head, each with the head in the singular:
    "Defense, Energy and Treasury Departments" -> Defense Department, Energy Department, Treasury Department."""
    span = toks[i:j]
    out = []
    for p in range(len(span) - 3):
        x, conj, y, head = span[p : p + 4]
        if conj.lower() not in _COORD or not (_is_cap(x) and _is_cap(y) and _is_cap(head)):
            continue
        if p + 4 < len(span) and span[p + 4].lower() not in _CONNECT:
            continue
        one = en_key(head.lower())  # a lone capitalised word keeps its -s in en_key (a name)
        if not head.endswith("s") or one == head.lower() or " " in one:
            continue
        head1 = one[:1].upper() + one[1:]
        members = [x, y]
        k = i + p
        while k >= 2 and toks[k - 1] == "," and _is_cap(toks[k - 2]):
            members.insert(0, toks[k - 2])
            k -= 2
        out += [[m, head1] for m in members]
    return out


def _split_possessives(toks: list[str]) -> list[str]:
    """ "Russia's" -> "Russia" and a boundary: the owner is a term of its own ("Russia"), and
    "the company's shares" must not give "company shares"."""
    out = []
    for t in toks:
        if len(t) > 3 and t[-2:] in ("'s", "’s") and t[0].isalpha():
            out += [t[:-2], "|"]
        else:
            out.append(t)
    return out


def _is_cap(w: str) -> bool:
    return w[:1].isupper() and (w[1:2].islower() or w[1:2] in ("-", "'") or is_acronym(w))


# ---------------------------------------------------------------- 中文(English)

_PAREN = re.compile(r"[(（]\s*([A-Za-z][A-Za-z0-9 .&'’\-]{0,60}?)\s*[)）]")


def paren_pairs(zh_text: str) -> list[tuple[str, str]]:
    """(zh key, en key) for every ``中文(English)`` in ``zh_text``: 國際能源署(IEA) -> (国际能源署, IEA).

    The Chinese side is the longest candidate ending right before the parenthesis. When the English
    is a person's name (every word capitalised, no acronym) and that candidate ends in words jieba
    tags as names, the Chinese side is those words alone: the words before them describe the person
    (高级顾问麦艾文(Evan Medeiros) -> 麦艾文, "senior adviser" is not in the parenthesis), while a name
    in several tokens stays whole (史考特贝森特(Scott Bessent)).
    """
    text = " ".join(zh_text.split())
    out = []
    cands = zh_candidates(text)
    for m in _PAREN.finditer(text):
        end = m.start()
        while end > 0 and text[end - 1] in " .．·":
            end -= 1
        ending = [c for c in cands if c[3] == end and len(c[0]) <= 8]
        ek = en_key(m.group(1))
        if ending and ek and ek.lower() not in EN_STOP:
            if person_name(m.group(1)):
                names = [c for c in ending if _name_tokens(text, c[2], c[3])]
                ending = names or ending
            best = max(ending, key=lambda c: c[3] - c[2])
            out.append((best[0], ek))
    return out


def person_name(en: str) -> bool:
    """English written as a person's name: capitalised words, none of them an acronym (not IEA, G7)."""
    words = en.split()
    return bool(words) and all(_is_cap(w) and not is_acronym(w) for w in words)


def _name_tokens(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` is one or more whole jieba tokens, each tagged a name (nr, nrfg, nrt)."""
    toks = [(w, f, s) for w, f, s in _tokens(_to_simplified(text)) if start <= s < end]
    return bool(toks) and toks[0][2] == start and all(f.startswith("nr") for _, f, _ in toks)


def acronym_expansions(zh_en: Sequence[tuple[str, str]], en_cands: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """(zh key, en key) for every acronym in ``zh_en`` spelled out by an English candidate.

    國際能源署(IEA) in the Chinese and "International Energy Agency" in the English of the same
    pair give (国际能源署, international energy agency): the initials of the candidate's words,
    "of/the/and" left out, spell the acronym (after Schwartz & Hearst 2003); a number counts
    as its digits, so "Group of Seven" spells G7.
    """
    out = []
    for zk, ek in zh_en:
        if not is_acronym(ek):
            continue
        want = ek.upper()
        for key, surface in en_cands:
            words = [w for w in re.split(r"[\s\-‐]+", surface) if w and w.lower() not in _CONNECT]
            if len(words) >= 2 and "".join(_initial(w) for w in words).upper() == want:
                out.append((zk, key))
    return out


_DIGITS = {w: str(i) for i, w in enumerate("zero one two three four five six seven eight nine ten".split())}


def _initial(word: str) -> str:
    if word.isdigit():
        return word
    return _DIGITS.get(word.lower(), word[0])
