"""Which files of a corpus are one document: a single file, or two files of one translation.

Batch corpora often keep a translated document as two files. They are found

* by name: ``X.en.txt`` + ``X.zh.txt``, ``X_en`` + ``X_zh`` (also ``-``, and the tags ``eng``,
  ``cn``, ``zh-cn``, ``zh-tw``, ``chs``, ``cht``);
* by folder: ``en/X`` + ``zh/X`` or ``src/X`` + ``tgt/X`` (also ``source``/``target``) in two
  sibling folders;
* by a manifest (``--pairs pairs.tsv``): one ``en path<TAB>zh path`` line per pair, paths
  relative to the manifest's folder; ``#`` lines and blank lines are skipped.

A name or folder match is only a candidate: the two files must be one English and one Chinese
file (the language is read from the text, never assumed from the name: MAC's ``src/`` is
Chinese). Everything here is pure except :func:`file_lang`, which reads a file.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from termalign.core.errors import InputError

# Separates the two paths in a pair's key (the store's ``documents.path``).
PAIR_SEP = " + "

_TAGS = {
    "en": "en",
    "eng": "en",
    "english": "en",
    "zh": "zh",
    "cn": "zh",
    "chs": "zh",
    "cht": "zh",
    "chinese": "zh",
    "zh-cn": "zh",
    "zh_cn": "zh",
    "zh-tw": "zh",
    "zh_tw": "zh",
    "zh-hans": "zh",
    "zh-hant": "zh",
}
_NAME_TAG = re.compile(
    r"^(?P<base>.+?)[._-](?P<tag>" + "|".join(sorted(map(re.escape, _TAGS), key=len, reverse=True)) + r")$", re.I
)
_FOLDER_SIDES = {"en": "en", "zh": "zh", "src": "src", "tgt": "tgt", "source": "src", "target": "tgt", **_TAGS}
_COMPLEMENTS = ({"en", "zh"}, {"src", "tgt"})


@dataclass(frozen=True, slots=True)
class Unit:
    """One document of a build. ``paths`` is one file, or two in alignment order (the first is
    the aligner's source, as ``align-dir SRC TGT`` would take them); ``how`` says how a pair was
    found: '' (a single file), 'name', 'folder' or 'manifest'."""

    paths: tuple[Path, ...]
    how: str = ""

    @property
    def key(self) -> str:
        """The document's path in the store: the file, or both files joined by ``PAIR_SEP``."""
        return PAIR_SEP.join(map(str, self.paths))

    @property
    def is_pair(self) -> bool:
        return len(self.paths) == 2


def split_key(key: str) -> list[str]:
    """The file paths of a store document's path (one, or two for a pair)."""
    return key.split(PAIR_SEP) if PAIR_SEP in key else [key]


def _name_side(path: Path) -> tuple[tuple[str, str], str] | None:
    """((folder, base name), 'en' | 'zh') for ``X.en.txt``, ``X_zh`` and the like."""
    stem = path.name[: -len(path.suffix)] if path.suffix.lower() == ".txt" else path.name
    m = _NAME_TAG.match(stem)
    if not m:
        return None
    return (str(path.parent), m["base"] + path.suffix.lower()), _TAGS[m["tag"].lower()]


def _folder_side(path: Path) -> tuple[tuple[str, str], str] | None:
    """((grandparent, file name), side) for ``en/X``, ``zh/X``, ``src/X``, ``tgt/X``."""
    side = _FOLDER_SIDES.get(path.parent.name.lower())
    if side is None:
        return None
    return (str(path.parent.parent), path.name), side


def _candidates(files: Sequence[Path], side_of: Callable[[Path], tuple | None]) -> list[tuple[Path, Path]]:
    """Pairs of files with the same key and complementary sides, in side order (en/src first)."""
    groups: dict[tuple[str, str], dict[str, list[Path]]] = {}
    for f in files:
        hit = side_of(f)
        if hit is not None:
            groups.setdefault(hit[0], {}).setdefault(hit[1], []).append(f)
    out = []
    for sides in groups.values():
        for first, second in (("en", "zh"), ("src", "tgt")):
            if len(sides.get(first, ())) == 1 and len(sides.get(second, ())) == 1 and len(sides) == 2:
                out.append((sides[first][0], sides[second][0]))
    return out


def read_manifest(path: str | os.PathLike) -> list[tuple[Path, Path]]:
    """(en, zh) paths from a two-column TSV; relative paths are taken from the manifest's folder."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(path, f"cannot read the pairs manifest ({e})") from e
    out = []
    for n, row in enumerate(csv.reader(text.splitlines(), delimiter="\t"), 1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) != 2:
            raise InputError(path, f"line {n}: expected 2 tab-separated paths (en, zh), found {len(row)} fields")
        en, zh = ((path.parent / p.strip()).resolve() for p in row)
        for p in (en, zh):
            if not p.is_file():
                raise InputError(path, f"line {n}: no such file {p}")
        out.append((en, zh))
    return out


def find_units(
    files: Iterable[Path],
    lang_of: Callable[[Path], str | None],
    manifest: Sequence[tuple[Path, Path]] = (),
) -> list[Unit]:
    """Group ``files`` into documents: manifest pairs, then name pairs, then folder pairs, then
    single files. A candidate pair is kept only when ``lang_of`` finds one side English and the
    other Chinese ('en' / 'zh'; None = bilingual or unreadable); a manifest's pair is taken as
    written. Files in no pair stay single. Sorted by key."""
    files = list(dict.fromkeys(files))
    taken: set[Path] = set()
    units: list[Unit] = []
    for en, zh in manifest:
        if en in taken or zh in taken:
            raise InputError(en, "listed in more than one pair of the manifest")
        units.append(Unit((en, zh), "manifest"))
        taken.update((en, zh))
    for how, side_of in (("name", _name_side), ("folder", _folder_side)):
        for a, b in _candidates([f for f in files if f not in taken], side_of):
            if {lang_of(a), lang_of(b)} == {"en", "zh"}:
                units.append(Unit((a, b), how))
                taken.update((a, b))
    units += [Unit((f,)) for f in files if f not in taken]
    return sorted(units, key=lambda u: u.key)


def file_lang(path: Path, encoding: str | None = None, sample: int = 200_000) -> str | None:
    """'en' or 'zh' when at least 80 % of the language-bearing lines of ``path`` (its first
    ``sample`` characters) are in that language; None for a bilingual, empty or unreadable file."""
    from termalign.text.read import read_text
    from termalign.text.segment import line_lang

    try:
        text = read_text(path, encoding)[:sample]
    except (InputError, OSError):
        return None
    counts = {"en": 0, "zh": 0, "other": 0}
    for line in text.splitlines():
        if line.strip():
            counts[line_lang(line)] += 1
    total = counts["en"] + counts["zh"]
    for lang in ("en", "zh"):
        if total and counts[lang] >= 0.8 * total:
            return lang
    return None
