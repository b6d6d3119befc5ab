"""The corpus workspace: one folder, ``glossary.sqlite`` as the single source of truth.

Layout of a store folder (``--store DIR``, env ``TERMALIGN_STORE``, default ``./termalign-store``):

* ``glossary.sqlite`` -- documents, sentences (with their vectors), pairs (aligned beads and
  mined pairs, each with a float32 vector BLOB), terms, an FTS5 trigram index over pair texts
  and terms, and ``meta`` (applied migrations, encoder signature, derived-state stamps).
* ``pairs.faiss`` + ``pairs.faiss.json`` -- a derived cache over ``pairs.vector``; rebuilt
  from SQLite whenever its manifest disagrees (see :meth:`Store.pair_index`).

Writes are one transaction per document (sentences + pairs + vectors, all or nothing), so
a build killed at any moment leaves either the old or the new rows of a document. All SQL
is parameterised. Search text is stored Simplified-normalised and lower-cased
(``text_norm``), so a Traditional query finds Simplified text and vice versa.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

import numpy as np

from termalign.core.errors import StoreError
from termalign.core.sqlite import blob, set_wal, unblob
from termalign.glossary.calibration import FEATURES, candidate_confidence, link_score
from termalign.glossary.entries import EXAMPLE_FIELDS, SentencePair, TermEntry

if TYPE_CHECKING:
    from termalign.align.index import VectorIndex

log = logging.getLogger(__name__)

DB_NAME = "glossary.sqlite"
INDEX_NAME = "pairs.faiss"
DEFAULT_STORE = "termalign-store"


def default_store_path() -> Path:
    """``$TERMALIGN_STORE`` or ``./termalign-store``."""
    return Path(os.environ.get("TERMALIGN_STORE") or DEFAULT_STORE)


# ---------------------------------------------------------------- text normalisation


def to_simplified(text: str) -> str:
    """Traditional -> Simplified (OpenCC t2s), with align.segment's shared converter."""
    from termalign.text.segment import to_simplified as conv

    return conv(text)


def norm_text(text: str) -> str:
    """The searchable form: Simplified Chinese, lower-case English, single spaces."""
    return " ".join(to_simplified(text).lower().split())


_HYPHENS = re.compile(r"[-\u2010\u2011\u2012\u2013]")


def fold_hyphens(text: str) -> str:
    """A searchable form with hyphens read as spaces: an English compound is written both ways
    ("rare-earth magnets", "rare earth magnets"), so search matches either."""
    return " ".join(_HYPHENS.sub(" ", text).split())


# ---------------------------------------------------------------- migrations


def _script(con: sqlite3.Connection, sql: str) -> None:
    """Run ``;``-separated DDL inside the current transaction (executescript would commit)."""
    for stmt in sql.split(";"):
        if stmt.strip():
            con.execute(stmt)


def _m001_documents_sentences_pairs(con: sqlite3.Connection) -> None:
    _script(
        con,
        """
        create table documents (
            id integer primary key,
            path text not null unique,
            name text not null,
            sha256 text not null,
            signature text not null,
            status text not null,            -- 'done'
            parallel integer not null default 0,
            n_sentences integer not null,
            added real not null
        );
        create table sentences (
            id integer primary key,
            doc integer not null references documents(id) on delete cascade,
            lang text not null,              -- 'en' | 'zh'
            idx integer not null,            -- position within the document's stream of that language
            text text not null,
            text_norm text not null,
            vector blob,                     -- float32, unit length
            unique (doc, lang, idx)
        );
        create table pairs (
            id integer primary key autoincrement,
            doc integer not null references documents(id) on delete cascade,
            other_doc integer references documents(id) on delete cascade,  -- zh side's doc, mined pairs
            kind text not null check (kind in ('aligned', 'mined')),
            src text not null,               -- JSON list of English sentence idx
            tgt text not null,               -- JSON list of Chinese sentence idx
            en text not null,
            zh text not null,
            score real not null,             -- calibrated P(correct)
            margin real,                     -- mined pairs: ratio margin
            vector blob                      -- float32 unit (en + zh) vector, for FAISS
        );
        create index pairs_doc on pairs(doc);
        create index pairs_other on pairs(other_doc);
        create index pairs_kind on pairs(kind);
        create index sentences_doc on sentences(doc);
        create virtual table pairs_fts using fts5(en, zh, tokenize='trigram');
        """,
    )


def _m002_terms(con: sqlite3.Connection) -> None:
    _script(
        con,
        """
        create table terms (
            id integer primary key,
            zh text not null,
            en text not null,
            zh_norm text not null,
            en_norm text not null,
            confidence real not null,
            freq integer not null,
            n_docs integer not null,
            zh_variants text not null,       -- JSON list
            en_variants text not null,       -- JSON list
            examples text not null,          -- JSON list of {en, zh, doc, score}
            pinned integer not null default 0
        );
        create index terms_zh on terms(zh_norm);
        create index terms_en on terms(en_norm);
        create virtual table terms_fts using fts5(keys, tokenize='trigram');
        """,
    )


def _m003_terms_termhood(con: sqlite3.Connection) -> None:
    # how term-like an entry is (glossary/termhood.py); NULL in a glossary built before it
    con.execute("alter table terms add column termhood real")


def _m004_sentences_clean(con: sqlite3.Connection) -> None:
    # text/clean.py: a sentence's text without markup (NULL = the same as text), and whether a
    # row is a boilerplate line (page chrome, a byline: kept as the document's own line, with
    # lang 'other', never aligned or mined)
    con.execute("alter table sentences add column clean text")
    con.execute("alter table sentences add column boilerplate integer not null default 0")


def _m005_review(con: sqlite3.Connection) -> None:
    # corpus/review.py: reviewers' decisions, keyed by the entry's normalised forms so that they
    # survive re-mining, and each entry's review state. status: pending | accepted | rejected |
    # edited | merged (rejected and merged rows are kept for the review queue and undo, and left
    # out of search and exports); base: the entry as mined (JSON) once a decision changed the row,
    # 'null' for an entry a reviewer added, NULL while the row is as mined; features: the
    # confidence model's feature row (float32), for the refit on decisions
    _script(
        con,
        """
        create table decisions (
            id integer primary key autoincrement,
            zh_key text not null,
            en_key text not null,
            action text not null,
            fields text not null,            -- JSON
            user text not null,
            at text not null,                -- ISO-8601 UTC
            undone integer not null default 0,
            snapshot text,                   -- JSON: the entry as shown when decided
            features blob                    -- float32: its feature row then, if it had one
        );
        create index decisions_key on decisions(zh_key, en_key);
        alter table terms add column status text not null default 'pending';
        alter table terms add column note text;
        alter table terms add column domain text;
        alter table terms add column features blob;
        alter table terms add column mined_confidence real;
        alter table terms add column base text;
        alter table terms add column rkey text;          -- zh_key TAB en_key: the key decisions use
        update terms set rkey = zh_norm || char(9) || en_norm;  -- a glossary mined before this migration
        create index terms_rkey on terms(rkey)
        """,
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _m001_documents_sentences_pairs,
    _m002_terms,
    _m003_terms_termhood,
    _m004_sentences_clean,
    _m005_review,
]
READ_MIGRATIONS = 2  # a read-only opener copes without the later ones (003, 004 only add columns)
# The glossary's order: rank = the candidate confidence x termhood (it alone where termhood is
# NULL), as glossary.termhood.with_termhood orders the mined entries. The candidate confidence comes
# from the entry's feature row (entry_link); an entry without one (pinned, added by a reviewer, or
# mined by an older method) has it from its shown confidence (link_score). Both are
# glossary.calibration's (_rank_function). A store without the review columns (a read-only old one)
# orders by the shown confidence (RANK_ORDER_OLD).
RANK_ORDER = (
    "coalesce(entry_link(features), link_score(confidence, termhood)) * coalesce(termhood, 1) desc,"
    " confidence desc, freq desc, id"
)
RANK_ORDER_OLD = "link_score(confidence, termhood) * coalesce(termhood, 1) desc, confidence desc, freq desc, id"


def _entry_link(features: bytes | None) -> float | None:
    if features is None:
        return None
    x = unblob(features)
    return candidate_confidence(x) if len(x) == len(FEATURES) else None


def _rank_function(con: sqlite3.Connection) -> None:
    """Give ``con`` the SQL functions :data:`RANK_ORDER` orders by: ``entry_link(features)``, the
    candidate confidence of an entry's feature row (:func:`glossary.calibration.candidate_confidence`),
    and ``link_score(confidence, termhood)``, the candidate confidence behind a shown one
    (:func:`glossary.calibration.link_score`), so the store and the library order alike."""
    con.create_function("entry_link", 1, _entry_link, deterministic=True)
    con.create_function("link_score", 2, link_score, deterministic=True)


# The rows of the glossary: those a reviewer rejected or merged into another stay for the review
# queue and undo (corpus/review.py), and search, exports and counts leave them out.
VISIBLE = "status not in ('rejected', 'merged')"


# ---------------------------------------------------------------- value types


@dataclass(frozen=True, slots=True)
class DocumentRow:
    id: int
    path: str
    name: str
    sha256: str
    signature: str
    parallel: bool
    n_sentences: int  # prose sentences (boilerplate lines not counted)


@dataclass(frozen=True, slots=True)
class SentenceRow:
    lang: str  # 'en' | 'zh'; 'other' for a boilerplate line
    idx: int
    text: str
    vector: np.ndarray | None = None
    clean: str | None = None  # the text without markup (align.clean), None when the same
    boilerplate: bool = False


@dataclass(frozen=True, slots=True)
class PairRow:
    """A pair to write. ``src``/``tgt`` index the document's English / Chinese sentences."""

    kind: str  # 'aligned' | 'mined'
    src: tuple[int, ...]
    tgt: tuple[int, ...]
    en: str
    zh: str
    score: float
    vector: np.ndarray | None = None
    margin: float | None = None
    other_doc: int | None = None


class SentenceVectors:
    """The vectors of some of a store's sentences (``ids``, in that order), read from SQLite only
    when asked for: ``len()``, and ``[a:b]`` / ``[int array]`` -> those rows as (r, dim) float32.
    An ``align.index.VectorRows``: mining reads a store's vectors through it a shard or a chunk
    at a time, so no process holds them all (see docs/cluster.md)."""

    def __init__(self, con: sqlite3.Connection, ids: np.ndarray) -> None:
        self._con = con
        self.ids = ids  # int64 (n,): row r is sentence ids[r]

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, rows) -> np.ndarray:
        """Rows ``rows`` (a slice or an int array; repeats allowed) as one (r, dim) float32 array."""
        if isinstance(rows, (int, np.integer)):
            raise TypeError("index SentenceVectors with a slice or an array of rows")
        ids = self.ids[rows]
        blobs = [
            r[0]
            for r in self._con.execute(
                "select s.vector from json_each(?) j join sentences s on s.id = j.value order by j.key",
                (json.dumps(ids.tolist()),),
            )
        ]
        if len(blobs) != len(ids) or any(b is None for b in blobs):
            raise StoreError("sentences changed while their vectors were read; run the command again")
        out = np.empty((len(blobs), len(blobs[0]) // 4 if blobs else 0), np.float32)
        for r, b in enumerate(blobs):
            out[r] = unblob(b)
        return out


class Store:
    """A store folder. Open with :meth:`Store.open`; use as a context manager to close."""

    def __init__(self, folder: Path, con: sqlite3.Connection, readonly: bool) -> None:
        self.folder = folder
        self.con = con
        self.readonly = readonly
        self._index: VectorIndex | None = None
        self._termhood_col: bool | None = None
        self._clean_col: bool | None = None
        self._status_col: bool | None = None
        self._lock: IO[bytes] | None = None  # the writer lock's open file, held by a writable store

    # ---------- opening ----------
    @classmethod
    def open(
        cls,
        path: str | os.PathLike | None = None,
        readonly: bool = False,
        on_wait: Callable[[], None] | None = None,
        lock: bool = True,
    ) -> Store:
        """Open (and in write mode create and migrate) the store folder ``path``.

        A writable store holds the store's writer lock (:func:`writer_lock`) until it is closed:
        two builds on one store take turns, the second starting once the first is done (it calls
        ``on_wait`` once if it has to wait). Readers never wait for it. ``lock=False`` opens a
        writer without the lock, for review decisions (``corpus.review``): each is one short
        transaction that SQLite's busy timeout serialises with a running build's, and the build
        applies every decision committed before it writes the glossary.
        """
        folder = Path(path) if path is not None else default_store_path()
        db = folder / DB_NAME
        if readonly:
            if not db.is_file():
                raise StoreError(f"no store at {folder}: run `termalign build FOLDER` first")
            store = cls(folder, _connect_readonly(db), True)
            store._check_version()
            return store
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create store folder {folder}: {e.strerror}") from None
        lock_file = writer_lock(folder, on_wait) if lock else open(os.devnull, "rb")
        try:
            con = sqlite3.connect(db, timeout=30, isolation_level=None, check_same_thread=False)
            _rank_function(con)
            con.execute("pragma busy_timeout = 30000")
            set_wal(con, 30.0)
            con.execute("pragma synchronous = normal")
            con.execute("pragma foreign_keys = on")
        except sqlite3.DatabaseError as e:
            lock_file.close()
            raise StoreError(f"{db}: not a termalign store ({e})") from None
        store = cls(folder, con, False)
        store._lock = lock_file
        try:
            store._migrate()
        except BaseException:
            store.close()
            raise
        return store

    def check_integrity(self) -> None:
        """``StoreError`` (exit 3) unless SQLite's quick check finds every page sound.

        Reads the whole file once: for long-running readers (``serve``) before they start."""
        try:
            rows = self.con.execute("pragma quick_check").fetchall()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.folder}: store is corrupt ({e})") from None
        if rows != [("ok",)]:
            raise StoreError(f"{self.folder}: store is corrupt ({rows[0][0]})")

    def close(self) -> None:
        self.con.close()
        if self._lock is not None:
            self._lock.close()  # releases the writer lock
            self._lock = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def transaction(self):
        """``with store.transaction():`` -- BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error."""
        return _Transaction(self.con)

    def _migrate(self) -> None:
        with self.transaction():
            self.con.execute("create table if not exists meta (key text primary key, value text not null)")
            applied = {r[0] for r in self.con.execute("select key from meta where key like 'migration:%'")}
            for i, m in enumerate(MIGRATIONS, 1):
                key = f"migration:{i:03d}"
                if key in applied:
                    continue
                log.info("applying %s %s", key, m.__name__)
                m(self.con)
                self.con.execute("insert into meta(key, value) values (?, ?)", (key, m.__name__))

    def _check_version(self) -> None:
        try:
            n = self.con.execute("select count(*) from meta where key like 'migration:%'").fetchone()[0]
        except sqlite3.DatabaseError:
            raise StoreError(f"{self.folder}: not a termalign store (no meta table)") from None
        if n < READ_MIGRATIONS:
            raise StoreError(f"{self.folder}: store is from an older termalign; run `termalign build` to upgrade it")

    # ---------- meta ----------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.con.execute("select value from meta where key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute(
            "insert into meta(key, value) values (?, ?) on conflict(key) do update set value = excluded.value",
            (key, value),
        )

    @property
    def signature(self) -> str:
        """The encoder/params signature the store was built with ('' when empty)."""
        return self.get_meta("signature", "") or ""

    # ---------- documents ----------
    def documents(self) -> list[DocumentRow]:
        rows = self.con.execute(
            "select id, path, name, sha256, signature, parallel, n_sentences from documents order by id"
        )
        return [DocumentRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6]) for r in rows]

    def find_document(self, path: str) -> DocumentRow | None:
        r = self.con.execute(
            "select id, path, name, sha256, signature, parallel, n_sentences from documents where path = ?", (path,)
        ).fetchone()
        return DocumentRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6]) if r else None

    def put_document(
        self,
        path: str,
        name: str,
        sha256: str,
        signature: str,
        parallel: bool,
        sentences: Sequence[SentenceRow],
        pairs: Sequence[PairRow],
    ) -> int:
        """Replace one document's rows (sentences, aligned pairs, vectors) in ONE transaction.

        Mined pairs that involve the old version of the document go with it (cascade).
        Returns the new document id.
        """
        with self.transaction():
            old = self.con.execute("select id from documents where path = ?", (path,)).fetchone()
            if old:
                self._delete_document(old[0])
            cur = self.con.execute(
                "insert into documents(path, name, sha256, signature, status, parallel, n_sentences, added)"
                " values (?, ?, ?, ?, 'done', ?, ?, ?)",
                (path, name, sha256, signature, int(parallel), sum(not s.boilerplate for s in sentences), time.time()),
            )
            doc_id = cast(int, cur.lastrowid)  # an INSERT sets it; typeshed allows None (no insert yet)
            self.con.executemany(
                "insert into sentences(doc, lang, idx, text, text_norm, vector, clean, boilerplate)"
                " values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (doc_id, s.lang, s.idx, s.text, norm_text(s.text), blob(s.vector), s.clean, int(s.boilerplate))
                    for s in sentences
                ],
            )
            self._insert_pairs(doc_id, pairs)
        return doc_id

    def delete_document(self, path: str) -> None:
        with self.transaction():
            old = self.con.execute("select id from documents where path = ?", (path,)).fetchone()
            if old:
                self._delete_document(old[0])

    def _delete_document(self, doc_id: int) -> None:
        # Mined pairs that involve the document go with it: the mining stamp must go too, or a
        # corpus whose (path, sha256, signature) list ends up as before would never be re-mined.
        if self.con.execute(
            "select 1 from pairs where kind = 'mined' and (doc = ? or other_doc = ?) limit 1", (doc_id, doc_id)
        ).fetchone():
            self.con.execute("delete from meta where key = 'mined_state'")
        self.con.execute(
            "delete from pairs_fts where rowid in (select id from pairs where doc = ? or other_doc = ?)",
            (doc_id, doc_id),
        )
        self.con.execute("delete from pairs where doc = ? or other_doc = ?", (doc_id, doc_id))
        self.con.execute("delete from sentences where doc = ?", (doc_id,))
        self.con.execute("delete from documents where id = ?", (doc_id,))

    def _insert_pairs(self, doc_id: int, pairs: Iterable[PairRow]) -> None:
        for p in pairs:
            cur = self.con.execute(
                "insert into pairs(doc, other_doc, kind, src, tgt, en, zh, score, margin, vector)"
                " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc_id,
                    p.other_doc,
                    p.kind,
                    json.dumps(list(p.src)),
                    json.dumps(list(p.tgt)),
                    p.en,
                    p.zh,
                    float(p.score),
                    p.margin,
                    blob(p.vector),
                ),
            )
            self.con.execute(
                "insert into pairs_fts(rowid, en, zh) values (?, ?, ?)",
                (cur.lastrowid, norm_text(p.en), norm_text(p.zh)),
            )

    # ---------- sentences ----------
    def _has_clean(self) -> bool:
        """Whether sentences have the clean / boilerplate columns (a read-only old store may not)."""
        if self._clean_col is None:
            self._clean_col = any(r[1] == "clean" for r in self.con.execute("pragma table_info(sentences)"))
        return self._clean_col

    def sentences(self, doc_id: int, lang: str, clean: bool = False) -> tuple[list[str], np.ndarray | None]:
        """A document's prose sentences of one language, in order, and their vectors (n, dim) or None.

        With ``clean`` the texts are the cleaned ones (markup removed, ``align.clean``)."""
        if not self._has_clean():
            sql = "select text, vector from sentences where doc = ? and lang = ? order by idx"
        elif clean:
            sql = (
                "select coalesce(clean, text), vector from sentences"
                " where doc = ? and lang = ? and boilerplate = 0 order by idx"
            )
        else:
            sql = "select text, vector from sentences where doc = ? and lang = ? and boilerplate = 0 order by idx"
        rows = self.con.execute(sql, (doc_id, lang)).fetchall()
        texts = [r[0] for r in rows]
        if not rows or any(r[1] is None for r in rows):
            return texts, None
        return texts, np.stack([unblob(r[1]) for r in rows])

    def prose(self, doc_id: int, lang: str) -> tuple[list[str], list[str], np.ndarray | None]:
        """A document's prose sentences of one language, in order, as :meth:`sentences` gives them,
        without reading their vectors: (texts, cleaned texts, sentence ids int64 (n,)); the ids are
        None when a sentence has no vector. :meth:`vectors` reads the vectors of ids."""
        if not self._has_clean():
            sql = "select text, text, id, vector is null from sentences where doc = ? and lang = ? order by idx"
        else:
            sql = (
                "select text, coalesce(clean, text), id, vector is null from sentences"
                " where doc = ? and lang = ? and boilerplate = 0 order by idx"
            )
        rows = self.con.execute(sql, (doc_id, lang)).fetchall()
        ids = None if any(r[3] for r in rows) else np.array([r[2] for r in rows], np.int64)
        return [r[0] for r in rows], [r[1] for r in rows], ids

    def vectors(self, ids: np.ndarray) -> SentenceVectors:
        """The vectors of the sentences ``ids`` (int64 (n,)), in that order, read when asked for."""
        return SentenceVectors(self.con, np.asarray(ids, np.int64))

    def texts(self, lang: str) -> list[str]:
        """Every prose sentence of one language in the store, paired or not (boilerplate left
        out), in document order: the corpus whose frequencies glossary termhood counts."""
        sql = "select text from sentences where lang = ?" + (" and boilerplate = 0" if self._has_clean() else "")
        return [r[0] for r in self.con.execute(sql + " order by doc, idx", (lang,))]

    def sentence_rows(self, doc_id: int) -> list[SentenceRow]:
        """Every sentence row of a document as written (prose with vectors and cleaned text, and
        boilerplate lines), for copying it to another store."""
        if not self._has_clean():
            rows = self.con.execute(
                "select lang, idx, text, vector, null, 0 from sentences where doc = ? order by lang, idx", (doc_id,)
            )
        else:
            rows = self.con.execute(
                "select lang, idx, text, vector, clean, boilerplate from sentences where doc = ? order by lang, idx",
                (doc_id,),
            )
        return [SentenceRow(r[0], r[1], r[2], None if r[3] is None else unblob(r[3]), r[4], bool(r[5])) for r in rows]

    def boilerplate(self, doc_id: int) -> list[str]:
        """A document's boilerplate lines (page chrome, bylines, labels), in file order."""
        if not self._has_clean():
            return []
        rows = self.con.execute("select text from sentences where doc = ? and boilerplate = 1 order by idx", (doc_id,))
        return [r[0] for r in rows]

    # ---------- mined pairs ----------
    def replace_mined(self, rows: Iterable[tuple[int, PairRow]], state: str) -> None:
        """Replace every mined pair at once; ``rows`` are (en-side doc id, pair) with other_doc set,
        read one by one inside the transaction (a generator need not hold them all)."""
        with self.transaction():
            self.con.execute("delete from pairs_fts where rowid in (select id from pairs where kind = 'mined')")
            self.con.execute("delete from pairs where kind = 'mined'")
            for doc_id, p in rows:
                self._insert_pairs(doc_id, [p])
            self.set_meta("mined_state", state)

    # ---------- pairs ----------
    def count_pairs(self, kind: str | None = None) -> int:
        """Sentence pairs (two sides; the null beads the table also keeps are not pairs), of
        ``kind`` ('aligned' | 'mined') or of both. Every read of pairs keeps to two-sided rows:
        ``en != '' and zh != ''``."""
        if kind is None:
            return self.con.execute("select count(*) from pairs where en != '' and zh != ''").fetchone()[0]
        sql = "select count(*) from pairs where kind = ? and en != '' and zh != ''"
        return self.con.execute(sql, (kind,)).fetchone()[0]

    def pair_texts(self, min_score: float = 0.0) -> list[SentencePair]:
        """Every sentence pair, for the glossary miner and the TMX export, in id order."""
        rows = self.con.execute(
            "select p.id, p.en, p.zh, p.score, d.name, p.kind from pairs p join documents d on d.id = p.doc"
            " where p.en != '' and p.zh != '' and p.score >= ? order by p.id",
            (min_score,),
        )
        return [SentencePair(en=r[1], zh=r[2], score=r[3], doc=r[4], kind=r[5], pair_id=r[0]) for r in rows]

    def pair_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids int64 (n,), vectors float32 (n, dim)) of all pairs that have a vector."""
        ids, vecs = [], []
        for pid, raw in self.con.execute("select id, vector from pairs where vector is not null order by id"):
            ids.append(pid)
            vecs.append(unblob(raw))
        if not ids:
            return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
        return np.asarray(ids, np.int64), np.stack(vecs)

    def pair_state(self) -> tuple[int, int]:
        """(count, max id) of pairs with vectors: what the FAISS manifest must agree with."""
        n, mx = self.con.execute("select count(*), coalesce(max(id), 0) from pairs where vector is not null").fetchone()
        return int(n), int(mx)

    def pair_hits(self, ids: Sequence[int], similarity: Sequence[float] | None = None) -> list[SentencePair]:
        """The pairs with these ids (from the FAISS index), in the order given, with ``similarity``."""
        if not len(ids):
            return []
        q = ",".join("?" * len(ids))
        rows = {
            r[0]: r
            for r in self.con.execute(
                f"select p.id, p.en, p.zh, d.name, p.score, p.kind from pairs p join documents d on d.id = p.doc where p.id in ({q})",
                [int(i) for i in ids],
            )
        }
        out = []
        for k, i in enumerate(ids):
            r = rows.get(int(i))
            if r:
                sim = None if similarity is None else float(similarity[k])
                out.append(SentencePair(en=r[1], zh=r[2], score=r[4], doc=r[3], kind=r[5], similarity=sim))
        return out

    def concordance(self, needle: str, limit: int = 10) -> list[SentencePair]:
        """Pairs whose normalised text contains ``needle`` (any length; FTS5 trigram).

        Three characters or more use the trigram index (MATCH on a quoted phrase); shorter
        needles (稀土) use LIKE over the same FTS table, a scan that is fine at corpus scale.
        """
        n = norm_text(needle)
        if not n:
            return []
        if len(n) >= 3:
            phrase = '"' + n.replace('"', '""') + '"'
            sql = (
                "select p.id, p.en, p.zh, d.name, p.score, p.kind from pairs_fts f join pairs p on p.id = f.rowid"
                " join documents d on d.id = p.doc where pairs_fts match ? and p.en != '' and p.zh != ''"
                " order by p.score desc, p.id limit ?"
            )
            args: tuple = (phrase, limit)
        else:
            like = "%" + n.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            sql = (
                "select p.id, p.en, p.zh, d.name, p.score, p.kind from pairs_fts f join pairs p on p.id = f.rowid"
                " join documents d on d.id = p.doc where (f.en like ? escape '\\' or f.zh like ? escape '\\')"
                " and p.en != '' and p.zh != '' order by p.score desc, p.id limit ?"
            )
            args = (like, like, limit)
        rows = self.con.execute(sql, args)
        return [SentencePair(en=r[1], zh=r[2], score=r[4], doc=r[3], kind=r[5], pair_id=r[0]) for r in rows]

    # ---------- terms ----------
    def replace_terms(
        self, entries: Sequence[TermEntry], state: str, features: dict[tuple[str, str], np.ndarray] | None = None
    ) -> None:
        """Replace the whole glossary in one transaction, with the review decisions applied again
        (:func:`corpus.decisions.write_glossary`). ``features``: each mined entry's feature row by (zh, en)."""
        from termalign.corpus.decisions import write_glossary

        with self.transaction():
            write_glossary(self, entries, features or {})
            self.set_meta("glossary_state", state)

    def write_term(self, term_id: int, e: TermEntry, review: Sequence) -> None:
        """Insert or replace the row ``term_id`` (and its search keys). ``review``: the review columns
        (status, note, domain, features, mined_confidence, base, rkey; ``corpus.decisions``)."""
        zh_n, en_n = norm_text(e.zh), norm_text(e.en)
        self.con.execute(
            "insert or replace into terms(id, zh, en, zh_norm, en_norm, confidence, freq, n_docs, zh_variants,"
            " en_variants, examples, pinned, termhood, status, note, domain, features, mined_confidence, base, rkey)"
            " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                term_id,
                e.zh,
                e.en,
                zh_n,
                en_n,
                float(e.confidence),
                int(e.freq),
                int(e.n_docs),
                json.dumps(list(e.zh_variants), ensure_ascii=False),
                json.dumps(list(e.en_variants), ensure_ascii=False),
                json.dumps([_example_dict(x) for x in e.examples], ensure_ascii=False),
                int(e.pinned),
                None if e.termhood is None else float(e.termhood),
                *review,
            ),
        )
        forms = [zh_n, en_n, *map(norm_text, e.zh_variants), *map(norm_text, e.en_variants)]
        keys = " | ".join(dict.fromkeys([*forms, *map(fold_hyphens, forms)]))
        self.con.execute("delete from terms_fts where rowid = ?", (term_id,))
        self.con.execute("insert into terms_fts(rowid, keys) values (?, ?)", (term_id, keys))

    def count_terms(self) -> int:
        """Entries of the glossary (rejected and merged-away ones not counted)."""
        vis = VISIBLE if self._has_status() else "1"
        return self.con.execute("select count(*) from terms where " + vis).fetchone()[0]

    def _has_status(self) -> bool:
        """Whether the terms table has the review columns (a read-only old store may not)."""
        if self._status_col is None:
            self._status_col = any(r[1] == "status" for r in self.con.execute("pragma table_info(terms)"))
        return self._status_col

    def _has_termhood(self) -> bool:
        """Whether the terms table has the termhood column (a read-only old store may not)."""
        if self._termhood_col is None:
            self._termhood_col = any(r[1] == "termhood" for r in self.con.execute("pragma table_info(terms)"))
        return self._termhood_col

    def ranked_rows(self, sql: str, args: Sequence = ()) -> list:
        """The rows of ``sql`` (fixed text selecting from ``terms``, with no ORDER BY) in the
        glossary's order (:data:`RANK_ORDER`): the one place outside this class that orders terms."""
        order = RANK_ORDER if self._has_status() else RANK_ORDER_OLD
        return self.con.execute(sql + " order by " + order, args).fetchall()

    def terms_where(
        self, sql_where: str, args: Sequence, limit: int, by_rank: bool = False
    ) -> list[tuple[int, TermEntry]]:
        """Internal helper for search: (id, entry) rows matching a fixed WHERE clause, by confidence
        (or by rank, the glossary's order, with ``by_rank``)."""
        th = "termhood" if self._has_termhood() else "null as termhood"
        vis = VISIBLE if self._has_status() else "1"
        order = "confidence desc, freq desc, id"
        if by_rank and self._has_termhood():
            order = RANK_ORDER if self._has_status() else RANK_ORDER_OLD
        rows = self.con.execute(
            "select id, zh, en, confidence, freq, n_docs, zh_variants, en_variants, examples, pinned, "
            + th
            + " from terms where "
            + vis
            + " and ("
            + sql_where
            + ")"
            + " order by "
            + order
            + " limit ?",
            (*args, limit),
        )
        return [(r[0], _term(r)) for r in rows]

    def terms_fts(self, needle: str, limit: int) -> list[tuple[int, TermEntry]]:
        """Terms any of whose keys contain ``needle`` (normalised)."""
        n = norm_text(needle)
        if not n:
            return []
        if len(n) >= 3:
            phrase = '"' + n.replace('"', '""') + '"'
            where, args = "id in (select rowid from terms_fts where terms_fts match ?)", (phrase,)
        else:
            like = "%" + n.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where, args = "id in (select rowid from terms_fts where keys like ? escape '\\')", (like,)
        return self.terms_where(where, args, limit)

    def all_terms(self) -> list[TermEntry]:
        """The whole glossary in its order: rank (confidence x termhood), best first."""
        return [e for _, e in self.terms_where("1", (), 1 << 62, by_rank=True)]

    # ---------- the FAISS cache ----------
    def pair_index(self, rebuild: bool = False):
        """The FAISS index over pair vectors, loaded or rebuilt from SQLite (see align.index)."""
        from termalign.align.index import load_or_build

        if self._index is None or rebuild:
            self._index = load_or_build(
                self.folder / INDEX_NAME,
                self.signature,
                self.pair_state,
                self.pair_vectors,
                writable=not self.readonly,
                force=rebuild,
            )
        return self._index


def _example_dict(x: SentencePair) -> dict:
    return {**x.to_dict(EXAMPLE_FIELDS), "score": float(x.score)}


def _term(r) -> TermEntry:
    return TermEntry(
        zh=r[1],
        en=r[2],
        confidence=r[3],
        freq=r[4],
        n_docs=r[5],
        zh_variants=tuple(json.loads(r[6])),
        en_variants=tuple(json.loads(r[7])),
        examples=tuple(SentencePair(**d) for d in json.loads(r[8])),
        pinned=bool(r[9]),
        termhood=r[10],
    )


# ---------------------------------------------------------------- opening helpers

LOCK_NAME = "termalign.lock"


def writer_lock(folder: Path, on_wait: Callable[[], None] | None = None):
    """Hold the store folder's writer lock; returns the open lock file (close it to release).

    An exclusive ``flock`` on ``folder/termalign.lock``: the kernel drops it when the holder exits
    or is killed, so a crashed build never leaves a stale lock. Every writer takes it, so every
    write of a build (documents, mining, glossary, index) sees the store as its own and the
    stamps it compares were written by a finished build. Where ``fcntl`` is missing (Windows) no
    lock is taken."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return open(os.devnull, "rb")
    try:
        f = open(folder / LOCK_NAME, "a+b")
    except OSError as e:
        raise StoreError(f"cannot write to store folder {folder}: {e.strerror}") from None
    try:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
    except BaseException:
        f.close()
        raise
    return f


def sqlite_uri(db: Path, **params: str) -> str:
    """A ``file:`` URI for ``db`` with query ``params``: the path percent-escaped, so ``#``, ``?``
    and ``%`` in a folder name stay part of the path (unescaped they cut it short)."""
    from urllib.parse import quote, urlencode

    path = quote(os.fsencode(db.resolve()), safe="/")
    return f"file:{path}?{urlencode(params)}"


def _connect_readonly(db: Path) -> sqlite3.Connection:
    """A read-only connection: ``mode=ro``, or ``immutable=1`` where that cannot work.

    A cleanly closed WAL store has no ``-shm`` file, and ``mode=ro`` must create one: on read-only
    media it fails with "unable to open database file". Nothing can write to such media, so the
    file cannot change while it is read and ``immutable=1`` (no locks, no ``-shm``) is safe."""
    last: sqlite3.DatabaseError | None = None
    for params in ({"mode": "ro"}, {"mode": "ro", "immutable": "1"}):
        con = None
        try:
            con = sqlite3.connect(sqlite_uri(db, **params), uri=True, timeout=30, check_same_thread=False)
            _rank_function(con)
            con.execute("pragma busy_timeout = 30000")
            con.execute("select count(*) from sqlite_master").fetchone()
            return con
        except sqlite3.DatabaseError as e:
            if con is not None:
                con.close()
            last = e
            if "unable to open" not in str(e) or os.access(db.parent, os.W_OK) and not _readonly_fs(db.parent):
                break
    raise StoreError(f"{db}: not a termalign store ({last})")


def _readonly_fs(folder: Path) -> bool:
    """Whether ``folder`` is on a file system mounted read-only."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # pragma: no cover - no statvfs
        return False


class _Transaction:
    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con
        self.depth_owner = False

    def __enter__(self) -> sqlite3.Connection:
        if not self.con.in_transaction:
            self.con.execute("begin immediate")
            self.depth_owner = True
        return self.con

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self.depth_owner:
            return
        if exc_type is None:
            self.con.execute("commit")
        else:
            self.con.execute("rollback")
