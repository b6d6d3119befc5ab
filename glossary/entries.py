"""Value types of the glossary layer: sentence pairs, term entries and search results.

These are the boundary between term mining (``pairing``), the store, search, export and the
web page: every one of them speaks these types, never dicts keyed by strings.

A *bead* is what the aligner emits (``align.beads.Bead``: sentence indices, maybe one side
empty); a *pair* has two sides. :class:`SentencePair` is the one type in which pairs are read:
the store hands them to term mining, keeps them as a term's examples and returns them from
search.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import asdict, dataclass, field

from .calibration import link_score


@dataclass(frozen=True, slots=True)
class SentencePair:
    """An English and a Chinese text that translate each other, both non-empty: an aligned bead
    with two sides or a mined pair."""

    en: str
    zh: str  # original script (may be Traditional)
    score: float  # calibrated P(correct) of the bead / mined pair
    doc: str = ""  # source file name (of the English side, for a mined pair)
    kind: str = "aligned"  # "aligned" | "mined"
    pair_id: int | None = None  # id in the store, when it came from one
    similarity: float | None = None  # cosine to the query, for meaning search

    def to_dict(self, fields: tuple[str, ...] = ()) -> dict:
        """The named fields (all by default), in that order."""
        return {f: getattr(self, f) for f in fields or self.__slots__}


@dataclass(frozen=True, slots=True)
class CorpusText:
    """Every prose sentence of the corpus by language, paired or not: the domain corpus whose
    frequencies termhood counts (a file on one side only, with no pair, still shows which
    words are the domain's terms)."""

    en: tuple[str, ...] = ()
    zh: tuple[str, ...] = ()


# What a term's example and a search hit show of their pair (the store's examples JSON, the
# exports and the web page's JSON). An example keeps its pair's kind, so the page and the CLI
# mark mined examples.
EXAMPLE_FIELDS = ("en", "zh", "doc", "score", "kind")
HIT_FIELDS = ("en", "zh", "doc", "score", "similarity", "kind")


@dataclass(frozen=True, slots=True)
class TermEntry:
    zh: str  # the Chinese headword as written, in the text's script (pairing.zh_headword)
    en: str  # the English headword as written: its most frequent whole form (pairing.canonical_en)
    confidence: float  # calibrated P(this entry is a correct term translation), see docs/glossary.md
    freq: int  # aligned pairs in which both sides occur
    n_docs: int  # documents in which both sides occur
    zh_variants: tuple[str, ...] = ()  # other Chinese forms seen (Traditional, ...)
    en_variants: tuple[str, ...] = ()  # other English forms seen, one per spelling up to case; a plural's singular
    examples: tuple[SentencePair, ...] = ()
    pinned: bool = False  # from the user's known-terms TSV
    termhood: float | None = None  # how term-like, in [0, 1] (glossary/termhood.py); None: not scored
    # the candidate model's confidence, the order's score (as mined; None when read from a store); no
    # part of the entry's identity
    link: float | None = field(default=None, compare=False)

    @property
    def rank(self) -> float:
        """The glossary's order, best first: the candidate model's confidence × termhood (that
        confidence alone when unscored). The candidate confidence is ``link``; where it is not at hand it
        is read back from the shown confidence (:func:`glossary.calibration.link_score`), which at the
        0.99 cap gives the least that reaches it, so the store orders by the entry's feature row instead)."""
        p = link_score(self.confidence, self.termhood) if self.link is None else self.link
        return p * (1.0 if self.termhood is None else self.termhood)

    def to_dict(self) -> dict:
        d = asdict(self)
        del d["link"]  # the order's score, not part of the entry a user sees
        d["examples"] = [x.to_dict(EXAMPLE_FIELDS) for x in self.examples]
        return d


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    terms: tuple[TermEntry, ...] = ()  # exact, then prefix/fuzzy; by confidence
    examples: tuple[SentencePair, ...] = ()  # concordance: pairs containing the term
    similar: tuple[SentencePair, ...] = ()  # semantically similar pairs from the FAISS index
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "terms": [t.to_dict() for t in self.terms],
            "examples": [h.to_dict(HIT_FIELDS) for h in self.examples],
            "similar": [h.to_dict(HIT_FIELDS) for h in self.similar],
            "meta": deepcopy(self.meta),
        }
