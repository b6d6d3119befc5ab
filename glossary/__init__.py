"""Term mining: sentence pairs in, glossary entries out (pure; no store, no I/O)."""

from __future__ import annotations
