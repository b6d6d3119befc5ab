"""Text -> sentences -> beads; vectors -> index; comparable-document mining.

Public API (import from here): see ``__all__``. The aligner and the index are imported
lazily by their users (``align.pipeline``, ``align.index``) so that reading a file stays cheap.
"""

from __future__ import annotations

from termalign.core.errors import InputError, StoreError, TermalignError
from termalign.text.read import read_text
from termalign.text.segment import Document, Paragraph, read_document, segment_text, split_sentences, to_simplified

from .beads import Alignment, Bead, format_beads, parse_beads

__all__ = [
    "Alignment",
    "Bead",
    "Document",
    "InputError",
    "Paragraph",
    "StoreError",
    "TermalignError",
    "format_beads",
    "parse_beads",
    "read_document",
    "read_text",
    "segment_text",
    "split_sentences",
    "to_simplified",
]
