"""Long documents: the coarse-to-fine band finds what the full DP finds, and stays linear.

Timings live in BENCHMARKS.md ("Large single documents through the aligner"); these tests
check results and sizes only.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from termalign.align.beads import parse_beads
from termalign.align.overlap import window_any, window_sums
from termalign.align.pipeline import MAX_BLOCK, AlignParams, align_sides, coarse_band, sentence_sides
from termalign.models.usem3 import POOLED_WIDTH, windows_in_chunks
from termalign.text.segment import read_document


def _chapter(macdev, name: str) -> tuple[list[str], list[str], list]:
    zh = (macdev / "src" / name).read_text(encoding="utf-8").splitlines()
    en = (macdev / "tgt" / name).read_text(encoding="utf-8").splitlines()
    return zh, en, parse_beads((macdev / "gold" / f"{name}.align").read_text(encoding="utf-8"))


@pytest.mark.slow  # a MAC-Dev chapter through the full and the banded DP
@pytest.mark.parametrize("max_cells", [5_000, 300])  # 300: blocks of MAX_BLOCK, the coarse pass banded too
def test_banded_path_equals_the_full_dp_on_a_macdev_chapter(usem3, macdev, max_cells):
    zh, en, _ = _chapter(macdev, "004")  # 232 x 245 sentences, 57,000 cells
    s, t = sentence_sides(zh, en, usem3, 6, "zh", "en")
    s, t = replace(s, bound=None), replace(t, bound=None)  # as this test has always run: no boundary vectors
    assert t.quote[:, 0].any()  # the boundary costs are in play
    full = align_sides(s, t, AlignParams())
    banded = align_sides(s, t, AlignParams(max_cells=max_cells))
    assert [(b.src, b.tgt) for b in banded.beads] == [(b.src, b.tgt) for b in full.beads]
    assert banded.path.total == pytest.approx(full.path.total, rel=1e-6)  # float32 products, one BLAS thread


@pytest.mark.slow  # a 4,000-line file of all MAC-Dev chapters
def test_long_interleaved_document_recovers_every_gold_pair(usem3, macdev, tmp_path):
    """Chapter 004's gold beads as an interleaved file (per bead the zh line, then the en line;
    one paragraph a line), 10 copies: 3,980 lines, 1,980 x 2,000 paragraphs, aligned
    coarse-to-fine (at this max_cells the coarse pass is itself banded). Every gold 1-1 pair
    must come out as a bead of its own. (Copies repeat text: only the diagonal tells them apart,
    so a coarse path that drifts by a copy is caught.)"""
    zh, en, gold = _chapter(macdev, "004")
    lines, pairs = [], []
    n_zh = n_en = 0
    for _ in range(10):
        for b in gold:
            if b.src:
                lines.append("".join(zh[i].strip() for i in b.src))
                n_zh += 1
            if b.tgt:
                lines.append(" ".join(en[j].strip() for j in b.tgt))
                n_en += 1
            if len(b.src) == 1 and len(b.tgt) == 1:
                pairs.append(((n_en - 1,), (n_zh - 1,)))
    path = tmp_path / "long.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from termalign.align.pipeline import align_document

    al = align_document(read_document(path, presplit=True), usem3, AlignParams(max_cells=5_000))
    assert (len(al.src), len(al.tgt)) == (n_en, n_zh) == (1_980, 2_000)
    assert len(pairs) == 10 * 144
    got = {(b.src, b.tgt) for b in al.beads}
    assert [p for p in pairs if p not in got] == []


def test_the_band_grows_linearly_with_the_document():
    """The fine band has at most a fixed number of cells a row, however long the document
    (it used to widen with the coarse block size, which grew with the length)."""
    rng = np.random.default_rng(3)
    p = AlignParams(max_merge=2, max_total=3, max_cells=20_000)
    per_row = []
    for n in (4_000, 16_000):  # both with blocks of MAX_BLOCK sentences
        x = rng.normal(size=(n, 32)).astype(np.float32)
        y = x + 0.3 * rng.normal(size=x.shape).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        y /= np.linalg.norm(y, axis=1, keepdims=True)
        band = coarse_band(x, y, p)
        rows = np.arange(n + 1)
        assert np.all((band.lo <= rows) & (rows <= band.hi))  # the true path (the diagonal) is inside
        per_row.append(band.cells / (n + 1))
    assert max(per_row) <= 6 * (p.band + MAX_BLOCK)
    assert per_row[1] <= 1.2 * per_row[0]


def test_window_any_is_thresholded_window_sums():
    rng = np.random.default_rng(0)
    for n, L, K in [(0, 3, 4), (1, 2, 6), (5, 0, 6), (50, 7, 6), (3, 4, 6)]:
        x = rng.random((n, L)) < 0.2
        want = (window_sums(x.astype(np.float32), K) > 0).astype(np.float32)
        got = window_any(x, K)
        assert got.dtype == np.float32 and got.shape == want.shape and np.array_equal(got, want)


def test_window_vectors_in_chunks_match_one_pass():
    rng = np.random.default_rng(1)
    pooled = rng.random((1_000, POOLED_WIDTH)).astype(np.float32)
    pooled[:, -1] = rng.integers(5, 30, 1_000)

    def head(m):
        return m / np.linalg.norm(m, axis=1, keepdims=True)

    one = windows_in_chunks(pooled, 6, head, chunk=10**9)
    for chunk in (7, 64, 333):
        np.testing.assert_allclose(windows_in_chunks(pooled, 6, head, chunk=chunk), one, atol=1e-6)
    assert np.array_equal(one[5, -5:], np.zeros((5, 512), np.float32))  # windows past the end
