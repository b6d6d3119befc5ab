"""Chinese term candidates beyond jieba's noun runs (:func:`glossary.candidates.zh_candidates`).

A terminologist's list holds terms that no noun run can propose: fixed expressions jieba tags ``l``
(宇宙线, 群众路线), terms with a pronoun or verb inside (自身免疫), names the writer marks by quotes
or title marks (《国防生产法案》, “远期采购”), Latin-script names inside Chinese text (MP Materials),
and one-character terms (铜, 锂). Each source here gives ``(key, surface, start, end)`` like
``zh_candidates``; which of them become entries is left to the pairing's evidence.

* :func:`marked_spans` -- text inside 《》 “” 「」 『』 (2 to 12 characters, no punctuation inside).
* :func:`latin_spans` -- runs of two or more Latin-script words inside Chinese text, outside
  parentheses (``中文(English)`` is :func:`glossary.candidates.paren_pairs`' job).
* :func:`token_spans` -- every run of 2 to 4 jieba tokens of two or more characters each whose
  first and last token can edge a term (no particle, preposition, conjunction, numeral, measure word,
  adverb or punctuation, nothing in ``ZH_STOP``). These are many, so :func:`recurring` keeps only the spans seen in at least
  ``MIN_RECUR`` sentence pairs, and the pairing counts those as candidates: a span that recurs with a
  stable English partner is a term the lexicon did not know.
* :func:`ngram_spans` -- Chinese character n-grams (2 to ``NGRAM_MAX`` Han characters) that jieba's cut
  hides: a word of its dictionary inside a longer token (曲阜 in 曲阜县) or a run across its tokens
  (陈 清扬 -> 陈清扬). :func:`aligned_ngrams` keeps those that recur in the sentence pairs and
  co-occur with one English candidate in most of their sentences, and are not always inside a
  longer such n-gram with the same partner. Used only with ``GlossaryParams(ngram_candidates=True)``.
* :func:`translated_names` -- character n-grams that jieba hides (袭/v 人/n, 平儿/q, 平儿拿) and that align
  with an English name written in capitals (袭人 / Aroma, 平儿 / Patience): names translated, not spelled.
  On by default (``GlossaryParams(translated_names=False)`` turns it off).
* :func:`glossary.orgs.org_spans` -- an organisation's name that no noun run gives (美国 国际 开发/v
  金融公司, 乔治城 大学教授 -> 乔治城大学); :func:`glossary.orgs.org_names` keeps those that meet an
  English name of their own pair.
* :func:`gerund_modifier_spans` -- a verb counted for its gerund and the noun after it (精炼 设备 / "refining
  equipment"), as the gerund modifies its noun in English.
* :func:`noun_sense_verbs` -- a verb the translation writes as a noun CC-CEDICT gives it (检讨 / "do a
  self-criticism"), kept like :func:`gerund_verbs`' verbs when the pairs bear it out.
* :func:`verb_compound_spans` -- a noun and a verb, or a verb and a noun, next to each other (全球 变暖, 拉普拉斯
  变换, 执行 董事); :func:`nominal_verb_compounds` keeps those a sentence pair's translation writes as a noun
  phrase (CC-CEDICT's senses of both words against the English), one pair being evidence enough.
* single characters: a one-character noun (铜, 锂) is a candidate; the pairing links it only when it
  aligns consistently (see ``glossary.pairing.SINGLE_DICE``).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache

from .candidates import (
    _NEGATORS,
    ZH_STOP,
    _agrees,
    _is_cap,
    _to_simplified,
    _tokens,
    dictionary_tag,
    gerund,
    lexicon,
    zh_clause,
    zh_tokens,
)
from .orgs import org_spans
from .pinyin import name_syllables, readings
from .variants import zh_key

MIN_RECUR = 2  # a token span is a candidate when seen in this many sentence pairs
QUOTED_MAX = 6  # a span in quotation marks longer than this is speech, not a name
_SPEECH = re.compile(r"[的了地得和与及在是我你他她们吗呢吧]")
_MARKED = re.compile(r"《([^《》\n]{2,12})》|“([^“”\n]{2,12})”|「([^「」\n]{2,12})」|『([^『』\n]{2,12})』")
_PUNCT_INSIDE = re.compile(r"[，,。.!！?？;；:：、\s“”「」《》()（）]")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9&.'’\-]*(?: [A-Za-z0-9][A-Za-z0-9&.'’\-]*)+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# jieba tags that cannot start or end a term: particles, prepositions, conjunctions, numerals,
# measure words, adverbs, pronouns at the end, punctuation, interjections, modal particles
_NO_EDGE = ("u", "p", "c", "m", "q", "d", "x", "w", "y", "e", "o", "uj", "ul", "uz", "ug", "uv", "ud", "f", "t")
_NO_END = _NO_EDGE + ("r", "a", "ad")
_FUNCTION = ("u", "p", "c", "d", "f", "r", "q", "y", "e", "o", "x", "w")  # words that translate no content word
_HEAD = ("n", "vn", "v", "l", "j")  # a term ends in a noun, a verbal noun, a verb (自身免疫) or a fixed expression
_NAME = ("nr", "ns", "nt")


def marked_spans(text: str) -> list[tuple[str, str, int, int]]:
    """Spans inside title marks or Chinese quotation marks: 《国防生产法案》 -> 国防生产法案.

    Quotation marks also quote speech (“有足够的善意和外交灵活性”), so a quoted span must be short
    (``QUOTED_MAX`` characters) and hold no particle or conjunction; a title in 《》 may be longer."""
    out = []
    for m in _MARKED.finditer(text):
        k = next(g for g in range(1, 5) if m.group(g))
        inner = m.group(k)
        if _PUNCT_INSIDE.search(inner) or not _HAN.search(inner):
            continue
        if k > 1 and (len(inner) > QUOTED_MAX or _SPEECH.search(inner)):
            continue
        key = zh_key(inner)
        if 2 <= len(key) <= 12 and key not in ZH_STOP:
            out.append((key, inner, m.start(k), m.end(k)))
    return out


def latin_spans(text: str) -> list[tuple[str, str, int, int]]:
    """Latin-script names of two or more words inside Chinese text (MP Materials), not in parentheses."""
    if not _HAN.search(text):
        return []
    out = []
    for m in _LATIN.finditer(text):
        s = m.group(0).strip(".-'’ ")
        before = text[: m.start()].rstrip()
        if before.endswith(("(", "（")) or "http" in s or "." in s.replace(". ", " ").split()[-1][:-1]:
            continue
        if any(w[:1].isupper() for w in s.split()) and len(s.split()) <= 6:
            out.append((zh_key(s), s, m.start(), m.start() + len(s)))
    return out


def single_nouns(text: str) -> list[tuple[str, str, int, int]]:
    """One-character nouns (铜 copper, 锂 lithium): candidates the pairing links only on consistent alignment.
    A noun morpheme (jieba's ``ng``) counts when it stands free and CC-CEDICT's first sense names a thing:
    钴 "cobalt" in 铜、锂、钴、石墨 or 大部分的钴来自, where no noun, verb, adjective, numeral or measure word
    before it and no noun or suffix after it could bind it into a word (婆 of 尖嘴婆 is bound)."""
    simp = _to_simplified(text)
    same = len(simp) == len(text)
    toks = _tokens(simp)
    return [
        (w, text[s : s + 1] if same else w, s, s + 1)
        for i, (w, f, s) in enumerate(toks)
        if len(w) == 1
        and _HAN.match(w)
        and w not in ZH_STOP
        and (f in ("n", "nz") or (f == "ng" and _free_morpheme(toks, i) and _noun_sense(w)))
    ]


_BINDS_BEFORE = ("n", "a", "v", "m", "q")  # a noun morpheme after these is part of their word (尖嘴 婆)
_BINDS_AFTER = ("n", "k")  # ... and before these (轿 夫)


def _free_morpheme(toks: Sequence[tuple[str, str, int]], i: int) -> bool:
    """``toks[i]`` has no neighbour it could be bound to (:func:`single_nouns`)."""
    before = toks[i - 1][1] if i else "x"
    after = toks[i + 1][1] if i + 1 < len(toks) else "x"
    return not before.startswith(_BINDS_BEFORE) and not after.startswith(_BINDS_AFTER)


def compound_heads(text: str) -> list[tuple[str, str, int, int]]:
    """The head of a noun token that jieba keeps whole but CC-CEDICT lacks, where the token is two words
    CC-CEDICT has and the second is a noun in jieba's dictionary: 教授 ("professor") of 大学教授 (大学 + 教授), which the English may translate alone
    ("a professor at Georgetown University"). The head is the last word, the longest that leaves a
    dictionary word of two characters or more before it."""
    from termalign.align.lexicon import is_headword

    simp = _to_simplified(text)
    same = len(simp) == len(text)
    out = []
    for w, f, s in _tokens(simp):
        if len(w) < 4 or not f.startswith("n") or is_headword(w) or not _HAN_RUN.fullmatch(w):
            continue
        k = next((k for k in range(2, len(w) - 1) if is_headword(w[:k]) and is_headword(w[k:])), None)
        if k is not None and w[k:] not in ZH_STOP and (dictionary_tag(w[k:]) or "").startswith("n"):
            e = s + len(w)
            out.append((zh_key(w[k:]), text[s + k : e] if same else w[k:], s + k, e))
    return out


def token_spans(text: str, max_tokens: int = 4) -> list[tuple[str, str, int, int]]:
    """Runs of 2 to ``max_tokens`` jieba tokens with term-like edges, any tags inside (自身 免疫)."""
    simp = _to_simplified(text)
    same = len(simp) == len(text)
    toks = _tokens(simp)
    out = []
    for a in range(len(toks)):
        w0, f0, s = toks[a]
        if (
            f0.startswith(_NO_EDGE)
            or (f0 == "v" and _dictionary_verb(w0))
            or w0 in ZH_STOP
            or not _HAN.match(w0)
            or len(w0) < 2
        ):
            # a bare verb opens a verb phrase (实施 出口管制), not a term; verbal nouns (vn) may, and so may a word
            # jieba tags a verb that CC-CEDICT knows as no verb (反补贴 调查 "anti-subsidy investigation")
            continue
        for b in range(a + 2, min(len(toks), a + max_tokens) + 1):
            w1, f1, s1 = toks[b - 1]
            if not _HAN.match(w1) or len(w1) < 2:
                break  # one-character tokens (我, 看, 们, 的) glue verbs and pronouns to names: 看王琦瑶
            if f1.startswith(_NO_END) or w1 in ZH_STOP or not f1.startswith(_HEAD):
                continue
            if f1 in ("v", "l") and toks[b - 2][1].startswith("n"):
                continue  # a noun and then a verb is a clause (男孩 扑上去), not a term (自身 免疫)
            if any(f.startswith(_NAME) for _, f, _ in toks[a:b]):
                break  # a name joined to a verb or an adjective (吴佩珍沮丧); name compounds are noun runs
            e = s1 + len(w1)
            key = zh_key(simp[s:e])
            if 3 <= len(key) <= 8 and not zh_clause([(w, f) for w, f, _ in toks[a:b]]):
                out.append((key, text[s:e] if same else simp[s:e], s, e))
    return out


@lru_cache(maxsize=1 << 14)
def _dictionary_verb(word: str) -> bool:
    """CC-CEDICT gives ``word`` a verb sense ("to ..."), or the word holds a negator (投不 of 投不投降, jieba's glue
    of a verb and its negation): a word CC-CEDICT lacks (反补贴, 带量, which jieba tags v) or knows as no verb
    (反倾销 "anti-dumping") is no verb to it."""
    from termalign.align.lexicon import senses

    return bool(_NEGATORS & set(word)) or any(x.startswith("to ") for x in senses(word))


def recurring(texts: Iterable[str], min_count: int = MIN_RECUR) -> frozenset[str]:
    """Keys of the token spans seen in at least ``min_count`` of ``texts`` (each text counts once)."""
    n: Counter = Counter()
    for t in texts:
        n.update({k for k, *_ in token_spans(t)})
    return frozenset(k for k, c in n.items() if c >= min_count)


VERB_SHARE = 0.5  # a verb's gerund in this share of its sentence pairs (and in MIN_RECUR of them), at least


def _verbs(zh: str) -> set[str]:
    """Keys of the jieba tokens of ``zh`` tagged ``v`` of two or more Han characters, none in ``ZH_STOP``."""
    return {
        zh_key(w)
        for w, f, _ in _tokens(_to_simplified(zh))
        if f == "v" and len(w) >= 2 and _HAN_RUN.fullmatch(w) and w not in ZH_STOP
    }


def gerund_verbs(pairs: Iterable[tuple[str, Iterable[str]]], min_count: int = MIN_RECUR) -> frozenset[str]:
    """Keys of the Chinese verbs that the translation writes as a gerund, from (Chinese text, English
    candidate keys) per sentence pair: a jieba token tagged ``v`` of two or more Han characters (nothing in
    ``ZH_STOP``) that meets one English gerund (:func:`glossary.candidates.gerund`, a candidate of its own)
    in at least ``min_count`` pairs and ``VERB_SHARE`` of the pairs it is seen in, and that is no common
    word (rarer in general language than ``termhood.MARKED_MAX_FREQ``, Zipf 4.5). No noun run holds a
    verb, yet English makes a verb a term by its gerund: 摔交 / "wrestling" (five of its seven pairs in
    MAC-Dev 002), 赌钱 / "gambling", 精炼 / "refining" (the example corpus' gold). A verb the English
    writes as a verb ("laughed") meets no gerund, and the common verbs of narrative that meet one by the
    way (坐在 / "sitting", 成为 / "becoming", 吃饭 / "eating", 举行 / "holding") are too common to be terms.
    Linear in the pairs (verbs times gerunds of each)."""
    from .termhood import MARKED_MAX_FREQ, general_freq

    def meets(verbs: set[str], en_keys: Iterable[str]):
        gerunds = {k.lower() for k in en_keys if " " not in k and k.endswith("ing") and gerund(k.lower())}
        return ((v, g) for v in verbs for g in gerunds)

    return frozenset(v for v in _recurring_verbs(pairs, meets, min_count) if general_freq(v, "zh") < MARKED_MAX_FREQ)


def noun_sense_verbs(pairs: Iterable[tuple[str, Iterable[str]]], min_count: int = MIN_RECUR) -> frozenset[str]:
    """Keys of the Chinese verbs that the translation writes as a noun CC-CEDICT gives them, from (Chinese
    text, English candidate keys) per sentence pair: a verb token (as :func:`gerund_verbs`) one of whose
    senses, a noun phrase (no "to ..."), is an English candidate of its pair, in at least ``min_count``
    pairs and ``VERB_SHARE`` of the pairs it is seen in. English turns a Chinese verb into a light verb
    and a noun (去 检讨/v "do a self-criticism", CC-CEDICT 检讨 "to examine or inspect / self-criticism /
    review"), which no noun run and no gerund can meet."""
    from termalign.align.lexicon import senses

    from .variants import en_key

    def meets(verbs: set[str], en_keys: Iterable[str]):
        en = {k.lower() for k in en_keys}
        return ((v, "") for v in verbs if {en_key(x).lower() for x in senses(v) if not x.startswith("to ")} & en)

    return frozenset(_recurring_verbs(pairs, meets, min_count))


def _recurring_verbs(
    pairs: Iterable[tuple[str, Iterable[str]]],
    meets: Callable[[set[str], Iterable[str]], Iterable[tuple[str, str]]],
    min_count: int,
) -> list[str]:
    """The verbs (:func:`_verbs`) of the pairs' Chinese that meet one English partner, ``meets(verbs, English
    candidate keys)`` giving (verb, partner) per meeting, in at least ``min_count`` pairs and ``VERB_SHARE``
    of the pairs the verb is seen in (counted with its most frequent partner)."""
    freq: Counter = Counter()
    co: Counter = Counter()
    for zh, en_keys in pairs:
        verbs = _verbs(zh)
        if not verbs:
            continue
        freq.update(verbs)
        co.update(set(meets(verbs, en_keys)))
    best: Counter = Counter()
    for (v, _), n in co.items():
        best[v] = max(best[v], n)
    return [v for v, n in best.items() if n >= min_count and n >= VERB_SHARE * freq[v]]


def _verb_compounds(text: str) -> list[tuple[str, str, int, int, str, str, bool]]:
    """(key, surface, start, end, first word, second word, the verb comes last) of :func:`verb_compound_spans`."""
    simp = _to_simplified(text)
    same = len(simp) == len(text)
    toks = _tokens(simp)
    out = []
    for i in range(len(toks) - 1):
        (w0, f0, s0), (w1, f1, s1) = toks[i], toks[i + 1]
        if not (_HAN_RUN.fullmatch(w0 + w1) and w0 not in ZH_STOP and len(w0 + w1) >= 3):
            continue
        noun_verb = (
            f1 == "v"
            and len(w1) >= 2
            and w1 not in ZH_STOP
            and (f0.startswith("n") or f0 in ("r", "l", "j"))
            and w0[0] not in _DEMONSTRATIVE
        )
        # a generic noun after the verb may be the compound's head: 反制 措施 "countermeasures"
        verb_noun = f0 == "v" and len(w0) == 2 and len(w1) >= 2 and f1 in ("n", "nz")
        if noun_verb or verb_noun:
            e = s1 + len(w1)
            out.append((zh_key(simp[s0:e]), text[s0:e] if same else simp[s0:e], s0, e, w0, w1, noun_verb))
    return out


_SENSE_OPEN_NO = frozenset("to lit. fig. in on at of for with by from as like a an the be is are one sb sth (".split())


def _noun_sense(word: str) -> bool:
    """CC-CEDICT's first sense of ``word`` names a thing: its name part (before a comment, "carbon
    neutrality", "Scientific Outlook on Development") opens with no verb's "to", no preposition or
    article and no "lit." or "fig." (an idiom's gloss), and ends in a word that can be a noun."""
    from termalign.align.lexicon import sense_name, senses

    from .candidates import _can_be_noun

    found = senses(word)
    if not found:
        return False
    name = sense_name(found[0]).split("; ")[0]
    words = name.split()
    return bool(words) and words[0].lower() not in _SENSE_OPEN_NO and _can_be_noun(words[-1].lower())


def dictionary_spans(text: str, max_tokens: int = 4) -> list[tuple[str, str, int, int]]:
    """Runs of 2 to ``max_tokens`` jieba tokens, Han characters only, that make a headword of CC-CEDICT of
    three characters or more whose first sense names a thing (:func:`_noun_sense`): jieba cuts what the
    dictionary holds whole (碳 中 和 "carbon neutrality", 碳 排放 "carbon emissions"), and the dictionary is
    evidence enough that the run is one word. A headword the pairing finds no partner for makes no entry."""
    from termalign.align.lexicon import is_headword

    simp = _to_simplified(text)
    same = len(simp) == len(text)
    toks = _tokens(simp)
    out = []
    for a in range(len(toks)):
        for b in range(a + 2, min(len(toks), a + max_tokens) + 1):
            s, e = toks[a][2], toks[b - 1][2] + len(toks[b - 1][0])
            run = simp[s:e]
            if not _HAN_RUN.fullmatch(run) or len(run) > 8:
                break
            if len(run) >= 3 and is_headword(run) and _noun_sense(run):
                out.append((zh_key(run), text[s:e] if same else run, s, e))
    return out


def verb_compound_spans(text: str) -> list[tuple[str, str, int, int]]:
    """Two neighbouring jieba tokens that make a compound with a verb, as (key, surface, start, end): a noun
    (or a pronoun, a fixed expression) and a verb of two characters or more (全球 变暖 "global warming",
    拉普拉斯 变换 "Laplace transform", 自身 免疫 "autoimmunity", 量子 纠缠 "quantum entanglement"), or a verb of
    two characters and a common noun after it (执行 董事 "executive director"). No noun run holds them,
    and most such pairs are a clause (男孩 扑上去, 实施 制裁): :func:`nominal_verb_compounds` keeps those whose
    translation says otherwise, and only those become candidates (``recurring_keys``)."""
    return [c[:4] for c in _verb_compounds(text)]


_DEMONSTRATIVE = frozenset("这那该此各每本其")  # 这项 合并 "this merger": the verb's determiner, no part of a term
_SENSE_WORD = re.compile(r"[a-z]{3,}")
_SENSE_STOP = frozenset(
    "something someone somebody with into from that this have make take"
    " sth the and for not out off get put set let one own all any can may its has".split()
)


@lru_cache(maxsize=1 << 14)
def _sense_words(verb: str) -> frozenset[str]:
    from termalign.align.lexicon import senses

    return frozenset(w for x in senses(verb) for w in _SENSE_WORD.findall(x.lower()) if w not in _SENSE_STOP)


def _stem_meets(word: str, sense_words: Iterable[str]) -> bool:
    """``word`` is made of one of the verb's sense words: it holds it ("entanglement": tangle, "autoimmunity":
    immunity) or shares its stem, all of it but the last two letters and at least four ("warming": warm,
    "merger": merge, "neutrality": neutralize, "executive": execute). A sense word of three letters only
    opens it ("payments": pay; not "display")."""
    return any(
        word.startswith(s) if len(s) < 4 else (s in word or word.startswith(s[: max(4, len(s) - 2)]))
        for s in sense_words
    )


def _covers(word: str, en_words: list[str]) -> bool:
    """The Chinese ``word`` has a counterpart among ``en_words``: one of them is made of its CC-CEDICT sense
    words (全球 "global", 碳 "carbon", 拉普拉斯 "Pierre Simon Laplace ..."). A name the dictionary lacks
    (沙瑞山 挥手 "Sha Ruishan waved") has none: a person and a verb are a clause."""
    words = _sense_words(word)
    return bool(words) and any(_stem_meets(w, words) for w in en_words)


def nominal_verb_compounds(pairs: Iterable[tuple[str, Iterable[str]]]) -> frozenset[str]:
    """Keys of the verb compounds (:func:`verb_compound_spans`) that a sentence pair's translation writes as
    a noun phrase, from (Chinese text, English candidates as written) per pair, read through the CC-CEDICT senses of
    both words.

    * A noun and a verb (全球 变暖) count when an English candidate ends in a noun made of one of the verb's
      sense words and its other words translate the noun: "global warming" (变暖 "to become warm", 全球
      "global"), "Laplace transform" (变换 "to transform"; 拉普拉斯 "Pierre Simon Laplace ..."), "quantum
      entanglement" (纠缠 "to be in a tangle"). A one-word candidate counts when it holds a sense word after a
      prefix that stands for the noun: "autoimmunity" (免疫 "immunity", 自身 "self"). A stem the sense does
      not share is missed: 碳排放 / "carbon emissions" (排放 "to emit").
    * A verb and a noun (执行 董事) count when an English candidate of two words opens with a word made of the
      verb's senses that lemminflect knows as no verb and ends in a noun, and the Chinese noun is one word of
      two characters: "executive director" (执行 "to execute", 董事). 称做 破鞋 / "called damaged goods" stays
      a clause.

    The rest are clauses whose translation keeps the verb a verb. One sentence pair is evidence enough;
    the pairing decides the partner."""
    from lemminflect import getAllLemmas

    out: set[str] = set()
    for zh, en_forms in pairs:
        spans = [c for c in _verb_compounds(zh) if c[0] not in out]
        if not spans:
            continue
        en = [k.lower().split() for k in en_forms]
        for key, _, _, _, first, second, verb_last in spans:
            if verb_last:
                words = _sense_words(second)
                met = bool(words) and any(
                    (
                        len(k) > 1
                        and _stem_meets(k[-1], words)
                        and ("NOUN" in getAllLemmas(k[-1]) or k[-1].endswith("ing"))
                        and not _agrees(k[-2], k[-1])
                        and _covers(first, k[:-1])
                    )
                    or (len(k) == 1 and any(w in k[0] and not k[0].startswith(w) for w in words))
                    for k in en
                )
            else:
                words = _sense_words(first)
                met = (
                    bool(words)
                    and len(second) == 2
                    and any(
                        (
                            len(k) == 2
                            and _stem_meets(k[0], words)
                            and "VERB" not in getAllLemmas(k[0])
                            and "NOUN" in getAllLemmas(k[1])
                        )
                        # one closed compound of the two: "countermeasures" (反制 "to counter", 措施 "measure")
                        or (len(k) == 1 and any(k[0].startswith(w) for w in words) and _covers(second, k))
                        for k in en
                    )
                )
            if met:
                out.add(key)
    return frozenset(out)


NGRAM_MAX = 4  # Han characters of an n-gram candidate
NGRAM_MIN = 3  # sentence pairs an n-gram and its English partner share, at least
NGRAM_SHARE = 0.5  # ... and this share of the n-gram's sentences
NGRAM_DICE = 0.3  # ... and this Dice between the two, so a common English word is no partner
NGRAM_NEST = 0.9  # an n-gram inside a longer one in this share of its partner's sentences is a fragment
NGRAM_FREE = 2.0  # an n-gram whose part is seen this many times as often is that part and a glued character
# Characters that cannot open or close a term: particles, pronouns, prepositions, adverbs, copulas
_NG_EDGE = frozenset(
    "的了着过是在和与及或也都就而但并对把被从向为以于将会能要已又很不没这那我你他她它们吗呢吧啊呀么个上下里说道"
    "一二三四五六七八九十两几百千万"
)
# Locatives that close no term (桌上 "on the table") but open one as the attributive "upper, lower" (上书房
# "Upper Library", 下议院 "Lower House"): jieba cuts them off as a locative (上/f 书房/n)
_NG_OPEN_LOCATIVE = frozenset("上下")
_NG_INNER = re.compile(r"[的了着过和与及是在把被]")
_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,}")


def _han_ngrams(simp: str, longest: int) -> Iterator[tuple[int, int]]:
    """(start, end) of every n-gram of 2 to ``longest`` characters inside a run of Han characters."""
    for m in _HAN_RUN.finditer(simp):
        for a in range(m.start(), m.end()):
            for b in range(a + 2, min(m.end(), a + longest) + 1):
                yield a, b


def _ngrams(simp: str) -> set[str]:
    """Distinct Han n-grams of 2 to ``NGRAM_MAX`` + 1 characters (the longest only decide nesting:
    射电望远 is a piece of 射电望远镜, not a term)."""
    return {simp[a:b] for a, b in _han_ngrams(simp, NGRAM_MAX + 1)}


def _ng_edges_ok(g: str) -> bool:
    """Term-like edges and no particle inside (男孩的双 is a phrase cut at random)."""
    return (
        (g[0] not in _NG_EDGE or g[0] in _NG_OPEN_LOCATIVE)
        and g[-1] not in _NG_EDGE
        and g not in ZH_STOP
        and not _NG_INNER.search(g)
    )


# A whole token with one of these tags inside an n-gram makes it a phrase: a pronoun, adverb, numeral, measure
# word, preposition, conjunction, particle, modal particle, interjection, onomatopoeia or punctuation
_PHRASE_TAGS = ("r", "d", "m", "q", "p", "c", "u", "y", "e", "o", "x")


def _term_like(simp: str, tagged: tuple[tuple[str, str, int], ...], words: bool = False) -> set[str]:
    """The n-grams of ``simp`` with term-like edges that hold no whole token tagged as a pronoun,
    adverb, numeral, measure word, preposition, conjunction or particle, nor a verb beside another
    word of two characters (什么名字, 再说一遍, 放入口中 are phrases; 陈 清扬 is a name jieba misread).
    A token the n-gram cuts keeps two characters inside it (曲阜 of 曲阜县, not 国进 of 美国 进口), and
    an n-gram inside one token is a word jieba's dictionary knows (its longer word took it). With
    ``words``, an n-gram that is one whole token is kept whatever its tag: jieba tags the maid's
    name 平儿 a measure word, and a name's English partner, not the tag, says what it is."""
    at = {s: (w, f) for w, f, s in tagged}
    span = [(0, 0)] * len(simp)  # (start, end) of the token at each character
    for w, _, s in tagged:
        span[s : s + len(w)] = [(s, s + len(w))] * len(w)
    out = set()
    for m in _HAN_RUN.finditer(simp):
        run, base = m.group(0), m.start()
        for a in range(len(run)):
            for b in range(a + 2, min(len(run), a + NGRAM_MAX) + 1):
                g = run[a:b]
                if not _ng_edges_ok(g):
                    continue
                s0, e0 = span[base + a]
                s1, e1 = span[base + b - 1]
                if (s0 < base + a and e0 - base - a < 2) or (e1 > base + b and base + b - s1 < 2):
                    continue  # a token cut so that one character of it is left inside: 美国进口 -> 国进
                if (s0, e0) == (s1, e1) and not lexicon(g):
                    continue  # a part of one token must be a word of jieba's own (曲阜 of 曲阜县, not 周大 of 周大娘)
                if words and (s0, e0) == (base + a, base + b):
                    out.add(g)  # one whole token: 平儿/q
                    continue
                whole = [at[i] for i in range(base + a, base + b) if i in at and i + len(at[i][0]) <= base + b]
                long = [f for w, f in whole if len(w) >= 2]
                if any(f.startswith(_PHRASE_TAGS) for _, f in whole) or (
                    len(long) >= 2 and any(f.startswith("v") for f in long)
                ):
                    continue
                out.add(g)
    return out


def _around(hidden: set[str], freq: Counter) -> set[str]:
    """The ``hidden`` n-grams and those that decide about them, jieba's candidates too: their parts
    and the n-grams one character longer that hold them, seen in ``NGRAM_MIN`` sentences."""
    seen = {g for g, n in freq.items() if n >= NGRAM_MIN}
    return (
        hidden | {g for h in hidden for g in (h[1:], h[:-1])} | {g for g in seen if g[1:] in hidden or g[:-1] in hidden}
    )


def _best_partners(
    sents: list[tuple[set[str], set[str]]], freq: Counter, seen: set[str]
) -> tuple[dict[str, tuple[int, float, str]], Counter]:
    """Each n-gram of ``seen``'s best English partner: n-gram -> (co-occurrences, Dice, partner), for
    a partner met in ``NGRAM_MIN`` sentences, ``NGRAM_SHARE`` of the n-gram's and with Dice
    ``NGRAM_DICE``; and the co-occurrence counts. ``sents``: (n-grams, English keys) per sentence
    pair; ``freq``: sentences per n-gram."""
    co: Counter = Counter()
    ef: Counter = Counter()
    for grams, en in sents:
        ef.update(en)
        for g in grams & seen:
            co.update((g, e) for e in en)
    best: dict[str, tuple[int, float, str]] = {}  # n-gram -> (co-occurrences, Dice, its English partner)
    for (g, e), n in co.items():
        dc = 2 * n / (freq[g] + ef[e])
        if (
            n >= NGRAM_MIN
            and n >= NGRAM_SHARE * freq[g]
            and dc >= NGRAM_DICE
            and (n, dc, e) > best.get(g, (0, 0.0, ""))
        ):
            best[g] = (n, dc, e)
    return best, co


def _nested_out(best: dict[str, tuple[int, float, str]], co: Counter, freq: Counter) -> set[str]:
    """The n-grams of ``best`` that lose to a nested one (:func:`aligned_ngrams` says which)."""
    drop = set()
    for h, (n, _, e) in best.items():
        for g in {h[1:], h[:-1]}:
            own = best[g][2] if g in best else e  # the shorter n-gram's own partner
            if (n < NGRAM_NEST * co.get((g, e), 0) or (freq[g] >= NGRAM_FREE * freq[h] and own == e)) and not (
                extra_glossed(h, g, e)
            ):
                drop.add(h)  # the partner, or the shorter n-gram, comes without h's extra character (韦小宝后)
            elif g in best and best[g][2] == e:
                drop.add(g)  # g meets its partner nearly only inside h (文洁 in 叶文洁)
    return drop


def edge_parts(long: str, short: str) -> list[str]:
    """What the Chinese ``long`` adds to ``short`` at its first occurrence: the run before it and the run after
    it, each when not empty (战略矿产储备 beside 战略矿产: [储备]); none when ``short`` is not in ``long``."""
    at = long.find(short)
    return [x for x in (long[:at], long[at + len(short) :]) if x] if at >= 0 else []


def extra_glossed(long: str, short: str, en: str) -> bool:
    """The characters that the Chinese ``long`` adds to ``short``, a part of it, translate a word of the
    English ``en`` that nothing in ``short`` translates, by CC-CEDICT, every dictionary word of them
    (:func:`termalign.align.lexicon.gloss_parts`): 上 ("upper") of 上书房 / "Upper Library" beside 书房 ("study"). The text may write the shorter form for the same
    thing (皇上一定不会在书房里, "His Majesty won't even be in the Upper Library"), so the shorter one
    meets the English more often; but only the longer one holds every word of it. Not 专案 ("project")
    of 专案计划管线 / "project pipeline": 计划 ("plan, project") of 计划管线 translates it already; nor
    矿物需求量 of 全球关键矿物需求量 / "global demand" beside 全球关键: 矿物 ("mineral") is no word of it."""
    from termalign.align.lexicon import en_lemmas, gloss_parts

    extra = edge_parts(long, short)
    words = en_lemmas(en).difference(*gloss_parts(short))
    return bool(extra) and all(g & words for x in extra for g in gloss_parts(x))


def crossed_glosses(part: str, part_en: str, whole: str, whole_en: str) -> bool:
    """The pair (``part``, ``part_en``) cuts across the pair (``whole``, ``whole_en``) that holds it on both
    sides: by CC-CEDICT (:func:`termalign.align.lexicon.gloss_parts`), a word of ``part_en`` translates what
    ``whole`` adds to ``part`` and nothing of ``part``, or ``part`` translates a word of ``whole_en`` that
    ``part_en`` leaves out and nothing else of ``whole`` translates. 航行 / "navigation operation" inside
    航行自由行动 / "freedom of navigation operation": "operation" is 行动's; 自由行动 / "freedom": its 行动 is
    the whole's "operation". Such a pair is a piece of the longer one's word order, not a word of its own;
    部长 / "minister" inside 内阁部长 / "cabinet ministers" is one (内阁 is "cabinet")."""
    from termalign.align.lexicon import en_lemmas, gloss_parts

    rest = edge_parts(whole, part)
    if not rest:
        return False
    g_part = frozenset().union(*gloss_parts(part))
    g_rest = frozenset().union(*(g for x in rest for g in gloss_parts(x)))
    own = en_lemmas(part_en)
    return bool(own & (g_rest - g_part)) or bool((en_lemmas(whole_en) - own) & (g_part - g_rest))


def unknown_extra(long: str, short: str, en: str) -> bool:
    """What the Chinese ``long`` adds to ``short`` (a part of it, at one edge) is a word CC-CEDICT lacks that
    gives an English word of ``en`` that nothing in ``short`` translates: it spells the word in pinyin
    (:func:`glossary.pinyin.translit` at least ``UNKNOWN_SPELL``) or one of its characters glosses it. 布伦特原油
    / "brent crude" beside 原油 ("crude oil"): 布伦特 (bù lún tè) spells "Brent"; 浮式接收站 / "floating
    terminals" beside 接收站: 浮 is "to float". The encoder knows neither new word, so it cannot tell."""
    from termalign.align.lexicon import en_lemmas, gloss_parts, glosses

    from .pinyin import translit

    extra = edge_parts(long, short)
    if len(extra) != 1 or len(extra[0]) < 2 or glosses(extra[0]) or not _HAN_RUN.fullmatch(extra[0]):
        return False
    if extra[0] not in zh_tokens(long):
        return False  # one word of the cut, not a phrase (原料 酿造 of 原料酿造优质白酒)
    have = [g for g in gloss_parts(short) if g]
    words = [(w, en_lemmas(w)) for w in en.lower().split()]
    left = [
        (w, lem)
        for w, lem in words
        if lem
        and not any(_stem_meets(x, g) for x in lem for g in have)
        and translit(short, w.capitalize()) < UNKNOWN_SPELL  # a name the shorter term spells is its own
    ]
    chars = [g for g in (glosses(ch) for ch in extra[0]) if g]
    return bool(have) and any(
        translit(extra[0], w.capitalize()) >= UNKNOWN_SPELL or any(_stem_meets(x, g) for x in lem for g in chars)
        for w, lem in left
    )


UNKNOWN_SPELL = 0.5  # a word the dictionary lacks spells an English word that nothing else translates this well


def en_extra_glossed(term: str, short: str, long: str) -> bool:
    """The words the English ``long`` adds to ``short``, a part of it, translate by CC-CEDICT every
    dictionary word of the Chinese ``term`` that ``short`` leaves untranslated, and ``short`` translates
    the rest (:func:`termalign.align.lexicon.dictionary_parts`): 小康社会 / "moderately prosperous society"
    beside "society" (社会): 小康 is "moderately affluent". A part left untranslated must be a word of two
    characters or more: one character has too many senses (子 of 地租子 / "rents" is also the earthly branch
    "year", no gloss of "half-yearly"). The mirror of :func:`extra_glossed`."""
    from termalign.align.lexicon import dictionary_parts, en_lemmas, glosses

    have = en_lemmas(short)
    added = en_lemmas(long) - have
    parts = [(w, glosses(w)) for w in dictionary_parts(term)]
    parts = [(w, g) for w, g in parts if g]
    left = [(w, g) for w, g in parts if not any(_stem_meets(x, g) for x in have)]
    return (
        bool(added)
        and 0 < len(left) < len(parts)
        and all(len(w) >= 2 and any(_stem_meets(x, g) for x in added) for w, g in left)
    )


def glossed_outside(term: str, en: str, sentence: str) -> bool:
    """A word of the English ``en`` that nothing in the Chinese ``term`` translates by CC-CEDICT (:func:`termalign.align.lexicon.gloss_parts`)
    is the gloss of a jieba word of the (Simplified) ``sentence`` outside the term: 癌症 / "cancer treatments"
    in 医疗设备和癌症治疗 (治疗, "treatment"), 贫下中农 / "beating peasants" in 殴打贫下中农 (殴打, "to beat").
    The English is then a chunk that holds a neighbour's translation, not the term's. A word that shares a
    character with the term is the same morpheme, which may be translated inside the term too: 院子
    ("courtyard") beside 后院 / "rear courtyard"."""
    from termalign.align.lexicon import en_lemmas, gloss_parts, glosses

    words = en_lemmas(en).difference(*gloss_parts(term))
    if not words or term not in sentence:
        return False
    return any(
        words & glosses(w)
        for part in sentence.split(term)
        for w, f, _ in _tokens(part)
        if not f.startswith(_FUNCTION) and not set(w) & set(term)
    )


def aligned_ngrams(pairs: Iterable[tuple[str, Iterable[str]]]) -> frozenset[str]:
    """Keys of the character n-grams that jieba does not propose but the alignment does
    (:func:`aligned_ngram_partners`' keys)."""
    return frozenset(aligned_ngram_partners(pairs))


def aligned_ngram_partners(pairs: Iterable[tuple[str, Iterable[str]]]) -> dict[str, str | None]:
    """The character n-grams that jieba does not propose but the alignment does, each with the English
    candidate key that let it in: the one English span it recurs with, and the only English the pairing
    lets it take (:func:`glossary.pairing.partner_ok`); None for an n-gram that jieba proposes in other
    sentences (太太, alone, beside 老太太), which pairs as jieba's candidates do.

    ``pairs``: (Chinese text, its English candidate keys) per sentence pair. An n-gram is kept when
    it has term-like edges, is inside a jieba token or across tokens in some of its sentences (never
    one of jieba's words that the candidates leave out: 依赖, 开采 are its verbs), and one English
    candidate co-occurs with it in ``NGRAM_MIN`` sentences and ``NGRAM_SHARE`` of its sentences,
    with Dice ``NGRAM_DICE`` (the association :mod:`glossary.pairing` measures). Of two nested
    n-grams (one character apart), the shorter goes when it meets the longer's partner nearly only
    inside it (``NGRAM_NEST``: 文洁 in 叶文洁), the longer when the partner comes without its extra
    character or the shorter, with the same partner, is ``NGRAM_FREE`` times as frequent (韦小宝后 beside
    韦小宝; not 搞破鞋 / "love affair" beside 破鞋 / "damaged goods", another term), unless that
    character translates a word of the partner that the shorter leaves out (:func:`extra_glossed`: 上书房 /
    "Upper Library" stays beside 书房, which the text also writes for the room); the
    pairing's extent evidence decides against jieba's candidates. Linear: each sentence's n-grams are counted once, their co-occurrences only for the
    hidden n-grams seen in ``NGRAM_MIN`` sentences and their neighbours one character apart.
    """
    from .candidates import zh_candidates

    sents = []
    freq: Counter = Counter()
    hidden: set[str] = set()  # n-grams that are no jieba token or candidate in at least one sentence
    words: set[str] = set()  # jieba's own words that are no candidate (依赖, 开采: verbs, adverbs)
    proposed: set[str] = set()  # jieba's candidates
    for zh, en in pairs:
        en = set(en)
        if not en:
            continue
        simp = _to_simplified(zh)
        grams = _ngrams(simp)
        if not grams:
            continue
        freq.update(grams)
        cands = {k for k, *_ in zh_candidates(zh)}
        tagged = _tokens(simp)
        toks = {w for w, _, _ in tagged}
        words |= toks - cands
        proposed |= cands
        hidden |= _term_like(simp, tagged) - cands - toks
        sents.append((grams, en))
    hidden -= words
    hidden &= {g for g, n in freq.items() if n >= NGRAM_MIN}
    if not hidden:
        return {}
    best, co = _best_partners(sents, freq, _around(hidden, freq))
    return {g: None if g in proposed else best[g][2] for g in (best.keys() & hidden) - _nested_out(best, co, freq)}


NAME_SPELL = 0.85  # pinyin of an n-gram against the letters of an English name of the same pair, at least
NAME_MAX = 5  # Han characters of a spelled name


def _spelling(py: str, letters: str) -> float:
    """How well pinyin ``py`` spells ``letters``: difflib's ratio, in [0, 1]."""
    from difflib import SequenceMatcher

    return SequenceMatcher(None, py, letters, autojunk=False).ratio()


def _extra_spells(long: str, short: str, name: str, short_name: str, py_of: dict[str, str]) -> bool:
    """The characters ``long`` adds to ``short`` spell the letters ``name`` adds to ``short_name``
    (三 / "shan" in 三闷儿 / "Shan Men Er" beside 闷儿 / "Men Er"; not 来 / "later")."""
    if short_name not in name:
        return False
    at = long.find(short)
    chars = long[:at] + long[at + len(short) :]
    rest = name.replace(short_name, "", 1)
    extra = "".join(name_syllables(chars, rest, [py_of.get(ch, "") for ch in chars]))
    return bool(extra and rest) and _spelling(extra, rest) >= NAME_SPELL


def spelled_names(pairs: Iterable[tuple[str, Iterable[str]]]) -> frozenset[str]:
    """Keys of the Chinese n-grams that spell an English name of their own sentence pair.

    ``pairs``: (Chinese text, its English candidate surfaces) per sentence pair. An n-gram of 2 to
    ``NAME_MAX`` Han characters is kept when its pinyin matches the letters of a capitalised English
    candidate (every word capitalised) of the same pair with a ``difflib`` ratio of at least
    ``NAME_SPELL``, and jieba does not propose it there: 叶文洁 / Ye Wenjie where jieba cuts 叶文 + 洁,
    单廷秀 / Shan Tingxiu (单廷 + 秀), 陈清扬 / Chen Qingyang (陈 + 清扬). A character may take any of its
    readings where that spells the name (:func:`glossary.pinyin.name_syllables`): the surname 单 is
    shan, not the usual dan, so 单廷秀 spells "Shan Tingxiu" (and 单扁郎 "Shan Bianlang"). Of the matches
    of one name in one sentence only the best is kept (叶文洁, not 文洁 for "Wenjie"). Names of Chinese
    people and places are spelled this way; foreign names are transliterated by sound (特朗普 / Trump:
    0.31) and are jieba's to find. Linear: per pair, only the n-grams with a reading of their first
    character that starts with the name's first letter and whose pinyin is about as long as the name
    are compared, each read once per name.
    """
    from pypinyin import lazy_pinyin

    from .candidates import zh_candidates

    out: set[str] = set()
    for zh, en in pairs:
        names = {
            "".join(c for c in s.lower() if "a" <= c <= "z")
            for s in en
            if s.split() and all(w[:1].isupper() for w in s.split())
        }
        names = {n for n in names if len(n) >= 4}
        if not names:
            continue
        simp = _to_simplified(zh)
        syl = [""] * len(simp)  # the pinyin of each Han character, as read in its run
        for m in _HAN_RUN.finditer(simp):
            syl[m.start() : m.end()] = lazy_pinyin(m.group(0))
        py_of = dict(zip(simp, syl))
        ends: dict[int, list[int]] = defaultdict(list)  # n-gram start -> its ends, shortest first
        for a, b in _han_ngrams(simp, NAME_MAX):
            ends[a].append(b)
        # the first letters of every reading of each start (a surname: 单 dan or shan)
        initials = {a: {r[:1] for r in (syl[a], *readings(simp[a])) if r} for a in ends}
        matches = []  # (ratio, n-gram, name) of each name's best spelling
        for name in names:
            best = (NAME_SPELL, "")
            for a, bs in ends.items():
                if name[:1] not in initials[a]:
                    continue
                # read left to right, so the reading of an n-gram is a prefix of the longest one's
                read = name_syllables(simp[a : bs[-1]], name, syl[a : bs[-1]])
                for b in bs:
                    g, py = simp[a:b], "".join(read[: b - a])
                    if not 0.7 * len(name) <= len(py) <= 1.3 * len(name):
                        continue
                    r = _spelling(py, name)
                    if r >= best[0] and (r, len(g)) > (best[0], len(best[1])):
                        best = (r, g)
            if best[1]:
                matches.append((*best, name))
        found: set[str] = set()
        for r, g, name in sorted(matches, key=lambda m: (-len(m[1]), -m[0])):  # the longest first
            inner = [(r1, g1, n1) for r1, g1, n1 in matches if g1 != g and g1 in g]
            if any(r1 > r and not _extra_spells(g, g1, name, n1, py_of) for r1, g1, n1 in inner):
                continue  # 来陈清扬 for "Later Chen Qingyang": 来 spells nothing of "Later"; 陈清扬 wins
            if not any(g in f for f in found):
                found.add(g)  # 叶文洁 for "Ye Wenjie", not 文洁 for "Wenjie"; 三闷儿 "Shan Men Er", not 闷儿
        if found:
            out |= found - {k for k, *_ in zh_candidates(zh)}
    return frozenset(zh_key(g) for g in out)


def _en_names(en: Iterable[tuple[str, str]], text: str) -> tuple[set[str], set[str]]:
    """(keys written as a name, keys written in lower case) of the English candidates ``en`` of
    ``text``: a name has every word capitalised ("Patience", "Rong-guo House"); a lower-case word
    counts only where the text writes it so, not where the chunker lowered a sentence's first word
    ("Patience at once made up her mind" gives "patience")."""
    names, lower = set(), set()
    for k, s in en:
        ws = s.split()
        if ws and all(_is_cap(w) for w in ws):
            names.add(k)
        elif s.islower() and _written(s, text):
            lower.add(k)
    return names, lower


def _written(s: str, text: str) -> bool:
    """``s`` is in ``text`` as written, as whole words (not "patience" in "impatience")."""
    i = text.find(s)
    while i >= 0:
        j = i + len(s)
        if not (i and text[i - 1].isalpha()) and not (j < len(text) and text[j].isalpha()):
            return True
        i = text.find(s, i + 1)
    return False


def _spells_part(gram: str, name: str) -> bool:
    """The pinyin of ``gram`` or of a part of it spells English ``name``: the name is spelled, not
    translated (温 / "Wen" in 温家, "the Wens"; 陈清扬 / "Chen Qingyang"), :func:`spelled_names`' class."""
    from pypinyin import lazy_pinyin

    letters = "".join(c for c in name if "a" <= c <= "z")
    py = lazy_pinyin(gram)
    return any(
        _spelling("".join(name_syllables(gram[a:b], letters, py[a:b])), letters) >= NAME_SPELL
        for a in range(len(py))
        for b in range(a + 1, len(py) + 1)
    )


def translated_names(pairs: Iterable[tuple[str, Iterable[tuple[str, str]], str]]) -> frozenset[str]:
    """Keys of the character n-grams that jieba hides and that are translated as a name.

    ``pairs``: (Chinese text, its English candidates as (key, surface), the English text) per
    sentence pair. A maid's name is translated, not spelled (平儿 / Patience, 袭人 / Aroma), so
    :func:`spelled_names` cannot see it, and jieba hides it: 袭人 is cut 袭/v 人/n, 平儿 is a measure
    word to it (平儿/q) or glued into 因命 平儿拿. An n-gram of 2 to ``NGRAM_MAX`` Han characters (as
    :func:`_term_like`, but a whole jieba token of any tag allowed: 平儿/q) is kept when

    * its best English partner, by :func:`aligned_ngrams`' association (``NGRAM_MIN`` sentences,
      ``NGRAM_SHARE`` of the n-gram's, Dice ``NGRAM_DICE``) and nesting rules (平儿, not 平儿拿), is a
      name: every word capitalised where written, and never written in lower case (a sentence's first
      word the chunker lowered aside: "Patience at once ..."), so "Patience", not "lady" of "Lady Jia"
      and "a young lady";
    * it meets the name in ``NGRAM_SHARE`` of the name's sentences too, and no other n-gram, nested
      ones aside, meets the name with as high a Dice: a name has one Chinese form in a text (叫做,
      "called", ties with 四十二章经 for "Sutra" in chapter 002 and goes);
    * jieba hides it (no candidate of :func:`glossary.candidates.zh_candidates` holds it) in
      ``NGRAM_SHARE`` of the sentences where it meets the name: a part of jieba's candidates is theirs
      (老老, "Grannie", is inside 刘老老, "Grannie Liu", in 52 of its 60 sentences);
    * no part of it spells the name in pinyin: a spelled name is :func:`spelled_names`' (陈清扬 /
      "Chen Qingyang"), and a spelled surname with a character added is no translation (温家 / "Wen").

    Linear: each sentence's n-grams are counted once, their co-occurrences with that pair's names only.
    """
    from .candidates import zh_candidates

    sents = []
    freq: Counter = Counter()
    names: set[str] = set()
    lower: set[str] = set()
    for zh, en, text in pairs:
        simp = _to_simplified(zh)
        grams = _ngrams(simp)
        if not grams:
            continue
        en = list(en)
        nm, lo = _en_names(en, text)
        names |= nm
        lower |= lo
        freq.update(grams)
        hid = _term_like(simp, _tokens(simp), words=True) & _uncovered(simp, zh_candidates(zh))
        sents.append((grams, {k for k, _ in en}, hid))
    names -= lower
    sents = [(g, e & names, h) for g, e, h in sents if e & names]
    hidden = {g for _, _, h in sents for g in h if freq[g] >= NGRAM_MIN}
    if not hidden:
        return frozenset()
    # every n-gram of NGRAM_MIN sentences, not only those around the hidden ones: the names are few
    best, co = _best_partners([(g, e) for g, e, _ in sents], freq, {g for g, n in freq.items() if n >= NGRAM_MIN})
    top: dict[str, float] = {}  # name -> the best Dice an n-gram has with it
    for _, dc, e in best.values():
        top[e] = max(top.get(e, 0.0), dc)
    rivals: dict[str, list[str]] = {}  # name -> the n-grams with that Dice
    for g, (_, dc, e) in best.items():
        if dc >= top[e]:
            rivals.setdefault(e, []).append(g)
    ef = Counter(e for _, es, _ in sents for e in es)
    met_hidden = Counter(g for _, es, h in sents for g in h & best.keys() if best[g][2] in es)
    keep = {
        g
        for g in best.keys() & hidden
        if all(r in g or g in r for r in rivals[best[g][2]])
        and best[g][0] >= NGRAM_SHARE * ef[best[g][2]]  # dev: 限制 / "Chinese" before the next rule
        and met_hidden[g] >= NGRAM_SHARE * best[g][0]
        and not _spells_part(g, best[g][2])
    }
    return frozenset(keep - _nested_out(best, co, freq))


def _uncovered(simp: str, cands: Iterable[tuple[str, str, int, int]]) -> set[str]:
    """The n-grams of ``simp`` (2 to ``NGRAM_MAX`` characters) that occur outside every candidate of
    ``cands`` (offsets into the same text): 平儿 in 平儿/q 站, not in the candidate 平儿拿; 老老 in 老/a 老/a,
    not in 刘老老."""
    reach = [0] * (len(simp) + 1)  # the furthest end of a candidate that starts at or before each offset
    for _, _, s, e in cands:
        if s < len(reach):
            reach[s] = max(reach[s], e)
    for i in range(1, len(reach)):
        reach[i] = max(reach[i], reach[i - 1])
    return {simp[a:b] for a, b in _han_ngrams(simp, NGRAM_MAX) if reach[a] < b}


def ngram_spans(text: str, keys: frozenset[str]) -> list[tuple[str, str, int, int]]:
    """Occurrences in ``text`` of the n-grams ``keys`` (:func:`aligned_ngrams`, :func:`spelled_names`,
    :func:`translated_names`; up to ``NAME_MAX`` characters), as candidates."""
    if not keys:
        return []
    simp = _to_simplified(text)
    same = len(simp) == len(text)
    return [
        (simp[a:b], text[a:b] if same else simp[a:b], a, b)
        for a, b in _han_ngrams(simp, max(NGRAM_MAX, NAME_MAX))
        if simp[a:b] in keys
    ]


def gerund_modifier_spans(text: str, verbs: frozenset[str]) -> list[tuple[str, str, int, int]]:
    """A verb the translation writes as a gerund (:func:`gerund_verbs`) and the common noun after it, which
    it modifies as its gerund does in English: 采矿和 精炼/v 设备/vn ("mining and refining equipment"),
    精炼/v 作业/n ("refining operations"), 摔交/v 手法/n ("wrestling ploy"). A name jieba tags as one (nr, ns,
    nt) is the verb's object, and so is a noun an adverb or a numeral follows: it qualifies the verb's
    object (精煉/v 全球/n 約/d 47%, "refining about 47% of the world's ..."). The pairing decides the rest.
    ``verbs``: keys counted as candidates (``recurring_keys``); the gerund verbs are the verb tokens among them."""
    if not verbs:
        return []
    simp = _to_simplified(text)
    same = len(simp) == len(text)
    toks = _tokens(simp)
    out = []
    for i in range(len(toks) - 1):
        w, f, s = toks[i]
        w1, f1, s1 = toks[i + 1]
        after = toks[i + 2][1] if i + 2 < len(toks) else "x"
        if (
            f == "v"
            and w in verbs
            and f1 in ("n", "vn", "nz")
            and len(w1) >= 2
            and _HAN.match(w1)
            and not after.startswith(("m", "d"))
        ):
            e = s1 + len(w1)
            out.append((zh_key(simp[s:e]), text[s:e] if same else simp[s:e], s, e))
    return out


_SPLIT_WORD_TAGS = ("n", "l", "b")


def split_word_spans(text: str) -> list[tuple[str, str, int, int]]:
    """A noun token and the one character before it where jieba's cut splits a dictionary word across the
    two: 可/v 再生能源/l holds 可再生 ("renewable", l), 类/q 风湿性关节炎/n holds 类风湿 ("rheumatoid", n). The
    character opens the term (可再生能源 "renewable energy", 类风湿性关节炎 "rheumatoid arthritis"), unless it is
    a conjunction, preposition, particle or pronoun (和/c 威尔逊: 和威 is a word too); the
    word it makes with the token's opening must be a noun, a fixed expression or a distinguishing word
    in jieba's dictionary, of three characters or more."""
    simp = _to_simplified(text)
    same = len(simp) == len(text)
    toks = _tokens(simp)
    out = []
    for (w0, f0, s), (w1, f1, _s1) in zip(toks, toks[1:]):
        if (
            len(w0) != 1
            or not _HAN.match(w0)
            or f0.startswith(("c", "p", "u", "r"))
            or len(w1) < 3
            or not f1.startswith(("n", "l"))
        ):
            continue
        if _HAN_RUN.fullmatch(w1) and w1 not in ZH_STOP and split_word(w0, w1):
            e = s + 1 + len(w1)
            out.append((zh_key(simp[s:e]), text[s:e] if same else simp[s:e], s, e))
    return out


def split_word(char: str, word: str) -> bool:
    """The character ``char`` and the opening of ``word`` (all but its last character, at least two) make a
    word of jieba's dictionary tagged noun, fixed expression or distinguishing word, of three characters
    or more: 可 + 再生能源 (可再生 l), 类 + 风湿性关节炎 (类风湿 n). A cut between them split a word."""
    joined = next((char + word[:k] for k in range(len(word) - 1, 1, -1) if lexicon(char + word[:k])), None)
    return joined is not None and (dictionary_tag(joined) or "").startswith(_SPLIT_WORD_TAGS)


def all_zh_candidates(text: str, recurring_keys: frozenset[str] = frozenset()) -> list[tuple[str, str, int, int]]:
    """Every Chinese candidate of ``text``: jieba's noun runs first, then the sources above (one per key),
    token spans, character n-grams and organisation spans only when their key is in ``recurring_keys``
    (:func:`recurring`, :func:`aligned_ngrams`, :func:`spelled_names`, :func:`translated_names`,
    :func:`glossary.orgs.org_names`)."""
    from .candidates import zh_candidates

    out = {c[0]: c for c in zh_candidates(text)}
    extra = marked_spans(text) + latin_spans(text) + single_nouns(text) + compound_heads(text) + dictionary_spans(text)
    extra += split_word_spans(text)
    if recurring_keys:
        extra += [c for c in token_spans(text) if c[0] in recurring_keys]
        extra += ngram_spans(text, recurring_keys)
        extra += [c for c in org_spans(text) if c[0] in recurring_keys]
        extra += gerund_modifier_spans(text, recurring_keys)
        extra += [c for c in verb_compound_spans(text) if c[0] in recurring_keys]
    for c in extra:
        out.setdefault(c[0], c)
    if "+" not in text and "＋" not in text:
        return list(out.values())
    tags = {s: f for _, f, s in _tokens(_to_simplified(text))}
    return [_with_plus(text, c, tags) for c in out.values()]


def _with_plus(text: str, cand: tuple[str, str, int, int], tags: dict[int, str]) -> tuple[str, str, int, int]:
    """A candidate that the text closes with "+" (欧佩克+, OPEC+ in Chinese text) is written with it: the key
    drops punctuation, the headword keeps what the text writes. A "+" before a number, a Latin letter or a
    noun (``tags``: jieba's tag of the token at each offset) joins two things instead (10+3, 中国+东盟)."""
    key, surface, a, b = cand
    if b >= len(text) or text[b] not in "+＋":
        return cand
    nxt = text[b + 1 : b + 2]
    if (nxt.isascii() and nxt.isalnum()) or tags.get(b + 1, "").startswith("n"):
        return cand
    return key, surface + "+", a, b + 1
