"""Value types of the glossary layer: term entries, their examples, and search results.

These are the boundary between term mining (``pairing``), the store, search, export and the
web page: every one of them speaks these types, never dicts keyed by strings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, slots=True)
class PairText:
    """One aligned or mined sentence pair, as the glossary miner consumes it."""

    en: str
    zh: str  # original script (may be Traditional)
    score: float  # calibrated P(correct) of the bead / mined pair
    doc: str  # source file name
    kind: str = "aligned"  # "aligned" | "mined"
    pair_id: int | None = None  # id in the store, when it came from one


@dataclass(frozen=True, slots=True)
class Example:
    en: str
    zh: str
    doc: str
    score: float
    kind: str = "aligned"  # "aligned" | "mined": the page and the CLI mark mined examples


@dataclass(frozen=True, slots=True)
class TermEntry:
    zh: str  # canonical Chinese form, Simplified
    en: str  # canonical English form (lemma, lower-cased unless a name/acronym)
    confidence: float  # calibrated P(this is a correct term translation), see docs/glossary.md
    freq: int  # aligned pairs in which both sides occur
    n_docs: int  # documents in which both sides occur
    zh_variants: tuple[str, ...] = ()  # other Chinese forms seen (Traditional, ...)
    en_variants: tuple[str, ...] = ()  # other English forms seen (plural, case, ...)
    examples: tuple[Example, ...] = ()
    pinned: bool = False  # from the user's known-terms TSV
    termhood: float | None = None  # how term-like, in [0, 1] (glossary/termhood.py); None: not scored

    @property
    def rank(self) -> float:
        """The glossary's order, best first: confidence × termhood (confidence alone when unscored)."""
        return self.confidence * (1.0 if self.termhood is None else self.termhood)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class PairHit:
    """A sentence pair found by concordance (term in text) or by meaning (FAISS)."""

    en: str
    zh: str
    doc: str
    score: float  # pair confidence
    similarity: float | None = None  # cosine to the query, for meaning search
    kind: str = "aligned"


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    terms: tuple[TermEntry, ...] = ()  # exact, then prefix/fuzzy; by confidence
    examples: tuple[PairHit, ...] = ()  # concordance: pairs containing the term
    similar: tuple[PairHit, ...] = ()  # semantically similar pairs from the FAISS index
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)
