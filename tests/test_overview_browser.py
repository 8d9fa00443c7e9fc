"""The overview's charts and the world map in a real browser (Debian's
chromium, driven by Playwright) at 1280 and 390 px: drawn within the page,
a bar and a country clicked open as many outcomes as they show, the bars'
colours against the page's own background; screenshots into docs/ with
OUTCOMES_DOCS_SCREENSHOTS=1."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import EXAMPLE_EVENT
from helpers import screenshot_folder
from test_browser import browser, server  # noqa: F401  (fixtures: the example served, Debian's chromium)

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    return screenshot_folder(tmp_path_factory, "overview-screenshots")


@pytest.fixture(scope="module", params=WIDTHS, ids=lambda width: f"{width}px")
def page(request, browser):
    page = browser.new_page(viewport={"width": request.param, "height": 900}, locale="it-IT")
    yield page
    page.close()


def rows_opened(page) -> int:
    """The number the outcomes table announces (``21 esiti dove ...``)."""
    return int(re.match(r"([\d.]+) esit", page.locator(".rows-description").inner_text()).group(1).replace(".", ""))


def luminance(rgb: str) -> float:
    channels = [int(value) / 255 for value in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_charts_fit_the_page_and_their_bars_open_what_they_count(server, page, screenshots):
    width = page.viewport_size["width"]
    page.goto(server + "/")
    charts = page.locator("section.outcomes-chart")
    assert charts.count() == 7
    for index in range(charts.count()):
        drawing = charts.nth(index).locator("svg.outcomes-chart-svg")
        box = drawing.bounding_box()
        assert box["width"] > 0.5 * min(width, 500) and box["x"] + box["width"] <= width
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width  # no sideways scrolling (reflow)

    # The outline carries the contrast of every bar against the page's background, whatever the fill.
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    outlines = page.eval_on_selector_all("svg.outcomes-chart-svg rect[stroke]", "rects => rects.map(r => getComputedStyle(r).stroke)")
    assert outlines and all(contrast(outline, background) >= 3 for outline in outlines)
    ink = page.eval_on_selector_all("svg.outcomes-chart-svg text", "texts => texts.map(t => getComputedStyle(t).fill)")
    assert ink and all(contrast(colour, background) >= 4.5 for colour in ink)

    top = page.locator("#grafico-types")
    top.scroll_into_view_if_needed()
    if width == 1280:
        page.screenshot(path=screenshots / "overview-1280.png", clip={**top.bounding_box(), "width": 1280, "height": 620})
    else:
        page.screenshot(path=screenshots / "overview-390.png", clip={**top.bounding_box(), "x": 0, "width": 390, "height": 760})

    # A click on the drawing's bar of goal 10 (a mouse user's way) opens its outcomes.
    bar = page.locator("#grafico-goals svg a", has=page.locator("title", has_text=re.compile(r"^10 ")))
    shown = int(bar.locator("text").nth(1).text_content())
    bar.locator("rect").click()
    page.wait_for_url("**sdg_goals__arraycontains=10**")
    assert rows_opened(page) == shown == 32


def test_the_event_page_has_its_charts(server, page):
    page.goto(f"{server}/outcomes/events/{EXAMPLE_EVENT}")
    assert page.locator("#overview-heading").inner_text() == "Gli esiti dell'evento in grafici"
    assert page.locator("section.outcomes-chart").count() == 5
    late = page.locator("#grafico-commitments svg a.chart-overdue").first
    late.locator("rect").click()
    page.wait_for_url("**due__lt=**")
    assert rows_opened(page) == 1  # proposed, past its due date


def test_the_world_map_and_its_table(server, page, screenshots):
    width = page.viewport_size["width"]
    page.goto(server + "/outcomes/countries")
    drawing = page.locator("#mappa svg")
    box = drawing.bounding_box()
    assert box["width"] > 0.5 * width * (0.6 if width > 800 else 0.9) and box["x"] + box["width"] <= width
    table = page.locator("#mappa table").bounding_box()
    # Beside the map on a wide screen, below it on a phone.
    assert (table["x"] > box["x"] + box["width"] - 1) if width == 1280 else (table["y"] >= box["y"] + box["height"])
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    section = page.locator("#mappa")
    section.scroll_into_view_if_needed()
    page.screenshot(path=screenshots / f"map-{width}.png", clip={**section.bounding_box(), "x": 0, "width": width,
                                                         "height": min(section.bounding_box()["height"], 900)})  # fmt: skip
    senegal = page.locator("#mappa svg a.map-country", has=page.locator("title", has_text="Senegal"))
    assert senegal.locator("path").get_attribute("fill") == "#0d2f5a"  # the darkest class: 17 to 21
    if width == 1280:  # on a phone Senegal is a few pixels wide: its row of the table is the way there
        senegal.locator("path").click()
    else:
        page.locator("#mappa table a", has_text="Senegal").click()
    page.wait_for_url("**countries__arraycontains=SN**")
    assert rows_opened(page) == 21


def test_axe_finds_nothing_in_the_charts_the_map_and_the_lights(server, browser):
    """axe-core (WCAG 2.1 AA) over this issue's parts of each page they are on
    (the rest of the pages is the site's look's business)."""
    from axe_playwright_python.sync_playwright import Axe

    from accessibility import WCAG21AA, describe

    context = browser.new_context(bypass_csp=True, viewport={"width": 390, "height": 900})  # axe is injected as a script
    page = context.new_page()
    parts = {
        "/": [[".outcomes-overview"], [".outcomes-map"]],
        f"/outcomes/events/{EXAMPLE_EVENT}?_lang=en": [[".outcomes-overview"]],
        "/outcomes/impegni": [[".commitments"], [".freshness-rule"]],
        "/outcomes/countries": [[".outcomes-map"]],
    }
    found = []
    try:
        for path, include in parts.items():
            page.goto(server + path)
            assert all(page.locator(selector[0]).count() for selector in include), path
            options = {"runOnly": {"type": "tag", "values": WCAG21AA}, "resultTypes": ["violations"]}
            found += describe(Axe().run(page, context={"include": include}, options=options).response["violations"], path)
    finally:
        context.close()
    assert found == []
