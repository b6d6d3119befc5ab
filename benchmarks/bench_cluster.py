"""The scaling table of docs/cluster.md: build wall time, serial vs Ray, on 1 and 2 cores, as the corpus grows.

    python benchmarks/bench_cluster.py [--scales 1,4,16] [--no-glossary]

Run it alone on the machine (it measures wall time). For each corpus (``seeds x N``, as
``bench_build.py`` writes it: copy 0 the seeds, copies 1..N-1 perturbed so nothing is skipped or
found in a cache) and each configuration, one fresh process builds it into an empty store with
an empty vector cache, pinned with ``taskset`` to its cores:

* ``serial, 1 core``: ``build`` as it runs by default (``--jobs 1``);
* ``ray, 1 core``: ``--engine ray`` on a local Ray with ``num_cpus=1`` (one actor): what Ray
  itself costs over the serial build;
* ``serial, 2 cores``: ``--jobs 1``, BLAS using both cores;
* ``jobs 2, 2 cores``: the process pool;
* ``ray, 2 cores``: ``--engine ray`` with two actors.

Ray is started before the clock (a cluster is running before a build is sent to it); model
loading in the actors is inside it. Each cell: wall seconds of the whole build, and of its
per-document stage ("prepare": read, segment, encode, align, write) in brackets.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_build import run_one, write_seed_copies  # noqa: E402

CONFIGS = (  # name, engine, jobs, cores
    ("serial, 1 core", "local", 1, 1),
    ("ray, 1 core", "ray", 1, 1),
    ("serial, 2 cores", "local", 1, 2),
    ("jobs 2, 2 cores", "local", 2, 2),
    ("ray, 2 cores", "ray", 2, 2),
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", default="1,4,16", help="seed copy counts, comma-separated")
    ap.add_argument("--no-glossary", action="store_true")
    a = ap.parse_args()
    if (os.cpu_count() or 1) < 2:
        sys.exit("needs 2 cores")
    print(f"machine: {os.cpu_count()} cores; load before {os.getloadavg()[0]:.2f}\n")
    print("wall s of the build (prepare stage in brackets)\n")
    print("| corpus | sentences | " + " | ".join(c[0] for c in CONFIGS) + " |")
    print("|---|---:|" + "---:|" * len(CONFIGS))
    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    try:
        for n in [int(x) for x in a.scales.split(",") if x]:
            corpus = write_seed_copies(work / f"seeds-x{n}", n)
            cells, sentences = [], 0
            for _name, engine, jobs, cores in CONFIGS:
                r = run_one(corpus, not a.no_glossary, jobs, engine, cores)
                sentences = r["sentences"]
                cells.append(f"{r['seconds']:.1f} ({r['stages']['prepare']:.1f})")
            print(f"| seeds x{n} | {sentences} | " + " | ".join(cells) + " |", flush=True)
            shutil.rmtree(corpus)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nload after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
