"""``outcomes serve`` as the office runs it: a real process on a local port,
real builds published under it, real signals."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

import httpx
import pytest

from desk_helpers import OFFICE_PASSWORD, OFFICE_USER
from live_helpers import (
    OUTCOMES_JSON, Server, library, listening, publish, summary, under_load, version_of, version_note,
)


def _seen_within(url: str, version: int, seconds: float) -> float:
    """How long until the site answers with ``version`` (fails past ``seconds``)."""
    began = time.monotonic()
    while True:
        found = version_of(httpx.get(url + OUTCOMES_JSON, timeout=10))
        if found == version:
            return time.monotonic() - began
        assert time.monotonic() - began < seconds, f"still version {found} after {seconds} s"
        time.sleep(0.05)


def test_twenty_readers_while_the_office_publishes_ten_times(tmp_path):
    load = under_load(tmp_path, readers=20, publications=10)
    print(summary(load))
    assert (load.failed, load.inconsistent, load.went_back) == ([], [], [])
    assert len(load.visible_after) == 10 and max(load.visible_after) < 2.0, load.visible_after
    assert load.requests > 200
    assert list((tmp_path / "build" / ".live").iterdir()) == []  # each snapshot removed with its Datasette


def test_a_build_that_cannot_be_served_leaves_the_previous_one(tmp_path):
    notes, out = library(tmp_path), tmp_path / "build"
    publish(notes, out, 1)
    with Server(out, tmp_path / "serve.log") as server:
        (notes / "convegno-2019" / "laboratorio.yaml").write_text(version_note(2) + "  - id: [rotto\n", "utf-8")
        from outcomes.build import build

        assert not build(notes, out).ok  # an invalid note: nothing published
        broken = out / "not-a-database"
        broken.write_bytes(b"garbage " * 1000)
        os.replace(broken, out / "outcomes.db")  # someone copies a broken file in by hand
        time.sleep(1.5)
        assert version_of(httpx.get(server.url + OUTCOMES_JSON)) == 1
        assert "la nuova pubblicazione non si può servire (DatabaseError: file is not a database): resta quella di prima" \
            in server.log.read_text()
        publish(notes, out, 3)  # the next good build is served
        _seen_within(server.url, 3, 2.0)
    assert list((out / ".live").iterdir()) == []


@pytest.mark.parametrize("sig, status", [(signal.SIGTERM, -signal.SIGTERM), (signal.SIGINT, 130)])
def test_a_signal_stops_the_one_process_and_frees_the_port(tmp_path, sig, status):
    notes, out = library(tmp_path), tmp_path / "build"
    publish(notes, out, 1)
    server = Server(out, tmp_path / "serve.log").start()
    children = subprocess.run(["ps", "--ppid", str(server.process.pid), "-o", "pid="], capture_output=True, text=True)
    assert children.stdout.split() == []  # no Datasette child to outlive it
    assert server.stop(sig) == status
    assert not listening(server.port)
    assert not any((out / ".live").iterdir())
    assert server.log.read_text().splitlines()[0] == (
        f"Sito su {server.url}/ (da {out}; ogni nuova pubblicazione è servita da sé)")


def test_a_port_in_use_is_said_in_one_line(tmp_path):
    notes, out = library(tmp_path), tmp_path / "build"
    publish(notes, out, 1)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "outcomes.cli", "serve", "--out", str(out), "--port", str(port)],
                                capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (f"127.0.0.1:{port} è già in uso da un altro programma: scegli un'altra porta con --port\n")


def test_accept_and_publish_on_the_desk_reach_the_running_site(tmp_path, monkeypatch):
    """The office's path, no shell command: a facilitator submits, the office
    accepts and presses Pubblica, and the running site shows the outcome."""
    from test_desk import VALID_FORM, Client

    from outcomes.desk import state
    from outcomes.desk.app import make_datasette
    from outcomes.desk.facilitator import invite_link

    monkeypatch.delenv("OUTCOMES_DESK_SECRET", raising=False)
    notes, out = library(tmp_path), tmp_path / "build"
    publish(notes, out, 1)
    desk = make_datasette(notes, tmp_path / "data", out)
    conn = state.connect(tmp_path / "data" / state.DATABASE)
    state.set_user(conn, OFFICE_USER, OFFICE_PASSWORD)
    invite = state.add_invite(conn, "convegno-2019", "laboratorio-b", 30)
    link = urllib.parse.urlparse(invite_link(desk, invite, "http://desk.example")).path
    with Server(out, tmp_path / "serve.log") as server:
        facilitator, office = Client(desk), Client(desk)
        facilitator.post(link, [*VALID_FORM, ("base", "0"), ("action", "submit")])
        assert office.post("/office/login", [("username", OFFICE_USER), ("password", OFFICE_PASSWORD)]).status_code == 302
        review = "/office/convegno-2019/laboratorio-b"
        assert office.post(review, [("action", "accept"), ("base", "1")], token_from=review).status_code == 200
        published = office.post("/office/publish", [], token_from="/office")
        assert published.status_code == 200 and "Pubblicato in" in published.text
        began = time.monotonic()
        while "Coinvolgere le diaspore" not in httpx.get(server.url + "/outcomes/outcomes.json?_col=title").text:
            assert time.monotonic() - began < 2.0, server.log.read_text()
            time.sleep(0.05)


def _follows_two_builds(tmp_path, arguments: list[str], env: dict[str, str]) -> str:
    """Run a server (``python ARGUMENTS --port N``) on a build, publish
    another, see each within 2 s, stop it with SIGTERM: its output."""
    from helpers import free_port

    notes, out = library(tmp_path), tmp_path / "build"
    publish(notes, out, 1)
    port = free_port()
    with open(tmp_path / "server.log", "wb") as log:
        process = subprocess.Popen([sys.executable, *arguments, "--port", str(port)], env={**os.environ, **env},
                                   stdout=log, stderr=log)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait(url, process)
        _seen_within(url, 1, 2.0)
        publish(notes, out, 2)
        _seen_within(url, 2, 2.0)
        assert len(list((out / ".live").iterdir())) == 1
    finally:
        process.terminate()
        process.wait(timeout=40)
    assert not listening(port)
    assert list((out / ".live").iterdir()) == []
    return (tmp_path / "server.log").read_text()


def _wait(url: str, process: subprocess.Popen) -> None:
    for _ in range(600):
        assert process.poll() is None, "the server exited"
        try:
            httpx.get(url + "/", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def test_the_front_under_an_asgi_server_of_ones_own(tmp_path):
    """uvicorn --factory outcomes.live:application serves each new build too."""
    said = _follows_two_builds(tmp_path, ["-m", "uvicorn", "--factory", "outcomes.live:application"],
                               {"OUTCOMES_BUILD": str(tmp_path / "build"), "OUTCOMES_LANG": "en"})
    assert " build served: " in said


def test_datasette_serve_follows_each_build_with_outcomes_live(tmp_path):
    """OUTCOMES_LIVE=1 datasette serve build/: Datasette's own command, with
    this package's plugin (its entry point, declared in pyproject.toml,
    registered here as an installation registers it)."""
    import tomllib

    from conftest import ROOT

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["datasette"]
    assert declared == {"outcomes_live": "outcomes.live"}
    script = ("from datasette.plugins import pm\nimport outcomes.live as live\n"
              "pm.is_registered(live) or pm.register(live, 'outcomes_live')\n"
              "from datasette.cli import cli\ncli()\n")
    said = _follows_two_builds(tmp_path, ["-c", script, "serve", str(tmp_path / "build")], {"OUTCOMES_LIVE": "1"})
    assert "pubblicazione servita" in said


def test_a_killed_server_leaves_snapshots_the_next_one_removes(tmp_path):
    from outcomes import build, live

    assert live.MARKERS[:2] == (build.STATE_FILE, build.DATABASE)  # what the build replaces, last the state
    notes, out = library(tmp_path), tmp_path / "build"
    publish(notes, out, 1)
    killed = Server(out, tmp_path / "serve.log").start()
    assert killed.stop(signal.SIGKILL) == -signal.SIGKILL
    assert [p.name for p in (out / ".live").iterdir()] == [str(killed.process.pid)]
    with Server(out, tmp_path / "serve.log") as again:
        assert [p.name for p in (out / ".live").iterdir()] == [str(again.process.pid)]
        assert version_of(httpx.get(again.url + OUTCOMES_JSON)) == 1


def test_started_during_a_build_it_serves_once_the_build_is_published(tmp_path):
    from outcomes.build import locked

    notes, out = library(tmp_path), tmp_path / "build"
    publish(notes, out, 1)
    server = Server(out, tmp_path / "serve.log")
    with locked(out):  # a build holds the folder while the server starts
        with open(server.log, "ab") as log:
            server.process = subprocess.Popen(
                [sys.executable, "-m", "outcomes.cli", "serve", "--out", str(out), "--port", str(server.port)],
                stdout=log, stderr=log)
        time.sleep(3)
        assert server.process.poll() is None and not (out / ".live" / str(server.process.pid)).exists()
    try:
        _wait(server.url, server.process)
        assert version_of(httpx.get(server.url + OUTCOMES_JSON)) == 1
    finally:
        assert server.stop() == -signal.SIGTERM
