"""A real CAT tool: Debian's OmegaT loads what `termalign export` writes.

An OmegaT project is made from seed 000's English paragraphs; the exported TMX goes into
``tm/auto/`` (the only folder console mode pre-translates from), the TBX and TSV glossaries into
``glossary/``. ``--mode=console-translate`` writes the target file and ``omegat/project_stats.txt``;
``--script`` runs tests/omegat/glossaries.groovy inside OmegaT, which loads each glossary with
OmegaT's own readers and counts the glossary lines per segment its pane would show.

Needs ``/usr/share/omegat/OmegaT.jar`` and java (``apt-get install -y omegat``; ``.ci/run``
installs it). Without them these tests FAIL when ``CI`` is set and are skipped otherwise.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from test_browser import in_ci

from termalign.app.cli import main
from termalign.corpus.export import read_tsv
from tests.conftest import seed

pytestmark = pytest.mark.slow

OMEGAT_JAR = Path("/usr/share/omegat/OmegaT.jar")
SCRIPT = Path(__file__).resolve().parent / "omegat" / "glossaries.groovy"
INSTALL_HINT = "install Debian's OmegaT: `sudo apt-get update && sudo apt-get install -y omegat` (.ci/run does this)"
PROJECT = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<omegat>
  <project version="1.0">
    <source_dir>__DEFAULT__</source_dir>
    <target_dir>__DEFAULT__</target_dir>
    <tm_dir>__DEFAULT__</tm_dir>
    <glossary_dir>__DEFAULT__</glossary_dir>
    <glossary_file>__DEFAULT__</glossary_file>
    <dictionary_dir>__DEFAULT__</dictionary_dir>
    <source_lang>EN-US</source_lang>
    <target_lang>ZH-CN</target_lang>
    <source_tok>org.omegat.tokenizer.LuceneEnglishTokenizer</source_tok>
    <target_tok>org.omegat.tokenizer.LuceneSmartChineseTokenizer</target_tok>
    <sentence_seg>true</sentence_seg>
    <support_default_translations>true</support_default_translations>
    <remove_tags>false</remove_tags>
  </project>
</omegat>
"""


def make_project(folder: Path, store: Path, *export_args: str) -> Path:
    """An OmegaT project: seed 000's English as the source, termalign's TMX in tm/auto, its
    glossaries (TBX and OmegaT TSV, ``export_args`` added) in glossary/."""
    from termalign.text.segment import read_document

    for sub in ("source", "target", "tm/auto", "glossary", "dictionary", "omegat"):
        (folder / sub).mkdir(parents=True)
    (folder / "omegat.project").write_text(PROJECT, encoding="utf-8")
    english = [p.text for p in read_document(seed("000")).paragraphs if p.lang == "en"]
    (folder / "source" / "seed000.txt").write_text("\n\n".join(english) + "\n", encoding="utf-8")
    for fmt, name in (
        ("tmx", "tm/auto/termalign.tmx"),
        ("tbx", "glossary/termalign.tbx"),
        ("tsv", "glossary/termalign.txt"),
    ):
        args = ["export", "--format", fmt, "-o", str(folder / name), "--store", str(store)]
        r = CliRunner().invoke(main, args + (list(export_args) if fmt != "tmx" else []))
        assert r.exit_code == 0, r.output
    return folder


def require_omegat() -> None:
    """Skip (fail under CI) without OmegaT and java."""
    if not OMEGAT_JAR.is_file() or shutil.which("java") is None:
        msg = f"OmegaT test needs {OMEGAT_JAR} and java: {INSTALL_HINT}"
        if in_ci():
            pytest.fail(f"{msg} (CI is set: the OmegaT test must run)")
        pytest.skip(msg)


def run_omegat(project: Path, config: Path, script: Path = SCRIPT) -> str:
    """One console-translate run of OmegaT on ``project`` with ``script``; its log."""
    require_omegat()
    cmd = [
        "java",
        "-Djava.awt.headless=true",
        "-jar",
        str(OMEGAT_JAR),
        str(project),
        "--mode=console-translate",
        f"--config-dir={config}",
        "--disable-project-locking",
        f"--script={script}",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout + done.stderr


def stats(project: Path) -> tuple[int, int]:
    """(total, remaining) segments from OmegaT's own omegat/project_stats.txt."""
    text = (project / "omegat" / "project_stats.txt").read_text(encoding="utf-8")
    total = re.search(r"^Total:\s+(\d+)", text, re.M)
    remaining = re.search(r"^Remaining:\s+(\d+)", text, re.M)
    return int(total.group(1)), int(remaining.group(1))


def glossary_counts(log: str) -> dict[str, dict[str, int]]:
    out = {}
    for m in re.finditer(r"termalign-glossary file=(\S+) entries=(\d+) segments=(\d+) lines=(\d+) max=(\d+)", log):
        out[m.group(1)] = dict(zip(("entries", "segments", "lines", "max"), map(int, m.groups()[1:])))
    return out


def tbx_pairs(path: Path) -> int:
    """What OmegaT's TBX reader makes of our file: one glossary entry per (English term, Chinese term)."""
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    n = 0
    for te in etree.parse(str(path)).getroot().iter("termEntry"):
        sides = {"en": 0, "zh": 0}
        for ls in te.findall("langSet"):
            sides["en" if ls.get(lang) == "en" else "zh"] += len(ls.findall("tig"))
        n += sides["en"] * sides["zh"]
    return n


@pytest.fixture(scope="module")
def omegat_run(tmp_path_factory, rare_earths_store):
    base = tmp_path_factory.mktemp("omegat")
    project = make_project(base / "project", rare_earths_store)
    log = run_omegat(project, base / "config")
    return project, log


def test_omegat_pretranslates_from_the_exported_tmx(omegat_run):
    project, log = omegat_run
    assert "TMXR_WARNING" not in log.replace("TMXR_WARNING_INCORRECT_SOURCE_LANG", "")  # en vs EN-US only
    total, remaining = stats(project)
    done = total - remaining
    print(f"OmegaT: {done} of {total} segments pre-translated from tm/auto")
    assert total >= 70 and done >= 0.7 * total, (total, remaining)
    target = (project / "target" / "seed000.txt").read_text(encoding="utf-8")
    assert "中国" in target and "稀土" in target


def test_omegat_loads_both_glossaries_with_their_entry_counts(omegat_run):
    project, log = omegat_run
    counts = glossary_counts(log)
    assert set(counts) == {"termalign.tbx", "termalign.txt"}, log[-2000:]
    tsv_rows = read_tsv(project / "glossary" / "termalign.txt")
    assert counts["termalign.txt"]["entries"] == len(tsv_rows) > 100  # every row, no header read as a term
    assert counts["termalign.tbx"]["entries"] == tbx_pairs(project / "glossary" / "termalign.tbx")
    for name, c in counts.items():
        print(f"OmegaT glossary {name}: {c['entries']} entries, {c['lines'] / c['segments']:.1f} lines per segment")
        assert 0 < c["lines"]


def test_the_default_export_shows_fewer_glossary_lines_than_all(omegat_run, tmp_path_factory, rare_earths_store):
    project, log = omegat_run
    base = tmp_path_factory.mktemp("omegat-all")
    everything = make_project(base / "project", rare_earths_store, "--all")
    counts_all = glossary_counts(run_omegat(everything, base / "config"))
    counts = glossary_counts(log)
    for name in ("termalign.tbx", "termalign.txt"):
        print(
            f"OmegaT glossary {name} --all: {counts_all[name]['lines'] / counts_all[name]['segments']:.1f} lines per segment"
        )
        assert counts[name]["lines"] < counts_all[name]["lines"]


def test_omegat_loads_a_reviewed_glossary(tmp_path_factory, rare_earths_store):
    """A reviewed store: TBX main terms preferred (accepted, edited, with a subjectField and a second
    note) or admitted (not reviewed), the TSV only the accepted entries; OmegaT reads every one."""
    from conftest import copy_store

    from termalign.corpus import review

    base = tmp_path_factory.mktemp("omegat-reviewed")
    store = copy_store(rare_earths_store, base / "store")
    with review.open_for_review(store) as s:
        ids = {
            zh: s.con.execute("select id from terms where zh_norm = ?", (zh,)).fetchone()[0]
            for zh in ("稀土", "关税", "许可计划")
        }
        review.decide(s, ids["稀土"], "accept")
        review.decide(s, ids["关税"], "edit", fields={"domain": "trade", "note": "customs duty"})
        review.decide(s, ids["许可计划"], "reject")
    project = make_project(base / "project", store)
    counts = glossary_counts(run_omegat(project, base / "config"))
    tbx = project / "glossary" / "termalign.tbx"
    statuses = {t.text for t in etree.parse(str(tbx)).getroot().iter("termNote")}
    assert statuses == {"preferredTerm-admn-sts", "admittedTerm-admn-sts"}
    assert counts["termalign.tbx"]["entries"] == tbx_pairs(tbx) > 100
    assert counts["termalign.txt"]["entries"] == len(read_tsv(project / "glossary" / "termalign.txt")) == 2


def test_the_readme_segmentation_rules_let_omegat_match_almost_every_segment(tmp_path_factory, rare_earths_store):
    """With the two exceptions the README gives ("U.S.", "Oct."), OmegaT cuts sentences where
    termalign does, and the memory fills in all but the segments cut differently for other reasons."""
    base = tmp_path_factory.mktemp("omegat-srx")
    project = make_project(base / "project", rare_earths_store)
    rules = Path(__file__).resolve().parent / "omegat" / "segmentation.groovy"
    assert "termalign-segmentation true" in run_omegat(project, base / "config", rules)
    plain_total, plain_remaining = stats(project)  # this first run segmented with OmegaT's defaults
    run_omegat(project, base / "config")
    total, remaining = stats(project)
    print(f"OmegaT with the README's rules: {total - remaining} of {total} segments pre-translated")
    assert total < plain_total and remaining < plain_remaining
    assert total - remaining >= 0.95 * total, (total, remaining)
