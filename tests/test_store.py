"""Store: migrations, per-document transactions, read-only mode, clear errors."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from termalign.core.errors import StoreError
from termalign.corpus.store import MIGRATIONS, PairRow, SentenceRow, Store, norm_text


def _doc(store: Store, path: str, n: int = 3, fail_at: int | None = None) -> int:
    sents = [SentenceRow("en", i, f"Rare earth sentence {i}.", np.ones(4, np.float32) / 2) for i in range(n)]
    sents += [SentenceRow("zh", i, f"稀土句子{i}。", np.ones(4, np.float32) / 2) for i in range(n)]
    pairs = [
        PairRow("aligned", (i,), (i,), f"Rare earth sentence {i}.", f"稀土句子{i}。", 0.9, np.ones(4, np.float32) / 2)
        for i in range(n)
    ]
    if fail_at is not None:
        pairs[fail_at] = PairRow("bogus-kind", (0,), (0,), "x", "y", 0.5)  # violates the CHECK constraint
    return store.put_document(path, path, "sha-" + path, "sig", True, sents, pairs)


def test_migrations_apply_once_and_are_recorded(tmp_path):
    with Store.open(tmp_path / "s") as s:
        applied = [r[0] for r in s.con.execute("select key from meta where key like 'migration:%' order by key")]
    assert applied == [f"migration:{i:03d}" for i in range(1, len(MIGRATIONS) + 1)]
    with Store.open(tmp_path / "s") as s:  # reopening applies nothing twice
        assert s.con.execute("select count(*) from meta where key like 'migration:%'").fetchone()[0] == len(MIGRATIONS)
        assert s.con.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_document_write_is_all_or_nothing(tmp_path):
    with Store.open(tmp_path / "s") as s:
        _doc(s, "a.txt")
        before = [
            s.con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("documents", "sentences", "pairs", "pairs_fts")
        ]
        with pytest.raises(sqlite3.IntegrityError):
            _doc(s, "b.txt", fail_at=2)  # fails after its sentences and two pairs were inserted
        with pytest.raises(sqlite3.IntegrityError):
            _doc(s, "a.txt", n=5, fail_at=4)  # a failed *replacement* keeps the old rows
        after = [
            s.con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("documents", "sentences", "pairs", "pairs_fts")
        ]
        assert after == before == [1, 6, 3, 3]
        assert s.find_document("b.txt") is None


def test_replacing_a_document_drops_its_old_rows(tmp_path):
    with Store.open(tmp_path / "s") as s:
        _doc(s, "a.txt", n=3)
        _doc(s, "a.txt", n=2)
        assert s.con.execute("select count(*) from sentences").fetchone()[0] == 4
        assert s.count_pairs() == 2
        assert s.con.execute("select count(*) from pairs_fts").fetchone()[0] == 2


def test_count_pairs_counts_two_sided_pairs_only(example_store, mined_example_store):
    """The pairs table also keeps the aligner's null beads (1-0, 0-1); they are not pairs."""
    with Store.open(mined_example_store[0], readonly=True) as s:
        rows = s.con.execute("select kind, en != '' and zh != '' from pairs").fetchall()
        assert any(not two for _, two in rows)  # seed 000 / 003 have unpaired sentences
        for kind in ("aligned", "mined"):
            assert s.count_pairs(kind) == sum(1 for k, two in rows if k == kind and two) > 0
        assert s.count_pairs() == sum(two for _, two in rows) < len(rows)
        assert s.count_pairs() == len(s.pair_texts()) == example_store[1].pairs + mined_example_store[1]


def test_readonly_open_of_missing_store_names_the_fix(tmp_path):
    with pytest.raises(StoreError, match=r"no store at .*run `termalign build FOLDER` first"):
        Store.open(tmp_path / "nothing", readonly=True)


def test_readonly_store_refuses_writes(tmp_path):
    Store.open(tmp_path / "s").close()
    with Store.open(tmp_path / "s", readonly=True) as s:
        with pytest.raises(sqlite3.OperationalError):
            s.con.execute("insert into meta(key, value) values ('x', 'y')")


def test_concordance_crosses_scripts_and_case(tmp_path):
    with Store.open(tmp_path / "s") as s:
        s.put_document(
            "t.txt",
            "t.txt",
            "h",
            "sig",
            True,
            [],
            [
                PairRow(
                    "aligned", (0,), (0,), "Reducing reliance on Critical Minerals.", "降低對中國關鍵礦物的依賴。", 0.9
                ),
                PairRow("aligned", (1,), (1,), "Rare earths matter.", "稀土很重要。", 0.8),
            ],
        )
        assert [h.zh for h in s.concordance("关键矿物")] == [
            "降低對中國關鍵礦物的依賴。"
        ]  # Simplified query, Traditional text
        assert [h.en for h in s.concordance("critical minerals")] == ["Reducing reliance on Critical Minerals."]
        assert [h.en for h in s.concordance("稀土")] == ["Rare earths matter."]  # 2 characters: below trigram length
    assert norm_text("關鍵礦物 Rare  Earths") == "关键矿物 rare earths"


def test_a_store_from_before_termhood_still_reads_and_upgrades(tmp_path):
    """A store with migrations 001-002 only: read-only openers get termhood None and the old
    confidence order; a writable open adds the column (migration 003)."""
    import sqlite3

    from termalign.glossary.entries import TermEntry

    old = tmp_path / "old"
    old.mkdir()
    con = sqlite3.connect(old / "glossary.sqlite", isolation_level=None)
    con.execute("create table meta (key text primary key, value text not null)")
    for i, m in enumerate(MIGRATIONS[:2], 1):
        m(con)
        con.execute("insert into meta values (?, ?)", (f"migration:{i:03d}", m.__name__))
    for zh, en, c in [("公司", "company", 0.99), ("稀土", "rare earth", 0.95)]:
        con.execute(
            "insert into terms(zh, en, zh_norm, en_norm, confidence, freq, n_docs, zh_variants, en_variants,"
            " examples, pinned) values (?, ?, ?, ?, ?, 1, 1, '[]', '[]', '[]', 0)",
            (zh, en, zh, en, c),
        )
    con.close()
    with Store.open(old, readonly=True) as s:
        assert [(e.zh, e.termhood) for e in s.all_terms()] == [("公司", None), ("稀土", None)]
    with Store.open(old) as s:
        s.replace_terms(
            [
                TermEntry("公司", "company", 0.99, 1, 1, termhood=0.2),
                TermEntry("稀土", "rare earth", 0.95, 1, 1, termhood=0.9),
            ],
            "x",
        )
        assert [e.zh for e in s.all_terms()] == ["稀土", "公司"]  # by rank, confidence x termhood


def test_the_store_orders_the_glossary_as_the_library_does(tmp_path):
    # rank is the candidate confidence x termhood (glossary.calibration): by the shown confidence
    # 公司 (0.99 x 0.5) would come before 战略 (0.3 x 1.0); by rank (0.7 x 0.5 against 0.4 x 1.0) it
    # comes after. The library has the candidate confidence as mined (link); the store reads it from
    # the entry's feature row, whatever the cap did to the confidence shown.
    import math

    import numpy as np

    from termalign.glossary.calibration import FEATURES, WEIGHTS, candidate_confidence
    from termalign.glossary.entries import TermEntry
    from termalign.glossary.termhood import sort_by_rank

    def row(p: float) -> np.ndarray:  # a feature row whose candidate confidence is p
        x = np.zeros(len(FEATURES))
        x[0], x[1] = 1.0, (math.log(p / (1 - p)) - WEIGHTS[0]) / WEIGHTS[1]
        return x

    entries = [
        TermEntry("公司", "company", 0.99, 1, 1, termhood=0.5, link=0.7),
        TermEntry("战略", "strategy", 0.3, 1, 1, termhood=1.0, link=0.4),
    ]
    features = {("公司", "company"): row(0.7), ("战略", "strategy"): row(0.4)}
    assert candidate_confidence(features[("公司", "company")]) == pytest.approx(0.7)
    assert 0.99 * 0.5 > 0.3 * 1.0 and 0.7 * 0.5 < 0.4 * 1.0
    assert [e.zh for e in sort_by_rank(entries)] == ["战略", "公司"]
    with Store.open(tmp_path / "s") as s:
        s.replace_terms(entries, "x", features)
        assert [e.zh for e in s.all_terms()] == ["战略", "公司"]
    with Store.open(tmp_path / "s", readonly=True) as s:
        assert [e.zh for e in s.all_terms()] == ["战略", "公司"]


def test_examples_keep_their_kind_and_old_ones_read_as_aligned(tmp_path):
    from termalign.glossary.entries import SentencePair, TermEntry

    mined = SentencePair(
        "China mines 70 percent of the world's rare earths.", "中国开采了全球70%的稀土。", 0.91, "001.txt", "mined"
    )
    aligned = SentencePair("Rare earths are vital.", "稀土至关重要。", 0.97, "000.txt")
    with Store.open(tmp_path / "s") as s:
        s.replace_terms([TermEntry("稀土", "rare earth", 0.95, 2, 2, examples=(aligned, mined))], "x")
        (e,) = s.all_terms()
        assert [x.kind for x in e.examples] == ["aligned", "mined"]
        # a glossary written before examples had a kind: they were aligned pairs
        s.con.execute("update terms set examples = ?", ('[{"en": "a", "zh": "b", "doc": "d", "score": 0.5}]',))
        (e,) = s.all_terms()
        assert e.examples[0].kind == "aligned"


def test_sentence_rows_copy_cleaned_text_and_boilerplate(tmp_path):
    rows = [
        SentenceRow(
            "zh", 0, "💰 **协议**:美国与澳大利亚达成协议。", np.ones(4, np.float32), "协议:美国与澳大利亚达成协议。"
        ),
        SentenceRow("zh", 1, "去年价格大幅下跌。", np.ones(4, np.float32)),
        SentenceRow("other", 0, "Search documents", boilerplate=True),
    ]
    with Store.open(tmp_path / "s") as s:
        doc = s.put_document("a.txt", "a.txt", "0" * 64, "sig", False, rows, [])
        assert s.sentences(doc, "zh")[0] == [rows[0].text, rows[1].text]
        assert s.sentences(doc, "zh", clean=True)[0] == [rows[0].clean, rows[1].text]
        assert s.boilerplate(doc) == ["Search documents"]
        assert s.documents()[0].n_sentences == 2  # boilerplate lines are not counted
        back = s.sentence_rows(doc)
        assert [(r.lang, r.text, r.clean, r.boilerplate) for r in back] == [
            ("other", "Search documents", None, True),
            ("zh", rows[0].text, rows[0].clean, False),
            ("zh", rows[1].text, None, False),
        ]


def test_sentence_vectors_are_read_by_the_rows_asked_for(example_store):
    with Store.open(example_store[0], readonly=True) as s:
        doc = next(d for d in s.documents() if d.parallel)
        texts, want = s.sentences(doc.id, "zh")
        t2, clean, ids = s.prose(doc.id, "zh")
        assert t2 == texts and len(clean) == len(texts) and want is not None
        rows = s.vectors(ids)
        assert len(rows) == len(texts)
        assert np.array_equal(rows[0 : len(rows)], want) and np.array_equal(rows[2:5], want[2:5])
        pick = np.array([4, 0, 4, len(texts) - 1])  # any order, repeats allowed
        got = rows[pick]
        assert got.dtype == np.float32 and np.array_equal(got, want[pick])
