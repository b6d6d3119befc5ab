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
import tempfile
from pathlib import Path

import pytest
from test_web import build_hostile_store, plain_usem3, running  # noqa: F401, F811 (fixtures)

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

    from termalign.corpus.store import Store

    s2t = opencc.OpenCC("s2t").convert
    with Store.open(rare_earths_store, readonly=True) as s:
        entry = max((e for e in s.all_terms() if s2t(e.zh) != e.zh), key=lambda e: (e.confidence, e.freq))
    terms = search(browser, seed_url, s2t(entry.zh), entry.en.lower())
    card = next(t for t in terms if t.find_element(By.CSS_SELECTOR, ".zh-forms .form-main").text == entry.zh)
    assert s2t(entry.zh) in [v.text for v in card.find_elements(By.CSS_SELECTOR, ".zh-forms .variant")]


@pytest.mark.parametrize(
    "typed, status",
    [
        ("xitu", r"\d+ terms? spelled “xitu” in pinyin\."),
        ("rare eath", r"No term contains “rare eath”; \d+ terms? with a close spelling\."),
    ],
)
def test_pinyin_and_typo_say_how_they_matched(browser, seed_url, typed, status):
    from selenium.webdriver.common.by import By

    terms = search(browser, seed_url, typed, "rare earth")
    assert terms[0].find_element(By.CSS_SELECTOR, ".zh-forms .form-main").text == "稀土"
    assert re.fullmatch(status, browser.find_element(By.ID, "status").text)


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
