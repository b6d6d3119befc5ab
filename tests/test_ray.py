"""``build --engine ray`` on a local Ray: the same store as a serial build, through a lost actor
and a killed driver; Ray never imported by the default path; a missing extra is one line.

One Ray instance for the module (``num_cpus=2``); the driver-kill test connects a second
driver (a ``termalign build`` subprocess) to it with ``--address``. Without Ray installed these
tests are skipped, or fail under CI (``.ci/run`` installs the ``ray`` extra)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from termalign.corpus.build import build
from termalign.corpus.store import Store
from tests.conftest import FIXTURE_CACHE, MINED_FLOOR, ROOT, SEEDS, one_line_error


def _ray_or_skip():
    try:
        import ray
    except ImportError:
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail("Ray is not installed (CI is set: pip install -e '.[test,ray]')")
        pytest.skip("Ray is not installed: pip install -e '.[ray]'")
    return ray


@pytest.fixture(scope="module")
def local_ray():
    """A Ray on this machine for the module: 2 CPUs, a small object store. Its workers inherit
    this process's environment now, the checkout's fixture vector cache among it."""
    ray = _ray_or_skip()
    ray.init(num_cpus=2, object_store_memory=200 * 2**20, include_dashboard=False, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()


def _content(folder) -> dict:
    """What a store says, order aside: its documents, sentences, pairs (both kinds) and the
    glossary as `termalign export --format jsonl` writes it, each sorted."""
    from click.testing import CliRunner

    from termalign.app.cli import main

    r = CliRunner().invoke(main, ["export", "--format", "jsonl", "--all", "-o", "-", "--store", str(folder)])
    assert r.exit_code == 0, r.output
    terms = sorted(
        (json.loads(line) for line in r.stdout.splitlines() if line.strip()), key=lambda t: (t["zh"], t["en"])
    )
    with Store.open(folder, readonly=True) as s:
        q = lambda sql: sorted((tuple(r) for r in s.con.execute(sql)), key=lambda r: [str(x) for x in r[:5]])  # noqa: E731
        return {
            "documents": q("select path, sha256, signature, parallel from documents"),
            "sentences": q("select lang, idx, text, clean, boilerplate, length(vector) from sentences"),
            "pairs": q("select kind, src, tgt, en, zh, score, margin from pairs"),
            "terms": terms,
        }


def _same(a, b, path: str = "") -> None:
    """``a`` and ``b`` are equal, but for floats within one unit of the 4th decimal: vectors made
    with other BLAS thread counts (an actor has one thread) differ in their last bits, and so do
    scores made from them; the glossary stores its scores rounded to 4 decimals, where such a
    difference can cross a rounding boundary (0.13505 ± 1e-9 -> 0.135 or 0.1351)."""
    if isinstance(a, float) or isinstance(b, float):
        ok = isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= 1.0001e-4
        assert ok, (path, a, b)
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), (
            path,
            len(a),
            len(b) if isinstance(b, (list, tuple)) else b,
        )
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), (path, a, b)
        for k in a:
            _same(a[k], b[k], f"{path}.{k}")
    else:
        assert a == b, (path, a, b)


@pytest.fixture(scope="module")
def serial_content(usem3, tmp_path_factory) -> dict:
    """The serial build of the seeds, made in this process like the Ray builds it is compared with:
    the glossary is mined in the driver, and jieba's dictionary is process-wide state that other
    tests' pinned terms change (a build run as a command starts from the plain dictionary)."""
    folder = tmp_path_factory.mktemp("serial") / "s"
    with Store.open(folder) as s:
        build([SEEDS], s, usem3)
    return _content(folder)


@pytest.mark.slow  # a build of the seeds on two Ray actors
def test_ray_build_gives_the_serial_store(tmp_path, usem3, local_ray, serial_content):
    events = []
    with Store.open(tmp_path / "s") as s:
        report = build([SEEDS], s, usem3, engine="ray", jobs=2, model_spec="usem3", on_event=events.append)
    assert (report.built, report.skipped, report.failed) == (5, 0, ())
    assert len(report.worker_peak_mb) == 2  # two actors, each reporting its peak memory
    assert [e.path for e in events if e.kind == "file"] == sorted(str(p.resolve()) for p in SEEDS.glob("*.txt"))
    got = _content(tmp_path / "s")
    _same(got, serial_content)
    assert len(got["pairs"]) >= 90 and len(got["terms"]) > 100  # not an empty store: 96 aligned pairs, ~300 terms
    with Store.open(tmp_path / "s") as s:  # resume: nothing is sent to Ray again
        again = build([SEEDS], s, usem3, engine="ray", jobs=2, model_spec="usem3")
    assert (again.built, again.skipped) == (0, 5)


@pytest.mark.slow  # a build of the seeds on two Ray actors, one of them killed
def test_a_killed_actor_is_restarted_and_the_build_completes(tmp_path, usem3, local_ray, serial_content):
    from termalign.corpus.ray_engine import ACTOR_NAME

    killed = []

    def on_event(ev):  # after the first commit, kill actor 0: its queued documents are in flight
        if ev.kind == "file" and ev.status == "done" and not killed:
            actor = local_ray.get_actor(ACTOR_NAME.format(0))
            killed.append(local_ray.get(actor.pid.remote()))
            local_ray.kill(actor, no_restart=False)

    with Store.open(tmp_path / "s") as s:
        report = build([SEEDS], s, usem3, engine="ray", jobs=2, model_spec="usem3", on_event=on_event)
    assert killed and (report.built, report.failed) == (5, ())
    assert len(report.worker_peak_mb) == 3  # the restarted actor is a new process, and it prepared documents
    _same(_content(tmp_path / "s"), serial_content)


@pytest.mark.slow  # a termalign build subprocess on the module's Ray, killed, then rerun
def test_a_killed_driver_resumes_from_the_store(tmp_path, local_ray, serial_content):
    store = tmp_path / "killed"
    address = local_ray.get_runtime_context().gcs_address
    env = {**os.environ, "TERMALIGN_CACHE": str(FIXTURE_CACHE)}
    cmd = [sys.executable, "-m", "termalign.app.cli", "build", str(SEEDS), "--store", str(store), "--quiet"]
    cmd += ["--engine", "ray", "--address", address, "--jobs", "1"]  # one actor: documents commit one by one
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db, n = store / "glossary.sqlite", 0
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if db.exists():
            try:
                con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
                n = con.execute("select count(*) from documents").fetchone()[0]
                con.close()
            except sqlite3.OperationalError:
                n = 0
            if n >= 1:
                break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if db.exists():  # what was committed by the time the kill landed
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        n = con.execute("select count(*) from documents").fetchone()[0]
        con.close()
    assert 1 <= n < 5, f"kill came too late or too early ({n} documents committed)"
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    first = out.stdout.splitlines()[0]
    assert f"({5 - n} built, {n} unchanged, 0 failed)" in first, first
    _same(_content(store), serial_content)


@pytest.mark.slow  # a small build on the module's Ray
def test_a_failed_document_is_reported_like_any_failed_file(tmp_path, usem3, local_ray):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "001.txt").write_text((next(SEEDS.glob("001_*.txt"))).read_text(encoding="utf-8"), encoding="utf-8")
    (corpus / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    with Store.open(tmp_path / "s") as s:
        report = build([corpus], s, usem3, engine="ray", jobs=2, model_spec="usem3", glossary=False)
    assert report.built == 1
    ((path, message),) = report.failed
    assert path.endswith("broken.txt") and "broken.txt" in message and "\n" not in message


@pytest.mark.slow  # Ray actors on the module's Ray
def test_ivf_shards_on_ray_actors_merge_to_the_local_search(local_ray):
    import numpy as np

    from termalign.align.index import sharded_knn
    from termalign.corpus.ray_engine import RayShards

    rng = np.random.default_rng(5)
    x = rng.standard_normal((3000, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    kw = dict(shard_size=1000, nlist=24, nprobe=6)  # 3 shards, 3 actors
    local = sharded_knn(x[:100], x, 8, **kw)
    remote = sharded_knn(x[:100], x, 8, shards=RayShards(), **kw)
    assert remote[1].tolist() == local[1].tolist() and np.allclose(remote[0], local[0])
    assert (remote[1][:, 0] == np.arange(100)).all()  # each query finds itself


@pytest.mark.slow  # Ray actors on the module's Ray, one of them killed
def test_a_killed_shard_actor_is_started_again_from_its_shard(local_ray):
    import numpy as np

    from termalign.align.index import ShardedIndex
    from termalign.corpus.ray_engine import RayShards

    rng = np.random.default_rng(6)
    x = rng.standard_normal((2000, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    read = []

    class Rows:  # the base as a store gives it: rows read when asked for, each read recorded
        def __len__(self):
            return len(x)

        def __getitem__(self, rows):
            read.append((rows.start, rows.stop) if isinstance(rows, slice) else len(rows))
            return x[rows]

    shards = RayShards()
    index = ShardedIndex.build(Rows(), shards, shard_size=700, nlist=16, nprobe=16)  # 3 shard actors
    try:
        before = index.search(x[700:750], 5)
        assert read.count((700, 1400)) == 1
        local_ray.kill(shards._actors[1])  # the actor of rows 700..1399, where these queries are
        after = index.search(x[700:750], 5)
    finally:
        index.close()
    assert read.count((700, 1400)) == 2  # its shard was read again for a new actor
    assert after[1].tolist() == before[1].tolist()
    assert (after[1][:, 0] == np.arange(700, 750)).all()  # each query finds itself


@pytest.mark.slow  # a build of the seeds on Ray, its mining on IVF shards held by Ray actors
def test_mining_above_the_exact_limit_searches_shards_on_ray(
    tmp_path, usem3, local_ray, mined_example_store, monkeypatch, past_the_exact_limit
):
    from termalign.align import index
    from termalign.corpus import ray_engine

    # past_the_exact_limit: the seeds' ~200 sentences a side as if past the exact limit (shards of
    # 64 vectors, queries read 32 at a time); here every list is visited, so the search is exact and
    # the mined pairs must be the serial build's
    monkeypatch.setattr(index, "IVF_NPROBE", 10_000)
    shards_sent: dict = {}  # each RayShards (kept alive here) -> rows of each shard it put on an actor
    real_add = ray_engine.RayShards.add

    def add(self, centroids, base, start, stop, nprobe):
        shards_sent.setdefault(self, []).append(stop - start)
        return real_add(self, centroids, base, start, stop, nprobe)

    monkeypatch.setattr(ray_engine.RayShards, "add", add)
    read = past_the_exact_limit
    with Store.open(tmp_path / "s") as s:
        report = build(
            [SEEDS], s, usem3, engine="ray", jobs=2, model_spec="usem3", glossary=False, min_score=MINED_FLOOR
        )
    assert report.built == 5 and report.mined > 0  # the default threshold keeps none of the seeds' candidates
    assert len(shards_sent) == 2 and all(len(v) >= 3 for v in shards_sent.values())  # both ways, several shards
    assert read and max(read) <= 64  # the driver read one shard (or one chunk of queries) at a time

    def mined(folder):
        with Store.open(folder, readonly=True) as s:
            sql = "select kind, src, tgt, en, zh, score, margin from pairs where kind = 'mined'"
            return sorted((tuple(r) for r in s.con.execute(sql)), key=lambda r: [str(x) for x in r[:5]])

    _same(mined(tmp_path / "s"), mined(mined_example_store[0]))


def test_missing_ray_is_one_line_naming_the_extra(cli, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    r = cli("build", SEEDS, "--engine", "ray", "--store", tmp_path / "s")
    one_line_error(r, 6, "pip install 'termalign[ray]'")
    assert not (tmp_path / "s").exists()  # refused before anything was opened


def test_address_without_the_ray_engine_is_a_usage_error(cli, tmp_path):
    r = cli("build", SEEDS, "--address", "auto", "--store", tmp_path / "s")
    assert r.exit_code == 2 and "--engine ray" in r.output


def test_the_default_path_never_imports_ray(tmp_path):
    code = (
        "import sys; import termalign.app.cli; from termalign.corpus.build import build; "
        "from termalign.corpus.store import Store; from termalign.models import load_encoder; "
        f"s = Store.open({str(tmp_path / 's')!r}); "
        f"r = build([{str(next(SEEDS.glob('001_*.txt')))!r}], s, load_encoder('usem3'), glossary=False); "
        "s.close(); print(r.built, 'ray' in sys.modules)"
    )
    env = {**os.environ, "TERMALIGN_CACHE": str(FIXTURE_CACHE)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    assert out.stdout.split() == ["1", "False"], out.stdout + out.stderr
