"""Glossary review (corpus.review): decisions on a copy of the example store, and that they
survive the glossary being mined again."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import copy_store

from termalign.core.errors import DecisionError
from termalign.corpus import review
from termalign.corpus.build import build_terms
from termalign.corpus.store import Store, norm_text
from termalign.glossary.review import norm_key


@pytest.fixture
def store(rare_earths_store, tmp_path):
    folder = copy_store(rare_earths_store, tmp_path / "store")
    with review.open_for_review(folder) as s:
        yield s


def by_zh(store, zh):
    rows = store.con.execute("select id from terms where zh_norm = ?", (zh,)).fetchall()
    assert rows, zh
    return rows[0][0]


def entry(store, term_id):
    return review.queue_item(store, term_id)


def rebuild(store, usem3):
    build_terms(store, usem3, force=True)


def visible(store):
    return {(e.zh, e.en) for e in store.all_terms()}


def test_norm_key_is_the_stores_norm():
    for t in ("稀土", "稀土元素", "Rare Earths", "  Group  of 7 ", "國家"):
        assert norm_key(t) == norm_text(t)


def test_accept_reject_edit_survive_a_rebuild(store, usem3):
    rare = by_zh(store, "稀土")
    before = entry(store, rare).entry
    review.decide(store, rare, "accept", user="ann")
    assert entry(store, rare).status == "accepted" and entry(store, rare).entry.pinned

    q = review.review_queue(store, limit=100)
    wrong = q[-1]  # any pending entry will do for a reject
    review.decide(store, wrong.id, "reject", user="ann")
    assert (wrong.entry.zh, wrong.entry.en) not in visible(store)

    edit_id = q[0].id
    review.decide(store, edit_id, "edit", user="bob", fields={"note": "checked", "add_variants": ["稀土金屬X"]})
    edited = entry(store, edit_id)
    assert edited.status == "edited" and edited.note == "checked" and "稀土金屬X" in edited.entry.zh_variants

    rebuild(store, usem3)
    assert entry(store, rare).status == "accepted" and entry(store, rare).entry.en == before.en
    assert (wrong.entry.zh, wrong.entry.en) not in visible(store)  # never comes back
    again = entry(store, edit_id)  # same id after the rebuild: the key kept it
    assert again.status == "edited" and again.note == "checked" and "稀土金屬X" in again.entry.zh_variants
    assert review.review_counts(store)["reviewed"] == 3


def test_undo(store):
    tid = review.review_queue(store, limit=1)[0].id
    e0 = entry(store, tid)
    review.decide(store, tid, "edit", user="ann", fields={"en": "something else"})
    assert entry(store, tid).entry.en == "something else"
    d = review.undo(store, user="ann")
    assert d is not None and d.undone and d.action == "edit"
    back = entry(store, tid)
    assert back.entry == e0.entry and back.status == "pending"
    assert review.undo(store, user="nobody") is None
    assert review.decisions(store) == [] and len(review.decisions(store, include_undone=True)) == 1


def test_bad_decisions_are_one_line_errors(store):
    tid = review.review_queue(store, limit=1)[0].id
    with pytest.raises(DecisionError, match="no glossary entry with id 999999"):
        review.decide(store, 999999, "accept")
    with pytest.raises(DecisionError, match="whole number"):
        review.decide(store, "12; drop table terms", "accept")
    with pytest.raises(DecisionError, match="unknown action 'approve'"):
        review.decide(store, tid, "approve")
    with pytest.raises(DecisionError, match="unknown field"):
        review.decide(store, tid, "edit", fields={"colour": "red"})
    with pytest.raises(DecisionError, match="merge"):
        review.decide(store, tid, "merge", fields={"into_id": tid})
    assert review.decisions(store) == []


def test_merge_duplicates(store, usem3):
    seven = by_zh(store, "七大工业国")  # Group of Seven
    g7 = by_zh(store, "七国集团")  # Group of 7
    f7, fs = entry(store, g7).entry.freq, entry(store, seven).entry.freq
    review.decide(store, g7, "merge", user="ann", fields={"into_id": seven})
    kept = entry(store, seven)
    assert kept.entry.en == "Group of Seven" and "Group of 7" in kept.entry.en_variants
    assert "七国集团" in kept.entry.zh_variants and kept.entry.freq == fs + f7
    assert ("七国集团", "Group of 7") not in visible(store)
    rebuild(store, usem3)
    kept = entry(store, seven)
    assert "Group of 7" in kept.entry.en_variants and ("七国集团", "Group of 7") not in visible(store)
    review.undo(store)
    assert ("七国集团", "Group of 7") in visible(store)
    assert "Group of 7" not in entry(store, seven).entry.en_variants


def test_add_from_a_concordance_span_and_split(store, usem3):
    rare = by_zh(store, "稀土")
    rows = review.kwic(store, rare, limit=5)
    assert rows and all(r["zh_spans"] for r in rows)
    first = rows[0]
    assert first["en_spans"] and first["zh"][slice(*first["zh_spans"][0])] == "稀土"
    assert first["en"][slice(*first["en_spans"][0])].lower().startswith("rare earth")
    # a reviewer selects 战略储备 / strategic reserve in an example of another entry
    pair = next(
        p for p in store.concordance("战略储备", 50) if "strategic reserve" in p.en.lower() and p.pair_id is not None
    )
    d = review.decide(
        store, rare, "add", user="ann", fields={"zh": "战略储备", "en": "strategic reserve", "pair_id": pair.pair_id}
    )
    assert (d.zh_key, d.en_key) == ("稀土", "rare earths")  # the entry it came from
    added = [it for it in review.review_queue(store, status="accepted") if it.entry.zh == "战略储备"]
    assert added and added[0].entry.en == "strategic reserve" and added[0].entry.examples[0].en == pair.en
    with pytest.raises(DecisionError, match="not in sentence pair"):
        review.decide(store, rare, "add", fields={"zh": "稀土", "en": "copper", "pair_id": pair.pair_id})

    wrong = by_zh(store, "稀土出口")  # split a pairing into its two terms
    review.decide(store, wrong, "split", fields={"parts": [{"zh": "出口", "en": "exports"}]})
    assert ("稀土出口", "rare earth exports") not in visible(store) and ("出口", "exports") in visible(store)
    rebuild(store, usem3)
    assert ("战略储备", "strategic reserve") in visible(store) and ("出口", "exports") in visible(store)
    assert ("稀土出口", "rare earth exports") not in visible(store)


def test_decisions_tsv_round_trip(store, rare_earths_store, tmp_path):
    q = review.review_queue(store, limit=3)
    review.decide(store, q[0].id, "accept", user="ann")
    review.decide(store, q[1].id, "reject", user="ann")
    review.decide(store, q[2].id, "edit", user="bob", fields={"en": "edited\tform", "note": "tab\there"})
    out = tmp_path / "decisions.tsv"
    assert review.export_decisions(store, out) == 3
    other = copy_store(rare_earths_store, tmp_path / "other")
    with review.open_for_review(other) as s2:
        assert review.import_decisions(s2, out) == 3
        assert review.import_decisions(s2, out) == 0  # already there
        got = [(d.zh_key, d.en_key, d.action, d.fields, d.user, d.at) for d in review.decisions(s2)]
        assert got == [(d.zh_key, d.en_key, d.action, d.fields, d.user, d.at) for d in review.decisions(store)]
        assert review.review_counts(s2) == review.review_counts(store)
        assert visible(s2) == visible(store)
    bad = tmp_path / "bad.tsv"
    bad.write_text("at\tuser\taction\tzh_key\ten_key\tfields\nx\ty\tapprove\ta\tb\t{}\n", encoding="utf-8")
    from termalign.core.errors import InputError

    with pytest.raises(InputError, match="line 2: unknown action 'approve'"):
        review.import_decisions(store, bad)


def test_queue_filters_and_order(store):
    q = review.review_queue(store, limit=1000)
    assert [it.worth for it in q] == sorted((it.worth for it in q), reverse=True)
    assert all(it.status == "pending" for it in q)
    mid = review.review_queue(store, min_conf=0.4, max_conf=0.6, limit=1000)
    assert mid and all(0.4 <= it.entry.confidence <= 0.6 for it in mid)
    places = review.review_queue(store, kind="place", limit=1000)
    assert "澳洲" in {it.entry.zh for it in places} and all(it.kind == "place" for it in places)
    assert "贝森特" in {it.entry.zh for it in review.review_queue(store, kind="name", limit=1000)}
    hits = review.review_queue(store, q="稀土", limit=1000)
    assert hits and all("稀土" in it.entry.zh + "".join(it.entry.zh_variants) for it in hits)
    doc = store.documents()[0].name
    in_doc = review.review_queue(store, doc=doc, limit=1000)
    assert in_doc and all(any(x.doc == doc for x in it.entry.examples) for it in in_doc)
    with pytest.raises(DecisionError, match="unknown status"):
        review.review_queue(store, status="done")


def test_decisions_are_labels_after_fifty(store):
    """50 decisions refit the pending entries' confidence; undoing below 50 restores the shipped fit."""
    q = review.review_queue(store, limit=1000)
    before = {it.id: it.entry.confidence for it in q[60:]}
    for it in q[:50]:  # a reviewer who rejects every uncertain entry
        review.decide(store, it.id, "reject", user="ann")
    assert store.get_meta("review_fit") is not None
    after = {it.id: it.entry.confidence for it in review.review_queue(store, limit=1000)}
    moved = [i for i in before if after.get(i) is not None and after[i] < before[i] - 0.01]
    assert len(moved) > len(before) / 2  # all-negative labels lower the rest
    review.undo(store)
    assert store.get_meta("review_fit") is None
    restored = {it.id: it.entry.confidence for it in review.review_queue(store, limit=1000)}
    assert all(restored[i] == before[i] for i in before)


def test_decisions_with_an_older_methods_features_are_no_labels(store):
    """A store reviewed under an earlier glossary method keeps feature rows of another length: they
    are left out of the refit, and a fit over older features is not applied."""
    import json

    from termalign.corpus.decisions import _apply_fit, refit_confidence
    from termalign.glossary.pairing import FEATURES

    q = review.review_queue(store, limit=1000)
    before = {it.id: it.entry.confidence for it in q[60:]}
    for it in q[:50]:
        review.decide(store, it.id, "reject", user="ann")
    assert store.get_meta("review_fit") is not None
    old = np.zeros(len(FEATURES) - 2, np.float32).tobytes()
    store.con.execute("update decisions set features = ? where id in (select id from decisions limit 5)", (old,))
    assert refit_confidence(store) == 45 and store.get_meta("review_fit") is None  # below 50 labels: shipped fit
    store.set_meta("review_fit", json.dumps({"weights": [1.0] * (len(FEATURES) - 2), "labels": 50}))
    _apply_fit(store)
    restored = {it.id: it.entry.confidence for it in review.review_queue(store, limit=1000)}
    assert all(restored[i] == before[i] for i in before)


def test_a_decision_during_a_build_is_kept(rare_earths_store, tmp_path, usem3, monkeypatch):
    """The build holds the writer lock; a decision made while it mines neither waits for it nor is lost."""
    from termalign.glossary import pairing

    folder = copy_store(rare_earths_store, tmp_path / "store")
    real = pairing.mine_glossary
    made = []

    def mine_and_review(*a, **k):
        out = real(*a, **k)
        with review.open_for_review(folder) as other:  # another client, mid-build
            tid = review.review_queue(other, limit=1)[0].id
            made.append((review.decide(other, tid, "reject", user="web"), review.queue_item(other, tid).entry))
        return out

    monkeypatch.setattr(pairing, "mine_glossary", mine_and_review)
    with Store.open(folder) as building:  # holds termalign.lock
        build_terms(building, usem3, force=True)
    ((d, e),) = made
    with review.open_for_review(folder) as s:
        assert [x.id for x in review.decisions(s)] == [d.id]
        assert (e.zh, e.en) not in visible(s) and review.review_counts(s)["rejected"] == 1


def test_an_accepted_entry_the_mining_loses_comes_back_from_its_snapshot(store):
    """apply_decisions (pure): an accepted or edited entry missing from a new mining is restored as
    it was shown; a noted or rejected one is not."""
    from termalign.glossary.review import apply_decisions

    q = review.review_queue(store, limit=4)
    review.decide(store, q[0].id, "accept", user="ann")
    review.decide(store, q[1].id, "edit", user="ann", fields={"en": "a better form"})
    review.decide(store, q[2].id, "note", user="ann", fields={"note": "ask the client"})
    review.decide(store, q[3].id, "reject", user="ann")
    lost = {it.entry.zh for it in q}
    fresh = [e for e in store.all_terms() if e.zh not in lost]  # a mining that no longer finds the four
    out = {(r.entry.zh, r.entry.en): r for r in apply_decisions(fresh, review.decisions(store))}
    assert out[(q[0].entry.zh, q[0].entry.en)].status == "accepted"
    assert out[(q[1].entry.zh, "a better form")].status == "edited"
    assert (q[2].entry.zh, q[2].entry.en) not in out and (q[3].entry.zh, q[3].entry.en) not in out


def test_the_review_benchmark_decides_and_scores_disjoint_held_entries():
    # bench_review --scheme folds: every held entry is scored once, by a split that never decided it,
    # and the dev entries (the ones the shipped weights were fitted on) are never decided
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench_review import review_splits

    keys = ["稀土", "出口管制", "实体清单", "锂", "钴", "镓", "锗", "政府", "关税", "美国"]
    in_held = [True, True, True, True, True, True, True, False, False, False]
    splits = review_splits(keys, in_held, "folds")
    assert len(splits) == 3
    assert all(not (decide & score) for decide, score in splits)
    assert sorted(i for _, score in splits for i in score) == list(range(7))
    assert all(decide | score == set(range(7)) for decide, score in splits)
    [(decide, score)] = review_splits(keys, in_held, "dev")
    assert decide == {7, 8, 9} and score == set(range(7))


def test_a_decision_stays_with_its_term_when_its_shown_form_changes(store):
    """A term's shown forms follow the corpus: 稀土 is "rare earths" while the plural is written most, and
    may be "rare earth" after new documents (or a newer version) are mined. A decision made under one form
    holds for the other, and the row keeps its id: no second, unreviewed 稀土 appears, and a rejected
    entry does not come back under its other form."""
    from dataclasses import replace

    from termalign.corpus.decisions import write_glossary
    from termalign.glossary.variants import en_key

    rare = by_zh(store, "稀土")
    assert entry(store, rare).entry.en == "rare earths"
    review.decide(store, rare, "edit", user="ann", fields={"note": "checked"})
    # a pending entry shown in a plural whose singular is its variant
    (wrong, singular) = next(
        (q, v)
        for q in review.review_queue(store, limit=400)
        if q.entry.zh != "稀土"
        for v in q.entry.en_variants
        if en_key(v) == en_key(q.entry.en) and v.lower() != q.entry.en.lower()
    )
    review.decide(store, wrong.id, "reject", user="ann")
    fresh = []
    for e in store.all_terms():  # rejected rows are left out: take the mined entry back from the queue item
        if e.zh == "稀土":
            e = replace(e, en="rare earth", en_variants=("rare earths",))
        fresh.append(e)
    fresh.append(replace(wrong.entry, en=singular, en_variants=(wrong.entry.en,)))
    write_glossary(store, fresh, {})
    kept = entry(store, rare)
    assert kept.status == "edited" and kept.note == "checked" and kept.entry.en == "rare earth"
    assert [e.en for e in store.all_terms() if e.zh == "稀土"] == ["rare earth"]
    assert not [e for e in store.all_terms() if e.zh == wrong.entry.zh and en_key(e.en) == en_key(singular)]
