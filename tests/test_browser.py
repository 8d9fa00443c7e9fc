"""The site in a real browser: Debian's chromium, driven by Playwright,
against `datasette` serving the example build on a local port."""

from __future__ import annotations

import pytest

from conftest import need_program
from helpers import chromium_page, serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(built):
    """`datasette build/` on a free port, stopped afterwards."""
    with serving(built) as url:
        yield url


@pytest.fixture(scope="module")
def page(server):
    with chromium_page(need_program("chromium", "the browser test drives Debian's chromium")) as page:
        yield page


def test_search_an_inflected_word_and_open_a_result(server, page, tmp_path):
    page.goto(server + "/")
    assert page.title() == "Esiti dei convegni sulla cooperazione decentrata e le migrazioni"
    assert page.locator("p.lead").inner_text().startswith("Questa biblioteca raccoglie")
    page.screenshot(path=tmp_path / "home.png", full_page=True)

    # The notes say "rimesse"; a researcher types the singular.
    page.fill("input#q", "rimessa")
    page.press("input#q", "Enter")
    page.wait_for_url("**/outcomes/cerca?q=rimessa")
    assert page.locator("p.results-count").inner_text().endswith("risultati per «rimessa», i più pertinenti per primi.")
    results = page.locator("ol.results li.result")
    assert results.count() >= 6
    marked = page.locator("ol.results mark").all_inner_texts()
    assert marked and {word.lower() for word in marked} <= {"rimesse", "rimessa"}
    page.screenshot(path=tmp_path / "search.png", full_page=True)

    first = results.first.locator("h2 a")
    title = first.inner_text()
    first.click()
    page.wait_for_url("**/outcomes/outcomes/*")
    assert page.locator("article.outcome h1").inner_text() == title
    assert page.locator("article.outcome .outcome-text").inner_text().strip()
    assert page.locator("dl.links dt").first.inner_text() == "Goal dell'Agenda 2030"
    screenshot = tmp_path / "outcome.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"\nscreenshots: {tmp_path}")


def test_facets_in_the_browser(server, page):
    page.goto(server + "/outcomes/outcomes")
    facet = page.locator("#facet-countries")
    assert facet.locator("strong").first.inner_text().startswith("Paesi partner")
    facet.get_by_role("link", name="Senegal").click()
    page.wait_for_url("**countries__arraycontains=SN**")
    assert "Senegal" in page.locator("#facet-countries li").first.inner_text()
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() > 5
    for cell in rows.locator("td.col-countries").all_inner_texts():
        assert "Senegal" in cell
