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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from termalign.core.errors import DecisionError, InputError, StoreError
from termalign.corpus.decisions import (
    all_decisions,
    decision_from_row,
    entry_json,
    has_review,
    queue_rows,
    refit_confidence,
    refresh,
    rejected_rows,
    row_entry,
    row_key,
    term_by,
    term_row,
)
from termalign.corpus.store import Store, norm_text
from termalign.glossary.entries import SentencePair, TermEntry
from termalign.glossary.review import (
    ACTIONS,
    HIDDEN,
    Decision,
    Reviewed,
    entry_key,
    norm_key,
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


# ---------------------------------------------------------------- decisions


def decisions(store: Store, *, include_undone: bool = False) -> list[Decision]:
    """Every decision made in this store, oldest first (undone ones too with ``include_undone``)."""
    if not has_review(store):
        return []
    return all_decisions(store, include_undone)


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
            t = term_row(store, f.pop("into_id"))
            f["into"] = {"zh": t[1], "en": t[2]}
        into = f.get("into")
        if not (isinstance(into, dict) and isinstance(into.get("zh"), str) and isinstance(into.get("en"), str)):
            raise DecisionError("merge: give into = {zh, en} (or into_id) of the entry to keep")
        tk = (norm_key(into["zh"]), norm_key(into["en"]))
        t = term_by(store, *tk)
        if t is None or t[11] in HIDDEN or t[0] == r[0]:
            raise DecisionError(f"merge: no other glossary entry {into['zh']} / {into['en']} to merge into")
        f["into"] = {"zh": row_key(t)[0], "en": row_key(t)[1]}
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


def decide(
    store: Store, term_id: int | None, action: str, *, user: str | None = None, fields: dict | None = None
) -> Decision:
    """Record one decision on the entry ``term_id`` (None only for ``add``) and apply it to the
    glossary, in one transaction."""
    if not isinstance(fields or {}, dict):
        raise DecisionError(f"{action}: fields must be a JSON object")
    with store.transaction():
        try:
            r = term_row(store, term_id)
        except DecisionError:
            if action != "add":
                raise
            r = None
        f = _check_fields(store, action, fields or {}, r)
        key = row_key(r) if r is not None else (norm_key(f["zh"]), norm_key(f["en"]))
        cur = store.con.execute(
            "insert into decisions(zh_key, en_key, action, fields, user, at, snapshot, features) values (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                *key,
                action,
                json.dumps(f, ensure_ascii=False),
                user or getpass.getuser(),
                now(),
                entry_json(row_entry(r)) if r is not None else None,
                r[16] if r is not None else None,
            ),
        )
        d = decision_from_row(
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
        r = store.con.execute(
            "select id, zh_key, en_key, action, fields, user, at, undone, snapshot from decisions"
            " where undone = 0 and (? is null or user = ?) order by id desc limit 1",
            (user, user),
        ).fetchone()
        if r is None:
            return None
        store.con.execute("update decisions set undone = 1 where id = ?", (r[0],))
        d = decision_from_row(r)
        refresh(store, d.keys())
        refit_confidence(store)
    return Decision(d.id, d.zh_key, d.en_key, d.action, d.fields, d.user, d.at, True, d.snapshot)


def review_pins(store: Store) -> list[tuple[str, str]]:
    """(zh, en) of the accepted entries shown as mined and of reviewers' own: a rebuild pins them."""
    if not has_review(store):
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
    if not has_review(store):
        raise StoreError(f"{store.folder}: store is from an older termalign; run `termalign build` to upgrade it")
    doc_json = '"doc": ' + json.dumps(doc, ensure_ascii=False) if doc else None
    like = None
    if q and norm_text(q):
        like = "%" + norm_text(q).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = queue_rows(store, status, min_conf, max_conf, doc_json, like)
    items = []
    for r in rows:
        e = row_entry(r)
        k = kind_of(e)
        if kind is None or k == kind:
            items.append(QueueItem(r[0], e, r[11], worth(e), k, r[12] or "", r[13] or ""))
    items.sort(key=lambda it: (-it.worth, -it.entry.freq, it.id))
    return items[offset : offset + limit]


def review_counts(store: Store) -> dict:
    """{"reviewed", "pending", "accepted", "rejected", "edited"}: entries by review state."""
    out = dict.fromkeys(("reviewed", "pending", "accepted", "rejected", "edited"), 0)
    if has_review(store):
        for st, n in store.con.execute("select status, count(*) from terms group by status"):
            if st in out:
                out[st] = n
    out["reviewed"] = out["accepted"] + out["rejected"] + out["edited"]
    return out


def reviewed_entries(store: Store, status: str | None = None) -> list[Reviewed]:
    """The glossary in its order with each entry's review state; ``status`` "accepted" keeps the
    entries reviewers kept (accepted or edited), "pending" those nobody reviewed yet, and "rejected"
    gives the rejected entries instead (not in the glossary; a TBX marks them deprecated)."""
    if not has_review(store):
        return [] if status == "rejected" else [Reviewed(entry_key(e), e) for e in store.all_terms()]
    if status == "rejected":
        return [Reviewed(row_key(r), row_entry(r), "rejected", r[12] or "", r[13] or "") for r in rejected_rows(store)]
    state = {
        r[0]: r
        for r in store.con.execute(
            "select id, status, note, domain, rkey from terms where status not in ('rejected', 'merged')"
        )
    }
    out = []
    for i, e in store.terms_where("1", (), 1 << 62, by_rank=True):
        _, st, note, domain, rkey = state[i]
        zk, _, ek = (rkey or "").partition("\t")
        out.append(Reviewed((zk, ek) if rkey else entry_key(e), e, st, note or "", domain or ""))
    if status == "accepted":
        return [r for r in out if r.status in ("accepted", "edited")]
    if status == "pending":
        return [r for r in out if r.status == "pending"]
    return out


def export_rows(
    store: Store, fmt: str, floor: float, status: str | None = None
) -> tuple[str, list[Reviewed], list[Reviewed] | None]:
    """What a glossary export in ``fmt`` writes: the review ``status`` it keeps (default: all, but
    for OmegaT's TSV only the accepted entries once there are any), its entries at ``floor``
    confidence or more, and the same rows again as the review marks to write, or None when nobody
    reviewed (a store nobody reviewed exports as before)."""
    counts = review_counts(store)
    if status is None:
        status = "accepted" if fmt == "tsv" and counts["accepted"] + counts["edited"] else "all"
    rows = [r for r in reviewed_entries(store, status) if r.entry.confidence >= floor]
    return status, rows, (rows if counts["reviewed"] else None)


# ---------------------------------------------------------------- the concordance


def _spans(text: str, needles: Sequence[str], words: bool) -> list[list[int]]:
    found: list[tuple[int, int]] = []
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

    e = row_entry(term_row(store, term_id))
    zh_forms = [e.zh, *e.zh_variants]
    en_forms = [e.en, *e.en_variants]
    seen: dict[int | None, SentencePair] = {}
    for form in zh_forms + en_forms:
        for p in store.concordance(form, limit=4 * limit):
            seen.setdefault(p.pair_id, p)
    rows: list[dict[str, Any]] = []
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
            cur = term_by(store, rkey="\t".join(row[:2]))
            snap = entry_json(row_entry(cur)) if cur is not None else None
            store.con.execute(
                "insert into decisions(zh_key, en_key, action, fields, user, at, snapshot, features) values (?, ?, ?, ?, ?, ?, ?, ?)",
                (*row, snap, cur[16] if cur is not None else None),
            )
            added.append(row)
        keys: set[tuple[str, str]] = set()
        for d in all_decisions(store):
            if (d.zh_key, d.en_key) in {(r[0], r[1]) for r in added}:
                keys |= d.keys()
        if keys:
            refresh(store, keys)
            refit_confidence(store)
    return len(added)


def queue_item(store: Store, term_id: int) -> QueueItem:
    """One entry as the queue shows it."""
    r = term_row(store, term_id)
    e = row_entry(r)
    return QueueItem(r[0], e, r[11], worth(e), kind_of(e), r[12] or "", r[13] or "")
