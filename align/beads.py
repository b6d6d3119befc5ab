"""Beads and alignments: the value types that flow out of the aligner, and their text forms.

A bead joins a run of source sentences with a run of target sentences. Either side may be
empty (1-0 / 0-1 beads: a sentence with no counterpart). Indices are 0-based.

The ladder form is the one used by Vecalign, Bertalign and the MAC/aligner-eval gold files:
``[0,1]:[0]`` or, with a score, ``[0,1]:[0]:0.93``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Bead:
    src: tuple[int, ...]  # source sentence indices, ascending, maybe empty
    tgt: tuple[int, ...]  # target sentence indices, ascending, maybe empty
    score: float = 1.0  # calibrated P(this bead is right), also for 1-0 / 0-1

    @property
    def kind(self) -> str:
        return f"{len(self.src)}-{len(self.tgt)}"

    @property
    def is_null(self) -> bool:
        """True for 1-0 / 0-1 beads (one side empty)."""
        return not self.src or not self.tgt


@dataclass(frozen=True, slots=True)
class Alignment:
    """A sentence alignment of two texts.

    ``src``/``tgt`` are the sentences as they were aligned (original script kept);
    ``beads`` cover every sentence of both sides exactly once, in order.
    """

    src: tuple[str, ...]
    tgt: tuple[str, ...]
    beads: tuple[Bead, ...]
    src_lang: str = "en"
    tgt_lang: str = "zh"
    signature: str = ""
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    def pairs(self) -> Iterable[tuple[Bead, str, str]]:
        """Each bead with its joined source and target text."""
        for b in self.beads:
            yield (
                b,
                join_text([self.src[i] for i in b.src], self.src_lang),
                join_text([self.tgt[i] for i in b.tgt], self.tgt_lang),
            )


def join_text(sentences: Sequence[str], lang: str) -> str:
    """Join sentences the way the language writes them: a space for English, nothing for Chinese."""
    sep = "" if lang.startswith("zh") else " "
    return sep.join(s.strip() for s in sentences)


_LADDER = re.compile(r"^\s*\[([\d,\s]*)\]\s*:\s*\[([\d,\s]*)\]\s*(?::\s*([-+0-9.eE]+))?\s*$")


def _ids(s: str) -> tuple[int, ...]:
    return tuple(int(x) for x in s.replace(" ", "").split(",") if x != "")


def parse_bead(line: str) -> Bead:
    """Parse one ladder line (``[i,j]:[k]`` or ``[i,j]:[k]:0.93``)."""
    m = _LADDER.match(line)
    if not m:
        raise ValueError(f"not a bead: {line!r}")
    score = float(m.group(3)) if m.group(3) is not None else 1.0
    return Bead(_ids(m.group(1)), _ids(m.group(2)), score)


def parse_beads(text: str) -> list[Bead]:
    """Parse a ladder file's text; blank lines are skipped."""
    return [parse_bead(line) for line in text.splitlines() if line.strip()]


def format_bead(bead: Bead, with_score: bool = True) -> str:
    src = ",".join(map(str, bead.src))
    tgt = ",".join(map(str, bead.tgt))
    out = f"[{src}]:[{tgt}]"
    return f"{out}:{bead.score:.4f}" if with_score else out


def format_beads(beads: Iterable[Bead], with_score: bool = True) -> str:
    return "".join(format_bead(b, with_score) + "\n" for b in beads)


def covers_exactly(beads: Sequence[Bead], n_src: int, n_tgt: int) -> bool:
    """True when the beads use every sentence of both sides exactly once, in order."""
    src = [i for b in beads for i in b.src]
    tgt = [j for b in beads for j in b.tgt]
    return src == list(range(n_src)) and tgt == list(range(n_tgt))
