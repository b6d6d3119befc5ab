"""The error vocabulary users see. The CLI turns these into one line and exit 1."""

from __future__ import annotations

import os


class TermalignError(Exception):
    """Base of every error that is shown to the user as a single line."""

    exit_code = 1


class InputError(TermalignError):
    """A file that cannot be read as bilingual text.

    Example:
        InputError("seeds/003.txt", "not UTF-8 at byte 1204", "looks like Big5; try --encoding big5")
    """

    exit_code = 2

    def __init__(self, path: object, reason: str, hint: str = "") -> None:
        self.path = printable(path)
        self.reason = reason
        self.hint = hint
        msg = f"{self.path}: {reason}"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


class ModelError(TermalignError):
    """A model that cannot be loaded or used; the message names the fix."""

    exit_code = 4


class StoreError(TermalignError):
    """The store folder is missing, corrupt or was built with another signature."""

    exit_code = 3


class DecisionError(TermalignError):
    """A review decision that cannot be made: an unknown entry id, an unknown action, bad fields.
    The web page answers it with HTTP 400."""

    exit_code = 2


class EngineError(TermalignError):
    """The cluster engine cannot run: Ray is not installed, or its cluster cannot be reached."""

    exit_code = 6


def printable(path: object) -> str:
    """``path`` as one line of text: control characters (a newline in a file name) and bytes
    that are not UTF-8 (kept by Python as surrogates) are shown escaped, e.g. ``a\\nb``, ``\\xff``."""
    s = os.fsdecode(path) if isinstance(path, bytes) else str(path)
    if s.isprintable() and not any("\udc80" <= c <= "\udcff" for c in s):
        return s
    out = []
    for c in s:
        if "\udc80" <= c <= "\udcff":
            out.append(f"\\x{ord(c) - 0xDC00:02x}")
        elif c.isprintable() or c == " ":
            out.append(c)
        else:
            out.append(c.encode("unicode_escape").decode("ascii"))
    return "".join(out)
