"""One normalised key per term, so that surface variants collapse into one glossary entry.

* Chinese: Traditional -> Simplified (OpenCC, the converter ``align.segment`` uses), with
  spaces and punctuation removed: 關鍵礦物, 关键矿物 and 关键 矿物 share the key 关键矿物.
* English: lower-case unless an acronym (G7, IEA), hyphens and runs of spaces folded to one
  space, and the head noun (last word) made singular: "Rare-Earths" -> "rare earth".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

_ZH_DROP = re.compile(r"[\s\u00b7\u30fb\u2027\u2022·・•\-‐‑–—_]+")

# Words ending in -s that are not plurals, or whose singular inflect gets wrong.
_KEEP_S = frozenset(
    """news data media series species us its this gas analysis crisis basis status process bus
    chaos lens less unless thus yes was has is as bias economics politics physics logistics
    mathematics statistics thesis diagnosis emphasis campus census corpus virus bonus plus
    across always perhaps whereas various serious previous famous obvious""".split()
)


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PSZ"


@lru_cache(maxsize=200_000)
def zh_key(term: str) -> str:
    """Simplified form of ``term`` with spaces, middle dots and punctuation removed."""
    from termalign.text.segment import to_simplified

    s = to_simplified(term.strip())
    s = _ZH_DROP.sub("", s)
    return "".join(ch for ch in s if not _is_punct(ch))


def is_acronym(word: str) -> bool:
    """G7, IEA, U.S., EU: two or more capitals/digits, at least one capital, no lower case
    except a trailing plural s (ETFs)."""
    w = word.replace(".", "").rstrip("+")  # OPEC+
    if w.endswith("s") and len(w) > 2 and w[:-1].isupper():
        w = w[:-1]
    return len(w) >= 2 and any(c.isupper() for c in w) and all(c.isupper() or c.isdigit() for c in w)


_IRREGULAR = {
    "children": "child",
    "men": "man",
    "women": "woman",
    "people": "people",
    "feet": "foot",
    "teeth": "tooth",
    "mice": "mouse",
    "indices": "index",
    "matrices": "matrix",
    "criteria": "criterion",
    "phenomena": "phenomenon",
    "analyses": "analysis",
    "crises": "crisis",
    "bases": "basis",
    "theses": "thesis",
    "taxes": "tax",
    "boxes": "box",
    "lives": "life",
    "wives": "wife",
    "shelves": "shelf",
    "halves": "half",
    "leaves": "leaf",
    "thieves": "thief",
    "series": "series",
    "species": "species",
    "chiefs": "chief",
    "roofs": "roof",
    "moves": "move",
    "media": "media",
    "data": "data",
    "gases": "gas",
    "buses": "bus",
    "statuses": "status",
    "processes": "process",
    "viruses": "virus",
    "lenses": "lens",
}


@lru_cache(maxsize=200_000)
def _singular(word: str) -> str:
    """The singular of a (lower-case) noun, from lemminflect's noun lemmas (out-of-vocabulary words by
    its rules); the lists above override it where a key needs another answer (media, bases, closed-class
    words in -s). lemminflect loads its tables on first use (about 1 s), so only words that can be
    plural ask it."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) < 4 or word in _KEEP_S or word.endswith(("ss", "'s")) or not word.isalpha():
        return word
    from lemminflect import getLemma

    lemmas = getLemma(word, "NOUN", lemmatize_oov=True)
    lemma = lemmas[0] if lemmas else word
    return lemma if lemma.islower() and lemma[:1] == word[:1] else word


_EN_SPLIT = re.compile(r"[\s\-‐‑–_/]+")
_EN_EDGE = "\"'“”‘’()[]{}.,;:!?"


@lru_cache(maxsize=200_000)
def en_key(term: str) -> str:
    """Lower-case (acronyms kept), hyphen/space folded, head noun singular.

    >>> en_key("Rare-Earths"), en_key("rare  earths"), en_key("G7"), en_key("Critical Minerals")
    ('rare earth', 'rare earth', 'G7', 'critical mineral')
    """
    words = [w.strip(_EN_EDGE.replace(".", "")) for w in _EN_SPLIT.split(term.strip())]
    words = [w.replace("’", "'") for w in words]
    words = [w.replace(".", "") if is_acronym(w) else w.strip(".") for w in words]
    words = [w for w in words if w]
    if not words:
        return ""
    out = [w if is_acronym(w) else w.lower() for w in words]
    last = out[-1]
    if not is_acronym(words[-1]):
        # "United States", "Group of Seven": capitalised names keep their -s.
        capitalised = len(words) > 1 and all(w[:1].isupper() for w in words if len(w) > 3)
        name = len(words) == 1 and words[0][:1].isupper() and words[0][1:].islower()
        if not (capitalised and last == "states") and not name:
            out[-1] = _singular(last)
    elif last.endswith("s") and last[:-1].isupper():
        out[-1] = last[:-1]  # ETFs -> ETF
    return " ".join(out)


# Nouns that have no singular ("trousers", "damaged goods"): a headword in one has no number variant.
_PLURALIA_TANTUM = frozenset(
    """trousers pants jeans shorts pajamas pyjamas tights scissors pliers tongs tweezers glasses spectacles
    binoculars goods clothes riches thanks remains surroundings belongings outskirts premises earnings
    savings proceeds headquarters whereabouts congratulations guts annals""".split()
)
# A word before a plural head that keeps it plural: "two women", "several dishes" have no singular.
_COUNTED = frozenset(
    """two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred
    thousand million billion several many few both various numerous multiple""".split()
)
# A word inside a phrase whose head is not its last word ("lists of applicants") or whose heads are two
# ("bowls and dishes"): the last word's number is not the phrase's.
_INNER = frozenset({"of", "and", "or", "with", "in", "by", "for", "&"})


def singular_form(surface: str) -> str | None:
    """``surface`` with its head noun made singular, everything else as written: "high-level meetings"
    -> "high-level meeting", "U.S. soybeans" -> "U.S. soybean"; None when the surface has no such form.

    A glossary lists this number variant beside a plural headword (search and a CAT tool then find the
    singular too). Not every plural has one: a capitalised last word is part of a name whose number
    is fixed ("Lithium Americas", "Evan Medeiros", "Palace Ladies"); a counted plural stays plural
    ("two women", "Seven nations"); the head of "lists of applicants" is not its last word, and
    "bowls and dishes" has two; some nouns are plural only ("damaged goods"). A word not in -s is no
    regular plural ("Chinese-produced")."""
    m = re.search(r"[A-Za-z]+$", surface)
    if m is None or not m.group().islower():
        return None
    head = m.group()
    words = surface.lower().split()
    if any(w in _INNER for w in words[:-1]) or head in _PLURALIA_TANTUM:
        return None
    if len(words) > 1 and (words[-2] in _COUNTED or words[-2].isdigit()):
        return None
    one = _singular(head)
    if one == head or not one.isalpha() or not (head.endswith("s") or head in _IRREGULAR):
        return None
    return surface[: m.start()] + one


def en_words(text: str) -> tuple[str, ...]:
    """Lower-case words of an English form, each made singular: the unit of English nesting tests."""
    return tuple(en_key(w.lower()) for w in re.split(r"[\s\-‐‑–/]+", text) if en_key(w.lower()))


def has_run(long: Sequence[str], short: Sequence[str]) -> bool:
    """``short`` occurs in ``long`` as consecutive items (the empty sequence occurs everywhere)."""
    n = len(short)
    return any(tuple(long[a : a + n]) == tuple(short) for a in range(len(long) - n + 1))
