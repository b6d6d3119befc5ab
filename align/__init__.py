"""Text -> sentences -> beads; vectors -> index; comparable-document mining.

Public API (import from here): see ``__all__``. Heavy pieces are imported lazily.
"""
from __future__ import annotations

from .beads import Alignment, Bead, format_beads, parse_beads
from .errors import InputError, StoreError, TermalignError

__all__ = ["Alignment", "Bead", "InputError", "StoreError", "TermalignError", "format_beads", "parse_beads"]
