"""The desk's second round through HTTP, in-process (Datasette's test client,
a real desk.db): uploads that ask before replacing a draft and can be undone,
files of the wrong kind, allowed values named by their labels, the office's
preview and its default comparison, the desk in English."""

from __future__ import annotations

import html
import re

from test_desk import SESSION, VALID_FORM, Client, _notice, _office, desk, link_path  # noqa: F401 (the fixture)

from desk_helpers import EVENT_ID
from outcomes import vocab
from outcomes.desk import state


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _revisions(desk) -> list[tuple]:
    return desk.test_conn.execute("select number, action, state from revisions order by number").fetchall()


def test_an_upload_over_a_filled_draft_asks_first_and_can_be_undone(desk):
    client, path = Client(desk), link_path(desk)
    client.post(path, [*VALID_FORM, ("base", "0"), ("action", "save")])
    asked = client.upload(path, "appunti.yaml", b"title: x\n", "1")
    assert asked.status_code == 200
    assert _text(re.search(r'<section class="group confirm".*?</section>', asked.text, re.S).group(0)) == (
        "Sostituire la bozza con «appunti.yaml»? Il file prende il posto di tutta la bozza (revisione 1): "
        "Titolo della sessione: «Diaspore e sviluppo» → «x»; Facilitatori: 1 → 0; Partecipanti: 1 → 0; Esiti: 1 → 0. "
        "La revisione 1 resta: potrai tornarci con «Annulla il caricamento». Sostituisci la bozza Annulla")
    assert _revisions(desk) == [(1, "save", "draft")]  # nothing replaced yet
    token = re.search(r'name="csrftoken" value="([^"]+)"', asked.text).group(1)
    confirmed = client.confirm_upload(path, asked.text)
    assert _notice(confirmed.text) == (
        "«appunti.yaml» caricato nella bozza (revisione 2): controlla i campi qui sotto.")
    assert _revisions(desk) == [(1, "save", "draft"), (2, "import", "draft")]
    undo = re.search(r'<form[^>]*id="annulla-caricamento".*?</form>', confirmed.text, re.S).group(0)
    assert _text(undo) == "Annulla il caricamento: torna alla revisione 1"
    restored = client.post(path, [("base", "2"), ("action", "restore:1")], token=token)
    assert _notice(restored.text).startswith("Tornata la revisione 1 (ora revisione 3, ")
    assert 'value="Diaspore e sviluppo"' in restored.text
    assert _revisions(desk) == [(1, "save", "draft"), (2, "import", "draft"), (3, "save", "draft")]
    assert state.latest(desk.test_conn, EVENT_ID, SESSION).yaml == desk.test_conn.execute(
        "select yaml from revisions where number = 1").fetchone()[0]


def test_files_that_are_not_a_word_form_or_a_yaml_note_are_refused_kindly(desk):
    client, path = Client(desk), link_path(desk)
    client.post(path, [*VALID_FORM, ("base", "0"), ("action", "save")])
    for name, content in (("appunti.txt", b"Titolo: x\n"), ("scheda.pdf", b"%PDF-1.7\n%\xe2\xe3\n"),
                          ("scheda.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64),
                          ("scheda.yaml", b"%PDF-1.7\n")):
        refused = client.upload(path, name, content, "1")
        assert refused.status_code == 422, name
        assert html.unescape(_notice(refused.text)) == (
            f"«{name}» non si può caricare: salvalo come .docx (Word) o carica la nota YAML (.yaml).")
        assert 'value="Diaspore e sviluppo"' in refused.text
    assert _revisions(desk) == [(1, "save", "draft")]


def test_allowed_values_are_named_by_their_labels_in_the_readers_language(desk):
    client, path = Client(desk), link_path(desk)
    form = [*VALID_FORM, ("outcomes.0.themes", "remittance"), ("base", "0"), ("action", "check")]
    italian = client.post(path, form).json()["errors"]["outcomes.0.themes"][0]
    labels = ", ".join(term.label("it") for term in vocab.vocabulary("themes"))
    assert italian == f"temi: «remittance» non è un valore ammesso (forse intendevi «Rimesse»?); valori ammessi: {labels}"
    assert "circular_migration" not in italian


def _submitted(desk, client, path, extra=(), base="0"):
    return client.post(path, [*VALID_FORM, *extra, ("base", base), ("action", "submit")])


def test_the_preview_shows_all_the_site_will_show(desk):
    client, path = Client(desk), link_path(desk)
    _submitted(desk, client, path, [
        ("room", "Sala Londra"), ("quotes.0.text", "Le rimesse non bastano."), ("quotes.0.actor", "ngo"),
        ("outcomes.1.type", "commitment"), ("outcomes.1.title", "Uno sportello"), ("outcomes.1.text", "Apre."),
        ("outcomes.1.owner", "Regione Piemonte"), ("outcomes.1.due", "2020-06-30"), ("outcomes.1.status", "agreed")])
    page = _office(desk).get(f"/office/{EVENT_ID}/{SESSION}").text
    preview = _text(re.search(r'<section class="group preview".*?</section>', page, re.S).group(0))
    assert "Sala Sala Londra" in preview
    assert "Facilitatori Regione Piemonte, facilitatrice" in preview and "Nome Riservato" not in preview
    assert "Partecipanti Organizzazione della società civile: 8" in preview
    assert "Citazioni «Le rimesse non bastano.» (Organizzazione della società civile)" in preview
    assert "Responsabile Regione Piemonte, entro il 2020-06-30 Stato Concordato" in preview


def test_the_default_comparison_is_with_the_previous_submission(desk):
    client, path = Client(desk), link_path(desk)
    office = _office(desk)
    review = f"/office/{EVENT_ID}/{SESSION}"
    _submitted(desk, client, path)
    first = _text(re.search(r'<pre class="diff".*?</pre>', office.get(review).text, re.S).group(0))
    assert first == "Primo invio: non c'è una revisione inviata prima con cui confrontarlo."
    office.post(review, [("action", "return"), ("comment", "Aggiungi la sala."), ("base", "1")])
    client.post(path, [*VALID_FORM, ("room", "Sala Londra"), ("base", "2"), ("action", "save")])
    _submitted(desk, client, path, [("room", "Sala Londra")], base="3")
    page = office.get(review).text
    diff = re.search(r'<pre class="diff".*?</pre>', page, re.S).group(0)
    assert '<span class="del">--- revisione 1</span>' in diff and '<span class="add">+++ revisione 4</span>' in diff
    assert '<span class="add">+room: Sala Londra</span>' in diff


def test_the_word_form_of_the_session_comes_from_the_link_page_and_back(desk, tmp_path):
    from intake_word import fill_form
    from outcomes.intake.wordimport import printed_ids, read_form

    client, path = Client(desk), link_path(desk)
    page = client.get(path).text
    assert f'<a href="{path}/scheda.docx">Scarica la scheda Word di questa sessione</a>' in page
    form = client.get(path + "/scheda.docx")
    assert form.status_code == 200
    assert form.headers["content-disposition"] == f'attachment; filename="scheda-{SESSION}.docx"'
    blank = tmp_path / "scheda.docx"
    blank.write_bytes(form.content)
    assert printed_ids(read_form(blank)) == (EVENT_ID, SESSION)
    filled = fill_form(blank, tmp_path / "compilata.docx", {
        "title": "Dalla scheda scaricata", "kind": "Laboratorio", "start": "14:30", "end": "17:00",
        "summary": "Sintesi."}, {"date": "2019-10-15"})
    uploaded = client.upload(path, "compilata.docx", filled.read_bytes(), "0")
    assert _notice(uploaded.text) == "«compilata.docx» caricato nella bozza (revisione 1): controlla i campi qui sotto."
    assert Client(desk).get(path.replace("/s/", "/s/x") + "/scheda.docx").status_code == 403


def test_the_desk_speaks_english_when_asked_and_remembers_it(desk):
    client, path = Client(desk), link_path(desk)
    english = client.loop.run_until_complete(desk.client.get(path, headers={"accept-language": "en-GB,en;q=0.9,it;q=0.5"}))
    assert '<html lang="en">' in english.text and "<h1>Session report form</h1>" in english.text
    assert '<a href="?lang=it" lang="it" hreflang="it">Italiano</a>' in english.text
    assert '<html lang="it">' in client.get(path).text  # no preference: Italian
    chosen = client.get(path + "?lang=en")
    assert chosen.cookies["desk_lang"] == "en"
    checked = client.post(path, [*VALID_FORM, ("date", "15/10/2019"), ("outcomes.0.themes", "remittance"),
                                 ("base", "0"), ("action", "check")]).json()
    assert checked["errors"]["date"] == [
        "'15/10/2019' is not a date in the form YYYY-MM-DD (did you mean '2019-10-15'?)"]
    labels = ", ".join(term.label("en") for term in vocab.vocabulary("themes"))
    assert checked["errors"]["outcomes.0.themes"] == [
        f"'remittance' is not an allowed value (did you mean 'Remittances'?); allowed values: {labels}"]
    assert [item["place"] for item in checked["summary"]] == ["Date", "Outcome 1 · Themes"]
    saved = client.post(path, [*VALID_FORM, ("base", "0"), ("action", "save")])
    assert _notice(saved.text).startswith("Draft saved (revision 1, ")
    assert '<html lang="en">' in saved.text and ">Send to the office</button>" in saved.text
    office = _office(desk)
    office.get("/office?lang=en")
    review = office.get(f"/office/{EVENT_ID}/{SESSION}").text
    assert '<html lang="en">' in review and "Preview of revision 1" in review and "<dt>Countries</dt>" in review
