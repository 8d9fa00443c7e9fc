"""The facilitator's form in Chromium, as on a phone (390 px) and a desktop
(1280 px), against ``outcomes desk serve``: checked while typing (no save),
summary links that show their field below the sticky bar, rows added
without losing the place, sending and uploading within reach, English.

Set OUTCOMES_DESK_SCREENSHOTS=docs to write the README's screenshots there.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from desk_helpers import desk_server, invite
from helpers import free_port
from test_desk_browser import browser, shoot  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser

SESSION = "rimesse-sviluppo"


def _page(browser, width: int, javascript: bool = True, locale: str = "it-IT"):
    context = browser.new_context(viewport={"width": width, "height": 844}, locale=locale,
                                  java_script_enabled=javascript)
    return context.new_page()


def _posts(page) -> list[str]:
    """The body of every POST the page makes, as it goes."""
    bodies: list[str] = []
    page.on("request", lambda request: bodies.append(request.post_data or "") if request.method == "POST" else None)
    return bodies


def test_a_wrong_date_is_told_while_typing_without_a_save(browser, tmp_path):
    with desk_server(tmp_path, free_port()) as desk:
        link = invite(desk, SESSION)
        page = _page(browser, 1280)
        posts = _posts(page)
        page.goto(link)
        page.locator("#f-date").press_sequentially("15/10/2019")
        expect(page.locator("#f-date-err")).to_have_text(
            "data: «15/10/2019» non è una data nel formato AAAA-MM-GG (forse intendevi «2019-10-15»?)", timeout=10_000)
        assert posts and all("action=check" in body for body in posts), posts
        assert page.url == link  # still the link: no page was sent
        assert "stato: invitata" in page.locator("p.lead").inner_text()


def _fill_with_mistakes(page) -> None:
    page.fill("#f-title", "Rimesse e sviluppo")
    page.fill("#f-date", "15/10/2019")
    page.fill("#f-start", "14.30")
    page.fill("#f-summary", "Sintesi.")


def test_a_summary_link_shows_its_field_below_the_sticky_bar(browser, tmp_path):
    with desk_server(tmp_path, free_port()) as desk:
        link = invite(desk, SESSION)
        page = _page(browser, 390)
        page.goto(link)
        _fill_with_mistakes(page)
        page.get_by_role("button", name="Salva bozza").first.click()
        page.wait_for_selector("#riepilogo a[href='#f-date']")
        for anchor in ("f-date", "f-start", "f-end", "f-kind"):
            page.evaluate("window.scrollTo(0, 0)")
            page.locator(f"#riepilogo a[href='#{anchor}']").click()
            page.wait_for_timeout(200)
            bar = page.locator(".actions.top").bounding_box()
            label = page.locator(f"label[for='{anchor}']").bounding_box()
            assert label["y"] >= bar["y"] + bar["height"], (anchor, label, bar)


def test_on_a_phone_rows_are_added_in_place_and_saved_and_sending_is_in_reach(browser, tmp_path):
    with desk_server(tmp_path, free_port()) as desk:
        link = invite(desk, SESSION)
        # Without JavaScript: the page comes back at the new row, and the draft is saved.
        page = _page(browser, 390, javascript=False)
        page.goto(link)
        page.fill("#f-title", "Rimesse e sviluppo")
        page.get_by_role("button", name="Aggiungi esito a «Esiti»").click()
        page.wait_for_load_state()
        assert page.url.endswith("#f-outcomes-0")
        assert page.evaluate("window.scrollY") > 2000
        assert page.locator("p.notice").inner_text().startswith("Bozza salvata (revisione 1")
        page.context.close()

        # With JavaScript: no new page, the new row's first field has the focus, the draft is saved.
        page = _page(browser, 390)
        page.goto(link)
        page.evaluate("window.stillHere = true")
        page.get_by_role("button", name="Aggiungi esito a «Esiti»").click()
        page.wait_for_selector("#f-outcomes-0-title")
        assert page.evaluate("window.stillHere") is True
        assert page.evaluate("document.activeElement.id") == "f-outcomes-0-type"
        assert page.locator("p.notice").inner_text().startswith("Bozza salvata (revisione 2")
        page.fill("#f-outcomes-0-title", "Un esito")  # the new row works like the others
        page.get_by_role("button", name="Aggiungi esito a «Esiti»").click()
        page.wait_for_selector("#f-outcomes-1-title")
        assert page.input_value("#f-outcomes-0-title") == "Un esito"
        assert page.evaluate("document.activeElement.id") == "f-outcomes-1-type"
        assert page.locator("p.notice").inner_text().startswith("Bozza salvata (revisione 3")

        # Sending and uploading are within reach: at the top, and sending wherever the page is scrolled.
        page.goto(link)
        send = page.get_by_role("button", name="Invia all'ufficio").first
        upload = page.locator("#f-file")
        assert send.bounding_box()["y"] + send.bounding_box()["height"] <= 844
        assert upload.bounding_box()["y"] + upload.bounding_box()["height"] <= 844
        page.locator("#f-outcomes-0-title").scroll_into_view_if_needed()
        page.mouse.wheel(0, 1500)
        page.wait_for_timeout(200)
        box = send.bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= 844


def test_the_form_with_mistakes_in_english_and_italian_and_in_print(browser, tmp_path):
    """Also the README's screenshots: the form with mistakes at 390 and 1280 px, in Italian and English."""
    import subprocess

    from conftest import need_program

    with desk_server(tmp_path, free_port()) as desk:
        link = invite(desk, SESSION)
        for locale, lang, save in (("it-IT", "it", "Salva bozza"), ("en-GB", "en", "Save draft")):
            page = _page(browser, 1280, locale=locale)
            page.goto(link)
            assert page.locator("html").get_attribute("lang") == lang
            _fill_with_mistakes(page)
            page.get_by_role("button", name=save).first.click()
            page.wait_for_selector("#riepilogo a[href='#f-date']")
            suffix = "" if lang == "it" else "-en"
            shoot(page, tmp_path, f"desk{suffix}-1280.png")
            phone = _page(browser, 390, locale=locale)
            phone.goto(link)
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
            shoot(phone, tmp_path, f"desk{suffix}-390.png")
            phone.context.close()
        english = page.locator("#riepilogo").inner_text()
        assert english.startswith("To correct before sending: ") and "Date: '15/10/2019' is not a date" in english
        # The link chose English; the cookie keeps it for a browser that asks for Italian.
        page.goto(link + "?lang=en")
        italian_browser = _page(browser, 1280)
        italian_browser.context.add_cookies(page.context.cookies())
        italian_browser.goto(link)
        assert italian_browser.locator("h1").inner_text() == "Session report form"

        # Printed: the note's fields and values, none of the page's controls.
        page.emulate_media(media="print")
        hidden = page.evaluate("""() => ['.bar', '.actions.top', '.upload-box', '#riepilogo + *', 'button.add']
            .map(s => document.querySelector(s)).filter(Boolean).map(e => getComputedStyle(e).display)""")
        assert hidden[:3] == ["none", "none", "none"] and hidden[-1] == "none"
        pdf = tmp_path / "scheda.pdf"
        page.pdf(path=pdf)
        need_program("pdftotext", "the printed form is read back with poppler")
        printed = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "Rimesse e sviluppo" in printed and "15/10/2019" in printed
        assert "Save draft" not in printed and "Upload into the draft" not in printed
