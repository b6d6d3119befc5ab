"""Bead costs: cosine of window vectors, a length-ratio penalty, shared anchors (numbers, names).

For a bead joining source window x (a sentences) and target window y (b sentences):

    lenlr  = log((chars(x) + s0) / (rho * (chars(y) + t0)))   rho = the document's own char ratio
    pen    = log2(1 + exp(-|lenlr|)) ** len_power              1 when the lengths agree, -> 0 apart
    lex    = 2 * shared(x, y) / (units(x) + units(y))         dictionary Dice (see below)
    score  = cos(x, y) * pen + w_anchor * (matched - 0.5 * unmatched) + w_lex * (lex - lex0)
    cost   = -score + w_merge * (a + b - 2)

The DP minimises the summed cost. Summing *scores* (as Bertalign's second pass does) rather than
Vecalign's ``(1 - cos) * a * b`` lets each sentence that has its own counterpart keep a bead of
its own; a small negative ``w_merge`` (a bonus per extra sentence) offsets the lower cosine that
longer windows get from this encoder. The margin ``cos - (knn(x) + knn(y)) / 2`` (BUCC/LASER) is
computed too: it is a confidence feature, not part of the cost (as a cost it scored far worse on
MAC-Dev: strict F1 0.67 against 0.87; BENCHMARKS.md).
``matched`` counts anchor tokens (a number, or an English name whose pinyin appears in the
Chinese) found on both sides of the bead, ``unmatched`` those found on one side only. The skip
(1-0 / 0-1) cost is a quantile of the costs of random 1-1 pairs, so it carries across encoders.
``lex`` is bilingual dictionary evidence (``lexicon``, CC-CEDICT): ``shared`` sums the English
content lemmas of the English window that some Chinese word of the Chinese window can mean,
``units`` the English window's content lemmas and the Chinese window's content words, each
counted by its in-document rarity (``lexicon.idf``; the weights ride in the sparse data);
``lex0`` is its mean over all 1-1 pairs of the document (estimated as a ratio of means), so
random pairs get no bonus on average whatever the text's dictionary coverage.

Besides bead costs the scorer gives a *boundary* cost (``cell_cost``), paid by every bead ending
between source sentences i-1 / i and target sentences j-1 / j:

    boundary = w_quote * [one side needs a quotation open there, the other has none] (``quotes``)
               - w_bound * u_src[i] . u_tgt[j]     (clause-end boundary vectors, ``clauses``)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from .overlap import Side

# ---------------------------------------------------------------- anchor tokens

_EN_NUM = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}
_EN_NUM.update(
    {
        "thirty": 30,
        "forty": 40,
        "fifty": 50,
        "sixty": 60,
        "seventy": 70,
        "eighty": 80,
        "ninety": 90,
        "hundred": 100,
        "thousand": 1000,
        "million": 1000000,
        "dozen": 12,
    }
)
_EN_ORD = {
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
    "hundredth": 100,
}
_ZH_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")}
_ZH_DIGIT.update(
    {"〇": 0, "两": 2, "兩": 2, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9}
)
_ZH_UNIT = {
    "十": 10,
    "拾": 10,
    "百": 100,
    "佰": 100,
    "千": 1000,
    "仟": 1000,
    "万": 10000,
    "萬": 10000,
    "亿": 10**8,
    "億": 10**8,
}
_ARABIC = re.compile(r"\d+(?:[,，]\d{3})*(?:\.\d+)?")
_ZH_NUMERAL = re.compile(r"[零〇一二三四五六七八九两兩十百千万萬亿億壹贰叁肆伍陆柒捌玖拾佰仟]+")
_EN_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# numbers this small are too common to be evidence ("one of", 一个)
_MIN_NUMBER = 2


def _zh_numeral_value(s: str) -> int | None:
    """一九六七 -> 1967 (digit by digit), 三十五 -> 35, 一百 -> 100, 两万三千 -> 23000."""
    if all(c in _ZH_DIGIT for c in s):
        return int("".join(str(_ZH_DIGIT[c]) for c in s)) if len(s) > 1 else _ZH_DIGIT[s]
    total, section, digit = 0, 0, None
    for c in s:
        if c in _ZH_DIGIT:
            digit = _ZH_DIGIT[c]
        elif c in _ZH_UNIT:
            u = _ZH_UNIT[c]
            if u >= 10000:
                section = (section + (digit or 0)) * u
                total += section
                section = 0
            else:
                section += (1 if digit is None else digit) * u
            digit = None
    return total + section + (digit or 0)


def _arabic_integers(text: str) -> set[int]:
    """Whole numbers written in Arabic digits (thousands separators ``,`` / ``，`` allowed)."""
    out: set[int] = set()
    for m in _ARABIC.finditer(text):
        v = float(m.group().replace(",", "").replace("，", ""))
        if v == int(v):
            out.add(int(v))
    return out


def numbers_en(text: str) -> set[int]:
    out = _arabic_integers(text)
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", text)]
    run = 0
    for w in words + [""]:
        if w in _EN_NUM:
            v = _EN_NUM[w]
            run = run * v if v >= 100 and run else run + v
        elif w in _EN_ORD:
            out.add(run + _EN_ORD[w])
            run = 0
        else:
            if run:
                out.add(run)
            run = 0
    return {v for v in out if v >= _MIN_NUMBER}


def numbers_zh(text: str) -> set[int]:
    out = _arabic_integers(text)
    for m in _ZH_NUMERAL.finditer(text):
        v = _zh_numeral_value(m.group())
        if v is not None:
            out.add(v)
    return {v for v in out if v >= _MIN_NUMBER}


def name_tokens_en(text: str) -> set[str]:
    """Capitalised English words, lower-cased, hyphens dropped (Xi-feng -> xifeng)."""
    return {w.replace("-", "").lower() for w in _EN_WORD.findall(text) if w[0].isupper() and len(w) >= 2}


@lru_cache(maxsize=8192)
def _pinyin(c: str) -> str:
    """What ``pypinyin.lazy_pinyin(c)[0]`` gives, without importing pypinyin (``text.pinyin``)."""
    from termalign.text.pinyin import first_reading

    return first_reading(c)


def pinyin_ngrams(text: str, max_syllables: int = 3) -> set[str]:
    """Concatenated toneless pinyin of every run of 1..3 consecutive Han characters."""
    out: set[str] = set()
    for run in re.findall(r"[\u4e00-\u9fff]+", text):
        syl = [_pinyin(c) for c in run]
        for k in range(1, max_syllables + 1):
            for i in range(len(syl) - k + 1):
                out.add("".join(syl[i : i + k]))
    return out


def anchor_matrices(
    en: Sequence[str], zh: Sequence[str], max_tokens: int = 512
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Anchor tokens shared by the two sides of one document, and where they occur.

    A token is a number (``#1967``; Chinese numerals and English number words normalised) or an
    English capitalised word whose toneless pinyin spelling occurs in the Chinese (陈清扬 ->
    ``chenqingyang``, ``chen``, ``qingyang``). Tokens kept are those found on both sides and rare
    on each (in at most max(3, 10%) of the sentences) with document frequencies within 3x of each
    other, so common syllables (He / 和) do not count. Returns ``(A_en (n_en, L), A_zh (n_zh, L),
    tokens)`` of 0/1 float32.
    """
    en_sets = [{f"#{v}" for v in numbers_en(s)} | name_tokens_en(s) for s in en]
    names = set().union(*[s for s in en_sets]) if en_sets else set()
    names = {t for t in names if not t.startswith("#") and len(t) >= 3}
    zh_sets = []
    for s in zh:
        toks = {f"#{v}" for v in numbers_zh(s)}
        if names and _HAN.search(s):
            toks |= pinyin_ngrams(s) & names
        zh_sets.append(toks)
    df_en: dict[str, int] = {}
    df_zh: dict[str, int] = {}
    for ts in en_sets:
        for t in ts:
            df_en[t] = df_en.get(t, 0) + 1
    for ts in zh_sets:
        for t in ts:
            df_zh[t] = df_zh.get(t, 0) + 1
    cap_en, cap_zh = max(3, 0.1 * len(en)), max(3, 0.1 * len(zh))
    keep = [
        t
        for t in df_en
        if t in df_zh
        and df_en[t] <= cap_en
        and df_zh[t] <= cap_zh
        and max(df_en[t], df_zh[t]) <= 3 * min(df_en[t], df_zh[t])
    ]
    keep.sort(key=lambda t: (df_en[t] + df_zh[t], t))
    keep = keep[:max_tokens]
    col = {t: k for k, t in enumerate(keep)}
    A_en = np.zeros((len(en), len(keep)), dtype=np.float32)
    A_zh = np.zeros((len(zh), len(keep)), dtype=np.float32)
    for r, ts in enumerate(en_sets):
        for t in ts & col.keys():
            A_en[r, col[t]] = 1
    for r, ts in enumerate(zh_sets):
        for t in ts & col.keys():
            A_zh[r, col[t]] = 1
    return A_en, A_zh, keep


# ---------------------------------------------------------------- costs


def _sample_rows(x: np.ndarray, max_rows: int, rng: np.random.Generator | None) -> np.ndarray:
    if rng is None or x.shape[0] <= max_rows:
        return x
    return x[np.sort(rng.choice(x.shape[0], max_rows, replace=False))]


def knn_mean(
    windows: np.ndarray, other: np.ndarray, k: int, rng: np.random.Generator | None, max_other: int = 4096
) -> np.ndarray:
    """Mean cosine of each window vector to its k nearest rows of ``other`` (single sentences).

    ``windows`` (K, n, dim), ``other`` (m, dim) -> (K, n) float64. Above ``max_other`` rows the
    neighbours are searched in a random sample (``rng``; None = use ``other`` as given), which
    keeps long documents linear.
    """
    K, n, d = windows.shape
    other = _sample_rows(other, max_other, rng)
    m = other.shape[0]
    k = m if k <= 0 else min(k, m)  # k <= 0: mean over all (Vecalign's random-sentence norm)
    out = np.zeros((K, n))
    if m == 0 or n == 0:
        return out
    flat = windows.reshape(K * n, d)
    res = np.zeros(K * n)
    for lo in range(0, K * n, 4096):
        s = flat[lo : lo + 4096] @ other.T
        top = np.partition(s, m - k, axis=1)[:, m - k :]
        res[lo : lo + 4096] = top.mean(axis=1)
    return res.reshape(K, n)


_TIE = 1e-6  # on equal evidence prefer the finer beads (identical windows would otherwise tie)


def _dice(shared: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Dictionary Dice ``2 shared / units`` (``units`` = both windows' unit counts, floored at 1)."""
    return 2.0 * shared / np.maximum(units, 1.0)


class Scorer:
    """Bead costs for one document pair, computed a block of DP cells at a time.

    Built once from the two ``Side``s; ``block(i0, i1, c0, c1)`` fills the costs of every bead
    type ending at rows i0..i1-1, columns c0..c1-1 (the ``dp.BlockCosts`` contract).
    """

    def __init__(
        self,
        src: Side,
        tgt: Side,
        types: Sequence[tuple[int, int]],
        *,
        knn: int,
        len_power: float,
        w_anchor: float,
        w_merge: float,
        rng: np.random.Generator,
        w_lex: float = 0.0,
        w_quote: float = 0.0,
        w_bound: float = 0.0,
    ) -> None:
        self.src, self.tgt, self.types = src, tgt, list(types)
        self.w_quote = w_quote if src.quote.any() or tgt.quote.any() else 0.0
        self.w_bound = w_bound if src.bound is not None and tgt.bound is not None else 0.0
        self.len_power, self.w_anchor, self.w_merge = len_power, w_anchor, w_merge
        self.w_lex = w_lex if src.lex and src.lex[0].shape[1] else 0.0
        self.knn = knn
        # neighbours for the margin: the other side's sentences, sampled once (knn_mean's cap)
        self._other_s = _sample_rows(tgt.vecs[0], 4096, rng)
        self._other_t = _sample_rows(src.vecs[0], 4096, rng)
        cs, ct = src.chars[0], tgt.chars[0]
        self.rho = float(max(cs.sum(), 1.0) / max(ct.sum(), 1.0))
        # The smoothing of the length ratio, at least one character: when most sentences of a
        # side are empty (blank lines of a presplit file), a zero median made log(0 + 0) = -inf
        # and the length ratio of two empty windows -inf - -inf = NaN, which reached the DP.
        self.s0 = max(0.2 * float(np.median(cs)), 1.0) if cs.size else 1.0
        self.t0 = max(0.2 * float(np.median(ct)), 1.0) if ct.size else 1.0
        self.log_s = np.log(src.chars + self.s0)  # (K, n)
        self.log_t = np.log(self.rho * (tgt.chars + self.t0))
        self.n_anchor_s = src.anchors.sum(axis=2)  # (K, n)
        self.n_anchor_t = tgt.anchors.sum(axis=2)
        self.lex0 = self._lex_baseline() if self.w_lex else 0.0

    def _lex_baseline(self) -> float:
        """Mean dictionary Dice of a random 1-1 pair: 2 E[shared] / (E[units x] + E[units y])."""
        xs, ys = self.src.lex[0], self.tgt.lex[0]
        shared = float(np.asarray(xs.sum(axis=0)).ravel() @ np.asarray(ys.sum(axis=0)).ravel()) / (
            xs.shape[0] * ys.shape[0]
        )
        units = float(self.src.lex_n[0].mean() + self.tgt.lex_n[0].mean())
        return 2.0 * shared / max(units, 1.0)

    def lex_dice(self, a: int, b: int, si, tj) -> np.ndarray:
        """Dictionary Dice of source windows (a, si) (R,) against target windows (b, tj) (C,): (R, C)."""
        shared = self.src.lex[a - 1][si] @ self.tgt.lex[b - 1][tj].T
        shared = shared if isinstance(shared, np.ndarray) else shared.toarray()  # dense or CSR
        return _dice(shared, self.src.lex_n[a - 1, si][:, None] + self.tgt.lex_n[b - 1, tj][None, :])

    def parts(
        self, a: int, b: int, si: np.ndarray | slice, tj: np.ndarray | slice, margin: bool = False
    ) -> dict[str, np.ndarray]:
        """Evidence of beads joining source windows starting at ``si`` (R,) with target windows
        starting at ``tj`` (C,): arrays (R, C) of cos, length log-ratio, anchors matched and
        unmatched, and (``margin=True``, for confidence features only: it costs a kNN search)
        the margin."""
        xs = self.src.vecs[a - 1, si]
        ys = self.tgt.vecs[b - 1, tj]
        cos = (xs @ ys.T).astype(np.float64)
        ev = {"cos": cos}
        if margin:
            ks = knn_mean(xs[None], self._other_s, self.knn, None)[0][:, None]
            kt = knn_mean(ys[None], self._other_t, self.knn, None)[0][None, :]
            ev["margin"] = cos - 0.5 * (ks + kt)
        lr = self.log_s[a - 1, si][:, None] - self.log_t[b - 1, tj][None, :]
        if self.src.anchors.shape[2]:
            matched = self.src.anchors[a - 1, si] @ self.tgt.anchors[b - 1, tj].T
        else:
            matched = np.zeros_like(cos)
        unmatched = self.n_anchor_s[a - 1, si][:, None] + self.n_anchor_t[b - 1, tj][None, :] - 2 * matched
        ev.update(lenlr=lr, matched=matched, unmatched=unmatched)
        ev["lex"] = self.lex_dice(a, b, si, tj) if self.w_lex else np.zeros_like(cos)
        return ev

    def cost_of(self, a: int, b: int, ev: dict[str, np.ndarray]) -> np.ndarray:
        pen = np.log2(1.0 + np.exp(-np.abs(ev["lenlr"]))) ** self.len_power
        score = ev["cos"] * pen + self.w_anchor * (ev["matched"] - 0.5 * ev["unmatched"])
        if self.w_lex:
            score = score + self.w_lex * (ev["lex"] - self.lex0)
        return -score + (self.w_merge + _TIE) * (a + b - 2)

    def block(self, i0: int, i1: int, c0: int, c1: int) -> np.ndarray:
        out = np.full((len(self.types), i1 - i0, c1 - c0), np.inf)
        rows = np.arange(i0, i1)
        cols = np.arange(c0, c1)
        for t, (a, b) in enumerate(self.types):
            r_ok = rows - a >= 0
            c_ok = cols - b >= 0
            if not r_ok.any() or not c_ok.any():
                continue
            r0, c0_ = int(np.argmax(r_ok)), int(np.argmax(c_ok))  # first fitting row / column
            si = slice(rows[r0] - a, i1 - a)
            tj = slice(cols[c0_] - b, c1 - b)
            c = self.cost_of(a, b, self.parts(a, b, si, tj))
            out[t, r0:, c0_:] = c
        return out

    @property
    def has_cell_costs(self) -> bool:
        return bool(self.w_quote or self.w_bound)

    def cell_cost(self, i: int, cols: np.ndarray) -> np.ndarray:
        """Boundary cost of beads ending at (i, cols) (module docstring); 0 at the documents' ends."""
        out = np.zeros(cols.size)
        n, m = self.src.n, self.tgt.n
        if not 0 < i < n:
            return out
        ok = (cols > 0) & (cols < m)
        if self.w_quote:
            t = self.tgt.quote[cols[ok] - 1]
            s_need, s_have = self.src.quote[i - 1]
            out[ok] += self.w_quote * (s_need * (1.0 - t[:, 1]) + t[:, 0] * (1.0 - s_have))
        sb, tb = self.src.bound, self.tgt.bound
        if self.w_bound and sb is not None and tb is not None:
            out[ok] -= self.w_bound * (tb[cols[ok]] @ sb[i]).astype(np.float64)
        return out

    def skip_cost(self, q: float, rng: np.random.Generator, samples: int = 5000) -> float:
        """The cost of one unpaired sentence (a 1-0 or 0-1 bead): the q-quantile of the costs of
        random 1-1 pairs (Vecalign's knob); at least 0 for tiny documents (fewer than 100
        sentence pairs)."""
        n, m = self.src.n, self.tgt.n
        if n == 0 or m == 0:
            return 1.0
        k = min(samples, n * m)
        si = rng.integers(0, n, k)
        tj = rng.integers(0, m, k)
        xs, ys = self.src.vecs[0, si], self.tgt.vecs[0, tj]
        cos = np.einsum("ij,ij->i", xs, ys).astype(np.float64)
        lr = self.log_s[0, si] - self.log_t[0, tj]
        matched = np.einsum("ij,ij->i", self.src.anchors[0, si], self.tgt.anchors[0, tj])
        unmatched = self.n_anchor_s[0, si] + self.n_anchor_t[0, tj] - 2 * matched
        ev = {"cos": cos, "lenlr": lr, "matched": matched, "unmatched": unmatched}
        if self.w_lex:
            x, y = self.src.lex[0][si], self.tgt.lex[0][tj]
            both = x * y if isinstance(x, np.ndarray) else x.multiply(y)  # dense or CSR
            shared = np.asarray(both.sum(axis=1)).ravel()
            ev["lex"] = _dice(shared, self.src.lex_n[0, si] + self.tgt.lex_n[0, tj])
        c = self.cost_of(1, 1, ev)
        skip = float(np.quantile(c, q))
        # Below ~100 sentence pairs the "random" pairs are mostly the true ones, so their quantile
        # says nothing about chance: then a pair is kept whenever its score is positive.
        return max(skip, 0.0) if n * m < 100 else skip
