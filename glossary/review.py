"""Review decisions applied to glossary entries: pure functions, no store and no files.

A decision (accept, reject, edit, merge, split, add, note) is keyed by the entry's normalised
forms (:func:`norm_key`: Simplified, lower-case, single spaces), not by a row id, so it applies
again to the same pair when the glossary is mined afresh. :func:`apply_decisions` folds the
live decisions, oldest first, over freshly mined entries; ``corpus.review`` keeps the decisions
in the store and calls it. :func:`refit` turns decisions into labels for the confidence model.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .entries import SentencePair, TermEntry

ACTIONS = ("accept", "reject", "edit", "merge", "split", "add", "note")
STATUSES = ("pending", "accepted", "rejected", "edited")
HIDDEN = ("rejected", "merged")  # statuses of rows that search, exports and the glossary leave out
KINDS = ("term", "name", "place", "organisation")
MIN_LABELS = 50  # decisions that are labels before the store's confidence is refit on them
PRIOR_STRENGTH = 3.0  # L2 pull of the store's fit towards the shipped weights (benchmarks/bench_review.py)


@dataclass(frozen=True, slots=True)
class Decision:
    """One reviewer's decision on one entry. ``zh_key``/``en_key`` are the entry's normalised forms
    when it was decided (:func:`norm_key`), so the decision survives re-mining."""

    id: int
    zh_key: str
    en_key: str
    action: str  # one of ACTIONS
    fields: dict  # JSON: zh, en, zh_variants, en_variants, add_variants, remove_variants, note, domain, into, parts, pair_id
    user: str
    at: str  # ISO-8601 UTC
    undone: bool = False
    snapshot: TermEntry | None = None  # the entry as shown when decided: brings it back if re-mining loses it

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "zh_key": self.zh_key,
            "en_key": self.en_key,
            "action": self.action,
            "fields": self.fields,
            "user": self.user,
            "at": self.at,
            "undone": self.undone,
        }

    def keys(self) -> set[tuple[str, str]]:
        """Every entry key this decision touches: its own, a merge's target, the entries it creates."""
        out = {(self.zh_key, self.en_key)}
        into = self.fields.get("into")
        if self.action == "merge" and isinstance(into, dict):
            out.add((norm_key(into.get("zh", "")), norm_key(into.get("en", ""))))
        if self.action == "add":
            out.add((norm_key(self.fields.get("zh", "")), norm_key(self.fields.get("en", ""))))
        if self.action == "split":
            out |= {(norm_key(p["zh"]), norm_key(p["en"])) for p in self.fields.get("parts", ())}
        return out


@dataclass(frozen=True, slots=True)
class Reviewed:
    """An entry after the decisions on it: what the glossary shows, and what it was mined as."""

    key: tuple[str, str]  # (zh_key, en_key) the decisions are keyed by
    entry: TermEntry  # as displayed (edits applied)
    status: str = "pending"  # pending | accepted | rejected | edited | merged
    note: str = ""
    domain: str = ""
    base: TermEntry | None = None  # as mined; None for an entry a reviewer added
    decided: bool = False  # some decision touched it


def norm_key(text: str) -> str:
    """The form decisions are keyed by: Simplified Chinese, lower case, single spaces (the store's
    ``zh_norm``/``en_norm``)."""
    from termalign.text.segment import to_simplified

    return " ".join(to_simplified(text).lower().split())


def entry_key(e: TermEntry) -> tuple[str, str]:
    return norm_key(e.zh), norm_key(e.en)


def is_han(text: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" for c in text)


# ---------------------------------------------------------------- folding decisions


def apply_decisions(entries: Sequence[TermEntry], decisions: Iterable[Decision]) -> list[Reviewed]:
    """``entries`` (freshly mined, or a store's mined rows) with the live ``decisions`` applied in id
    order. Rejected and merged entries stay in the result with that status (the caller hides them);
    accepted and edited ones behave as pinned (confidence 1) and come back from their snapshot when
    the mining no longer finds them; added and split-off entries are created."""
    out: dict[tuple[str, str], Reviewed] = {}
    for e in entries:
        out.setdefault(entry_key(e), Reviewed(entry_key(e), e, base=e))
    live = sorted((d for d in decisions if not d.undone), key=lambda d: d.id)
    terms: dict[tuple[str, str], list[tuple[str, str]]] = {}
    if any(k not in out for d in live for k in d.keys()):
        for q in out:
            terms.setdefault(same_term(q), []).append(q)
    for d in live:
        for k in sorted(d.keys()):
            _rekey(out, terms, k)
        _apply(out, d)
    return list(out.values())


def same_term(key: tuple[str, str]) -> tuple[str, str]:
    """What the mining counts as one term (:func:`glossary.variants.zh_key`, :func:`~glossary.variants.en_key`)
    of an entry's normalised forms: the shown forms of one term change when the corpus grows ("rare earth"
    for "rare earths", once the singular is written more often), and a decision stays with its term."""
    from .variants import en_key, zh_key

    return zh_key(key[0]), en_key(key[1]).lower()


def _rekey(out: dict[tuple[str, str], Reviewed], terms: dict, k: tuple[str, str]) -> None:
    """A decision's key the fresh mining shows in other forms of the same term (:func:`same_term`; ``terms``:
    the mined entries' keys by term): the mined entry no decision has touched takes the decision's key, so
    the decision applies to it and its row keeps its id."""
    if k in out or not terms:
        return
    found = [q for q in terms.get(same_term(k), ()) if q in out and out[q].base is not None and not out[q].decided]
    if len(found) == 1:
        out[k] = replace(out.pop(found[0]), key=k)


def _pinned(e: TermEntry) -> TermEntry:
    return replace(e, pinned=True, confidence=1.0, termhood=1.0)


def _apply(out: dict[tuple[str, str], Reviewed], d: Decision) -> None:
    k = (d.zh_key, d.en_key)
    f = d.fields
    if d.action == "add":
        _create(out, f["zh"], f["en"], d.snapshot, f)
        return
    r = out.get(k)
    if r is None:
        if d.snapshot is None or d.action not in ("accept", "edit"):
            return  # rejected, merged or split away already, or gone from the corpus (a note alone keeps nothing)
        r = Reviewed(k, d.snapshot, base=None)
    r = replace(r, decided=True)
    if d.action == "accept":
        r = replace(r, entry=_pinned(r.entry), status="accepted")
    elif d.action == "reject":
        r = replace(r, status="rejected")
    elif d.action in ("edit", "note"):
        r = replace(r, entry=_edited(r.entry, f) if d.action == "edit" else r.entry)
        r = replace(r, note=f.get("note", r.note), domain=f.get("domain", r.domain))
        if d.action == "edit":
            r = replace(r, entry=_pinned(r.entry), status="edited")
    elif d.action == "merge":
        t = (norm_key(f["into"]["zh"]), norm_key(f["into"]["en"]))
        target = out.get(t)
        if target is None or t == k:
            return
        out[t] = replace(target, entry=merged(target.entry, r.entry), decided=True)
        r = replace(r, status="merged")
    elif d.action == "split":
        r = replace(r, status="rejected")
        for p in f["parts"]:
            _create(out, p["zh"], p["en"], None, {})
    out[k] = r


def _create(out: dict, zh: str, en: str, like: TermEntry | None, f: dict) -> None:
    """An entry a reviewer made (add, split): accepted, pinned; its example is the pair it was taken from."""
    k = (norm_key(zh), norm_key(en))
    if k in out and out[k].status not in HIDDEN:
        out[k] = replace(out[k], entry=_pinned(out[k].entry), status="accepted", decided=True)
        return
    examples: tuple[SentencePair, ...] = ()
    ex = f.get("example")
    if isinstance(ex, dict):
        examples = (
            SentencePair(ex["en"], ex["zh"], float(ex.get("score", 0)), ex.get("doc", ""), ex.get("kind", "aligned")),
        )
    elif like is not None:
        examples = like.examples[:1]
    e = TermEntry(
        zh, en, 1.0, len(examples), len({x.doc for x in examples}), examples=examples, pinned=True, termhood=1.0
    )
    out[k] = Reviewed(k, e, "accepted", base=None, decided=True)


def _edited(e: TermEntry, f: dict) -> TermEntry:
    zh = (f.get("zh") or e.zh).strip()
    en = (f.get("en") or e.en).strip()
    zv = list(f["zh_variants"]) if "zh_variants" in f else list(e.zh_variants)
    ev = list(f["en_variants"]) if "en_variants" in f else list(e.en_variants)
    if zh != e.zh and e.zh not in zv:
        zv.insert(0, e.zh)  # the mined form stays findable
    if en != e.en and e.en not in ev:
        ev.insert(0, e.en)
    for v in f.get("add_variants", ()):
        (zv if is_han(v) else ev).append(v)
    drop = set(f.get("remove_variants", ()))
    zv = [v for v in dict.fromkeys(zv) if v not in drop and v != zh]
    ev = [v for v in dict.fromkeys(ev) if v not in drop and v != en]
    return replace(e, zh=zh, en=en, zh_variants=tuple(zv), en_variants=tuple(ev))


def merged(keep: TermEntry, other: TermEntry) -> TermEntry:
    """``keep`` with ``other``'s forms as variants and its counts and examples added ("Group of 7"
    into "Group of Seven")."""
    zv = [v for v in dict.fromkeys([*keep.zh_variants, other.zh, *other.zh_variants]) if v != keep.zh]
    ev = [v for v in dict.fromkeys([*keep.en_variants, other.en, *other.en_variants]) if v != keep.en]
    seen = {(x.en, x.zh) for x in keep.examples}
    examples = keep.examples + tuple(x for x in other.examples if (x.en, x.zh) not in seen)
    return replace(
        keep,
        zh_variants=tuple(zv),
        en_variants=tuple(ev),
        freq=keep.freq + other.freq,
        n_docs=max(keep.n_docs, other.n_docs),
        examples=examples[: max(len(keep.examples), 3)],
    )


# ---------------------------------------------------------------- the queue


def worth(e: TermEntry) -> float:
    """What a decision on ``e`` is worth: the label's information (binary entropy of the confidence,
    in bits) times log2(1 + frequency). Frequent and uncertain first; a confidence of 0 or 1 is worth 0."""
    p = min(max(e.confidence, 0.0), 1.0)
    h = 0.0 if p in (0.0, 1.0) else -(p * math.log2(p) + (1 - p) * math.log2(1 - p))
    return round(h * math.log2(1 + e.freq), 6)


_ORG_EN = frozenset(
    "department ministry agency commission company corporation corp inc ltd group bank university council association"
    " office bureau committee administration party union organization organisation institute federation"
    " authority board court congress parliament senate army navy fund".split()
)
_ORG_ZH = (
    "部",
    "局",
    "委员会",
    "公司",
    "集团",
    "银行",
    "大学",
    "协会",
    "办公室",
    "署",
    "院",
    "组织",
    "党",
    "会",
    "厅",
    "军",
)
_PLACE_ZH = ("国", "省", "市", "州", "县", "岛", "洲", "湾", "河", "江", "山", "湖", "海", "区", "镇", "村")


def kind(e: TermEntry) -> str:
    """term | name | place | organisation, best effort, for entries with a capitalised English form
    (the rest are terms): jieba's part-of-speech tag of the Chinese when it is one token (nt:
    organisation, ns: place, nr: name), else the English words (Ministry, Bank, ... →
    organisation) or the Chinese ending (部/局/公司/... → organisation; 省/市/国/岛/... → place),
    else a transliterated person's name (glossary.termhood.is_person) → name."""
    from .pinyin import translit
    from .termhood import is_person, zh_tagged
    from .variants import zh_key

    zk = zh_key(e.zh)
    capital = e.en[:1].isupper() or e.en[:1].isdigit()
    toks = zh_tagged(zk) if zk else []
    tag = toks[0][1] if len(toks) == 1 else ""
    words = {w.strip(".,").lower() for w in e.en.split()}
    if not capital:  # jieba alone tags 中断 as a place
        return "term"
    if tag == "nt" or words & _ORG_EN or (len(zk) > 2 and zk.endswith(_ORG_ZH)):
        return "organisation"
    if tag == "ns" or (len(zk) >= 2 and zk.endswith(_PLACE_ZH) and len(e.en.split()) <= 3):
        return "place"
    if tag.startswith("nr") or is_person(zk, e.en, translit(zk, e.en)):
        return "name"
    return "term"


# ---------------------------------------------------------------- decisions are labels


def label(d: Decision) -> int | None:
    """A decision as a label of the mined pair it was made on: accept 1, reject or split 0, an edit
    that changes either form 0 (the pairing as mined was wrong), any other edit 1; others none."""
    if d.undone:
        return None
    if d.action == "accept":
        return 1
    if d.action in ("reject", "split"):
        return 0
    if d.action == "edit":
        changed = any(norm_key(d.fields.get(s) or "") not in ("", k) for s, k in (("zh", d.zh_key), ("en", d.en_key)))
        return 0 if changed else 1
    return None


def refit(x: np.ndarray, y: np.ndarray, prior: Sequence[float], strength: float = PRIOR_STRENGTH) -> np.ndarray:
    """Logistic regression on the store's labels with a Gaussian prior centred on the shipped
    weights (MAP by Newton's method): the shipped fit where the store's labels say nothing, the
    store's own evidence where they do. ``x`` (n, len(prior)), ``y`` (n,) in {0, 1}."""
    w0 = np.asarray(prior, dtype=float)
    w = w0.copy()
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + strength * (w - w0)
        hess = (x * (p * (1 - p))[:, None]).T @ x + strength * np.eye(w.size)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w
