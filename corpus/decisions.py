"""The decisions table and the glossary rows it drives (the store side of ``corpus.review``).

``Store.replace_terms`` calls :func:`write_glossary`, so every rebuild of the glossary applies
the live decisions again; ``corpus.review`` calls :func:`refresh` after each decision or undo.
Functions here take an open, writable ``corpus.store.Store`` (not imported: the store imports
this module) and run inside the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import numpy as np

from termalign.core.errors import DecisionError
from termalign.core.sqlite import blob, unblob
from termalign.glossary.entries import SentencePair, TermEntry
from termalign.glossary.review import MIN_LABELS, Decision, Reviewed, apply_decisions, label, norm_key, refit

# ---------------------------------------------------------------- rows <-> entries

COLS = (
    "id, zh, en, confidence, freq, n_docs, zh_variants, en_variants, examples, pinned, termhood,"
    " status, note, domain, base, mined_confidence, features, rkey"
)


def entry_json(e: TermEntry | None) -> str:
    return json.dumps(None if e is None else e.to_dict(), ensure_ascii=False)


def entry_from_json(text: str | None) -> TermEntry | None:
    d = json.loads(text) if text else None
    if d is None:
        return None
    d["examples"] = tuple(SentencePair(**x) for x in d["examples"])
    d["zh_variants"], d["en_variants"] = tuple(d["zh_variants"]), tuple(d["en_variants"])
    return TermEntry(**d)


def row_entry(r) -> TermEntry:
    return TermEntry(
        r[1],
        r[2],
        r[3],
        r[4],
        r[5],
        tuple(json.loads(r[6])),
        tuple(json.loads(r[7])),
        tuple(SentencePair(**d) for d in json.loads(r[8])),
        bool(r[9]),
        r[10],
    )


def row_key(r) -> tuple[str, str]:
    zk, _, ek = (r[17] or "").partition("\t")
    return (zk, ek) if r[17] else (norm_key(r[1]), norm_key(r[2]))


def _base(r) -> TermEntry | None:
    """The entry as mined: the row itself while no decision changed it, None for a reviewer's own."""
    if r[14] is None:
        e = row_entry(r)
        return e if r[15] is None else TermEntry(**{**_fields(e), "confidence": r[15]})
    return entry_from_json(r[14])


def _fields(e: TermEntry) -> dict:
    return {f: getattr(e, f) for f in e.__slots__}


def term_row(store, term_id: object):
    """The terms row ``term_id`` (rejected and merged ones too); ``DecisionError`` if there is none."""
    if isinstance(term_id, bool) or not isinstance(term_id, int):
        raise DecisionError(f"an entry id is a whole number, not {term_id!r}")
    r = store.con.execute("select " + COLS + " from terms where id = ?", (term_id,)).fetchone()
    if r is None:
        raise DecisionError(f"no glossary entry with id {term_id}")
    return r


def _write(store, term_id: int, r: Reviewed, features: bytes | None) -> None:
    base = None if not r.decided else entry_json(r.base)
    mined = None if r.base is None else float(r.base.confidence)
    review = (r.status, r.note or None, r.domain or None, features, mined, base, "\t".join(r.key))
    store.write_term(term_id, r.entry, review)


def _next_id(store) -> int:
    """A term id never used before in this store (ids of entries that went are not reused)."""
    top = max(
        int(store.get_meta("terms_max_id", "0") or 0),
        store.con.execute("select coalesce(max(id), 0) from terms").fetchone()[0],
    )
    store.set_meta("terms_max_id", str(top + 1))
    return top + 1


def write_glossary(store, entries: Sequence[TermEntry], features: dict) -> None:
    """The freshly mined ``entries`` with every live decision applied again, written over the
    glossary (inside the caller's transaction). An entry keeps its id when its key was in the old
    glossary, so ids stay valid across rebuilds; ``features`` by (zh, en) of the mined entry."""
    old_ids = {row_key(r): r[0] for r in store.con.execute("select " + COLS + " from terms")}
    rows = apply_decisions(entries, all_decisions(store))
    store.con.execute("delete from terms_fts")
    store.con.execute("delete from terms")
    for r in rows:
        f = features.get((r.base.zh, r.base.en)) if r.base is not None else None
        _write(store, old_ids.get(r.key) or _next_id(store), r, blob(f))
    _apply_fit(store)


def decision_from_row(r) -> Decision:
    return Decision(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], bool(r[7]), entry_from_json(r[8]))


DECISION_COLS = "id, zh_key, en_key, action, fields, user, at, undone"


def all_decisions(store, include_undone: bool = False, snapshots: bool = True, ids=None) -> list[Decision]:
    """The store's decisions, oldest first: live ones (all with ``include_undone``), those with ``ids``
    if given; without ``snapshots`` their saved entries are not read (faster)."""
    head = "select " + DECISION_COLS + (", snapshot" if snapshots else ", null") + " from decisions"
    if ids is None:
        rows = store.con.execute(head + " where (? or undone = 0) order by id", (int(include_undone),))
    else:
        marks = ",".join("?" * len(ids))
        rows = store.con.execute(
            head + f" where (? or undone = 0) and id in ({marks}) order by id", (int(include_undone), *ids)
        )
    return [decision_from_row(r) for r in rows]


def term_by(store, zh_norm: str | None = None, en_norm: str | None = None, rkey: str | None = None):
    """The terms row with these shown forms (normalised), or with this key; None if there is none."""
    if rkey is not None:
        return store.con.execute("select " + COLS + " from terms where rkey = ?", (rkey,)).fetchone()
    return store.con.execute(
        "select " + COLS + " from terms where zh_norm = ? and en_norm = ?", (zh_norm, en_norm)
    ).fetchone()


def has_review(store) -> bool:
    return store.con.execute("select 1 from sqlite_master where name = 'decisions'").fetchone() is not None


def refresh(store, keys: Iterable[tuple[str, str]]) -> None:
    """Rebuild the rows of ``keys`` (and of every key a decision on them touches) from their mined
    entries and the live decisions: what :func:`write_glossary` does for the whole glossary."""
    live = all_decisions(store, snapshots=False)
    keys = set(keys)
    while True:  # a merge ties two keys together
        more = set().union(*(d.keys() for d in live if d.keys() & keys)) - keys
        if not more:
            break
        keys |= more
    marks = ",".join("?" * len(keys))
    rows = store.con.execute(
        "select " + COLS + f" from terms where rkey in ({marks})", ["\t".join(k) for k in keys]
    ).fetchall()
    ids = {row_key(r): r[0] for r in rows}
    feats = {row_key(r): r[16] for r in rows}
    bases = [b for b in map(_base, rows) if b is not None]
    relevant = all_decisions(store, ids=[d.id for d in live if d.keys() & keys])
    out = {r.key: r for r in apply_decisions(bases, relevant)}
    for k in keys:
        if k in out:
            _write(store, ids.get(k) or _next_id(store), out[k], feats.get(k))
        elif k in ids:
            store.con.execute("delete from terms where id = ?", (ids[k],))
            store.con.execute("delete from terms_fts where rowid = ?", (ids[k],))


# ---------------------------------------------------------------- decisions are labels


def refit_confidence(store) -> int:
    """Refit the confidence of the entries still pending on the decisions that are labels, once there
    are ``MIN_LABELS`` of them (below that, the shipped fit's confidence is restored). Returns the labels."""
    from termalign.glossary.pairing import WEIGHTS

    xs, ys = [], []
    for feats, d in zip(
        (r[0] for r in store.con.execute("select features from decisions where undone = 0 order by id")),
        all_decisions(store, snapshots=False),
    ):
        y = label(d)
        x = None if feats is None else unblob(feats)
        if y is not None and x is not None and len(x) == len(WEIGHTS):  # a decision of an older method's features
            xs.append(x)
            ys.append(y)
    if len(ys) < MIN_LABELS:
        if store.get_meta("review_fit") is not None:
            store.con.execute("delete from meta where key = 'review_fit'")
            _apply_fit(store)
        return len(ys)
    # the refit is on entries, so its confidence is shown as it is (no entry map, glossary.calibration)
    w = refit(np.stack(xs).astype(float), np.array(ys, float), WEIGHTS)
    store.set_meta("review_fit", json.dumps({"weights": [round(float(v), 6) for v in w], "labels": len(ys)}))
    _apply_fit(store)
    return len(ys)


def _apply_fit(store) -> None:
    """Pending entries' confidence from the store's fit (meta ``review_fit``), or as mined without one."""
    from termalign.glossary.pairing import FEATURES, MAX_CONFIDENCE, confidence

    fit = store.get_meta("review_fit")
    if fit is not None and len(json.loads(fit)["weights"]) != len(FEATURES):
        fit = None  # fitted on an older method's features: the mined confidence stands until the next refit
    rows = store.con.execute(
        "select id, features, mined_confidence, confidence from terms where status = 'pending' and pinned = 0"
    ).fetchall()
    if fit is None:
        upd = [(r[2], r[0]) for r in rows if r[2] is not None and r[2] != r[3]]
    else:
        w = json.loads(fit)["weights"]
        have = [r for r in rows if r[1] is not None and len(unblob(r[1])) == len(FEATURES)]
        if not have:
            return
        p = confidence(np.stack([unblob(r[1]) for r in have]).astype(float), w)
        upd = [(round(min(float(v), MAX_CONFIDENCE), 4), r[0]) for v, r in zip(p, have)]
    store.con.executemany("update terms set confidence = ? where id = ?", upd)


def queue_rows(store, status: str, min_conf, max_conf, doc_json: str | None, like: str | None) -> list:
    """terms rows for the review queue (``corpus.review.review_queue`` says what the filters mean)."""
    return store.con.execute(
        "select " + COLS + " from terms where status != 'merged'"
        " and (? = 'all' or (? = 'reviewed' and status in ('accepted', 'rejected', 'edited')) or status = ?)"
        " and (? is null or confidence >= ?) and (? is null or confidence <= ?)"
        " and (? is null or instr(examples, ?) > 0)"
        " and (? is null or id in (select rowid from terms_fts where keys like ? escape '\\'))",
        (status, status, status, min_conf, min_conf, max_conf, max_conf, doc_json, doc_json, like, like),
    ).fetchall()


def features_of(store) -> dict[tuple[str, str], np.ndarray]:
    """Each entry's feature row by its key."""
    rows = store.con.execute("select " + COLS + " from terms where features is not null")
    return {row_key(r): unblob(r[16]) for r in rows}


def rejected_rows(store) -> list:
    """terms rows reviewers rejected, in the glossary's order (``Store.ranked_rows``)."""
    return store.ranked_rows("select " + COLS + " from terms where status = 'rejected'")
