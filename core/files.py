"""One way in and one way out for files.

In: :func:`read_capped` opens a file once (regular files only, or also pipes and devices when a
user names one on the command line), reads at most a byte cap and returns the bytes with their
sha256, so what is hashed is exactly what is decoded.

Out: :func:`atomic_path` writes a file atomically (a reader sees the old file or the new one,
never half of either); a symlink keeps pointing where it did and its target is replaced; a target
that is not a regular file (``/dev/null``, a FIFO, a terminal) is written directly, never replaced.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from termalign.core.errors import InputError, TermalignError, printable


@contextmanager
def atomic_path(dest: str | os.PathLike) -> Iterator[Path]:
    """Yield a path to write instead of ``dest``; on success it becomes ``dest`` in one step.

    * A symlink is resolved first: its target is replaced and the link stays a link.
    * A ``dest`` that exists and is not a regular file (a device, a FIFO) is yielded itself and
      written in place: renaming over ``/dev/null`` would replace the device.
    * Otherwise the temporary file sits beside the target under a short name (a 250-character
      target name still fits the file system's 255-byte limit) and is fsynced, then renamed.

    An ``OSError`` while writing or renaming becomes a one-line ``TermalignError`` naming
    ``dest`` (``-o /dev/full``: "No space left on device"); the temporary file is removed and a
    regular ``dest`` is untouched.
    """
    shown = Path(dest)
    target = Path(os.path.realpath(dest))
    try:
        mode = os.stat(target).st_mode
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        if stat.S_ISDIR(mode):
            raise TermalignError(f"{printable(shown)}: is a folder, not a file")
        try:
            yield target
        except OSError as e:
            raise TermalignError(f"{printable(shown)}: cannot write ({e.strerror or e})") from None
        return
    tmp = target.with_name(f".{target.name[:40]}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        yield tmp
        with open(tmp, "rb+") as f:  # make the bytes durable before the rename
            os.fsync(f.fileno())
        os.replace(tmp, target)  # same folder, so the swap is atomic
    except OSError as e:
        raise TermalignError(f"{printable(shown)}: cannot write ({e.strerror or e})") from None
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass


def write_text_atomic(dest: str | os.PathLike, text: str) -> None:
    """Write ``text`` as UTF-8 to ``dest`` atomically."""
    with atomic_path(dest) as tmp:
        tmp.write_text(text, encoding="utf-8")


def file_sha256(path: str | os.PathLike, regular_only: bool = False) -> str:
    """Hex sha256 of the file's bytes, read in 1 MiB blocks.

    With ``regular_only`` anything but a regular file raises ``InputError`` before a byte is read
    (the file is opened non-blocking, so a FIFO never hangs the caller)."""
    h = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | (os.O_NONBLOCK if regular_only else 0))
    with open(fd, "rb") as f:
        if regular_only:
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                raise InputError(printable(path), f"not a regular file ({_kind(mode)})")
            os.set_blocking(fd, True)
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class FileBytes:
    """What :func:`read_capped` read: the bytes and the sha256 of exactly those bytes."""

    data: bytes
    sha256: str


def read_capped(path: str | os.PathLike, max_bytes: int, regular_only: bool = True) -> FileBytes:
    """Open ``path`` once and read at most ``max_bytes`` of it; refuse anything else.

    With ``regular_only`` (files found in a corpus folder) a FIFO, device or socket is refused
    without ever blocking on it (the file is opened non-blocking and checked with ``fstat`` on the
    open descriptor, so a file swapped for a FIFO after a folder scan is refused too). Without it
    (a path the user typed: ``/dev/stdin``, ``<(cmd)``) pipes and devices are read, but never past
    the cap: ``/dev/zero`` is refused at ``max_bytes``.

    Raises ``InputError`` (one line, naming the file) for every refusal.
    """
    name = printable(path)
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | (os.O_NONBLOCK if regular_only else 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError(name, "no such file") from None
    except IsADirectoryError:
        raise InputError(name, "is a directory", "pass a text file") from None
    except PermissionError:
        raise InputError(name, "permission denied") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise InputError(name, "symlink loop") from None
        raise InputError(name, f"cannot open: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError(name, "is a directory", "pass a text file")
        if not stat.S_ISREG(st.st_mode):
            if regular_only:
                raise InputError(name, f"not a regular file ({_kind(st.st_mode)})")
        elif st.st_size > max_bytes:
            raise _too_big(name, st.st_size, max_bytes)
        if regular_only:
            os.set_blocking(fd, True)
        buf = bytearray()
        while len(buf) <= max_bytes:
            block = os.read(fd, min(1 << 20, max_bytes + 1 - len(buf)))
            if not block:
                break
            buf += block
        if len(buf) > max_bytes:
            raise _too_big(name, None, max_bytes)
    except PermissionError:
        raise InputError(name, "permission denied") from None
    except IsADirectoryError:
        raise InputError(name, "is a directory", "pass a text file") from None
    except OSError as e:
        raise InputError(name, f"cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)
    data = bytes(buf)
    return FileBytes(data, hashlib.sha256(data).hexdigest())


def _too_big(name: str, size: int | None, max_bytes: int) -> InputError:
    what = f"file is {size / 2**20:.0f} MB" if size is not None else "input goes on"
    return InputError(name, f"{what}, over the {max_bytes // 2**20} MB limit", "split it into smaller files")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"
