"""The desk as an auditor tries it (issue #25): axe-core with WCAG 2.1 AA's
tags over every page kind of ``outcomes desk serve`` in Chromium, in Italian
and English, at 1280 and 390 px; then what axe cannot decide, by script: the
skip link, a visible focus of at least 3:1 on every control, the form by
keyboard alone, reflow at 320 px, headings in order, and no request or
cookie of another host.

Violations fail the test with each node; ``incomplete`` results (what axe
could not decide) are printed for a person to review.
"""

from __future__ import annotations

import collections
import urllib.parse

import pytest

from accessibility import audit, describe
from conftest import need_program
from desk_helpers import EVENT_ID, OFFICE_PASSWORD, OFFICE_USER, desk_server, invite
from helpers import chromium_browser, free_port
from mail_helpers import HttpClient
from test_desk import VALID_FORM

pytestmark = pytest.mark.browser

LOCALES = {"it": "it-IT", "en": "en-GB"}
WIDTHS = (1280, 390)
SAVE = {"it": "Salva bozza", "en": "Save draft"}


@pytest.fixture(scope="module")
def browser():
    """One browser for the module: the pages are many, a browser's start is slow."""
    with chromium_browser(need_program("chromium", "the desk's accessibility test drives Debian's chromium")) as browser:
        yield browser


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """A served desk with a session in each state the pages show: invited
    (the link page), a draft (the form), one with mistakes, one submitted
    (review), and one for the keyboard alone."""
    with desk_server(tmp_path_factory.mktemp("desk"), free_port()) as server:
        server.links = {session: invite(server, session) for session in ("invitata", "bozza", "errori", "inviata", "tastiera")}
        facilitator = HttpClient(server.url)
        for session, action in (("bozza", "save"), ("inviata", "submit")):
            path = urllib.parse.urlparse(server.links[session]).path
            response = facilitator.post(path, [*VALID_FORM, ("base", "0"), ("action", action)])
            assert response.status_code == 200, response.text
        yield server


def _context(browser, desk, lang: str, width: int, height: int = 900):
    """A browser that asks for ``lang``, the office logged in; axe is injected,
    hence ``bypass_csp``. Reduced motion: the kit then draws its focus ring
    at once (else it fades in over 0.15 s, and is read half drawn)."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale=LOCALES[lang], bypass_csp=True,
                                  reduced_motion="reduce")
    page = context.new_page()
    page.goto(desk.url + "/office/login")
    page.fill("#username", OFFICE_USER)
    page.fill("#password", OFFICE_PASSWORD)
    page.locator("form.narrow button[type=submit]").click()
    page.wait_for_url("**/office")
    return context, page


def _pages(desk, page, lang: str):
    """(name, how to reach it) for every page kind of the desk."""
    links = desk.links

    def form_with_errors():
        page.goto(links["errori"])
        page.fill("#f-title", "Una sessione")
        page.fill("#f-date", "15/10/2019")
        page.get_by_role("button", name=SAVE[lang]).first.click()
        page.wait_for_selector("#riepilogo a[href='#f-date']")

    return [
        ("link page", lambda: page.goto(links["invitata"])),
        ("form", lambda: page.goto(links["bozza"])),
        ("form with errors", form_with_errors),
        ("office list", lambda: page.goto(desk.url + "/office")),
        ("review", lambda: page.goto(f"{desk.url}/office/{EVENT_ID}/inviata")),
        ("invite", lambda: page.goto(desk.url + "/office/invite")),
        ("outbox", lambda: page.goto(desk.url + "/office/outbox")),
        ("privacy notice", lambda: page.goto(desk.url + "/privacy")),
        ("not found", lambda: page.goto(desk.url + "/nessuna-pagina")),
        ("link refused", lambda: page.goto(desk.url + "/s/non-un-link")),
        ("office login", lambda: page.goto(desk.url + "/office/login")),  # last: it is shown once logged out too
    ]


HEADINGS = """() => Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6'))
    .filter(h => h.offsetParent !== null).map(h => Number(h.tagName[1]))"""


def _heading_problems(levels: list[int]) -> list[str]:
    """One h1, first; no level skipped on the way down."""
    problems = [] if levels[:1] == [1] and levels.count(1) == 1 else [f"h1 first and once: {levels}"]
    problems += [f"h{a} then h{b}" for a, b in zip(levels, levels[1:]) if b > a + 1]
    return problems


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_no_axe_violation_on_any_page_of_the_desk(browser, desk, lang, width, capsys):
    context, page = _context(browser, desk, lang, width)
    requests = []
    context.on("request", lambda request: requests.append(request.url))
    failures, incomplete = [], collections.defaultdict(set)
    for name, open_page in _pages(desk, page, lang):
        open_page()
        page.wait_for_load_state()
        where = f"{name} [{lang} {width}px]"
        assert page.locator("html").get_attribute("lang") == lang, where
        violations, undecided = audit(page)
        failures += describe(violations, where)
        failures += [f"{where} headings: {problem}" for problem in _heading_problems(page.evaluate(HEADINGS))]
        for result in undecided:
            incomplete[f"{result['id']} ({result['help']})"].add(name)
    # Nothing from another host: every file the pages asked for is the desk's own.
    desk_host = urllib.parse.urlparse(desk.url).netloc
    failures += [f"request to another host: {url}" for url in requests
                 if not url.startswith("data:") and urllib.parse.urlparse(url).netloc != desk_host]
    failures += [f"cookie of another domain: {c['domain']} {c['name']}" for c in context.cookies()
                 if c["domain"] != "127.0.0.1"]
    context.close()
    with capsys.disabled():
        for rule, names in sorted(incomplete.items()):
            print(f"\n  axe incomplete, to review [{lang} {width}px]: {rule}: {', '.join(sorted(names))}", end="")
    assert failures == [], "\n".join(failures)


# --- What axe cannot decide, by script ------------------------------------------------------------


def test_reflow_at_320_px_without_scrolling_sideways(browser, desk):
    """WCAG 1.4.10: 1280 px at 400% zoom; every page kind, both languages."""
    wide = []
    for lang in LOCALES:
        context, page = _context(browser, desk, lang, 320, 640)
        for name, open_page in _pages(desk, page, lang):
            open_page()
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 320:
                wide.append(f"{name} [{lang}]: {width} px")
        context.close()
    assert wide == []


def test_the_skip_link_is_the_first_stop_and_leads_to_main(browser, desk):
    for width in WIDTHS:
        context, page = _context(browser, desk, "it", width)
        for url in (desk.links["bozza"], desk.url + "/office", desk.url + "/privacy"):
            page.goto(url)
            page.keyboard.press("Tab")
            skip = page.evaluate("""() => { const a = document.activeElement, box = a.getBoundingClientRect();
                return [a.className, a.textContent, a.getAttribute('href'), box.width > 20 && box.height > 20 && box.top >= 0,
                        document.querySelector(a.getAttribute('href')).tagName]; }""")
            assert skip == ["skip visually-hidden-focusable", "Vai al contenuto", "#contenuto", True, "MAIN"], (url, width)
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.tagName") == "MAIN", (url, width)
        context.close()


FOCUS = """el => {
    const colours = s => (s.match(/rgba?\\([^)]*\\)/g) || []).map(c => c.match(/[\\d.]+/g).map(Number))
        .filter(c => c.length < 4 || c[3] > 0).map(c => c.slice(0, 3).join(','));
    const indicator = s => [...(s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1 ? colours(s.outlineColor) : []),
        ...(s.boxShadow !== 'none' ? colours(s.boxShadow) : []),
        ...(parseFloat(s.borderBottomWidth) > 0 ? colours(s.borderBottomColor) : [])];
    const focused = indicator(getComputedStyle(el));
    el.blur();
    const before = new Set(indicator(getComputedStyle(el)));
    el.focus();
    let parent = el.parentElement, background = '255,255,255';
    while (parent) {
        const c = colours(getComputedStyle(parent).backgroundColor);
        if (c.length) { background = c[0]; break; }
        parent = parent.parentElement;
    }
    const name = (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().slice(0, 40);
    return {what: `${el.tagName.toLowerCase()}#${el.id} «${name}»`, added: focused.filter(c => !before.has(c)), background};
}"""


def _contrast(first: str, second: str) -> float:
    def luminance(rgb: str) -> float:
        channels = [int(float(v)) / 255 for v in rgb.split(",")]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_control_shows_its_focus_at_3_to_1(browser, desk):
    """Tab through each page: the focused control gains an indicator (outline,
    ring or border) of at least 3:1 against what surrounds it (WCAG 2.4.7, 1.4.11)."""
    faint, seen = [], 0
    for width in WIDTHS:
        context, page = _context(browser, desk, "en", width)
        for url in (desk.links["bozza"], desk.url + "/office", desk.url + "/office/invite",
                    f"{desk.url}/office/{EVENT_ID}/inviata", desk.url + "/privacy"):
            page.goto(url)
            visited = set()
            for _ in range(400):
                page.keyboard.press("Tab")
                handle = page.evaluate_handle("document.activeElement")
                if page.evaluate("el => el === document.body", handle):
                    break
                found = page.evaluate(FOCUS, handle)
                if found["what"] in visited:
                    break
                visited.add(found["what"])
                best = max((_contrast(colour, found["background"]) for colour in found["added"]), default=0)
                if best < 3:
                    faint.append(f"{url} [{width}px] {found['what']}: {best:.2f}:1 on {found['background']}")
            seen += len(visited)
        context.close()
    assert faint == [], "\n".join(faint)
    assert seen > 200  # the form alone has some 60 stops


def _tab_to(page, test: str, backwards: bool = False, limit: int = 200) -> None:
    """Press Tab (Shift+Tab) until the focused element passes ``test`` (a JS function of it)."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate(f"({test})(document.activeElement)"):
            return
    pytest.fail(f"no element {test} within {limit} presses")


def test_the_form_by_keyboard_alone(browser, desk):
    """A field typed into, saved, the summary's link followed to the field in
    error, corrected, saved again: no mouse (WCAG 2.1.1)."""
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="it-IT")
        page = context.new_page()
        page.goto(desk.links["tastiera"])
        _tab_to(page, "el => el.id === 'f-date'")
        page.keyboard.type("15/10/2019")
        _tab_to(page, "el => el.textContent === 'Salva bozza'", backwards=True)
        page.keyboard.press("Enter")
        page.wait_for_selector("#riepilogo a[href='#f-date']")
        assert page.evaluate("document.activeElement.id") == "riepilogo"  # the summary is read first
        _tab_to(page, "el => el.getAttribute('href') === '#f-date'")
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "f-date"
        page.keyboard.press("Control+A")
        page.keyboard.type("2019-10-15")
        _tab_to(page, "el => el.textContent === 'Salva bozza'", backwards=True)
        page.keyboard.press("Enter")
        # Until the saved page arrives, the first save's page (with its summary) is still shown.
        page.wait_for_selector("#riepilogo a[href='#f-date']", state="detached")
        assert page.locator("p.notice").inner_text().startswith("Bozza salvata")
        assert page.input_value("#f-date") == "2019-10-15"
        context.close()
