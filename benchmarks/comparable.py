"""A BUCC-style comparable corpus made from parallel text with gold (or silver) beads.

BUCC 2017 built its shared task by hiding parallel sentences in monolingual corpora. We do the
same at document scale: from each parallel document keep a random part of its English and of its
Chinese sentences (so many English sentences lose their translation and vice versa), insert
distractor sentences from other documents, optionally shuffle each side, add whole comparable
articles on the same subject as documents of their own, and keep as gold the 1-1 beads whose
two sentences both survive, wherever they ended up.

Two kinds of hard distractors come from the parallel text itself, because the real failure of
mining is not an unrelated sentence but a related one that says more or less than its partner:

* **containment**: for a share (``contain``) of the surviving 1-1 beads one side is replaced by
  that sentence joined with its neighbour in the same document (whose translation is dropped),
  or cut to its longer half at a clause boundary; the pair it forms with the other side is
  *wrong* (one side has content the other lacks), as a translator would judge it;
* **partial beads**: a candidate that joins two sentences of one many-to-one bead (one side of a
  1-2 bead) is *wrong* too, for the same reason (``strict``; otherwise it is not judged).

Sentences of the whole comparable articles (``extra``) are never judged against each other
(``label`` -1): a file's summary paraphrases, and sometimes translates, its own article.

Sources: MAC-Dev's six chapters with their gold ladders (``macdev_sources``), and the seeds'
translated files 000 and 003 with the aligner's beads as silver (``seed_sources``), each of which
the benchmark cuts in halves (``halves``) so that both news styles are on each side of a split.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MACDEV = ROOT / "tests" / "mac-dev"
SEEDS = ROOT / "examples" / "rare-earths"


@dataclass(frozen=True)
class Source:
    """One parallel document: its sentences and its beads (English ids, Chinese ids), nulls left out."""

    name: str
    en: tuple[str, ...]
    zh: tuple[str, ...]
    beads: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]


@dataclass(frozen=True)
class Comparable:
    """The corpus: every English and Chinese sentence with its document, position and bead key."""

    en: list[str]
    zh: list[str]
    en_doc: np.ndarray  # (n,) int64
    zh_doc: np.ndarray
    en_pos: np.ndarray  # position in its document's stream
    zh_pos: np.ndarray
    en_key: np.ndarray  # global bead id of the sentence, -1 for none (a null bead, a joined or cut sentence)
    zh_key: np.ndarray
    one_one: np.ndarray  # (beads,) bool: is bead k 1-1
    judged: np.ndarray  # (beads,) bool: is a pair inside bead k judged (False: an extra file's sentences)
    n_gold: int  # 1-1 beads with both sentences present
    en_contain: np.ndarray  # (n,) bool: a joined or cut sentence (a containment distractor)
    zh_contain: np.ndarray

    def labels(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """1 = a gold pair, 0 = wrong, -1 = not judged (two sentences of one extra file)."""
        ki, kj = self.en_key[i], self.zh_key[j]
        same = (ki == kj) & (ki >= 0)
        out = np.zeros(len(i), np.int64)
        out[same] = np.where(self.one_one[ki[same]], 1, np.where(self.judged[ki[same]], 0, -1))
        return out

    def containment(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """(c,) bool: the candidate has a joined or cut sentence on one side."""
        return self.en_contain[i] | self.zh_contain[j]


def macdev_sources(names: Sequence[str] = ("001", "002", "003", "004", "005", "006")) -> list[Source]:
    """MAC-Dev chapters: src = Chinese, tgt = English, gold ``[zh]:[en]`` beads."""
    from termalign.align.beads import parse_beads

    out = []
    for n in names:
        zh = tuple((MACDEV / "src" / n).read_text("utf-8").splitlines())
        en = tuple((MACDEV / "tgt" / n).read_text("utf-8").splitlines())
        gold = parse_beads((MACDEV / "gold" / f"{n}.align").read_text("utf-8"))
        beads = tuple((tuple(b.tgt), tuple(b.src)) for b in gold if b.src and b.tgt)
        out.append(Source(f"mac-{n}", en, zh, beads))
    return out


def seed_sources(enc, names: Sequence[str] = ("000", "003"), min_score: float = 0.5) -> list[Source]:
    """The seeds' translated files, silver beads from the aligner (beads scored >= ``min_score``)."""
    from termalign.align.pipeline import align_document
    from termalign.text.segment import read_document

    out = []
    for n in names:
        path = next(SEEDS.glob(f"{n}_*.txt"))
        doc = read_document(path)
        al = align_document(doc, enc)
        beads = tuple((tuple(b.src), tuple(b.tgt)) for b in al.beads if b.src and b.tgt and b.score >= min_score)
        out.append(Source(f"seed-{n}", tuple(al.src), tuple(al.tgt), beads))
    return out


def halves(s: Source) -> tuple[Source, Source]:
    """``s`` cut in two where half its beads are behind: (first part ``name``-a, second ``name``-b),
    each with its own sentences (the sentences of a part's beads and the unpaired ones among them)."""
    beads = sorted(s.beads, key=lambda b: (min(b[0]), min(b[1])))
    mid = len(beads) // 2
    e_cut, z_cut = min(beads[mid][0]), min(beads[mid][1])
    out = []
    for tag, keep_e, keep_z in (
        ("a", lambda e: e < e_cut, lambda z: z < z_cut),
        ("b", lambda e: e >= e_cut, lambda z: z >= z_cut),
    ):
        en_ids = [e for e in range(len(s.en)) if keep_e(e)]
        zh_ids = [z for z in range(len(s.zh)) if keep_z(z)]
        e_new, z_new = {e: k for k, e in enumerate(en_ids)}, {z: k for k, z in enumerate(zh_ids)}
        part = tuple(
            (tuple(e_new[e] for e in be), tuple(z_new[z] for z in bz))
            for be, bz in beads
            if all(e in e_new for e in be) and all(z in z_new for z in bz)
        )
        out.append(Source(f"{s.name}{tag}", tuple(s.en[e] for e in en_ids), tuple(s.zh[z] for z in zh_ids), part))
    return out[0], out[1]


def news_pool(names: Sequence[str] = ("001", "002", "004")) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Topical distractors: every prose sentence of the seeds that are not translations (001: a
    Chinese article; 002: an English article with a Chinese summary; 004: Chinese headlines with
    English summaries), each as (text, file). All are about the same events as seeds 000 and 003,
    which is what makes comparable news hard: similar, but not translations. Two sentences of the
    same file are never judged (002's summary paraphrases its article)."""
    from termalign.text.segment import read_document

    en: list[tuple[str, str]] = []
    zh: list[tuple[str, str]] = []
    for n in names:
        d = read_document(next(SEEDS.glob(f"{n}_*.txt")))
        en += [(t, n) for t in d.sentences("en")]
        zh += [(t, n) for t in d.sentences("zh")]
    return en, zh


_CLAUSE = {"en": re.compile(r"[,;:]\s+"), "zh": re.compile(r"[,;:，；：]")}


def cut_clause(text: str, lang: str) -> str | None:
    """``text`` cut at the clause boundary nearest its middle, the longer part kept; None when no
    boundary leaves between 35 % and 75 % of its characters (then the cut would be a near copy or
    a fragment)."""
    n = len(text)
    best = None
    for m in _CLAUSE[lang].finditer(text):
        head, tail = text[: m.start()].strip(), text[m.end() :].strip()
        part = head if len(head) >= len(tail) else tail
        if 0.35 * n <= len(part) <= 0.75 * n and (best is None or len(part) < len(best)):
            best = part
    return best


_PHRASE = {"en": re.compile(r"[,;:]\s*"), "zh": re.compile(r"[,;:，；：、]")}
_ASIDE = re.compile(r"\s*[（(][^（）()]+[）)]")


def drop_phrase(text: str, lang: str, rng: np.random.Generator) -> str | None:
    """``text`` without one of its phrases between clause or bracket marks that holds 8-25 % of its
    characters, as a summary or a translator drops a name, an aside or a short phrase; None when it
    has none. The pair stays a translation (the module's hand-label rule: a side that lacks a whole
    clause is loose; a short omission is allowed)."""
    n = len(text)
    asides = [m for m in _ASIDE.finditer(text) if 0.08 * n <= len(m.group()) <= 0.25 * n]
    if asides and rng.random() < 0.5:
        m = asides[int(rng.integers(len(asides)))]
        return text[: m.start()] + text[m.end() :]
    core = text.rstrip().rstrip(".!?。！？”\"'")
    end = text.rstrip()[len(core) :]  # the sentence's final marks stay
    marks = [0] + [m.end() for m in _PHRASE[lang].finditer(core)] + [len(core)]
    spans = [(a, b) for a, b in zip(marks, marks[1:]) if 0.08 * n <= len(core[a:b].strip()) <= 0.25 * n]
    if not spans:
        return None
    a, b = spans[int(rng.integers(len(spans)))]
    kept = (core[:a].rstrip() + (" " if lang == "en" and a and b < len(core) else "") + core[b:].lstrip()).strip()
    kept = kept.rstrip(",;:，；：、 (（").lstrip(",;:，；：、 )）")
    return kept + end if kept and kept + end != text else None


def join_text(a: str, b: str, lang: str) -> str:
    return f"{a} {b}" if lang == "en" else a + b


def _containment(
    sources: Sequence[Source], kept: list[tuple[np.ndarray, np.ndarray]], rng: np.random.Generator, share: float
) -> dict[tuple[int, str, int], str]:
    """For a ``share`` of the 1-1 beads whose two sentences survive: one side's new text, the
    sentence joined with a dropped neighbour (which is then used up: marked kept so it is no
    distractor elsewhere, but never placed) or cut at a clause (:func:`cut_clause`).
    Returns {(source, lang, sentence index): new text}; ``kept`` masks are updated in place."""
    out: dict[tuple[int, str, int], str] = {}
    for d, s, e, z in _drawn_one_one(sources, kept, rng, share):
        ke, kz = kept[d]
        lang = "en" if rng.random() < 0.5 else "zh"
        text, mask, x = (s.en, ke, e) if lang == "en" else (s.zh, kz, z)
        joins = [y for y in (x - 1, x + 1) if 0 <= y < len(text) and not mask[y]]
        cut = cut_clause(text[x], lang)
        if joins and (cut is None or rng.random() < 0.5):
            y = joins[int(rng.integers(len(joins)))]
            out[(d, lang, x)] = join_text(text[min(x, y)], text[max(x, y)], lang)
            mask[y] = True  # used up
            out[(d, lang, y)] = ""  # ... and never placed
        elif cut is not None:
            out[(d, lang, x)] = cut
    return out


def _drawn_one_one(
    sources: Sequence[Source], kept: list[tuple[np.ndarray, np.ndarray]], rng: np.random.Generator, share: float
) -> Iterator[tuple[int, Source, int, int]]:
    """(document, source, English id, Chinese id) of the 1-1 beads whose two sentences survive, each drawn
    with probability ``share`` (one draw per surviving bead, in bead order)."""
    for d, s in enumerate(sources):
        ke, kz = kept[d]
        for e_ids, z_ids in s.beads:
            if len(e_ids) != 1 or len(z_ids) != 1 or not (ke[e_ids[0]] and kz[z_ids[0]]) or rng.random() >= share:
                continue
            yield d, s, e_ids[0], z_ids[0]


def _drops(
    sources: Sequence[Source],
    kept: list[tuple[np.ndarray, np.ndarray]],
    rng: np.random.Generator,
    share: float,
    taken: dict[tuple[int, str, int], str],
) -> dict[tuple[int, str, int], str]:
    """For a ``share`` of the surviving 1-1 beads that no containment took: one side's text without a
    short phrase (:func:`drop_phrase`), still the bead's gold pair. {(source, lang, sentence index): text}."""
    out: dict[tuple[int, str, int], str] = {}
    for d, s, e, z in _drawn_one_one(sources, kept, rng, share):
        if (d, "en", e) in taken or (d, "zh", z) in taken:
            continue
        lang = "en" if rng.random() < 0.5 else "zh"
        x = e if lang == "en" else z
        new = drop_phrase((s.en if lang == "en" else s.zh)[x], lang, rng)
        if new is not None:
            out[(d, lang, x)] = new
    return out


def make_comparable(
    sources: Sequence[Source],
    rng: np.random.Generator,
    keep: float = 0.5,
    distract: float = 0.3,
    shuffle: bool = False,
    extra: tuple[Sequence[tuple[str, str]], Sequence[tuple[str, str]]] = ((), ()),
    contain: float = 0.0,
    strict: bool = True,
    drop: float = 0.0,
) -> Comparable:
    """One comparable corpus, one document per source (see the module docstring).

    Each sentence survives with probability ``keep``; each side then receives ``distract`` times
    its surviving count in distractors: dropped sentences of *other* sources (each used once), at
    random places. ``shuffle`` permutes each side; otherwise the survivors keep their order.
    ``contain``: the share of surviving 1-1 beads turned into containment distractors (one side
    joined with a neighbour or cut at a clause). ``drop``: the share of the other surviving 1-1 beads
    whose one side loses a short phrase (:func:`drop_phrase`) and stays gold. ``strict``: a pair inside a many-to-one bead is
    wrong (else not judged). The ``extra`` (English, Chinese) sentences, each ``(text, file)``
    (:func:`news_pool`), become documents of their own, one per file, as comparable articles are
    in a store.
    """
    key_en: dict[tuple[int, int], int] = {}
    key_zh: dict[tuple[int, int], int] = {}
    one_one: list[bool] = []
    for s_id, s in enumerate(sources):
        for e_ids, z_ids in s.beads:
            k = len(one_one)
            one_one.append(len(e_ids) == 1 and len(z_ids) == 1)
            for e in e_ids:
                key_en[(s_id, e)] = k
            for z in z_ids:
                key_zh[(s_id, z)] = k
    judged = [strict or oo for oo in one_one]
    kept = [(rng.random(len(s.en)) < keep, rng.random(len(s.zh)) < keep) for s in sources]
    altered = _containment(sources, kept, rng, contain) if contain > 0 else {}
    dropped_text = _drops(sources, kept, rng, drop, altered) if drop > 0 else {}
    dropped_en = [(s_id, i) for s_id, (ke, _) in enumerate(kept) for i in np.flatnonzero(~ke)]
    dropped_zh = [(s_id, j) for s_id, (_, kz) in enumerate(kept) for j in np.flatnonzero(~kz)]
    rng.shuffle(dropped_en), rng.shuffle(dropped_zh)

    Item = tuple[str, int, bool]  # text, bead key, containment distractor
    docs: list[tuple[list[Item], list[Item]]] = []
    for d, s in enumerate(sources):
        sides = []
        for lang, text, keepmask, dropped, keys in (
            ("en", s.en, kept[d][0], dropped_en, key_en),
            ("zh", s.zh, kept[d][1], dropped_zh, key_zh),
        ):
            items: list[Item] = []
            for i in np.flatnonzero(keepmask):
                new = altered.get((d, lang, int(i)))
                if new is None:
                    shown = dropped_text.get((d, lang, int(i)), text[i])  # a short omission keeps the bead
                    items.append((shown, keys.get((d, i), -1), False))
                elif new:
                    items.append((new, -1, True))
            want = int(round(distract * len(items)))
            adds: list[Item] = []
            while dropped and len(adds) < want:
                src_id, x = dropped.pop()
                if src_id == d:
                    continue  # a sentence dropped from this very document is no distractor
                other = sources[src_id]
                adds.append((other.en[x] if lang == "en" else other.zh[x], keys.get((src_id, x), -1), False))
            for a in adds:
                items.insert(int(rng.integers(0, len(items) + 1)), a)
            sides.append(items)
        docs.append((sides[0], sides[1]))
    groups: dict[str, tuple[list, list]] = {}
    for side, items_ in enumerate(extra):
        for t, g in items_:
            if g not in groups:
                groups[g] = ([], [])
            groups[g][side].append(t)
    for en_t, zh_t in groups.values():
        k = len(one_one)
        one_one.append(False)
        judged.append(False)  # two sentences of one extra file are not judged
        docs.append(([(t, k, False) for t in en_t], [(t, k, False) for t in zh_t]))

    cols: dict[str, list] = {
        x: [] for x in ("en", "zh", "en_doc", "zh_doc", "en_pos", "zh_pos", "en_key", "zh_key", "en_c", "zh_c")
    }
    for d, (en_items, zh_items) in enumerate(docs):
        for lang, side_items in (("en", en_items), ("zh", zh_items)):
            if shuffle:
                side_items = [side_items[k] for k in rng.permutation(len(side_items))]
            cols[lang].extend(t for t, _, _ in side_items)
            cols[f"{lang}_doc"].extend([d] * len(side_items))
            cols[f"{lang}_pos"].extend(range(len(side_items)))
            cols[f"{lang}_key"].extend(k for _, k, _ in side_items)
            cols[f"{lang}_c"].extend(c for _, _, c in side_items)
    en_key, zh_key = np.array(cols["en_key"], np.int64), np.array(cols["zh_key"], np.int64)
    oo = np.array(one_one, bool)
    present = set(en_key[en_key >= 0].tolist()) & set(zh_key[zh_key >= 0].tolist())
    n_gold = sum(1 for k in present if oo[k])
    return Comparable(
        cols["en"],
        cols["zh"],
        np.array(cols["en_doc"], np.int64),
        np.array(cols["zh_doc"], np.int64),
        np.array(cols["en_pos"], np.int64),
        np.array(cols["zh_pos"], np.int64),
        en_key,
        zh_key,
        oo,
        np.array(judged, bool),
        n_gold,
        np.array(cols["en_c"], bool),
        np.array(cols["zh_c"], bool),
    )
