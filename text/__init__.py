"""Bytes to text to language-tagged sentences: reading, cleaning, segmenting (no models)."""
