"""Publishing elsewhere: ``outcomes build --deploy`` and the desk's Pubblica
run the command in $OUTCOMES_DEPLOY (a real shell) after a good build."""

from __future__ import annotations

import re
import sqlite3
import time

from desk_helpers import OFFICE_PASSWORD, OFFICE_USER
from live_helpers import library, publish

COPY = 'mkdir -p "$TARGET" && cp "$OUTCOMES_BUILD/outcomes.db" "$TARGET/" && echo "copiato in $TARGET"'


def _log(out) -> list[str]:
    return (out / ".deploy.log").read_text("utf-8").splitlines()


def test_build_deploy_runs_the_command_after_the_build_and_logs_it(tmp_path, run, monkeypatch):
    notes, out, target = library(tmp_path, 2), tmp_path / "build", tmp_path / "web"
    monkeypatch.setenv("OUTCOMES_DEPLOY", COPY)
    monkeypatch.setenv("TARGET", str(target))
    result = run("build", "--notes", str(notes), "--out", str(out), "--no-pdf", "--deploy")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Pubblicato in {out}: 1 evento, 1 sessione, 3 esiti."
    assert lines[1:3] == [f"Pubblicazione altrove: {COPY}", f"copiato in {target}"]
    assert lines[3].startswith("Pubblicato anche altrove in ") and lines[3].endswith(f" s ({COPY}).")
    titles = sqlite3.connect(target / "outcomes.db").execute("select title from outcomes order by id").fetchall()
    assert titles == [("Versione 2, esito 0",), ("Versione 2, esito 1",), ("Versione 2, esito 2",)]
    log = _log(out)
    assert re.fullmatch(r"== \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} " + re.escape(COPY) + r" \(\d+\.\d s\) ok", log[0])
    assert log[1:] == [f"copiato in {target}", ""]


def test_a_failing_deploy_is_reported_and_the_build_stays(tmp_path, run, monkeypatch):
    notes, out = library(tmp_path, 1), tmp_path / "build"
    monkeypatch.setenv("OUTCOMES_DEPLOY", "echo 'rsync: connection refused' >&2; exit 12")
    result = run("build", "--notes", str(notes), "--out", str(out), "--no-pdf", "--deploy")
    assert result.exit_code == 1
    assert result.output.splitlines()[-2:] == [
        "rsync: connection refused",
        f"La pubblicazione altrove non è riuscita (uscito con codice 12): la nuova versione è in {out},"
        " il sito remoto è rimasto com'era",
    ]
    assert (out / "outcomes.db").is_file()
    assert _log(out)[0].endswith("FAILED: uscito con codice 12") and _log(out)[1] == "rsync: connection refused"


def test_a_deploy_past_its_time_is_stopped_with_what_it_started(tmp_path, run, monkeypatch):
    notes, out = library(tmp_path, 1), tmp_path / "build"
    monkeypatch.setenv("OUTCOMES_DEPLOY", "echo inizio; sleep 60 & sleep 60; echo mai")
    monkeypatch.setenv("OUTCOMES_DEPLOY_TIMEOUT", "1")
    began = time.monotonic()
    result = run("build", "--notes", str(notes), "--out", str(out), "--no-pdf", "--deploy", "--lang", "en")
    assert time.monotonic() - began < 30
    assert result.exit_code == 1
    assert result.output.splitlines()[-2:] == [
        "inizio", f"The deploy failed (stopped after 1 s): the new build is in {out}, the remote site stays as it was"]


def test_no_deploy_command_is_said_before_building(tmp_path, run, monkeypatch):
    notes, out = library(tmp_path, 1), tmp_path / "build"
    monkeypatch.delenv("OUTCOMES_DEPLOY", raising=False)
    result = run("build", "--notes", str(notes), "--out", str(out), "--no-pdf", "--deploy", "--lang", "en")
    assert result.exit_code == 1
    assert result.output == ("no deploy command: set it in $OUTCOMES_DEPLOY (for example"
                             " \"rsync -a --delete --exclude '.*' build/ web:/srv/esiti/\")\n")
    assert not (out / "outcomes.db").exists()


def test_pubblica_on_the_desk_deploys_and_shows_the_output(tmp_path, monkeypatch):
    from test_desk import Client

    from outcomes.desk import state
    from outcomes.desk.app import make_datasette

    monkeypatch.delenv("OUTCOMES_DESK_SECRET", raising=False)
    notes, out = library(tmp_path, 1), tmp_path / "build"
    desk = make_datasette(notes, tmp_path / "data", out)
    state.set_user(state.connect(tmp_path / "data" / state.DATABASE), OFFICE_USER, OFFICE_PASSWORD)
    office = Client(desk)
    office.post("/office/login", [("username", OFFICE_USER), ("password", OFFICE_PASSWORD)])
    monkeypatch.setenv("OUTCOMES_DEPLOY", "echo 'sent 1,234 bytes'; exit 0")
    page = office.post("/office/publish", [], token_from="/office")
    assert page.status_code == 200
    assert "Pubblicato in" in page.text and "Pubblicato anche altrove in" in page.text
    assert '<pre class="output">sent 1,234 bytes\n</pre>' in page.text
    monkeypatch.setenv("OUTCOMES_DEPLOY", "echo 'Permission denied (publickey)'; exit 255")
    (notes / "convegno-2019" / "laboratorio.yaml").write_text(
        (notes / "convegno-2019" / "laboratorio.yaml").read_text().replace("Versione 1", "Versione 2"))
    page = office.post("/office/publish", [], token_from="/office")
    assert page.status_code == 502
    assert '<p class="error" role="status">Pubblicato in' in page.text
    assert "La pubblicazione altrove non è riuscita (uscito con codice 255)" in page.text
    assert '<pre class="output">Permission denied (publickey)\n</pre>' in page.text
    assert sqlite3.connect(out / "outcomes.db").execute("select title from sessions").fetchall() == [("Versione 2",)]
    publish(notes, out, 3)  # and the desk's builds are ordinary builds
