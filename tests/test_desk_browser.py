"""The desk in a real browser (Debian's chromium, driven by Playwright) against
``outcomes desk serve`` in a subprocess: a facilitator's note from the invite
link to the public site, through a restart of the server and the office's review.

Set OUTCOMES_DESK_SCREENSHOTS=docs to write the README's screenshots there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import need_program
from desk_helpers import EVENT_ID, OFFICE_PASSWORD, OFFICE_USER, desk_server, invite
from helpers import chromium_browser, free_port, serving

pytestmark = pytest.mark.browser

SESSION = "diaspore-sviluppo"


@pytest.fixture
def browser():
    with chromium_browser(need_program("chromium", "the desk's browser test drives Debian's chromium")) as browser:
        yield browser


def _page(browser, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="it-IT")
    return context.new_page()


def _pick(page, field_id: str, typed: str, option: str | None = None) -> None:
    """Type into a picker and choose ``option`` (an option's text), or take what was typed."""
    search = page.locator(f"#{field_id}")
    search.fill(typed)
    if option:
        page.locator(f"#{field_id}-options li", has_text=option).first.click()
    else:
        search.press("Enter")


def _error(page, field_id: str) -> str:
    return page.locator(f"#{field_id}-err").inner_text()


def test_from_the_invite_link_to_the_public_site(browser, tmp_path):
    with desk_server(tmp_path, free_port()) as desk:
        link = invite(desk, SESSION)
        page = _page(browser)

        # --- The facilitator fills the note, with mistakes ---
        page.goto(link)
        assert page.locator("h1").inner_text() == "Scheda di restituzione"
        assert "stato: invitata" in page.locator("p.lead").inner_text()
        page.fill("#f-title", "Diaspore e sviluppo locale")
        page.select_option("#f-kind", label="Laboratorio")
        page.fill("#f-date", "15/10/2019")
        page.fill("#f-start", "14.30")
        page.fill("#f-end", "17:00")
        page.fill("#f-facilitators-0-organisation", "Regione Piemonte")
        page.fill("#f-facilitators-0-role", "facilitatrice")
        page.select_option("#f-participants-0-actor", label="Associazione della diaspora")
        page.fill("#f-participants-0-count", "12")
        page.fill("#f-summary", "Il gruppo ha discusso di **rimesse** e co-sviluppo.")
        page.get_by_role("button", name="Aggiungi esito a «Esiti»").click()
        page.wait_for_selector("#f-outcomes-0-title")
        # Added rows keep what was typed: the server re-renders the whole form.
        assert page.input_value("#f-title") == "Diaspore e sviluppo locale"
        page.select_option("#f-outcomes-0-type", label="Impegno")
        page.fill("#f-outcomes-0-title", "Uno sportello per i progetti delle diaspore")
        page.fill("#f-outcomes-0-text", "La Regione apre uno sportello di accompagnamento.")
        _pick(page, "f-outcomes-0-sdg_targets", "17.1O")  # a letter O for a zero
        _pick(page, "f-outcomes-0-countries", "Seneg", "Senegal")
        # Owner and due date of a commitment are left empty.
        assert page.locator("#f-outcomes-0-owner").is_visible()
        # Checked as typed, before any save: the loader's message at the field.
        # (A locator's wait: a predicate given as a string is eval'd in the page, which its CSP refuses.)
        page.locator("#f-start-err", has_text="14:30").wait_for()
        assert _error(page, "f-start") == "ora di inizio: «14.30» non è un orario nel formato HH:MM (es. «14:30») (forse intendevi «14:30»?)"
        page.get_by_role("button", name="Salva bozza").first.click()
        page.wait_for_load_state()

        assert page.locator("p.notice").inner_text().startswith("Bozza salvata (revisione 2")  # 1: the outcome added
        assert "data: «15/10/2019» non è una data nel formato AAAA-MM-GG (forse intendevi «2019-10-15»?)" in _error(page, "f-date")
        assert "«17.1O» non è un target SDG (forse intendevi «17.10»?)" in _error(page, "f-outcomes-0-sdg_targets")
        assert "impegno" in _error(page, "f-outcomes-0-owner")
        summary = page.locator("#riepilogo li a")
        texts = summary.all_inner_texts()
        assert any(t.startswith("Data: data: «15/10/2019»") for t in texts), texts
        assert any(t.startswith("Esito 1 · Target SDG: ") for t in texts), texts
        # The summary links to the field.
        link_to_date = page.locator("#riepilogo a[href='#f-date']")
        assert link_to_date.count() == 1
        # Submitting is refused while the note is wrong.
        page.get_by_role("button", name="Invia all'ufficio").first.click()
        page.wait_for_load_state()
        assert page.locator("p.error").inner_text().startswith("La scheda non è stata inviata")
        shoot(page, tmp_path, "desk-1280.png")
        phone = _page(browser, 390)
        phone.goto(link)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        shoot(phone, tmp_path, "desk-390.png")
        phone.context.close()

        # --- The server is killed and started again: the draft is back ---
        desk.restart(kill=True)
        page.goto(link)
        assert page.input_value("#f-title") == "Diaspore e sviluppo locale"
        assert page.input_value("#f-date") == "15/10/2019"
        assert "stato: bozza" in page.locator("p.lead").inner_text()
        assert "«17.1O» non è un target SDG" in _error(page, "f-outcomes-0-sdg_targets")

        # --- Fixed and submitted ---
        page.fill("#f-date", "2019-10-15")
        page.fill("#f-start", "14:30")
        page.get_by_role("button", name="Togli 17.1O").click()
        _pick(page, "f-outcomes-0-sdg_targets", "17.10", "17.10")
        page.fill("#f-outcomes-0-owner", "Regione Piemonte")
        page.fill("#f-outcomes-0-due", "2020-06-30")
        page.get_by_role("button", name="Invia all'ufficio").first.click()
        page.wait_for_load_state()
        assert page.locator("p.notice").inner_text().startswith("Scheda inviata all'ufficio (revisione 3")
        assert "stato: inviata" in page.locator("p.lead").inner_text()
        assert page.locator("#f-title").is_disabled()

        # --- The office returns it with a comment ---
        office = _page(browser)
        office.goto(desk.url + "/office")
        office.fill("#username", OFFICE_USER)
        office.fill("#password", OFFICE_PASSWORD)
        office.get_by_role("button", name="Entra").click()
        office.wait_for_url("**/office")
        shoot(office, tmp_path, "desk-office-1280.png")
        office.set_viewport_size({"width": 390, "height": 844})
        assert office.evaluate("document.documentElement.scrollWidth") <= 390
        shoot(office, tmp_path, "desk-office-390.png")
        office.set_viewport_size({"width": 1280, "height": 900})
        row = office.locator("table.sessions tbody tr", has_text=SESSION)
        assert row.locator("td").all_inner_texts()[:2] == ["inviata", "Regione Piemonte, facilitatrice"]
        row.get_by_role("link", name="Diaspore e sviluppo locale").click()  # the list names sessions by title
        assert office.locator(".outcome-preview h4").first.inner_text().startswith("Uno sportello per i progetti delle diaspore")
        assert "Senegal" in office.locator(".outcome-preview dl").inner_text()
        office.fill("#comment", "Manca il Marocco tra i paesi partner: aggiungilo e invia di nuovo.")
        office.get_by_role("button", name="Restituisci con commento").click()
        office.wait_for_load_state()
        assert "restituita" in office.locator("p.lead").inner_text()

        # --- The facilitator sees the comment behind the same link, fixes, resubmits ---
        page.goto(link)
        assert page.locator(".office-comment .comment").inner_text() == "Manca il Marocco tra i paesi partner: aggiungilo e invia di nuovo."
        # By keyboard: type, the first match is highlighted, Enter takes it.
        page.locator("#f-outcomes-0-countries").fill("maroc")
        assert page.locator("#f-outcomes-0-countries-options li[aria-selected=true]").inner_text() == "MA — Marocco"
        page.locator("#f-outcomes-0-countries").press("Enter")
        assert page.locator("#f-outcomes-0-countries-value").input_value() == "SN, MA"
        page.get_by_role("button", name="Invia all'ufficio").first.click()
        page.wait_for_load_state()
        assert "stato: inviata" in page.locator("p.lead").inner_text()

        # --- The office sees what changed, accepts and publishes ---
        office.goto(f"{desk.url}/office/{EVENT_ID}/{SESSION}")
        diff = office.locator("pre.diff").last.inner_text()
        assert "-    countries: [SN]" in diff and "+    countries: [SN, MA]" in diff, diff
        office.get_by_role("button", name="Accetta").click()
        office.wait_for_load_state()
        note = desk.notes / EVENT_ID / f"{SESSION}.yaml"
        assert office.locator("p.notice").inner_text() == f"Scheda accettata: scritta in {note}."
        written = note.read_text("utf-8")
        assert "    countries: [SN, MA]\n" in written and "    sdg_targets: ['17.10']\n" in written
        office.goto(desk.url + "/office")
        assert office.locator("table.sessions tbody tr", has_text=SESSION).locator("td").first.inner_text() == "accettata"
        office.get_by_role("button", name="Pubblica").click()
        office.wait_for_load_state()
        assert office.locator("main p").first.inner_text().startswith(f"Pubblicato in {desk.out}: 1 evento, 1 sessione, 1 esito")

        # --- The outcome is on the public site ---
        with serving(desk.out) as site:
            page.goto(f"{site}/outcomes/outcomes/{EVENT_ID}--{SESSION}--uno-sportello-per-i-progetti-delle-diaspore")
            assert page.locator("article.outcome h1").inner_text() == "Uno sportello per i progetti delle diaspore"
            assert "Marocco" in page.locator("article.outcome").inner_text()


UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea, button'))
    .filter(el => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !(el.tagName === 'BUTTON' && el.textContent.trim()))
    .map(el => el.outerHTML.slice(0, 120))"""


def test_without_javascript_the_server_does_everything(browser, tmp_path):
    """Codes typed comma-separated, rows added by the server, messages at the
    fields after saving; and every control has a label."""
    with desk_server(tmp_path, free_port()) as desk:
        link = invite(desk, SESSION)
        context = browser.new_context(viewport={"width": 390, "height": 800}, java_script_enabled=False, locale="it-IT")
        page = context.new_page()
        page.goto(link)
        page.fill("#f-title", "Senza JavaScript")
        page.get_by_role("button", name="Aggiungi esito a «Esiti»").click()
        page.fill("#f-outcomes-0-title", "Un esito")
        assert page.locator(".picker").count() == 0  # desk.js did not run: plain text fields
        page.fill("#f-outcomes-0-sdg_targets", "10.7, 7.4")
        page.fill("#f-outcomes-0-countries", "Senegal, MA")
        page.get_by_role("button", name="Aggiungi esito a «Esiti»").click()
        page.fill("#f-outcomes-1-title", "Un secondo esito")
        page.get_by_role("button", name="Sposta Esito 2 più su").click()
        assert page.input_value("#f-outcomes-0-title") == "Un secondo esito"
        page.get_by_role("button", name="Salva bozza").first.click()
        # Each add and move was saved too (revisions 1 to 3).
        assert page.locator("p.notice").inner_text().startswith("Bozza salvata (revisione 4")
        assert page.input_value("#f-outcomes-1-countries") == "SN, MA"
        assert _error(page, "f-outcomes-1-sdg_targets").startswith("«7.4» non è un target SDG: il goal 7 ha i target 7.1, 7.2, 7.3, 7.a, 7.b")
        page.locator("#riepilogo a[href='#f-outcomes-1-sdg_targets']").click()
        assert page.url.endswith("#f-outcomes-1-sdg_targets")
        assert page.evaluate(UNLABELLED) == []
        context.close()
        js = _page(browser, 390)
        js.goto(link)
        assert js.evaluate(UNLABELLED) == []


def shoot(page, tmp_path: Path, name: str) -> None:
    """A full-page screenshot; also into $OUTCOMES_DESK_SCREENSHOTS (the README's, in 64 colours)."""
    path = tmp_path / name
    page.screenshot(path=path, full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("OUTCOMES_DESK_SCREENSHOTS"):
        from PIL import Image  # matplotlib's

        with Image.open(path) as image:  # 64 colours: the README's copy stays small
            image.quantize(colors=64).save(Path(os.environ["OUTCOMES_DESK_SCREENSHOTS"]) / name, optimize=True)
