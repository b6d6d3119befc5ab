"""Make the README's review screenshot: the review page after three decisions made with the keyboard.

    python scripts/screenshot_review.py                 # builds examples/rare-earths into a temp store
    python scripts/screenshot_review.py --store DIR -o docs/review.png

The store is copied first: the decisions go to the copy, never to ``--store``. Uses the browser
settings of tests/test_browser.py (Debian chromium + chromedriver, fresh profile, no network)
and a ``serve --review`` server on a free loopback port.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from bench_search import example_store  # noqa: E402
from test_browser import new_driver, press, wait_settled  # noqa: E402

from termalign.app.web import make_server  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, help="store folder (default: build examples/rare-earths into a temp folder)")
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "review.png")
    ap.add_argument("--keys", default="aar", help="keys pressed on the queue before the shot")
    ap.add_argument("--size", default="1300x900", help="window WIDTHxHEIGHT in CSS pixels")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="termalign-shot-") as tmp:
        store = Path(tmp) / "store"
        if args.store:
            shutil.copytree(args.store, store)
        else:
            example_store(store)
        server = make_server(store, "127.0.0.1", 0, review=True, user="reviewer")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        width, height = (int(x) for x in args.size.split("x"))
        driver = new_driver(str(Path(tmp) / "profile"), width, height)
        try:
            driver.get(server.url + "review")
            wait_settled(driver)
            for n, key in enumerate(args.keys, 1):
                press(driver, key)
                wait_settled(driver, n)
            time.sleep(0.3)  # let the last paint settle
            args.output.parent.mkdir(parents=True, exist_ok=True)
            if not driver.save_screenshot(str(args.output)):
                raise SystemExit(f"could not save {args.output}")
        finally:
            driver.quit()
            server.shutdown()
            server.server_close()
    print(args.output)


if __name__ == "__main__":
    main()
