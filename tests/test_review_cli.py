"""The review commands of `termalign glossary` and the exports of a reviewed store (CliRunner)."""

from __future__ import annotations

import pytest
from conftest import copy_store, one_line_error
from lxml import etree

from termalign.corpus import review
from termalign.corpus.export import read_tbx, read_tsv
from termalign.corpus.store import Store


@pytest.fixture
def folder(rare_earths_store, tmp_path):
    return copy_store(rare_earths_store, tmp_path / "store")


def term_id(folder, zh):
    with Store.open(folder, readonly=True) as s:
        return s.con.execute("select id from terms where zh_norm = ?", (zh,)).fetchone()[0]


def item(folder, tid):
    with Store.open(folder, readonly=True) as s:
        return review.queue_item(s, tid)


def test_accept_reject_edit_merge_split_add_undo(cli, folder):
    rare, tariffs = term_id(folder, "稀土"), term_id(folder, "关税")
    r = cli("glossary", "accept", rare, "--store", folder, "--user", "ann")
    assert r.exit_code == 0 and r.stdout.startswith(f"accepted {rare}: 稀土 / rare earths (decision 1 by ann)")
    assert item(folder, rare).status == "accepted"
    r = cli(
        "glossary", "edit", tariffs, "--en", "tariff", "--add-variant", "關稅", "--note", "trade", "--store", folder
    )
    assert r.exit_code == 0, r.output
    it = item(folder, tariffs)
    assert (it.status, it.entry.en, it.note) == ("edited", "tariff", "trade") and "關稅" in it.entry.zh_variants
    seven, g7 = term_id(folder, "七大工业国"), term_id(folder, "七国集团")
    assert cli("glossary", "merge", seven, g7, "--store", folder).exit_code == 0
    assert "Group of 7" in item(folder, seven).entry.en_variants
    wrong = term_id(folder, "稀土出口")
    r = cli("glossary", "split", wrong, "--part", "出口", "exports", "--store", folder)
    assert r.exit_code == 0 and item(folder, wrong).status == "rejected"
    r = cli("glossary", "add", "战略储备", "strategic reserve", "--from", rare, "--store", folder)
    assert r.exit_code == 0 and r.stdout.startswith("added 战略储备 / strategic reserve")
    r = cli("glossary", "undo", "--store", folder)
    assert r.exit_code == 0 and r.stdout.startswith("undone: decision 5 (add")
    r = cli("glossary", "queue", "--status", "reviewed", "--store", folder, "--limit", "50")
    assert r.exit_code == 0 and "稀土 / rare earths" in r.stdout and "战略储备" not in r.stdout
    assert "4 reviewed" in r.stderr and "2 accepted, 1 rejected, 1 edited" in r.stderr  # 出口 / exports split off


def test_bad_review_commands_are_one_line_errors(cli, folder):
    one_line_error(cli("glossary", "accept", "999999", "--store", folder), 2, "no glossary entry with id 999999")
    rare = term_id(folder, "稀土")
    one_line_error(cli("glossary", "merge", rare, rare, "--store", folder), 2, "merge: no other glossary entry")
    one_line_error(cli("glossary", "accept", "1", "--store", folder.parent / "nowhere"), 3, "no store")
    r = cli("glossary", "edit", rare, "--store", folder)
    assert r.exit_code == 2 and "nothing to edit" in r.stderr


def test_scripted_review_session(cli, folder, monkeypatch):
    """a, r, e (with new forms), s, u, a, q on stdin: what a translator types at the terminal."""
    from click.testing import CliRunner

    from termalign.app.cli import main

    with Store.open(folder, readonly=True) as s:
        first = [it.id for it in review.review_queue(s, limit=6)]
    keys = "a\nr\ne\n\ntoo many licences\nchecked\ns\nu\nr\nq\n"
    r = CliRunner().invoke(main, ["glossary", "review", "--store", str(folder), "--user", "eve"], input=keys)
    assert r.exit_code == 0, r.output
    assert "[a]ccept  [r]eject  [e]dit  [s]kip  [u]ndo  [q]uit" in r.output
    assert r.output.count("saved: ") == 4 and "undone: edit" in r.output
    assert r.output.rstrip().endswith("3 decision(s) this session.")
    with Store.open(folder, readonly=True) as s:
        ds = review.decisions(s)
        assert [d.action for d in ds] == ["accept", "reject", "reject"] and {d.user for d in ds} == {"eve"}
        assert review.queue_item(s, first[0]).status == "accepted"
        assert review.queue_item(s, first[1]).status == "rejected"
        assert review.queue_item(s, first[2]).status == "rejected"  # edited, undone, then rejected
    assert "[" in r.output and "]" in r.output  # the term marked in its concordance lines


def test_decisions_export_import(cli, folder, rare_earths_store, tmp_path):
    rare = term_id(folder, "稀土")
    cli("glossary", "accept", rare, "--store", folder)
    out = tmp_path / "d.tsv"
    r = cli("glossary", "decisions", "export", out, "--store", folder)
    assert r.exit_code == 0 and "1 decision(s)" in r.stderr
    other = copy_store(rare_earths_store, tmp_path / "other")
    r = cli("glossary", "decisions", "import", out, "--store", other)
    assert r.exit_code == 0 and "1 decision(s) imported" in r.stderr
    assert item(other, rare).status == "accepted"
    bad = tmp_path / "bad.tsv"
    bad.write_text("x\ty\n", encoding="utf-8")
    one_line_error(cli("glossary", "decisions", "import", bad, "--store", other), 2, "line 1")


def test_exports_carry_the_status(cli, folder, tmp_path):
    rare, tariffs, wrong = term_id(folder, "稀土"), term_id(folder, "关税"), term_id(folder, "许可计划")
    cli("glossary", "accept", rare, "--store", folder)
    cli("glossary", "edit", tariffs, "--domain", "trade", "--note", "customs duty", "--store", folder)
    cli("glossary", "reject", wrong, "--store", folder)
    tbx = tmp_path / "g.tbx"
    assert cli("export", "--format", "tbx", "-o", tbx, "--store", folder, "--all").exit_code == 0
    root = etree.parse(str(tbx)).getroot()
    status = {}
    for te in root.iter("termEntry"):
        en = te.find("langSet/tig/term").text
        status[en] = [t.text for t in te.iter("termNote")]
        if en == "tariffs":
            assert te.findtext("descrip[@type='subjectField']") == "trade"
            assert [n.text for n in te.findall("note")][1] == "customs duty"
    assert status["rare earths"][0] == "preferredTerm-admn-sts" and status["tariffs"][0] == "preferredTerm-admn-sts"
    assert "licensing program" not in status  # rejected: never exported
    assert status["Biden"] == ["admittedTerm-admn-sts"] * len(status["Biden"])  # nobody reviewed it yet
    assert {e.en for e in read_tbx(tbx)} == set(status)  # our reader still reads it
    only = tmp_path / "accepted.tbx"
    r = cli("export", "--format", "tbx", "-o", only, "--store", folder, "--status", "accepted")
    assert r.exit_code == 0 and "accepted only" in r.stderr
    assert {e.en for e in read_tbx(only)} == {"rare earths", "tariffs"}
    gone = tmp_path / "rejected.tbx"
    assert cli("export", "--format", "tbx", "-o", gone, "--store", folder, "--status", "rejected").exit_code == 0
    root = etree.parse(str(gone)).getroot()
    assert [te.find("langSet/tig/term").text for te in root.iter("termEntry")] == ["licensing program"]
    assert {t.text for t in root.iter("termNote")} == {"deprecatedTerm-admn-sts"}
    # OmegaT TSV: the accepted entries by default, once there are any
    tsv = tmp_path / "g.tsv"
    assert cli("export", "--format", "tsv", "-o", tsv, "--store", folder).exit_code == 0
    rows = read_tsv(tsv)
    assert {r[0] for r in rows} == {"rare earths", "tariffs"} and all(
        "accepted" in r[2] or "edited" in r[2] for r in rows
    )
