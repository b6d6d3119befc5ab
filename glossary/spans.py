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
* single characters: a one-character noun (铜, 锂) is a candidate; the pairing links it only when it
  aligns consistently (see ``glossary.pairing.SINGLE_DICE``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from .candidates import ZH_STOP, _to_simplified, _tokens, zh_clause
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
    """One-character nouns (铜 copper, 锂 lithium): candidates the pairing links only on consistent alignment."""
    simp = _to_simplified(text)
    same = len(simp) == len(text)
    return [
        (w, text[s : s + 1] if same else w, s, s + 1)
        for w, f, s in _tokens(simp)
        if len(w) == 1 and f == "n" and _HAN.match(w) and w not in ZH_STOP
    ]


def token_spans(text: str, max_tokens: int = 4) -> list[tuple[str, str, int, int]]:
    """Runs of 2 to ``max_tokens`` jieba tokens with term-like edges, any tags inside (自身 免疫)."""
    simp = _to_simplified(text)
    same = len(simp) == len(text)
    toks = _tokens(simp)
    out = []
    for a in range(len(toks)):
        w0, f0, s = toks[a]
        if f0.startswith(_NO_EDGE) or f0 == "v" or w0 in ZH_STOP or not _HAN.match(w0) or len(w0) < 2:
            # a bare verb opens a verb phrase (实施 出口管制), not a term; verbal nouns (vn) may
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


def recurring(texts: Iterable[str], min_count: int = MIN_RECUR) -> frozenset[str]:
    """Keys of the token spans seen in at least ``min_count`` of ``texts`` (each text counts once)."""
    n: Counter = Counter()
    for t in texts:
        n.update({k for k, *_ in token_spans(t)})
    return frozenset(k for k, c in n.items() if c >= min_count)


def all_zh_candidates(text: str, recurring_keys: frozenset[str] = frozenset()) -> list[tuple[str, str, int, int]]:
    """Every Chinese candidate of ``text``: jieba's noun runs first, then the sources above (one per key),
    token spans only when their key is in ``recurring_keys``."""
    from .candidates import zh_candidates

    out = {c[0]: c for c in zh_candidates(text)}
    extra = marked_spans(text) + latin_spans(text) + single_nouns(text)
    if recurring_keys:
        extra += [c for c in token_spans(text) if c[0] in recurring_keys]
    for c in extra:
        out.setdefault(c[0], c)
    return list(out.values())
