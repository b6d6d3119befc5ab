"""Bytes -> clean text: BOM / UTF-16 / GB18030 / Big5 detection, refusals for binary and empty files.

Everything here is linear in the input size: a 10 MB single line is read, decoded and cleaned
with a handful of C-level passes (``bytes.count``, ``str.translate``-style regex substitutions).
"""

from __future__ import annotations

import codecs
import logging
import re
from pathlib import Path

from termalign.core.errors import InputError, printable
from termalign.core.files import read_capped

log = logging.getLogger(__name__)

MAX_BYTES = 200 * 1024 * 1024  # refuse bigger files: they are not one document
_SAMPLE = 64 * 1024  # bytes looked at by the sniffers (charset-normalizer, NUL pattern)

# Magic numbers of files people drop into a folder of "texts" by mistake.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF file"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or .docx/.xlsx/.epub)"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "an executable"),
    (b"MZ\x90\x00", "a Windows executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Removed from every text: C0/C1 controls except \t and \n, BOM / zero-width chars, bidi marks
# and embeddings/isolates (U+200E/F, U+202A-E, U+2066-9), invisible operators.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]+"
)
_NEWLINES = re.compile("\r\n?|[\u2028\u2029\x85]")

# What Chinese or English news text is made of; anything else in a legacy-decoded text counts
# as "rare" and is evidence of a wrong guess (e.g. Big5 bytes read as GBK give kana and Greek).
_USUAL = re.compile(
    "[\t\n\x20-\x7e\u00a0-\u024f\u2000-\u206f\u2190-\u21ff\u2460-\u24ff\u2500-\u257f"
    "\u25a0-\u25ff\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+"
)


def read_text(path: str | Path, encoding: str | None = None, regular_only: bool = False) -> str:
    """Read a text file in any of the encodings Chinese/English news comes in, cleaned.

    Raises ``InputError`` (one line, naming the file) for a missing path, a directory, a file
    over ``MAX_BYTES``, an empty or whitespace-only file, a binary file or undecodable bytes.
    A pipe or device named by the user is read up to ``MAX_BYTES``; with ``regular_only`` (files
    found in a folder) only regular files are read (see ``core.files.read_capped``).
    """
    return read_text_digest(path, encoding, regular_only)[0]


def read_text_digest(path: str | Path, encoding: str | None = None, regular_only: bool = False) -> tuple[str, str]:
    """``read_text`` and the sha256 of exactly the bytes that were decoded (one read of the file)."""
    got = read_capped(path, MAX_BYTES, regular_only=regular_only)
    return decode_bytes(got.data, printable(path), encoding), got.sha256


def check_encoding(encoding: str) -> str:
    """The codec name for ``encoding``; ``InputError`` for an unknown one or one that is not a text
    encoding (``rot13``, ``base64`` and ``zlib`` are codecs, but not bytes -> text)."""
    hint = "try --encoding utf-8, gb18030, big5 or utf-16"
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise InputError("--encoding", f"unknown encoding {encoding!r}", hint) from None
    if not getattr(info, "_is_text_encoding", True):
        raise InputError("--encoding", f"{encoding!r} is not a text encoding", hint)
    return info.name


def decode_bytes(data: bytes, name: str, encoding: str | None = None) -> str:
    """Decode ``data`` (the contents of file ``name``) and clean it; see ``read_text``.

    With ``encoding`` given, only that codec is tried (strictly).
    """
    if not data.strip():
        raise InputError(name, "file is empty" if not data else "file contains only whitespace")
    if encoding:
        text = _decode_as(data, name, encoding)
    else:
        text = _detect(data, name)
    text = clean_text(text)
    if not text.strip():
        raise InputError(name, "file contains no text (only whitespace or control characters)")
    return text


def clean_text(text: str) -> str:
    """Normalise newlines to \\n and drop control, zero-width and bidi characters."""
    return _INVISIBLE.sub("", _NEWLINES.sub("\n", text))


def _decode_as(data: bytes, name: str, encoding: str) -> str:
    try:
        codec = check_encoding(encoding)
    except InputError as e:
        raise InputError(name, e.reason, e.hint) from None
    if codec == "utf-8":
        codec = "utf-8-sig"
    try:
        return data.decode(codec)
    except UnicodeDecodeError as e:
        raise InputError(
            name, f"not valid {encoding} at byte {e.start}", "leave out --encoding to detect it, or name another"
        ) from None


def _detect(data: bytes, name: str) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError as e:
                raise InputError(
                    name, f"starts with a {codec} byte-order mark but is not valid {codec} at byte {e.start + len(bom)}"
                ) from None
    head = data[:16]
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise InputError(name, f"looks like {what}, not text", "convert it to plain text first")
    sample = data[:_SAMPLE]
    if b"\x00" in sample:
        text = _utf16_without_bom(data)
        if text is None:
            raise InputError(name, "looks like a binary file (contains NUL bytes)", "pass a plain text file")
        return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        utf8_error = e.start
    _refuse_stray_bytes(data, name, utf8_error)
    best = _legacy(data)
    if best is None:
        raise InputError(
            name,
            f"not UTF-8 at byte {utf8_error} and no Chinese legacy encoding fits",
            "pass --encoding, e.g. --encoding gb18030 or --encoding big5",
        )
    codec, text = best
    if _too_little_evidence(data, codec, text):
        raise InputError(
            name,
            f"not UTF-8 at byte {utf8_error}, and too short to tell its encoding",
            "pass --encoding, e.g. --encoding gb18030",
        )
    log.info("%s: decoded as %s", name, codec)
    return text


# A file that is not UTF-8 with fewer bytes outside ASCII than this (16 Chinese characters) gives
# too little evidence for a guess: it is read only as Chinese (GB18030 or Big5 giving common Han
# characters). Otherwise every single-byte codec "fits" and one stray byte becomes Latin mojibake
# (a pinned term "šĘÇňťč").
MIN_LEGACY_EVIDENCE = 32
_CHINESE_CODECS = ("gb18030", "big5hkscs", "cp950")


def _refuse_stray_bytes(data: bytes, name: str, utf8_error: int) -> None:
    """``InputError`` for UTF-8 text with a few stray bytes: at least twice as many well-formed
    multi-byte UTF-8 characters as invalid bytes. Legacy Chinese text is invalid UTF-8 almost
    everywhere (GBK pairs seldom form UTF-8 sequences), so it is not caught here."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    multibyte = sum(1 for c in text if c > "\x7f") - bad
    if bad and multibyte >= 2 * bad:
        raise InputError(
            name,
            f"not valid UTF-8 at byte {utf8_error} ({bad} stray bytes in UTF-8 text)",
            "fix the file, or pass --encoding to read it in another encoding",
        )


def _too_little_evidence(data: bytes, codec: str, text: str) -> bool:
    """Whether a legacy decode of a short file is a guess rather than a reading (see MIN_LEGACY_EVIDENCE)."""
    non_ascii = len(data.translate(None, bytes(range(128))))  # the bytes left once ASCII is deleted
    if non_ascii >= MIN_LEGACY_EVIDENCE:
        return False
    return codec not in _CHINESE_CODECS or _common_han_share(text) < 0.9


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without BOM: NULs (the high bytes of ASCII) mostly on one parity.

    Chinese-only text has few NULs and some fall on the other parity (一 is U+4E00: its low
    byte is NUL), so when the parity is not clear both byte orders are tried and the text decides.
    """
    sample = data[:_SAMPLE]
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    if len(data) % 2 or even + odd == 0:
        return None
    if odd >= 0.95 * (even + odd):
        codecs_ = ["utf-16-le"]
    elif even >= 0.95 * (even + odd):
        codecs_ = ["utf-16-be"]
    else:
        codecs_ = ["utf-16-le", "utf-16-be"] if odd >= even else ["utf-16-be", "utf-16-le"]
    for codec in codecs_:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        # With no clear parity the bytes must read as common Chinese: binary data read as UTF-16
        # lands anywhere in the CJK block, and only a third of that block is in GB2312 or Big5.
        if _rare_share(text) < 0.05 and (len(codecs_) == 1 or _common_han_share(text) >= 0.9):
            return text
    return None


def _common_han_share(text: str) -> float:
    """Share of the Han characters (first 4,000) that GB2312 or Big5 can encode; 0.0 with none."""
    han = [c for c in text[:4000] if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return 0.0
    return sum(_encodable(c, "gb2312") or _encodable(c, "big5") for c in han) / len(han)


def _encodable(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _rare_share(text: str) -> float:
    """Share of characters outside what Chinese/English text is made of (first 256 KB)."""
    sample = text[: 256 * 1024]
    if not sample:
        return 0.0
    usual = sum(len(m) for m in _USUAL.findall(sample))
    return 1.0 - usual / len(sample)


def _legacy(data: bytes) -> tuple[str, str] | None:
    """Best of GB18030, Big5 and charset-normalizer's guess: the strict decode with the fewest rare chars.

    charset-normalizer alone misreads short Chinese texts (it may call GBK "johab" or Big5
    "gb2312"), so the two Chinese codecs are always candidates and the text itself decides.
    """
    candidates = ["gb18030", "big5hkscs", "cp950"]
    guess = _charset_normalizer_guess(data[:_SAMPLE])
    if guess and guess not in candidates:
        candidates.append(guess)
    scored = []
    for order, codec in enumerate(candidates):
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        scored.append((_rare_share(text), order, codec, text))
    if not scored:
        return None
    rare, _, codec, text = min(scored)
    if rare > 0.05:
        return None
    return codec, text


def _charset_normalizer_guess(sample: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - declared dependency
        return None
    match = from_bytes(sample).best()
    return match.encoding if match else None
