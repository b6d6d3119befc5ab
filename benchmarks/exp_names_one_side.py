"""Experiment (not adopted): names on one side only, and the uncovered share, as mining evidence.

A mined pair whose one side says more than the other (the example corpus's summary line on the
Southeast Asian deals, whose Chinese also names Australia and Japan) looks like a translation to
``align.pair_evidence``. This tries two kinds of evidence on top of its features:

* **names on one side only** (``names``): English names are capitalised words that do not open
  the line, a sentence or a list item and are not stopwords (acronyms kept: U.S. -> us), none in a
  line mostly capitalised (a headline); one has a counterpart when the Chinese spells it in pinyin
  (the aligner's ``scoring.pinyin_ngrams``) or some Chinese word's CC-CEDICT glosses name it
  (日本 Japan, 总统 president; ``align.lexicon``). Chinese names are the words of two characters or
  more that CC-CEDICT glosses as proper nouns (澳大利亚 Australia, 美国 United States/USA/US); one
  has a counterpart when the English has a capitalised word for it (China / Chinese, Asia / Asian
  count as one name). Four features: log(1 + names on the English side only), the same for the
  Chinese side, and each as a share of its side's names. ``names-idf``: the same with each name
  weighted by its rarity among the candidates (``lexicon.idf``, as ``dice_idf`` weights words),
  so the corpus's subject (China, the U.S.) counts little.
* **uncovered content** (``uncovered``): the rarity-weighted dictionary coverage of
  ``pair_evidence`` read the other way: the uncovered share of the longer side (by characters,
  against the usual ratio), that of the shorter side, and log(1 + the smaller uncovered weight of
  the two sides: both sides say something the other lacks).
* **names said elsewhere** (``elsewhere``): a name on one side only that the other side's
  document names within 3 sentences of the partner (the Chinese also says what an English
  neighbour says: containment by join); log(1 + count) per side, rarity-weighted with ``idf``,
  the Chinese side alone in the ``zh`` variants.

    python benchmarks/exp_names_one_side.py                         # both folds, refitted with each
    python benchmarks/exp_names_one_side.py --store /tmp/re-store   # also score a built store's candidates
                                                                    # (examples/rare-earths) with fold A's refits

Each variant is refitted exactly as ``bench_mining.py --fit`` fits (fold A's fit part, the same
threshold rule on the fit data only) and judged held apart; fold B likewise. With ``--store`` the
fold-A refits score every mined candidate of a built store, which ``--labels`` judges. Results are
in BENCHMARKS.md ("Mining": names on one side only, not adopted).
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchmarks.feature_trials as ft  # noqa: E402
from benchmarks.exp_better_home import window_rows  # noqa: E402
from termalign.align import pair_evidence as pe  # noqa: E402
from termalign.align.lexicon import _EN_STOP, _SKIP_GLOSS, _cedict_raw, _tokenizer, stem  # noqa: E402
from termalign.align.scoring import pinyin_ngrams  # noqa: E402

_NAME_EN = re.compile(r"(?:[A-Z]\.){2,}|[A-Za-z][A-Za-z0-9]*")
_OPENS = set(".!?:;\"“‘'(-–—•*#>|")  # a word after these (or first in the line) opens a sentence or item
_HAN = re.compile(r"[\u4e00-\u9fff]")
_NAME_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def capitalised_en(text: str) -> tuple[set[str], set[str]]:
    """(names, every capitalised word) of an English line, lower-cased, dots of acronyms dropped."""
    names: set[str] = set()
    caps: set[str] = set()
    n_words = n_caps = 0
    for m in _NAME_EN.finditer(text):
        w = m.group()
        n_words += 1
        if not w[0].isupper():
            continue
        n_caps += 1
        low = w.replace(".", "").lower()
        caps.add(low)
        before = text[: m.start()].rstrip()
        # a dash opens a list item only after a space ("U.S.–Japan" does not)
        opens = not before or (
            before[-1] in _OPENS and (before[-1] not in "-–—" or before[:-1] != before[:-1].rstrip())
        )
        acronym = w.replace(".", "").isupper()
        if len(low) >= 2 and not opens and (acronym or low not in _EN_STOP):
            names.add(low)
    if n_words >= 3 and n_caps > 0.6 * n_words:
        names = set()
    return names, caps


@lru_cache(maxsize=1 << 16)
def proper_name(word: str) -> frozenset[str]:
    """The lower-cased words of the name a Chinese word stands for when CC-CEDICT's first
    definition (cross-references and "surname" skipped) starts with a capital; else empty."""
    d = _cedict_raw().get(word)
    if not d:
        return frozenset()
    defs = [x.strip() for x in d.split("/") if x.strip() and not _SKIP_GLOSS.match(x.strip())]
    if not defs or not defs[0][0].isupper():
        return frozenset()
    out: set[str] = set()
    for x in defs:
        head = re.split(r"[,(;]", x, maxsplit=1)[0]
        out.update(w.lower() for w in _NAME_WORD.findall(head) if w[0].isupper())
    return frozenset(out)


@lru_cache(maxsize=65536)
def zh_names(text: str) -> tuple[frozenset[str], ...]:
    """:func:`proper_name` of each jieba word of two characters or more (single ones are often
    read as surnames: 森 Mori)."""
    from termalign.text.segment import to_simplified

    words = _tokenizer().lcut(to_simplified(text), HMM=False)
    return tuple(n for n in (proper_name(w) for w in words if len(w) > 1 and _HAN.search(w)) if n)


def same_name(a: str, b: str) -> bool:
    """Equal, or one is the other with an ending (China / Chinese, Japan / Japanese)."""
    if a == b:
        return True
    k = 0
    for x, y in zip(a, b):
        if x != y:
            break
        k += 1
    return k >= max(4, max(len(a), len(b)) - 3, min(len(a), len(b)) - 1)


def has_name(word: str, vocab) -> bool:
    return word in vocab or (len(word) >= 4 and any(same_name(word, v) for v in vocab if v[:4] == word[:4]))


def names_one_side(en: str, zh: str):
    """(English names, those with no counterpart, Chinese names, those with no counterpart)."""
    names_en, caps_en = capitalised_en(en)
    names_zh = set(zh_names(zh))
    if not names_en and not names_zh:
        return set(), set(), set(), set()
    vocab_zh = set().union(*pe._zh_words(zh), *names_zh)
    spelt = pinyin_ngrams(zh) if names_en else set()
    en_only = {w for w in names_en if w not in spelt and stem(w) not in vocab_zh and not has_name(w, vocab_zh)}
    zh_only = {n for n in names_zh if not any(has_name(w, caps_en) for w in n)}
    return names_en, en_only, names_zh, zh_only


def names(en, zh, i, j, weighted: bool = False) -> np.ndarray:
    sets = [names_one_side(en[a], zh[b]) for a, b in zip(i, j)]
    w_en = pe._idf_weights([s[0] for s in sets]) if weighted else {}
    w_zh = pe._idf_weights([s[2] for s in sets]) if weighted else {}
    out = np.zeros((len(sets), 4))
    for r, (ne, eo, nz, zo) in enumerate(sets):
        te, ce = sum(w_en.get(u, 1.0) for u in ne), sum(w_en.get(u, 1.0) for u in eo)
        tz, cz = sum(w_zh.get(u, 1.0) for u in nz), sum(w_zh.get(u, 1.0) for u in zo)
        out[r] = (np.log1p(ce), np.log1p(cz), ce / te if te else 0.0, cz / tz if tz else 0.0)
    return out


def named_in(word: str, zh: str) -> bool:
    """Whether a Chinese line names the English name ``word`` (as :func:`names_one_side` matches)."""
    vocab = set().union(*pe._zh_words(zh), *zh_names(zh))
    return word in pinyin_ngrams(zh) or stem(word) in vocab or has_name(word, vocab)


def names_elsewhere(en, zh, cand, width: int = 3, weighted: bool = False) -> np.ndarray:
    """Names on one side only that the other side's document names near the partner. A Chinese
    name missing from the English sentence but named in an English sentence within ``width`` of it
    says the Chinese also says what a neighbour says (containment by join); likewise an English
    name against the Chinese partner's neighbours. Two columns, log(1 + count) for the English and
    the Chinese side, each name weighted by its rarity among the candidates when ``weighted``."""
    sets = [names_one_side(en.text[a], zh.text[b]) for a, b in zip(cand.i, cand.j)]
    w_en = pe._idf_weights([s[0] for s in sets]) if weighted else {}
    w_zh = pe._idf_weights([s[2] for s in sets]) if weighted else {}
    near_en, near_zh = window_rows(en, cand.i, width), window_rows(zh, cand.j, width)
    out = np.zeros((len(sets), 2))
    for r, (_, eo, _, zo) in enumerate(sets):
        caps = set().union(*(capitalised_en(en.text[n])[1] for n in near_en[r])) if zo else set()
        cz = sum(w_zh.get(n, 1.0) for n in zo if any(has_name(w, caps) for w in n))
        homes = [zh.text[n] for n in near_zh[r]] if eo else []
        ce = sum(w_en.get(w, 1.0) for w in eo if any(named_in(w, t) for t in homes))
        out[r] = (np.log1p(ce), np.log1p(cz))
    return out


def uncovered(en, zh, i, j) -> np.ndarray:
    lem = [pe._en_lemmas(en[a]) for a in i]
    wds = [pe._zh_words(zh[b]) for b in j]
    w_en, w_zh = pe._idf_weights(lem), pe._idf_weights(wds)
    out = np.zeros((len(lem), 3))
    for r, (a, b) in enumerate(zip(i, j)):
        ce, te, cz, tz = pe.weighted_coverage(lem[r], wds[r], w_en, w_zh)
        se, sz = 1 - ce / te if te else 0.0, 1 - cz / tz if tz else 0.0
        en_longer = pe.length_log_ratio(en[a], zh[b]) > pe.LEN_PRIOR
        out[r] = (se if en_longer else sz, sz if en_longer else se, np.log1p(min(te - ce, tz - cz)))
    return out


def _texts(f):
    """An extra of ``benchmarks/feature_trials.py`` from ``f(en texts, zh texts, i, j)``."""
    return lambda en, zh, cand, encode: f(en.text, zh.text, cand.i, cand.j)


_EXTRA = {
    "names": _texts(names),
    "names-idf": _texts(lambda *a: names(*a, weighted=True)),
    "uncovered": _texts(uncovered),
    "elsewhere": lambda en, zh, cand, encode: names_elsewhere(en, zh, cand),
    "elsewhere-idf": lambda en, zh, cand, encode: names_elsewhere(en, zh, cand, weighted=True),
    "elsewhere-w1-idf": lambda en, zh, cand, encode: names_elsewhere(en, zh, cand, width=1, weighted=True),
    "elsewhere-zh": lambda en, zh, cand, encode: names_elsewhere(en, zh, cand)[:, 1:],
    "elsewhere-zh-idf": lambda en, zh, cand, encode: names_elsewhere(en, zh, cand, weighted=True)[:, 1:],
}
VARIANTS = {
    "shipped features": (),
    "+ names": ("names",),
    "+ names-idf": ("names-idf",),
    "+ uncovered": ("uncovered",),
    "+ names + uncovered": ("names", "uncovered"),
    "+ names elsewhere": ("elsewhere",),
    "+ names elsewhere, idf": ("elsewhere-idf",),
    "+ names elsewhere, idf, 1 neighbour": ("elsewhere-w1-idf",),
    "+ Chinese names elsewhere": ("elsewhere-zh",),
    "+ Chinese names elsewhere, idf": ("elsewhere-zh-idf",),
}


if __name__ == "__main__":
    ft.trial_main(__doc__, {name: [_EXTRA[p] for p in parts] for name, parts in VARIANTS.items()})
