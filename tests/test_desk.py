"""The desk through HTTP, in-process (Datasette's own test client, a real
desk.db, real note files): links, CSRF, drafts and conflicts, uploads,
limits, the office's login and decisions. The browser test is test_desk_browser.py."""

from __future__ import annotations

import asyncio
import html
import re
import sqlite3
import stat
import urllib.parse

import pytest

from desk_helpers import EVENT_ID, OFFICE_PASSWORD, OFFICE_USER
from helpers import SESSION_YAML, write_library
from outcomes.desk import state
from outcomes.desk.app import make_datasette
from outcomes.desk.facilitator import invite_link

SESSION = "laboratorio-b"
TOKEN = re.compile(r'name="csrftoken" value="([^"]+)"')

# A valid note, as the form posts it.
VALID_FORM = [
    ("title", "Diaspore e sviluppo"), ("kind", "workshop"), ("date", "2019-10-15"), ("start", "14:30"),
    ("end", "17:00"), ("facilitators.0.organisation", "Regione Piemonte"), ("facilitators.0.role", "facilitatrice"),
    ("facilitators.0.name", "Nome Riservato"),
    ("participants.0.actor", "ngo"), ("participants.0.count", "8"), ("participants.1.actor", ""),
    ("participants.1.count", ""), ("summary", "Una sintesi.\r\n\r\nIn due paragrafi."),
    ("outcomes.0.id", ""), ("outcomes.0.type", "recommendation"), ("outcomes.0.title", "Coinvolgere le diaspore"),
    ("outcomes.0.text", "Fin dalla progettazione."), ("outcomes.0.sdg_targets", "10.7, 17.17"),
    ("outcomes.0.countries", "SN, Marocco"), ("outcomes.0.actors", "Associazione della diaspora"),
]


class Client:
    """A browser-like client: keeps cookies, sends the CSRF token a page carries."""

    def __init__(self, ds):
        self.ds, self.cookies = ds, {}
        self.loop = asyncio.new_event_loop()

    def get(self, path: str):
        response = self.loop.run_until_complete(self.ds.client.get(path, cookies=self.cookies))
        self.cookies.update(response.cookies)
        return response

    def post(self, path: str, pairs: list[tuple[str, str]], token_from: str | None = None, token: str | None = None,
             **kwargs):
        if token is None:
            page = self.get(token_from or path)
            token = TOKEN.search(page.text).group(1)
        body = urllib.parse.urlencode([("csrftoken", token), *pairs])
        response = self.loop.run_until_complete(self.ds.client.post(
            path, content=body, cookies=self.cookies,
            headers={"content-type": "application/x-www-form-urlencoded"}, **kwargs))
        self.cookies.update(response.cookies)
        return response

    def upload(self, path: str, name: str, content: bytes, base: str):
        token = TOKEN.search(self.get(path).text).group(1)
        return self.multipart(path + "/upload", [("csrftoken", token), ("base", base)], ("file", name, content))

    def confirm_upload(self, path: str, page: str):
        """Press "Sostituisci la bozza" on the confirmation ``page`` an upload over a filled draft shows."""
        form = re.search(r'<form[^>]*id="conferma-caricamento".*?</form>', page, re.S).group(0)
        fields = [(html.unescape(n), html.unescape(v)) for n, v in re.findall(r'name="([^"]+)" value="([^"]*)"', form)]
        return self.multipart(path + "/upload", fields)

    def multipart(self, path: str, fields: list[tuple[str, str]], file: tuple[str, str, bytes] | None = None):
        """POST ``fields`` (and ``file``: field name, file name, bytes) as multipart/form-data."""
        boundary = "----deskboundary"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in fields]
        if file:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file[0]}"; filename="{file[1]}"\r\n'
                         f'Content-Type: application/octet-stream\r\n\r\n'.encode() + file[2] + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.loop.run_until_complete(self.ds.client.post(
            path, content=b"".join(parts), cookies=self.cookies,
            headers={"content-type": f"multipart/form-data; boundary={boundary}"}))


@pytest.fixture
def desk(tmp_path, monkeypatch):
    monkeypatch.delenv("OUTCOMES_DESK_SECRET", raising=False)
    notes = write_library(tmp_path, session=None, event_id=EVENT_ID)
    ds = make_datasette(notes, tmp_path / "data", tmp_path / "build")
    conn = state.connect(tmp_path / "data" / state.DATABASE)
    state.set_user(conn, OFFICE_USER, OFFICE_PASSWORD)
    ds.test_conn = conn
    ds.test_notes = notes
    return ds


def link_path(ds, session: str = SESSION, days: int = 30) -> str:
    invite = state.add_invite(ds.test_conn, EVENT_ID, session, days)
    return urllib.parse.urlparse(invite_link(ds, invite, "http://desk.example")).path


def _notice(html: str) -> str:
    found = re.search(r'<p class="(?:notice|error)"[^>]*>(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


def test_a_draft_saved_then_submitted_is_a_revision_each(desk):
    client, path = Client(desk), link_path(desk)
    saved = client.post(path, [*VALID_FORM, ("base", "0"), ("action", "save")])
    assert saved.status_code == 200
    assert _notice(saved.text).startswith("Bozza salvata (revisione 1, ")
    submitted = client.post(path, [*VALID_FORM, ("base", "1"), ("action", "submit"), ("comment", "Grazie")])
    assert _notice(submitted.text).startswith("Scheda inviata all&#39;ufficio (revisione 2, ")
    rows = desk.test_conn.execute(
        "select number, action, state, author, organisation, role, comment from revisions order by number").fetchall()
    assert rows == [(1, "save", "draft", "facilitatore", "Regione Piemonte", "facilitatrice", None),
                    (2, "submit", "submitted", "facilitatore", "Regione Piemonte", "facilitatrice", "Grazie")]
    text = state.latest(desk.test_conn, EVENT_ID, SESSION).yaml
    assert text == (
        "# yaml-language-server: $schema=../../schemas/session.schema.json\n"
        "title: Diaspore e sviluppo\n"
        "kind: workshop\n"
        "date: '2019-10-15'\n"
        "start: '14:30'\n"
        "end: '17:00'\n"
        "facilitators:\n"
        "  - name: Nome Riservato\n"
        "    organisation: Regione Piemonte\n"
        "    role: facilitatrice\n"
        "participants:\n"
        "  ngo: 8\n"
        "summary: |-\n"
        "  Una sintesi.\n"
        "\n"
        "  In due paragrafi.\n"
        "outcomes:\n"
        "  - id: coinvolgere-le-diaspore\n"
        "    type: recommendation\n"
        "    title: Coinvolgere le diaspore\n"
        "    text: Fin dalla progettazione.\n"
        "    sdg_targets: ['10.7', '17.17']\n"
        "    countries: [SN, MA]\n"
        "    actors: [diaspora_association]\n"
    )
    # Submitted: the facilitator can no longer change it.
    again = client.post(path, [*VALID_FORM, ("base", "2"), ("action", "save")])
    assert again.status_code == 409
    assert _notice(again.text).startswith("Non è possibile farlo ora")


def test_two_tabs_the_later_save_is_refused_not_lost(desk):
    first, second, path = Client(desk), Client(desk), link_path(desk)
    assert first.post(path, [*VALID_FORM, ("base", "0")]).status_code == 200
    # A second tab opened before that save still says base 0.
    stale = second.post(path, [*VALID_FORM[:1], ("title", "Un altro titolo"), ("base", "0")])
    assert stale.status_code == 409
    assert _notice(stale.text).startswith("Non salvato: questa scheda è stata modificata altrove (revisione 1, ")
    assert 'value="Un altro titolo"' in stale.text  # what was typed is still on the page
    assert state.latest(desk.test_conn, EVENT_ID, SESSION).number == 1
    assert "title: Diaspore e sviluppo\n" in state.latest(desk.test_conn, EVENT_ID, SESSION).yaml


def test_mistakes_are_told_at_the_fields_and_block_submission(desk):
    client, path = Client(desk), link_path(desk)
    form = [*[(k, v) for k, v in VALID_FORM if k not in ("date", "outcomes.0.sdg_targets")],
            ("date", "15/10/2019"), ("outcomes.0.sdg_targets", "10.7, 17.1O"), ("outcomes.0.type", "commitment")]
    response = client.post(path, [*form, ("base", "0"), ("action", "submit")])
    assert response.status_code == 422
    html = response.text
    assert re.search(r'id="f-date-err">data: «15/10/2019» non è una data nel formato AAAA-MM-GG '
                     r"\(forse intendevi «2019-10-15»\?\)</span>", html)
    assert 'id="f-outcomes-0-sdg_targets-err">«17.1O» non è un target SDG (forse intendevi «17.10»?)' in html
    assert ('id="f-outcomes-0-owner-err">un impegno deve dire chi agisce: scrivi l&#39;organizzazione responsabile'
            "</span>") in html
    summary = re.findall(r'<li><a href="#([^"]+)">([^<]*)</a></li>', html)
    assert [anchor for anchor, _ in summary] == [
        "f-date", "f-outcomes-0-sdg_targets", "f-outcomes-0-owner", "f-outcomes-0-due"]
    assert summary[1][1].startswith("Esito 1 · Target SDG: «17.1O»")
    assert desk.test_conn.execute("select count(*) from revisions").fetchone() == (0,)
    # As the facilitator types (JavaScript), the same messages as JSON.
    checked = client.post(path, [*form, ("action", "check")], token_from=path)
    assert checked.json()["errors"]["date"] == [
        "data: «15/10/2019» non è una data nel formato AAAA-MM-GG (forse intendevi «2019-10-15»?)"]


def test_an_outcome_keeps_its_id_when_its_title_is_corrected(desk):
    client, path = Client(desk), link_path(desk)
    client.post(path, [*VALID_FORM, ("base", "0")])
    page = client.get(path).text
    assert 'name="outcomes.0.id" value="coinvolgere-le-diaspore"' in page
    corrected = [(k, "coinvolgere-le-diaspore" if k == "outcomes.0.id" else v) for k, v in VALID_FORM]
    corrected = [(k, "Coinvolgere davvero le diaspore" if k == "outcomes.0.title" else v) for k, v in corrected]
    client.post(path, [*corrected, ("base", "1")])
    text = state.latest(desk.test_conn, EVENT_ID, SESSION).yaml
    assert "  - id: coinvolgere-le-diaspore\n    type: recommendation\n    title: Coinvolgere davvero le diaspore\n" in text


def test_rows_are_added_moved_and_removed_by_the_server(desk):
    client, path = Client(desk), link_path(desk)
    two = [*VALID_FORM, ("outcomes.1.id", "secondo"), ("outcomes.1.type", "finding"), ("outcomes.1.title", "Secondo"),
           ("outcomes.1.text", "Testo.")]
    moved = client.post(path, [*two, ("base", "0"), ("action", "up:outcomes.1")]).text
    assert moved.index('value="Secondo"') < moved.index('value="Coinvolgere le diaspore"')
    added = client.post(path, [*two, ("base", "1"), ("action", "add:outcomes")]).text
    assert 'id="f-outcomes-2-title"' in added and 'id="f-outcomes-2-title-err" hidden' in added
    removed = client.post(path, [*two, ("base", "2"), ("action", "remove:outcomes.0")]).text
    assert 'value="Coinvolgere le diaspore"' not in removed and 'id="f-outcomes-1-title"' not in removed
    # Each is saved: a phone's "+ Aggiungi" loses nothing.
    assert desk.test_conn.execute("select number, action from revisions").fetchall() == [
        (1, "save"), (2, "save"), (3, "save")]
    assert "Coinvolgere" not in state.latest(desk.test_conn, EVENT_ID, SESSION).yaml


def test_links_expired_revoked_tampered_or_for_another_session(desk, tmp_path):
    client = Client(desk)
    path = link_path(desk)
    assert client.get(path).status_code == 200
    token = path.rsplit("/", 1)[1]
    payload, signature = token.split(".")
    assert client.get(f"/s/{payload}.{signature[:-2]}xx").status_code == 403
    # Another invite's number with this signature: refused.
    other = link_path(desk, "altra-sessione")
    other_payload = other.rsplit("/", 1)[1].split(".")[0]
    forged = client.get(f"/s/{other_payload}.{signature}")
    assert forged.status_code == 403 and "Questo link non è valido" in forged.text
    # Signed by another desk (another secret).
    stranger = make_datasette(desk.test_notes, tmp_path / "altro", tmp_path / "out2")
    foreign = invite_link(stranger, state.Invite(1, EVENT_ID, SESSION, "", "", None), "")
    assert client.get(foreign).status_code == 403
    expired = link_path(desk, days=1)
    desk.test_conn.execute("update invites set expires = '2020-01-01T00:00:00+00:00' where id = (select max(id) from invites)")
    response = client.get(expired)
    assert response.status_code == 403 and "Questo link è scaduto" in response.text
    state.revoke(desk.test_conn, EVENT_ID, SESSION)
    revoked = client.get(path)
    assert revoked.status_code == 403 and "revocato" in revoked.text
    # The other session's link still works and shows that session only.
    assert "sessione <code>altra-sessione</code>" in client.get(other).text


def test_a_post_without_the_csrf_token_is_refused(desk):
    client, path = Client(desk), link_path(desk)
    client.get(path)
    response = client.loop.run_until_complete(desk.client.post(
        path, content="title=x&base=0&action=save", cookies=client.cookies,
        headers={"content-type": "application/x-www-form-urlencoded"}))
    assert response.status_code == 403
    assert desk.test_conn.execute("select count(*) from revisions").fetchone() == (0,)


def test_limits_on_field_length_and_upload_size(desk):
    client, path = Client(desk), link_path(desk)
    long = client.post(path, [*VALID_FORM, ("summary", "x" * 20_001), ("base", "0")])
    assert long.status_code == 413
    assert _notice(long.text) == "Non salvato: il campo «Sintesi» supera il limite di 20000 caratteri."
    rows = client.post(path, [*VALID_FORM, ("outcomes.100.title", "uno di troppo"), ("base", "0")])
    assert rows.status_code == 413
    assert _notice(rows.text) == "Non salvato: «Esito 101» supera il limite di 100 righe."
    big = client.upload(path, "scheda.docx", b"PK\x03\x04" + b"0" * (6 * 2**20), "0")
    refused = client.loop.run_until_complete(desk.client.post(
        path + "/upload", content=b"--b\r\nContent-Disposition: form-data; name=\"csrftoken\"\r\n\r\nfalso\r\n--b--\r\n",
        cookies=client.cookies, headers={"content-type": "multipart/form-data; boundary=b"}))
    assert refused.status_code == 403 and "Modulo scaduto" in refused.text
    assert big.status_code == 413
    assert _notice(big.text) == "Non salvato: i dati inviati superano il limite di 5 MB."
    assert desk.test_conn.execute("select count(*) from revisions").fetchone() == (0,)


def test_a_yaml_note_and_a_word_form_upload_into_the_same_draft(desk, tmp_path):
    from intake_word import fill_form
    from outcomes.intake.form import FormRequest, write_form

    client, path = Client(desk), link_path(desk)
    uploaded = client.upload(path, "nota.yaml", SESSION_YAML.encode(), "0")
    assert _notice(uploaded.text) == "«nota.yaml» caricato nella bozza (revisione 1): controlla i campi qui sotto."
    assert 'value="Migrazione e Cooperazione Internazionale"' in uploaded.text
    form = write_form(tmp_path / "vuota.docx", FormRequest(EVENT_ID, SESSION))
    filled = fill_form(form, tmp_path / "scheda.docx", {
        "title": "Dalla scheda Word", "kind": "Laboratorio", "start": "14:30", "end": "17:00",
        "summary": "Sintesi.", "outcomes.1.type": "Constatazione", "outcomes.1.title": "Un esito",
        "outcomes.1.text": "Testo.", "outcomes.1.countries": "Marocco"}, {"date": "2019-10-15"})
    asked = client.upload(path, "scheda.docx", filled.read_bytes(), "1")
    assert "Sostituire la bozza con «scheda.docx»?" in asked.text
    word = client.confirm_upload(path, asked.text)
    assert _notice(word.text) == "«scheda.docx» caricato nella bozza (revisione 2): controlla i campi qui sotto."
    latest = state.latest(desk.test_conn, EVENT_ID, SESSION)
    assert (latest.number, latest.action, latest.comment) == (2, "import", "importato da «scheda.docx»")
    assert "title: Dalla scheda Word\n" in latest.yaml and "    countries: [MA]\n" in latest.yaml
    # The Word form's outcome took the id the draft's first outcome had.
    assert "  - id: diaspore-coprogettazione\n" in latest.yaml
    garbage = client.upload(path, "nota.yaml", b"title: [unclosed", "2")
    assert garbage.status_code == 422 and "Il file non si legge come nota YAML" in _notice(garbage.text)


def _office(desk) -> Client:
    client = Client(desk)
    response = client.post("/office/login", [("username", OFFICE_USER), ("password", OFFICE_PASSWORD)])
    assert response.status_code == 302
    return client


def test_the_office_must_log_in_and_attempts_are_limited(desk):
    anonymous = Client(desk)
    assert anonymous.get("/office").headers["location"] == "/office/login"
    assert anonymous.get(f"/office/{EVENT_ID}/{SESSION}").status_code == 302
    for _ in range(5):
        wrong = anonymous.post("/office/login", [("username", OFFICE_USER), ("password", "sbagliata")])
        assert wrong.status_code == 401 and "Nome utente o password errati." in wrong.text
    locked = anonymous.post("/office/login", [("username", OFFICE_USER), ("password", OFFICE_PASSWORD)])
    assert locked.status_code == 429 and "Troppi tentativi sbagliati" in locked.text
    stored = desk.test_conn.execute("select password_hash from users").fetchone()[0]
    assert stored.startswith("pbkdf2_sha256$480000$") and OFFICE_PASSWORD not in stored


def test_datasette_pages_never_show_the_desk_database(desk):
    client = _office(desk)
    for path in ("/desk", "/desk/revisions", "/desk.json", "/desk/invites.json", "/-/metadata.json"):
        assert client.get(path).status_code == 403, path


def test_return_then_accept_writes_the_note_and_a_changed_file_is_a_conflict(desk):
    facilitator, path = Client(desk), link_path(desk)
    office = _office(desk)
    facilitator.post(path, [*VALID_FORM, ("outcomes.0.gcm_objectives", "19"), ("base", "0"), ("action", "submit")])
    review = f"/office/{EVENT_ID}/{SESSION}"
    page = office.get(review).text
    assert "<h3>Diaspore e sviluppo</h3>" in page and "Senegal, Marocco" in page
    assert "<dt>Obiettivi GCM</dt><dd>19 Creare le condizioni affinché i migranti e le diaspore" in page
    chapter = office.get(review + "/atti.docx?rev=1")
    assert chapter.status_code == 200 and chapter.content[:2] == b"PK"
    refused = office.post(review, [("action", "return"), ("comment", ""), ("base", "1")])
    assert refused.status_code == 422 and "Scrivi un commento" in refused.text
    office.post(review, [("action", "return"), ("comment", "Aggiungi la sala."), ("base", "1")])
    back = facilitator.get(path).text
    assert '<p class="comment">Aggiungi la sala.</p>' in back
    facilitator.post(path, [*VALID_FORM, ("outcomes.0.gcm_objectives", "19"), ("room", "Sala Londra"), ("base", "2"),
                            ("action", "submit")])
    diff = office.get(review + "?a=1&b=3").text
    assert "<span class=\"add\">+room: Sala Londra</span>" in diff
    # Someone edits the note file directly meanwhile.
    note = desk.test_notes / EVENT_ID / f"{SESSION}.yaml"
    note.write_text(SESSION_YAML, "utf-8")
    conflict = office.post(review, [("action", "accept"), ("base", "3")])
    assert conflict.status_code == 409 and f"Conflitto: {note} è cambiato" in conflict.text
    assert note.read_text("utf-8") == SESSION_YAML
    accepted = office.post(review, [("action", "accept_anyway"), ("base", "3")], token_from=review)
    assert accepted.status_code == 200 and f"Scheda accettata: scritta in {note}." in accepted.text
    assert note.read_text("utf-8") == state.latest(desk.test_conn, EVENT_ID, SESSION).yaml
    assert "room: Sala Londra\n" in note.read_text("utf-8")
    assert not list(note.parent.glob(".*.tmp"))
    states = [r[0] for r in desk.test_conn.execute("select state from revisions order by number")]
    assert states == ["submitted", "returned", "submitted", "accepted"]


def test_secret_file_is_private_and_nothing_of_the_desk_is_published(desk, tmp_path):
    secret = tmp_path / "data" / "secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    facilitator, path = Client(desk), link_path(desk)
    office = _office(desk)
    facilitator.post(path, [*VALID_FORM, ("base", "0"), ("action", "submit")])
    office.post(f"/office/{EVENT_ID}/{SESSION}", [("action", "accept"), ("comment", "Commento interno"), ("base", "1")])
    published = office.post("/office/publish", [], token_from="/office")
    assert published.status_code == 200 and "Pubblicato in" in published.text
    out = tmp_path / "build"
    assert (out / "outcomes.db").exists()
    for file in out.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            for secretive in (b"Nome Riservato", b"Commento interno", b"revisions", b"invites",
                              secret.read_bytes().strip()):
                assert secretive not in data, (file, secretive)
    db = sqlite3.connect(out / "outcomes.db")
    assert db.execute("select title from outcomes").fetchall() == [("Coinvolgere le diaspore",)]


def _office_row(office, session: str = SESSION) -> str:
    """The office list's row of ``session``, its tags stripped."""
    page = office.get("/office").text
    row = re.search(rf'<tr[^>]*>\s*<th scope="row"><a href="/office/{EVENT_ID}/{session}">.*?</tr>', page, re.S).group(0)
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


def test_a_returned_note_being_corrected_says_so_to_both_sides(desk):
    facilitator, path = Client(desk), link_path(desk)
    office = _office(desk)
    facilitator.post(path, [*VALID_FORM, ("base", "0"), ("action", "submit")])
    review = f"/office/{EVENT_ID}/{SESSION}"
    office.post(review, [("action", "return"), ("comment", "Aggiungi la sala."), ("base", "1")])
    assert "restituita" in _office_row(office)
    facilitator.post(path, [*VALID_FORM, ("room", "Sala"), ("base", "2"), ("action", "save")])
    # The office sees a returned note being corrected, not a first draft ...
    # (the row: the session's title, its id, its state)
    assert f" {SESSION} restituita, in correzione " in _office_row(office)
    assert "Stato: <strong class=\"state state-returned\">restituita, in correzione</strong>" in office.get(review).text
    # ... and the facilitator still sees the comment they are answering.
    back = facilitator.get(path).text
    assert '<p class="comment">Aggiungi la sala.</p>' in back
    assert "correggi e invia di nuovo" in back
    facilitator.post(path, [*VALID_FORM, ("room", "Sala"), ("base", "3"), ("action", "submit")])
    assert f" {SESSION} inviata " in _office_row(office)
    assert '<p class="comment">' not in facilitator.get(path).text


def _login_from(desk, address: str, password: str):
    """A login POST as a client at ``address`` (the ASGI scope's client)."""
    import httpx

    async def attempt():
        transport = httpx.ASGITransport(app=desk.app(), client=(address, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://desk.example") as client:
            page = await client.get("/office/login")
            token = TOKEN.search(page.text).group(1)
            return await client.post("/office/login", data={
                "csrftoken": token, "username": OFFICE_USER, "password": password})

    return asyncio.new_event_loop().run_until_complete(attempt())


def test_wrong_passwords_from_one_address_do_not_lock_the_office_out(desk):
    for _ in range(6):
        _login_from(desk, "203.0.113.9", "sbagliata")
    # The one guessing is stopped, even with the right password ...
    assert _login_from(desk, "203.0.113.9", OFFICE_PASSWORD).status_code == 429
    # ... and whoever else tries a name is stopped there too ...
    stopped = _login_from(desk, "203.0.113.9", "altra")
    assert stopped.status_code == 429 and "Troppi tentativi sbagliati" in stopped.text
    # ... but the office, from its own address, still logs in.
    office = _login_from(desk, "198.51.100.7", OFFICE_PASSWORD)
    assert (office.status_code, office.headers["location"]) == (302, "/office")
    # One IPv6 client holds a whole /64: its addresses are counted together.
    for number in range(5):
        _login_from(desk, f"2001:db8:1:2::{number + 1}", "sbagliata")
    assert _login_from(desk, "2001:db8:1:2:ffff::9", OFFICE_PASSWORD).status_code == 429
    assert _login_from(desk, "2001:db8:1:3::1", OFFICE_PASSWORD).status_code == 302
    # An IPv4 client seen through a dual-stack socket is that IPv4 address.
    assert _login_from(desk, "::ffff:203.0.113.9", OFFICE_PASSWORD).status_code == 429
    assert _login_from(desk, "::ffff:198.51.100.8", OFFICE_PASSWORD).status_code == 302


def test_a_desk_db_from_before_addresses_counts_failures_by_address(tmp_path):
    old = sqlite3.connect(tmp_path / "desk.db")
    old.execute("create table login_failures (id integer primary key, username text not null, at real not null)")
    old.execute("insert into login_failures (username, at) values ('ufficio', 1.0)")
    old.commit()
    old.close()
    conn = state.connect(tmp_path / "desk.db")
    for _ in range(5):
        state.begin_attempt(conn, "ufficio", "203.0.113.9", now=100.0)
    assert (state.locked(conn, "203.0.113.9", now=101.0), state.locked(conn, "198.51.100.7", now=101.0)) == (True, False)
    assert conn.execute("select username, at, address from login_failures order by id limit 1").fetchone() == (
        "ufficio", 1.0, None)


def test_fields_the_form_does_not_have_are_shown_before_a_save_drops_them(desk):
    client, path = Client(desk), link_path(desk)
    note = SESSION_YAML.replace("kind: workshop\n", "kind: workshop\ncolore: blu\n").replace(
        "    type: recommendation\n", "    type: recommendation\n    priorita: alta\n")
    uploaded = client.upload(path, "nota.yaml", note.encode(), "0").text
    box = re.search(r'<section id="non-previsti".*?</section>', uploaded, re.S).group(0)
    items = [" ".join(re.sub(r"<[^>]+>", " ", li).split()) for li in re.findall(r"<li.*?</li>", box, re.S)]
    assert items == ["colore : blu", "Esito 1 · priorita : alta"]
    # Each mistake in the summary says so in words and leads to its line in the box.
    summary = re.findall(r'<li><a href="#([^"]+)">([^<]*)</a></li>', uploaded)
    assert sorted((a, html.unescape(t)) for a, t in summary) == [
        ("f-colore", "«colore» non è un campo di questa scheda: salvando la bozza sarà tolto (vedi sotto)"),
        ("f-outcomes-0-priorita", "Esito 1: «priorita» non è un campo di questa scheda: salvando la bozza sarà tolto"
                                  " (vedi sotto)")]
    for anchor, _ in summary:
        assert f'id="{anchor}"' in box
    assert "Non saranno conservati quando salvi" in box
    form = [*VALID_FORM, ("outcomes.0.id", "diaspore-coprogettazione"), ("base", "1"), ("action", "save")]
    saved = client.post(path, [pair for pair in form if pair[0] != "outcomes.0.id" or pair[1]])
    assert _notice(saved.text) == _notice(saved.text).split(" Tolti")[0] + (
        " Tolti i campi che la scheda non prevede: «colore», «Esito 1 · priorita».")
    assert 'id="non-previsti"' not in saved.text
    assert "colore" not in state.latest(desk.test_conn, EVENT_ID, SESSION).yaml


def test_a_post_without_any_cookie_is_refused_too(desk):
    """asgi-csrf lets a POST with no cookies at all through (a cross-site
    form carries none of the desk's SameSite cookies): the desk refuses it."""
    path = link_path(desk)
    loop = asyncio.new_event_loop()
    for target, body in ((path, "csrftoken=inventato&title=x&base=0&action=save"),
                         ("/office/login", f"csrftoken=inventato&username={OFFICE_USER}&password={OFFICE_PASSWORD}")):
        response = loop.run_until_complete(desk.client.post(
            target, content=body, headers={"content-type": "application/x-www-form-urlencoded"}))
        assert (target, response.status_code) == (target, 403)
        assert "Modulo scaduto" in response.text and "ds_actor" not in response.headers.get("set-cookie", "")
    assert desk.test_conn.execute("select count(*) from revisions").fetchone() == (0,)


def test_behind_https_every_cookie_is_secure(desk):
    import httpx

    async def cookies():
        transport = httpx.ASGITransport(app=desk.app())
        async with httpx.AsyncClient(transport=transport, base_url="https://desk.example") as client:
            page = await client.get("/office/login")
            token = TOKEN.search(page.text).group(1)
            login = await client.post("/office/login", data={
                "csrftoken": token, "username": OFFICE_USER, "password": OFFICE_PASSWORD})
            return page.headers.get_list("set-cookie") + login.headers.get_list("set-cookie")

    found = asyncio.new_event_loop().run_until_complete(cookies())
    assert [c.split("=")[0] for c in found] == ["ds_csrftoken", "ds_actor"]
    assert all("; Secure" in c for c in found), found
    assert "HttpOnly" in found[1] and "SameSite=strict" in found[1]


def test_a_word_form_printed_for_another_session_is_not_loaded_into_this_one(desk, tmp_path):
    from intake_word import fill_form
    from outcomes.intake.form import FormRequest, write_form

    client, path = Client(desk), link_path(desk)
    form = write_form(tmp_path / "vuota.docx", FormRequest(EVENT_ID, "altra-sessione"))
    filled = fill_form(form, tmp_path / "scheda.docx", {"title": "Della sessione accanto", "kind": "Laboratorio"}, {})
    refused = client.upload(path, "scheda.docx", filled.read_bytes(), "0")
    assert refused.status_code == 422
    assert html.unescape(_notice(refused.text)) == (
        f"Questa scheda Word è della sessione «altra-sessione» (evento «{EVENT_ID}»), ma questo link è per la "
        f"sessione «{SESSION}»: caricala dal link di quella sessione, o chiedi all'ufficio la scheda giusta.")
    assert desk.test_conn.execute("select count(*) from revisions").fetchone() == (0,)


def test_an_upload_keeps_to_the_form_s_limits_on_rows_and_field_length(desk):
    """A note the form could not save again (more rows or longer fields than
    it takes) is refused at upload, not made into a draft stuck at its limits."""
    client, path = Client(desk), link_path(desk)
    rows = "title: Molti esiti\noutcomes:\n" + "".join(
        f"  - title: Esito {i}\n    type: finding\n    text: Testo.\n" for i in range(101))
    refused = client.upload(path, "molti.yaml", rows.encode(), "0")
    assert refused.status_code == 413
    assert html.unescape(_notice(refused.text)) == "Non salvato: «Esito 101» supera il limite di 100 righe."
    long = SESSION_YAML.replace("Le associazioni della diaspora partecipano fin dall'inizio.", "x" * 20_001)
    refused = client.upload(path, "lunga.yaml", long.encode(), "0")
    assert refused.status_code == 413
    assert html.unescape(_notice(refused.text)) == (
        "Non salvato: il campo «Esito 1 · Testo» supera il limite di 20000 caratteri.")
    assert desk.test_conn.execute("select count(*) from revisions").fetchone() == (0,)


def _chunked(desk, path: str, target: str, head: str, content_type: str, tail: bytes = b"") -> tuple:
    """POST 50 MB to ``target`` in 1 MB chunks, with no Content-Length: the
    response and how many megabytes the desk read. ``head`` (formatted with
    the page's CSRF token) opens the body."""
    import httpx

    sent = []

    async def attempt():
        transport = httpx.ASGITransport(app=desk.app())
        async with httpx.AsyncClient(transport=transport, base_url="http://desk.example") as client:
            token = TOKEN.search((await client.get(path)).text).group(1)

            async def body():
                yield head.format(token=token).encode()
                for _ in range(50):
                    sent.append(1)
                    yield b"x" * 2**20
                yield tail

            return await client.post(target, content=body(), headers={"content-type": content_type})

    return asyncio.new_event_loop().run_until_complete(attempt()), len(sent)


def test_a_body_without_a_length_is_read_only_up_to_the_limit(desk):
    """A chunked POST (no Content-Length) was read whole, by asgi-csrf and
    the desk: 200 MB took the server past 1 GB. Now reading stops at the limit."""
    path = link_path(desk)
    response, read = _chunked(desk, path, path, "csrftoken={token}&base=0&summary=",
                              "application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert _notice(response.text) == "Non salvato: i dati inviati superano il limite di 2 MB."
    assert read <= 7  # megabytes read of the 50 sent
    # An upload the same way: told it is too large, not "no file chosen".
    response, read = _chunked(
        desk, path, path + "/upload",
        '--b\r\nContent-Disposition: form-data; name="csrftoken"\r\n\r\n{token}\r\n--b\r\n'
        'Content-Disposition: form-data; name="file"; filename="scheda.docx"\r\n\r\nPK\x03\x04',
        "multipart/form-data; boundary=b", b"\r\n--b--\r\n")
    assert response.status_code == 413
    assert _notice(response.text) == "Non salvato: i dati inviati superano il limite di 5 MB."
    assert read <= 7
    assert desk.test_conn.execute("select count(*) from revisions").fetchone() == (0,)


def test_the_review_history_names_each_step_in_italian(desk):
    facilitator, path = Client(desk), link_path(desk)
    office = _office(desk)
    facilitator.post(path, [*VALID_FORM, ("base", "0"), ("action", "save")])
    facilitator.confirm_upload(path, facilitator.upload(path, "nota.yaml", SESSION_YAML.encode(), "1").text)
    facilitator.post(path, [*VALID_FORM, ("base", "2"), ("action", "submit")])
    review = f"/office/{EVENT_ID}/{SESSION}"
    office.post(review, [("action", "return"), ("comment", "Aggiungi la sala."), ("base", "3")])
    page = office.get(review).text
    history = re.search(r'<h2 id="storia-h">.*?</table>', page, re.S).group(0)
    steps = [" ".join(re.sub(r"<[^>]+>", " ", cell).split())
             for cell in re.findall(r'</th><td>(.*?)</td>', history, re.S)]
    assert steps == ["restituita (restituzione)", "inviata (invio)", "bozza (caricamento di un file)",
                     "bozza (salvataggio)"]


def test_the_kit_and_its_fonts_are_served_by_the_desk_itself(desk):
    """The Designers Italia kit from the desk's own origin: its CSS, and every
    font fonts.css names (the vendored files); nothing else of the vendor folder."""
    client = Client(desk)
    page = client.get(link_path(desk))
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)">', page.text)
    assert sheets == ["/desk-static/kit/css/bootstrap-italia.min.css", "/desk-static/fonts.css", "/desk-static/desk.css"]
    assert [client.get(sheet).headers["content-type"] for sheet in sheets] == ["text/css; charset=utf-8"] * 3
    fonts = re.findall(r"url\('([^']+)'\)", client.get("/desk-static/fonts.css").text)
    assert len(fonts) == 12 and all(font.startswith("kit/fonts/") for font in fonts)
    served = [client.get("/desk-static/" + font) for font in fonts]
    assert [(r.status_code, r.headers["content-type"], r.content[:4]) for r in served] == [(200, "font/woff2", b"wOF2")] * 12
    for elsewhere in ("/desk-static/kit/fonts/Titillium_Web/OFL.txt", "/desk-static/kit/css/LICENSE"):
        assert client.get(elsewhere).status_code == 404, elsewhere
    assert client.get("/desk-static/kit/css/..%2F..%2Fdesk%2Fweb.py").status_code != 200  # Datasette redirects it
