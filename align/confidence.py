"""Calibrated P(bead is right) for every bead, 1-0 and 0-1 included.

Bead features (``FEATURES``) -> logistic regression. The coefficients live in
``calibration.json`` beside this file with their provenance (what they were fitted on, when,
with which command); ``benchmarks/bench_align.py --fit-confidence`` refits them and measures
calibration leave-one-chapter-out (reliability table and ECE in BENCHMARKS.md).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path as FsPath
from typing import TYPE_CHECKING

import numpy as np

from termalign.core.errors import ModelError

if TYPE_CHECKING:  # pragma: no cover
    from .dp import Path
    from .scoring import Scorer

FEATURES = (
    "bias",
    "null",
    "one_one",
    "extra_sents",
    "cos",
    "margin",
    "lenlr2",
    "matched",
    "unmatched",
    "cost_per_sent",
    "log_gap",
)
_CAL_FILE = "calibration.json"  # package data of termalign.align (setup.cfg)


def bead_features(scorer: Scorer, path: Path, skip: float) -> np.ndarray:
    """(number of beads, len(FEATURES)) float64, one row per bead of ``path``."""
    rows = []
    for k, (a, b, i, j) in enumerate(path.steps):
        gap = float(path.gap[k])
        log_gap = float(np.log1p(min(max(gap, 0.0), 10.0)))
        cost = float(path.cost[k])
        if a and b:
            ev = scorer.parts(a, b, np.array([i - a]), np.array([j - b]), margin=True)
            cos, margin = float(ev["cos"][0, 0]), float(ev["margin"][0, 0])
            lr2 = float(ev["lenlr"][0, 0]) ** 2
            matched, unmatched = float(ev["matched"][0, 0]), float(ev["unmatched"][0, 0])
        else:
            cos = margin = lr2 = matched = 0.0
            unmatched = float(scorer.n_anchor_s[0, i - 1] if a else scorer.n_anchor_t[0, j - 1])
        rows.append(
            [
                1.0,
                float(not (a and b)),
                float(a == 1 and b == 1),
                float(max(a + b - 2, 0)),
                cos,
                margin,
                min(lr2, 4.0),
                min(matched, 5.0),
                min(unmatched, 5.0),
                cost / max(a + b, 1) - skip,
                log_gap,
            ]
        )
    return np.array(rows, dtype=np.float64).reshape(-1, len(FEATURES))


@dataclass(frozen=True, slots=True)
class Calibration:
    """Logistic regression over ``FEATURES``: P = sigmoid(features @ coef)."""

    coef: tuple[float, ...]
    provenance: str = ""
    name: str = "uncalibrated"
    features: tuple[str, ...] = field(default=FEATURES)

    def signature(self) -> str:
        """Name and a digest of the coefficients: a refit changes it even under the same name."""
        digest = hashlib.sha256(json.dumps([list(self.features), list(self.coef)]).encode()).hexdigest()
        return f"{self.name}:{digest[:12]}"

    def predict(self, feats: np.ndarray) -> np.ndarray:
        if feats.size == 0:
            return np.zeros(0)
        z = feats @ np.asarray(self.coef)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def to_json(self) -> str:
        return json.dumps(
            {
                "name": self.name,
                "features": list(self.features),
                "coef": list(self.coef),
                "provenance": self.provenance,
            },
            indent=1,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        d = json.loads(text)
        if tuple(d["features"]) != FEATURES:
            raise ValueError("calibration features do not match this version; refit it")
        return cls(tuple(d["coef"]), d.get("provenance", ""), d.get("name", "calibration"), tuple(d["features"]))


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1e-2) -> np.ndarray:
    """Maximum-likelihood logistic regression with a small L2 penalty (not on the bias), by
    Newton's method. X (N, F) with a bias column first, y (N,) 0/1 -> coef (F,)."""
    from scipy.optimize import minimize

    reg = np.full(X.shape[1], l2)
    reg[0] = 0.0

    def f(w):
        z = X @ w
        ll = np.sum(np.logaddexp(0, z) - y * z) + 0.5 * np.sum(reg * w * w)
        p = 1 / (1 + np.exp(-z))
        g = X.T @ (p - y) + reg * w
        return ll, g

    res = minimize(f, np.zeros(X.shape[1]), jac=True, method="L-BFGS-B")
    return res.x


def reliability(
    prob: np.ndarray, correct: np.ndarray, bins: int = 10
) -> tuple[list[tuple[float, float, float, int]], float]:
    """Reliability table [(bin low, mean predicted, observed accuracy, count)] and the ECE."""
    rows, ece = [], 0.0
    edges = np.linspace(0, 1, bins + 1)
    for k in range(bins):
        sel = (prob >= edges[k]) & ((prob < edges[k + 1]) if k < bins - 1 else (prob <= 1))
        c = int(sel.sum())
        if c:
            mp, acc = float(prob[sel].mean()), float(correct[sel].mean())
            ece += c / len(prob) * abs(mp - acc)
            rows.append((float(edges[k]), mp, acc, c))
        else:
            rows.append((float(edges[k]), float("nan"), float("nan"), 0))
    return rows, float(ece)


def load_calibration(path: str | os.PathLike | None = None) -> Calibration:
    """The calibration in ``path``, by default the fitted ``calibration.json`` that ships in this
    package. A missing, unreadable or mismatched file is a ``ModelError``: aligning with an
    unfitted guess would give every bead a made-up score without a word."""
    where = str(path) if path is not None else f"{__package__}/{_CAL_FILE}"
    try:
        if path is not None:
            text = FsPath(path).read_text(encoding="utf-8")
        else:
            text = resources.files(__package__).joinpath(_CAL_FILE).read_text(encoding="utf-8")
        return Calibration.from_json(text)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as e:
        raise ModelError(
            f"cannot read the aligner's calibration {where}: {e}; reinstall termalign "
            "(or refit it with benchmarks/bench_align.py --fit-confidence)"
        ) from e


@functools.lru_cache(maxsize=1)
def default_calibration() -> Calibration:
    """The shipped calibration, read once (on first use, not at import)."""
    return load_calibration()


def label_beads(pred: Sequence, gold: Sequence) -> np.ndarray:
    """1 for each predicted bead that is identical to a gold bead, else 0."""
    g = {(tuple(b.src), tuple(b.tgt)) for b in gold}
    return np.array([float((tuple(b.src), tuple(b.tgt)) in g) for b in pred])
