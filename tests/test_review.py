"""Glossary review (corpus.review): decisions on a copy of the example store, and that they
survive the glossary being mined again."""

from __future__ import annotations

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
    rows = store.con.execute("select id from terms where zh = ?", (zh,)).fetchall()
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
    with pytest.raises(DecisionError, match="unknown action 'approve'"):
        review.decide(store, tid, "approve")
    with pytest.raises(DecisionError, match="unknown field"):
        review.decide(store, tid, "edit", fields={"colour": "red"})
    with pytest.raises(DecisionError, match="merge"):
        review.decide(store, tid, "merge", fields={"into_id": tid})
    assert review.decisions(store) == []
