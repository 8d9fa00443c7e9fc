"""The outbox's sender inside ``outcomes desk serve`` (a subprocess), with a
real SMTP server: a server that is down while three things happen gets
exactly three mails once it is back; ``outcomes desk invite --email`` mails
the link it prints."""

from __future__ import annotations

import sqlite3
import time
import urllib.parse

import pytest

from desk_helpers import EVENT_ID, OFFICE_PASSWORD, OFFICE_USER, desk_server, invite
from helpers import free_port
from mail_helpers import HttpClient, body, link_in, smtp_for_desk
from test_desk import VALID_FORM

SESSION = "laboratorio-b"
FACILITATOR = "facilitatrice@example.org"


@pytest.fixture
def smtp(monkeypatch):
    with smtp_for_desk(monkeypatch, OUTCOMES_MAIL_RETRY_SECONDS="1") as server:
        yield server


def _states(data) -> list[tuple]:
    with sqlite3.connect(data / "desk.db") as conn:
        return conn.execute("select kind, recipient, state from outbox order by id").fetchall()


def test_three_changes_while_the_mail_server_is_down_make_three_mails_once(smtp, tmp_path):
    with desk_server(tmp_path, free_port()) as desk:
        office = HttpClient(desk.url)
        office.login(OFFICE_USER, OFFICE_PASSWORD)
        smtp.stop()
        # 1: an invitation from the office's page
        office.post("/office/invite", [("event", EVENT_ID), ("session", ""), ("new_session", SESSION),
                                       ("new_title", "Diaspore"), ("email", FACILITATOR), ("days", "30"),
                                       ("lang", "it")])
        link = _link(desk.data)
        facilitator = HttpClient(desk.url)
        # 2: a submission (to the office)
        assert facilitator.post(link, [*VALID_FORM, ("base", "0"), ("action", "submit")]).status_code == 200
        # 3: a return with a comment (to the facilitator)
        office.post(f"/office/{EVENT_ID}/{SESSION}", [("action", "return"), ("comment", "Manca la sala."),
                                                      ("base", "1")])
        waiting = _tried_and_waiting(desk.data)  # the sender tries, and finds nobody
        assert [row[:2] for row in waiting] == [("invite", FACILITATOR), ("submitted", "ufficio@example.org"),
                                                ("returned", FACILITATOR)]
        assert {row[2] for row in waiting} == {"queued"}
        assert smtp.messages == []
        smtp.start()
        received = smtp.wait_for(3, timeout=40)
        time.sleep(3)  # and nothing more comes
        assert len(smtp.messages) == 3
        assert sorted(m["Message-ID"] for m in received) == sorted({m["Message-ID"] for m in received})
        assert sorted(m["To"] for m in received) == sorted([FACILITATOR, "ufficio@example.org", FACILITATOR])
        assert [row[2] for row in _states(desk.data)] == ["sent"] * 3
        returned = next(m for m in received if "rivedere" in m["Subject"])
        assert "Manca la sala." in body(returned)


def _tried_and_waiting(data, timeout: float = 20) -> list[tuple]:
    """The outbox once the sender has tried and put every mail back: caught
    between an attempt's start and end, a row is briefly ``sending``."""
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(data / "desk.db") as conn:
            tried = conn.execute("select count(*) from outbox where attempts > 0").fetchone()[0]
        rows = _states(data)
        if (tried and {row[2] for row in rows} == {"queued"}) or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def _link(data) -> str:
    """The path of the only link of the desk, signed as the desk does (the invitation's mail has not come yet)."""
    from outcomes.desk import state
    from outcomes.desk.facilitator import signed_link

    with sqlite3.connect(data / "desk.db") as raw:
        invite_id = raw.execute("select max(id) from invites").fetchone()[0]
    conn = state.connect(data / state.DATABASE)
    try:
        return urllib.parse.urlparse(signed_link(data, state.invite(conn, invite_id), "http://x")).path
    finally:
        conn.close()


def test_invite_on_the_command_line_mails_the_link_it_prints(smtp, tmp_path):
    with desk_server(tmp_path, free_port()) as desk:
        printed = invite(desk, SESSION, "--email", FACILITATOR)
        mails = smtp.wait_for(1)
        time.sleep(1)
        assert len(smtp.messages) == 1
        assert mails[0]["To"] == FACILITATOR
        assert link_in(mails[0]) == printed
        assert HttpClient(desk.url).get(urllib.parse.urlparse(printed).path).status_code == 200
        assert _states(desk.data) == [("invite", FACILITATOR, "sent")]
