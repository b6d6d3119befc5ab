"""A BUCC-style comparable corpus made from parallel text with gold (or silver) beads.

BUCC 2017 built its shared task by hiding parallel sentences in monolingual corpora. We do the
same at document scale: from each parallel document keep a random part of its English and of its
Chinese sentences (so many English sentences lose their translation and vice versa), insert
distractor sentences from other documents, optionally shuffle each side, add whole comparable
articles on the same subject as documents of their own, and keep as gold the 1-1 beads whose
two sentences both survive, wherever they ended up. A candidate pair that joins
two sentences of the same many-to-one bead is neither right nor wrong (``label`` -1): mining
only proposes 1-1 pairs, and such a pair is a partial translation.

Sources: MAC-Dev's six chapters with their gold ladders (``macdev_sources``), and the seeds'
translated files 000 and 003 with the aligner's beads as silver (``seed_sources``).
"""

from __future__ import annotations

from collections.abc import Sequence
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
    en_key: np.ndarray  # global bead id of the sentence, -1 for none (a null bead)
    zh_key: np.ndarray
    one_one: np.ndarray  # (beads,) bool: is bead k 1-1
    n_gold: int  # 1-1 beads with both sentences present

    def labels(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """1 = a gold pair, 0 = wrong, -1 = two sentences of one many-to-one bead (not counted)."""
        ki, kj = self.en_key[i], self.zh_key[j]
        same = (ki == kj) & (ki >= 0)
        out = np.zeros(len(i), np.int64)
        out[same] = np.where(self.one_one[ki[same]], 1, -1)
        return out


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


def make_comparable(
    sources: Sequence[Source],
    rng: np.random.Generator,
    keep: float = 0.5,
    distract: float = 0.3,
    shuffle: bool = False,
    extra: tuple[Sequence[tuple[str, str]], Sequence[tuple[str, str]]] = ((), ()),
) -> Comparable:
    """One comparable corpus, one document per source (see the module docstring).

    Each sentence survives with probability ``keep``; each side then receives ``distract`` times
    its surviving count in distractors: dropped sentences of *other* sources (each used once), at
    random places. ``shuffle`` permutes each side; otherwise the survivors keep their order.
    The ``extra`` (English, Chinese) sentences, each ``(text, file)`` (:func:`news_pool`), become
    documents of their own, one per file, as comparable articles are in a store.
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
    kept = [(rng.random(len(s.en)) < keep, rng.random(len(s.zh)) < keep) for s in sources]
    dropped_en = [(s_id, i) for s_id, (ke, _) in enumerate(kept) for i in np.flatnonzero(~ke)]
    dropped_zh = [(s_id, j) for s_id, (_, kz) in enumerate(kept) for j in np.flatnonzero(~kz)]
    rng.shuffle(dropped_en), rng.shuffle(dropped_zh)

    docs: list[tuple[list[tuple[str, int]], list[tuple[str, int]]]] = []
    for d, s in enumerate(sources):
        sides = []
        for lang, text, keepmask, dropped, keys in (
            ("en", s.en, kept[d][0], dropped_en, key_en),
            ("zh", s.zh, kept[d][1], dropped_zh, key_zh),
        ):
            items = [(text[i], keys.get((d, i), -1)) for i in np.flatnonzero(keepmask)]
            want = int(round(distract * len(items)))
            adds = []
            while dropped and len(adds) < want:
                src_id, x = dropped.pop()
                if src_id == d:
                    continue  # a sentence dropped from this very document is no distractor
                other = sources[src_id]
                adds.append((other.en[x] if lang == "en" else other.zh[x], keys.get((src_id, x), -1)))
            for a in adds:
                items.insert(int(rng.integers(0, len(items) + 1)), a)
            sides.append(items)
        docs.append((sides[0], sides[1]))
    groups: dict[str, tuple[list, list]] = {}
    for side, items in enumerate(extra):
        for t, g in items:
            if g not in groups:
                groups[g] = ([], [])
            groups[g][side].append(t)
    for en_t, zh_t in groups.values():
        k = len(one_one)
        one_one.append(False)  # two sentences of one extra file are not judged
        docs.append(([(t, k) for t in en_t], [(t, k) for t in zh_t]))

    cols: dict[str, list] = {x: [] for x in ("en", "zh", "en_doc", "zh_doc", "en_pos", "zh_pos", "en_key", "zh_key")}
    for d, (en_items, zh_items) in enumerate(docs):
        for lang, items in (("en", en_items), ("zh", zh_items)):
            if shuffle:
                items = [items[k] for k in rng.permutation(len(items))]
            cols[lang].extend(t for t, _ in items)
            cols[f"{lang}_doc"].extend([d] * len(items))
            cols[f"{lang}_pos"].extend(range(len(items)))
            cols[f"{lang}_key"].extend(k for _, k in items)
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
        n_gold,
    )
