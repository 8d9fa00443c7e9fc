"""Markup typed into any field stays text on every page of the desk, checked in
Debian's chromium: no script runs, no element is injected."""

from __future__ import annotations

import pytest

from desk_helpers import EVENT_ID, OFFICE_PASSWORD, OFFICE_USER, desk_server, invite
from helpers import HOSTILE_SESSION, SCRIPT, free_port
from test_desk_browser import browser, _page  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser

SESSION = "ostile"


def _inert(page) -> None:
    assert page.evaluate("window.__pwned") is None
    assert page.locator("script:not([src])").count() == 0
    assert page.locator("img, iframe").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0


def test_markup_in_every_field_stays_text_on_every_page(browser, tmp_path):  # noqa: F811
    with desk_server(tmp_path, free_port()) as desk:
        link = invite(desk, SESSION)
        page = _page(browser)
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(link)
        path = tmp_path / "ostile.yaml"
        path.write_text(HOSTILE_SESSION, "utf-8")
        page.set_input_files("#f-file", path)
        page.get_by_role("button", name="Carica nella bozza").click()
        page.wait_for_load_state()
        assert page.locator("p.notice").inner_text().startswith("«ostile.yaml» caricato nella bozza")
        assert page.input_value("#f-title") == f"{SCRIPT} Titolo"
        _inert(page)
        page.fill("#f-comment", SCRIPT)
        page.get_by_role("button", name="Invia all'ufficio").first.click()
        page.wait_for_load_state()
        assert "stato: inviata" in page.locator("p.lead").inner_text()
        _inert(page)

        office = _page(browser)
        office.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        office.goto(desk.url + "/office/login")
        office.fill("#username", OFFICE_USER)
        office.fill("#password", OFFICE_PASSWORD)
        office.get_by_role("button", name="Entra").click()
        office.wait_for_url("**/office")
        assert SCRIPT in office.locator("table.sessions").inner_text()  # the organisation, as text
        _inert(office)
        office.goto(f"{desk.url}/office/{EVENT_ID}/{SESSION}")
        assert office.locator(".session-preview h3").inner_text() == f"{SCRIPT} Titolo"
        preview = office.locator(".session-preview").inner_text()  # room, people, quotes: as text
        assert preview.count(SCRIPT) >= 5, preview
        _inert(office)
        office.fill("#comment", SCRIPT)
        office.get_by_role("button", name="Restituisci con commento").click()
        office.wait_for_load_state()
        _inert(office)

        page.goto(link)
        assert page.locator(".office-comment .comment").inner_text() == SCRIPT
        _inert(page)
        # A rejected login and a refused link echo nothing back as markup either.
        office.goto(desk.url + f"/s/{SCRIPT}")
        assert office.locator("h1").inner_text() == "Pagina non trovata"
        _inert(office)
        assert dialogs == []
