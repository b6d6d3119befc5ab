"""The page in a real browser: Debian's headless Chromium, driven by Selenium, offline.

Needs ``/usr/bin/chromium`` and ``/usr/bin/chromedriver`` (``apt-get install -y chromium
chromium-driver``; ``.ci/run`` installs them). Without them these tests FAIL when ``CI`` is
set (``.ci/run`` sets ``CI=1``) and are skipped, with the install command, otherwise.

The first test saves a screenshot into its pytest tmp folder and prints the path;
``TERMALIGN_SCREENSHOT=PATH`` puts it there instead. ``scripts/screenshot.py`` makes the
README's ``docs/screenshot.png`` with the same browser settings (``new_driver``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import FIXTURE_CACHE, SEEDS, copy_store
from test_web import build_hostile_store, plain_usem3, running  # noqa: F401, F811 (fixtures)

from termalign.corpus.store import Store, norm_text, to_simplified

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # starts Chromium

CHROMIUM = os.environ.get("TERMALIGN_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TERMALIGN_CHROMEDRIVER", "/usr/bin/chromedriver")
INSTALL_HINT = (
    "install Debian's Chromium and its driver: "
    "`sudo apt-get update && sudo apt-get install -y chromium chromium-driver` (.ci/run does this); "
    "or point TERMALIGN_CHROMIUM / TERMALIGN_CHROMEDRIVER at them"
)
# Chromium as root in a container, with no network: no sandbox, and nothing that phones home.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-default-apps",
    "--disable-extensions",
    "--force-device-scale-factor=1",
    "--lang=en-US",
]
WAIT_S = 20


def in_ci() -> bool:
    """True under CI (``CI`` set to anything but '', '0' or 'false'): a missing browser is a failure."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def new_driver(profile_dir: str, width: int = 1100, height: int = 1000):
    """A headless Chromium driven by the system chromedriver, with a fresh profile in ``profile_dir``.

    Raises ``RuntimeError`` (the install hint) when Chromium, chromedriver or selenium is missing.
    """
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).is_file()]
    if missing:
        raise RuntimeError(f"browser test needs {', '.join(missing)}, not found: {INSTALL_HINT}")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise RuntimeError("selenium is not installed: pip install -e '.[test]'") from None
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never try to download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile_dir}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.TemporaryDirectory(prefix="termalign-chromium-")  # a fresh profile every run
    try:
        driver = new_driver(profile.name)
    except RuntimeError as e:
        profile.cleanup()
        if in_ci():
            pytest.fail(f"{e} (CI is set: the browser test must run)")
        pytest.skip(str(e))
    try:
        yield driver
    finally:
        driver.quit()
        profile.cleanup()


@pytest.fixture(scope="module")
def seed_url(rare_earths_store):
    with running(rare_earths_store) as server:
        yield server.url


def search(driver, url: str, text: str, expect_text: str):
    """Open the page, type ``text`` into the box, wait until a term card shows ``expect_text``."""
    from selenium.webdriver.common.by import By

    driver.get(url)
    box = driver.find_element(By.ID, "q")
    assert driver.switch_to.active_element == box, "the search box has autofocus"
    box.send_keys(text)
    wait_for_term(driver, expect_text)
    return driver.find_elements(By.CSS_SELECTOR, "#term-list > li")


def wait_for_term(driver, expect_text: str) -> None:
    """Wait until a term card's text contains ``expect_text`` (lower-cased); fail with a screenshot."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(driver, WAIT_S).until(
            lambda d: any(expect_text in t.text.lower() for t in d.find_elements(By.CSS_SELECTOR, "#term-list > li"))
        )
    except TimeoutException:
        shot = Path(tempfile.mkdtemp(prefix="termalign-failed-")) / "page.png"
        driver.save_screenshot(str(shot))
        pytest.fail(
            f"no term card with {expect_text!r} after {WAIT_S} s; status line: "
            f"{driver.find_element(By.ID, 'status').text!r}; screenshot: {shot}"
        )


def heading(driver, element_id: str) -> str:
    """A heading's text as written (the style sheet upper-cases headings; <q> adds the quotes)."""
    from selenium.webdriver.common.by import By

    return " ".join(driver.find_element(By.ID, element_id).get_attribute("textContent").split())


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_typing_shows_rare_earth_with_an_example_pair(browser, seed_url, tmp_path, capsys):
    from selenium.webdriver.common.by import By

    terms = search(browser, seed_url, "稀土", "rare earth")
    card = next(t for t in terms if t.find_element(By.CSS_SELECTOR, ".zh-forms .form-main").text == "稀土")
    assert card.find_element(By.CSS_SELECTOR, ".en-forms .form-main").text.lower().startswith("rare earth")
    assert card.find_element(By.CSS_SELECTOR, ".conf-num").text.endswith("%")
    pairs = card.find_elements(By.CSS_SELECTOR, ".pair")
    assert pairs, "the entry shows example sentence pairs"
    zh = pairs[0].find_element(By.CSS_SELECTOR, ".pair-zh")
    en = pairs[0].find_element(By.CSS_SELECTOR, ".pair-en")
    assert "稀土" in zh.text and en.text
    assert "稀土" in [m.text for m in zh.find_elements(By.TAG_NAME, "mark")], "the term is highlighted"
    assert any(re.match(r"rare[ -]earth", m.text, re.I) for m in en.find_elements(By.TAG_NAME, "mark"))
    assert browser.find_elements(By.CSS_SELECTOR, "#example-list .pair"), "concordance section is filled"
    assert "q=%E7%A8%80%E5%9C%9F" in browser.current_url  # the search is in the address bar
    assert console_errors(browser) == []  # no CSP violation, no failed request
    shot = Path(os.environ.get("TERMALIGN_SCREENSHOT") or tmp_path / "screenshot.png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    with capsys.disabled():
        print(f"\nscreenshot: {shot}")


def test_traditional_form_finds_the_same_entry(browser, seed_url, rare_earths_store):
    """Typed in Traditional characters, a term whose Traditional form differs shows its entry."""
    import opencc
    from selenium.webdriver.common.by import By

    s2t = opencc.OpenCC("s2t").convert
    with Store.open(rare_earths_store, readonly=True) as s:
        entry = max((e for e in s.all_terms() if s2t(e.zh) != e.zh), key=lambda e: (e.confidence, e.freq))
    terms = search(browser, seed_url, s2t(entry.zh), entry.en.lower())
    card = next(t for t in terms if t.find_element(By.CSS_SELECTOR, ".zh-forms .form-main").text == entry.zh)
    assert s2t(entry.zh) in [v.text for v in card.find_elements(By.CSS_SELECTOR, ".zh-forms .variant")]


def test_a_term_with_two_translations_is_tagged_on_both_cards(browser, seed_url):
    from selenium.webdriver.common.by import By

    terms = search(browser, seed_url, "政府", "administration")
    cards = [t for t in terms if t.find_element(By.CSS_SELECTOR, ".zh-forms .form-main").text == "政府"]
    assert {c.find_element(By.CSS_SELECTOR, ".en-forms .form-main").text for c in cards} == {
        "administration",
        "government",
    }
    for c in cards:
        tag = c.find_element(By.CSS_SELECTOR, ".tag.senses")
        title = tag.get_attribute("title")  # 政府: government / administration (each entry's examples show where)
        assert tag.text == "one of 2 translations" and title.startswith("政府: ")
        assert set(title.removeprefix("政府: ").split(" (")[0].split(" / ")) == {"administration", "government"}
    assert console_errors(browser) == []


@pytest.mark.parametrize(
    "typed, status",
    [
        ("xitu", r"No term or sentence contains “xitu”\. Guess: \d+ terms? spelled “xitu” in pinyin\."),
        ("rare eath", r"No term or sentence contains “rare eath”\. Guess: \d+ terms? with a close spelling\."),
    ],
)
def test_pinyin_and_typo_say_they_are_guesses(browser, seed_url, typed, status):
    from selenium.webdriver.common.by import By

    terms = search(browser, seed_url, typed, "rare earth")
    assert terms[0].find_element(By.CSS_SELECTOR, ".zh-forms .form-main").text == "稀土"
    assert re.fullmatch(status, browser.find_element(By.ID, "status").text)
    assert heading(browser, "terms-title").startswith("Guess: ")
    # the heading names what the sentences under it contain: the guessed entry, not the query
    assert heading(browser, "examples-title") == "Sentences containing 稀土 / rare earths (the guess, not your query)"


def test_export_controls_shows_the_sentences_that_contain_it(browser, seed_url):
    """The corpus' topic: sentences with "export controls" under a heading that says what they contain."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(seed_url)
    browser.find_element(By.ID, "q").send_keys("export controls")
    WebDriverWait(browser, WAIT_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#example-list .pair"))
    assert "price control" not in browser.find_element(By.ID, "results").text.lower()  # never a guess instead
    assert heading(browser, "terms-title") == "Terms"
    shown_for = heading(browser, "examples-title").removeprefix("Sentences containing ").lower()
    english = browser.find_elements(By.CSS_SELECTOR, "#example-list .pair-en")
    assert english and all("export control" in e.text.lower() for e in english)
    assert "export control" in shown_for  # the heading names what is under it
    marks = [m.text for m in browser.find_elements(By.CSS_SELECTOR, "#example-list .pair-en mark")]
    assert marks and all(m.lower() == "export controls" for m in marks), marks  # whole words, never «export control»s
    assert console_errors(browser) == []


def test_a_phrase_no_entry_holds_shows_the_sentences_under_a_true_heading(browser, seed_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(seed_url)
    browser.find_element(By.ID, "q").send_keys("cut off rare earth exports")
    WebDriverWait(browser, WAIT_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#example-list .pair"))
    assert browser.find_element(By.ID, "status").text == (
        "No glossary entry for “cut off rare earth exports”; 1 sentence pair contains it."
    )
    assert not browser.find_element(By.ID, "terms").is_displayed()
    assert heading(browser, "examples-title") == "Sentences containing cut off rare earth exports"
    assert [m.text for m in browser.find_elements(By.CSS_SELECTOR, "#example-list .pair-en mark")] == [
        "cut off rare earth exports"
    ]


def test_similar_sentences_follow_the_terms(browser, rare_earths_store, plain_usem3):  # noqa: F811
    """With the encoder loaded, the page asks for terms first, then fills 'Similar sentences'."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with running(rare_earths_store, enc=plain_usem3) as server:
        search(browser, server.url, "稀土", "rare earth")
        WebDriverWait(browser, WAIT_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#similar-list .pair"))
        section = browser.find_element(By.ID, "similar")
        sims = [e.text for e in section.find_elements(By.CSS_SELECTOR, ".sim")]
        examples = {e.text for e in browser.find_elements(By.CSS_SELECTOR, "#example-list .pair-en")}
        similar = {e.text for e in section.find_elements(By.CSS_SELECTOR, ".pair-en")}
    assert section.is_displayed() and sims and all(re.fullmatch(r"similarity -?\d\.\d\d", t) for t in sims)
    floor = float(browser.find_element(By.ID, "similar-floor").text.split("≥")[1].rstrip(")"))
    assert all(float(t.split()[1]) >= floor for t in sims)
    assert not examples & similar  # a pair shown as an example is not repeated
    assert console_errors(browser) == []


def test_hostile_text_is_shown_as_text_and_never_runs(browser, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    store = build_hostile_store(tmp_path / "store")
    with running(store) as server:
        terms = search(browser, server.url, "稀土", "rare earth")
        title = browser.title
        with pytest.raises(NoAlertPresentException):
            _ = browser.switch_to.alert.text
        results = browser.find_element(By.ID, "results")
        assert results.find_elements(By.TAG_NAME, "img") == []
        assert results.find_elements(By.TAG_NAME, "script") == []
        scripts = [s.get_attribute("src") for s in browser.find_elements(By.TAG_NAME, "script")]
        assert scripts == [server.url + "static/app.js"]
        assert terms[0].find_element(By.CSS_SELECTOR, ".zh-forms .form-main").text == "稀土<script>alert(1)</script>"
        assert "<img src=x onerror=" in results.text
    assert title == "termalign glossary"  # the onerror payload would have set it to 'pwned'


def test_a_missing_browser_says_how_to_install_it(monkeypatch):
    """Skipped locally but failed under CI: both paths start from this error and ``in_ci``."""
    import test_browser

    monkeypatch.setattr(test_browser, "CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(RuntimeError, match=r"/nonexistent/chromium, not found: install Debian's Chromium"):
        new_driver("/nonexistent/profile")
    for value, expected in [("1", True), ("true", True), ("", False), ("0", False), ("false", False)]:
        monkeypatch.setenv("CI", value)
        assert in_ci() is expected
    monkeypatch.delenv("CI")
    assert in_ci() is False


# ---------------------------------------------------------------- the review page (serve --review)


def wait_settled(driver, saved: int | None = None) -> None:
    """Wait until the review page has no request in flight (and, given ``saved``, until the server
    has confirmed that many decisions); fail with a screenshot and the save line otherwise."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def settled(d) -> bool:
        line = d.find_element(By.ID, "save-state")
        if saved is not None and line.get_attribute("data-saved") != str(saved):
            return False
        return d.find_element(By.TAG_NAME, "body").get_attribute("data-busy") == "0"

    try:
        WebDriverWait(driver, WAIT_S).until(settled)
    except TimeoutException:
        shot = Path(tempfile.mkdtemp(prefix="termalign-failed-")) / "review.png"
        driver.save_screenshot(str(shot))
        line = driver.find_element(By.ID, "save-state")
        pytest.fail(f"review page did not settle (saved={saved}): {line.text!r}; screenshot: {shot}")


def shown_entry(driver) -> tuple[int, str, str]:
    """(id, zh, en) of the entry shown beside the queue."""
    from selenium.webdriver.common.by import By

    box = driver.find_element(By.ID, "entry")
    zh = box.find_element(By.CSS_SELECTOR, ".zh-forms .form-main").text
    en = box.find_element(By.CSS_SELECTOR, ".en-forms .form-main").text
    return int(box.get_attribute("data-id")), zh, en


def press(driver, keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(keys).perform()


def queue_rows(driver, status: str) -> dict[tuple[str, str], str]:
    """{(zh, en): status} of the queue under a status filter, as the page lists it (first 50)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, "f-status")).select_by_value(status)
    wait_settled(driver)
    rows = driver.find_elements(By.CSS_SELECTOR, "#queue > li")
    return {
        (r.find_element(By.CLASS_NAME, "q-zh").text, r.find_element(By.CLASS_NAME, "q-en").text): r.get_attribute(
            "data-status"
        )
        for r in rows
    }


def filter_to(driver, text: str, zh: str) -> None:
    """`/`, type ``text``, Enter; then j until the entry ``zh`` is the one shown."""
    press(driver, "/")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element(By.ID, "q")
    assert driver.switch_to.active_element == box, "/ jumps to the filter box"
    box.clear()
    box.send_keys(text, Keys.ENTER)
    wait_settled(driver)
    for _ in range(20):
        if shown_entry(driver)[1] == zh:
            return
        press(driver, "j")
        wait_settled(driver)
    pytest.fail(f"{zh} not in the queue filtered by {text!r}")


# a reviewed entry's main term in the TBX export: accepted and edited ones preferred, rejected ones
# deprecated (when the export keeps them at all)
TBX_STATUS = {
    "accepted": "preferredTerm-admn-sts",
    "edited": "preferredTerm-admn-sts",
    "rejected": "deprecatedTerm-admn-sts",
}


def tbx_entries(path: Path) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """{(zh, en): (administrativeStatus of the main English term, English variants)} of a TBX export."""
    from lxml import etree

    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    out = {}
    for te in etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).iter("termEntry"):
        sides = {}
        for ls in te.findall("langSet"):
            tigs = ls.findall("tig")
            terms = [t.findtext("term") for t in tigs]
            sides.setdefault("en" if ls.get(lang) == "en" else "zh", (terms, tigs[0].findtext("termNote")))
        out[(sides["zh"][0][0], sides["en"][0][0])] = (sides["en"][1], sides["en"][0][1:])
    return out


def test_review_ten_entries_by_keyboard_and_a_rebuild_keeps_every_decision(browser, rare_earths_store, tmp_path):
    """Accept, reject, edit and merge with the keyboard only; `termalign build` re-mines the
    glossary; the page and the TBX export still show every decision."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    store = copy_store(rare_earths_store, tmp_path / "store")
    keep_out = {"矿产公司", "七国集团", "七大工業國"}  # decided below by name (003 writes 七大工業國)
    expected: dict[tuple[str, str], str] = {}
    with running(store, review=True, user="reviewer") as server:
        browser.get(server.url + "review")
        wait_settled(browser)
        assert browser.find_element(By.ID, "actions").is_displayed()
        saved = 0
        # seven on the queue as it comes: accept, reject, skip with j when it is one of keep_out
        for key in "araaraa":
            while shown_entry(browser)[1] in keep_out:
                press(browser, "j")
                wait_settled(browser)
            _, zh, en = shown_entry(browser)
            press(browser, key)
            saved += 1
            wait_settled(browser, saved)
            assert browser.find_element(By.ID, "save-state").text.startswith("Saved: ")
            expected[(zh, en)] = {"a": "accepted", "r": "rejected"}[key]
        # an edit: 矿产公司 is a mining company, not "minerals firms"
        filter_to(browser, "矿产公司", "矿产公司")
        press(browser, "e")
        en_box = browser.find_element(By.ID, "ed-en")
        assert browser.switch_to.active_element == en_box, "e puts the cursor in the English form"
        en_box.send_keys("mining companies", Keys.ENTER)  # replaces the selected form
        saved += 1
        wait_settled(browser, saved)
        expected[("矿产公司", "mining companies")] = "edited"
        # a merge: "Group of Seven" is the same entry as "Group of 7"
        filter_to(browser, "Group of", "七大工業國")
        press(browser, "m")
        merge_box = browser.find_element(By.ID, "mg-q")
        assert browser.switch_to.active_element == merge_box
        merge_box.clear()
        merge_box.send_keys("Group of 7")
        wait_settled(browser)
        first = browser.find_element(By.CSS_SELECTOR, "#mg-list > li.selected")
        assert first.find_element(By.CLASS_NAME, "q-zh").text == "七国集团"
        merge_box.send_keys(Keys.ENTER)
        saved += 1
        wait_settled(browser, saved)
        # the tenth: accept the entry that stays
        filter_to(browser, "Group of", "七国集团")
        press(browser, "a")
        saved += 1
        wait_settled(browser, saved)
        expected[("七国集团", "Group of 7")] = "accepted"
        # and one taken back: u undoes the last decision of this page's user
        press(browser, "/")
        browser.find_element(By.ID, "q").clear()
        browser.find_element(By.ID, "q").send_keys(Keys.ENTER)
        wait_settled(browser)
        undone = shown_entry(browser)
        press(browser, "r")
        wait_settled(browser, saved + 1)
        press(browser, "u")
        wait_settled(browser, saved + 2)
        assert browser.find_element(By.ID, "save-state").text.startswith("Saved: undid rejected ")
        assert len(expected) == 9 and saved == 10
        assert console_errors(browser) == []

    # re-mine: the corpus again, plus one new document (so the glossary is really rebuilt)
    more = tmp_path / "more"
    more.mkdir()
    shutil.copy(sorted(SEEDS.glob("*.txt"))[0], more / "again.txt")
    with Store.open(store, readonly=True) as s:
        state_before = s.get_meta("glossary_state")
    env = {**os.environ, "TERMALIGN_CACHE": str(FIXTURE_CACHE)}
    r = subprocess.run(
        [sys.executable, "-m", "termalign.app.cli", "build", str(SEEDS), str(more), "--store", str(store), "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr
    with Store.open(store, readonly=True) as s:
        assert s.get_meta("glossary_state") != state_before, "the build re-mined the glossary"

    with running(store, review=True, user="reviewer") as server:
        browser.get(server.url + "review")
        wait_settled(browser)
        seen = {}
        for status in ("accepted", "edited", "rejected"):
            seen.update(queue_rows(browser, status))
        gone = [k for k, v in expected.items() if v == "rejected" and k not in seen]
        assert {k: seen.get(k) for k in expected if k not in gone} == {
            k: v for k, v in expected.items() if k not in gone
        }
        for zh, en in gone:  # no longer mined at all: a rejected pair never comes back as anything else
            press(browser, "/")
            browser.find_element(By.ID, "q").clear()
            browser.find_element(By.ID, "q").send_keys(zh, Keys.ENTER)
            assert (zh, en) not in queue_rows(browser, "all")
        press(browser, "/")  # the undone reject stayed undone: pending, if the rebuild still mines it
        browser.find_element(By.ID, "q").clear()
        browser.find_element(By.ID, "q").send_keys(undone[1], Keys.ENTER)
        assert queue_rows(browser, "all").get(undone[1:], "pending") == "pending"
        filter_to(browser, "Group of", "七国集团")  # "Group of Seven" is merged into the entry that stays
        assert ("七大工業國", "Group of Seven") not in queue_rows(browser, "all")
        variants = [v.text for v in browser.find_elements(By.CSS_SELECTOR, "#entry .variant")]
        assert "Group of Seven" in variants or "七大工業國" in variants, variants

    from termalign.corpus.review import decisions

    with Store.open(store, readonly=True) as s:  # every decision is still in the store, the undone one undone
        live = [(d.action, d.zh_key, d.en_key) for d in decisions(s)]
        assert len(live) == 10 and len(decisions(s, include_undone=True)) == 11
    assert all(("reject", norm_text(zh), norm_text(en)) in live for zh, en in gone)

    tbx = tmp_path / "glossary.tbx"
    r = subprocess.run(
        [sys.executable, "-m", "termalign.app.cli", "export", "--format", "tbx", "-o", str(tbx), "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    exported = tbx_entries(tbx)
    # the page shows a headword as the text writes it; the TBX is in the corpus' main script (Simplified)
    expected = {(to_simplified(zh), en): status for (zh, en), status in expected.items()}
    for key, status in expected.items():
        if status == "rejected":
            assert exported.get(key, (TBX_STATUS[status],))[0] == TBX_STATUS[status], key  # deprecated, or left out
        else:
            assert exported[key][0] == TBX_STATUS[status], (key, exported.get(key))
    assert {v[0] for k, v in exported.items() if k not in expected} == {"admittedTerm-admn-sts"}  # nobody decided
    assert ("七大工业国", "Group of Seven") not in exported  # the TBX is in the corpus' main script
    assert "Group of Seven" in exported[("七国集团", "Group of 7")][1]


SELECT_TEXT_JS = """
const [line, text] = arguments;
const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
const nodes = [];
let all = "";
while (walker.nextNode()) { nodes.push([walker.currentNode, all.length]); all += walker.currentNode.data; }
const start = all.indexOf(text);
if (start < 0) return false;
const end = start + text.length;
const range = document.createRange();
for (const [node, at] of nodes) {
  if (at <= start && start <= at + node.data.length) range.setStart(node, start - at);
  if (at <= end && end <= at + node.data.length) { range.setEnd(node, end - at); break; }
}
const sel = window.getSelection();
sel.removeAllRanges();
sel.addRange(range);
line.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
return true;
"""


def test_add_an_entry_from_a_span_selected_in_the_concordance_and_split_one(browser, rare_earths_store, tmp_path):
    """Select words on both sides of a concordance line: the page adds the entry. A refused
    decision shows the server's error and never 'Saved'. Then s splits a wrong pairing."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    store = copy_store(rare_earths_store, tmp_path / "store")
    en_words, zh_words = "Biden administration", "拜登政府"
    with running(store, review=True, user="reviewer") as server:
        browser.get(server.url + "review")
        wait_settled(browser)
        filter_to(browser, "拜登", "拜登")
        lines = browser.find_elements(By.CSS_SELECTOR, "#kwic .kwic-line")
        line = next(
            li
            for li in lines
            if en_words in li.find_element(By.CLASS_NAME, "kwic-en").text
            and zh_words in li.find_element(By.CLASS_NAME, "kwic-zh").text
        )
        assert browser.execute_script(SELECT_TEXT_JS, line.find_element(By.CLASS_NAME, "kwic-en"), en_words)
        assert browser.find_element(By.ID, "add-form").is_displayed()
        assert browser.find_element(By.ID, "ad-en").get_attribute("value") == en_words
        # a Chinese form that is not in that sentence pair: refused, and the page says so
        browser.find_element(By.ID, "ad-zh").send_keys("磁铁")
        browser.find_element(By.CSS_SELECTOR, "#add-form button[type=submit]").click()
        wait_settled(browser)
        state = browser.find_element(By.ID, "save-state")
        assert state.get_attribute("data-state") == "error" and state.get_attribute("data-saved") == "0"
        assert state.text.startswith(f"Not saved: add: 磁铁 / {en_words} is not in sentence pair ")
        # now select the Chinese words too
        line = browser.find_elements(By.CSS_SELECTOR, "#kwic .kwic-line")[lines.index(line)]
        assert browser.execute_script(SELECT_TEXT_JS, line.find_element(By.CLASS_NAME, "kwic-en"), en_words)
        assert browser.execute_script(SELECT_TEXT_JS, line.find_element(By.CLASS_NAME, "kwic-zh"), zh_words)
        assert browser.find_element(By.ID, "ad-zh").get_attribute("value") == zh_words
        browser.find_element(By.CSS_SELECTOR, "#add-form button[type=submit]").click()
        wait_settled(browser, 1)
        assert state.text == f"Saved: added {zh_words} ↔ {en_words}."
        queue_rows(browser, "all")
        filter_to(browser, zh_words, zh_words)
        assert browser.find_element(By.CSS_SELECTOR, "#entry .en-forms .form-main").text == en_words
        # and s splits a wrong pairing (供应链分析, supply-chain analysis, paired with "providing
        # analysis") into the right ones, both in that entry's sentence pair
        filter_to(browser, "供应链分析", "供应链分析")
        wrong = shown_entry(browser)[1:]
        assert wrong == ("供应链分析", "providing analysis"), wrong
        press(browser, "s")
        assert browser.switch_to.active_element == browser.find_element(By.ID, "sp-zh1")
        press(browser, "供应链" + Keys.TAB + "supply chain" + Keys.TAB + "分析" + Keys.TAB + "analysis" + Keys.ENTER)
        wait_settled(browser, 2)
        assert state.text == f"Saved: split {wrong[0]} ↔ {wrong[1]} into 供应链 ↔ supply chain and 分析 ↔ analysis."
        errors = console_errors(browser)  # Chromium logs the refused request; nothing else went wrong
        assert len(errors) == 1 and "/api/review/decide" in errors[0] and "400" in errors[0], errors
    from termalign.corpus.review import decisions

    with Store.open(store, readonly=True) as s:
        add, split = decisions(s)
    assert (add.action, add.fields["zh"], add.fields["en"], add.user) == ("add", zh_words, en_words, "reviewer")
    parts = [{"zh": "供应链", "en": "supply chain"}, {"zh": "分析", "en": "analysis"}]
    assert (split.action, split.fields["parts"]) == ("split", parts)


def test_without_review_the_review_page_has_no_write_controls(browser, seed_url):
    from selenium.webdriver.common.by import By

    browser.get(seed_url + "review")
    wait_settled(browser)
    assert browser.find_elements(By.CSS_SELECTOR, "#queue > li"), "the queue is there to read"
    assert not browser.find_element(By.ID, "actions").is_displayed()
    press(browser, "a")  # keys that would decide do nothing
    press(browser, "e")
    wait_settled(browser)
    assert not browser.find_element(By.ID, "edit-form").is_displayed()
    state = browser.find_element(By.ID, "save-state")
    assert state.get_attribute("data-saved") == "0" and "Read-only" in state.text
    assert browser.find_elements(By.CSS_SELECTOR, "#kwic .kwic-line"), "the concordance is there to read"
