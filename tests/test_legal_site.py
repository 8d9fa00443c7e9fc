"""What Italian law asks every page of the public site to link (Legge
4/2004, GDPR art. 13), from the office's settings: the footer's
accessibility statement, privacy notice and feedback address, and the
privacy notice itself, in Italian and English, through Datasette as a
reader's browser asks it."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from test_site import Client

PAGES = ("/", "/outcomes/cerca?q=migranti", "/outcomes", "/outcomes/outcomes", "/outcomes/impegni",
         "/outcomes/sdg_goals/10", "/outcomes?sql=select+1", "/privacy", "/nessuna-pagina")  # fmt: skip


def footer_links(page: str) -> list[tuple[str, str, str]]:
    """(data-element, href, text) of the legal links in the page's <footer>."""
    footer = re.search(r"<footer.*?</footer>", page, re.S).group(0)
    return re.findall(r'<a data-element="([^"]+)" href="([^"]+)">([^<]+)</a>', footer)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture(scope="module")
def client(built):
    client = Client(built)
    yield client
    client.close()


@pytest.mark.parametrize(
    ("lang", "statement", "privacy", "feedback"),
    [
        ("it", "Dichiarazione di accessibilità", "Informativa privacy",
         "Hai trovato un problema di accessibilità in questo sito? Scrivi a accessibilita@regione.piemonte.it : ti rispondiamo entro 30 giorni."),
        ("en", "Accessibility statement", "Privacy notice",
         "Found an accessibility problem on this site? Write to accessibilita@regione.piemonte.it : we answer within 30 days."),
    ],
)  # fmt: skip
def test_every_page_links_the_statement_the_notice_and_the_feedback_address(client, lang, statement, privacy, feedback):
    for path in PAGES:
        response = client.get(path + ("&" if "?" in path else "?") + f"_lang={lang}")
        page = response.text
        assert response.status_code == (404 if path == "/nessuna-pagina" else 200), path
        assert footer_links(page) == [
            ("accessibility-link", "https://form.agid.gov.it/", statement),
            ("privacy-policy-link", "/privacy", privacy),
        ], path
        assert text_of(re.search(r'<p class="accessibility-feedback">.*?</p>', page, re.S).group(0)) == feedback, path
        assert 'href="mailto:accessibilita@regione.piemonte.it"' in page
        assert page.count("<main ") == 1 and '<a class="visually-hidden-focusable" href="#contenuto">' in page, path


def test_the_privacy_notice_says_what_the_settings_say(client):
    notice = text_of(re.search(r"<main.*?</main>", client.ok("/privacy?_lang=it").text, re.S).group(0))
    for said in (
        "Il titolare del trattamento è Regione Piemonte, Piazza Piemonte 1, 10127 Torino.",
        "E-mail: protocollo@regione.piemonte.it",
        "Posta elettronica certificata (PEC): protocollo.generale@cert.regione.piemonte.it",
        "Responsabile della protezione dei dati (DPO): dpo@regione.piemonte.it",
        "sono cancellati dopo 30 giorni.",
        "Il sito usa un solo cookie, tecnico: outcomes_lang , che ricorda per un anno la lingua scelta",
        "art. 6, paragrafo 1, lettera e, del GDPR",
    ):
        assert said in notice, said
    english = text_of(re.search(r"<main.*?</main>", client.ok("/privacy?_lang=en").text, re.S).group(0))
    assert english.startswith("Privacy notice How this site handles the personal data of its visitors")
    assert "The data controller is Regione Piemonte, Piazza Piemonte 1, 10127 Torino." in english
    assert "are deleted after 30 days." in english and "outcomes_lang" in english


def test_the_links_follow_the_office_s_settings(built, tmp_path):
    """Another statement address, controller and retention in metadata.json
    (as a build writes them from metadata.yaml): the footer and the notice
    say them; without a statement address the link is not shown empty."""
    site = tmp_path / "site"
    shutil.copytree(built, site, ignore=shutil.ignore_patterns("proceedings", "open-data"))
    metadata = json.loads((site / "metadata.json").read_text("utf-8"))
    legal = metadata["plugins"]["outcomes-site"]["legal"]
    legal.update(accessibility_statement_url="https://form.agid.gov.it/view/1234-abcd", server_log_retention_days=1,
                 accessibility_feedback_email="a11y@example.org")  # fmt: skip
    legal["controller"]["name"] = "Comune di Prova"
    (site / "metadata.json").write_text(json.dumps(metadata), "utf-8")
    client = Client(site)
    try:
        page = client.ok("/?_lang=en").text
        assert footer_links(page)[0] == ("accessibility-link", "https://form.agid.gov.it/view/1234-abcd", "Accessibility statement")
        assert 'href="mailto:a11y@example.org"' in page and "Published by Comune di Prova." in page
        assert '<a class="outcomes-region" href="https://www.regione.piemonte.it/">Comune di Prova</a>' in page
        notice = text_of(client.ok("/privacy").text)
        assert "sono cancellati dopo 1 giorno." in notice and "Il titolare del trattamento è Comune di Prova" in notice
    finally:
        client.close()
