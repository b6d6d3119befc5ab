"""Termhood: how much a glossary entry looks like a term of the corpus' domain, in [0, 1].

Confidence (:mod:`glossary.pairing`) says whether the English is a correct translation of the
Chinese; 公司 / company is certainly correct and still no term. Termhood is a second, separate
score of the entry itself, and the glossary is ordered by ``rank = confidence × termhood``
(:attr:`glossary.entries.TermEntry.rank`). It is the product of three parts:

The corpus is every sentence of the store, paired or not (:class:`glossary.entries.CorpusText`):
a term of the domain recurs in the files that have no translation too (出口管制 is in one sentence
pair of the example corpus, but five times in its Chinese text, and "export controls" six times in
its English). Without that text the pairs' two sides are the corpus.

* **specificity** -- how much more frequent the Chinese term is in the corpus than in general
  Chinese: the weirdness ratio (Ahmad et al. 1999) of its relative frequency here against
  jieba's general-language dictionary (``jieba/dict.txt``, ~60 M tokens of mixed text, each
  word with its frequency and POS tag), through a logistic (half at ``W_MID``). 稀土 (162 in the
  dictionary, 27 pairs here) is specific, 公司 (45,604) is not. A Chinese term that is not a
  dictionary word is a new word (贝森特: specific) or a compound, which is 0.5 plus half the
  specificity of its most specific token: 许可制度 through 许可, 分析人士 stays near 0.5. A compound
  of general words may still be a unit of the domain: one that recurs (``UNIT_RECUR`` sentences) and
  is translated by a phrase of several words is at least as specific as that English phrase is by
  wordfreq (below), so 出口管制 / "export controls" (出口 and 管制 are common words, "export controls"
  a rare phrase) and 关键矿物 / "critical minerals" are specific, 分析人士 / "analysts" (one English
  word) and 荒草坡 / "grassy hills" (seen once) are not raised.
  Both sides are also tested against wordfreq's general frequencies, and the lower counts. A
  phrase's general frequency is estimated from its words, and wordfreq divides that estimate by
  10 for each word break it infers in Chinese; an English phrase is divided the same way
  (``PHRASE_BREAK``), so "export controls" is not judged as common as "export".
* **evidence** -- an acronym, a term written in quotes (“实体清单”, so-called) or in
  ``中文(English)`` is marked as a unit by the writer (quotes count when the other side marks the unit
  too, by quotes or capitals: quotes on one side only are speech, 称“姑奶奶” / 'Gou-er's aunt'), and a name that is one token to jieba
  (a dictionary name such as 七国集团, or a new word such as 贝森特) is a unit by the lexicon:
  strong evidence, ``MARKED_EVIDENCE_ONCE`` (0.9) when seen once, 0.96 twice, 0.99 by four
  sightings, so one quoted occurrence is not full proof and a term that recurs on its own
  (出口管制, five times) can stand beside a name seen once (林剑).
  Any other entry earns its place by recurring, as C-value (Frantzi et al. 2000) weighs a
  candidate by its frequency: weight ``1 - exp(-f / EVIDENCE_FREQ)`` for a weighted frequency f,
  so an entry seen once (专门会议, 投资目标, 现代科技) is weak evidence (0.39), three times (战略储备)
  fair (0.78), five times (出口管制) strong (0.92). A name made of several tokens (亚洲集团, 矿产中心) starts higher, at
  ``NAME_EVIDENCE_ONCE`` when seen once, and reaches 1 by three sightings; a mined pair counts
  half and by its score, so a capitalised heading seen once in a mined pair weighs little. A
  Latin-script name inside the Chinese (MP Materials, Trilogy Metals) is the English left
  untranslated: no writer's mark and no jieba word, so it is weighed as a name of several tokens.
* **person compounds** -- a person's name joined with a title or another entry (总统特朗普,
  拜登总统, 美国财政部长史考特贝森特, 特朗普政府), whose English holds the name's English, is
  redundant beside the name and the title: its termhood is multiplied by ``PERSON_COMPOUND``. So is a
  place or organisation name joined to another entry whose lower-case English it extends (中国政府 /
  Chinese government beside 政府, 外国关键矿产 / foreign critical minerals beside 关键矿产), or to any
  common noun with the place's English before lower-case words (中国进口商品 / Chinese imports): a free
  combination (:func:`place_compound`). An institution's title keeps its rank (美国财政部长 / U.S.
  Treasury Secretary: the rest's English is capitalised).
* **verbs** -- a word of jieba's dictionary whose every CC-CEDICT sense is a verb (念佛 "to chant
  the names of Buddha", 替代 "to replace") is a predicate, no noun term, unless its English writes
  it as one, a gerund (许可 / licensing): its termhood is multiplied by ``VERBAL``
  (:func:`verbal_word`). An entry whose English is an adjective alone (全球 / global, 战略 / strategic)
  is an attribute, no term either, and takes the same factor (:func:`attribute_word`).
* **stray names** -- a word jieba's dictionary tags a person's name (nr) but counts fewer than
  ``STRAY_NAME_COUNT`` times, paired with lower-case English, is an artefact of the name tagger that
  built the dictionary, neither a name nor a word (秋尽冬 of 秋尽冬初, "the turn between autumn and
  winter", counted 5 times): its termhood is multiplied by ``STRAY_NAME`` (:func:`stray_name`).
* **independence** -- the nesting part of C-value: the share of a term's frequency that is
  *not* inside longer terms, the containers' frequency averaged as C-value does; the lower of
  the Chinese share (containers: the other entries) and the English one (containers: every
  English candidate, so "Finance Corporation" inside "Development Finance Corporation" goes down).
  许可 occurs 6 times, 5 of them in 许可制度, so it is mostly a modifier of that term. A term that
  occurs mostly on its own stays a term although it also nests: "export controls" occurs 6 times
  in the example corpus, once in each of several longer chunks ("strict export controls",
  "export control measures"), so its share is 5/6. Counted in the pairs alone it occurs once, in
  "strict export controls", and its share was 0.

Names (capitalised English paired with a Chinese proper noun, a transliteration, or a word absent
from the dictionary, or one word the translation writes as a title: :func:`title_words`) are term-like but often general-language: 中国 / China is a name and as common
as 公司, so a name's specificity is floored at ``NAME_FLOOR``, not raised to 1.

The weights are set by hand (no labels of termhood exist beyond the top-50 table of
docs/glossary-top50.md, which judged them afterwards); termhood is a score for ordering, not a
probability.
"""

from __future__ import annotations

import math
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from termalign.align.lexicon import en_lemmas, gloss_parts, verbal_only

from .calibration import shown_confidence
from .candidates import _attributive, gerund, zh_tagged, zh_tokens
from .entries import TermEntry
from .pinyin import translit
from .variants import en_key, en_words, has_run, is_acronym, zh_key

_NAME_TAGS = ("nr", "ns", "nt")  # jieba tags of person, place and organisation names (nrt, nrfg too)
_PLACE_TAGS = ("ns", "nt")  # jieba tags of place and organisation names
W_MID = 4.0  # weirdness (natural log) at which a dictionary word is half specific
W_SCALE = 1.0
NAME_FLOOR = 0.5  # a name's specificity is at least this
EVIDENCE_FREQ = 2.0  # an entry neither named nor marked, seen f times, is weighed by 1 - exp(-f / this)
NAME_EVIDENCE_ONCE = 0.6  # a name of several tokens seen once; 1 - 0.4 exp(-(f - 1)) for weighted frequency f
MARKED_EVIDENCE_ONCE = 0.9  # a marked term or a one-token name seen once; 1 - 0.1 exp(-(f - 1))
PERSON_COMPOUND = 0.4  # termhood factor of a person's name joined with a title or another entry (and of place_compound)
VERBAL = 0.4  # termhood factor of a dictionary word that is only a verb, paired with English that is no gerund, and of an adjective alone
STRAY_NAME = 0.4  # termhood factor of a rare dictionary "name" paired with lower-case English (stray_name)
STRAY_NAME_COUNT = 10  # ... rare: counted fewer times than this in jieba's dictionary (麻风 nr, "leprosy": 25)
TITLE_MIN = 2  # a word capitalised alone inside sentences this often, and never in lower case, is a title
MARKED_SPEC = 1.0  # specificity of a term the writer marks (quotes, 中文(English)) that is no common word
MARKED_MAX_FREQ = 10 ** (4.5 - 9)  # ... no common word: rarer in general language than this (Zipf 4.5)
PHRASE_BREAK = 10.0  # wordfreq divides a Chinese phrase by this for each word break it infers (INFERRED_SPACE_FACTOR)
COMPOUND_BASE = 0.5  # a compound absent from jieba's dictionary: this plus the rest times its most specific token's
UNIT_RECUR = 2  # ... or, seen in this many sentences and translated by several words, times its English phrase's
_EDGE = "\"'“”‘’()[]{}.,;:!?—…-"  # punctuation stripped from a word's edges (title_words)
_NAME_LINKS = ("of", "the", "and", "for")  # lower-case words inside a name (Group of Seven)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_QUOTED_ZH = re.compile(r"[“「『《\"]([^“”「」『』《》\"\n]{2,16})[”」』》\"]")
_QUOTED_EN = re.compile(
    r"[“\"]([^“”\"\n]{2,60})[”\"]|so-called ([A-Za-z][A-Za-z\- ]{1,40}?)(?=[,.;:)]|\s(?:that|which|who|to|in|on|of|for|and)\b)"
)


@dataclass(frozen=True, slots=True)
class CorpusStats:
    """What termhood needs to know of the corpus, beyond the entries themselves."""

    zh_freq: dict  # Chinese key -> weighted frequency (pairs containing it, as pairing.Counts.cz)
    en_freq: dict  # English candidate key -> weighted frequency (pairing.Counts.ce)
    token_freq: dict  # jieba token -> weighted frequency on the Chinese side
    n_tokens: float  # weighted number of jieba tokens on the Chinese side
    quoted_zh: frozenset  # Chinese keys seen inside quotation marks
    quoted_en: frozenset  # English keys seen inside quotation marks or after "so-called"
    paren: frozenset  # (zh key, en key) seen as 中文(English) or an acronym spelled out
    n_en_tokens: float = 0.0  # weighted number of English words; 0: English specificity not scored
    titles: frozenset = frozenset()  # lower-cased English words the text writes as titles (title_words)


@lru_cache(maxsize=200_000)
def general_freq(term: str, lang: str) -> float:
    """Relative frequency of ``term`` in general language (wordfreq's offline tables: news, books,
    web, subtitles, Wikipedia), per token; 1e-9 for a term it does not know. Multi-word terms get
    wordfreq's combined estimate, which is below that of their rarest word."""
    from wordfreq import zipf_frequency

    z = zipf_frequency(term, lang)
    f = 10 ** (z - 9) if z > 0 else 1e-9
    if lang == "en":  # as wordfreq does for the word breaks it infers in Chinese (出口 管制)
        f /= PHRASE_BREAK ** (len(term.split()) - 1)
    return f


def weirdness_wf(freq: float, n_tokens: float, term: str, lang: str) -> float:
    """log of (relative frequency in the corpus) / (relative frequency in general language, wordfreq)."""
    return math.log((max(freq, 0.5) / max(n_tokens, 1.0)) / general_freq(term, lang))


@lru_cache(maxsize=1)
def general_zh() -> tuple[dict[str, tuple[int, str]], int]:
    """jieba's general-language dictionary as word -> (frequency, POS tag), and its token total.

    Read from the file, not from ``jieba.dt.FREQ``, so words taught by a user dictionary or by
    pinned terms (frequency 100000) do not count as general language.
    """
    import jieba

    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    words: dict[str, tuple[int, str]] = {}
    total = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.split()
            if len(cols) >= 2 and cols[1].isdigit():
                n = int(cols[1])
                words[cols[0]] = (n, cols[2] if len(cols) > 2 else "")
                total += n
    return words, total


def quoted_spans(zh_texts: Iterable[str], en_texts: Iterable[str]) -> tuple[frozenset, frozenset]:
    """(Chinese keys, English keys) of text inside quotation marks, and of "so-called X"."""
    zh: set[str] = set()
    en: set[str] = set()
    for t in zh_texts:
        zh.update(zh_key(m) for m in _QUOTED_ZH.findall(t))
    for t in en_texts:
        for a, b in _QUOTED_EN.findall(t):
            if a or b:
                en.add(en_key((a or b).strip()).lower())
    return frozenset(zh - {""}), frozenset(en - {""})


def title_words(en_texts: Iterable[str]) -> frozenset:
    """Lower-cased English words that the text capitalises inside a sentence, standing alone, at least
    ``TITLE_MIN`` times, and never writes in lower case: "the Emperor, the Empress" in a translation whose
    every "Emperor" is capitalised. English capitalises a common noun inside a sentence only where it
    is a title or a name, so the translator treats the word as one. A capital after a sentence's end
    or an opening quote says nothing, and nor does one beside another capitalised word ("Asia Group",
    "Group of Seven": the word is part of a name)."""
    titled: defaultdict[str, int] = defaultdict(int)
    lower: set[str] = set()
    for t in en_texts:
        raw = t.split()
        words = [w.strip(_EDGE) for w in raw]
        for i, w in enumerate(words):
            if not w.isalpha():
                continue
            if w.islower():
                lower.add(w)
                continue
            if i == 0 or not (w[0].isupper() and w[1:].islower()):
                continue
            before = raw[i - 1]
            if before[-1:] not in ",;" and not (before[-1:].isalpha() and before.islower()):
                continue  # after a sentence's end, an opening quote, or a capitalised word
            if before == "of" and i > 1 and raw[i - 2][:1].isupper() and raw[i - 2][-1:].isalpha():
                continue  # the end of a longer name (Group of Seven)
            after = words[i + 1] if i + 1 < len(words) else ""
            if raw[i][-1:].isalpha() and (after[:1].isupper() or after in _NAME_LINKS):
                continue  # the start of a longer name
            titled[w.lower()] += 1
    return frozenset(w for w, n in titled.items() if n >= TITLE_MIN and w not in lower)


def quoted_pair(zh_text: str, en_text: str) -> tuple[str, str] | None:
    """(zh key, en key) when each side of one sentence pair quotes exactly one span (“实体清单” and
    "so-called entity list"): both writers marked the same unit, as ``中文(English)`` does."""
    zh = {zh_key(m) for m in _QUOTED_ZH.findall(zh_text)} - {""}
    en = {en_key((a or b).strip()) for a, b in _QUOTED_EN.findall(en_text) if a or b} - {""}
    if len(zh) == 1 and len(en) == 1:
        return zh.pop(), en.pop()
    return None


def weirdness(freq: float, n_tokens: float, general_freq: int, general_total: int) -> float:
    """log of (relative frequency in the corpus) / (relative frequency in general language), add-one."""
    return math.log((freq / max(n_tokens, 1.0)) / ((general_freq + 1) / general_total))


def specificity(w: float) -> float:
    return 1 / (1 + math.exp(-(w - W_MID) / W_SCALE))


def independence(freq: float, containers: Sequence[float]) -> float:
    """C-value's nesting correction as a share: (f(a) - mean f(containers)) / f(a), in [0, 1]."""
    if not containers or freq <= 0:
        return 1.0
    return min(1.0, max(0.0, (freq - sum(containers) / len(containers)) / freq))


def is_name(zk: str, en: str, tag: str | None, translit: float, titles: frozenset = frozenset()) -> bool:
    """A name: capitalised English whose Chinese is a proper noun, not a dictionary word, or sounds like
    it, or one capitalised word that the text writes as a title (``titles``: :func:`title_words`)."""
    words = en.split()
    if not words or not any(w[:1].isupper() for w in words):
        return False
    if is_acronym(en) or len(words) >= 2 and all(w[:1].isupper() or w.lower() in _NAME_LINKS for w in words):
        return True  # Asia Group, International Energy Agency, G7
    if len(words) == 1 and en.lower() in titles:
        return True  # 皇帝 / Emperor: a common noun the translation writes as a title
    return (tag is not None and tag.startswith(_NAME_TAGS)) or translit >= 0.6


@dataclass(frozen=True, slots=True)
class TermhoodParts:
    """The parts termhood multiplies (module docstring), and what decided them."""

    spec: float  # specificity in [0, 1]
    evidence: float  # in [0, 1]
    indep: float  # independence (C-value nesting share) in [0, 1]
    name: bool
    marked: bool  # quoted, 中文(English), or an acronym

    @property
    def value(self) -> float:
        return round(self.spec * self.evidence * math.sqrt(self.indep), 4)


def termhood(
    zk: str,
    en: str,
    stats: CorpusStats,
    zh_containers: Sequence[float] = (),
    en_containers: Sequence[float] = (),
    translit: float = 0.0,
) -> TermhoodParts:
    """Termhood of one entry (Chinese key ``zk``, English display form ``en``): its parts, and their
    product in [0, 1] as ``.value``."""
    words, total = general_zh()
    gen = words.get(zk)
    freq = stats.zh_freq.get(zk, 0.0)
    ek = en_key(en)
    name = is_name(zk, en, gen[1] if gen else None, translit, stats.titles)
    # a Latin-script name inside the Chinese (MP Materials) is the English left untranslated: a sure
    # pair (its confidence says so), but no writer's mark and no jieba word, so it is weighed as a name
    untranslated = not _HAN.search(zk)
    # quotes on one side only are speech or a word mentioned (称“姑奶奶”, 'it was all "your nephew"'),
    # unless the other side marks the unit with capitals (《四十二章经》 / Sutra in Forty-Two Sections)
    quoted = (zk in stats.quoted_zh, ek.lower() in stats.quoted_en)
    marked = (
        all(quoted)
        or (any(quoted) and any(w[:1].isupper() for w in en.split()))
        or ((zk, ek) in stats.paren and not untranslated)
        or is_acronym(en)
    )
    en_spec = (  # the English against wordfreq; names skip that test
        specificity(weirdness_wf(stats.en_freq.get(ek, 0.0), stats.n_en_tokens, en.lower(), "en"))
        if stats.n_en_tokens > 0 and not is_acronym(en) and not name
        else None
    )
    if gen is None:  # not a general-language word: a compound or a new word, as specific as its most specific part
        parts = zh_tokens(zk)
        spec = (
            1.0
            if len(parts) < 2 or name
            else COMPOUND_BASE + (1 - COMPOUND_BASE) * max(_word_specificity(t, stats) for t in parts)
        )
        if len(parts) >= 2 and en_spec is not None and freq >= UNIT_RECUR and len(en.split()) >= 2:
            # a recurring compound of general words whose translation is a phrase general English rarely
            # uses is a unit of the domain (出口管制 / "export controls"), as specific as that phrase
            spec = max(spec, COMPOUND_BASE + (1 - COMPOUND_BASE) * en_spec)
    else:
        spec = specificity(weirdness(max(freq, 0.5), stats.n_tokens, gen[0], total))
    if name:
        spec = max(spec, NAME_FLOOR)  # names are built of common words ("Group of 7"): no wordfreq test
    else:
        # both sides against wordfreq's general frequencies: a general word on either side is no term
        # (公司 / company)
        spec = min(spec, specificity(weirdness_wf(freq, stats.n_tokens, zk, "zh")))
        if en_spec is not None:
            spec = min(spec, en_spec)
        # the writer's quotes mark a unit (“实体清单”), but not a common word as a term: 《孩子》, a film
        # title seen once, does not make 孩子 / child one
        if marked and general_freq(zk, "zh") < MARKED_MAX_FREQ:
            spec = max(spec, MARKED_SPEC)
    if marked or (name and _lexical_unit(zk)):
        evidence = 1 - (1 - MARKED_EVIDENCE_ONCE) * math.exp(-(max(freq, 1.0) - 1))
    elif name:
        evidence = max(0.0, 1 - (1 - NAME_EVIDENCE_ONCE) * math.exp(-(freq - 1)))
    else:
        evidence = 1 - math.exp(-max(freq, 0.0) / EVIDENCE_FREQ)
    # a name that is one token is a unit wherever it sits (非洲 in 非洲矿山): nesting says nothing about it
    indep = (
        1.0
        if (name and _lexical_unit(zk))
        else min(independence(freq, zh_containers), independence(stats.en_freq.get(ek, 0.0), en_containers))
    )
    return TermhoodParts(spec, evidence, indep, name, marked)


def _lexical_unit(zk: str) -> bool:
    """One jieba token: a dictionary name (七国集团 nt, 珍珠港 ns) or a new word found as one (贝森特)."""
    if not _HAN.search(zk):
        return False  # a Latin-script name inside the Chinese is jieba's "eng" token, not a word it knows
    toks = zh_tagged(zk)
    if len(toks) != 1:
        return False
    gen = general_zh()[0].get(zk)
    return gen is None or gen[1].startswith(_NAME_TAGS)


def is_person(zk: str, en: str, translit: float) -> bool:
    """A person's name: one jieba token tagged as one (nr, nrt, nrfg) or a transliteration, with capitalised English."""
    toks = zh_tagged(zk)
    return (
        len(toks) == 1
        and en[:1].isupper()
        and (toks[0][1].startswith("nr") or (translit >= 0.6 and zk not in general_zh()[0]))
    )


def person_compound(zk: str, en: str, entries: dict[str, str], persons: dict[str, str]) -> bool:
    """``zk`` is a person's name joined with other entries (总统 + 特朗普, 美国 + 财政部长 + 史考特贝森特)
    and ``en`` holds the name's English.

    ``entries``: Chinese key -> English of every entry; ``persons``: the same for persons' names. The
    Chinese is tiled by its jieba tokens into pieces that are each another entry, or a run of name
    tokens ending in a person's name (史考特 贝森特: the given name need not be an entry).
    """
    toks = zh_tagged(zk)
    n = len(toks)
    if n < 2:
        return False
    target = en_words(en)
    # reach[i]: tokens[:i] are tiled; value: whether a person piece whose English is in ``en`` was used
    reach: dict[int, bool] = {0: False}
    for i in range(n):
        if i not in reach:
            continue
        for j in range(i + 1, n + 1):
            piece = "".join(w for w, _ in toks[i:j])
            if piece == zk:
                continue
            person = (
                next((p for p in persons if piece.endswith(p) and all(f.startswith("nr") for _, f in toks[i:j])), None)
                if j - i > 1 or piece not in persons
                else piece
            )
            if person is not None and _holds(target, en_words(persons[person])):
                reach[j] = True
            elif piece in entries:
                reach[j] = reach.get(j, False) or reach[i]
    return reach.get(n, False)


def place_compound(zk: str, en: str, senses: Mapping[str, Sequence[str]]) -> bool:
    """``zk`` is a place or organisation name of jieba's dictionary (tagged ns or nt: 中国, 美国, 外国,
    商务部) joined to another entry's Chinese, and ``en`` is one of that entry's lower-case English forms
    with words before it: 中国政府 / "Chinese government" beside 政府 / government, 外国关键矿产 / "foreign
    critical minerals" beside 关键矿产 / critical minerals, 商务部员工 / "Commerce employees". Such a free
    combination is redundant beside the entry, as a person compound is beside the name. So is a place
    joined to any common noun when ``en`` is the place's word and lower-case words only (中国进口商品 /
    "Chinese imports", 中国来源稀土 / "Chinese-origin rare earths"), whether or not the rest is an entry.

    ``senses``: Chinese key -> the English of each of its entries. A capitalised rest is a name or a
    title that the place makes an institution's (美国财政部长 / "U.S. Treasury Secretary" beside 财政部长 /
    Treasury Secretary), which a translator wants: no free combination.
    """
    words = general_zh()[0]
    target = en_words(en)
    parts = en.split()
    # two characters at least: a one-character place (美, 中) also starts everyday words (美人儿, 中心)
    for i in range(2, len(zk)):
        gen = words.get(zk[:i])
        if gen is None or not gen[1].startswith(_PLACE_TAGS):
            continue
        if _place_then_nouns(parts):
            return True  # the place and a common noun on both sides: 中国进口商品 / Chinese imports
        for rest_en in senses.get(zk[i:], ()):
            rest = en_words(rest_en)
            if rest_en == rest_en.lower() and 0 < len(rest) < len(target) and target[-len(rest) :] == rest:
                return True
    return False


def _place_then_nouns(words: Sequence[str]) -> bool:
    """A capitalised word, then lower-case words only ("Chinese imports", "U.S. soybeans"), not a name's
    link word ("Group of 7")."""
    rest = words[1:]
    return (
        len(rest) > 0
        and words[0][:1].isupper()
        and rest[0] not in _NAME_LINKS
        and all(w.islower() and w.replace("-", "").isalpha() for w in rest)
    )


def _holds(long: Sequence[str], short: Sequence[str]) -> bool:
    return len(short) > 0 and has_run(long, short)


def _word_specificity(word: str, stats: CorpusStats) -> float:
    words, total = general_zh()
    gen = words.get(word)
    if gen is None:
        return 1.0
    return specificity(weirdness(max(stats.token_freq.get(word, 0.0), 0.5), stats.n_tokens, gen[0], total))


def zh_containers(keys: Sequence[str], freq: dict) -> dict[str, list[float]]:
    """For each Chinese key, the frequencies of the other keys (entries) that contain it."""
    out: dict[str, list[float]] = defaultdict(list)
    uniq = sorted(set(keys), key=len)
    for i, a in enumerate(uniq):
        for b in uniq[i + 1 :]:
            if len(b) > len(a) and a in b:
                out[a].append(freq.get(b, 0.0))
    return out


def _conjunct(words: Sequence[str], a: int, b: int) -> bool:
    """``words[a:b]`` is a conjunct of the coordination ``words``: "and" or "or" right before or after it. A
    coordination says its members whole ("mining and refining operations" holds "refining operations";
    "reform and opening up" holds "reform"), so it nests neither of them (:func:`en_containers`)."""
    return (a > 0 and words[a - 1] in ("and", "or")) or (b < len(words) and words[b] in ("and", "or"))


def en_containers(keys: Sequence[str], freq: dict) -> dict[str, list[float]]:
    """For each English key, the frequencies of the English candidates that contain it as whole
    words. Each candidate's word runs are looked up, so the cost is linear in the number of candidates."""
    want = defaultdict(list)
    for k in set(keys):
        want[tuple(k.lower().split())].append(k)
    longest = max((len(w) for w in want), default=0)
    out: dict[str, list[float]] = defaultdict(list)
    for b, f in freq.items():
        words = tuple(b.lower().split())
        seen = set()
        for n in range(1, min(longest, len(words) - 1) + 1):
            for a in range(len(words) - n + 1):
                run = words[a : a + n]
                if _conjunct(words, a, a + n):
                    continue  # "refining operations" in "mining and refining operations" is a term of its own
                if run in want and run not in seen:
                    seen.add(run)
                    for k in want[run]:
                        out[k].append(f)
    return out


def entry_termhoods(entries: Sequence[TermEntry], stats: CorpusStats) -> list[tuple[TermhoodParts, bool] | None]:
    """Per entry, its termhood parts and whether it is a person or place compound (:func:`person_compound`,
    :func:`place_compound`); None for a pinned entry. Nesting and compounds are judged among ``entries`` together."""
    keys = [zh_key(e.zh) for e in entries]
    zc = zh_containers(keys, stats.zh_freq)
    ec = en_containers([en_key(e.en) for e in entries], stats.en_freq)
    tr = [translit(zk, e.en) for e, zk in zip(entries, keys)]
    by_zh = {zk: e.en for e, zk in zip(entries, keys)}
    senses: dict[str, list[str]] = defaultdict(list)  # a Chinese key's every English (政府: administration, government)
    for e, zk in zip(entries, keys):
        senses[zk].append(e.en)
    persons = {zk: e.en for e, zk, t in zip(entries, keys, tr) if is_person(zk, e.en, t)}
    return [
        None
        if e.pinned
        else (
            termhood(zk, e.en, stats, zc.get(zk, ()), ec.get(en_key(e.en), ()), t_lit),
            person_compound(zk, e.en, by_zh, persons) or place_compound(zk, e.en, senses),
        )
        for e, zk, t_lit in zip(entries, keys, tr)
    ]


def with_termhood(entries: Sequence[TermEntry], stats: CorpusStats, max_confidence: float = 1.0) -> list[TermEntry]:
    """``entries``, whose confidence is still the candidate model's ``p``, with their termhood set (pinned
    entries: 1) and the confidence they show (:func:`glossary.calibration.shown_confidence` of ``p`` and
    termhood, at most ``max_confidence``; a pinned entry's stays), ordered by rank (``p`` × termhood), best
    first."""
    out = []
    for e, parts in zip(entries, entry_termhoods(entries, stats)):
        if parts is None:
            t = 1.0
        else:
            t = parts[0].value
            if parts[1]:
                t = round(t * PERSON_COMPOUND, 4)
            if verbal_word(zh_key(e.zh), e.en, e.freq) or attribute_word(e.en):
                t = round(t * VERBAL, 4)
            if stray_name(zh_key(e.zh), e.en):
                t = round(t * STRAY_NAME, 4)
        shown = e.confidence if e.pinned else round(min(shown_confidence(e.confidence, t), max_confidence), 4)
        out.append(replace(e, termhood=t, confidence=shown, link=None if e.pinned else e.confidence))
    return sort_by_rank(out)


def verbal_word(zk: str, en: str, freq: int = 0) -> bool:
    """``zk`` is a verb and no term: a word of jieba's general dictionary whose every CC-CEDICT sense
    is a verb (:func:`termalign.align.lexicon.verbal_only`), and ``en`` (as shown) does not end in a
    gerund. jieba tags many verb-object words nouns (念佛 "to chant the names of Buddha"), so they
    become candidates; their English is a verb phrase, which the English candidates never hold, so
    they pair with a noun nearby (念佛 / "Lord Buddha") or with a noun formed from the verb (替代 /
    "alternative", 中断 / "disruption": right, but no terms). A gerund is how English makes such a
    verb a term (许可 / "licensing", 精炼 / "refining"), so that pair is left alone. The entry stays:
    only its rank goes down (its confidence says whether the translation is right).

    The English side too: a gerund alone that is no noun (lemminflect) is a participle, the verb of a
    clause; in an entry seen in one sentence pair (``freq``) whose Chinese CC-CEDICT does not gloss with
    that verb, it is the sentence's predicate beside the term, no term (拖拉 "to drag" / "tumbling", 光景 /
    "observing"; 建设 / "constructing" and 消失 / "disappearing" keep their rank)."""
    from lemminflect import getAllLemmas

    words = en.split()
    if freq == 1 and len(words) == 1 and gerund(words[0]) and "NOUN" not in getAllLemmas(words[0].lower()):
        return not en_lemmas(en) & frozenset().union(*gloss_parts(zk))
    return bool(words) and zk in general_zh()[0] and verbal_only(zk) and not gerund(words[-1])


def attribute_word(en: str) -> bool:
    """``en`` is one lower-case word that lemminflect knows only as an adjective (global, strategic,
    critical): the entry is an attribute, no noun term. Chinese writes such attributes as nouns of their
    own (全球, 战略, 关键), which pair with the adjective alone (:func:`glossary.candidates._attributive`);
    the pair is right, but a translator looks up 关键矿物 / critical minerals, not 关键 / critical. As
    with a verb, only its rank goes down."""
    return " " not in en.strip() and _attributive(en.strip())


def stray_name(zk: str, en: str) -> bool:
    """``zk`` is a word of jieba's general dictionary tagged a person's name (nr) and counted fewer than
    ``STRAY_NAME_COUNT`` times there, and ``en`` (as shown) has no capitalised word. Such rare "names"
    are strings the dictionary's name tagger picked up (秋尽冬 nr 5 of 秋尽冬初, "the end of autumn and
    the start of winter"; 牛鼻 nr 2, "an ox's nose"; 金戴银 nr 4 of 穿金戴银), so jieba keeps them one token
    and they become candidates; a name would be capitalised in English, and a word of the language
    would be counted more often. On MAC-Dev 001-003 秋尽冬 / "autumn and winter" ranked 59 and 牛鼻 /
    "tether" 113 (gold: both wrong). A common word the dictionary mistags (麻风 nr 25, "leprosy"; 白布 nr
    453) is left alone. The entry stays: only its rank goes down."""
    gen = general_zh()[0].get(zk)
    return (
        gen is not None
        and gen[1].startswith("nr")
        and gen[0] < STRAY_NAME_COUNT
        and not any(w[:1].isupper() for w in en.split())
    )


def sort_by_rank(entries: Iterable[TermEntry]) -> list[TermEntry]:
    """By rank (confidence × termhood), then confidence, frequency and the forms."""
    return sorted(entries, key=lambda t: (-t.rank, -t.confidence, -t.freq, t.zh, t.en))
