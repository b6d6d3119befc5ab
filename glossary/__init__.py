"""Beads -> terms -> store -> search and export: the top layer, with the CLI and the web page."""
from __future__ import annotations
