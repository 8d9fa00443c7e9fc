"""The comparison in a real browser (Debian's chromium, Playwright) at
1280 and 390 px, in Italian and English: from the event page to its two
workshops side by side, a count followed to the list it counts, the form
used to choose again; no page wider than the screen. With
OUTCOMES_DOCS_SCREENSHOTS=1 the screenshots are written into docs/
(palette PNGs, a few tens of KB), as the README shows them."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from conftest import EXAMPLE_EVENT
from helpers import screenshot_folder
from test_browser import browser, page, server  # noqa: F401  (fixtures: the example served, Debian's chromium, one page)

pytestmark = pytest.mark.browser

AGENDA = f"{EXAMPLE_EVENT}--cooperazione-decentrata-agenda-2030"
MIGRATION = f"{EXAMPLE_EVENT}--migrazione-cooperazione-internazionale"
PLENARY = f"{EXAMPLE_EVENT}--plenaria-mattina"
SAID = {
    "it": {"link": "Le sessioni di tipo «Laboratorio» fianco a fianco (2)", "lead": "2 sessioni fianco a fianco: Sguardi e prospettive",
           "type": "Tipo di esito", "rows": r"^(\d+) esit", "submit": "Confronta"},
    "en": {"link": "The sessions of kind “Workshop” side by side (2)", "lead": "2 sessions side by side: Sguardi e prospettive", "type": "Type of outcome",
           "rows": r"^(\d+) outcome", "submit": "Compare"},
}  # fmt: skip


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    return screenshot_folder(tmp_path_factory, "compare-screenshots")


def screenshot(page, path: Path) -> None:
    """The screen as a palette PNG: small enough to keep in the repository."""
    from PIL import Image

    image = Image.open(io.BytesIO(page.screenshot()))
    image.convert("RGB").quantize(colors=64).save(path, optimize=True)


def fits(page, width: int, where: str) -> None:
    scroll_width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert viewport == width
    assert scroll_width <= viewport, f"{where} is {scroll_width} px wide on a {width} px screen"


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_two_workshops_side_by_side(server, page, screenshots, lang, width):
    said = SAID[lang]
    page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
    page.goto(f"{server}/?_lang={lang}")  # remembered from here on
    page.goto(f"{server}/outcomes/events/{EXAMPLE_EVENT}")
    page.get_by_role("link", name=said["link"]).click()
    page.wait_for_url(f"**/outcomes/confronta?sessione={AGENDA}&sessione={MIGRATION}")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("p.lead").inner_text().startswith(said["lead"])
    fits(page, width, "the comparison")
    # The tables scroll inside their own region when they are wider than the screen.
    table = page.locator("table.compare-table").nth(1)
    assert table.locator("caption").inner_text() == said["type"]
    table.scroll_into_view_if_needed()
    name = f"compare-{lang}-{width}.png" if lang == "en" else f"compare-{width}.png"
    page.locator("h1").scroll_into_view_if_needed()
    screenshot(page, screenshots / name)
    # A count opens the list of what it counts, as many rows as it says.
    count = table.locator("a.compare-count").first
    shown = int(count.inner_text())
    count.click()
    page.wait_for_url("**/outcomes/outcomes?session_id=*&type=*")
    described = page.locator(".rows-description").inner_text()
    assert int(re.match(said["rows"], described).group(1)) == shown, described
    assert page.locator("table.rows-and-columns tbody tr").count() == shown
    fits(page, width, "the list of a count")
    # The form: from one session, add another and compare again.
    page.goto(f"{server}/outcomes/confronta?sessione={PLENARY}")
    assert page.locator(".compare-refused").is_visible()
    page.locator(f"input[name=sessione][value='{AGENDA}']").check()
    page.locator("form.compare-form").first.get_by_role("button", name=said["submit"]).click()
    page.wait_for_url(f"**/outcomes/confronta?sessione={PLENARY}&sessione={AGENDA}")
    assert page.locator("table.compare-table").count() == 8
    fits(page, width, "the comparison chosen with the form")
    # The API page's long addresses wrap too.
    page.goto(f"{server}/api")
    assert page.locator("a.api-example").count() >= 20
    fits(page, width, "the API page")
    page.goto(f"{server}/?_lang=it")
