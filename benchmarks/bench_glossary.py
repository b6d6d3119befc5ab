"""Glossary: term mining at scale, the confidence fit, and the seed pairs the tests use.

    python benchmarks/bench_glossary.py                      # 1x and 100x the example store's pairs
    python benchmarks/bench_glossary.py --scale 100 --store DIR
    python benchmarks/bench_glossary.py --fit                # refit WEIGHTS on the hand-judged pairs
    python benchmarks/bench_glossary.py --dump-pairs         # rewrite tests/data/rare_earths_pairs.jsonl

Scale: the example store (examples/rare-earths, built once here unless --store is given) holds
136 sentence pairs. The N-times corpus is synthesised from them, not built: copy k of pair i
keeps its text and gets " (k)" appended on both sides, so every copy is a distinct string
(no cache hit in the segmenters) while the counts are exactly k times the seeds'. The
vocabulary stays the seeds' vocabulary, so the joint table is smaller than a real corpus of
that size would give; the encoder step is capped at ``GlossaryParams.max_encode`` strings.
Timed: ``build_glossary`` (segmenting, counting, features, the encoder, linking, examples);
peak RSS is the process's ``ru_maxrss`` after it (it includes the loaded encoder; the line
before it says how much that was).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEEDS = ROOT / "examples" / "rare-earths"
LABELS = ROOT / "tests" / "data" / "glossary_dev_labels.tsv"
PAIRS = ROOT / "tests" / "data" / "rare_earths_pairs.jsonl"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed_pairs():
    from termalign.glossary.entries import SentencePair

    with open(PAIRS, encoding="utf-8") as f:
        return [SentencePair(**json.loads(line)) for line in f]


def store_pairs(store_dir: str | None, enc):
    from termalign.corpus.build import build
    from termalign.corpus.store import Store

    if store_dir is None:
        store_dir = tempfile.mkdtemp(prefix="termalign-bench-")
        with Store.open(store_dir) as store:
            build([SEEDS], store, enc, glossary=False)
    with Store.open(store_dir, readonly=True) as store:
        return store.pair_texts()


def synthesise(pairs, n: int):
    from dataclasses import replace

    return [replace(p, en=f"{p.en} ({k})", zh=f"{p.zh}({k})") for k in range(n) for p in pairs]


def bench(args) -> None:
    from termalign.glossary.pairing import build_glossary
    from termalign.models import load_encoder

    enc = load_encoder("usem3")
    enc.encode(["warm up"])
    base = store_pairs(args.store, enc)
    print(f"encoder loaded, store pairs read: peak RSS {rss_mb():.0f} MB")
    for n in [1, args.scale] if args.scale != 1 else [1]:
        pairs = synthesise(base, n)
        chars = sum(len(p.en) + len(p.zh) for p in pairs)
        t = time.perf_counter()
        entries = build_glossary(pairs, enc)
        dt = time.perf_counter() - t
        print(
            f"{n:>4}x: {len(pairs):>6} pairs, {chars / 1e6:.2f} M chars -> {len(entries)} entries "
            f"in {dt:.1f} s ({len(pairs) / dt:.0f} pairs/s); peak RSS {rss_mb():.0f} MB"
        )


# ---------------------------------------------------------------- the confidence fit


def read_labels():
    out = {}
    with open(LABELS, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or line.startswith("zh\t"):
                continue
            z, e, y = line.rstrip("\n").split("\t")
            out[(z, e)] = int(y)
    return out


def fit(args) -> None:
    """Refit WEIGHTS on the hand-judged pairs: features from candidate_features on the seed pairs."""
    from termalign.glossary.pairing import FEATURES, GlossaryParams, candidate_features, confidence, fit_weights
    from termalign.models import load_encoder

    labels = read_labels()
    c, rows, x = candidate_features(seed_pairs(), load_encoder("usem3"), GlossaryParams())
    index = {(c.zh[c.zi[r]], c.en[c.ei[r]]): k for k, r in enumerate(rows)}
    found = [(index[key], y) for key, y in labels.items() if key in index]
    missing = [key for key in labels if key not in index]
    X = x[[k for k, _ in found]]
    y = np.array([v for _, v in found], float)
    print(
        f"{len(labels)} labels, {len(found)} among the scored candidates ({int(y.sum())} positive); "
        f"not scored: {missing}"
    )
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    losses, accs = [], []
    for fold in range(3):  # 3-fold cross-validation
        test = order[fold::3]
        train = np.setdiff1d(order, test)
        w = fit_weights(X[train], y[train], l2=args.l2)
        p = np.clip(confidence(X[test], w), 1e-6, 1 - 1e-6)
        losses.append(float(-np.mean(y[test] * np.log(p) + (1 - y[test]) * np.log(1 - p))))
        accs.append(float(np.mean((p >= 0.5) == y[test])))
    w = fit_weights(X, y, l2=args.l2)
    print(f"3-fold held-out log-loss {np.mean(losses):.3f}, accuracy {np.mean(accs):.3f}")
    print("WEIGHTS = (" + ", ".join(f"{v:.3f}" for v in w) + ")  # " + " ".join(FEATURES))
    p = confidence(X, w)
    for lo, hi in [(0, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01)]:
        m = (p >= lo) & (p < hi)
        if m.any():
            print(
                f"  confidence [{lo:.1f}, {min(hi, 1):.1f}): {m.sum():>3} pairs, mean {p[m].mean():.2f}, "
                f"share correct {y[m].mean():.2f}"
            )


def dump_pairs(args) -> None:
    """Align every seed file with align_document and write its non-null pairs (the tests' fixture)."""
    from termalign.align.beads import join_text
    from termalign.align.pipeline import align_document
    from termalign.align.segment import read_document
    from termalign.models import load_encoder

    enc = load_encoder("usem3")
    rows = []
    for path in sorted(SEEDS.glob("*.txt")):
        doc = read_document(path)
        if not (doc.has_lang("en") and doc.has_lang("zh")):
            continue
        al = align_document(doc, enc)
        en, zh = doc.sentences("en"), doc.sentences("zh")
        for b in al.beads:
            if b.src and b.tgt:
                rows.append(
                    {
                        "en": join_text([en[i] for i in b.src], "en"),
                        "zh": join_text([zh[j] for j in b.tgt], "zh"),
                        "score": round(float(b.score), 4),
                        "doc": path.name,
                    }
                )
    with open(args.out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} pairs -> {args.out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=100)
    ap.add_argument("--store", help="an existing store of examples/rare-earths (else one is built in /tmp)")
    ap.add_argument("--fit", action="store_true")
    ap.add_argument("--l2", type=float, default=0.3)
    ap.add_argument("--dump-pairs", action="store_true")
    ap.add_argument("--out", default=str(PAIRS))
    args = ap.parse_args()
    if args.fit:
        fit(args)
    elif args.dump_pairs:
        dump_pairs(args)
    else:
        bench(args)


if __name__ == "__main__":
    main()
