"""Glossary review: reviewers' decisions kept in the store, the review queue, and the concordance.

The contract the CLI and the web page use::

    ACTIONS = ("accept", "reject", "edit", "merge", "split", "add", "note")
    Decision(id, zh_key, en_key, action, fields, user, at, undone)   # keys: the entry's zh_norm / en_norm
    QueueItem(id, entry, status, worth, kind, note, domain)          # entry as displayed (edits applied)
    decide(store, term_id, action, *, user=None, fields=None) -> Decision
    undo(store, *, user=None) -> Decision | None       # the newest live decision (of that user if given)
    decisions(store, *, include_undone=False) -> list[Decision]
    review_queue(store, *, status="pending", min_conf=None, max_conf=None, doc=None, kind=None, q=None,
                 limit=50, offset=0) -> list[QueueItem]
    review_counts(store) -> {"reviewed", "pending", "accepted", "rejected", "edited"}
    kwic(store, term_id, limit=20) -> [{"en", "zh", "en_spans", "zh_spans", "doc", "score", "mined", "pair_id"}]
    export_decisions(store, path) -> int;  import_decisions(store, path, *, user=None) -> int   # TSV

``fields`` by action (JSON): edit ``zh``, ``en``, ``zh_variants``/``en_variants`` (whole lists),
``add_variants``/``remove_variants`` (either script), ``note``, ``domain``; note ``note``,
``domain``; merge ``into`` ({"zh", "en"} of the entry that stays) or ``into_id``; split ``parts``
([{"zh", "en"}, ...], the pairs the wrong pairing is split into); add ``zh``, ``en`` and
``pair_id`` (the concordance pair the span was selected in; ``term_id`` may be the entry whose
example it was); accept and reject none. ``user`` defaults to the OS user. A bad id, action or
field raises ``DecisionError`` (one line; exit 2, HTTP 400).

Decisions are written by a store opened with :func:`open_for_review` (no writer lock, so a review
goes on while ``termalign build`` runs): each is one transaction that applies it to the
glossary at once, and a build re-applies every decision when it writes a new glossary
(:func:`write_glossary`, called by ``Store.replace_terms``). Once ``MIN_LABELS`` decisions are
labels, the store's confidence is refit on them (:func:`refit_confidence`).
"""

from __future__ import annotations

import getpass
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from termalign.core.errors import DecisionError, InputError, StoreError
from termalign.corpus.store import Store, _blob, _unblob, norm_text
from termalign.glossary.entries import SentencePair, TermEntry
from termalign.glossary.review import (
    ACTIONS,
    HIDDEN,
    MIN_LABELS,
    Decision,
    Reviewed,
    apply_decisions,
    label,
    norm_key,
    refit,
    worth,
)
from termalign.glossary.review import (
    kind as kind_of,
)

__all__ = [
    "ACTIONS",
    "Decision",
    "QueueItem",
    "decide",
    "decisions",
    "export_decisions",
    "import_decisions",
    "kwic",
    "open_for_review",
    "review_counts",
    "review_queue",
    "undo",
]

QUEUE_STATUSES = ("pending", "accepted", "rejected", "edited", "reviewed", "all")
_FIELDS = {
    "accept": set(),
    "reject": set(),
    "edit": {"zh", "en", "zh_variants", "en_variants", "add_variants", "remove_variants", "note", "domain"},
    "note": {"note", "domain"},
    "merge": {"into", "into_id"},
    "split": {"parts"},
    "add": {"zh", "en", "pair_id"},
}
TSV_COLUMNS = ("at", "user", "action", "zh_key", "en_key", "fields")
TSV_HEADER = "# termalign review decisions, one per line (fields: JSON)"


@dataclass(frozen=True, slots=True)
class QueueItem:
    id: int  # terms.id of the entry
    entry: TermEntry  # as displayed (edits applied)
    status: str  # pending | accepted | rejected | edited
    worth: float  # the queue's order: glossary.review.worth, frequent and uncertain first
    kind: str  # term | name | place | organisation (glossary.review.kind)
    note: str = ""
    domain: str = ""


def open_for_review(path=None) -> Store:
    """The store at ``path``, writable without the writer lock (decisions may be made during a build)."""
    Store.open(path, readonly=True).close()  # a missing store is an error, not a new empty one
    return Store.open(path, lock=False)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ---------------------------------------------------------------- rows <-> entries

_COLS = (
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


def _entry(r) -> TermEntry:
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


def _key(r) -> tuple[str, str]:
    zk, _, ek = (r[17] or "").partition("\t")
    return (zk, ek) if r[17] else (norm_text(r[1]), norm_text(r[2]))


def _base(r) -> TermEntry | None:
    """The entry as mined: the row itself while no decision changed it, None for a reviewer's own."""
    if r[14] is None:
        e = _entry(r)
        return e if r[15] is None else TermEntry(**{**_fields(e), "confidence": r[15]})
    return entry_from_json(r[14])


def _fields(e: TermEntry) -> dict:
    return {f: getattr(e, f) for f in e.__slots__}


def _row(store: Store, term_id: int):
    r = store.con.execute(f"select {_COLS} from terms where id = ?", (int(term_id),)).fetchone()
    if r is None:
        raise DecisionError(f"no glossary entry with id {term_id}")
    return r


def _write(store: Store, term_id: int, r: Reviewed, features: bytes | None) -> None:
    base = None if not r.decided else entry_json(r.base)
    store.write_term(
        term_id,
        r.entry,
        {
            "status": r.status,
            "note": r.note or None,
            "domain": r.domain or None,
            "features": features,
            "mined_confidence": None if r.base is None else float(r.base.confidence),
            "base": base,
            "rkey": "\t".join(r.key),
        },
    )


def _next_id(store: Store) -> int:
    """A term id never used before in this store (ids of entries that went are not reused)."""
    top = max(
        int(store.get_meta("terms_max_id", "0") or 0),
        store.con.execute("select coalesce(max(id), 0) from terms").fetchone()[0],
    )
    store.set_meta("terms_max_id", str(top + 1))
    return top + 1


def write_glossary(store: Store, entries: Sequence[TermEntry], features: dict) -> None:
    """The freshly mined ``entries`` with every live decision applied again, written over the
    glossary (inside the caller's transaction). An entry keeps its id when its key was in the old
    glossary, so ids stay valid across rebuilds; ``features`` by (zh, en) of the mined entry."""
    old_ids = {_key(r): r[0] for r in store.con.execute(f"select {_COLS} from terms")}
    rows = apply_decisions(entries, _decisions(store))
    store.con.execute("delete from terms_fts")
    store.con.execute("delete from terms")
    for r in rows:
        f = features.get((r.base.zh, r.base.en)) if r.base is not None else None
        _write(store, old_ids.get(r.key) or _next_id(store), r, _blob(f))
    _apply_fit(store)


# ---------------------------------------------------------------- decisions


def _decision(r) -> Decision:
    return Decision(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], bool(r[7]), entry_from_json(r[8]))


def _decisions(store: Store, include_undone: bool = False) -> list[Decision]:
    sql = "select id, zh_key, en_key, action, fields, user, at, undone, snapshot from decisions"
    return [
        _decision(r) for r in store.con.execute(sql + ("" if include_undone else " where undone = 0") + " order by id")
    ]


def decisions(store: Store, *, include_undone: bool = False) -> list[Decision]:
    """Every decision made in this store, oldest first (undone ones too with ``include_undone``)."""
    if not _has_review(store):
        return []
    return _decisions(store, include_undone)


def _has_review(store: Store) -> bool:
    return store.con.execute("select 1 from sqlite_master where name = 'decisions'").fetchone() is not None


def _check_fields(store: Store, action: str, fields: dict, r) -> dict:
    """``fields`` validated and normalised for ``action`` (merge targets and add examples resolved)."""
    if action not in ACTIONS:
        raise DecisionError(f"unknown action {action!r}; choose one of: {', '.join(ACTIONS)}")
    bad = set(fields) - _FIELDS[action]
    if bad:
        allowed = ", ".join(sorted(_FIELDS[action])) or "none"
        raise DecisionError(f"{action}: unknown field(s) {', '.join(sorted(bad))} (allowed: {allowed})")
    f = dict(fields)
    for k in ("zh", "en", "note", "domain"):
        if k in f and not isinstance(f[k], str):
            raise DecisionError(f"{action}: {k} must be text")
    for k in ("zh_variants", "en_variants", "add_variants", "remove_variants"):
        if k in f and not (isinstance(f[k], list) and all(isinstance(v, str) and v.strip() for v in f[k])):
            raise DecisionError(f"{action}: {k} must be a list of non-empty texts")
    if action in ("edit", "note") and not f:
        raise DecisionError(f"{action}: nothing to change (give {', '.join(sorted(_FIELDS[action]))})")
    if action == "edit" and any(k in f and not f[k].strip() for k in ("zh", "en")):
        raise DecisionError("edit: a form cannot be empty")
    if action == "merge":
        if "into_id" in f:
            t = _row(store, f.pop("into_id"))
            f["into"] = {"zh": t[1], "en": t[2]}
        into = f.get("into")
        if not (isinstance(into, dict) and isinstance(into.get("zh"), str) and isinstance(into.get("en"), str)):
            raise DecisionError("merge: give into = {zh, en} (or into_id) of the entry to keep")
        tk = (norm_key(into["zh"]), norm_key(into["en"]))
        t = store.con.execute(f"select {_COLS} from terms where zh_norm = ? and en_norm = ?", tk).fetchone()
        if t is None or t[11] in HIDDEN or t[0] == r[0]:
            raise DecisionError(f"merge: no other glossary entry {into['zh']} / {into['en']} to merge into")
        f["into"] = {"zh": _key(t)[0], "en": _key(t)[1]}
    if action == "split":
        parts = f.get("parts")
        if not (isinstance(parts, list) and parts and all(_pair_ok(p) for p in parts)):
            raise DecisionError("split: give parts = [{zh, en}, ...], each side non-empty")
        f["parts"] = [{"zh": p["zh"].strip(), "en": p["en"].strip()} for p in parts]
    if action == "add":
        if not _pair_ok(f):
            raise DecisionError("add: give zh and en, both non-empty")
        f["zh"], f["en"] = f["zh"].strip(), f["en"].strip()
        if "pair_id" in f:
            f["example"] = _example(store, f["pair_id"], f["zh"], f["en"])
    return f


def _pair_ok(p) -> bool:
    return isinstance(p, dict) and all(isinstance(p.get(s), str) and p[s].strip() for s in ("zh", "en"))


def _example(store: Store, pair_id, zh: str, en: str) -> dict:
    if not isinstance(pair_id, int):
        raise DecisionError("add: pair_id must be a number")
    p = store.con.execute(
        "select p.en, p.zh, p.score, d.name, p.kind from pairs p join documents d on d.id = p.doc where p.id = ?",
        (pair_id,),
    ).fetchone()
    if p is None:
        raise DecisionError(f"add: no sentence pair with id {pair_id}")
    if norm_key(zh) not in norm_key(p[1]) or norm_key(en) not in norm_key(p[0]):
        raise DecisionError(f"add: {zh} / {en} is not in sentence pair {pair_id}")
    return {"en": p[0], "zh": p[1], "score": float(p[2]), "doc": p[3], "kind": p[4]}


def decide(store: Store, term_id: int, action: str, *, user: str | None = None, fields: dict | None = None) -> Decision:
    """Record one decision on the entry ``term_id`` and apply it to the glossary, in one transaction."""
    if not isinstance(fields or {}, dict):
        raise DecisionError(f"{action}: fields must be a JSON object")
    with store.transaction():
        try:
            r = _row(store, term_id)
        except DecisionError:
            if action != "add":
                raise
            r = None
        f = _check_fields(store, action, fields or {}, r)
        key = _key(r) if r is not None else (norm_key(f["zh"]), norm_key(f["en"]))
        cur = store.con.execute(
            "insert into decisions(zh_key, en_key, action, fields, user, at, snapshot, features) values (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                *key,
                action,
                json.dumps(f, ensure_ascii=False),
                user or getpass.getuser(),
                now(),
                entry_json(_entry(r)) if r is not None else None,
                r[16] if r is not None else None,
            ),
        )
        d = _decision(
            store.con.execute(
                "select id, zh_key, en_key, action, fields, user, at, undone, snapshot from decisions where id = ?",
                (cur.lastrowid,),
            ).fetchone()
        )
        refresh(store, d.keys())
        refit_confidence(store)
    return d


def undo(store: Store, *, user: str | None = None) -> Decision | None:
    """Undo the newest live decision (of ``user`` if given); None when there is none."""
    with store.transaction():
        sql = "select id, zh_key, en_key, action, fields, user, at, undone, snapshot from decisions where undone = 0"
        args: tuple = ()
        if user is not None:
            sql, args = sql + " and user = ?", (user,)
        r = store.con.execute(sql + " order by id desc limit 1", args).fetchone()
        if r is None:
            return None
        store.con.execute("update decisions set undone = 1 where id = ?", (r[0],))
        d = _decision(r)
        refresh(store, d.keys())
        refit_confidence(store)
    return Decision(d.id, d.zh_key, d.en_key, d.action, d.fields, d.user, d.at, True, d.snapshot)


def refresh(store: Store, keys: Iterable[tuple[str, str]]) -> None:
    """Rebuild the rows of ``keys`` (and of every key a decision on them touches) from their mined
    entries and the live decisions: what :func:`write_glossary` does for the whole glossary."""
    live = _decisions(store)
    keys = set(keys)
    while True:  # a merge ties two keys together
        more = set().union(*(d.keys() for d in live if d.keys() & keys)) - keys
        if not more:
            break
        keys |= more
    marks = ",".join("?" * len(keys))
    rows = store.con.execute(
        f"select {_COLS} from terms where rkey in ({marks})", ["\t".join(k) for k in keys]
    ).fetchall()
    ids = {_key(r): r[0] for r in rows}
    feats = {_key(r): r[16] for r in rows}
    bases = [b for b in map(_base, rows) if b is not None]
    out = {r.key: r for r in apply_decisions(bases, [d for d in live if d.keys() & keys])}
    for k in keys:
        if k in out:
            _write(store, ids.get(k) or _next_id(store), out[k], feats.get(k))
        elif k in ids:
            store.con.execute("delete from terms where id = ?", (ids[k],))
            store.con.execute("delete from terms_fts where rowid = ?", (ids[k],))


# ---------------------------------------------------------------- decisions are labels


def refit_confidence(store: Store) -> int:
    """Refit the confidence of the entries still pending on the decisions that are labels, once there
    are ``MIN_LABELS`` of them (below that, the shipped fit's confidence is restored). Returns the labels."""
    from termalign.glossary.pairing import WEIGHTS

    xs, ys = [], []
    for feats, d in zip(
        (r[0] for r in store.con.execute("select features from decisions where undone = 0 order by id")),
        _decisions(store),
    ):
        y = label(d)
        if y is not None and feats is not None:
            xs.append(_unblob(feats))
            ys.append(y)
    if len(ys) < MIN_LABELS:
        if store.get_meta("review_fit") is not None:
            store.con.execute("delete from meta where key = 'review_fit'")
            _apply_fit(store)
        return len(ys)
    w = refit(np.stack(xs).astype(float), np.array(ys, float), WEIGHTS)
    store.set_meta("review_fit", json.dumps({"weights": [round(float(v), 6) for v in w], "labels": len(ys)}))
    _apply_fit(store)
    return len(ys)


def _apply_fit(store: Store) -> None:
    """Pending entries' confidence from the store's fit (meta ``review_fit``), or as mined without one."""
    from termalign.glossary.pairing import MAX_CONFIDENCE, confidence

    fit = store.get_meta("review_fit")
    rows = store.con.execute(
        "select id, features, mined_confidence, confidence from terms where status = 'pending' and pinned = 0"
    ).fetchall()
    if fit is None:
        upd = [(r[2], r[0]) for r in rows if r[2] is not None and r[2] != r[3]]
    else:
        w = json.loads(fit)["weights"]
        have = [r for r in rows if r[1] is not None]
        if not have:
            return
        p = confidence(np.stack([_unblob(r[1]) for r in have]).astype(float), w)
        upd = [(round(min(float(v), MAX_CONFIDENCE), 4), r[0]) for v, r in zip(p, have)]
    store.con.executemany("update terms set confidence = ? where id = ?", upd)


def review_pins(store: Store) -> list[tuple[str, str]]:
    """(zh, en) of the accepted entries shown as mined and of reviewers' own: a rebuild pins them."""
    if not _has_review(store):
        return []
    rows = store.con.execute(
        "select zh, en from terms where status = 'accepted' and zh_norm || char(9) || en_norm = rkey"
    )
    return [(r[0], r[1]) for r in rows]


# ---------------------------------------------------------------- the queue


def review_queue(
    store: Store,
    *,
    status: str = "pending",
    min_conf: float | None = None,
    max_conf: float | None = None,
    doc: str | None = None,
    kind: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[QueueItem]:
    """Entries to review, most worth a decision first (:func:`glossary.review.worth`), filtered by
    ``status`` (pending, accepted, rejected, edited, reviewed = any of the three, all), confidence,
    ``doc`` (a document one of the entry's examples comes from), ``kind`` and ``q`` (a substring of
    any form or variant, either script)."""
    from termalign.glossary.review import KINDS

    if status not in QUEUE_STATUSES:
        raise DecisionError(f"unknown status {status!r}; choose one of: {', '.join(QUEUE_STATUSES)}")
    if kind is not None and kind not in KINDS:
        raise DecisionError(f"unknown kind {kind!r}; choose one of: {', '.join(KINDS)}")
    if not _has_review(store):
        raise StoreError(f"{store.folder}: store is from an older termalign; run `termalign build` to upgrade it")
    where, args = ["status != 'merged'"], []
    if status == "reviewed":
        where.append("status in ('accepted', 'rejected', 'edited')")
    elif status != "all":
        where.append("status = ?"), args.append(status)
    if min_conf is not None:
        where.append("confidence >= ?"), args.append(min_conf)
    if max_conf is not None:
        where.append("confidence <= ?"), args.append(max_conf)
    if doc:
        where.append("instr(examples, ?) > 0"), args.append('"doc": ' + json.dumps(doc, ensure_ascii=False))
    if q and norm_text(q):
        like = "%" + norm_text(q).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append("id in (select rowid from terms_fts where keys like ? escape '\\')"), args.append(like)
    rows = store.con.execute(f"select {_COLS} from terms where {' and '.join(where)}", args).fetchall()
    items = []
    for r in rows:
        e = _entry(r)
        k = kind_of(e)
        if kind is None or k == kind:
            items.append(QueueItem(r[0], e, r[11], worth(e), k, r[12] or "", r[13] or ""))
    items.sort(key=lambda it: (-it.worth, -it.entry.freq, it.id))
    return items[offset : offset + limit]


def review_counts(store: Store) -> dict:
    """{"reviewed", "pending", "accepted", "rejected", "edited"}: entries by review state."""
    out = dict.fromkeys(("reviewed", "pending", "accepted", "rejected", "edited"), 0)
    if _has_review(store):
        for st, n in store.con.execute("select status, count(*) from terms group by status"):
            if st in out:
                out[st] = n
    out["reviewed"] = out["accepted"] + out["rejected"] + out["edited"]
    return out


def reviewed_entries(store: Store, status: str | None = None) -> list[tuple[TermEntry, str]]:
    """(entry, status) of the glossary in its order; ``status`` "accepted" keeps accepted and edited
    entries (reviewed and kept), "pending" the rest."""
    st = "status" if _has_review(store) else "'pending'"
    rows = store.con.execute(
        f"select {st}, id from terms where {store.visible()}",
    ).fetchall()
    state = dict((r[1], r[0]) for r in rows)
    out = [(e, state[i]) for i, e in store.terms_where("1", (), 1 << 62, by_rank=True)]
    if status == "accepted":
        return [(e, s) for e, s in out if s in ("accepted", "edited")]
    if status == "pending":
        return [(e, s) for e, s in out if s == "pending"]
    return out


# ---------------------------------------------------------------- the concordance


def _spans(text: str, needles: Sequence[str], words: bool) -> list[list[int]]:
    found = []
    for n in sorted({x for x in needles if x}, key=len, reverse=True):
        pat = re.escape(n)
        if words:
            pat = r"(?<!\w)" + pat + r"(?!\w)"
        for m in re.finditer(pat, text, flags=re.IGNORECASE):
            if not any(s < m.end() and m.start() < e for s, e in found):
                found.append((m.start(), m.end()))
    return [[s, e] for s, e in sorted(found)]


def kwic(store: Store, term_id: int, limit: int = 20) -> list[dict]:
    """Concordance of an entry: sentence pairs that hold it, both sides with the term's spans
    (character offsets into ``en`` / ``zh``), pairs holding both sides first, then by score."""
    from termalign.text.segment import to_simplified

    e = _entry(_row(store, term_id))
    zh_forms = [e.zh, *e.zh_variants]
    en_forms = [e.en, *e.en_variants]
    seen: dict[int | None, SentencePair] = {}
    for form in zh_forms + en_forms:
        for p in store.concordance(form, limit=4 * limit):
            seen.setdefault(p.pair_id, p)
    rows = []
    for p in seen.values():
        zh_text = p.zh if len(to_simplified(p.zh)) != len(p.zh) else to_simplified(p.zh)
        zs = _spans(zh_text, [to_simplified(z) for z in zh_forms] + zh_forms, words=False)
        es = _spans(p.en, en_forms + [f + "s" for f in en_forms], words=True)
        if zs or es:
            row = {"en": p.en, "zh": p.zh, "en_spans": es, "zh_spans": zs, "doc": p.doc, "score": p.score}
            rows.append({**row, "mined": p.kind == "mined", "pair_id": p.pair_id})
    rows.sort(key=lambda r: (not (r["en_spans"] and r["zh_spans"]), -r["score"], r["pair_id"] or 0))
    return rows[:limit]


# ---------------------------------------------------------------- sharing decisions


def export_decisions(store: Store, path) -> int:
    """Write the live decisions to ``path`` as TSV (atomically); returns how many."""
    from termalign.core.files import atomic_path

    ds = decisions(store)
    lines = [TSV_HEADER, "\t".join(TSV_COLUMNS)]
    for d in ds:
        lines.append(
            "\t".join(
                [d.at, _tsv(d.user), d.action, _tsv(d.zh_key), _tsv(d.en_key), json.dumps(d.fields, ensure_ascii=False)]
            )
        )
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(ds)


def _tsv(text: str) -> str:
    return re.sub(r"[\t\r\n]", " ", text)


def import_decisions(store: Store, path, *, user: str | None = None) -> int:
    """Add the decisions of a TSV written by :func:`export_decisions` (those already here are
    skipped) and apply them; ``user`` stands in where a row names none. Returns how many were added."""
    from termalign.text.read import read_text

    rows = []
    for n, line in enumerate(read_text(path).split("\n"), 1):
        if not line.strip() or line.startswith("#") or line.startswith("at\t"):
            continue
        cols = line.split("\t")
        if len(cols) != len(TSV_COLUMNS):
            raise InputError(
                str(path), f"line {n}: expected {len(TSV_COLUMNS)} tab-separated fields, found {len(cols)}"
            )
        at, who, action, zk, ek, f = cols
        if action not in ACTIONS:
            raise InputError(str(path), f"line {n}: unknown action {action!r}")
        try:
            fields = json.loads(f)
        except json.JSONDecodeError:
            raise InputError(str(path), f"line {n}: fields are not JSON") from None
        if not isinstance(fields, dict) or not zk or not ek:
            raise InputError(str(path), f"line {n}: expected zh_key, en_key and a JSON object of fields")
        rows.append((zk, ek, action, json.dumps(fields, ensure_ascii=False), who or user or getpass.getuser(), at))
    added = []
    with store.transaction():
        for row in rows:
            dup = store.con.execute(
                "select 1 from decisions where zh_key = ? and en_key = ? and action = ? and fields = ? and user = ? and at = ?",
                row,
            ).fetchone()
            if dup:
                continue
            cur = store.con.execute(f"select {_COLS} from terms where rkey = ?", ("\t".join(row[:2]),)).fetchone()
            snap = entry_json(_entry(cur)) if cur is not None else None
            store.con.execute(
                "insert into decisions(zh_key, en_key, action, fields, user, at, snapshot, features) values (?, ?, ?, ?, ?, ?, ?, ?)",
                (*row, snap, cur[16] if cur is not None else None),
            )
            added.append(row)
        keys: set[tuple[str, str]] = set()
        for d in _decisions(store):
            if (d.zh_key, d.en_key) in {(r[0], r[1]) for r in added}:
                keys |= d.keys()
        if keys:
            refresh(store, keys)
            refit_confidence(store)
    return len(added)


def queue_item(store: Store, term_id: int) -> QueueItem:
    """One entry as the queue shows it."""
    r = _row(store, term_id)
    e = _entry(r)
    return QueueItem(r[0], e, r[11], worth(e), kind_of(e), r[12] or "", r[13] or "")


def features_of(store: Store) -> dict[tuple[str, str], np.ndarray]:
    """Each entry's feature row by its key (for benchmarks)."""
    return {_key(r): _unblob(r[16]) for r in store.con.execute(f"select {_COLS} from terms") if r[16] is not None}
