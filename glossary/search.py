"""Search the store: glossary terms in either language and script, their example pairs, and
pairs similar in meaning (FAISS). Shared by ``termalign search`` and the web page.

Matching works on normalised text (Simplified Chinese, lower-case English, see
``store.norm_text``), so 稀土 / 稀土 and 關鍵礦物 / 关键矿物 meet, and "Rare Earths" finds
"rare earth". Order: exact matches (the term or one of its variants, singular/plural folded),
then entries containing the query (prefix / substring), then -- only when nothing matched --
entries whose pinyin matches an ASCII query ("xitu" -> 稀土). Each group by confidence.
"""
from __future__ import annotations

import logging
import re
import time

from .entries import PairHit, SearchResult, TermEntry
from .store import Store, norm_text

log = logging.getLogger(__name__)

_PINYIN_CACHE: dict[int, list[tuple[str, int]]] = {}


def english_keys(q: str) -> list[str]:
    """The query and its singular form(s): 'rare earths' -> ['rare earths', 'rare earth']."""
    keys = [q]
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", "")):
        if q.endswith(suffix) and len(q) > len(suffix) + 2 and not q.endswith("ss"):
            keys.append(q[: -len(suffix)] + repl)
    # (glossary.variants.en_key would be the better fold, but its first call imports inflect,
    # ~9 s measured on the dev machine: too slow for a lookup. Simple suffix rules here.)
    return list(dict.fromkeys(keys))


def _terms(store: Store, query: str, limit: int) -> tuple[list[TermEntry], str]:
    q = norm_text(query)
    if not q:
        return [], ""
    keys = english_keys(q)
    marks = ",".join("?" * len(keys))
    exact = store.terms_where(f"zh_norm = ? or en_norm in ({marks})", (q, *keys), limit)
    seen = {i for i, _ in exact}
    out = [e for _, e in exact]
    # variants: a Traditional or plural form listed on the entry
    for i, e in store.terms_fts(q, 4 * limit):
        if i in seen:
            continue
        forms = {norm_text(x) for x in (e.zh, e.en, *e.zh_variants, *e.en_variants)}
        if forms & set(keys):
            out.append(e)
            seen.add(i)
    n_exact = len(out)
    contains = [(i, e) for i, e in store.terms_fts(keys[-1] if len(keys[-1]) >= 2 else q, 4 * limit) if i not in seen]
    # prefix before substring, each by confidence (terms_fts already orders by confidence)
    contains.sort(key=lambda t: (not (norm_text(t[1].zh).startswith(q) or norm_text(t[1].en).startswith(keys[-1]))))
    out.extend(e for _, e in contains)
    how = "exact" if n_exact else ("contains" if out else "")
    if not out and re.fullmatch(r"[a-z]+( [a-z]+)*", q):
        out = _pinyin_terms(store, q.replace(" ", ""), limit)
        how = "pinyin" if out else ""
    return out[:limit], how


def _pinyin_terms(store: Store, q: str, limit: int) -> list[TermEntry]:
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # pragma: no cover
        return []
    key = id(store)
    if key not in _PINYIN_CACHE:
        rows = store.con.execute("select id, zh_norm from terms").fetchall()
        _PINYIN_CACHE[key] = [("".join(lazy_pinyin(zh)), i) for i, zh in rows]
    ids = [i for py, i in _PINYIN_CACHE[key] if py.startswith(q)]
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return [e for _, e in store.terms_where(f"id in ({marks})", ids, limit)]


def similar_pairs(store: Store, query: str, enc, limit: int = 10) -> list[PairHit]:
    """Pairs nearest in meaning to ``query`` (encoded with ``enc``, which must be the store's model)."""
    vec = enc.encode([query])
    index = store.pair_index()
    if len(index) == 0 or index.dim != vec.shape[1]:
        return []
    scores, ids = index.search(vec, limit)
    keep = ids[0] >= 0
    return store.pair_hits(ids[0][keep].tolist(), scores[0][keep].tolist())


def encoder_matches(store: Store, enc) -> bool:
    """True when ``enc`` is the model the store's vectors were made with."""
    return enc is not None and f"enc:{enc.name}/{enc.dim}" in store.signature


def search(store: Store, query: str, limit: int = 10, enc=None, pairs_only: bool = False) -> SearchResult:
    """Terms matching ``query``, example pairs containing the best term (concordance), and pairs
    similar in meaning when ``enc`` (the store's model) is given. ``pairs_only``: meaning search only.
    """
    t0 = time.perf_counter()
    query = query.strip()
    terms: list[TermEntry] = []
    how = ""
    examples: list[PairHit] = []
    if query and not pairs_only:
        terms, how = _terms(store, query, limit)
        needles = [terms[0].zh, terms[0].en] if terms else [query]
        seen: set[tuple[str, str]] = set()
        for needle in needles:
            for hit in store.concordance(needle, limit):
                if (hit.en, hit.zh) not in seen and len(examples) < limit:
                    seen.add((hit.en, hit.zh))
                    examples.append(hit)
    similar: list[PairHit] = []
    note = ""
    if query and enc is not None:
        if encoder_matches(store, enc):
            similar = similar_pairs(store, query, enc, limit)
        else:
            note = f"meaning search skipped: store was built with another model ({store.signature})"
    meta = {"match": how, "ms": round(1000 * (time.perf_counter() - t0), 2)}
    if note:
        meta["note"] = note
    return SearchResult(query=query, terms=tuple(terms), examples=tuple(examples), similar=tuple(similar), meta=meta)


def highlight(text: str, needles: list[str], start: str = "«", end: str = "»") -> str:
    """Mark every occurrence of any needle (case-insensitive; Traditional/Simplified folded)."""
    norm = norm_text_keep_length(text)
    spans = []
    for n in needles:
        n = norm_text(n)
        if not n:
            continue
        for m in re.finditer(re.escape(n), norm):
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


__all__ = ["search", "similar_pairs", "highlight", "english_keys", "encoder_matches"]
