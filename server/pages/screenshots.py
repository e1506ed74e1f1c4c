"""Screenshots of the main pages, to look at what a reader sees.

    python -m server.pages.screenshots OUTDIR [--instance-dir DIR] [--width 1280] [--page NAME=/path ...]

Serves the current build on a loopback port (werkzeug, in a thread), opens each page in Debian's headless
Chromium through Playwright (``executable_path=/usr/bin/chromium``; never a Playwright browser download) and
writes one full-page PNG per page into OUTDIR. Needs the ``playwright`` Python package (the test extra) and
``apt-get install chromium``. ``serve_in_thread`` and ``launch_chromium`` are shared with tests/test_browser.py.
"""
from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]

PAGES = (
    ("home", "/"),
    ("objective-13", "/id/objective/13"),
    ("country-tha", "/id/country/tha"),
    ("actor-icrc", "/id/org/icrc"),
    ("process-colombo", "/id/process/colombo-process"),
    ("treaty-icrmw", "/id/instrument/icrmw"),
    ("sdg-target-10-7", "/sdg/10.7"),
    ("event-2020-11-19", "/id/event/stakeholder-consultation-2020-11-19"),
    ("statement-20-b", "/id/doc/ap-grr-2021-stakeholder-summary/statement/20-b"),
    ("document-summary", "/id/doc/ap-grr-2021-stakeholder-summary#para-20"),
    ("search-detention", "/search?q=detention"),
    ("browse-countries", "/browse/gcm:Country"),
    ("charts", "/charts"),
    ("evidence-13-tha", "/evidence?objective=13&country=THA"),
    ("query-editor", "/query"),
    ("not-found", "/id/objective/99"),
)


@contextlib.contextmanager
def serve_in_thread(app, host: str = "127.0.0.1"):
    """Serve a WSGI app on a free loopback port for the duration of the block; yields its base URL."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="gcmkg-pages", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextlib.contextmanager
def launch_chromium(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    try:
        yield browser
    finally:
        browser.close()


def take(out_dir: Path, base_url: str, pages=PAGES, width: int = 1280, full_page: bool = True) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as pw, launch_chromium(pw) as browser:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
        page = context.new_page()
        for name, path in pages:
            page.goto(base_url + path, wait_until="networkidle")
            if path.startswith("/query"):
                with contextlib.suppress(Exception):
                    page.wait_for_selector(".yasqe .CodeMirror", timeout=5000)
            target = out_dir / f"{name}.png"
            page.screenshot(path=str(target), full_page=full_page)
            written.append(target)
            print(f"{target}  <- {path}", flush=True)
        context.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.pages.screenshots", description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path, help="folder for the PNG files")
    parser.add_argument("--instance-dir", help="instance folder holding the build (default: GCMKG_INSTANCE_DIR)")
    parser.add_argument("--width", type=int, default=1280, help="viewport width in CSS pixels")
    parser.add_argument("--page", action="append", default=[], metavar="NAME=/path",
                        help="a page to shoot instead of the default set (repeatable)")
    parser.add_argument("--viewport-only", action="store_true", help="only the first screen, not the full page")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"no Chromium at {CHROMIUM}: apt-get install chromium", file=sys.stderr)
        return 2
    from ontology import settings
    from server import create_app

    overrides = {"instance_dir": args.instance_dir} if args.instance_dir else {}
    config = settings.load(overrides)
    pages = [tuple(p.split("=", 1)) for p in args.page] or PAGES
    app = create_app(config)
    with serve_in_thread(app) as base_url:
        take(args.outdir, base_url, pages, args.width, not args.viewport_only)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
