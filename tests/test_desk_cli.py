"""``outcomes desk invite | revoke | user``: what the office types."""

from __future__ import annotations

import asyncio
import re
import urllib.parse

from desk_helpers import EVENT_ID
from helpers import write_library
from outcomes.desk.app import make_datasette


def _status(notes, data, link: str) -> int:
    ds = make_datasette(notes, data)
    return asyncio.new_event_loop().run_until_complete(ds.client.get(urllib.parse.urlparse(link).path)).status_code


def test_invite_prints_a_link_last_and_revoke_cancels_it(run, tmp_path, monkeypatch):
    monkeypatch.delenv("OUTCOMES_DESK_SECRET", raising=False)
    notes, data = write_library(tmp_path, session=None, event_id=EVENT_ID), tmp_path / "data"
    result = run("desk", "invite", EVENT_ID, "laboratorio", "--notes", notes, "--data", data, "--days", "7",
                 "--base-url", "https://schede.example.org/")
    assert result.exit_code == 0
    first, link = result.output.splitlines()
    assert re.fullmatch(
        r"Link personale per «convegno-2019/laboratorio», valido fino al \d{4}-\d\d-\d\d \d\d:\d\d UTC "
        r"\(revoca: outcomes desk revoke convegno-2019 laboratorio\):", first)
    assert re.fullmatch(r"https://schede\.example\.org/s/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+", link)
    assert _status(notes, data, link) == 200
    revoked = run("desk", "revoke", EVENT_ID, "laboratorio", "--data", data)
    assert (revoked.exit_code, revoked.output) == (0, "Link revocati: 1.\n")
    assert _status(notes, data, link) == 403


def test_invite_refuses_an_unknown_event_or_a_bad_id(run, tmp_path):
    notes = write_library(tmp_path, session=None, event_id=EVENT_ID)
    missing = run("desk", "invite", "altro-evento", "laboratorio", "--notes", notes, "--data", tmp_path / "data")
    assert missing.exit_code == 1
    assert missing.stderr == (f"l'evento «altro-evento» non ha ancora {notes / 'altro-evento' / 'event.yaml'}: "
                              "crealo prima di invitare (outcomes new altro-evento SESSIONE)\n")
    bad = run("desk", "invite", EVENT_ID, "Laboratorio 1", "--notes", notes, "--data", tmp_path / "data")
    assert bad.exit_code == 1 and "«laboratorio-1»" in bad.stderr
    reserved = run("desk", "invite", EVENT_ID, "followup", "--notes", notes, "--data", tmp_path / "data")
    assert (reserved.exit_code, reserved.stderr) == (
        1, "«followup» è il nome di un file riservato della cartella dell'evento (event, registrations, followup):"
           " scegli un altro identificativo per una sessione\n")


def test_the_secret_can_come_from_the_environment(run, tmp_path, monkeypatch):
    monkeypatch.setenv("OUTCOMES_DESK_SECRET", "un-segreto-dal-gestore-dei-segreti")
    notes, data = write_library(tmp_path, session=None, event_id=EVENT_ID), tmp_path / "data"
    link = run("desk", "invite", EVENT_ID, "laboratorio", "--notes", notes, "--data", data).output.splitlines()[-1]
    assert not (data / "secret").exists()
    assert _status(notes, data, link) == 200
    monkeypatch.setenv("OUTCOMES_DESK_SECRET", "un-altro-segreto")
    assert _status(notes, data, link) == 403


def test_office_accounts_need_a_long_password(run, tmp_path):
    short = run("desk", "user", "ufficio", "--data", tmp_path, "--password", "corta")
    assert (short.exit_code, short.stderr) == (1, "la password deve avere almeno 10 caratteri\n")
    saved = run("desk", "user", "ufficio", "--data", tmp_path, "--password", "abbastanza-lunga")
    assert (saved.exit_code, saved.output) == (0, "Utente «ufficio» salvato.\n")
