"""English-Chinese term pairs from aligned sentence pairs, each with one calibrated confidence.

Method (docs/glossary.md has the long form):

1. Candidates on both sides of every pair (:mod:`glossary.candidates`), counted with the pair's
   weight (its calibrated score; mined pairs count ``mined_weight`` as much).
2. For every co-occurring (zh, en): Dice and Dunning's log-likelihood ratio. Each term keeps its
   ``top_k`` partners by Dice (ties by length compatibility); the rest are dropped unseen.
3. Features of the survivors: cosine of the two term strings under the sentence encoder (each
   distinct term encoded once), pinyin-vs-spelling similarity for names (贝森特 / Bessent),
   ``中文(English)`` evidence, and whether the pair is the best match in each direction
   (competitive linking suppresses indirect associations such as 稀土 / earth).
4. One logistic function of those features -> confidence in [0, 1], fitted on hand-judged
   candidate pairs from the seed corpus (``tests/data/glossary_dev_labels.tsv``).
5. Competitive linking: each Chinese key gets at most one English term, each English key at
   most two Chinese keys (关键矿产 and 关键矿物 both mean critical minerals) that do not nest or
   overlap end to start (驱动风力, 风力涡轮机).
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from termalign.align.lexicon import gloss_parts

from .calibration import FEATURES, WEIGHTS
from .candidates import (
    HONORIFIC,
    NAME_DOTS,
    NAME_OPENERS,
    ZH_STOP,
    acronym_expansions,
    adjective,
    en_candidates,
    en_candidates_marked,
    gerund,
    lexicon,
    paren_pairs,
    past_form,
    person_name,
    stop_key,
    taught_words,
    zh_tagged,
    zh_tokens,
    zh_word_starts,
)
from .entries import CorpusText, SentencePair, TermEntry
from .orgs import ends_in_head, org_names
from .pinyin import is_syllable, name_syllables, readings, translit
from .spans import (
    NAME_SPELL,
    _written,
    aligned_ngram_partners,
    all_zh_candidates,
    crossed_glosses,
    edge_parts,
    en_extra_glossed,
    extra_glossed,
    gerund_verbs,
    glossed_outside,
    latin_spans,
    nominal_verb_compounds,
    noun_sense_verbs,
    recurring,
    spelled_names,
    split_word,
    translated_names,
    unknown_extra,
)
from .termhood import CorpusStats, quoted_pair, quoted_spans, title_words, with_termhood
from .variants import en_key, en_words, has_run, is_acronym, singular_form, zh_key

log = logging.getLogger(__name__)

# The glossary method's version: bump it whenever a change to candidates, pairing, termhood or
# variants changes the entries built from the same pairs, so a store's glossary is rebuilt on the
# next build (corpus.build.build_terms keeps it in the glossary's state stamp).
METHOD_VERSION = "glossary:28"

# The candidate model (FEATURES, WEIGHTS) is glossary.calibration's. No claim above 0.99 is supported
# (of the dev pairs given 0.9 and up, 98% are right); entries at the cap are ordered by their rank.
MAX_CONFIDENCE = 0.99
PART_SURFACE = 1e-3  # weight of a surface seen only inside a longer chunk, when choosing the headword
BOUND_SHARE = 0.9  # a fragment holding at least this share of its frequency inside a longer linked pair goes


@dataclass(frozen=True, slots=True)
class GlossaryParams:
    top_k: int = 6  # partners kept per term before the expensive features
    encode_batch: int = 512  # term strings per encoder call (every candidate term is encoded once)
    min_confidence: float = 0.3  # entries whose candidate confidence is below are dropped (linking's floor)
    min_shown: float = 0.0  # entries showing a confidence below are dropped (glossary build --min-confidence)
    n_examples: int = 3
    mined_weight: float = 0.5  # a mined pair counts this much of an aligned one of the same score
    min_pair_score: float = 0.05  # pairs below do not count at all
    max_en_per_zh: int = 1
    max_zh_per_en: int = 2
    ngram_candidates: bool = False  # character n-grams aligned with one English span (glossary.spans.aligned_ngrams)
    spelled_names: bool = True  # n-grams whose pinyin spells an English name of the pair (glossary.spans.spelled_names)
    translated_names: bool = True  # n-grams aligned with an English name (glossary.spans.translated_names)
    weights: tuple[float, ...] = field(default=WEIGHTS)


@dataclass(frozen=True, slots=True)
class Counts:
    """Weighted co-occurrence statistics of one corpus of pairs."""

    zh: list[str]  # zh key per id
    en: list[str]
    cz: np.ndarray  # (n_zh,) weighted frequency
    ce: np.ndarray  # (n_en,)
    zi: np.ndarray  # (m,) joint rows: zh id
    ei: np.ndarray  # (m,) en id
    cze: np.ndarray  # (m,) weighted joint frequency
    nze: np.ndarray  # (m,) pairs with both (unweighted)
    total: float
    paren: frozenset  # (zh key, en key) seen as 中文(English)
    zh_surface: dict  # key -> Counter of surfaces
    en_surface: dict
    recurring: frozenset = frozenset()  # token spans and n-grams counted as candidates (glossary.spans)
    ew: np.ndarray | None = None  # (n_en,) weighted frequency as a whole chunk's head (en_candidates_marked)
    # Chinese verbs counted as candidates for the gerund that translates them (glossary.spans.gerund_verbs)
    verbs: frozenset = frozenset()
    # Chinese character n-grams counted as candidates -> the English key that let each in (spans.aligned_ngram_partners)
    partners: dict[str, str | None] | None = None
    # zh key -> the nouns written right after it, for a key that modifies a noun wherever it occurs (:func:`noun_after`)
    modifies: dict[str, frozenset[str]] | None = None


def pair_weight(p: SentencePair, params: GlossaryParams) -> float:
    if p.score < params.min_pair_score:
        return 0.0
    return min(1.0, p.score) * (params.mined_weight if p.kind == "mined" else 1.0)


def count(pairs: Sequence[SentencePair], params: GlossaryParams, on_progress: Callable | None = None) -> Counts:
    """Count candidates and their co-occurrences over ``pairs`` (vectorised in chunks)."""
    zv: dict[str, int] = {}
    ev: dict[str, int] = {}
    cz: list[float] = []
    ce: list[float] = []
    zs: dict[str, Counter] = defaultdict(Counter)
    es: dict[str, Counter[str]] = defaultdict(Counter)
    paren: set[tuple[str, str]] = set()
    keys: list[np.ndarray] = []
    wts: list[np.ndarray] = []
    acc_k = np.zeros(0, np.int64)
    acc_w = np.zeros(0, np.float64)
    acc_n = np.zeros(0, np.float64)
    pending = 0
    total = 0.0
    kept = [p for p in pairs if pair_weight(p, params) > 0]
    # every source below reads each pair's English candidates: chunk each text once (a third of the
    # candidate sources' time at 100x went to chunking the same texts again)
    inside = capitalised_inside(p.en for p in kept)
    en_marked = {
        p.en: tuple(m for m in en_candidates_marked(p.en) if not opening_adjective(m[1], inside)) for p in kept
    }
    en_of = {t: tuple((k, s) for k, s, _ in m) for t, m in en_marked.items()}
    rec = recurring(" ".join(p.zh.split()) for p in kept)
    partners: dict[str, str | None] = {}
    if params.ngram_candidates:
        partners = aligned_ngram_partners((" ".join(p.zh.split()), (k for k, _ in en_of[p.en])) for p in kept)
    if params.spelled_names:
        rec |= spelled_names((" ".join(p.zh.split()), (s for _, s in en_of[p.en])) for p in kept)
    if params.translated_names:
        rec |= translated_names((" ".join(p.zh.split()), en_of[p.en], p.en) for p in kept)
    rec |= org_names((" ".join(p.zh.split()), (s for _, s in en_of[p.en])) for p in kept)
    verbs = gerund_verbs((" ".join(p.zh.split()), (k for k, _ in en_of[p.en])) for p in kept)
    rec |= verbs | noun_sense_verbs((" ".join(p.zh.split()), (k for k, _ in en_of[p.en])) for p in kept)
    rec |= nominal_verb_compounds((" ".join(p.zh.split()), (s for _, s in en_of[p.en])) for p in kept)
    partners = {g: e for g, e in partners.items() if g not in rec}  # another source's key pairs freely
    rec |= partners.keys()
    ew: dict[int, float] = {}
    after: dict[str, set[str]] = defaultdict(set)  # zh key -> the nouns seen right after it
    alone: set[str] = set()  # zh keys seen with no noun after them
    for n, p in enumerate(pairs):
        w = pair_weight(p, params)
        if w > 0:
            total += w
            zc = all_zh_candidates(" ".join(p.zh.split()), rec)
            marked = en_marked[p.en]
            written = written_in_latin(p.zh, en_of[p.en])
            if written:
                marked = tuple(m for m in marked if m[0] not in written)
            ec = [(k, s) for k, s, _ in marked]
            for k, s, *_ in zc:
                zs[k][s] += 1
            for k, s, whole in marked:
                es[k][s] += surface_weight(s, whole, p.en)  # type: ignore[assignment]
            heads = {k for k, _, whole in marked if whole}
            zid = np.array(sorted({_id(zv, cz, k) for k, *_ in zc}), np.int64)
            eid = np.array(sorted({_id(ev, ce, k) for k, _ in ec}), np.int64)
            for i in zid:
                cz[i] += w
            nouns = noun_after(" ".join(p.zh.split()))
            for k, _, _, end in zc:
                if end in nouns:
                    after[k].add(nouns[end])
                else:
                    alone.add(k)
            for i in eid:
                ce[i] += w
            for k in heads:
                ew[ev[k]] = ew.get(ev[k], 0.0) + w
            pp = paren_pairs(p.zh)
            paren.update(pp)
            paren.update(latin_pairs(p.zh, ec))
            paren.update(acronym_expansions(pp, ec))
            q = quoted_pair(p.zh, p.en)
            if q is not None and q[0] in zv and q[1] in ev and any(k == q[0] for k, *_ in zc):
                paren.add(q)
            if zid.size and eid.size:
                keys.append(((zid[:, None] << 32) | eid[None, :]).ravel())
                wts.append(np.full(zid.size * eid.size, w))
                pending += keys[-1].size
            if pending > 4_000_000:
                acc_k, acc_w, acc_n = _reduce(acc_k, acc_w, acc_n, keys, wts)
                keys, wts, pending = [], [], 0
        if on_progress is not None:
            on_progress(n + 1, len(pairs))
    acc_k, acc_w, acc_n = _reduce(acc_k, acc_w, acc_n, keys, wts)
    return Counts(
        list(zv),
        list(ev),
        np.array(cz),
        np.array(ce),
        (acc_k >> 32).astype(np.int64),
        (acc_k & 0xFFFFFFFF).astype(np.int64),
        acc_w,
        acc_n,
        total,
        frozenset(paren),
        dict(zs),
        dict(es),
        rec,
        np.bincount(np.array(list(ew), np.int64), weights=np.array(list(ew.values())), minlength=len(ev))
        if ew
        else np.zeros(len(ev)),
        verbs,
        partners,
        {k: frozenset(v) for k, v in after.items() if k not in alone},
    )


def surface_weight(surface: str, whole: bool, text: str) -> float:
    """What one English candidate ``surface`` of ``text`` counts towards the headword: 1, or
    ``PART_SURFACE`` for a modifier's form ("rare earth" in "rare earth exports": ``whole`` False) and for a
    sentence's first word that the chunker lower-cased ("Patience at once ...")."""
    return 1.0 if whole and not opens_sentence(surface, text) else PART_SURFACE


def noun_after(text: str) -> dict[int, str]:
    """{offset: noun} of the common nouns (jieba tag n: no name, no verbal noun) of the Chinese ``text``, by
    the offset where each begins: a candidate that ends there modifies it (美国纳税人 in 美国纳税人资金)."""
    out, at = {}, 0
    for w, f in zh_tagged(text):
        if f == "n":
            out[at] = w
        at += len(w)
    return out


_OPENING = r"(?:^|[.!?…:]['\"”’)\]]*\s+)['\"“‘(\[]*"


def opens_sentence(surface: str, text: str) -> bool:
    """``surface`` is written in ``text`` only as a sentence's first words, capitalised there: the
    chunker lower-cases that word, so its case says nothing about the term ("Patience at once made
    up her mind" is no evidence that the name is written "patience")."""
    cap = surface[:1].upper() + surface[1:]
    if cap == surface or cap not in text or _written(surface, text):
        return False
    return re.search(_OPENING + re.escape(cap) + r"\b", text) is not None


_WORD_CAP = re.compile(r"\b[A-Z][a-z]+\b")


def capitalised_inside(texts: Iterable[str]) -> frozenset[str]:
    """Words that ``texts`` capitalise inside a sentence: after a word, a comma or a dash, or as a
    quotation opened after a word ("no match for Old Turtle-head", 'the Bucking Antelope'), not as a
    sentence's or a quotation's first word after a stop or a colon. One pass over the texts."""
    out = set()
    for text in texts:
        for m in _WORD_CAP.finditer(text):
            before = text[: m.start()].rstrip(" \t'\"“‘([")
            if before and before[-1] not in ".!?…:":
                out.add(m.group())
    return frozenset(out)


def opening_adjective(surface: str, inside: frozenset[str]) -> bool:
    """``surface`` starts with an adjective that the texts capitalise only as a sentence's first word
    (``inside``: :func:`capitalised_inside`): "Clever Old Turtle-head!" (老乌龟倒聪明, "the old turtle
    is clever") is the name "Old Turtle-head", written so elsewhere, after an exclamation's first
    word. The chunker joins that word to the name after it, and "Clever Old Turtle-head" took the
    name's co-occurrences as the longer name (:func:`nested_rows`). An adjective the texts capitalise
    inside a sentence is part of a name ("no match for Old Turtle-head": Old), and so is one before
    words the texts never capitalise inside a sentence: nothing shows a name without it ("Great Wall
    Motors" written only at openings keeps "Great")."""
    words = surface.split()
    if len(words) < 2 or _WORD_CAP.fullmatch(words[0]) is None or words[0] in inside:
        return False
    if words[0].lower() in NAME_OPENERS:
        return False  # "New Zealand won ...": a name's own first word (candidates.NAME_OPENERS)
    return words[1].split("-")[0] in inside and adjective(words[0])


def latin_pairs(zh_text: str, en_cands: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """(zh key, en key) for a Latin-script name in the Chinese written the same in the English (MP Materials)."""
    spans = {s.lower(): k for k, s, *_ in latin_spans(" ".join(zh_text.split()))}
    return [(spans[s.lower()], k) for k, s in en_cands if s.lower() in spans]


_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*")
_PARENS = re.compile(r"[(（][^()（）]*[)）]")


def written_in_latin(zh_text: str, en_cands: Iterable[tuple[str, str]]) -> frozenset[str]:
    """Keys of the one-word English candidates (key, surface) that the Chinese text writes itself, in
    Latin letters and outside parentheses: "Planck" in 他调出了另外两颗卫星WMAP和Planck的宇宙背景辐射实时数据.
    Such a word is accounted for by its own spelling, so its sentence is no evidence for or against
    a Chinese term (:func:`count` leaves it out there): otherwise "Planck", seen three times where
    the Chinese writes 普朗克 once and Planck twice, pairs with 普朗克 at Dice 0.5 and loses it to
    "Probe" (Dice 1, once in the sentence that names both). Words in parentheses are glosses of the
    term before them (麦艾文(Evan Medeiros), :func:`glossary.candidates.paren_pairs`) and stay; names of
    two or more words are Chinese candidates of their own (:func:`glossary.spans.latin_spans`)."""
    words = {m.group(0).lower() for m in _LATIN_WORD.finditer(_PARENS.sub(" ", zh_text))}
    return frozenset(k for k, s in en_cands if " " not in s and s.lower() in words) if words else frozenset()


def _id(vocab: dict[str, int], freq: list[float], key: str) -> int:
    i = vocab.get(key)
    if i is None:
        i = vocab[key] = len(vocab)
        freq.append(0.0)
    return i


def _reduce(acc_k, acc_w, acc_n, keys, wts):
    if not keys:
        return acc_k, acc_w, acc_n
    k = np.concatenate([acc_k, *keys])
    w = np.concatenate([acc_w, *wts])
    n = np.concatenate([acc_n, np.ones(k.size - acc_k.size)])
    uk, inv = np.unique(k, return_inverse=True)
    return uk, np.bincount(inv, weights=w, minlength=uk.size), np.bincount(inv, weights=n, minlength=uk.size)


def dice(c: Counts) -> np.ndarray:
    return 2 * c.cze / np.maximum(c.cz[c.zi] + c.ce[c.ei], 1e-9)


def llr(c: Counts) -> np.ndarray:
    """Dunning's G² of the 2x2 table for every joint row (weighted counts)."""
    n = max(c.total, 1e-9)
    k11 = c.cze
    k12 = np.maximum(c.cz[c.zi] - k11, 0)
    k21 = np.maximum(c.ce[c.ei] - k11, 0)
    k22 = np.maximum(n - k11 - k12 - k21, 0)
    r1, r2, c1, c2 = k11 + k12, k21 + k22, k11 + k21, k12 + k22

    def t(k, r, col):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(k > 0, k * np.log(k * n / np.maximum(r * col, 1e-12)), 0.0)

    g2 = 2 * (t(k11, r1, c1) + t(k12, r1, c2) + t(k21, r2, c1) + t(k22, r2, c2))
    # negative association gets no credit
    return np.where(k11 * n >= r1 * c1, np.maximum(g2, 0), 0.0)


def len_fit(z: str, e: str, shown: str = "") -> float:
    """Roughly 0 when the lengths fit (two Han characters per English word), negative otherwise.

    ``e`` is the English key, whose words a hyphen splits; ``shown``, the English as written, may join
    some back (:func:`lexical_hyphens`): 姑爷 / "son-in-law" is two characters and one word. English
    the dictionary gives for the term fits whatever its length (:func:`dictionary_gives`)."""
    if dictionary_gives(z, shown):
        return 0.0
    words = len(e.split()) - lexical_hyphens(z, shown)
    return -abs(math.log((len(z) + 0.5) / (2 * words + 0.5)))


def dictionary_gives(zk: str, shown: str) -> bool:
    """CC-CEDICT's definition of the Chinese term ``zk`` holds the lower-case English ``shown`` whole: a
    translation the dictionary gives has the length of one, however many characters it takes per word
    (野汉子 / "lover", 妻妾 / "wives and concubines", 锌 / "zinc"). Capitalised English is a name, whose
    length says how it is spelled or transliterated, and is left to the count, unless it is one of the
    senses CC-CEDICT gives the term, whole (好望角 "Cape of Good Hope", 二战 "World War II", 莫尔斯电码 "Morse
    code"): a name the dictionary translates that way has the length of its translation. A word inside a
    sense is not one (白宫 "White House" gives no "White"); the name before a sense's comment is one
    (一带一路 "Belt and Road Initiative, Chinese government plan ...", :func:`align.lexicon.sense_name`), and
    so is a name of two words or more that the text writes without the sense's "of" part (网信办
    "Cyberspace Administration of China" / "Cyberspace Administration")."""
    if not shown:
        return False
    from termalign.align.lexicon import defines_with

    if shown != shown.lower():
        return sense_names(zk, shown, fold=True)
    return defines_with(zk, shown)


def sense_names(zk: str, name: str, fold: bool) -> bool:
    """A sense of the Chinese term ``zk`` is the name ``name`` (:func:`align.lexicon.sense_name`), whole or,
    for a name of two words or more, less the sense's "of" part (网信办 "Cyberspace Administration of
    China" / "Cyberspace Administration"); ``fold``: compared without case."""
    from termalign.align.lexicon import sense_name, senses

    key = name.lower() if fold else name
    short = " " in key and not key.endswith(" of")
    for d in senses(zk):
        have = sense_name(d).lower() if fold else sense_name(d)
        if have == key or (short and have.startswith(key + " of ")):
            return True
    return False


_SENSE_OPENING = re.compile(r"^(?:to|a|an|the)\s+", re.I)


@lru_cache(maxsize=1 << 16)
def _sense_keys(zk: str) -> frozenset[str]:
    from termalign.align.lexicon import sense_name, senses

    return frozenset(
        k
        for d in senses(zk)
        for part in sense_name(d).split(";")
        if (k := en_key(_SENSE_OPENING.sub("", part.strip())).lower())
    )


def sense_gives(zk: str, ek: str) -> bool:
    """One of CC-CEDICT's senses of the Chinese term ``zk`` is the English key ``ek`` whole, compared as keys
    (number and case aside; a sense's name before its comment, without an opening "to" or article): 骰子
    "dice", 卫星 "satellite" / "satellites", 国务卿 "Secretary of State", 满人 "a Manchu". A word inside a sense is
    none (人工智能 "artificial intelligence" gives no "intelligence"), unlike :func:`dictionary_gives`, which
    asks whether a definition holds the English anywhere."""
    return ek.lower() in _sense_keys(zk)


def lexical_hyphens(zk: str, shown: str) -> int:
    """Hyphens inside the words of the English ``shown`` that CC-CEDICT's definition of the Chinese term
    ``zk`` holds whole, lower case: a compound the dictionary gives as the word's translation is one
    word to it (姑爷 "son-in-law", 岳母 "mother-in-law"), while a hyphenated name or possessive
    ("Xi-feng's grandfather"), and a compound the dictionary does not give for that word (院门 /
    "passage-way", 桃红 / "peach-pink gown"), keep counting each part, as the key does."""
    if "-" not in shown:
        return 0
    from termalign.align.lexicon import defines_with

    return sum(w.count("-") for w in shown.split() if "-" in w and w == w.lower() and defines_with(zk, w))


def _sub_keys_zh(key: str) -> set[str]:
    """Proper substrings of a Chinese key, two characters or longer."""
    n = len(key)
    return {key[a:b] for a in range(n) for b in range(a + 2, n + 1) if b - a < n}


def _sub_keys_en(key: str) -> set[str]:
    """Keys of the proper contiguous word sub-sequences of an English key (head made singular)."""
    words = key.split()
    n = len(words)
    return {en_key(" ".join(words[a:b])) for a in range(n) for b in range(a + 1, n + 1) if b - a < n}


def prune(c: Counts, d: np.ndarray, top_k: int, sim: np.ndarray | None = None) -> np.ndarray:
    """Indices of joint rows among each term's ``top_k`` partners by Dice plus the terms' cosine
    ``sim`` (ties: length fit). Dice alone favours rare spans: a term seen once pairs as well with
    "impose strict export" as with "export controls", which recurs without it; the encoder tells them apart."""
    if d.size == 0:
        return np.zeros(0, np.int64)
    fit = np.array([len_fit(c.zh[z], c.en[e]) for z, e in zip(c.zi, c.ei)])
    score = d + 0.05 * fit + 0.01 * np.log1p(c.nze)
    if sim is not None:
        score = score + np.nan_to_num(sim, nan=0.15)
    keep = np.zeros(d.size, bool)
    for ids in (c.zi, c.ei):
        order = np.lexsort((-score, ids))  # by term, best first
        grp = ids[order]
        start = np.r_[0, np.flatnonzero(np.diff(grp)) + 1]
        rank = np.arange(order.size) - np.repeat(start, np.diff(np.r_[start, order.size]))
        keep[order[rank < top_k]] = True
    paren_rows = [i for i, (z, e) in enumerate(zip(c.zi, c.ei)) if (c.zh[z], c.en[e]) in c.paren]
    keep[paren_rows] = True
    return np.flatnonzero(keep)


# ---------------------------------------------------------------- features and confidence


def embed_sims(
    enc,
    zh: Sequence[str],
    en: Sequence[str],
    rows_z: np.ndarray,
    rows_e: np.ndarray,
    batch: int = 512,
    chunk: int = 200_000,
) -> np.ndarray:
    """Cosine of ``zh[rows_z[i]]`` and ``en[rows_e[i]]`` under ``enc``, for every row (NaN only without an encoder).

    Every distinct term string of the rows is encoded exactly once, in batches of ``batch``
    strings, so the cost is linear in the number of distinct terms; an encoder wrapped by
    ``models.cache.CachedEncoder`` (``load_encoder``'s default) reads known strings from its disk
    cache. Terms are encoded in sorted order, so batches (and cache keys) repeat run to run. The
    dot products are taken ``chunk`` rows at a time, so memory stays bounded for any number of rows.
    """
    sims = np.full(rows_z.size, np.nan)
    if enc is None or rows_z.size == 0:
        return sims
    uz, iz = np.unique(rows_z, return_inverse=True)
    ue, ie = np.unique(rows_e, return_inverse=True)
    texts = sorted({zh[z] for z in uz} | {en[e] for e in ue})
    at = {t: n for n, t in enumerate(texts)}
    vecs = np.concatenate(
        [np.asarray(enc.encode(texts[a : a + batch]), dtype=np.float32) for a in range(0, len(texts), batch)]
    )
    vz = vecs[[at[zh[z]] for z in uz]]
    ve = vecs[[at[en[e]] for e in ue]]
    for a in range(0, rows_z.size, chunk):
        sims[a : a + chunk] = np.einsum("ij,ij->i", vz[iz[a : a + chunk]], ve[ie[a : a + chunk]])
    return sims


def best_flags(ids: np.ndarray, score: np.ndarray) -> np.ndarray:
    """1.0 where ``score`` is the maximum among rows sharing the same id."""
    best = np.full(ids.max() + 1 if ids.size else 0, -np.inf)
    np.maximum.at(best, ids, score)
    return (score >= best[ids] - 1e-12).astype(float)


def joint_rows(c: Counts) -> Callable[[int, int], int]:
    """(zh id, en id) -> the index of their joint row, -1 when they never meet: the joint rows are
    sorted by (zh id, en id) (:func:`count` reduces them by that key), so a look-up is a binary search."""
    keys = (c.zi.astype(np.int64) << 32) | c.ei.astype(np.int64)

    def find(z: int, e: int) -> int:
        k = (z << 32) | e
        at = int(np.searchsorted(keys, k))
        return at if at < keys.size and keys[at] == k else -1

    return find


def extent_flags(c: Counts, rows: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Evidence against the extent of each kept row (z, e), two (len(rows),) arrays of 0/1.

    * ``zh_extra``: a shorter Chinese candidate inside z pairs with the same e at least as well
      (Dice) and more often: the extra characters have no English counterpart (发言人林剑 / Lin
      Jian beside 林剑, which also occurs without 发言人).
    * ``en_extra``: a shorter English candidate inside e pairs with the same z at least as well
      and more often: the extra words are unexplained ("Trump threatened tariffs" beside "Trump").

    A tie (the two always occur together) is no evidence either way, nor are extra characters that
    CC-CEDICT glosses with a word of e that the shorter candidate leaves out (:func:`glossary.spans.extra_glossed`):
    关键 ("critical") of 关键矿物 / "critical minerals" beside 矿物, which also occurs without it.

    A longer span whose association holds better than any part of it gets no mark, so extent is
    decided by the evidence and the longest span that holds wins. Joint rows are found by binary
    search in the sorted (zh id, en id) keys, so the cost is linear in the kept rows.
    """
    find = joint_rows(c)
    zid = {k: i for i, k in enumerate(c.zh)}
    eid = {k: i for i, k in enumerate(c.en)}

    def joint(z: int, e: int) -> tuple[float, float]:
        at = find(z, e)
        return (float(d[at]), float(c.cze[at])) if at >= 0 else (-1.0, 0.0)

    def better(other: tuple[float, float], dd: float, n: float) -> bool:
        return other[0] >= dd and other[1] > n + 1e-9

    zx = np.zeros(rows.size)
    ex = np.zeros(rows.size)
    for k, r in enumerate(rows):
        z, e, dd, n = int(c.zi[r]), int(c.ei[r]), float(d[r]) - 1e-9, float(c.cze[r])
        zx[k] = any(
            better(joint(zid[s], e), dd, n) and not extra_glossed(c.zh[z], s, c.en[e])
            for s in _sub_keys_zh(c.zh[z])
            if s in zid
        )
        ex[k] = any(better(joint(z, eid[s]), dd, n) for s in _sub_keys_en(c.en[e]) if s in eid)
    return zx, ex


def better_parts(c: Counts, rows: np.ndarray, d: np.ndarray) -> dict[int, int]:
    """{kept row: kept row} from a row (z, e) whose English holds words the evidence does not explain
    (``en_extra`` of :func:`extent_flags`) to the kept row (z, s) of the part s of e that ends with e's
    head word and pairs with z at least as well (Dice) and more often; of several such parts, the one
    seen with z most often. A part without the head is a modifier cut from e ("fifteenth" of 十五队 /
    "fifteenth team"), which :func:`choose_repairs` grows back, not a better translation.
    :func:`features` makes s, not e, the Chinese term's better match: 太监 ("eunuch", five
    sentence pairs of MAC-Dev 002) beside "Palace Eunuch" (two, both also "eunuch"), which the
    pinyin of 太监 and its capitals put first. Positions in ``rows``; found by binary search, linear in the
    kept rows."""
    find = joint_rows(c)
    eid = {k: i for i, k in enumerate(c.en)}
    pos = {int(r): k for k, r in enumerate(rows)}
    out: dict[int, int] = {}
    for k, r in enumerate(rows):
        z, dd, n = int(c.zi[r]), float(d[r]) - 1e-9, float(c.cze[r])
        words = c.en[c.ei[r]].split()
        heads = {en_key(" ".join(words[a:])) for a in range(1, len(words))}  # parts that keep the head word
        parts = [find(z, eid[s]) for s in heads if s in eid]
        parts = [q for q in parts if q in pos and d[q] >= dd and c.cze[q] > n + 1e-9]
        if parts:
            out[k] = pos[max(parts, key=lambda q: (float(c.cze[q]), float(d[q])))]
    return out


GLUE_RECUR = 2.0  # the shorter span recurs at least this many times as often as the longer one
GLUE_TRANSLIT = 0.6  # an edge that sounds like a part of the English this well is part of a name (王 in 王夫人)


def glued_names(c: Counts, rows: np.ndarray, sim_all: np.ndarray, zh_freq: dict) -> dict[int, int]:
    """{kept row: the kept row of the shorter span} for rows (z, e) whose Chinese z is a recurring term s
    with a word x glued to its edge, seen in one sentence only, and whose English e is a name or title
    (capitalised): 问姑奶奶 / "Aunt Feng" (问 "asked" + 姑奶奶), 二奶奶当家 / "Master Lian's wife" (二奶奶 +
    当家 "runs the house"), 贾蓉笑 / "Jia Rong" (贾蓉 + 笑 "smiled"). A one-off span pairs with every
    English chunk of its sentence at Dice 1, so Dice prefers it to the recurring term inside it; the
    evidence that the extent is wrong is that s co-occurs with e as often as z does, recurs
    (``GLUE_RECUR`` times as often as z, ``zh_freq``), is as close to e under the encoder (``sim_all``,
    every joint row) within ``REPAIR_SIM``, as a repair must be (二奶奶 0.28, 二奶奶当家 0.31 for "Master
    Lian's wife"), and that x translates nothing of e: it meets no part of e in more pairs than z does
    and does not sound like one (``GLUE_TRANSLIT``), nor is it a name (美国财政部长 + 史考特贝森特 is a title and a name side by side: :class:`NameIndex`).
    Lower-case English is left alone: a one-off compound of the news (价格底线 / "price floors") has parts
    as rare as itself, and its modifier's English is often no candidate ("price"), so the test would
    find no translation where there is one."""
    find = joint_rows(c)
    zid = {k: i for i, k in enumerate(c.zh)}
    eid = {k: i for i, k in enumerate(c.en)}
    pos = {int(r): k for k, r in enumerate(rows)}

    def row(zk: str, ek: str) -> int:
        return find(zid[zk], eid[ek]) if zk in zid and ek in eid else -1

    def sim(r: int) -> float:
        return float(np.nan_to_num(sim_all[r], nan=0.15))

    def translates(x: str, p: str, n: float) -> bool:
        """Edge ``x`` meets English part ``p`` in more pairs than the glued span does, or sounds like it."""
        at = row(x, p)
        return (at >= 0 and c.cze[at] > n + 1e-9) or (p in eid and translit(x, _display_en(c, eid[p])) >= GLUE_TRANSLIT)

    out: dict[int, int] = {}
    for k, r in enumerate(rows):
        z, e, n = int(c.zi[r]), int(c.ei[r]), float(c.cze[r])
        zk, ek = c.zh[z], c.en[e]
        fz = zh_freq.get(zk, float(c.cz[z]))
        if fz >= CUT_RECUR or not _display_en(c, e)[:1].isupper():
            continue
        parts = _sub_keys_en(ek) | {ek}
        for s in _sub_keys_zh(zk):
            if not (zk.startswith(s) or zk.endswith(s)):
                continue
            x = zk[len(s) :] if zk.startswith(s) else zk[: len(zk) - len(s)]
            q = row(s, ek)
            if q not in pos or c.cze[q] < n - 1e-9 or sim(q) < sim(int(r)) - REPAIR_SIM:
                continue
            if zh_freq.get(s, 0.0) < max(GLUE_RECUR * fz, CUT_RECUR):
                continue
            if all(t.startswith("nr") for _, t in zh_tagged(x)) or any(translates(x, p, n) for p in parts):
                continue
            out[k] = pos[q]
            log.debug("glued: %s = %s + %s / %s", zk, x, s, ek)
            break
    return out


CUT_SHARE = 0.8  # a longer span holding this share of a pair's co-occurrences ...
CUT_RECUR = 2.0  # ... and seen this often in the corpus marks the shorter span as cut short


def holds_as_unit(c: Counts, longer: int, shorter: int, en_freq: dict) -> bool:
    """Joint row ``longer`` (the same Chinese, a longer English span) holds ``CUT_SHARE`` of row
    ``shorter``'s co-occurrences and its English recurs (``en_freq``, ``CUT_RECUR`` sentences): the
    longer span is the unit and the shorter one is cut from it (:func:`cut_flags`, :func:`choose_repairs`,
    :func:`nested_rows`). A longer span that opens with a past form ("discussed international
    partnerships", :func:`glossary.candidates.past_form`) is no such evidence."""
    ek = c.en[c.ei[longer]]
    return bool(
        c.cze[longer] >= CUT_SHARE * c.cze[shorter]
        and en_freq.get(ek, 0.0) >= CUT_RECUR
        and not past_form(ek.split()[0])
    )


def cut_flags(
    c: Counts, rows: np.ndarray, stats: CorpusStats | None, matched: Mapping[tuple[str, str], float] | None = None
) -> np.ndarray:
    """``en_cut`` of each kept row (z, e), a (len(rows),) array of 0/1: the English span is cut short,
    because a longer English candidate holding e as whole words co-occurs with z at least
    ``CUT_SHARE`` as often as e does and recurs in the corpus (``CUT_RECUR`` sentences of ``stats``,
    paired or not): 曾祖父 / "Granddad", always inside "Great-Granddad", which recurs. Does the pair
    survive when the span grows?

    A longer span seen once is no unit: "strict export controls" holds every co-occurrence of
    出口管制 / "export controls" (one pair) but is a free combination, so "export controls" is not
    cut. Nor is a title glued to a person's name ("Treasury Secretary Scott Bessent" for 财政部长 /
    "Treasury Secretary", :meth:`NameIndex.adds_name`), nor an honorific to a name the Chinese term
    holds without a title (:func:`titled_ok`: "Mr. Campbell" recurs, but 坎贝尔 is "Campbell"; with the
    mark its confidence fell from 0.85 to 0.54 on the example corpus). Nor is a longer span that a longer
    Chinese term holding z translates (``matched``, (zh key, en key) pairs that are each other's best
    match): then the two sides grow together and the pair nested in the longer one is no cut
    (许可 / "licensing" in 许可制度 / "licensing system", 矿物 / "minerals" in 关键矿物 / "critical
    minerals"). The opposite evidence (the extra words of a
    span have no counterpart) is :func:`extent_flags`. The partners of z are found by binary search, as in :func:`repairs`.
    """
    ef = stats.en_freq if stats is not None else dict(zip(c.en, c.ce.tolist()))
    z_start = np.searchsorted(c.zi, np.arange(len(c.zh) + 1))  # c.zi is sorted (keys are)
    words: dict[int, list[str]] = {}

    def w(e: int) -> list[str]:
        if e not in words:
            words[e] = c.en[e].lower().split()
        return words[e]

    names = NameIndex(c)
    longer_zh: dict[str, list[str]] = defaultdict(list)  # English key -> Chinese keys it is the best match of
    for zk, ek in matched or {}:
        longer_zh[ek].append(zk)
    out = np.zeros(rows.size)
    for k, r in enumerate(rows):
        z, e = int(c.zi[r]), int(c.ei[r])
        out[k] = any(
            holds_as_unit(c, q, r, ef)
            and _contains(w(int(c.ei[q])), w(e))
            and not any(c.zh[z] in g and c.zh[z] != g for g in longer_zh.get(c.en[c.ei[q]], ()))
            and not names.side_by_side(int(c.ei[q]), e, z)
            and titled_ok(c.zh[z], _display_en(c, int(c.ei[q])))
            for q in range(z_start[z], z_start[z + 1])
        )
    return out


class NameIndex:
    """Which English candidates are a shorter one with a person's name glued after it, for
    :func:`cut_flags` and :func:`drop_fragments`: a title glued to a name ("Treasury Secretary Scott
    Bessent", 财政部长斯科特·贝森特) is two terms side by side, not a unit that the title
    ("Treasury Secretary", 财政部长) is cut from or a fragment of."""

    def __init__(self, c: Counts):
        self.c = c
        self.by_e = _by_en(c)
        self.d = dice(c)  # Dice of every joint row
        self.eid = {k: i for i, k in enumerate(c.en)}
        self.zid = {k: i for i, k in enumerate(c.zh)}
        self.first: dict[str, list[int]] = defaultdict(list)  # first word -> English ids
        for i, k in enumerate(c.en):
            self.first[k.split()[0]].append(i)

    def side_by_side(self, longer: int, shorter: int, z: int) -> bool:
        """English candidate ``longer`` is ``shorter`` and a glued title or name: a name after a title
        (:meth:`adds_name`) or a title before a name (:meth:`adds_title`)."""
        return self.adds_name(longer, shorter, z) or self.adds_title(longer, shorter, z)

    def adds_title(self, longer: int, shorter: int, z: int) -> bool:
        """English candidate ``longer`` is a title followed by ``shorter``, a person's name, and the
        Chinese name ``z`` (every token tagged nr) follows that title's Chinese in the same way: the
        mirror of :meth:`adds_name`.

        ``shorter`` ends ``longer`` and is a name candidate (:func:`glossary.candidates.person_name`);
        a Chinese candidate g = y + ``z`` co-occurs with ``longer`` (财政部长斯科特贝森特 with "Treasury
        Secretary Scott Bessent"), and the title's words (``longer`` less ``shorter``) pair better
        (Dice) with y, which shares no character with ``z``, than with ``z`` ("Treasury Secretary":
        财政部长). The name then is no cut from the glued span; it is an entry as the text writes it."""
        c = self.c
        long_w, short_w = c.en[longer].split(), c.en[shorter].split()
        n = len(short_w)
        if len(long_w) <= n or long_w[-n:] != short_w or not person_name(_display_en(c, shorter)):
            return False
        zk = c.zh[z]
        title = self.eid.get(en_key(" ".join(long_w[:-n])))
        if title is None or not all(t.startswith("nr") for _, t in zh_tagged(zk)):
            return False
        for q in self._partners(longer):
            g = c.zh[c.zi[q]]
            y = self.zid.get(g[: -len(zk)]) if g.endswith(zk) and g != zk else None
            if y is not None and not set(c.zh[y]) & set(zk) and self._dice(y, title) > self._dice(z, title) + 1e-9:
                return True
        return False

    def _partners(self, e: int) -> np.ndarray:
        """Joint rows of English candidate ``e``."""
        order, start = self.by_e
        return order[start[e] : start[e + 1]]

    def adds_name(self, longer: int, shorter: int, z: int) -> bool:
        """English candidate ``longer`` is ``shorter`` followed by (the start of) a person's name, and the
        Chinese term ``z`` is glued to that name's Chinese in the same way.

        The words after ``shorter`` begin a name candidate (capitalised, no acronym:
        :func:`glossary.candidates.person_name`; "Treasury Secretary Scott" begins "Scott Bessent"), a run
        of whose words pairs better (Dice) with a Chinese term y than with ``z``, where y is tagged a
        name by jieba (nr) and shares no character with ``z`` ("Bessent": 贝森特, not 财政部长, which
        co-occurs with "Scott Bessent" as often as 斯科特贝森特 does because it is glued to it), and a
        Chinese candidate holding ``z`` and then y co-occurs with ``longer`` (财政部长斯科特贝森特); and
        ``shorter`` with the first added word pairs with ``z`` no better (Dice) than ``shorter`` does: a
        word that raises the association translates part of ``z`` ("Treasury" + "Secretary" for 财政部长).
        A title after a name ("Grannie Liu" for 大爷 / "Grannie") is no such case: Chinese glues its
        titles after the name (刘姥姥)."""
        c = self.c
        long_w, short_w = c.en[longer].split(), c.en[shorter].split()
        n = len(short_w)
        at = next((a for a in range(len(long_w) - n + 1) if long_w[a : a + n] == short_w), None)
        if at is None or not long_w[at + n :]:
            return False
        part = long_w[at + n :]
        zk = c.zh[z]
        step = self.eid.get(en_key(" ".join(long_w[at : at + n + 1])))  # ``shorter`` and the first added word
        if step is not None and self._dice(z, step) > self._dice(z, shorter) + 1e-9:
            return False  # that word raises the association: it translates part of z ("Treasury" + "Secretary")
        glued = [g for g in (c.zh[c.zi[q]] for q in self._partners(longer)) if zk in g and g != zk]
        if not glued:
            return False
        for x in self.first.get(part[0], ()):
            if c.en[x].split()[: len(part)] != part or not person_name(_display_en(c, x)):
                continue
            for s in _sub_keys_en(c.en[x]) | {c.en[x]}:
                for y in self._better_names(self.eid.get(s), zk):
                    if any(y in g[g.index(zk) + len(zk) :] for g in glued):
                        return True
        return False

    def _dice(self, z: int, e: int) -> float:
        """Dice of Chinese candidate ``z`` and English candidate ``e`` (0 when they never co-occur)."""
        qs = self._partners(e)
        hit = qs[self.c.zi[qs] == z]
        return float(self.d[hit[0]]) if hit.size else 0.0

    def _better_names(self, x: int | None, zk: str) -> list[str]:
        """Chinese partners of English candidate ``x`` tagged a name (nr) that share no character with
        ``zk`` and pair with ``x`` better (Dice) than ``zk`` does."""
        if x is None:
            return []
        c = self.c
        qs = self._partners(x)
        dd = self.d[qs]
        own = max((float(v) for q, v in zip(qs, dd) if c.zh[c.zi[q]] == zk), default=0.0)
        return [
            y
            for y, v in ((c.zh[c.zi[q]], float(v)) for q, v in zip(qs, dd))
            if v > own and not set(y) & set(zk) and all(t.startswith("nr") for _, t in zh_tagged(y))
        ]


REPAIR_SHARE = 0.5  # a longer English span replaces a shorter one when it holds this share of its co-occurrences
REPAIR_BLOCK = 0.8  # ... unless a longer Chinese term takes this share of the longer span's co-occurrences


_POSSESSIVE = re.compile(r"['’]s\b")


def repairs(c: Counts, rows: np.ndarray) -> dict[int, list[int]]:
    """Extent repair candidates: {joint row of (z, e): longer joint rows}, of two kinds.

    * (z, e2), where e2 is a longer English candidate holding e as whole words that co-occurs with z
      at least ``REPAIR_SHARE`` as often as e, and no longer Chinese candidate holding z takes e2
      (co-occurs with it ``REPAIR_BLOCK`` as often). 花轿 / "sedan" can become 花轿 / "sedan chair";
      特朗普 / "Trump" cannot become "Trump administration", which belongs to 特朗普政府.
    * (z2, e), a kept row where z2 is a longer Chinese candidate holding z that co-occurs with e at
      least ``CUT_SHARE`` as often as z does: 战略矿产 / "strategic mineral reserve" may become
      战略矿产储备 / "strategic mineral reserve" (both always occur together); or ``REPAIR_SHARE`` as often
      when CC-CEDICT glosses its extra characters with a word of e that z leaves out
      (:func:`glossary.spans.extra_glossed`): 书房 / "Upper Library" may become 上书房 (上, "upper"), though
      the text writes 书房 for the room too.

    :func:`choose_repairs` decides among them by the encoder and, for a longer Chinese term, by what
    its extra characters translate. Joint rows of one Chinese (English) term are found by binary
    search in the keys sorted by Chinese (English) id, and the longer Chinese terms by their
    substrings among the kept rows, so the cost is linear in the joint table.
    """
    if rows.size == 0:
        return {}
    z_start = np.searchsorted(c.zi, np.arange(len(c.zh) + 1))  # c.zi is sorted (keys are)
    by_e = _by_en(c)
    words = {}

    def w(e: int) -> tuple[str, ...]:
        # a possessive is a word of its own: "... National People's Congress" holds "... National People"
        if e not in words:
            words[e] = tuple(_POSSESSIVE.sub(" 's", c.en[e].lower()).split())
        return words[e]

    out: dict[int, list[int]] = {}
    for r in rows:
        z, e, n = int(c.zi[r]), int(c.ei[r]), float(c.cze[r])
        for r2 in range(z_start[z], z_start[z + 1]):
            e2 = int(c.ei[r2])
            if c.cze[r2] < REPAIR_SHARE * n or not _contains(w(e2), w(e)):
                continue
            if not taken_by_longer_zh(c, int(r2), by_e):
                out.setdefault(int(r), []).append(int(r2))
    kept = {(c.zh[c.zi[r]], int(c.ei[r])): int(r) for r in rows}
    for (zk, e), r2 in kept.items():
        for sub in _sub_keys_zh(zk):
            r = kept.get((sub, e))
            if r is not None and (
                c.cze[r2] >= CUT_SHARE * c.cze[r]
                or (c.cze[r2] >= REPAIR_SHARE * c.cze[r] and extra_glossed(zk, sub, c.en[e]))
            ):
                out.setdefault(r, []).append(r2)
    return out


def _by_en(c: Counts) -> tuple[np.ndarray, np.ndarray]:
    """Joint rows sorted by English id, and where each English id starts among them."""
    by_e = np.argsort(c.ei, kind="stable")
    return by_e, np.searchsorted(c.ei[by_e], np.arange(len(c.en) + 1))


def taken_by_longer_zh(c: Counts, r2: int, by_e: tuple[np.ndarray, np.ndarray]) -> bool:
    """A longer Chinese candidate holding row ``r2``'s Chinese co-occurs with its English ``REPAIR_BLOCK``
    as often: the English span belongs to that term (特朗普政府 / "Trump administration", 许可制度 /
    "licensing system"), not to the shorter one. ``by_e``: :func:`_by_en`."""
    order, start = by_e
    zk, e2 = c.zh[c.zi[r2]], int(c.ei[r2])
    return any(
        c.cze[q] >= REPAIR_BLOCK * c.cze[r2] and zk in c.zh[c.zi[q]] and c.zh[c.zi[q]] != zk
        for q in order[start[e2] : start[e2 + 1]]
    )


REPAIR_SIM = 0.03  # the longer span must be at most this much less similar to the Chinese under the encoder


def choose_repairs(
    c: Counts,
    cands: dict[int, list[int]],
    sim: dict[int, float],
    en_freq: dict | None = None,
    matched: Mapping[tuple[str, str], float] | None = None,
) -> dict[int, int]:
    """{row: the longer row that replaces it}: among ``cands`` (:func:`repairs`), those whose similarity
    to the other side (``sim``, by joint row) holds (at most ``REPAIR_SIM`` below the shorter span's), the
    one co-occurring most often, then the longest. Co-occurrence alone cannot decide a span seen once:
    every longer span around it is seen once too ("strict export controls"); the encoder can.

    A longer English span that holds ``CUT_SHARE`` of the shorter one's co-occurrences and recurs in the corpus
    (``en_freq``, at least ``CUT_RECUR`` sentences) is a unit, and repairs whatever the encoder says
    (曾祖父 / "Granddad" -> "Great-Granddad", which the encoder finds a little less similar). So is a longer
    English span that CC-CEDICT gives whole for the Chinese term (:func:`dictionary_gives`): 智库 /
    "tank" -> "think tank", seen once, which the encoder finds less similar than "tank". So is a longer
    English span whose added words translate what the shorter one leaves of the Chinese term untranslated
    (:func:`glossary.spans.en_extra_glossed`): 小康社会 / "society" -> "moderately prosperous society" (小康,
    "moderately affluent").

    A longer Chinese term must also translate what the shorter one lacks (:func:`adds_translation`, with
    ``matched``): 战略矿产储备 holds 储备 / "reserve", a part of "strategic mineral reserve" that 战略矿产
    leaves out; 材料 / "material" does not grow into 痕量材料, nor 林剑 / "Lin Jian" into 发言人林剑.

    A longer Chinese term that spells a name in pinyin where the shorter spells only part of it
    (:func:`spells_whole`) repairs it whatever the encoder says: 叶文 / "Ye Wenjie" -> 叶文洁, whose 洁
    spells the "jie" that jieba cut off (叶文 + 洁身); to the encoder names are noise.

    So does a longer Chinese term, the same English, that gives back the character jieba's cut took from a
    word (:func:`restores_word`): 类风湿性关节炎 / "rheumatoid arthritis" for 风湿性关节炎, cut 类/q 风湿性关节炎/n
    though 类风湿 is a word."""
    out = {}
    for r, longer in cands.items():
        ok = [
            r2
            for r2 in longer
            if (c.zi[r2] != c.zi[r] and spells_whole(c.zh[c.zi[r2]], c.zh[c.zi[r]], _display_en(c, c.ei[r])))
            or (c.ei[r2] == c.ei[r] and restores_word(c.zh[c.zi[r2]], c.zh[c.zi[r]]))
            or (c.ei[r2] == c.ei[r] and unknown_extra(c.zh[c.zi[r2]], c.zh[c.zi[r]], c.en[c.ei[r]]))
            or (
                (
                    sim.get(r2, -1.0) >= sim.get(r, 0.0) - REPAIR_SIM
                    or (en_freq is not None and c.zi[r2] == c.zi[r] and holds_as_unit(c, r2, r, en_freq))
                    or (c.zi[r2] == c.zi[r] and dictionary_gives(c.zh[c.zi[r]], _display_en(c, c.ei[r2])))
                    or (c.zi[r2] == c.zi[r] and en_extra_glossed(c.zh[c.zi[r]], c.en[c.ei[r]], c.en[c.ei[r2]]))
                )
                and (c.zi[r2] == c.zi[r] or adds_translation(c, r2, r, matched or {}))
            )
        ]
        if ok:
            out[r] = max(ok, key=lambda q: (c.cze[q], sim.get(q, 0.0), len(c.en[c.ei[q]].split()), len(c.zh[c.zi[q]])))
    return out


def restores_word(longer: str, shorter: str) -> bool:
    """``longer`` is ``shorter`` with one character before it that the cut split from a word of it
    (:func:`glossary.spans.split_word`)."""
    return len(longer) == len(shorter) + 1 and longer.endswith(shorter) and split_word(longer[0], shorter)


def spells_whole(longer: str, shorter: str, name: str) -> bool:
    """Chinese term ``longer`` spells the English ``name`` in pinyin (:func:`glossary.pinyin.translit`
    at least ``NAME_SPELL``) and better than ``shorter``, a part of it, which spells only part of the
    name: 叶文洁 / "Ye Wenjie" 1.00 against 叶文 0.77 (jieba cuts 叶文 + 洁身 in 于是话题转到叶文洁身上),
    单廷秀 / "Shan Tingxiu" 1.00 against 单廷 0.67. Not a longer term with a character glued on
    (叶文洁身 0.80), nor anything for a lower-case English span (no name: translit 0)."""
    whole = translit(longer, name)
    return whole >= NAME_SPELL and whole > translit(shorter, name) + 1e-9


def adds_translation(c: Counts, longer: int, shorter: int, matched: Mapping[tuple[str, str], float]) -> bool:
    """Joint row ``longer`` (a longer Chinese term, the same English) holds, outside the Chinese of
    ``shorter``, characters that translate a part of the English: each run of them before or after it
    and a proper part of the English are a pair of ``matched`` ((zh key, en key) -> weighted
    co-occurrence, the best match of each other) that co-occurs in more pairs than the longer term
    does. 储备 / "reserve" in 战略矿产储备 / "strategic mineral reserve" beside 战略矿产 (储备 and
    "reserve" meet in four pairs): the shorter term lacks that part, so the English belongs to the
    longer one. Within the longer term's own pairs every word meets every other, so a match seen only
    there is no evidence: 海啸 / "Ocean" meet only in the one sentence of 印度洋海啸 ("the Indian Ocean
    tsunami"), where 印度洋 is all of "Indian Ocean". Extra characters only part of which translate
    (矿物需求量 in 全球关键矿物需求量 / "global demand" beside 全球关键) are no evidence either. A dictionary
    is evidence of its own: extra characters that CC-CEDICT glosses, word for word, with a part of the
    English the shorter term leaves out (:func:`glossary.spans.extra_glossed`: 上 / "upper" of 上书房 /
    "Upper Library") translate it, however rarely they are seen apart."""
    zl, zs, ek = c.zh[c.zi[longer]], c.zh[c.zi[shorter]], c.en[c.ei[longer]]
    parts = _sub_keys_en(ek)
    extra = edge_parts(zl, zs)
    own = float(c.cze[longer])
    if extra_glossed(zl, zs, ek):
        return True
    return bool(extra) and all(any(matched.get((x, s), 0.0) > own for s in parts) for x in extra)


def features(
    c: Counts,
    rows: np.ndarray,
    sims: np.ndarray,
    d: np.ndarray,
    g2: np.ndarray,
    stats: CorpusStats | None = None,
    rep: dict[int, int] | None = None,
    sim_all: np.ndarray | None = None,
    matched: Mapping[tuple[str, str], float] | None = None,
) -> np.ndarray:
    """(len(rows), len(FEATURES)) feature matrix of the kept joint rows (``matched``: the pairs that are each
    other's best match by association and the encoder alone, for :func:`cut_flags`).

    ``log_recur`` is the evidence behind the pair's two sides as units of the corpus: the log of
    the rarer side's frequency over every sentence of the corpus (``stats``, paired or not; the
    pairs' counts without it). 出口管制 / export controls co-occurs in one sentence pair of the
    example corpus, but each side recurs five and six times in the store's files; a name seen
    once is one sighting on either side.

    A name is its whole capitalised span (:func:`nested_rows`): a longer capitalised candidate
    that covers most of a shorter one's co-occurrences with the same Chinese term takes the
    shorter one's Dice, count and G² where those are higher, and is preferred to it as the best
    match of the Chinese term, so that "Commerce" (also seen in "Commerce employees") gives way
    to "Commerce Department" and "Motors" to "General Motors". Lower-case chunks get no such
    preference: their edges are fuzzy ("control battery technologies": the verb is in the chunk).

    A one-off Chinese span that is a recurring term with a word glued to it, paired with a name
    (:func:`glued_names`, with ``sim_all``, the encoder's similarity of every joint row: 问姑奶奶 / "Aunt
    Feng"), gets ``zh_extra`` and gives way to the term inside as the best match of the English.

    A bare name that spells in pinyin only the start of the Chinese term (王家 / "Wang",
    :func:`name_leaves_title`) gets ``zh_extra`` too: on MAC-Dev 001-003 that took 王家 / "Wang" and
    蓉儿 / "Rong" (gold: wrong) from 0.39 to below ``min_confidence`` and changed no other entry.

    A longer Chinese term that repairs a shorter one (``rep``, :func:`choose_repairs`: 战略矿产储备
    for 战略矿产 / "strategic mineral reserve", which the encoder ties) is likewise preferred to it as
    the best match of the English: the English is repaired, not the longer term demoted. A longer English
    span that repairs a shorter one whose Chinese term holds characters the shorter leaves out (``zh_extra``)
    is likewise preferred as the best match of the Chinese term: 拜登政府 / "Biden administration", not
    "Biden", which 拜登 pairs with better (政府 is "administration"). A repair of a span that leaves nothing
    of the Chinese out ("desolate mountainside" for 荒山 / "mountainside") gets no such preference.

    A one-character term and the English word CC-CEDICT glosses it with (:func:`dictionary_match`)
    are each other's better match by as much as a parenthesis: 锌 is seen once, beside "Canadian",
    "copper" and "zinc" alike, and the encoder put "Canadian" first.
    So are a compound seen in one sentence and the English CC-CEDICT composes from its parts
    (:func:`compound_gloss`): every span of that sentence meets it at Dice 1, and the encoder put "zinc
    mining" above "lithium mines" for 锂矿 (锂 "lithium" + 矿 "mine"), and "U.S. foreign policy
    objectives" above "foreign policy objectives" for 外交政策目标; and so are a headword seen in one
    sentence and English of two or more content words that its glosses spell word for word (冬衣 /
    "winter clothes", 姑爷 / "son-in-law"). A term that recurs has association to tell its partners
    apart, and a headword's one-word gloss is only one of its senses (屋子 / "room"): neither takes the
    dictionary's word. English that the dictionary composes so is as long as the term's glosses are,
    so its length is no evidence against it (``len_fit`` 0): 妻妾 / "wives and concubines" (妻 + 妾, one
    word of two characters) was at 0.24 for the length alone; on MAC-Dev 001-003 (dev) recall went
    110 -> 113 of 185 (妻妾, 岳母 / "mother-in-law", 姑爷 / "son-in-law") and ECE 0.097 -> 0.081.

    The full form of a name the text shortens (:func:`full_forms`: 荣国府 beside 荣府 / "Rong mansion")
    takes the short form's English as its best match both ways; and an English chunk that a longer
    Chinese term takes (:func:`owned_by_longer`: "Wang clan of Nanking", 金陵王家's) is no best match of
    the term inside it (金陵 / "Nanking"); nor is a possessive whose owner is the best match of a Chinese
    term the row's term does not hold (:func:`owner_outside`: "Chen Qingyang's clinic" of 陈清扬的医务室 is
    no best match of 医务室, which takes "clinic").
    """
    zi, ei = c.zi[rows], c.ei[rows]
    sim = np.nan_to_num(sims, nan=0.15)  # 0.15: typical cosine of unrelated short terms
    dd = d[rows].copy()
    lc = np.log1p(c.nze[rows])
    lr = np.log1p(g2[rows]) / 5
    ef = stats.en_freq if stats is not None else dict(zip(c.en, c.ce.tolist()))
    nested = nested_rows(c, rows, ef)
    for kl, ks in nested:
        dd[kl], lc[kl], lr[kl] = max(dd[kl], dd[ks]), max(lc[kl], lc[ks]), max(lr[kl], lr[ks])
    tr = np.array([translit(c.zh[z], _display_en(c, e)) for z, e in zip(zi, ei)])
    par = np.array([float((c.zh[z], c.en[e]) in c.paren) for z, e in zip(zi, ei)])
    head = head_share(c, ei)
    lex = np.array([float(len(c.zh[z]) == 1 and dictionary_match(c.zh[z], c.en[e])) for z, e in zip(zi, ei)])
    zf = stats.zh_freq if stats is not None else dict(zip(c.zh, c.cz.tolist()))
    once = [zf.get(c.zh[z], 0.0) < CUT_RECUR for z in zi]  # every span of its one sentence ties on association
    composed = [o and compound_gloss(c.zh[z], _display_en(c, e)) for o, z, e in zip(once, zi, ei)]
    # a sense the dictionary gives whole (lower-case English) counts as much again as the pair's own Dice
    sensed = np.array([float(sense_gives(c.zh[z], c.en[e]) and _lower(_display_en(c, e))) for z, e in zip(zi, ei)])
    prior = sim + dd + tr * 0.5 + par + 0.5 * head + np.maximum(np.maximum(lex, composed), sensed * dd)
    for kl, ks in premodifiers(c, rows, sim_all) if sim_all is not None else ():
        prior[ks] = max(prior[ks], prior[kl] + 1e-6)  # "U.S. taxpayer", not "U.S. taxpayer money", is 美国纳税人's
    prior_zh = prior.copy()  # the longer name is the better match of the Chinese term, not of its English
    for kl, ks in sorted(nested, key=lambda p: len(_display_en(c, c.ei[rows[p[0]]]))):
        prior_zh[kl] = max(prior_zh[kl], prior_zh[ks] + 1e-6)
    kept_names = set(nested)
    for kl, ks in better_parts(c, rows, d).items():  # "eunuch", not "Palace Eunuch", is 太监's better match
        if (kl, ks) not in kept_names:
            prior_zh[ks] = max(prior_zh[ks], prior_zh[kl] + 1e-6)
    prior += compound_share(c, zi, ei, lex)
    pos = {int(r): k for k, r in enumerate(rows)}
    zx, ex = extent_flags(c, rows, d)
    for r, q in (rep or {}).items():
        if c.zi[q] != c.zi[r] and r in pos and q in pos:  # the longer Chinese term is the English's better match
            prior[pos[q]] = max(prior[pos[q]], prior[pos[r]] + 1e-6)
        elif (
            r in pos
            and q in pos
            and (
                zx[pos[r]]
                or dictionary_gives(c.zh[c.zi[q]], _display_en(c, c.ei[q]))
                or en_extra_glossed(c.zh[c.zi[q]], c.en[c.ei[r]], c.en[c.ei[q]])
            )
        ):
            # the longer English translates the Chinese term's extra part, or the dictionary gives it whole
            prior_zh[pos[q]] = max(prior_zh[pos[q]], prior_zh[pos[r]] + 1e-6)
    glued = {} if sim_all is None or stats is None else glued_names(c, rows, sim_all, stats.zh_freq)
    for k, q in glued.items():  # the recurring term inside is the English's better match (问姑奶奶: 姑奶奶)
        prior[q] = max(prior[q], prior[k] + 1e-6)
    for k, q in address_forms(c, rows, prior, prior_zh).items():  # 茅大哥 is 茅十八 addressed: "Whiskers" is both
        prior[k] = max(prior[k], prior[q])
    top_zh = np.full(len(c.zh), -np.inf)
    np.maximum.at(top_zh, zi, prior_zh)
    for k, q in full_forms(c, rows, prior, prior_zh).items():  # 荣国府 is 荣府 in full: "Rong mansion" is both
        prior[k] = max(prior[k], prior[q])
        prior_zh[k] = max(prior_zh[k], top_zh[zi[k]] + 1e-6)
    prior_zh = prior_zh - OWNED * owned_by_longer(c, rows, prior, sim)
    prior_zh = prior_zh - OWNED * owner_outside(c, rows, matched or {})
    zx[list(glued)] = 1.0
    zx = np.maximum(zx, [float(name_leaves_title(c.zh[z], _display_en(c, e))) for z, e in zip(zi, ei)])
    fit = np.array([0.0 if k else len_fit(c.zh[z], c.en[e], _display_en(c, e)) for k, z, e in zip(composed, zi, ei)])
    return np.column_stack(
        [
            np.ones(rows.size),
            sim,
            dd,
            lc,
            lr,
            tr,
            par,
            best_flags(zi, prior_zh),
            best_flags(ei, prior),
            fit,
            zx,
            ex,
            head,
            recur_evidence(c, zi, ei, stats),
            cut_flags(c, rows, stats, matched),
        ]
    )


OWNED = 10.0  # taken out of the competition for the Chinese term's best match (below every row that is not)


def owned_by_longer(c: Counts, rows: np.ndarray, prior: np.ndarray, sim: np.ndarray) -> np.ndarray:
    """1.0 for each kept row (z, e) whose English e is the best match (``prior``) of a longer Chinese
    term y holding z that meets e nearly whenever z does (``REPAIR_BLOCK``, as :func:`taken_by_longer_zh`)
    and that the encoder finds closer to e than z (``sim``), while a part of e (whole words) is a partner
    of z that no such term takes and that the encoder finds at least as close to z as e; 0.0 otherwise. e is y's translation and the part is z's: 金陵王家 /
    "Wang clan of Nanking" beside 金陵 / "Nanking" (in the one sentence that holds them every English
    chunk meets 金陵 as often, and the longer chunk took 金陵's best match). Not 王家 / "Wang clan" of the
    same sentence: the encoder finds "Wang clan" closer to 王家 (0.78) than to 金陵王家 (0.53); nor 铜磬 /
    "copper chime" (of 金钟铜磬, "a bronze bell or a copper chime"), which is closer to 铜磬 than "copper"."""
    top: dict[int, int] = {}
    for k, e in enumerate(c.ei[rows].tolist()):
        if e not in top or prior[k] > prior[top[e]]:
            top[e] = k
    zi, ei = c.zi[rows].tolist(), c.ei[rows].tolist()
    owned = []
    for k, (z, e) in enumerate(zip(zi, ei)):
        q = top[e]
        y = c.zh[zi[q]]
        owned.append(
            q != k
            and y != c.zh[z]
            and c.zh[z] in y
            and c.cze[rows[q]] >= REPAIR_BLOCK * c.cze[rows[k]]
            and sim[q] > sim[k]
        )
    free: dict[int, dict[str, float]] = defaultdict(dict)  # z -> its partners no longer term takes: similarity
    for k, z in enumerate(zi):
        if not owned[k]:
            free[z][c.en[ei[k]]] = float(sim[k])
    return np.array(
        [
            float(owned[k] and any(free[z].get(p, -1.0) >= sim[k] for p in _sub_keys_en(c.en[e])))
            for k, (z, e) in enumerate(zip(zi, ei))
        ]
    )


def possessive_owner(en: str) -> str | None:
    """The key of the owner of an English candidate key written with a possessive ("chen qingyang's
    clinic" -> "chen qingyang"), None for one without."""
    words = en.split()
    n = next((n for n, w in enumerate(words[:-1]) if w.endswith(("'s", "’s"))), None)
    return None if n is None else en_key(" ".join(words[: n + 1])[:-2])


def owner_outside(c: Counts, rows: np.ndarray, matched: Mapping[tuple[str, str], float]) -> np.ndarray:
    """1.0 for each kept row (z, e) whose English e is a possessive whose owner is the best match
    (``matched``, both ways) of a Chinese term that z does not hold; 0.0 otherwise. The owner is
    then written outside z in the sentence: 陈清扬的医务室 / "Chen Qingyang's clinic" is 陈清扬 / "Chen
    Qingyang" and 医务室 / "clinic", and in the one sentence that holds them the possessive chunk meets
    医务室 more often than "clinic" (the translation also writes "her clinic"). Not 周瑞家 / "Zhou Rui's
    wife", which holds 周瑞, the owner's Chinese; an owner that is no one's best match says nothing.
    A part of the owner counts as the owner: "Her Ladyship" is 太太 when 太太 matches "Ladyship"
    (太太的内侄女儿 / "Her Ladyship's niece": 侄女儿 is the niece)."""
    owners: dict[str, set[str]] = defaultdict(set)
    for zk, ek in matched:
        owners[ek].add(zk)
    out = np.zeros(rows.size)
    for k, (z, e) in enumerate(zip(c.zi[rows].tolist(), c.ei[rows].tolist())):
        owner = possessive_owner(c.en[e]) if "'" in c.en[e] or "’" in c.en[e] else None
        ys = {y for o in ({owner} | _sub_keys_en(owner) if owner else ()) for y in owners.get(o, ())}
        out[k] = float(bool(ys) and not any(y in c.zh[z] for y in ys))
    return out


def full_forms(c: Counts, rows: np.ndarray, prior: np.ndarray, prior_zh: np.ndarray) -> dict[int, int]:
    """{kept row: kept row of the short form} for rows (y, e) whose Chinese y is the full form of a name
    x that the text shortens by dropping inner characters (x keeps y's first and last characters and the
    rest in order, is no run of y and no word of jieba's dictionary: 荣国府 "the Rong-guo mansion", 荣府;
    宁国府, 宁府; not 女孩儿 "girl" and the word 女儿 "daughter"), where e is the best match of x both ways
    (``prior``, ``prior_zh``): 荣国府 is seen once, in a sentence whose every chunk meets it as often, and
    the short form's English is its own ("Rong mansion"). :func:`features` makes e the best match of y
    both ways too, as :func:`address_forms` does for a name and its address."""
    best_en = best_flags(c.ei[rows], prior)
    best_zh = best_flags(c.zi[rows], prior_zh)
    short: dict[int, int] = {}  # e -> the row of the two-way best match of e
    for k, (z, e) in enumerate(zip(c.zi[rows].tolist(), c.ei[rows].tolist())):
        if best_en[k] and best_zh[k] and len(c.zh[z]) >= 2:
            short[e] = k
    out: dict[int, int] = {}
    for k, (z, e) in enumerate(zip(c.zi[rows].tolist(), c.ei[rows].tolist())):
        q = short.get(e)
        if q is None or q == k:
            continue
        y, x = c.zh[z], c.zh[c.zi[rows[q]]]
        if len(y) > len(x) and y[0] == x[0] and y[-1] == x[-1] and x not in y and _subsequence(x, y) and not lexicon(x):
            out[k] = q
    return out


def _subsequence(x: str, y: str) -> bool:
    """The characters of ``x`` occur in ``y`` in order."""
    it = iter(y)
    return all(ch in it for ch in x)


# the last character of a kinship word used to address someone (大哥 "elder brother", 大娘, 老爷, 姑娘)
_ADDRESS_END = frozenset("哥姐弟妹兄嫂叔伯姑姨婶舅婆爷娘公奶妈")


def address_forms(c: Counts, rows: np.ndarray, prior: np.ndarray, prior_zh: np.ndarray) -> dict[int, int]:
    """{kept row: kept row of the name} for rows (y, e) whose Chinese y is a person addressed by the
    surname of the name x that is e's best match (``prior``) and a two-character kinship word, and e
    is y's best match too (``prior_zh``): 茅大哥
    ("Brother Mao", 茅 + 大哥) beside 茅十八, both "Whiskers" in the translation. The two are one
    person, so e is the best match of both; without this 茅大哥 / "Whiskers" (gold: right) lost
    ``best_en`` to 茅十八 and fell to 0.13. The kinship word is one noun of jieba's dictionary ending in
    a kinship character (``_ADDRESS_END``), so 刘氏 (氏 "née") is no address of 刘老老, nor is a name of
    its own (韦小宝, 小宝 nr) one of another name with its surname. The English is a name (capitalised):
    温家哥 (of 温家哥儿, "the Wen brothers", 家哥 a noun too) is no address of 温家兄弟 / "Wen brothers"."""
    top: dict[int, int] = {}
    best_zh = best_flags(c.zi[rows], prior_zh)
    for k, r in enumerate(rows):
        e = int(c.ei[r])
        if e not in top or prior[k] > prior[top[e]]:
            top[e] = k
    out: dict[int, int] = {}
    for k, r in enumerate(rows):
        q = top[int(c.ei[r])]
        if not best_zh[k]:
            continue  # y's own best English is another (周大娘 / "Mrs Zhou", the wife of 周瑞 / "Zhou Rui")
        y, x = c.zh[c.zi[r]], c.zh[c.zi[rows[q]]]
        kin = y[1:]
        if q == k or len(y) != 3 or len(x) < 2 or y[0] != x[0] or y[1:] == x[1:] or kin[-1] not in _ADDRESS_END:
            continue
        if zh_tagged(kin) == ((kin, "n"),) and is_capitalised(_display_en(c, int(c.ei[r]))):
            out[k] = q
    return out


def compound_share(c: Counts, zi: np.ndarray, ei: np.ndarray, lex: np.ndarray) -> np.ndarray:
    """The dictionary's weight (``lex``) of a character's row, given to each row of the same English
    term whose Chinese holds that character: 板凳 / "stool" stays the English's best match beside 凳 /
    "stool". Only for the English side: 铜磬 (a bronze chime) does not choose "copper" because 铜 does."""
    by_en: dict[int, list[int]] = defaultdict(list)
    for q in np.flatnonzero(lex).tolist():
        by_en[int(ei[q])].append(q)
    out = np.zeros(len(zi))
    for k, e in enumerate(ei.tolist()):
        if len(c.zh[zi[k]]) > 1 and e in by_en:
            out[k] = max((lex[q] for q in by_en[e] if c.zh[zi[q]] in c.zh[zi[k]]), default=0.0)
    return out


def dictionary_match(zk: str, en: str) -> bool:
    """CC-CEDICT translates the Chinese term ``zk`` into the English term ``en`` word for word: cut into
    the longest words the dictionary has (:func:`termalign.align.lexicon.gloss_parts`), each part has a gloss among the English
    words' lemmas, and each English content word is a gloss of some part (锌 / "zinc", 锂矿 / "lithium
    mine"; not 锂矿 / "zinc mining")."""
    from termalign.align.lexicon import en_lemmas

    words = en_lemmas(en)
    if not words or not _HAN_ONLY.match(zk):
        return False
    parts = gloss_parts(zk)  # a character the dictionary lacks is a part with no gloss
    return bool(parts) and all(p & words for p in parts) and words <= frozenset().union(*parts)


def compound_gloss(zk: str, en: str) -> bool:
    """CC-CEDICT translates the Chinese compound ``zk`` part by part into the lower-case English ``en``
    (:func:`dictionary_match`), with an English word for each part, and ``zk`` is no headword of its own:
    锂矿 (锂 "lithium" + 矿 "mine") / "lithium mines", not "zinc mining", which the encoder finds closer.
    Or ``zk`` is a headword and ``en`` has two or more content words, each a gloss of it: 冬衣 / "winter
    clothes", 姑爷 / "son-in-law", 岳母 / "mother-in-law" (a hapax beside every chunk of its sentence).
    A compound the dictionary composes, or a gloss of several words, is a translation checked word for
    word; a headword's one-word gloss is only one of its senses (屋子 / "room"), two parts glossed by
    one word are a paraphrase (上床 + 睡觉 / "bed"), and capitalised English holds names and acronyms the
    dictionary does not gloss ("U.S." is no content word to it): it counts only as a name the dictionary
    gives for the term (:func:`dictionary_gives`: 网信办 / "Cyberspace Administration", seen once, where
    the encoder put 管理 "administration" first)."""
    from termalign.align.lexicon import en_lemmas, glosses

    if len(zk) < 2:
        return False
    if en != en.lower():  # a name as the dictionary writes it, not a word capitalised (冬衣 / "Winter Clothes")
        return sense_names(zk, en, fold=False)
    if glosses(zk):
        return len(en_lemmas(en)) >= 2 and dictionary_match(zk, en)
    n = len(gloss_parts(zk))
    return 2 <= n <= len(en_lemmas(en)) and dictionary_match(zk, en)


_HAN_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")


def name_leaves_title(zk: str, en: str) -> bool:
    """``en`` is one capitalised word that spells, in pinyin, the start of the Chinese term ``zk``
    (plural "-s" allowed) and nothing more: the characters after it (家, 儿, 大娘) have no English
    counterpart, as ``zh_extra`` says (:func:`extent_flags`). 王家 / "Wang" (the Wang clan), 温家 /
    "Wen", 蓉儿 / "Rong", 周大娘 / "Zhous": the name of a family, a pet name or a name and title paired
    with the bare name, which the MAC-Dev gold judges wrong; a name the English spells whole
    (宝玉 / "Bao-yu") or only in part (凤姐 / "Xi-feng") is left alone. Names in news are
    transliterated, not spelled in pinyin, so this never fires there."""
    if " " in en or not en[:1].isupper() or len(zk) < 2:
        return False
    word = "".join(ch for ch in en.lower() if ch.isalpha())
    syl = name_syllables(zk, word)
    if len(syl) != len(zk):
        return False
    return any("".join(syl[:n]) in (word, word[:-1] if word.endswith("s") else word) for n in range(1, len(zk)))


def titled_ok(zk: str, en: str) -> bool:
    """An English honorific and name ("Mrs Zhou", "Mr. Campbell", :data:`glossary.candidates.HONORIFIC`)
    translates a Chinese term only when the term holds a title beside the name: a start that sounds
    like the name (``GLUE_TRANSLIT``) and then one noun (jieba n or nr: 周 + 大娘 for "Mrs Zhou",
    王 + 先生 for "Mr Wang"). News writes the bare name where English adds "Mr." (坎贝尔 / Campbell),
    and a name glued to a verb is no title (特朗普 + 威胁, "Mr Trump threatened"); without this gate
    "Mr Campbell", "Mr Bessent" and "Mr Medeiros" took 坎贝尔, 贝森特 and 麦艾 from the bare names as the
    longer names (:func:`nested_rows`) on the example corpus. A foreign name's transliteration sounds
    too little like its spelling to pass (坎贝尔 / Campbell 0.38), so 坎贝尔先生 keeps "Campbell", as
    before the honorific was a candidate.

    A surname spelled in pinyin (one syllable, a reading of the term's first character) says the
    same of the rest of the term. After any capitalised word, as a title ("Grannie Liu", "Mrs Zhou",
    "Old Hai"), it translates a term whose rest is a title (:func:`_title`: 刘 + 老老, 周 + 大娘, 海 +
    老公), not 刘氏 (氏, "née", is no "Grannie"): "Grannie Liu", the name of 刘老老, took 刘氏 / "Liu"'s
    co-occurrences as the longer name (:func:`nested_rows`) and was an entry of 刘氏 at 0.43. Alone, it
    translates no term whose rest is a kinship title, which it leaves out (刘氏 / "Liu", 周大娘 /
    "Zhou"; :func:`name_leaves_title` marks the milder cases): 刘氏 / "Liu" (0.84) would replace
    刘氏 / "Grannie Liu" otherwise. A first word that spells a character of the term is no title:
    "Zhen Zhen" is the doubled given name 珍珍. Any other English passes.

    A kinship title of two characters or more after the start (凤 + 姑娘, 二 + 奶奶: :func:`_title` with
    ``kin``) takes an honorific and any name: a novel's translator may call a married woman after her
    husband, "Mrs Lian" for 凤姑娘 (twice, both times "Mrs Lian"), and news writes no kinship title after a
    foreign name (特朗普威胁, 坎贝尔 still take no "Mr"). The honorific and the title agree in sex
    (:func:`_same_sex`: 贾二老爷 took "Miss Wang" of its sentence without it), and 小姐 (the elder "Miss
    Wang") has one character of title after 小, no name."""
    words = en.split()
    # "Zhen Zhen" (珍珍): a first word that spells a character of the term is a given name, no title
    doubled = bool(words) and any(words[0].lower() in readings(ch) for ch in zk)
    if (
        len(words) == 2
        and words[0][:1].isupper()
        and len(zk) >= 2
        and words[1].lower() in readings(zk[0])
        and not doubled
    ):
        return _title(zk[1:])  # "Grannie Liu": a title and a surname, 刘 + 老老
    if len(words) == 1 and en[:1].isupper() and len(zk) >= 2 and en.lower() in readings(zk[0]):
        return not _title(zk[1:], kin=True)  # "Liu" for 刘氏: the bare surname leaves the title out
    if len(words) < 2 or words[0].rstrip(".").lower() not in HONORIFIC:
        return True
    name = " ".join(words[1:])
    for n in range(1, len(zk)):
        if _title(zk[n:]) and translit(zk[:n], name) >= GLUE_TRANSLIT:
            return True
    # "Mrs Lian" for 凤姑娘 (凤 + 姑娘) and 二奶奶: a kinship title after a name the English need not spell
    return _same_sex(words[0], zk) and any(len(zk) - n >= 2 and _title(zk[n:], kin=True) for n in range(1, len(zk) - 1))


_FEMALE_HONORIFIC = frozenset({"mrs", "ms", "miss"})
_FEMALE_KIN = frozenset("姐妹嫂姑姨婶婆娘奶妈")  # of _ADDRESS_END, the women's titles; the rest are men's


def _same_sex(honorific: str, zk: str) -> bool:
    """The English honorific ("Mrs", "Mr.") and the kinship title that ends ``zk`` (:data:`_ADDRESS_END`)
    name a person of the same sex: 凤姑娘 may be "Mrs Lian", 贾二老爷 ("the younger Sir Jia") no "Miss Wang".
    An honorific of no sex ("Dr") or a term that ends in no kinship title agrees with nothing."""
    h = honorific.rstrip(".").lower()
    if zk[-1:] not in _ADDRESS_END or h not in _FEMALE_HONORIFIC | {"mr"}:
        return False
    return (h in _FEMALE_HONORIFIC) == (zk[-1] in _FEMALE_KIN)


def _title(rest: str, kin: bool = False) -> bool:
    """``rest``, after a name's start, is a title: one noun (大娘, 先生, 夫人, 老公 nr) or a doubled kinship
    syllable (老老, jieba's 老/a 老/a). With ``kin``, only what cannot be a given name: a noun morpheme
    (氏 ng), a kinship noun (大娘, 姐姐: ``_ADDRESS_END``) or a doubled syllable; 林剑 (剑 n, "sword") is
    Lin Jian, whom news calls "Lin"."""
    tags = zh_tagged(rest)
    if len(rest) == 2 and rest[0] == rest[1]:
        return True
    if len(tags) != 1:
        return False
    if kin:
        return tags[0][1] == "ng" or (tags[0][1] == "n" and rest[-1] in _ADDRESS_END)
    return tags[0][1] in ("n", "nr")


# what makes a Chinese term a family or a group: 贾府, 贾家 ("the Jias"), 温家兄弟 ("the Wen brothers"), 他们
_GROUP = ("家", "府", "们", "兄弟", "姐妹", "夫妇", "俩")


def number_ok(zk: str, en: str, names: frozenset[str]) -> bool:
    """A plural surname ("the Jias", "two Sir Jias", "the Zhous": its last word a name of ``names``, the
    lone capitalised English keys, that is one pinyin syllable, plus "s") is a family or several
    people, so it translates a Chinese term only when the term says so (``_GROUP``: 贾府, 温家兄弟). 贾二
    (of 贾二老爷, "the younger of the two Sir Jias", one man) took "Sir Jias" at 0.51, and 二小姐 ("the
    elder Miss Wang", of the same sentence) would take it next. Other plurals pass ("Lithium
    Americas", "Whiskers", a nickname whose singular the English never writes): Chinese marks no
    plural (美国人 / Americans)."""
    last = en.split()[-1] if en else ""
    if not (last[:1].isupper() and last.endswith("s") and last[:-1].lower() in names and is_syllable(last[:-1])):
        return True
    return any(g in zk for g in _GROUP)


def partner_ok(zk: str, ek: str, partners: dict | None) -> bool:
    """A character n-gram counted as a candidate (``partners``, :func:`glossary.spans.aligned_ngram_partners`)
    pairs only with the English key it recurs with: 老老 / "grannie" (in 刘老老 / "Grannie Liu"), not "old",
    which the pairing found for it in MAC-Dev 003 once 老老 was a candidate. Any other term passes, and one
    that jieba proposes in other sentences (its partner None)."""
    return not partners or partners.get(zk) in (None, ek)


def gerund_ok(zk: str, en: str, verbs: frozenset[str], once: bool = False) -> bool:
    """A Chinese verb counted as a candidate for its gerund (``verbs``, :func:`glossary.spans.gerund_verbs`)
    pairs only with English that holds a gerund: 放牛 ("to herd buffalo") / "herding buffalo", not "buffalo",
    the object alone; 赌钱 ("to gamble") / "gambling", not "money".

    And lower-case English that opens with a gerund pairs with a Chinese term seen ``once`` in the corpus
    only when CC-CEDICT glosses the term, or its parts (:func:`glossary.spans.gloss_parts`), with that
    verb: every span of a hapax's one sentence ties on association, and a gerund the dictionary does not
    give is that sentence's verb, not the term's translation (仰天, "to look up at the sky", / "reeling";
    道谢 / "voicing"; 脚钩, 脚 "foot" + 钩 "hook", / "clutching"; 另辟蹊径 / "shoring up"). A term that
    recurs has association to tell its partners apart (许可 / "licensing"), a term whose characters
    CC-CEDICT lacks has no glosses to check, and a capitalised span is a name or a title ("Securing
    America"), not a clause. Any other term passes."""
    from termalign.align.lexicon import en_lemmas

    if zk in verbs:
        return any(gerund(w.lower()) for w in en.split())
    if not once or en != en.lower() or not gerund(en.split()[0]):
        return True
    g = frozenset().union(*gloss_parts(zk))
    return not g or bool(g & en_lemmas(en))


def recur_evidence(c: Counts, zi: np.ndarray, ei: np.ndarray, stats: CorpusStats | None) -> np.ndarray:
    """log(1 + f) for the rarer side's frequency f in the corpus (:class:`CorpusStats`), per row."""
    if stats is None:
        return np.log1p(np.minimum(c.cz[zi], c.ce[ei]))
    zf = np.array([stats.zh_freq.get(c.zh[z], float(c.cz[z])) for z in zi], float)
    ef = np.array([stats.en_freq.get(c.en[e], float(c.ce[e])) for e in ei], float)
    return np.log1p(np.minimum(zf, ef))


def premodifiers(c: Counts, rows: np.ndarray, sim_all: np.ndarray) -> list[tuple[int, int]]:
    """(k_long, k_short) positions in ``rows``: the same Chinese term z, which modifies a noun y written
    right after it wherever it occurs (``Counts.modifies``: 美国纳税人 in 美国纳税人资金), and English e_long
    that is e_short with words added at its end that translate y better than z (``sim_all``, every joint
    row, under the encoder): "U.S. taxpayer money" beside "U.S. taxpayer" ("money" is 资金's). English
    writes the Chinese modifier as a modifier too, so e_long runs past z into y's translation, and the
    head it ends in is y's, not z's."""
    if not c.modifies:
        return []
    find = joint_rows(c)  # the joint rows of (z, extra words) and (y, extra words) need not be kept ones
    zid = {k: i for i, k in enumerate(c.zh)}
    eid = {k: i for i, k in enumerate(c.en)}
    by_z: dict[int, list[int]] = defaultdict(list)
    for k, r in enumerate(rows):
        if c.zh[c.zi[r]] in c.modifies:
            by_z[int(c.zi[r])].append(k)
    out = []

    def sim(z: int, e: int) -> float:
        at = find(z, e)
        return float(np.nan_to_num(sim_all[at], nan=0.15)) if at >= 0 else -1.0

    for z, ks in by_z.items():
        nouns = [zid[y] for y in c.modifies[c.zh[z]] if y in zid]
        for kl in ks:
            long_w = c.en[c.ei[rows[kl]]].split()
            for k in ks:
                short_w = c.en[c.ei[rows[k]]].split()
                if len(long_w) <= len(short_w) or en_key(" ".join(long_w[: len(short_w)])) != c.en[c.ei[rows[k]]]:
                    continue  # e_long must start with e_short
                rl, rs = int(rows[kl]), int(rows[k])
                if sim(z, int(c.ei[rs])) < sim(z, int(c.ei[rl])) or c.cze[rs] < c.cze[rl] - 1e-9:
                    continue  # the longer span is the better match by itself
                extra = eid.get(en_key(" ".join(long_w[len(short_w) :])))
                if extra is None or _display_en(c, extra) != _display_en(c, extra).lower():
                    continue  # a name after a title is no head noun ("Treasury Secretary Scott")
                if any(sim(y, extra) > sim(z, extra) for y in nouns):
                    out.append((kl, k))
    return out


def head_share(c: Counts, ei: np.ndarray) -> np.ndarray:
    """Share of an English candidate's occurrences in which it ends its chunk (a head, "export
    controls" in "impose strict export controls") rather than sits inside one ("strict export")."""
    if c.ew is None:
        return np.ones(ei.size)
    return np.clip(c.ew[ei] / np.maximum(c.ce[ei], 1e-9), 0.0, 1.0)


NEST_SHARE = 0.5  # a longer English candidate inherits a nested one's evidence when it covers this share of it


def _contains(long: Sequence[str], short: Sequence[str]) -> bool:
    """``long`` holds ``short`` as whole words and is longer."""
    return len(long) > len(short) and has_run(long, short)


def is_capitalised(text: str) -> bool:
    """Every word capitalised (acronyms and digits too) but the inner "of/the/and/for": a name's span."""
    words = text.split()
    return bool(words) and all(
        w[:1].isupper() or w[:1].isdigit() or (0 < n < len(words) - 1 and w in _INNER) for n, w in enumerate(words)
    )


_INNER = frozenset({"of", "the", "and", "for", "de", "on", "&"})


def nested_rows(c: Counts, rows: np.ndarray, en_freq: dict | None = None) -> list[tuple[int, int]]:
    """(k_long, k_short) positions in ``rows``: the same Chinese term, the English of k_long holds
    that of k_short as whole words, and either both are capitalised (names) and k_long co-occurs
    with the Chinese term at least ``NEST_SHARE`` as often as k_short does (a coordination, "South
    Korea and Singapore", only for a Chinese term that has a coordinator too, :func:`coordination_ok`:
    南韩 is "South Korea"), or k_long is the unit
    that k_short is cut from (:func:`holds_as_unit`, with ``en_freq``: 轿子 / "sedan chair", not "chair")
    and no longer Chinese term takes it (:func:`taken_by_longer_zh`). A name the Chinese term
    transliterates (:func:`sounds_alone`) is likewise kept from a longer name that a longer Chinese
    term takes: 威尔金森 / "Wilkinson", not "Wilkinson Microwave Anisotropy Probe", which is
    威尔金森微波各向异性's (jieba cuts 威尔金森微波各向异性探测卫星 into four words)."""
    by_z: dict[int, list[int]] = defaultdict(list)
    for k, r in enumerate(rows):
        by_z[int(c.zi[r])].append(k)
    out = []
    by_e = None
    for ks in by_z.values():
        if len(ks) < 2:
            continue
        shown = {k: _display_en(c, c.ei[rows[k]]) for k in ks}
        words = {k: en_words(shown[k]) for k in ks if is_capitalised(shown[k])}
        zk = c.zh[c.zi[rows[ks[0]]]]
        for kl in (k for k in words if coordination_ok(zk, shown[k])):
            for k in words:
                if _contains(words[kl], words[k]) and c.cze[rows[kl]] >= NEST_SHARE * c.cze[rows[k]]:
                    if k != kl and sounds_alone(zk, shown[k], shown[kl]):
                        by_e = by_e or _by_en(c)
                        if taken_by_longer_zh(c, int(rows[kl]), by_e):
                            continue  # "Wilkinson Microwave Anisotropy Probe" is 威尔金森微波各向异性's
                    # "California-Nevada" holds two names: there the single one that fits is preferred
                    out.append((k, kl) if _name_pair_member(shown[kl], shown[k]) else (kl, k))
        if en_freq is None:
            continue
        lower = {k: c.en[c.ei[rows[k]]].lower().split() for k in ks if k not in words}
        for kl in lower:
            for k in lower:
                if _contains(lower[kl], lower[k]) and holds_as_unit(c, int(rows[kl]), int(rows[k]), en_freq):
                    by_e = by_e or _by_en(c)
                    if not taken_by_longer_zh(c, int(rows[kl]), by_e):
                        out.append((kl, k))
    return out


def sounds_alone(zk: str, short: str, long: str) -> bool:
    """The Chinese term ``zk`` is the transliteration of the name ``short`` (:func:`glossary.pinyin.translit`
    at least ``GLUE_TRANSLIT``) and sounds less like the longer name ``long`` that holds it: 威尔金森 /
    "Wilkinson" 0.60 against "Wilkinson Microwave Anisotropy Probe" 0.32. :func:`nested_rows` then
    leaves the longer name to a longer Chinese term that takes it (威尔金森微波各向异性); 老公 / "Librarian"
    (0.38) keeps the nesting with "Chief Librarian"."""
    near = translit(zk, short)
    return near >= GLUE_TRANSLIT and near > translit(zk, long)


def _name_pair(text: str) -> bool:
    """A hyphenated pair of names ("US-China", "California-Nevada"): two terms, no entry of its own."""
    parts = text.split("-")
    return " " not in text and len(parts) == 2 and all(p[:1].isupper() for p in parts)


def _name_pair_member(long: str, short: str) -> bool:
    """``long`` is a hyphenated pair of names ("California-Nevada") and ``short`` one of them."""
    parts = long.split("-")
    return " " not in long and len(parts) == 2 and all(p[:1].isupper() for p in parts) and short in parts


def confidence(x: np.ndarray, weights: Sequence[float]) -> np.ndarray:
    return 1 / (1 + np.exp(-(x @ np.asarray(weights, dtype=float))))


def fit_weights(
    x: np.ndarray,
    y: np.ndarray,
    l2: float = 0.3,
    iters: int = 50,
    offset: np.ndarray | float = 0.0,
    bias: bool = True,
) -> np.ndarray:
    """Logistic regression by Newton's method with an L2 penalty (not on the bias, the first column, unless
    ``bias`` is False). ``offset`` is added to every row's logit: the part of the model that stays fixed."""
    w = np.zeros(x.shape[1])
    reg = np.full(x.shape[1], l2)
    if bias:
        reg[0] = 1e-6
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(offset + x @ w)))
        grad = x.T @ (p - y) + reg * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def _lower(shown: str) -> bool:
    return shown == shown.lower()


def _display_en(c: Counts, e: int) -> str:
    """The most frequent surface of an English key."""
    s = c.en_surface.get(c.en[e])
    return s.most_common(1)[0][0] if s else c.en[e]


# ---------------------------------------------------------------- linking and entries


def link(
    c: Counts,
    rows: np.ndarray,
    conf: np.ndarray,
    params: GlossaryParams,
    d: np.ndarray | None = None,
    rep: dict[int, int] | None = None,
    en_freq: dict | None = None,
    exclude: frozenset[int] = frozenset(),
) -> list[tuple[int, float]]:
    """Competitive linking over rows by confidence: (row, confidence) of the accepted ones.

    ``d``: Dice of every joint row (:func:`dice`), for one-character terms; without it they are never linked.
    ``rep``: extent repairs (:func:`choose_repairs`): a row that wins is replaced by its longer span,
    which is entered with its own confidence ("repair rather than demote").
    ``en_freq``: English key -> frequency in the corpus; a hyphenated pair of capitalised words that
    recurs (``CUT_RECUR``) is one unit ("Great-Granddad"), not two names ("California-Nevada").
    ``exclude``: joint rows never linked (:func:`unmatched_joins`).
    """
    per_zh: Counter = Counter()
    per_en: dict[int, list[str]] = defaultdict(list)
    pos = {int(r): k for k, r in enumerate(rows)}
    out = []
    for k in np.argsort(-conf, kind="stable"):
        if conf[k] < params.min_confidence:
            break
        if rep and rep.get(int(rows[k])) in pos and conf[pos[rep[int(rows[k])]]] >= params.min_confidence:
            k = pos[rep[int(rows[k])]]  # the longer span, with its own confidence
        if int(rows[k]) in exclude:
            continue
        p = float(conf[k])
        z, e = int(c.zi[rows[k]]), int(c.ei[rows[k]])
        zk, ek = c.zh[z], c.en[e]
        if (
            not generic_ok(zk, ek, _display_en(c, e))
            or not single_ok(zk, ek, 0.0 if d is None else float(d[rows[k]]))
            or not linkable_coordination(zk, _display_en(c, e))
            or (_name_pair(_display_en(c, e)) and (en_freq or {}).get(ek, 0.0) < CUT_RECUR)
            or per_zh[z] >= params.max_en_per_zh
            or len(per_en[e]) >= params.max_zh_per_en
        ):
            continue
        if any(zk in other or other in zk or _chained(zk, other) for other in per_en[e]):
            continue  # 稀土出口 / rare earth when 稀土 / rare earth is in; 驱动风力 when 风力涡轮机 is
        per_zh[z] += 1
        per_en[e].append(zk)
        out.append((int(rows[k]), p))
    return out


SENSE_CONF = 0.5  # a second English term for a linked Chinese one needs this confidence ...
SENSE_DICE = 0.3  # ... this Dice with it ...
SENSE_OVERLAP = 0.2  # ... and to share at most this share of the smaller one's pairs with the first


def _same_word(a: str, b: str) -> bool:
    """Two English keys that share a word or a stem of four letters or more (China, Chinese; Japan,
    Japanese; rare earth, rare earth element): forms of one translation, not two."""
    wa, wb = a.lower().split(), b.lower().split()
    return bool(set(wa) & set(wb)) or any(x[:4] == y[:4] and len(x) >= 4 and len(y) >= 4 for x in wa for y in wb)


def second_senses(
    c: Counts,
    rows: np.ndarray,
    conf: np.ndarray,
    linked: list[tuple[int, float]],
    d: np.ndarray,
    max_zh_per_en: int = 2,
) -> list[tuple[int, float]]:
    """(row, confidence) of a second English term for a linked Chinese one, at most one each.

    One Chinese term may be rendered two ways by context: 政府 is "administration" for the American
    government and "government" for the others; 财政部长 is "Treasury Secretary" or "finance
    minister". Competitive linking keeps one English term a Chinese term (``max_en_per_zh``), so
    the other rendering is lost or, worse, links to a neighbour. A row is proposed here when its
    English is linked to fewer Chinese terms than linking allows one English term (``max_zh_per_en``),
    is no form of the first (:func:`_same_word`), holds its
    own (``SENSE_CONF``, ``SENSE_DICE``, in two pairs or more) and passes the linking rules; it
    becomes an entry only when the two English terms occur in different sentence pairs
    (:func:`distinct_senses`), so that a phrase that merely accompanies the term is no sense of it.
    """
    first = {int(c.zi[r]): int(c.ei[r]) for r, _ in linked}
    taken = Counter(int(c.ei[r]) for r, _ in linked)
    out: dict[int, tuple[int, float]] = {}
    for k in np.argsort(-conf, kind="stable"):
        p = float(conf[k])
        if p < SENSE_CONF:
            break
        r = int(rows[k])
        z, e = int(c.zi[r]), int(c.ei[r])
        if z not in first or z in out or taken[e] >= max_zh_per_en or first[z] == e:
            continue
        zk, ek = c.zh[z], c.en[e]
        if (
            c.nze[r] < 2
            or d[r] < SENSE_DICE
            or _same_word(c.en[first[z]], ek)
            or not generic_ok(zk, ek, _display_en(c, e))
            or not single_ok(zk, ek, float(d[r]))
            or not linkable_coordination(zk, _display_en(c, e))
        ):
            continue
        out[z] = (r, p)
    return list(out.values())


def distinct_senses(first: set[int], second: set[int]) -> bool:
    """Two English terms of one Chinese term are two senses when the sentence pairs (indices) that
    hold each rarely hold both (``SENSE_OVERLAP`` of the smaller set)."""
    return bool(second) and len(first & second) <= SENSE_OVERLAP * min(len(first), len(second))


def _chained(a: str, b: str) -> bool:
    """One key ends with the start of the other (驱动风力, 风力涡轮机): two readings of one stretch of
    text (驱动风力涡轮机), not two terms for the same English, as keys sharing a start are (关键矿产, 关键矿物).
    Two words of jieba's dictionary are two words, whatever they share: 南韩 and 韩国, both "South Korea"."""
    if lexicon(a) and lexicon(b):
        return False
    return any(a.endswith(b[:n]) or b.endswith(a[:n]) for n in range(1, min(len(a), len(b))))


_JOIN_WORDS = frozenset({"and", "of", "with"})


def unmatched_joins(
    c: Counts, linked: list[tuple[int, float]], matched: frozenset[tuple[str, str]] = frozenset()
) -> frozenset[int]:
    """Linked rows whose English joins two candidates by and/of/with ("supply chains and boost") or
    a name's possessive ("Jia Rong's smile", 贾蓉笑: 贾蓉 / "Jia Rong" and nothing for "smile"), and
    whose Chinese holds a translation of one part (供应链 / "supply chains" inside 供应链安全) but of
    nothing else in the join: the join is two chunks of the sentence, one of them the translation of
    a piece of the Chinese, not one term. A piece translates a part when the two are linked or are
    in ``matched`` ((zh key, en key) of the rows that are the best match of either side: 名单 / "lists"
    in 申请者名单 / "lists of applicants") or CC-CEDICT glosses the piece with the part
    (:func:`dictionary_match`: 太太 / "wife" in 老舅太太 / "Uncle Wang's wife", whose 老舅 is the best
    match of "Uncle Wang" while 太太 is linked to "Her Ladyship"). A join whose every part translates a
    piece of the Chinese (改革开放 / "reform and opening up") or none does, a name's "of", and English
    that CC-CEDICT gives for the whole term (:func:`dictionary_gives`: 阿尔茨海默病 / "Alzheimer's disease",
    whose 病 is a character, no piece) are left to the evidence."""
    pairs = set(matched) | {(c.zh[c.zi[r]], c.en[c.ei[r]]) for r, _ in linked}
    out = set()
    for r, _ in linked:
        zk, words = c.zh[c.zi[r]], c.en[c.ei[r]].split()
        cut = [n for n, w in enumerate(words) if w.lower() in _JOIN_WORDS and 0 < n < len(words) - 1]
        owner = [n + 1 for n, w in enumerate(words[:-1]) if w.endswith("'s")]  # "Jia Rong's smile"
        shown = _display_en(c, int(c.ei[r]))
        if not (cut or owner) or is_capitalised(shown) or dictionary_gives(zk, shown):
            continue  # a name holds its "of" (Export-Import Bank of the United States); the dictionary's own
        if cut:
            parts = [en_key(" ".join(words[: cut[0]])), en_key(" ".join(words[cut[0] + 1 :]))]
        else:
            parts = [en_key(" ".join(words[: owner[0]])[:-2]), en_key(" ".join(words[owner[0] :]))]
        pieces = _sub_keys_zh(zk)
        inside = [any((z, p) in pairs for z in pieces) for p in parts]
        if any(inside) and not all(inside):
            inside = [h or any(dictionary_match(z, p) for z in pieces) for h, p in zip(inside, parts)]
        if cut and words[cut[0]].lower() == "of" and any(inside) and not all(inside):
            # the head of a part glossed by a piece or a character: 平准化度电成本 / "levelized cost of
            # electricity" (成本 "cost", 电 "electricity") is one term, whose Chinese puts the "of" part first
            chars = pieces | set(zk)
            inside = [h or any(dictionary_match(z, p.split()[-1]) for z in chars) for h, p in zip(inside, parts)]
        if any(inside) and not all(inside):
            out.add(int(r))
    return frozenset(out)


HEAD_SIM_MARGIN = 0.15  # ... or a head whose link the encoder finds this much closer than the row's
PART_SHARE = 0.5  # a part's translation in this share of a pair's sentences must be inside its English


def joint_index(c: Counts) -> Callable[[int, int], float]:
    """(zh id, en id) -> weighted joint frequency (0 when they never meet; :func:`joint_rows`)."""
    find = joint_rows(c)

    def cze(z: int, e: int) -> float:
        at = find(z, e)
        return float(c.cze[at]) if at >= 0 else 0.0

    return cze


def missing_parts(
    c: Counts,
    linked: list[tuple[int, float]],
    good: frozenset[tuple[str, str]] = frozenset(),
    sim: Mapping[int, float] | None = None,
) -> frozenset[int]:
    """Linked rows whose Chinese ends in a linked term whose English is in the row's sentences, while the
    row's English holds no translation of that term: 中国稀土 / "reducing reliance" beside 稀土 / "rare
    earth" ("reliance on China for rare earths"), 矿业公司 / "mining sector" beside 公司 / "company".
    The head of a Chinese compound is translated inside the compound's translation whenever the
    sentence shows its translation, so such an English is a neighbouring chunk of the sentence, not
    the term's translation, and the Chinese term should take another partner or none.

    Only a head linked at least as confidently as the row counts: 锂矿 / "zinc mining" (0.62) takes
    nothing from 最大锂矿 / "largest lithium mine" (0.66). So does a head of whole words (jieba's) whose
    link the encoder finds ``HEAD_SIM_MARGIN`` closer than the row's English is to the whole (``sim``:
    joint row -> its similarity): in a one-off sentence every chunk pairs with the noun run at Dice 1,
    and 手肘 / "elbow" (0.45, similarity 0.87) shows that 男孩手肘 / "left fist" (0.49, 0.42) is the
    chunk before "the boy's elbow"; 锂矿 / "zinc mining" is no closer to 锂矿 (0.77) than "largest
    lithium mine" to 最大锂矿 (0.71). Either way the head is whole words: 女儿 "daughter" is no head of
    the one word 侄女儿 "niece" (MAC-Dev 003: when 女儿 / "daughter" was linked more confidently than 侄女儿
    / "Ladyship's niece", 0.71, the head test took the right entry away).
    Measured on the dev part: MAC-Dev's top 100 loses 男孩手肘 / "left fist" and 金钟铜磬 / "bronze
    bell" (the first of "a bronze bell or a copper chime": 铜磬 / "copper", 0.87), both wrong, for 村庄人家
    / "country folk" and 吃完饭 / "finished eating" (both right); rare-earths and recall unchanged. A
    translation of the head is its linked
    partner or any pair in ``good`` ((zh key, en key) of the rows at or above the minimum
    confidence): 中国政府 / "Chinese government" holds 政府 / "government" although 政府 is linked to
    "administration". Measured on the dev part: rare-earths P@100 95 -> 97 correct (中国稀土,
    矿业公司 out), MAC-Dev P@50 42 -> 43 (先将刘老老 / "Grannie Liu's antecedents", 订约比武 out),
    recall unchanged on both."""
    joint = joint_index(c)
    sims = sim or {}
    partner: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
    for r, p in linked:
        partner[c.zh[c.zi[r]]].append((int(c.ei[r]), p, sims.get(int(r), 0.0)))
    out = set()
    for r, p in linked:
        Z, ek = int(c.zi[r]), c.en[c.ei[r]]
        zk, inside = c.zh[Z], _sub_keys_en(ek) | {ek}
        s = sims.get(int(r), 1.0)
        words = zh_word_starts(zk)
        for n, head in ((n, zk[n:]) for n in range(1, len(zk) - 1)):
            if any((head, e) in good for e in inside):
                continue
            if n not in words:
                continue  # 女儿 "daughter" is no head of the one word 侄女儿 "niece"
            if any(
                (q >= p or hs >= s + HEAD_SIM_MARGIN) and c.en[e] not in inside and joint(Z, e) >= PART_SHARE * c.cz[Z]
                for e, q, hs in partner.get(head, ())
            ):
                out.add(int(r))
    return frozenset(out)


def meetings(
    c: Counts, by_zh: Mapping[str, Sequence[int]], pairs: Sequence[SentencePair], params: GlossaryParams
) -> dict[int, list[str]]:
    """For each joint row of ``by_zh`` (Chinese key -> rows), the Simplified Chinese of every sentence pair
    that counts (:func:`pair_weight`) in which its Chinese and its English candidate both occur: one pass
    over the pairs, a look-up per key."""
    seen: dict[int, list[str]] = defaultdict(list)
    for p in pairs:
        simp = zh_key(p.zh)
        here = [zk for zk in by_zh if zk in simp] if pair_weight(p, params) > 0 else []
        if not here:
            continue
        eks = {k for k, _ in en_candidates(p.en)}
        for zk in here:
            for r in by_zh[zk]:
                if c.en[c.ei[r]] in eks:
                    seen[r].append(simp)
    return seen


GLOSS_PAIRS = 3  # a linked pair met in at most this many sentence pairs is read against the dictionary there


def outside_glosses(
    c: Counts, linked: list[tuple[int, float]], pairs: Sequence[SentencePair], params: GlossaryParams
) -> frozenset[int]:
    """Linked rows met in a few sentence pairs (``GLOSS_PAIRS``) whose English, in every one of them, holds
    a word that a Chinese word outside the term translates by CC-CEDICT and nothing in the term does
    (:func:`glossary.spans.glossed_outside`): 癌症 / "cancer treatments" (治疗, "treatment", follows it),
    内阁 / "ministers" (部长 follows it: 内阁部长 / "cabinet ministers"). In a sentence seen once every chunk
    meets the term at Dice 1, and the encoder alone chose a neighbouring chunk; the Chinese term should
    take another partner or none. A term that recurs has association to choose its partner. Measured on the
    dev part: ranks 1-200 of rare-earths hold 7 wrong entries instead of 13, MAC-Dev 001-003's 29 instead of 31
    (17 more wrong ones below), recall and the top 100s unchanged; one right entry went (红烧肉 / "stewed
    meat": 菜肴, "dishes", glosses "meat" too)."""
    rare: dict[str, list[int]] = defaultdict(list)
    for r, _ in linked:
        if c.nze[r] <= GLOSS_PAIRS:
            rare[c.zh[c.zi[r]]].append(int(r))
    return frozenset(
        r
        for r, texts in meetings(c, rare, pairs, params).items()
        if all(glossed_outside(c.zh[c.zi[r]], _display_en(c, int(c.ei[r])), t) for t in texts)
    )


def _overlaps(a: str, b: str) -> list[str]:
    """The stretches of text in which ``a`` and ``b`` overlap, neither holding the other: 仿制药 and 药价格
    give 仿制药价格."""
    if a in b or b in a:
        return []
    out = [a + b[n:] for n in range(1, min(len(a), len(b))) if a.endswith(b[:n])]
    return out + [b + a[n:] for n in range(1, min(len(a), len(b))) if b.endswith(a[:n])]


def straddles(
    c: Counts, linked: list[tuple[int, float]], pairs: Sequence[SentencePair], params: GlossaryParams
) -> frozenset[int]:
    """Linked rows whose English holds the English of a more confident linked pair whose Chinese the row's
    Chinese overlaps across its edge, in every sentence pair where the row's two sides meet: 药价格 /
    "prices of generic drugs" in 仿制药价格 (jieba cuts 仿制/v 药/n 价格/n, and the noun run 药价格 takes
    the 药 of 仿制药 / "generic drugs"). One stretch of text has one cut, and the English says which: the
    row's Chinese holds only part of the term whose translation its English holds whole. Its Chinese
    should take another partner or none. Two terms that overlap while neither English holds the other
    are both left (政府工作 and 工作报告 in 政府工作报告). The more confident pairs are looked up by the
    English spans inside the row's English (whole words, a handful per row), so the cost is linear in the
    linked rows and the sentences that hold them."""
    by_en: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for r, p in linked:
        by_en[c.en[c.ei[r]]].append((int(r), p))
    over: dict[int, list[str]] = {}
    for r, p in linked:
        zk, ek = c.zh[c.zi[r]], c.en[c.ei[r]]
        texts = [
            x
            for part in _sub_keys_en(ek)
            for q, pq in by_en.get(part, ())
            if pq > p
            for x in _overlaps(zk, c.zh[c.zi[q]])
        ]
        if texts:
            over[int(r)] = texts
    if not over:
        return frozenset()
    by_zh: dict[str, list[int]] = defaultdict(list)
    for r in over:
        by_zh[c.zh[c.zi[r]]].append(r)
    return frozenset(
        r
        for r, texts in meetings(c, by_zh, pairs, params).items()
        if all(t.count(c.zh[c.zi[r]]) <= sum(t.count(x) for x in over[r]) for t in texts)
    )


def modifier_heads(c: Counts, linked: list[tuple[int, float]], good: Mapping[tuple[str, str], float]) -> frozenset[int]:
    """Linked rows whose Chinese ends in a term that translates a modifier of the English, while nothing
    at the end of the Chinese translates the English head: 有关稀土 / "rare earths presentation" (稀土 /
    rare earths; "presentation" is 简报, after the candidate), 中国矿产 / "Chinese mineral supplies".
    Both languages put the head last, so the English is a longer chunk of the sentence whose head is
    some other word's translation. ``good``: (zh key, en key) -> confidence of the rows at or above
    the minimum confidence; only a Chinese end at least as confident as the row counts. In "X of Y"
    the head comes first (:func:`_head_parts`): 刻丝灰鼠 / "lining of grey squirrel" ends in 灰鼠 /
    "squirrel", and nothing in it is "lining"; 申请者名单 / "lists of applicants" ends in 名单 / "lists"
    and stays (MAC-Dev P@100 83 -> 84 correct; rare-earths: 日本企业出口稀土 / "Japanese companies of
    rare earths" goes and 日本企业 / "Japanese companies" comes in, outside the dev top 100). Names (capitalised English) and and/with joins
    (:func:`unmatched_joins`) are left alone. Measured on
    the dev part: rare-earths P@50 49 -> 50, P@100 97 -> 99 correct (中国矿产, 有关稀土 out), MAC-Dev
    P@100 unchanged (眼见小玄子 / "misty stepped aside" out, 铜钩 / brass hooks in), recall unchanged."""
    out = set()
    for r, p in linked:
        zk, shown = c.zh[c.zi[r]], _display_en(c, int(c.ei[r]))
        heads, mods = _head_parts(shown)
        if not heads:
            continue
        for end in (zk[k:] for k in range(1, len(zk) - 1)):
            if any((end, h) in good for h in heads):
                break  # the end of the Chinese translates the English head (稀土出口 / rare earth exports)
            if any(good.get((end, m), 0.0) >= p for m in mods):
                out.add(int(r))
                break
    return frozenset(out)


def _head_parts(shown: str) -> tuple[set[str], set[str]]:
    """(keys that end at the English head, keys of its modifiers) of a lower-case chunk ``shown`` as
    written: "rare earths presentation" has the heads "presentation", "earths presentation" ... and
    the modifiers "rare", "rare earths", "earths"; a hyphenated compound is one word ("ancient
    widow-woman"). In "X of Y" the head is X's last word and Y modifies it ("lining of grey
    squirrel": the head is "lining"). Nothing for a name, a coordination (and, with: two heads), or
    a single word."""
    words = shown.split()
    low = [w.lower() for w in words]
    joins = [k for k, w in enumerate(low) if w in _JOIN_WORDS]
    if is_capitalised(shown) or (joins and (low.count("of") != 1 or len(joins) > 1)):
        return set(), set()
    x, y = (words[: joins[0]], words[joins[0] + 1 :]) if joins else (words, [])
    n, m = len(x), len(y)
    if n + m < 2 or not x or (joins and not y):
        return set(), set()
    heads = {en_key(" ".join(x[a:])) for a in range(n)}
    mods = {en_key(" ".join(x[a:b])) for a in range(n) for b in range(a + 1, n)}
    return heads, mods | {en_key(" ".join(y[a:b])) for a in range(m) for b in range(a + 1, m + 1)}


def drop_fragments(
    c: Counts, linked: list[tuple[int, float]], share: float = BOUND_SHARE, units: frozenset[str] = frozenset()
) -> list[tuple[int, float]]:
    """Linked pairs minus those that are a fragment of another linked pair on both sides.

    实体 / entity goes when 实体清单 / entity list is in and 实体 and "entity" (nearly) never
    occur outside it. This is the nesting test of C-value (Frantzi et al. 2000) with one
    containing term, applied only against accepted pairs, so a free combination (七国集团会议)
    can never take the place of the term inside it. A word that several accepted terms share
    (关键 in 关键矿物 and 关键矿产, 矿产 in a dozen) stays: C-value divides the nested frequency
    by the number of containing terms, and summing them instead dropped 矿产 / mineral. A title
    inside a title glued to a person's name stays (美国财政部长 / "U.S. Treasury Secretary" inside
    美国财政部长史考特贝森特 / "U.S. Treasury Secretary Scott Bessent", :meth:`NameIndex.adds_name`),
    and so does a dictionary word inside a free combination (:func:`free_word`: 部长 / "minister" in
    内阁部长 / "cabinet ministers"; on the dev part rare-earths recall 128 -> 131 of 147, P@100 and
    MAC-Dev's top 100 unchanged). ``units``: Chinese keys the text marks as units (quoted).

    The Chinese side nests when its term (nearly) never occurs outside the longer one, or when the pair
    itself does not: the longer pair co-occurs at least ``share`` as often as the fragment pair. A word
    used elsewhere in another sense is still a fragment of a name where its English is the name's piece:
    乌龟 / "Turtle-head" meets only inside 老乌龟 / "Old Turtle-head" (MAC-Dev 002, twice), though 乌龟
    occurs a third time by itself (乌龟翻身, a turtle turning over).
    """
    by_zh: dict[str, list[int]] = defaultdict(list)
    for n, (r, _) in enumerate(linked):
        by_zh[c.zh[c.zi[r]]].append(n)
    drop = set()
    names = NameIndex(c)
    for r, _ in linked:
        Z, E = int(c.zi[r]), int(c.ei[r])
        zk, ek = c.zh[Z], c.en[E]
        en_parts = _sub_keys_en(ek) | {ek}
        for sub in _sub_keys_zh(zk) | {zk}:
            for n in by_zh.get(sub, ()):
                z, e = int(c.zi[linked[n][0]]), int(c.ei[linked[n][0]])
                if (
                    (z, e) != (Z, E)
                    and c.en[e] in en_parts
                    and (c.cz[Z] >= share * c.cz[z] or c.cze[r] >= share * c.cze[linked[n][0]])
                    and c.ce[E] >= share * c.ce[e]
                    and not names.side_by_side(E, e, z)
                    and not (
                        free_word(c.zh[z], zk, _display_en(c, E), units)
                        and not crossed_glosses(c.zh[z], c.en[e], zk, ek)
                    )
                ):
                    drop.add(n)
    return [x for n, x in enumerate(linked) if n not in drop]


def name_fragments(c: Counts, linked: list[tuple[int, float]], share: float = BOUND_SHARE) -> list[tuple[int, float]]:
    """Linked pairs minus those whose Chinese is a piece of a transliterated name that is linked too and
    that holds (nearly) every occurrence of it, paired with English that is no part of the name's:
    阿比 / "America" inside 阿比盖尔·亨特 / "Abigail Hunter" (one sentence, which also holds "Securing
    America's Future Energy"). The characters of a transliteration spell sounds, not words, so a piece of
    one seen only inside it translates nothing of its own; :func:`drop_fragments` takes the pieces whose
    English is part of the name's. A name here is capitalised English whose Chinese is a
    transliteration (:func:`transliterated`); a piece that jieba's dictionary knows as a word other than a
    name is a word of its own (部长 / "minister" in 财政部长史考特·贝森特, a title glued to a name)."""
    from .termhood import general_zh

    by_zh: dict[str, list[int]] = defaultdict(list)
    for n, (r, _) in enumerate(linked):
        by_zh[c.zh[c.zi[r]]].append(n)
    jieba_words = general_zh()[0]  # key -> (count, tag)
    words = {k for k in by_zh if k in jieba_words and not jieba_words[k][1].startswith("nr")}  # 部长
    drop = set()
    for r, _ in linked:
        Z, E = int(c.zi[r]), int(c.ei[r])
        en = _display_en(c, E)
        if len(c.zh[Z]) < 3 or not is_capitalised(en) or not transliterated(c, Z, en):
            continue
        en_parts = _sub_keys_en(c.en[E]) | {c.en[E]}
        for sub in _sub_keys_zh(c.zh[Z]) - words:
            for n in by_zh.get(sub, ()):
                z, e = int(c.zi[linked[n][0]]), int(c.ei[linked[n][0]])
                if c.en[e] not in en_parts and c.cz[Z] >= share * c.cz[z]:
                    drop.add(n)
    return [x for n, x in enumerate(linked) if n not in drop]


def transliterated(c: Counts, z: int, en: str) -> bool:
    """The Chinese term ``z`` is a foreign name spelled in sounds: the text writes it with the middle dot
    that parts a transliterated name (阿比盖尔·亨特), or it spells the English ``en`` in pinyin
    (:func:`glossary.pinyin.translit` at least ``GLUE_TRANSLIT``)."""
    return (
        any(d in s for s in c.zh_surface.get(c.zh[z], ()) for d in NAME_DOTS) or translit(c.zh[z], en) >= GLUE_TRANSLIT
    )


def free_word(part: str, whole: str, whole_en: str, units: frozenset[str] = frozenset()) -> bool:
    """``part`` is a word of its own inside ``whole`` although the corpus shows it nowhere else: it is
    in jieba's dictionary and ``whole`` is not, nor a name (capitalised English, 马赫 in 马赫纳兹汗 /
    "Mahnaz Khan") nor a unit the text marks (``units``: quoted, “实体清单”). 部长 / "minister" inside
    内阁部长 / "cabinet ministers", 申请者 / "applicants" inside 申请者名单 / "lists of applicants":
    the longer one is a free combination that a small corpus happens to show every time, and C-value
    would only drop the word if it were bound to the combination in general language too. A compound
    of dictionary words with one more dictionary word at its edge is such a combination too (大量 +
    资本投资 / "substantial capital investments", 资本 + 投资): 资本投资 / "capital investment" stays. So is a
    word jieba finds whole though its dictionary lacks it (one token, a new word to its HMM) with a dictionary
    word at its edge: 锂矿 / "lithium mine" inside 最大锂矿 / "largest lithium mines" (最大 + 锂矿)."""
    if lexicon(whole) or whole in units or is_capitalised(whole_en):
        return False
    if lexicon(part):
        return True
    rest = whole.removeprefix(part) if whole.startswith(part) else whole.removesuffix(part)
    toks = zh_tokens(part)
    return rest != whole and lexicon(rest) and (len(toks) == 1 or all(lexicon(t) for t in toks))


_ZH_COORD = re.compile(r"[和与及暨、&]")


def linkable_coordination(zk: str, shown: str) -> bool:
    """Linking's test of an English coordination: :func:`coordination_ok`, or a name the dictionary gives
    for the term whole (:func:`dictionary_gives`: 一带一路 / "Belt and Road Initiative", which has no
    coordinator). :func:`nested_rows` asks :func:`coordination_ok` alone."""
    return coordination_ok(zk, shown) or dictionary_gives(zk, shown)


def coordination_ok(zk: str, ek: str) -> bool:
    """An English coordination ("Energy and Treasury", "Bosnia and Herzegovina") translates a Chinese
    term only if that term has a coordinator too (波斯尼亚和黑塞哥维那): "X and Y" beside a
    Chinese term without one is two terms, or the shared-head case ("Energy and Treasury
    Departments"), whose members the candidates give separately. Lower-case words joined by "and"
    may be one term where Chinese juxtaposes (改革开放 / "reform and opening"): ``ek`` as written. Linking
    lets a name the dictionary gives for the term pass too (:func:`linkable_coordination`). A Chinese
    organisation's name (ending in a head of :func:`glossary.orgs.org_heads`: 中心, 委员会, 银行) is one
    name, and so is an English "and" inside the name's "of" or "for" part: 中国疾病预防控制中心 / "Chinese
    Center for Disease Control and Prevention" (not "Treasury Departments and the Export-Import Bank
    of the United States" for 美国进出口银行)."""
    words = ek.split()
    named = any(w[:1].isupper() for w in words)
    low = [w.lower() for w in words]
    first_and = next((n for n, w in enumerate(low) if w in ("and", "&")), None)
    if not named or first_and is None or _ZH_COORD.search(zk):
        return True
    return len(zk) >= 4 and ends_in_head(zk) and bool({"of", "for"} & set(low[:first_and]))


def generic_ok(zk: str, ek: str, shown: str = "") -> bool:
    """No generic word on either side (a single Han character is checked by :func:`single_ok`); the
    English as written, ``shown`` (:func:`glossary.candidates.stop_key`: "mines" is no pronoun)."""
    return len(zk) >= 1 and zk not in ZH_STOP and not stop_key(ek, shown or ek) and len(ek) >= 2


SINGLE_DICE = 0.5  # a one-character Chinese term is linked only to a one-word English term with this Dice


def single_ok(zk: str, ek: str, dice: float) -> bool:
    """A one-character Chinese term (铜 copper) aligns consistently: one English word, Dice >= SINGLE_DICE."""
    return len(zk) >= 2 or (" " not in ek and dice >= SINGLE_DICE)


def canonical_en(key: str, surfaces: Counter | None) -> tuple[str, tuple[str, ...]]:
    """The headword as the text writes it, and the other forms seen.

    The most frequent whole surface (:func:`glossary.candidates.en_candidates_marked`): "high-level
    meetings", not the key "high level meeting". A name is a key seen capitalised at least twice as
    often as not, and shows its most frequent capitalised form; any other key shows its most frequent
    form without capitals (the candidate chunker lower-cases a lone sentence-initial word, and a
    common word is capitalised inside names and headings, "Future Energy").

    The variants are the other forms, one per spelling up to case: the chunker lower-cases the
    words of a title-case heading and of a sentence's opening, so "wang er" beside "Wang Er" is no
    form the text writes, and a form differing from another only in its capitals ("Rong Mansion",
    "Rong mansion") is no other term. A plural headword adds its singular as written
    (:func:`glossary.variants.singular_form`: "high-level meeting"), so that search finds it.
    """
    if not surfaces:
        return key, ()
    forms = [s for s, _ in surfaces.most_common()]
    caps = [s for s in forms if any(w[:1].isupper() for w in s.split() if not is_acronym(w))]
    n_caps = sum(surfaces[s] for s in caps)
    named = n_caps >= 2 * (sum(surfaces.values()) - n_caps)
    plain = [s for s in forms if s not in caps]
    if named and caps:
        canon = caps[0]
    elif plain:
        canon = plain[0]
    else:
        canon = " ".join(w if is_acronym(w) else w.lower() for w in forms[0].split())
    spelled = {canon.lower(): canon}  # one form per spelling up to case, the most frequent
    for s in forms:
        spelled.setdefault(s.lower(), s)
    others = tuple(s for s in spelled.values() if s != canon)[:7]
    one = singular_form(canon)
    if one is not None and one.lower() not in spelled:
        others += (one,)  # the singular ("magnet" for "magnets") is a form search must find exactly
    return canon, others


def zh_headword(key: str, surfaces: Counter | None) -> str:
    """The Chinese headword: the most frequent surface as written, in the script the text writes it
    (阿比盖尔·亨特 with its middle dot; 國際能源署 where only Traditional text has it), the Simplified
    form on a tie; the key when there is none. Matching, search and the exports' script option read
    the key (Simplified), so both scripts still find and export the entry."""
    if not surfaces:
        return key
    forms: Counter = Counter()
    for s, n in surfaces.items():
        forms[s.strip()] += n
    best = max(forms.items(), key=lambda x: (x[1], x[0] == key))[0]
    return best if zh_key(best) == key else key


def zh_variants(headword: str, surfaces: Counter) -> tuple[str, ...]:
    """The other Chinese forms of an entry: those the text writes, most frequent first, and the
    headword in Simplified script when the text writes it only in Traditional (關鍵礦物 lists 关键矿物,
    the form a reader of Simplified looks for)."""
    from termalign.text.segment import to_simplified

    seen = [s for s, _ in surfaces.most_common() if s != headword]
    simplified = to_simplified(headword)
    if simplified != headword and simplified not in seen:
        seen.insert(0, simplified)
    return tuple(seen)[:8]


def place_noun(zk: str, en: str, variants: tuple[str, ...], en_surface: dict) -> tuple[str, tuple[str, ...]]:
    """The place's noun for an adjective paired with a Chinese place name: 非洲 / African -> Africa.

    Chinese uses the place name as a modifier (非洲矿山) where English uses its adjective (African
    mines). When the Chinese term is a place name to jieba (tag ns) and the English is one
    capitalised word in -an/-ian/-ese, the noun is the corpus' own form if it has one (Europe for
    European, China for Chinese), else the -n of -ian/-can dropped (African -> Africa, Asian -> Asia; Japan stays),
    unless CC-CEDICT names the place with that word (福建 / Fujian, not "Fujia": :func:`names_itself`).
    """
    from .candidates import zh_tagged

    toks = zh_tagged(zk)
    if len(toks) != 1 or toks[0][1] != "ns" or " " in en or not en[:1].isupper() or not en.endswith(("an", "ese")):
        return en, variants
    stems = [en[:-1], en[:-2], en[:-3], en[:-3] + "a", en[:-4] + "a"]  # Africa, Europe, Japan, Canada, China
    for st in stems:
        forms = en_surface.get(en_key(st))
        if len(st) >= 3 and forms and st in forms:
            return st, (en, *variants)
    if en.endswith(("ian", "can")) and not names_itself(zk, en):  # not Japan, Iran, Taiwan: nouns in -an
        return en[:-1], (en, *variants)
    return en, variants


def names_itself(zk: str, en: str) -> bool:
    """A sense of the Chinese term opens with the English word ``en``: the dictionary's name for the place
    (福建 "Fujian province ...", 大连 "Dalian subprovincial city ..."), a noun in -ian, no adjective."""
    from termalign.align.lexicon import senses

    return any(re.match(re.escape(en) + r"\b", d) for d in senses(zk))


_WORD = re.compile(r"[A-Za-z][\w'’-]*")


def lower_words(pairs: Iterable[SentencePair]) -> frozenset[str]:
    """The English words the pairs write in lower case somewhere (one pass over the text)."""
    return frozenset(w for p in pairs for w in _WORD.findall(p.en) if w.islower())


def dictionary_case(zk: str, en: str, lower: frozenset[str] | None = None) -> str:
    """English headword ``en`` with each word of four letters or more written in capitals (a dateline's
    "WASHINGTON, Jan 11 (Reuters)") shown as CC-CEDICT writes it in its definition of the Chinese term
    (华盛顿: "Washington"). An acronym the dictionary also writes in capitals (北约: "NATO") stays as it
    is, and so does a word the definition lacks. A word in lower case that the definition capitalises and
    that the text never writes in lower case (``lower``: :func:`lower_words`) is a name the text wrote only
    where a sentence opens, which the chunker reads in lower case ("Beijing has asked ...": 北京 "Beijing",
    not "beijing"); so is such a word beside a Chinese name that jieba tags one (:func:`name_token`: 马士基 /
    "Maersk"); "central bank" and "big bang" stay as the text writes them."""
    from termalign.align.lexicon import defined_form

    def shown(w: str) -> str | None:
        if len(w) >= 4 and w.isupper():
            return defined_form(zk, w)
        if lower is not None and w.islower() and w not in lower:
            form = defined_form(zk, w)
            if form and form[:1].isupper():
                return form
            return w.capitalize() if name_token(zk) and w.isalpha() else None
        return None

    return " ".join(shown(w) or w for w in en.split())


def name_token(zk: str) -> bool:
    """The Chinese term is one word of three characters or more that jieba tags a name (a person, place or
    organisation): 马士基 (nr), 鹿特丹 (nr). Its English written only where a sentence opens is that name:
    "Maersk", not "maersk". jieba also tags common two-character words as names (华丽 "gorgeous", nr), which
    an interjection that opens a sentence ("Huh,") must not make a name of."""
    from .candidates import zh_tagged

    toks = zh_tagged(zk)
    return len(toks) == 1 and len(zk) >= 3 and toks[0][1] in ("nr", "nrt", "nrfg", "ns", "nt")


def examples_for(
    pairs: Sequence[SentencePair],
    wanted: dict[tuple[str, str], int],
    n: int,
    params: GlossaryParams,
    rec: frozenset = frozenset(),
) -> tuple[dict[int, list[SentencePair]], dict[int, set[str]], Counter, dict[int, set[int]], dict[int, Counter]]:
    """For every wanted (zh key, en key) -> entry index: best examples, documents, pair count, the
    indices in ``pairs`` of the pairs that hold it with its Chinese term once (a pair with two
    of them, 特朗普政府 and 中国政府, may hold two senses), and the English key's surfaces in the
    pairs that hold the entry (:func:`surface_weight`)."""
    by_z: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (zk, ek), i in wanted.items():
        by_z[zk].append((ek, i))
    found: dict[int, list[SentencePair]] = defaultdict(list)
    docs: dict[int, set[str]] = defaultdict(set)
    freq: Counter = Counter()
    once: dict[int, set[int]] = defaultdict(set)
    own: dict[int, Counter] = defaultdict(Counter)
    for n_pair, p in enumerate(pairs):
        if pair_weight(p, params) <= 0:
            continue
        zks = {k for k, *_ in all_zh_candidates(" ".join(p.zh.split()), rec)} & by_z.keys()
        if not zks:
            continue
        marked = en_candidates_marked(p.en)
        eks = {k for k, *_ in marked}
        simp = zh_key(p.zh)
        for zk in zks:
            for ek, i in by_z[zk]:
                if ek in eks:
                    found[i].append(p)
                    docs[i].add(p.doc)
                    freq[i] += 1
                    if simp.count(zk) == 1:
                        once[i].add(n_pair)
                    for k, s, whole in marked:
                        if k == ek:
                            own[i][s] += surface_weight(s, whole, p.en)  # type: ignore[assignment]
    best = {i: sorted(v, key=lambda p: (-round(p.score, 1), len(p.en) + len(p.zh)))[:n] for i, v in found.items()}
    return best, docs, freq, once, own


def entry_en(key: str, surfaces: Counter | None, own: Counter | None) -> tuple[str, tuple[str, ...]]:
    """An entry's English headword and variants (:func:`canonical_en`). The headword is chosen among the
    spellings (up to case) its own pairs write (``own``): a key can stand for two words, and the
    headword is the one this entry translates. MAC-Dev 006 writes "3K glasses" eleven times (眼镜) and
    "glass" once, in "the immense glass building" (玻璃): both have the key "glass", and 玻璃 shows
    "glass". The corpus-wide ``surfaces`` still decide the case, and the variants are every other form the
    corpus writes for the key ("critical-minerals" beside "critical minerals", though written beside
    another Chinese term), so that search finds them."""
    form, variants = canonical_en(key, surfaces)
    if not surfaces or not own:
        return form, variants
    spelled = {s.lower() for s in own}
    mine = Counter({s: k for s, k in surfaces.items() if s.lower() in spelled})
    if not mine or form.lower() in spelled:
        return form, variants
    head, _ = canonical_en(key, mine)
    return head, tuple(v for v in (form, *variants) if v.lower() != head.lower())


# ---------------------------------------------------------------- public API


def candidate_features(
    pairs: Sequence[SentencePair],
    enc,
    params: GlossaryParams,
    on_progress: Callable | None = None,
    corpus: CorpusText | None = None,
) -> tuple[Counts, np.ndarray, np.ndarray, dict[int, int], CorpusStats]:
    """Counts, the joint rows kept by :func:`prune` (and the longer spans that may repair them), their
    (len(rows), len(FEATURES)) features, the extent repairs {joint row: joint row} (:func:`choose_repairs`)
    and the corpus statistics (:func:`corpus_stats`, over ``corpus`` when given).

    The part of :func:`build_glossary` before the weights: ``benchmarks/bench_glossary.py --fit``
    fits the weights on exactly these features.
    """
    c = count(pairs, params, on_progress)
    stats = corpus_stats(pairs, c, params, corpus)
    d, g2 = dice(c), llr(c)
    shown = [_display_en(c, e) for e in range(len(c.en))]
    sim_all = embed_sims(enc, c.zh, shown, c.zi, c.ei, params.encode_batch)  # every joint row, linear
    rows = prune(c, d, params.top_k, sim_all)
    cands = repairs(c, rows)
    rows = np.union1d(rows, np.array(sorted({q for v in cands.values() for q in v}), np.int64))
    names = frozenset(k for k, e in zip(c.en, shown) if " " not in e and e[:1].isupper())
    titled = np.array(
        [
            titled_ok(c.zh[c.zi[r]], shown[c.ei[r]])
            and number_ok(c.zh[c.zi[r]], shown[c.ei[r]], names)
            and gerund_ok(c.zh[c.zi[r]], shown[c.ei[r]], c.verbs, stats.zh_freq.get(c.zh[c.zi[r]], 0.0) < CUT_RECUR)
            and partner_ok(c.zh[c.zi[r]], c.en[c.ei[r]], c.partners)
            for r in rows
        ],
        bool,
    )
    rows, ok = rows[titled], set(rows[titled].tolist())
    cands = {r: [q for q in v if q in ok] for r, v in cands.items() if r in ok}
    sims = sim_all[rows]
    sim0 = np.nan_to_num(sims, nan=0.15)
    prior = d[rows] + sim0  # best match by association and the encoder alone (features adds more evidence)
    mutual = best_flags(c.zi[rows], prior) * best_flags(c.ei[rows], prior) > 0
    matched = {(c.zh[c.zi[r]], c.en[c.ei[r]]): float(c.cze[r]) for r in rows[mutual]}
    rep = choose_repairs(c, cands, dict(zip(rows.tolist(), sim0.tolist())), stats.en_freq, matched)
    x = features(c, rows, sims, d, g2, stats, rep, sim_all, matched) if rows.size else np.zeros((0, len(FEATURES)))
    return c, rows, x, rep, stats


def build_glossary(
    pairs: Sequence[SentencePair],
    enc,
    params: GlossaryParams | None = None,
    pinned: Sequence[tuple[str, str]] = (),
    on_progress: Callable | None = None,
    corpus: CorpusText | None = None,
) -> list[TermEntry]:
    """Mine a bilingual glossary (:func:`mine_glossary` without the feature rows)."""
    return mine_glossary(pairs, enc, params, pinned, on_progress, corpus)[0]


def mine_glossary(
    pairs: Sequence[SentencePair],
    enc,
    params: GlossaryParams | None = None,
    pinned: Sequence[tuple[str, str]] = (),
    on_progress: Callable | None = None,
    corpus: CorpusText | None = None,
) -> tuple[list[TermEntry], dict[tuple[str, str], np.ndarray]]:
    """Mine a bilingual glossary from aligned/mined sentence pairs; sorted by rank, best first.

    Each entry has a confidence (P(correct translation)) and a termhood (how term-like,
    :mod:`glossary.termhood`); the order is ``rank = confidence × termhood``.

    ``enc`` is any encoder (``encode(list[str]) -> (n, dim)`` unit rows) or None to skip the
    embedding feature (confidence then leans on co-occurrence only and is less well calibrated).
    ``pinned`` (zh, en) entries are taught to the segmenter and always included with confidence 1.
    ``on_progress(done, total)`` is called once per pair while counting.
    ``corpus``: every sentence of the corpus by language, paired or not; termhood counts its
    frequencies there (without it, in the pairs).
    Also returns each mined (not pinned) entry's feature row (:data:`FEATURES`), keyed by its
    (zh, en) as shown: a store refits the confidence on its reviewers' decisions with them.
    """
    with taught_words(z for z, _ in pinned):  # jieba's dictionary is as it was afterwards
        return _mine_glossary(list(pairs), enc, params or GlossaryParams(), pinned, on_progress, corpus)


def _mine_glossary(
    pairs: list[SentencePair],
    enc,
    params: GlossaryParams,
    pinned: Sequence[tuple[str, str]],
    on_progress: Callable | None,
    corpus: CorpusText | None,
) -> tuple[list[TermEntry], dict[tuple[str, str], np.ndarray]]:
    """:func:`mine_glossary` once the pinned terms are taught to the segmenter."""
    c, rows, x, rep, stats = candidate_features(pairs, enc, params, on_progress, corpus)
    conf = confidence(x, params.weights)
    d = dice(c)
    linked = link(c, rows, conf, params, d, rep, stats.en_freq)
    best = (x[:, FEATURES.index("best_zh")] + x[:, FEATURES.index("best_en")]) > 0
    matched = frozenset((c.zh[c.zi[r]], c.en[c.ei[r]]) for r in rows[best])
    ok = conf >= params.min_confidence
    good = {(c.zh[c.zi[r]], c.en[c.ei[r]]): float(q) for r, q in zip(rows[ok], conf[ok])}
    sims = dict(zip(rows.tolist(), np.nan_to_num(x[:, FEATURES.index("sim")], nan=0.0).tolist()))
    joins = unmatched_joins(c, linked, matched) | missing_parts(c, linked, frozenset(good), sims)
    joins |= modifier_heads(c, linked, good) | outside_glosses(c, linked, pairs, params)
    joins |= straddles(c, linked, pairs, params)
    if joins:  # link again without them, so that their Chinese terms may take another partner
        linked = link(c, rows, conf, params, d, rep, stats.en_freq, joins)
    linked = name_fragments(c, drop_fragments(c, linked, units=stats.quoted_zh))
    senses = second_senses(c, rows, conf, linked, d, params.max_zh_per_en)
    log.info(
        "glossary: %d pairs, %d zh / %d en candidates, %d joint, %d scored, %d linked",
        len(pairs),
        len(c.zh),
        len(c.en),
        c.zi.size,
        rows.size,
        len(linked),
    )

    pin_keys = {(zh_key(z), en_key(e)): (z, e) for z, e in pinned if zh_key(z) and en_key(e)}
    pinned_zh = {zk for zk, _ in pin_keys}
    chosen: list[tuple[str, str, float, bool]] = [(zk, ek, 1.0, True) for zk, ek in pin_keys]
    chosen += [(c.zh[c.zi[r]], c.en[c.ei[r]], p, False) for r, p in linked if c.zh[c.zi[r]] not in pinned_zh]
    n_first = len(chosen)
    first_of: dict[str, int] = {}
    for i, (zk, *_) in enumerate(chosen):
        first_of.setdefault(zk, i)
    chosen += [(c.zh[c.zi[r]], c.en[c.ei[r]], p, False) for r, p in senses if c.zh[c.zi[r]] not in pinned_zh]
    pos = {int(r): k for k, r in enumerate(rows)}
    row_of = {(c.zh[c.zi[r]], c.en[c.ei[r]]): int(r) for r, _ in linked + senses}
    feats: dict[tuple[str, str], np.ndarray] = {}
    wanted = {(zk, ek): i for i, (zk, ek, _, _) in enumerate(chosen)}
    ex, docs, freq, once, own = examples_for(pairs, wanted, params.n_examples, params, c.recurring)
    skip = {
        i
        for i in range(n_first, len(chosen))
        if not distinct_senses(once.get(first_of[chosen[i][0]], set()), once.get(i, set()))
    }

    entries = []
    lowered = lower_words(pairs)
    for i, (zk, ek, p, is_pin) in enumerate(chosen):
        if i in skip:
            continue
        zsurf = c.zh_surface.get(zk, Counter())
        en_form, en_vars = entry_en(ek, c.en_surface.get(ek), own.get(i))
        if is_pin:
            # the text's own headword stays a variant of the form the user pinned, unless it differs only in case
            zform, pin_en = pin_keys[(zk, ek)]
            en_vars = tuple(s for s in (en_form, *en_vars) if s.lower() != pin_en.lower())
            en_form = pin_en
        else:
            zform = zh_headword(zk, zsurf)
            en_form, en_vars = place_noun(zk, en_form, en_vars, c.en_surface)
            en_form = dictionary_case(zk, en_form, lowered)
        entries.append(
            TermEntry(
                zh=zform,
                en=en_form,
                confidence=p,  # the candidate confidence: with_termhood maps it to the one shown
                freq=int(freq[i]),
                n_docs=len(docs[i]),
                zh_variants=zh_variants(zform, zsurf),
                en_variants=en_vars,
                examples=tuple(SentencePair(q.en, q.zh, q.score, q.doc, q.kind) for q in ex.get(i, [])),
                pinned=is_pin,
            )
        )
        if not is_pin:
            feats[(entries[-1].zh, entries[-1].en)] = x[pos[row_of[(zk, ek)]]]
    ranked = [e for e in with_termhood(entries, stats, MAX_CONFIDENCE) if e.pinned or e.confidence >= params.min_shown]
    return ranked, feats


def corpus_stats(
    pairs: Sequence[SentencePair], c: Counts, params: GlossaryParams, corpus: CorpusText | None = None
) -> CorpusStats:
    """What :mod:`glossary.termhood` needs of the corpus: key frequencies, size in tokens, quoted terms.

    Termhood is a property of the domain corpus, so with ``corpus`` (every sentence of each
    language, paired or not) the frequencies are counted over its sentences, one each; a key seen
    in the pairs more often than there (a bead joins sentences) keeps the pairs' count. Without it,
    the pairs' two sides are the corpus, each counted with the pair's weight."""
    kept = [p for p in pairs if pair_weight(p, params) > 0]
    if corpus is not None and not (corpus.zh or corpus.en):
        corpus = None
    if corpus is not None:
        zh_text = [(" ".join(s.split()), 1.0) for s in corpus.zh]
        en_text = [(s, 1.0) for s in corpus.en]
    else:
        zh_text = [(" ".join(p.zh.split()), pair_weight(p, params)) for p in kept]
        en_text = [(p.en, pair_weight(p, params)) for p in kept]
    tokens: defaultdict[str, float] = defaultdict(float)  # weights are fractional
    zf: defaultdict[str, float] = defaultdict(float)
    ef: defaultdict[str, float] = defaultdict(float)
    for s, w in zh_text:
        for t in zh_tokens(s):
            tokens[t] += w
        if corpus is not None:  # (the pairs' candidates are counted already)
            for k in {k for k, *_ in all_zh_candidates(s, c.recurring)}:
                zf[k] += w
    n_en = 0.0
    for s, w in en_text:
        n_en += w * len(s.split())
        if corpus is not None:
            for k in {k for k, *_ in en_candidates_marked(s)}:
                ef[k] += w
    for k, f in zip(c.zh, c.cz.tolist()):
        zf[k] = max(zf[k], f)
    for k, f in zip(c.en, c.ce.tolist()):
        ef[k] = max(ef[k], f)
    qz, qe = quoted_spans((s for s, _ in zh_text), (s for s, _ in en_text))
    titles = title_words(s for s, _ in en_text)
    return CorpusStats(dict(zf), dict(ef), dict(tokens), sum(tokens.values()), qz, qe, c.paren, n_en, titles)


def load_pinned(path) -> list[tuple[str, str]]:
    """Known terms from a user TSV: ``zh<TAB>en`` per line; blank lines and ``#`` comments skipped.

    Read like any input text (``align.read.read_text``): UTF-8/16, GBK or Big5; an empty, binary
    or undecodable file raises ``InputError``.
    """
    from termalign.core.errors import InputError
    from termalign.text.read import read_text

    out = []
    for n, line in enumerate(read_text(path).split("\n"), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = [x.strip() for x in line.split("\t")]
        if len(cols) < 2 or not cols[0] or not cols[1]:
            raise InputError(str(path), f"line {n}: expected 'zh<TAB>en', found {line[:60]!r}")
        out.append((cols[0], cols[1]))
    return out
