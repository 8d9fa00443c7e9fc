"""The whole cycle in a real browser (Debian's chromium through Playwright)
with a real SMTP server, at a phone's and a desktop's width: the office
invites from its page, each step is told by mail, each mail's link is
followed, and the last mail's public links open the published outcome."""

from __future__ import annotations

import re

import pytest

from desk_helpers import EVENT_ID, OFFICE_PASSWORD, OFFICE_USER, desk_server
from helpers import free_port, serving
from mail_helpers import body, smtp_for_desk
from test_desk_browser import _error, _page, _pick, browser  # noqa: F401  (browser: the fixture)

pytestmark = pytest.mark.browser

SESSION = "diaspore-sviluppo"
TITLE = "Diaspore e sviluppo locale"
FACILITATOR = "facilitatrice@example.org"
OFFICE = "ufficio@example.org"
OUTCOME = "Uno sportello per i progetti delle diaspore"


@pytest.fixture
def smtp(monkeypatch):
    with smtp_for_desk(monkeypatch, OFFICE) as server:
        yield server


def _mail(smtp, count: int, to: str, subject: str):
    """The ``count``-th mail, checked to be to ``to`` about ``subject``; no other came."""
    message = smtp.wait_for(count)[count - 1]
    assert (message["To"], message["Subject"]) == (to, subject)
    assert len(smtp.messages) == count
    return message


def _link(message, path: str) -> str:
    return re.search(rf"https?://\S+{path}\S*", body(message)).group(0)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_whole_cycle_from_the_browser_told_by_mail(browser, smtp, tmp_path, monkeypatch, width):  # noqa: F811
    site_port = free_port()
    monkeypatch.setenv("OUTCOMES_PUBLIC_URL", f"http://127.0.0.1:{site_port}/")
    with desk_server(tmp_path, free_port()) as desk:
        # --- The office invites from its page ---
        office = _page(browser, width)
        office.goto(desk.url + "/office/login")
        office.fill("#username", OFFICE_USER)
        office.fill("#password", OFFICE_PASSWORD)
        office.get_by_role("button", name="Entra").click()
        office.wait_for_url("**/office")
        office.get_by_role("link", name="Invita").click()
        office.select_option("#i-session", value="")
        office.fill("#i-new-session", SESSION)
        office.fill("#i-new-title", TITLE)
        office.fill("#i-email", FACILITATOR)
        office.fill("#i-organisation", "Regione Piemonte")
        office.get_by_role("button", name="Invita", exact=True).click()
        assert office.locator("p.notice").inner_text().startswith(f"Invito per «{SESSION}» a {FACILITATOR}")
        assert office.evaluate("document.documentElement.scrollWidth") <= width
        invitation = _mail(smtp, 1, FACILITATOR, f"Scheda della sessione «{TITLE}» (Sguardi e prospettive della cooperazione decentrata)")
        link = _link(invitation, "/s/")

        # --- The facilitator follows the mail's link and fills the note, with a mistake ---
        page = _page(browser, width)
        page.goto(link)
        assert page.input_value("#f-title") == TITLE  # the title the office gave
        page.select_option("#f-kind", label="Laboratorio")
        page.fill("#f-date", "15/10/2019")
        page.fill("#f-start", "14:30")
        # The mistake is shown while typing, before anything is saved.
        page.locator("#f-date-err", has_text="non è una data nel formato AAAA-MM-GG").wait_for()
        assert page.locator("p.notice").count() == 0
        page.fill("#f-end", "17:00")
        page.fill("#f-facilitators-0-organisation", "Regione Piemonte")
        page.fill("#f-facilitators-0-role", "facilitatrice")
        page.select_option("#f-participants-0-actor", label="Associazione della diaspora")
        page.fill("#f-participants-0-count", "12")
        page.fill("#f-summary", "Il gruppo ha discusso di rimesse e co-sviluppo.")
        page.get_by_role("button", name="Aggiungi esito a «Esiti»").click()
        page.wait_for_selector("#f-outcomes-0-title")
        page.select_option("#f-outcomes-0-type", label="Raccomandazione")
        page.fill("#f-outcomes-0-title", OUTCOME)
        page.fill("#f-outcomes-0-text", "La Regione apre uno sportello di accompagnamento.")
        _pick(page, "f-outcomes-0-countries", "Seneg", "Senegal")
        page.get_by_role("button", name="Salva bozza").first.click()
        page.wait_for_load_state()
        assert page.locator("p.notice").inner_text().startswith("Bozza salvata (revisione 2")  # 1: the outcome added
        assert "«15/10/2019» non è una data nel formato AAAA-MM-GG" in _error(page, "f-date")
        assert len(smtp.messages) == 1  # a draft tells nobody
        page.fill("#f-date", "2019-10-15")
        page.get_by_role("button", name="Invia all'ufficio").first.click()
        page.wait_for_load_state()
        assert "stato: inviata" in page.locator("p.lead").inner_text()

        # --- The office is told, follows the mail's link and returns it with a comment ---
        submitted = _mail(smtp, 2, OFFICE, f"Scheda inviata: «{TITLE}» (Sguardi e prospettive della cooperazione decentrata)")
        office.goto(_link(submitted, f"/office/{EVENT_ID}/{SESSION}"))
        office.fill("#comment", "Manca il Marocco tra i paesi partner: aggiungilo e invia di nuovo.")
        office.get_by_role("button", name="Restituisci con commento").click()
        office.wait_for_load_state()
        returned = _mail(smtp, 3, FACILITATOR, f"Scheda da rivedere: «{TITLE}»")
        assert "Manca il Marocco tra i paesi partner: aggiungilo e invia di nuovo." in body(returned)

        # --- The facilitator fixes and resubmits from the returned mail's link ---
        page.goto(_link(returned, "/s/"))
        assert page.locator(".office-comment .comment").inner_text().startswith("Manca il Marocco")
        _pick(page, "f-outcomes-0-countries", "maroc", "Marocco")
        page.get_by_role("button", name="Invia all'ufficio").first.click()
        page.wait_for_load_state()
        assert "stato: inviata" in page.locator("p.lead").inner_text()
        _mail(smtp, 4, OFFICE, f"Scheda inviata: «{TITLE}» (Sguardi e prospettive della cooperazione decentrata)")

        # --- The office accepts and publishes ---
        office.goto(f"{desk.url}/office/{EVENT_ID}/{SESSION}")
        office.get_by_role("button", name="Accetta").click()
        office.wait_for_load_state()
        _mail(smtp, 5, FACILITATOR, f"Scheda accettata: «{TITLE}»")
        office.goto(desk.url + "/office")
        assert office.locator("p.waiting").inner_text() == "0 schede attendono la revisione"
        office.get_by_role("button", name="Pubblica").click()
        office.wait_for_load_state()
        assert office.locator("main p").first.inner_text().startswith(f"Pubblicato in {desk.out}")
        published = _mail(smtp, 6, FACILITATOR, f"Pubblicata: «{TITLE}»")
        outcome_url = _link(published, "/outcomes/outcomes/")
        assert outcome_url == (f"http://127.0.0.1:{site_port}/outcomes/outcomes/"
                               f"{EVENT_ID}--{SESSION}--uno-sportello-per-i-progetti-delle-diaspore")
        office.goto(desk.url + "/office/outbox")
        assert office.locator("table.outbox tbody tr").count() == 6
        assert set(office.locator("table.outbox .mail-state-sent").all_inner_texts()) == {"inviata"}

        # --- The mail's public links open the published outcome; the facilitator's page shows them ---
        with serving(desk.out, port=site_port):
            page.goto(outcome_url)
            assert page.locator("article.outcome h1").inner_text() == OUTCOME
            assert "Marocco" in page.locator("article.outcome").inner_text()
            assert page.goto(_link(published, "/outcomes/sessions/")).status == 200
            assert TITLE in page.locator("h1").first.inner_text()
            page.goto(link)
            links = page.locator("section.published a")
            assert links.all_inner_texts() == [TITLE, OUTCOME]
            assert links.nth(1).get_attribute("href") == outcome_url
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert len(smtp.messages) == 6
