"""WCAG 2.1 AA on the public site, as an auditor checks it, in Chromium
against `datasette` serving the example build: axe-core over one page of
every kind in Italian and English at 1280 and 390 px, and scripts for what
axe cannot decide (the skip link, the focus ring's contrast, the search by
keyboard alone, the language of parts, reflow at 320 px, the order of the
headings), and no request to another host or cookie of another domain."""

from __future__ import annotations

import urllib.parse

import pytest

from accessibility import FOCUSED, audit, describe, ring_contrast, site_pages
from test_browser import browser, server  # noqa: F401  (fixtures: the example served, Debian's chromium)

pytestmark = pytest.mark.browser

LANGUAGES = ("it", "en")
WIDTHS = (1280, 390)
TABS = 600  # a page's controls, at most, for the walk through them by keyboard


@pytest.fixture(scope="module")
def pages(built) -> dict[str, str]:
    return site_pages(built / "outcomes.db")


def open_page(browser, server, lang: str, width: int, height: int = 900):
    """A page in a new context (axe needs ``bypass_csp``), in ``lang`` (chosen once, remembered)."""
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": height}, locale="it-IT")
    page = context.new_page()
    page.goto(f"{server}/?_lang={lang}")
    return context, page


def test_axe_finds_no_violation_on_any_page(browser, server, pages):
    """Every page kind × 2 languages × 2 widths: no violation of wcag2a,
    wcag2aa, wcag21a, wcag21aa. What axe could not decide is printed for a
    person to review."""
    violations, incomplete = [], {}
    for lang in LANGUAGES:
        for width in WIDTHS:
            context, page = open_page(browser, server, lang, width)
            for name, path in pages.items():
                page.goto(server + path)
                found, undecided = audit(page)
                violations += describe(found, f"{lang} {width} {name} {path}")
                for result in undecided:
                    incomplete.setdefault(result["id"], set()).add(name)
            context.close()
    print("\naxe incomplete (for a person to review):")
    for rule, names in sorted(incomplete.items()):
        print(f"  {rule}: {', '.join(sorted(names))}")
    assert not violations, "\n".join(violations)


def test_the_skip_link_moves_the_focus_to_main(browser, server, pages):
    """The first Tab shows the skip link; Enter puts the focus in the one
    <main>, and the next Tab reaches the page's content, not the header."""
    context, page = open_page(browser, server, "it", 1280)
    for name in ("home", "search-words", "table", "outcome", "not-found"):
        page.goto(server + pages[name])
        assert page.locator("main").count() == 1, name
        page.keyboard.press("Tab")
        skip = page.evaluate("document.activeElement.outerHTML")
        assert 'href="#contenuto"' in skip and "Vai al contenuto principale" in skip, (name, skip)
        assert page.evaluate("document.activeElement.getBoundingClientRect().height") > 10, name  # shown when focused
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "contenuto", name
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('main')"), name
    context.close()


def walk(page, limit: int = TABS) -> list[dict]:
    """Tab from the top of the page through every control, once each: what FOCUSED says of each."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    seen, found = set(), []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            break
        key = page.evaluate(
            "(() => { const e = document.activeElement, r = e.getBoundingClientRect();"
            " return e.outerHTML.slice(0, 200) + (r.top + scrollY) + ':' + r.left; })()"
        )
        if key in seen:
            break
        seen.add(key)
        found.append(focused)
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_control_shows_its_focus_at_3_to_1(browser, server, pages, lang):
    """Tab through every control of each page: a ring at least 2 px wide,
    at 3:1 or more against what it is drawn on (WCAG 2.4.7, 1.4.11)."""
    context, page = open_page(browser, server, lang, 1280)
    faint, walked = [], 0
    for name in ("home", "search-filters", "outcome", "commitments", "table-facet", "query", "privacy"):
        page.goto(server + pages[name])
        controls = walk(page)
        walked += len(controls)
        assert len(controls) > 5, name
        for focused in controls:
            ratio = ring_contrast(focused)
            if ratio < 3 or not focused["visible"]:
                faint.append(f"{name}: {focused['element']} «{focused['text']}» ring {ratio:.2f}:1 on {focused['behind']}")
    print(f"\n{walked} controls focused in {lang}")
    context.close()
    assert not faint, "\n".join(faint)


def test_search_by_keyboard_alone(browser, server):
    """A query typed, a filter applied and a result opened with the keyboard
    only; the results are a few Tabs away from the top of the page, not
    behind the filters."""
    context, page = open_page(browser, server, "it", 1280)
    page.goto(server + "/outcomes/cerca")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("migranti")
    page.keyboard.press("Enter")
    page.wait_for_url("**/outcomes/cerca?q=migranti")
    # A filter: the first value of the type of outcome.
    for _ in range(TABS):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('#filtro-tipo li')"):
            break
    value = page.evaluate("document.activeElement.dataset.value")
    assert value
    page.keyboard.press("Enter")
    page.wait_for_url(f"**tipo={value}**")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["tipo"] == [value]
    # From the top of the page to the first result.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    tabs = 0
    while tabs < 30 and page.evaluate("document.activeElement.textContent.trim()") != "Vai ai risultati":
        page.keyboard.press("Tab")
        tabs += 1
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('ol.results h2')"), page.evaluate("document.activeElement.outerHTML")
    print(f"\nthe first result is {tabs + 1} Tabs from the top")
    title = page.evaluate("document.activeElement.textContent.trim()")
    page.keyboard.press("Enter")
    page.wait_for_url("**/outcomes/outcomes/*")
    assert page.locator("main h1").inner_text() == title
    context.close()


def test_italian_parts_of_english_pages_say_so(browser, server, pages):
    """On English pages the notes' texts (titles, texts, summaries, search
    results) are marked lang="it"; the link to the other language says its
    own language on both."""
    context, page = open_page(browser, server, "en", 1280)
    italian = {
        "outcome": ["main h1", ".outcome-text"],
        "session": ["main h1", ".session-summary"],
        "event": ["main h1"],
        "search-words": ["ol.results h2", "ol.results .snippet"],
        "commitments": ["ol.commitments h2 a"],
    }
    for name, selectors in italian.items():
        page.goto(server + pages[name])
        assert page.locator("html").get_attribute("lang") == "en", name
        for selector in selectors:
            element = page.locator(selector).first
            assert element.evaluate("e => e.closest('[lang]').lang") == "it", (name, selector)
        assert page.locator(".language-switch a").get_attribute("lang") == "it"
        assert page.locator(".it-brand-title").evaluate("e => e.closest('[lang]').lang") == "en"
    page.goto(server + "/?_lang=it")
    assert page.locator(".language-switch a").get_attribute("lang") == "en"
    context.close()


def test_no_page_needs_horizontal_scrolling_at_320_px(browser, server, pages):
    """Reflow (WCAG 1.4.10): 320 CSS pixels wide, in both languages, no page scrolls sideways."""
    wide = []
    for lang in LANGUAGES:
        context, page = open_page(browser, server, lang, 320, 640)
        for name, path in pages.items():
            page.goto(server + path)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > 320:
                wide.append(f"{lang} {name} ({path}): {scroll_width} px")
        context.close()
    assert not wide, "\n".join(wide)


def test_headings_in_order(browser, server, pages):
    """One <h1> a page, in <main>; no heading skips a level on its way down."""
    skipped = []
    context, page = open_page(browser, server, "it", 1280)
    for name, path in pages.items():
        page.goto(server + path)
        levels = page.evaluate("[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => [+h.tagName[1], h.textContent.trim().slice(0, 40)])")
        assert [level for level, _ in levels].count(1) == 1 and page.locator("main h1").count() == 1, (name, levels)
        for (before, _), (level, heading) in zip(levels, levels[1:]):
            if level > before + 1:
                skipped.append(f"{name} ({path}): h{before} -> h{level} «{heading}»")
    context.close()
    assert not skipped, "\n".join(skipped)


def test_no_request_to_another_host_and_no_foreign_cookie(browser, server, pages):
    """Every request of every page (styles, fonts, scripts, icons) goes to
    the site itself, and the only cookie is the site's language."""
    host = urllib.parse.urlsplit(server).netloc
    requests = []
    context, page = open_page(browser, server, "en", 390)
    page.on("request", lambda request: requests.append(request.url))
    for path in pages.values():
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
    cookies = context.cookies()
    context.close()
    hosts = sorted({urllib.parse.urlsplit(url).netloc for url in requests if not url.startswith("data:")})
    print(f"\n{len(requests)} requests, to {hosts}; cookies: {[(c['name'], c['domain'], c['value']) for c in cookies]}")
    assert hosts == [host]
    assert [(cookie["name"], cookie["domain"]) for cookie in cookies] == [("outcomes_lang", "127.0.0.1")]
    assert any(url.endswith(".woff2") for url in requests) and any("bootstrap-italia.min.css" in url for url in requests)
