"""The desk's mail through a real SMTP server (aiosmtpd on a free port):
each step queues its mail in the same transaction, the sender delivers it
once, a server that is down loses nothing and sends nothing twice."""

from __future__ import annotations

import re
import sqlite3
import urllib.parse

import pytest

from desk_helpers import EVENT_ID, OFFICE_PASSWORD, OFFICE_USER
from helpers import SESSION_YAML, free_port, write_library
from mail_helpers import SmtpServer, body, link_in, smtp_for_desk
from outcomes.desk import mail, notices, state
from outcomes.desk.app import make_datasette
from test_desk import VALID_FORM, Client

SESSION = "laboratorio-b"
OFFICE = ("ufficio@example.org", "capo@example.org")
FACILITATOR = "facilitatrice@example.org"
EVENT_TITLE = "Sguardi e prospettive della cooperazione decentrata"  # helpers.write_library's event


@pytest.fixture
def smtp(monkeypatch):
    with smtp_for_desk(monkeypatch, ", ".join(OFFICE), OUTCOMES_DESK_URL="http://desk.example") as server:
        yield server


@pytest.fixture
def desk(tmp_path, monkeypatch, smtp):
    monkeypatch.delenv("OUTCOMES_DESK_SECRET", raising=False)
    notes = write_library(tmp_path, session=None, event_id=EVENT_ID)
    ds = make_datasette(notes, tmp_path / "data", tmp_path / "build")
    conn = state.connect(tmp_path / "data" / state.DATABASE)
    state.set_user(conn, OFFICE_USER, OFFICE_PASSWORD)
    ds.test_conn, ds.test_notes, ds.test_desk = conn, notes, ds._outcomes_desk
    return ds


def _office(desk) -> Client:
    client = Client(desk)
    assert client.post("/office/login", [("username", OFFICE_USER), ("password", OFFICE_PASSWORD)]).status_code == 302
    return client


def _deliver(desk) -> dict:
    return mail.deliver_due(desk.test_conn, desk.test_desk.mail)


def _outbox(desk) -> list[tuple]:
    return desk.test_conn.execute(
        "select kind, event, session, recipient, lang, state, attempts from outbox order by id").fetchall()


def _invite(office: Client, **fields) -> str:
    form = {"event": EVENT_ID, "session": "", "new_session": SESSION, "new_title": "Diaspore e sviluppo",
            "email": FACILITATOR, "organisation": "Regione Piemonte", "days": "30", "lang": "it", **fields}
    response = office.post("/office/invite", list(form.items()))
    assert response.status_code == 200, response.text
    return response.text


def test_the_whole_cycle_tells_each_step_once(desk, smtp):
    office = _office(desk)
    page = _invite(office)
    assert "Invito per «laboratorio-b» a facilitatrice@example.org: la mail è nella posta in uscita." in page
    # Queued with the invite, not yet sent: the sender delivers it.
    assert _outbox(desk) == [("invite", EVENT_ID, SESSION, FACILITATOR, "it", "queued", 0)]
    assert _deliver(desk) == {"sent": 1, "retry": 0, "failed": 0}
    invitation = smtp.wait_for(1)[0]
    assert (invitation["From"], invitation["To"]) == ("sportello@example.org", FACILITATOR)
    assert invitation["Subject"] == f"Scheda della sessione «Diaspore e sviluppo» ({EVENT_TITLE})"
    link = link_in(invitation)
    assert link.startswith("http://desk.example/s/")
    assert f'<a href="{link}">{link}</a>' in body(invitation, "html")
    path = urllib.parse.urlparse(link).path
    facilitator = Client(desk)
    # A new session starts from the title the office gave it.
    assert 'value="Diaspore e sviluppo"' in facilitator.get(path).text

    facilitator.post(path, [*VALID_FORM, ("base", "0"), ("action", "save")])
    assert _deliver(desk)["sent"] == 0  # a draft tells nobody
    facilitator.post(path, [*VALID_FORM, ("base", "1"), ("action", "submit")])
    review = f"/office/{EVENT_ID}/{SESSION}"
    office.post(review, [("action", "return"), ("comment", "Aggiungi la sala, per favore."), ("base", "2")])
    facilitator.post(path, [*VALID_FORM, ("room", "Sala A"), ("base", "3"), ("action", "submit")])
    office.post(review, [("action", "accept"), ("comment", ""), ("base", "4")])
    assert _deliver(desk) == {"sent": 6, "retry": 0, "failed": 0}
    assert _deliver(desk) == {"sent": 0, "retry": 0, "failed": 0}
    assert [(m["To"], m["Subject"]) for m in smtp.messages[1:]] == [
        (OFFICE[0], f"Scheda inviata: «Diaspore e sviluppo» ({EVENT_TITLE})"),
        (OFFICE[1], f"Scheda inviata: «Diaspore e sviluppo» ({EVENT_TITLE})"),
        (FACILITATOR, "Scheda da rivedere: «Diaspore e sviluppo»"),
        (OFFICE[0], f"Scheda inviata: «Diaspore e sviluppo» ({EVENT_TITLE})"),
        (OFFICE[1], f"Scheda inviata: «Diaspore e sviluppo» ({EVENT_TITLE})"),
        (FACILITATOR, "Scheda accettata: «Diaspore e sviluppo»"),
    ]
    submitted = body(smtp.messages[1])
    assert "inviata da Regione Piemonte, facilitatrice (revisione 2)" in submitted
    assert f"http://desk.example{review}" in submitted
    returned = body(smtp.messages[3])
    assert "con questo commento:\n\nAggiungi la sala, per favore.\n\n" in returned
    assert link in returned
    assert [row[5] for row in _outbox(desk)] == ["sent"] * 7
    # The office's list: the title, the last mail, nothing waiting.
    listed = office.get("/office").text
    assert "0 schede attendono la revisione" in listed
    assert re.search(r"Diaspore e sviluppo</a> <code>laboratorio-b</code>", listed)
    assert "accettazione · inviata · " in listed
    # The outbox page shows each mail with the server's answer.
    outbox = office.get("/office/outbox").text
    assert outbox.count("250 OK queued as test") == 7


def test_a_mail_server_that_is_down_loses_nothing_and_sends_nothing_twice(desk, smtp):
    office = _office(desk)
    smtp.stop()
    _invite(office)
    assert _deliver(desk) == {"sent": 0, "retry": 1, "failed": 0}
    row = desk.test_conn.execute("select state, attempts, answer, next_attempt > created from outbox").fetchone()
    assert row[:2] == ("queued", 1) and row[2].startswith("ConnectionRefusedError") and row[3] == 1
    assert _deliver(desk)["retry"] == 0  # not due yet: waits its turn
    smtp.start()
    retried = office.post("/office/outbox", [])  # the office's "retry", delivered at once
    assert "1 mail riprovata: 1 inviate." in retried.text
    assert len(smtp.messages) == 1
    assert _deliver(desk)["sent"] == 0
    assert mail.retry(desk.test_conn, [1]) == 0  # a sent mail is not queued again


def test_a_mail_refused_for_good_fails_and_says_why(desk, smtp):
    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, options):
            return "550 5.1.1 no such user"

    smtp.stop()
    smtp.inbox = Refusing()
    smtp.start()
    _invite(_office(desk))
    assert _deliver(desk) == {"sent": 0, "retry": 0, "failed": 1}
    assert desk.test_conn.execute("select state, answer from outbox").fetchone() == (
        "failed", f"{FACILITATOR}: 550 5.1.1 no such user")


@pytest.mark.parametrize("password, outcome, answer", [
    ("una segreta", {"sent": 1, "retry": 0, "failed": 0}, "250 OK queued as test"),
    ("sbagliata", {"sent": 0, "retry": 0, "failed": 1}, "535 5.7.8 Authentication credentials invalid"),
])
def test_the_smtp_url_logs_in_with_its_user(tmp_path, password, outcome, answer):
    from aiosmtpd.smtp import AuthResult

    seen = []

    def authenticator(server, session, envelope, mechanism, data):
        seen.append((data.login, data.password))
        return AuthResult(success=data.password == b"una segreta", handled=False)  # not handled: the server answers 535

    server = SmtpServer(free_port(), authenticator=authenticator, auth_require_tls=False)
    server.start()
    try:
        conn = state.connect(tmp_path / "desk.db")
        state.queue_now(conn, [mail.compose("accepted", FACILITATOR, "en", {
            "session_title": "S", "event_title": "E", "link": "http://desk.example/s/x", "desk": "http://desk.example"})])
        url = f"smtp://sportello%40example.org:{urllib.parse.quote(password)}@127.0.0.1:{server.port}"
        settings = mail.Settings(url, "sportello@example.org", (), "http://desk.example")
        assert mail.deliver_due(conn, settings) == outcome
        assert seen == [(b"sportello@example.org", password.encode())]
        assert conn.execute("select answer from outbox").fetchone() == (answer,)
        assert [m["Subject"] for m in server.messages] == (["Notes accepted: 'S'"] if outcome["sent"] else [])
    finally:
        server.stop()


def test_without_smtp_nothing_is_queued_and_the_links_are_shown(tmp_path, monkeypatch):
    for name in ("OUTCOMES_SMTP_URL", "OUTCOMES_DESK_URL", "OUTCOMES_DESK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    notes = write_library(tmp_path, session=None, event_id=EVENT_ID)
    ds = make_datasette(notes, tmp_path / "data", tmp_path / "build")
    conn = state.connect(tmp_path / "data" / state.DATABASE)
    state.set_user(conn, OFFICE_USER, OFFICE_PASSWORD)
    office = _office(ds)
    page = _invite(office)
    assert "copialo e invialo a chi facilita" in page
    link = re.search(r'id="invite-link" class="form-control copy" readonly value="([^"]+)"', page).group(1)
    assert link.startswith("http://localhost/s/")
    assert conn.execute("select count(*) from outbox").fetchone()[0] == 0
    listed = office.get("/office").text
    assert "La posta non è configurata" in listed and f'value="{link}"' in listed


def test_resend_extend_revoke_from_the_row(desk, smtp):
    office = _office(desk)
    _invite(office)
    invite_id = desk.test_conn.execute("select id from invites").fetchone()[0]
    before = state.invite(desk.test_conn, invite_id).expires
    assert office.post(f"/office/invite/{invite_id}/resend", [], token_from="/office").status_code == 302
    assert "Invito inviato di nuovo a facilitatrice@example.org." in office.get(
        f"/office?fatto=resend&invito={invite_id}").text
    office.post(f"/office/invite/{invite_id}/extend", [], token_from="/office")
    assert state.invite(desk.test_conn, invite_id).expires > before
    office.post(f"/office/invite/{invite_id}/revoke", [], token_from="/office")
    assert state.invite(desk.test_conn, invite_id).revoked is not None
    assert _deliver(desk)["sent"] == 2
    assert [m["Subject"] for m in smtp.messages] == [f"Scheda della sessione «Diaspore e sviluppo» ({EVENT_TITLE})"] * 2
    assert link_in(smtp.messages[0]) == link_in(smtp.messages[1])


def test_wrong_invitations_are_refused_with_reasons(desk):
    office = _office(desk)
    response = office.post("/office/invite", [("event", "nessuno"), ("session", ""), ("new_session", "Bad Id"),
                                              ("email", "not-an-address"), ("days", "0"), ("lang", "it")])
    assert response.status_code == 422
    errors = re.findall(r"<li>(.*?)</li>", response.text.split('class="error"')[1].split("</div>")[0])
    assert errors == ["Scegli un evento tra quelli in notes/.",
                      "Id della sessione non valido: «Bad Id» (minuscole, cifre e trattini).",
                      "Indirizzo e-mail non valido: «not-an-address».", "La validità va da 1 a 366 giorni."]
    assert desk.test_conn.execute("select count(*) from invites").fetchone()[0] == 0


def test_a_reminder_after_the_session_once_and_a_monthly_digest(desk, smtp):
    import datetime as dt

    office = _office(desk)
    _invite(office)
    _deliver(desk)
    ds, conn = desk.test_desk, desk.test_conn
    invite = state.invite(conn, 1)
    created = dt.date.fromisoformat(invite.created[:10])
    assert notices.reminders(conn, desk, ds, created + dt.timedelta(days=6)) == []
    due = notices.reminders(conn, desk, ds, created + dt.timedelta(days=7))
    assert [(m.kind, m.recipient, m.key) for m in due] == [("reminder", FACILITATOR, f"reminder:{invite.id}")]
    assert state.queue_now(conn, due) == 1 and state.queue_now(conn, due) == 0  # once per link
    assert "si è svolta 7 giorni fa" in due[0].text
    # The digest: open commitments past their due date or a year without news.
    (desk.test_notes / EVENT_ID / "sportello.yaml").write_text(SESSION_YAML + COMMITMENTS, "utf-8")
    (desk.test_notes / EVENT_ID / "followup.yaml").write_text(FOLLOWUP, "utf-8")
    assert notices.digest(ds, dt.date(2020, 3, 1)) == []
    digest = notices.digest(ds, dt.date(2021, 3, 1))
    assert [(m.kind, m.recipient, m.key) for m in digest] == [
        ("digest", address, f"digest:2021-03:{address}") for address in OFFICE]
    assert digest[0].subject == "Impegni da seguire: 2"
    assert digest[0].text.split("\n\n")[1] == (
        f"- {EVENT_ID}/sportello/sportello: «Uno sportello» (Regione Piemonte), scadenza 2020-06-30,"
        " ultimo aggiornamento 2020-02-10\n"
        f"- {EVENT_ID}/sportello/rete: «Una rete» (Comune di Torino), scadenza 2022-12-31, ultimo aggiornamento mai")


COMMITMENTS = """\
  - id: sportello
    type: commitment
    title: Uno sportello
    text: Aperto dalla Regione.
    owner: Regione Piemonte
    due: 2020-06-30
    status: agreed
  - id: rete
    type: commitment
    title: Una rete
    text: Dei comuni.
    owner: Comune di Torino
    due: 2022-12-31
  - id: fatto
    type: commitment
    title: Già fatto
    text: Concluso.
    owner: Regione Piemonte
    due: 2020-01-31
    status: done
"""
FOLLOWUP = """\
- commitment: sportello/sportello
  date: 2020-02-10
  status: in_progress
  text: Avviato.
"""


def test_an_older_desk_db_gets_the_new_tables_and_keeps_its_links(tmp_path):
    path = tmp_path / "desk.db"
    old = sqlite3.connect(path)
    old.executescript("create table invites (id integer primary key, event text not null, session text not null,"
                      " created text not null, expires text not null, revoked text);"
                      "insert into invites values (1, 'e', 's', '2026-01-01T00:00:00+00:00', '2099-01-01T00:00:00+00:00', null);")
    old.close()
    conn = state.connect(path)
    assert state.invite(conn, 1) == state.Invite(1, "e", "s", "2026-01-01T00:00:00+00:00", "2099-01-01T00:00:00+00:00", None)
    assert conn.execute("select count(*) from outbox").fetchone() == (0,)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_the_invitation_and_the_form_lead_to_the_desks_privacy_notice(desk, smtp):
    """GDPR art. 13: the facilitator is told, before giving anything, what the
    desk keeps, why, for how long, who sees it, and whom to ask; from the
    office's legal settings (metadata.yaml), in the mail's and the page's language."""
    from outcomes.publisher import legal

    settings = legal()
    _invite(_office(desk))
    _deliver(desk)
    invitation = body(smtp.wait_for(1)[0])
    assert invitation.split("\n\n")[-2] == (
        "Che cosa lo sportello conserva di te, perché e per quanto tempo (informativa privacy):\nhttp://desk.example/privacy")
    facilitator = Client(desk)
    form = facilitator.get(urllib.parse.urlparse(link_in(smtp.messages[0])).path).text
    assert '<a href="/privacy">Informativa privacy</a>' in form  # beside the form's title
    assert '<a href="/privacy" data-element="privacy-policy-link">Informativa privacy</a>' in form  # the footer
    assert f'<a href="{settings["accessibility_statement_url"]}" data-element="accessibility-link">' in form
    for lang, heading, retention in (
            ("it", "Per quanto tempo", f"sono conservati per {settings['desk_retention_months']} mesi al massimo"),
            ("en", "For how long", f"are kept for at most {settings['desk_retention_months']} months")):
        page = facilitator.get(f"/privacy?lang={lang}")
        assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
        notice = _text(page.text.split("<main", 1)[1].split("</main>")[0])
        controller = settings["controller"]
        for expected in (heading, retention, controller["name"], controller["address"], controller["email"],
                         controller["pec"], settings["dpo_email"], "desk_lang", "ds_csrftoken"):
            assert expected in notice, (lang, expected)
