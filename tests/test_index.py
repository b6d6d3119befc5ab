"""VectorIndex: exact vs HNSW, atomic save/load, manifest checks, corrupt files rebuilt."""

from __future__ import annotations

import json

import numpy as np
import pytest

from termalign.align.index import IndexStale, VectorIndex, load_or_build


def _unit(rng, n, d=32):
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_flat_search_returns_external_ids_best_first():
    rng = np.random.default_rng(0)
    v = _unit(rng, 50)
    ids = np.arange(1000, 1050)
    idx = VectorIndex.build(ids, v)
    scores, got = idx.search(v[[3, 7]], 5)
    assert idx.kind == "flat"
    assert got[:, 0].tolist() == [1003, 1007]
    assert np.all(np.diff(scores, axis=1) <= 1e-6)
    s2, g2 = idx.search(v[:1], 60)  # more than there are: padded with -1
    assert (g2[0, 50:] == -1).all()


def test_hnsw_agrees_with_exact_on_most_neighbours():
    rng = np.random.default_rng(1)
    v = _unit(rng, 3000)
    ids = np.arange(3000)
    exact = VectorIndex.build(ids, v, kind="flat").search(v[:200], 10)[1]
    approx = VectorIndex.build(ids, v, kind="hnsw").search(v[:200], 10)[1]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx)])
    assert recall > 0.9


def test_save_load_round_trip_and_corrupt_file_is_rebuilt(tmp_path):
    rng = np.random.default_rng(2)
    v = _unit(rng, 40)
    ids = np.arange(1, 41)
    calls = []

    def vectors():
        calls.append(1)
        return ids, v

    path = tmp_path / "pairs.faiss"
    a = load_or_build(path, "sig", lambda: (40, 40), vectors)
    assert len(calls) == 1 and path.is_file()
    assert json.loads((tmp_path / "pairs.faiss.json").read_text())["count"] == 40
    b = load_or_build(path, "sig", lambda: (40, 40), vectors)  # manifest agrees: loaded, not rebuilt
    assert len(calls) == 1 and (b.search(v[:3], 1)[1] == a.search(v[:3], 1)[1]).all()

    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(IndexStale, match="checksum"):
        VectorIndex.load(path)
    c = load_or_build(path, "sig", lambda: (40, 40), vectors)
    assert len(calls) == 2 and c.search(v[5:6], 1)[1][0, 0] == 6
    VectorIndex.load(path)  # the rebuilt file verifies

    path.write_bytes(b"")  # truncated to nothing
    load_or_build(path, "sig", lambda: (40, 40), vectors)
    assert len(calls) == 3
    load_or_build(path, "other-model", lambda: (40, 40), vectors)  # signature changed
    assert len(calls) == 4
    load_or_build(path, "other-model", lambda: (41, 41), vectors)  # rows added in the database
    assert len(calls) == 5


def test_exact_limit_picks_flat_up_to_the_threshold_and_hnsw_above(tmp_path):
    rng = np.random.default_rng(3)
    v = _unit(rng, 120)
    ids = np.arange(120)
    assert VectorIndex.build(ids, v, exact_limit=120).kind == "flat"
    approx = VectorIndex.build(ids, v, exact_limit=119)
    assert approx.kind == "hnsw"
    assert approx.search(v[7:8], 1)[1][0, 0] == 7  # a stored vector finds itself

    # a cached flat file is rebuilt as HNSW once the store outgrows the threshold (and back)
    path = tmp_path / "pairs.faiss"
    calls = []

    def vectors():
        calls.append(1)
        return ids, v

    assert load_or_build(path, "sig", lambda: (120, 119), vectors).kind == "flat"
    assert load_or_build(path, "sig", lambda: (120, 119), vectors).kind == "flat" and len(calls) == 1
    assert load_or_build(path, "sig", lambda: (120, 119), vectors, exact_limit=100).kind == "hnsw"
    assert len(calls) == 2
    assert VectorIndex.load(path).kind == "hnsw"
    assert load_or_build(path, "sig", lambda: (120, 119), vectors, exact_limit=100).kind == "hnsw" and len(calls) == 2


# ---------------------------------------------------------------- kNN for mining: exact, or IVF shards


def _clustered(rng, n, d=32, centres=40):
    """Unit vectors around ``centres`` directions: IVF lists then hold real neighbourhoods."""
    c = _unit(rng, centres, d)
    x = c[rng.integers(0, centres, n)] + 0.35 * rng.standard_normal((n, d)).astype(np.float32) / np.sqrt(d)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_ivf_shards_visiting_every_list_are_the_exact_search():
    from termalign.align.index import exact_knn, sharded_knn

    rng = np.random.default_rng(2)
    base, queries = _clustered(rng, 2000), _clustered(rng, 100)
    want_s, want_r = exact_knn(queries, base, 8)
    got_s, got_r = sharded_knn(queries, base, 8, shard_size=700, nlist=16, nprobe=16)  # 3 shards, all lists
    assert got_r.tolist() == want_r.tolist()
    assert np.allclose(got_s, want_s, atol=1e-5)


def test_ivf_shards_find_most_neighbours_and_pad_short_lists():
    from termalign.align.index import exact_knn, sharded_knn

    rng = np.random.default_rng(3)
    base, queries = _clustered(rng, 3000), _clustered(rng, 200)
    exact = exact_knn(queries, base, 10)[1]
    s, approx = sharded_knn(queries, base, 10, shard_size=1000, nlist=32, nprobe=4)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx)])
    assert 0.8 < recall < 1.0  # approximate, but close (visiting 4 of 32 lists)
    assert np.all(np.diff(np.where(np.isfinite(s), s, -9), axis=1) <= 1e-6)  # best first
    s, r = sharded_knn(queries[:3], base[:20], 30, shard_size=8, nlist=2, nprobe=2)  # more than there are
    assert (r[:, 20:] == -1).all() and np.isneginf(s[:, 20:]).all() and sorted(r[0, :20]) == list(range(20))


def test_mining_knn_is_exact_up_to_the_limit():
    from termalign.align.index import exact_knn, knn

    rng = np.random.default_rng(4)
    base, queries = _clustered(rng, 500), _clustered(rng, 50)
    want = exact_knn(queries, base, 5)[1]
    assert knn(queries, base, 5, exact_limit=500)[1].tolist() == want.tolist()
    assert knn(queries, base, 5, exact_limit=499, shard_size=200, nlist=8, nprobe=8)[1].tolist() == want.tolist()
