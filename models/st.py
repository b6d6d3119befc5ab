"""Any sentence-transformers model already on disk: a local folder or a Hugging Face cache entry.

termalign never downloads: loading runs with ``local_files_only=True`` and ``HF_HUB_OFFLINE=1``.
The device is chosen once, here (``auto`` -> cuda when torch sees a GPU).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .base import ModelError, Progress, clip_text, l2_normalise


@contextmanager
def _offline() -> Iterator[None]:
    keys = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    old = {k: os.environ.get(k) for k in keys}
    os.environ.update({k: "1" for k in keys})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class STEncoder:
    """``st:NAME_OR_PATH``: a SentenceTransformer loaded offline; rows L2-normalised float32."""

    windows = False  # each window's text is encoded (models.base.window_vectors)

    def __init__(self, name_or_path: str | None, device: str = "auto", batch_size: int = 64) -> None:
        if not name_or_path:
            raise ModelError("st: needs a model name or path, e.g. --model st:/models/LaBSE")
        with _offline():  # huggingface_hub reads HF_HUB_OFFLINE when it is first imported
            from sentence_transformers import SentenceTransformer

            from .usem3_torch import resolve_device

        self.device = resolve_device(device)
        self.batch_size = batch_size
        path = Path(name_or_path).expanduser()
        target = str(path) if path.exists() else name_or_path
        try:
            with _offline():
                self.model = SentenceTransformer(target, device=self.device, local_files_only=True)
        except Exception as e:  # OSError, HF validation errors, ValueError: all mean "not usable here"
            if path.exists():
                raise ModelError(f"model {name_or_path!r} could not be loaded from {path}: {e}") from e
            raise ModelError(
                f"model {name_or_path!r} is not on disk: put it in the Hugging Face cache or pass a local path; "
                "termalign never downloads models"
            ) from e
        dim = self.model.get_embedding_dimension()
        if dim is None:
            dim = int(self.model.encode(["x"], convert_to_numpy=True).shape[1])
        self.dim = int(dim)
        self.name = f"st:{target}"

    def encode(self, texts: Sequence[str], on_progress: Progress | None = None) -> np.ndarray:
        """Shape (len(texts), dim), float32, unit rows."""
        texts = [clip_text(t) for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        step = max(self.batch_size * 16, 1)
        for lo in range(0, len(texts), step):
            part = texts[lo : lo + step]
            out[lo : lo + len(part)] = self.model.encode(
                part, batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False
            )
            if on_progress is not None:
                on_progress(lo + len(part))
        return l2_normalise(out)
