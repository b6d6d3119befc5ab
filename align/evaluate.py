"""Strict and lax P/R/F1 of predicted bead ladders against gold, pooled over documents.

Strict: a predicted bead counts only if the identical bead is in the gold (Vecalign's
``score.py``, aligner-eval's ``utils/eval.py``). Lax: a predicted bead counts if it shares a
source and a target sentence with some gold bead. Scores in predicted ladders (``:0.93``) are
ignored. ``nulls=False`` leaves 1-0 / 0-1 beads out of both sides (the papers' headline);
``nulls=True`` keeps them (the MAC-Dev README's definition).

Recall by gold bead type (``recall_by_type``): the share of gold beads of each type that the
prediction reproduces exactly, with types grouped as 1-1, 1-n (one side one sentence, the other
two or more), m-n (both sides two or more) and 1-0 / 0-1 (a sentence left unpaired).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from termalign.core.errors import InputError

from .beads import Bead, parse_beads


@dataclass(frozen=True, slots=True)
class Score:
    """Counts and rates of one comparison; ``tp`` predicted beads that match, of ``n_pred`` / ``n_gold``."""

    tp: int
    n_pred: int
    n_gold: int

    @property
    def precision(self) -> float:
        return self.tp / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Score) -> Score:
        return Score(self.tp + other.tp, self.n_pred + other.n_pred, self.n_gold + other.n_gold)


def _key(b: Bead) -> tuple[tuple[int, ...], tuple[int, ...]]:
    return tuple(b.src), tuple(b.tgt)


def strict(pred: Sequence[Bead], gold: Sequence[Bead], nulls: bool = True) -> Score:
    keep = (lambda b: True) if nulls else (lambda b: not b.is_null)
    p = {_key(b) for b in pred if keep(b)}
    g = {_key(b) for b in gold if keep(b)}
    return Score(len(p & g), len(p), len(g))


BEAD_GROUPS = ("1-1", "1-n", "m-n", "null")
_GROUP_LABEL = {"1-1": "1-1", "1-n": "1-2/2-1/1-n", "m-n": "m-n (both >= 2)", "null": "1-0/0-1"}


def bead_group(b: Bead) -> str:
    """``1-1``, ``1-n`` (1-2, 2-1, 1-3 ...), ``m-n`` (both sides >= 2) or ``null`` (1-0 / 0-1)."""
    a, c = len(b.src), len(b.tgt)
    if not a or not c:
        return "null"
    if a == c == 1:
        return "1-1"
    return "1-n" if min(a, c) == 1 else "m-n"


def recall_by_type(pred: Sequence[Bead], gold: Sequence[Bead]) -> dict[str, Score]:
    """Per gold bead group (``BEAD_GROUPS``): ``Score(tp, n_pred, n_gold)`` where ``tp`` counts the
    gold beads of the group reproduced exactly, ``n_gold`` the group's gold beads and ``n_pred``
    the predicted beads of that group (so ``precision`` is the group's precision too)."""
    p = {_key(b) for b in pred}
    out = {}
    for group in BEAD_GROUPS:
        g = [b for b in gold if bead_group(b) == group]
        tp = sum(_key(b) in p for b in g)
        out[group] = Score(tp, sum(bead_group(b) == group for b in pred), len(g))
    return out


def format_by_type(scores: Iterable[dict[str, Score]]) -> str:
    """A table of recall (and precision) per gold bead group, pooled over documents."""
    total = {g: Score(0, 0, 0) for g in BEAD_GROUPS}
    for d in scores:
        for g in BEAD_GROUPS:
            total[g] = total[g] + d[g]
    head = f"{'gold type':<16} {'gold':>6} {'recall':>7} | {'predicted':>9} {'precision':>9}"
    lines = [head, "-" * len(head)]
    for g in BEAD_GROUPS:
        s = total[g]
        lines.append(f"{_GROUP_LABEL[g]:<16} {s.n_gold:>6} {s.recall:>7.4f} | {s.n_pred:>9} {s.precision:>9.4f}")
    return "\n".join(lines) + "\n"


def lax(pred: Sequence[Bead], gold: Sequence[Bead], nulls: bool = True) -> Score:
    """A predicted bead is right if some gold bead shares a source and a target sentence with it
    (for null beads: the same lone sentence is a null bead in gold); recall symmetrically."""
    keep = (lambda b: True) if nulls else (lambda b: not b.is_null)
    pred = [b for b in pred if keep(b)]
    gold = [b for b in gold if keep(b)]

    def cells(b: Bead) -> set:
        if b.is_null:
            return {("s", i) for i in b.src} | {("t", j) for j in b.tgt}
        return {(i, j) for i in b.src for j in b.tgt}

    pc = set().union(*map(cells, pred)) if pred else set()
    gc = set().union(*map(cells, gold)) if gold else set()
    tp_p = sum(1 for b in pred if cells(b) & gc)
    tp_g = sum(1 for b in gold if cells(b) & pc)
    # lax P and R have different numerators; report them through two Scores' rates
    return _LaxScore(tp_p, len(pred), len(gold), tp_g)


@dataclass(frozen=True, slots=True)
class _LaxScore(Score):
    tp_gold: int = 0

    @property
    def recall(self) -> float:
        return self.tp_gold / self.n_gold if self.n_gold else 0.0

    def __add__(self, other: Score) -> Score:
        return _LaxScore(
            self.tp + other.tp,
            self.n_pred + other.n_pred,
            self.n_gold + other.n_gold,
            self.tp_gold + getattr(other, "tp_gold", other.tp),
        )


@dataclass(frozen=True, slots=True)
class Report:
    """Per-document and pooled scores for the four variants."""

    docs: tuple[str, ...]
    strict_nulls: tuple[Score, ...]
    strict_no_nulls: tuple[Score, ...]
    lax_no_nulls: tuple[Score, ...]
    by_type: tuple[dict[str, Score], ...] = ()

    @staticmethod
    def pooled(scores: Iterable[Score]) -> Score:
        total: Score | None = None
        for s in scores:
            total = s if total is None else total + s
        return total if total is not None else Score(0, 0, 0)

    def format(self) -> str:
        head = f"{'doc':<10} {'strict P':>8} {'R':>6} {'F1':>6} | {'no-null P':>9} {'R':>6} {'F1':>6} | {'lax F1':>6}"
        lines = [head, "-" * len(head)]
        rows = list(zip(self.docs, self.strict_nulls, self.strict_no_nulls, self.lax_no_nulls))
        rows.append(
            (
                "pooled",
                self.pooled(self.strict_nulls),
                self.pooled(self.strict_no_nulls),
                self.pooled(self.lax_no_nulls),
            )
        )
        for name, a, b, c in rows:
            lines.append(
                f"{name:<10} {a.precision:>8.4f} {a.recall:>6.4f} {a.f1:>6.4f} | "
                f"{b.precision:>9.4f} {b.recall:>6.4f} {b.f1:>6.4f} | {c.f1:>6.4f}"
            )
        out = "\n".join(lines) + "\n"
        if self.by_type:
            out += "\nRecall by gold bead type, pooled:\n" + format_by_type(self.by_type)
        return out


def evaluate(pairs: Sequence[tuple[str, Sequence[Bead], Sequence[Bead]]]) -> Report:
    """``pairs`` = (name, predicted beads, gold beads) per document."""
    return Report(
        tuple(n for n, _, _ in pairs),
        tuple(strict(p, g, True) for _, p, g in pairs),
        tuple(strict(p, g, False) for _, p, g in pairs),
        tuple(lax(p, g, False) for _, p, g in pairs),
        tuple(recall_by_type(p, g) for _, p, g in pairs),
    )


def _doc_name(path: Path) -> str:
    return path.name[: -len(".align")] if path.name.endswith(".align") else path.name


def evaluate_dirs(pred_dir: str | Path, gold_dir: str | Path) -> Report:
    """Match ``NNN.align`` (or ``NNN``) in ``pred_dir`` with ``NNN.align`` in ``gold_dir``.

    Raises InputError when a gold file has no prediction or a file is not a ladder."""
    pred_dir, gold_dir = Path(pred_dir), Path(gold_dir)
    gold = {_doc_name(p): p for p in sorted(gold_dir.iterdir()) if p.is_file() and not p.name.startswith(".")}
    pred = {_doc_name(p): p for p in sorted(pred_dir.iterdir()) if p.is_file() and not p.name.startswith(".")}
    if not gold:
        raise InputError(gold_dir, "no gold files", "expected NNN.align ladder files")
    missing = sorted(set(gold) - set(pred))
    if missing:
        raise InputError(
            pred_dir,
            f"no prediction for {', '.join(missing[:5])}",
            "name predictions like the gold files (NNN or NNN.align)",
        )
    pairs = []
    for name in sorted(gold):
        pairs.append((name, _read(pred[name]), _read(gold[name])))
    return evaluate(pairs)


def _read(path: Path) -> list[Bead]:
    try:
        return parse_beads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise InputError(path, f"not a bead ladder: {e}", "one bead per line, like [0,1]:[2]") from None
