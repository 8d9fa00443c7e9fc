"""The site in a real browser: Debian's chromium, driven by Playwright,
against `datasette` serving the example build on a local port."""

from __future__ import annotations

import pytest

from conftest import need_program
from helpers import chromium_browser, serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(built):
    """`datasette build/` on a free port, stopped afterwards."""
    with serving(built) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium for the module (other browser tests import it with ``server``)."""
    with chromium_browser(need_program("chromium", "the browser tests drive Debian's chromium")) as browser:
        yield browser


@pytest.fixture(scope="module")
def page(server, browser):
    page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="it-IT")
    yield page
    page.close()


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


MIGRATION = "sguardi-cooperazione-migrazione-2019--migrazione-cooperazione-internazionale"


def kinds_of_page(built) -> dict[str, str]:
    """One page of each kind: home, table, row (an outcome, a session), query, search."""
    import sqlite3

    conn = sqlite3.connect(f"file:{built / 'outcomes.db'}?mode=ro", uri=True)
    # The outcome with the longest title and the most links: the widest page there is.
    (outcome,) = conn.execute(
        "select id from outcomes order by length(sdg_targets) + length(countries) + length(title) desc, id limit 1"
    ).fetchone()
    conn.close()
    return {
        "home": "/",
        "table": "/outcomes/outcomes?sdg_goals__arraycontains=10",
        "sessions": "/outcomes/sessions",
        "row": f"/outcomes/outcomes/{outcome}",
        "session": f"/outcomes/sessions/{MIGRATION}",
        "vocabulary": "/outcomes/sdg_targets/10.7",
        "query": "/outcomes/impegni",
        "sql": "/outcomes?sql=select+*+from+outcomes+limit+5",
        "search": "/outcomes/cerca?q=rimesse",
    }


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screenshots")
    yield folder
    print(f"\nscreenshots: {folder}")


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_no_page_is_wider_than_the_screen(server, page, built, screenshots, lang, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{server}/?_lang={lang}")  # the choice is remembered from here on
    for name, path in kinds_of_page(built).items():
        page.goto(server + path)
        assert page.locator("html").get_attribute("lang") == lang, (name, path)
        page.screenshot(path=screenshots / f"{lang}-{width}-{name}.png", full_page=True)
        scroll_width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert viewport == width
        assert scroll_width <= viewport, f"{name} ({path}) is {scroll_width} px wide on a {width} px screen in {lang}"
    page.goto(f"{server}/?_lang=it")


def test_english_stays_while_browsing(server, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server + "/")
    page.locator(".language-switch a").click()
    page.wait_for_url("**/?_lang=en")
    assert page.locator("h1").first.inner_text() == "Outcomes of the conferences on decentralised cooperation and migration"
    page.get_by_role("link", name="Commitments, owners and due dates").click()
    page.wait_for_url("**/outcomes/impegni")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("legend").inner_text() == "Filter the commitments"
    page.select_option("select#stato", "agreed")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**stato=agreed**")
    statuses = page.locator("ol.commitments .status").all_inner_texts()
    assert statuses and set(statuses) == {"Agreed"}
    # The column menu of a table (Datasette's table.js) speaks English too, and Italian after the switch back.
    page.goto(server + "/outcomes/events")
    page.locator("th.col-title .dropdown-menu-icon").click()
    assert page.locator(".dropdown-menu a.dropdown-sort-desc").inner_text() == "Sort descending"
    page.locator(".language-switch a").click()
    page.wait_for_url("**_lang=it")
    page.locator("th.col-title .dropdown-menu-icon").click()
    assert page.locator(".dropdown-menu a.dropdown-sort-desc").inner_text() == "Ordine decrescente"
    assert page.locator(".dropdown-column-type").inner_text().startswith("Tipo:")


def test_markdown_lists_show_bullets(server, page):
    page.goto(f"{server}/outcomes/sessions/{MIGRATION}")
    items = page.locator(".session-summary ul li")
    assert items.count() >= 2
    assert items.first.evaluate("li => getComputedStyle(li).listStyleType") == "disc"
