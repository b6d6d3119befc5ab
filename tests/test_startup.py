"""A fresh ``termalign`` process loads only what its command needs (no timings here: those are
``benchmarks/bench_startup.py``'s)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from termalign.text.pinyin import first_reading, readings, strip_tones

# Runs the command in this process, then reports which heavy modules were imported and how much
# of each large table was read.
PROBE = """
import json, sys
from termalign.app.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
from termalign.align import lexicon
looked = {}
if lexicon._tokenizer.cache_info().currsize:
    looked["jieba"] = lexicon._tokenizer().FREQ
if lexicon._cedict_raw.cache_info().currsize:
    looked["cedict"] = lexicon._cedict_raw()
print(json.dumps({
    "modules": sorted(m for m in ("scipy", "pypinyin", "torch", "faiss", "jieba.posseg") if m in sys.modules),
    "complete": {k: getattr(v, "complete", True) for k, v in looked.items()},
}))
"""


def probe(*args: str, env=None) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True, env=env
    ).stdout
    return json.loads(out.splitlines()[-1])


def test_first_reading_is_pypinyins_for_every_cjk_ideograph():
    """The aligner's anchors used ``lazy_pinyin(c)[0]``; reading pypinyin's table directly must
    give the same syllable for every character of the block (U+4E00..U+9FFF)."""
    from pypinyin import lazy_pinyin

    chars = [chr(cp) for cp in range(0x4E00, 0xA000)]
    assert [first_reading(c) for c in chars] == [lazy_pinyin(c)[0] for c in chars]
    assert first_reading("a") == "a" and readings("重")[:2] == ("zhong", "chong") and strip_tones("lǜ") == "lv"


@pytest.mark.slow
def test_a_short_align_imports_no_scipy_or_pypinyin_and_reads_tables_key_by_key(tmp_path):
    import os

    two = tmp_path / "two.txt"
    two.write_text("The rare earth magnets are made in China.\n稀土磁铁是在中国制造的。\n", encoding="utf-8")
    env = dict(os.environ, TERMALIGN_CACHE=str(tmp_path / "cache"))
    cold = probe("align", str(two), env=env)  # builds the cached tables
    warm = probe("align", str(two), env=env)
    assert cold["modules"] == warm["modules"] == [], warm
    assert warm["complete"] == {"jieba": False, "cedict": False}  # a few words read, not the table
