"""The similarity floor of "similar sentences": cosines of right and of unrelated query/pair matches.

    python benchmarks/bench_similar_floor.py --store STORE      # STORE: `termalign build examples/rare-earths`

Right matches: each glossary entry of confidence >= 0.7 asked by its English and its Chinese form;
of its 10 nearest pairs (what `search` would list), those that contain a form of the term on
either side. Unrelated matches: queries cut from MAC-Dev (tests/mac-dev: literary fiction, nothing
about rare earths or trade) -- 2-word English spans, jieba words of 2+ Han characters, and whole
sentences, 20 of each kind per chapter and language -- and their 10 nearest pairs in the store.

The floor is picked on the tuning half only (entries with an even rank; MAC-Dev chapters 001-003):
the smallest cosine, in steps of 0.01, that at most ``--false-rate`` of the unrelated matches
reach. It is then reported on the held-apart half (odd ranks; chapters 004-006). Accuracy only;
no timings.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MACDEV = ROOT / "tests" / "mac-dev"
TUNE_CHAPTERS, HELD_CHAPTERS = ("001", "002", "003"), ("004", "005", "006")


def unrelated_queries(chapters, per_kind: int = 20, seed: int = 0) -> list[str]:
    """Short and sentence-long queries cut from MAC-Dev chapters (both languages)."""
    import jieba

    rng = random.Random(seed)
    out: list[str] = []
    for ch in chapters:
        en = [line for line in (MACDEV / "tgt" / ch).read_text(encoding="utf-8").splitlines() if line.strip()]
        zh = [line for line in (MACDEV / "src" / ch).read_text(encoding="utf-8").splitlines() if line.strip()]
        out += rng.sample(en, per_kind) + rng.sample(zh, per_kind)
        for line in rng.sample(en, per_kind):
            words = re.findall(r"[A-Za-z]{4,}", line)
            if len(words) >= 2:
                i = rng.randrange(len(words) - 1)
                out.append(" ".join(words[i : i + 2]))
        for line in rng.sample(zh, per_kind):
            words = [w for w in jieba.lcut(line) if len(w) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w)]
            if words:
                out.append(rng.choice(words))
    return out


def right_and_wrong(store, enc, parity: int, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Cosines of the top-k pairs of the term queries of one half: (containing the term, not)."""
    from termalign.corpus.store import norm_text

    ids, vecs = store.pair_vectors()
    texts = [(norm_text(h.en), norm_text(h.zh)) for h in store.pair_hits(ids.tolist())]
    entries = [e for e in store.all_terms() if e.confidence >= 0.7][parity::2]
    queries = [(q, e) for e in entries for q in (e.en, e.zh)]
    sims = enc.encode([q for q, _ in queries]) @ vecs.T
    right, wrong = [], []
    for row, (_, e) in zip(sims, queries):
        en_forms = {norm_text(x) for x in (e.en, *e.en_variants)} - {""}
        zh_forms = {norm_text(x) for x in (e.zh, *e.zh_variants)} - {""}
        for j in np.argsort(-row)[:k]:
            en, zh = texts[j]
            hit = any(f in en for f in en_forms) or any(f in zh for f in zh_forms)
            (right if hit else wrong).append(float(row[j]))
    return np.asarray(right), np.asarray(wrong)


def unrelated(store, enc, chapters, k: int = 10) -> np.ndarray:
    _, vecs = store.pair_vectors()
    sims = enc.encode(unrelated_queries(chapters)) @ vecs.T
    return np.sort(sims, axis=1)[:, -k:].ravel()


def pick_floor(unrelated_sims: np.ndarray, false_rate: float) -> float:
    for floor in np.arange(0.0, 1.0, 0.01):
        if np.mean(unrelated_sims >= floor) <= false_rate:
            return round(float(floor), 2)
    return 1.0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--false-rate", type=float, default=0.05, help="share of unrelated matches allowed above the floor")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from termalign.corpus.search import SIMILAR_FLOOR, load_store_encoder
    from termalign.corpus.store import Store

    with Store.open(args.store, readonly=True) as store:
        enc = load_store_encoder(store)
        tune_right, _ = right_and_wrong(store, enc, 0)
        held_right, held_wrong = right_and_wrong(store, enc, 1)
        tune_unrel = unrelated(store, enc, TUNE_CHAPTERS)
        held_unrel = unrelated(store, enc, HELD_CHAPTERS)
    floor = pick_floor(tune_unrel, args.false_rate)
    pct = lambda a: " / ".join(f"{x:.3f}" for x in np.percentile(a, [10, 50, 90]))  # noqa: E731
    print("| half | matches | n | cosine p10 / p50 / p90 |")
    print("|---|---|---:|---|")
    print(f"| tune | right (term in pair) | {len(tune_right)} | {pct(tune_right)} |")
    print(f"| tune | unrelated (MAC-Dev query) | {len(tune_unrel)} | {pct(tune_unrel)} |")
    print(f"| held apart | right (term in pair) | {len(held_right)} | {pct(held_right)} |")
    print(f"| held apart | top-10 without the term | {len(held_wrong)} | {pct(held_wrong)} |")
    print(f"| held apart | unrelated (MAC-Dev query) | {len(held_unrel)} | {pct(held_unrel)} |")
    print()
    print(f"floor picked on the tuning half (unrelated at or above it <= {args.false_rate:.0%}): {floor:.2f}")
    for name, f in (("picked", floor), ("shipped SIMILAR_FLOOR", SIMILAR_FLOOR)):
        print(
            f"held apart at the {name} floor {f:.2f}: unrelated shown {np.mean(held_unrel >= f):.1%}, "
            f"right kept {np.mean(held_right >= f):.1%}, top-10 pairs without the term kept {np.mean(held_wrong >= f):.1%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
