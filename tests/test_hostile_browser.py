"""Markup typed into every field of a note stays inert on every page of the
site, checked in a real browser: no script runs, no event handler fires, no
javascript: link or frame appears."""

from __future__ import annotations

import urllib.parse

import pytest

from conftest import EXAMPLE_EVENT, need_program
from helpers import SCRIPT, chromium_page, hostile_library, serving
from outcomes import site
from outcomes.build import build

pytestmark = pytest.mark.browser

SESSION = f"{EXAMPLE_EVENT}--ostile"
OUTCOME = f"{SESSION}--ostile"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    notes = hostile_library(root)
    result = build(notes, root / "build")
    assert result.ok, [p.format() for p in result.problems]
    with serving(root / "build") as url:
        yield url


def pages(base: str) -> list[str]:
    """Every kind of page that shows the hostile note's text."""
    quote = urllib.parse.quote
    fixed = [
        "/",
        "/outcomes",
        "/outcomes/outcomes",
        f"/outcomes/outcomes/{OUTCOME}",
        "/outcomes/outcomes?_search=esito",
        "/outcomes/outcomes?_facet=owner",
        "/outcomes/sessions",
        f"/outcomes/sessions/{SESSION}",
        f"/outcomes/events/{EXAMPLE_EVENT}",
        "/outcomes/quotes",
        f"/outcomes/quotes?session_id={quote(SESSION)}",
        "/outcomes/cerca?q=esito",
        "/outcomes/cerca?q=" + quote("<script>"),
    ]
    queries = [f"/outcomes/{name}" for name in site.metadata()["databases"]["outcomes"].get("queries", {})]
    return fixed + queries


def test_markup_is_inert_on_every_page(hostile_site, tmp_path):
    chromium = need_program("chromium", "the hostile-markup test drives Debian's chromium")
    with chromium_page(chromium) as page:
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        checked = 0
        for path in pages(hostile_site):
            response = page.goto(hostile_site + path)
            assert response.status == 200, path
            if "html" not in response.headers.get("content-type", ""):
                continue  # the feed: XML, never run as a page
            page.wait_for_load_state("load")
            assert page.evaluate("window.__pwned") is None, path
            assert page.locator("a[href^='javascript:']").count() == 0, path
            assert page.locator("iframe").count() == 0, path
            assert page.locator("img[onerror]").count() == 0, path
            assert page.evaluate(
                "[...document.scripts].filter(s => s.textContent.includes('__pwned')).length"
            ) == 0, path
            checked += 1
        assert dialogs == []
        assert checked >= 12
        # The markup is there to read, as text.
        page.goto(hostile_site + f"/outcomes/outcomes/{OUTCOME}")
        assert "<script>window.__pwned = 1</script>" in page.locator("article.outcome h1").inner_text()
        page.screenshot(path=tmp_path / "hostile-outcome.png", full_page=True)
        assert SCRIPT.startswith("<script>")


def every_kind_of_page(base: str) -> list[str]:
    """Each kind of page of the site, the hostile note's among them."""
    quote = urllib.parse.quote
    return pages(base) + [
        "/outcomes/events",
        "/outcomes/session_participants",
        "/outcomes/sdg_goals",
        "/outcomes/sdg_goals/10",
        "/outcomes/countries?_search=",
        "/outcomes/outcomes?countries__arraycontains=SN",
        "/outcomes/cerca?q=remittances",
        "/outcomes/cerca?q=migranti&tipo=recommendation&paese=SN",
        "/outcomes/cerca?tema=diaspora",
        "/outcomes?sql=" + quote("select title, text from outcomes limit 5"),
        "/outcomes/outcomes.json",
        "/sitemap.xml",
        "/robots.txt",
    ]


def test_no_page_makes_the_browser_fetch_another_host(hostile_site):
    """The note names images on tracker.example: no page loads them (they
    are links), nor anything else outside the site."""
    chromium = need_program("chromium", "the remote-resource test drives Debian's chromium")
    site_host = urllib.parse.urlsplit(hostile_site).netloc
    elsewhere, local = [], []

    def watch(route):
        url = route.request.url
        if urllib.parse.urlsplit(url).netloc == site_host:
            local.append(url)
            route.continue_()
        else:
            elsewhere.append(url)
            route.abort()

    with chromium_page(chromium) as page:
        page.route("**/*", watch)
        for path in every_kind_of_page(hostile_site):
            response = page.goto(hostile_site + path)
            assert response is not None and response.status == 200, path
            page.wait_for_load_state("load")
        page.goto(hostile_site + f"/outcomes/outcomes/{OUTCOME}")
        assert page.locator("a[href='https://tracker.example/esito.png']").inner_text() == "foto"
        assert page.locator("img[src*='tracker']").count() == 0
    assert elsewhere == []
    assert any(url.endswith(".css") for url in local)  # the watch saw the page's own resources
