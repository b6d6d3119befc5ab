"""Start-up of a fresh ``termalign`` process: cold (empty cache folder) and warm; CPU and wall.

    python benchmarks/bench_startup.py [--runs 5] [--store DIR]

Commands timed, each in a new process (what a job that runs ``termalign`` once per file pays):

* ``align two.txt``: one English and one Chinese line (tokenizer, dictionaries, model, aligner);
* ``search 稀土 --no-similar``: a term lookup, no model;
* ``search <new query>``: a meaning search whose query is new each run (not in the vector cache).

"cold" runs with an empty ``TERMALIGN_CACHE`` folder each time (parsed tables and vectors
missing: the tokenizer, jieba's and CC-CEDICT's tables are parsed and written); "warm" runs with
a folder those tables are already in (the state of every run after the first). The operating
system's file cache is warm in both. CPU is user + system time of the child process. Without
``--store`` a store is built first from examples/rare-earths (not timed). Run it on an otherwise
idle machine: wall times measure the neighbours too.

Children run without ``PYTHONDONTWRITEBYTECODE`` (an installed package has its bytecode compiled;
with the variable set every process compiles termalign's modules again) and each command runs
once untimed before its rows.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "examples" / "rare-earths"
QUERIES = [
    "export controls on gallium",
    "price of neodymium magnets",
    "rare earth refining capacity",
    "China's share of global mining",
    "tariffs on electric vehicles",
    "magnet factories in Vietnam",
    "supply chain of heavy rare earths",
    "licensing rules for exporters",
]


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall s, CPU s) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--store", type=Path, help="an existing store (default: build one from the seeds)")
    a = ap.parse_args()
    exe = [sys.executable, "-m", "termalign.app.cli"]
    work = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    try:
        two = work / "two.txt"
        two.write_text("The rare earth magnets are made in China.\n稀土磁铁是在中国制造的。\n", encoding="utf-8")
        warm_cache = work / "warm-cache"
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        base = dict(env, TERMALIGN_CACHE=str(warm_cache))
        store = a.store
        if store is None:
            store = work / "store"
            subprocess.run([*exe, "build", str(SEEDS), "--store", str(store), "--quiet"], env=base, check=True)
        subprocess.run([*exe, "align", str(two)], env=base, check=True, stdout=subprocess.DEVNULL)
        commands = {
            "align two.txt": lambda i: [*exe, "align", str(two)],
            "search --no-similar": lambda i: [*exe, "search", "稀土", "--no-similar", "--store", str(store)],
            "search, new query": lambda i: [*exe, "search", f"{QUERIES[i % len(QUERIES)]} {i}", "--store", str(store)],
        }
        print(f"machine: {os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}; runs {a.runs}; median of the runs\n")
        print("| command | cold wall s | cold CPU s | warm wall s | warm CPU s |")
        print("|---|---:|---:|---:|---:|")
        for name, cmd in commands.items():
            cold, warm = [], []
            timed(cmd(2 * a.runs), base)  # untimed: bytecode written, the warm cache complete
            for i in range(a.runs):
                cache = work / f"cold-{i}"
                cold.append(timed(cmd(i), dict(env, TERMALIGN_CACHE=str(cache))))
                shutil.rmtree(cache, ignore_errors=True)
                warm.append(timed(cmd(i + a.runs), base))
            med = lambda xs, k: statistics.median(x[k] for x in xs)  # noqa: E731
            print(f"| {name} | {med(cold, 0):.2f} | {med(cold, 1):.2f} | {med(warm, 0):.2f} | {med(warm, 1):.2f} |")
        print(f"\nload after: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
