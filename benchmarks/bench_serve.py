"""Load test for `termalign serve`: N concurrent keep-alive clients on loopback, bounded in time.

    python benchmarks/bench_serve.py                       # builds examples/rare-earths into a temp store
    python benchmarks/bench_serve.py --store DIR --seconds 10 --clients 1,4,16 [--similar]
    python benchmarks/bench_serve.py --while-build        # the same, while `termalign build` writes the store
    python benchmarks/bench_serve.py --decisions 200      # review over HTTP: decision save latency

The server runs as its own process (`python -m termalign.app.cli serve --port 0`), so the
clients (threads here) do not share its GIL. Each client cycles through a fixed list of
real queries (both scripts, English, short and long); every non-200 answer or socket error
counts as an error. Prints one Markdown table row per client count: requests/s, p50 and
p99 latency, errors. Only ever talks to 127.0.0.1.

With ``--decisions N`` (``serve --review`` over a copy of the store, never the store itself): one
keep-alive client reviews N distinct entries as the review page does -- the next pending entry
(``GET /api/review/queue?limit=1``, not timed), then ``POST /api/review/decide`` with the page's
CSRF token and Origin (timed: the save the page waits for before it says "Saved"); every fourth
is a reject, the rest accepts. Prints p50/p99/max of the saves, overall and after the 50th
decision (from there on each save also refits the store's confidence on the decisions).

With ``--while-build``, a writer thread runs `termalign build --no-glossary` over fresh copies of
the example files (new names, so every run really writes: documents, mined pairs, FAISS) into the
served store, one build after another, for as long as each row lasts (SQLite WAL: readers never
wait for the writer); the row also says how many builds finished and how many failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    "稀土",
    "rare earth",
    "出口管制",
    "export controls",
    "稀土元素",
    "magnets",
    "关键矿物",
    "關鍵礦物",
    "China",
    "商务部",
    "supply chain",
    "xitu",
    "rare earths processing",
    "镓",
]


def start_server(store: Path, similar: bool, review: bool = False) -> tuple[subprocess.Popen, int]:
    cmd = [sys.executable, "-m", "termalign.app.cli", "serve", "--store", str(store), "--port", "0"]
    if not similar:
        cmd.append("--no-similar")
    if review:
        cmd.append("--review")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT)
    url = proc.stdout.readline().decode().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        raise SystemExit(f"server did not start (got {url!r})")
    return proc, int(url.rsplit(":", 1)[1].rstrip("/"))


def run_clients(port: int, clients: int, seconds: float) -> dict:
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    paths = [f"/api/search?q={quote(q)}" for q in QUERIES]
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(k: int) -> None:
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = k
        start.wait()
        while time.perf_counter() < deadline[0]:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            try:
                con.request("GET", path)
                r = con.getresponse()
                body = r.read()
                ok = r.status == 200 and body.startswith(b"{")
            except (OSError, http.client.HTTPException):
                ok = False
                con.close()
                con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            latencies[k].append(time.perf_counter() - t0)
            if not ok:
                errors[k] += 1
        con.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    deadline[0] = t0 + seconds
    start.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    lat = sorted(x for per in latencies for x in per)
    n = len(lat)
    return {
        "clients": clients,
        "requests": n,
        "seconds": round(elapsed, 2),
        "rps": round(n / elapsed, 1),
        "p50_ms": round(1000 * lat[n // 2], 2) if n else None,
        "p99_ms": round(1000 * lat[min(n - 1, int(0.99 * n))], 2) if n else None,
        "mean_ms": round(1000 * statistics.fmean(lat), 2) if n else None,
        "errors": sum(errors),
    }


def run_decisions(port: int, n: int) -> dict:
    """Review ``n`` entries as the page does; the save latencies (ms) of POST /api/review/decide."""
    import re

    con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    con.request("GET", "/review")
    page = con.getresponse().read().decode("utf-8")
    token = re.search(r'<meta name="termalign-token" content="([^"]+)">', page).group(1)
    headers = {
        "Content-Type": "application/json",
        "Origin": f"http://127.0.0.1:{port}",
        "X-Termalign-Token": token,
    }
    saves, errors = [], 0
    for i in range(n):
        con.request("GET", "/api/review/queue?limit=1")
        items = json.loads(con.getresponse().read())["items"]
        if not items:
            break
        body = json.dumps({"id": items[0]["id"], "action": "reject" if i % 4 == 3 else "accept"})
        t0 = time.perf_counter()
        con.request("POST", "/api/review/decide", body=body.encode(), headers=headers)
        r = con.getresponse()
        r.read()
        saves.append(1000 * (time.perf_counter() - t0))
        errors += r.status != 200
    con.close()

    def pct(xs: list[float], q: float) -> float | None:
        xs = sorted(xs)
        return round(xs[min(len(xs) - 1, int(q * len(xs)))], 2) if xs else None

    late = saves[50:]
    return {
        "decisions": len(saves),
        "p50_ms": pct(saves, 0.5),
        "p99_ms": pct(saves, 0.99),
        "max_ms": round(max(saves), 2) if saves else None,
        "p99_after_50_ms": pct(late, 0.99),
        "errors": errors,
    }


def build_writer(store: Path, stop: threading.Event, done: list[int]) -> None:
    """Build fresh copies of the example files into ``store`` until ``stop``; done = [ok, failed]."""
    k = 0
    while not stop.is_set():
        with tempfile.TemporaryDirectory(prefix="bench-serve-writer-") as d:
            for src in sorted((ROOT / "examples" / "rare-earths").glob("*.txt"))[:2]:
                shutil.copy(src, Path(d) / f"w{os.getpid()}_{k}_{src.name}")
            k += 1
            r = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "termalign.app.cli",
                    "build",
                    d,
                    "--store",
                    str(store),
                    "--quiet",
                    "--no-glossary",
                ],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        done[0 if r.returncode == 0 else 1] += 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, help="store folder (default: build examples/rare-earths into a temp folder)")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--similar", action="store_true", help="load the encoder: meaning search on every query")
    ap.add_argument("--json", action="store_true", help="JSON lines instead of a Markdown table")
    ap.add_argument("--while-build", action="store_true", help="a concurrent `termalign build` writes the store")
    ap.add_argument("--decisions", type=int, default=0, help="review N entries over HTTP; time each save")
    args = ap.parse_args()

    tmp = None
    store = args.store
    if store is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench-serve-")
        store = Path(tmp.name) / "store"
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
            ],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    if (args.while_build or args.decisions) and args.store is not None:  # never write into the caller's store
        tmp = tempfile.TemporaryDirectory(prefix="bench-serve-")
        shutil.copytree(args.store, Path(tmp.name) / "store")
        store = Path(tmp.name) / "store"
    proc, port = start_server(store, args.similar, review=args.decisions > 0)
    try:
        if args.decisions:
            row = run_decisions(port, args.decisions)
            print(
                f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                f"Python {platform.python_version()}, serve --review, one client",
                file=sys.stderr,
            )
            if args.json:
                print(json.dumps(row))
            else:
                print("| decisions | save p50 ms | p99 ms | max ms | p99 after the 50th ms | errors |")
                print("|---:|---:|---:|---:|---:|---:|")
                print(
                    f"| {row['decisions']} | {row['p50_ms']} | {row['p99_ms']} | {row['max_ms']} "
                    f"| {row['p99_after_50_ms']} | {row['errors']} |"
                )
            return
        run_clients(port, 1, 1.0)  # warm-up: first queries load the FAISS index, pinyin table...
        print(
            f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{args.seconds:g} s per row, similar={'on' if args.similar else 'off'}, "
            f"while-build={'on' if args.while_build else 'off'}",
            file=sys.stderr,
        )
        extra = " builds ok/failed |" if args.while_build else ""
        if not args.json:
            print("| clients | requests | req/s | p50 ms | p99 ms | errors |" + extra)
            print("|---:|---:|---:|---:|---:|---:|" + ("---:|" if extra else ""))
        for c in (int(x) for x in args.clients.split(",")):
            stop, done, writer = threading.Event(), [0, 0], None
            if args.while_build:
                writer = threading.Thread(target=build_writer, args=(store, stop, done))
                writer.start()
                time.sleep(2.0)  # let the first build get past its start-up into the writes
            row = run_clients(port, c, args.seconds)
            if writer is not None:
                stop.set()
                writer.join()
                row["builds_ok"], row["builds_failed"] = done
            if args.json:
                print(json.dumps(row))
            else:
                print(
                    f"| {row['clients']} | {row['requests']} | {row['rps']} | {row['p50_ms']} | {row['p99_ms']} | {row['errors']} |"
                    + (f" {done[0]}/{done[1]} |" if writer is not None else "")
                )
            sys.stdout.flush()
    finally:
        proc.terminate()
        proc.wait(10)
        if tmp:
            tmp.cleanup()


if __name__ == "__main__":
    main()
