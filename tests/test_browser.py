"""The pages in a real browser (issue 6): Debian's headless Chromium driven by Playwright, against the app served on
a loopback port. Marked slow; CI installs chromium (.ci/run) and runs them. Bounded: every wait has a timeout."""
from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pytest

from server.pages.screenshots import CHROMIUM, launch_chromium, serve_in_thread

pytestmark = pytest.mark.slow

playwright_api = pytest.importorskip("playwright.sync_api")

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"CI must install Chromium ({CHROMIUM}): see .ci/run")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def base_url(built_config):
    import logging

    from server import create_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app(built_config)
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as pw, launch_chromium(pw) as b:
        yield b


@pytest.fixture()
def page(browser, base_url):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    p = context.new_page()
    p.problems = []  # console errors, page errors and requests that leave the loopback host
    p.on("console", lambda m: m.type == "error" and p.problems.append(f"console: {m.text}"))
    p.on("pageerror", lambda e: p.problems.append(f"page error: {e}"))
    p.on("request", lambda r: None if r.url.startswith((base_url, "data:", "blob:"))
         else p.problems.append(f"request to another host: {r.url}"))
    yield p
    context.close()


def test_issue6_home_search_objective_statement_paragraph(page, base_url):
    page.goto(base_url + "/")
    box = page.locator("#home-q")
    box.fill("detention")
    # as-you-type suggestions (static/js/search.js) come from /search.json
    suggestion = page.locator("#home-q ~ .suggest-list [role=option]", has_text="Use migration detention")
    suggestion.first.wait_for()
    box.press("Enter")  # nothing chosen: the form submits to the results page
    page.wait_for_url(re.compile(r"/search\?q=detention"))
    page.get_by_role("link", name=re.compile("^Use migration detention only")).first.click()
    page.wait_for_url(re.compile(r"/id/objective/13$"))
    assert "Objective 13" in page.locator("h1").inner_text()
    # a challenge on objective 13, then its paragraph in the document
    page.locator("#sg-challenge-3 ~ ul .statement-text").first.click()
    page.wait_for_url(re.compile(r"/statement/"))
    link = page.locator("a.to-paragraph")
    href = link.get_attribute("href")
    anchor = href.split("#", 1)[1]
    link.click()
    page.wait_for_url(re.compile("#" + re.escape(anchor) + "$"))
    target = page.locator(f"[id='{anchor}']")
    assert target.is_visible()
    box_ = target.bounding_box()
    assert 0 <= box_["y"] < 900, box_  # scrolled into view
    assert page.evaluate("document.querySelector(':target') && document.querySelector(':target').id") == anchor
    assert not page.problems, page.problems


def test_issue6_suggestions_are_keyboard_operable(page, base_url):
    page.goto(base_url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # visible when focused
    box = page.locator("#site-q")
    box.fill("thai")
    page.locator("#site-q ~ .suggest-list [role=option]").first.wait_for()
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/id/country/tha$"))
    assert not page.problems, page.problems


def test_issue6_query_editor_runs_a_catalog_query_and_downloads_csv(page, base_url):
    page.goto(base_url + "/query")
    page.locator(".yasqe .CodeMirror").first.wait_for()
    assert page.locator("#plain-query").is_hidden()
    page.click('a[data-example="consultation-organisers"]')
    page.locator(".yasqe_queryButton:visible").click()
    rows = page.locator(".yasr table.dataTable tbody tr:visible")
    rows.first.wait_for()
    assert rows.count() > 5
    # result IRIs link to the entity pages of this app
    hrefs = page.eval_on_selector_all(".yasr a.iri", "els => els.map(a => a.getAttribute('href'))")
    assert any(h.startswith("/id/event/") for h in hrefs)
    with page.expect_download() as download:
        page.locator(".yasr_downloadIcon:visible").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    table = list(csv.DictReader(io.StringIO(text)))
    assert table and {"event", "role", "actor"} <= set(table[0])
    assert any(r["role"] == "co-organiser" for r in table)
    # a share link reopens the query, from this host alone
    page.locator(".yasqe_share:visible").click()
    share = page.locator(".yasqe_sharePopup input").first
    share.wait_for()
    link = share.input_value()
    assert link.startswith(base_url + "/query")
    other = page.context.browser.new_context()  # another reader: no local storage of the first
    shared = other.new_page()
    shared.set_default_timeout(TIMEOUT_MS)
    shared.goto(link)
    shared.locator(".yasqe .CodeMirror:visible").first.wait_for()
    assert "Who organised, co-organised or supported" in shared.evaluate(
        "window.gcmkgYasgui.getTab().getYasqe().getValue()")
    other.close()
    # prefixes are completed from our own list (no prefix.cc)
    page.evaluate("""() => { const y = window.gcmkgYasgui.getTab().getYasqe();
                            y.setValue('PREFIX sdgo'); y.setCursor({line: 0, ch: 11}); y.autocomplete(); }""")
    page.locator(".CodeMirror-hints li", has_text="metadata.un.org/sdg/ontology#").first.wait_for()
    assert not page.problems, page.problems


def test_issue6_query_page_without_javascript_is_a_plain_form(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    p = context.new_page()
    p.goto(base_url + "/query?example=statements-mentioning-country")
    assert p.locator("#plain-query").is_visible()
    assert "gcm:mentions" in p.locator("#query-text").input_value()
    p.select_option("#query-format", "csv")
    with p.expect_download() as download:
        p.click("#plain-query button[type=submit]")
    assert "country" in Path(download.value.path()).read_text(encoding="utf-8").splitlines()[0]
    # and every page shows its content without JavaScript
    p.goto(base_url + "/id/objective/13")
    assert p.locator("svg.layers").is_visible()
    context.close()


def test_issue6_heatmap_cell_opens_the_matching_statements(page, base_url):
    page.goto(base_url + "/charts/evidence")
    cell = page.locator('svg.heatmap a.cell[href="/evidence?objective=13&country=THA"]')
    count = int(re.search(r": (\d+) statements", cell.get_attribute("aria-label")).group(1))
    cell.click()
    page.wait_for_url(re.compile(r"/evidence\?objective=13&country=THA$"))
    assert page.locator("h1").inner_text().startswith(f"{count} statement")
    assert page.locator("li.statement").count() == count
    assert not page.problems, page.problems
