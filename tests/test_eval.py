"""Strict / lax scoring against MAC-Dev gold files, and the TMX / TSV writers."""

from __future__ import annotations

import re
import shutil

import pytest

from termalign.align.beads import Alignment, Bead, format_beads, parse_beads
from termalign.align.evaluate import evaluate_dirs, lax, strict
from termalign.core.errors import InputError


def test_gold_against_itself_is_perfect(macdev):
    r = evaluate_dirs(macdev / "gold", macdev / "gold")
    for variant in (r.strict_nulls, r.strict_no_nulls, r.lax_no_nulls):
        pooled = r.pooled(variant)
        assert pooled.f1 == 1.0 and pooled.n_gold == pooled.n_pred
    assert r.pooled(r.strict_nulls).n_gold == 1329  # the README's bead count


def test_a_perturbed_copy_scores_below_one(macdev, tmp_path):
    pred = tmp_path / "pred"
    shutil.copytree(macdev / "gold", pred)
    beads = parse_beads((pred / "004.align").read_text())
    # join the first two beads into one: both stop matching, one wrong bead appears
    merged = Bead(beads[0].src + beads[1].src, beads[0].tgt + beads[1].tgt)
    (pred / "004").write_text(format_beads([merged] + beads[2:]))  # a pred file may drop ".align"
    (pred / "004.align").unlink()
    r = evaluate_dirs(pred, macdev / "gold")
    s = r.strict_nulls[r.docs.index("004")]
    assert (s.tp, s.n_pred, s.n_gold) == (198, 199, 200)
    assert r.pooled(r.strict_nulls).f1 < 1.0
    assert r.lax_no_nulls[r.docs.index("004")].precision == 1.0  # the merged bead still overlaps gold


def test_scores_in_predictions_are_ignored():
    gold = [Bead((0,), (0,)), Bead((1,), ()), Bead((2,), (1, 2))]
    pred = [Bead((0,), (0,), 0.3), Bead((1,), (), 0.9), Bead((2,), (1, 2), 0.1)]
    assert strict(pred, gold).f1 == 1.0
    assert strict(pred, gold, nulls=False).n_gold == 2


def test_null_variants_differ_when_only_nulls_are_wrong():
    gold = [Bead((0,), (0,)), Bead((1,), ()), Bead((), (1,))]
    pred = [Bead((0,), (0,)), Bead((1,), (1,))]
    assert strict(pred, gold, nulls=False).precision == 0.5
    assert strict(pred, gold, nulls=True).recall == pytest.approx(1 / 3)
    assert lax(pred, gold, nulls=False).recall == 1.0


def test_missing_prediction_is_an_input_error(macdev, tmp_path):
    (tmp_path / "001.align").write_text("[0]:[0]\n")
    with pytest.raises(InputError, match="no prediction for 002"):
        evaluate_dirs(tmp_path, macdev / "gold")


def test_tmx_parses_back_with_languages_and_one_unit_per_non_null_bead():
    from translate.storage.tmx import tmxfile

    from termalign.align.formats import render, tmx_units

    al = Alignment(
        ("Rare earths.", "Prices rose.", "Extra."),
        ("稀土。", "價格", "上漲。"),
        (Bead((0,), (0,), 0.9), Bead((1,), (1, 2), 0.8), Bead((2,), (), 0.1)),
        "en",
        "zh-TW",
        "sig:test",
    )
    data = render(al, "tmx")
    units = list(tmx_units(data))
    assert units == [{"en": "Rare earths.", "zh-TW": "稀土。"}, {"en": "Prices rose.", "zh-TW": "價格上漲。"}]
    from lxml import etree

    from termalign.align.formats import tool_version

    header = etree.fromstring(data).find("header")
    assert (
        header.get("creationtool") == "termalign" and header.get("creationtoolversion") == tool_version() != "0+unknown"
    )
    assert header.get("o-tmf") == "termalign" and re.fullmatch(r"\d{8}T\d{6}Z", header.get("creationdate"))
    assert header.findtext("prop[@type='x-signature']") == "sig:test"
    props = [{p.get("type"): p.text for p in tu.findall("prop")} for tu in etree.fromstring(data).iter("tu")]
    assert props == [
        {"x-score": "0.9000", "x-src": "0", "x-tgt": "0"},
        {"x-score": "0.8000", "x-src": "1", "x-tgt": "1,2"},
    ]
    back = tmxfile.parsestring(data)
    assert [u.source for u in back.units] == ["Rare earths.", "Prices rose."]
    tsv = render(al, "tsv").decode().splitlines()
    assert tsv[:2] == ["# sig:test", "score\tsrc_text\ttgt_text\tsrc_ids\ttgt_ids"]
    assert tsv[4] == "0.1000\tExtra.\t\t2\t"


def test_recall_by_type_counts_each_gold_group(macdev):
    from termalign.align.evaluate import bead_group, recall_by_type

    r = evaluate_dirs(macdev / "gold", macdev / "gold")
    total = {g: sum(d[g].n_gold for d in r.by_type) for g in r.by_type[0]}
    assert sum(total.values()) == 1329 and total["m-n"] > 0 and total["null"] > 0
    assert all(d[g].recall == 1.0 for d in r.by_type for g in d if d[g].n_gold)
    assert "m-n (both >= 2)" in r.format() and "1-0/0-1" in r.format()
    # cut every many-to-many bead of 004 into a 1-1 bead and the rest: only that group loses
    gold = parse_beads((macdev / "gold" / "004.align").read_text())
    pred = []
    for b in gold:
        if bead_group(b) == "m-n":
            pred += [Bead(b.src[:1], b.tgt[:1]), Bead(b.src[1:], b.tgt[1:])]
        else:
            pred.append(b)
    by = recall_by_type(pred, gold)
    assert by["m-n"].n_gold > 0 and by["m-n"].recall == 0.0
    assert by["1-1"].recall == by["1-n"].recall == 1.0 and by["1-1"].precision < 1.0
