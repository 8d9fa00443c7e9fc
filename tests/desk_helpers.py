"""A served desk for tests: ``outcomes desk serve`` in a subprocess."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from helpers import write_library

EVENT_ID = "convegno-2019"
OFFICE_USER, OFFICE_PASSWORD = "ufficio", "una-password-lunga"


class DeskServer:
    """``outcomes desk serve`` on ``port``; ``restart(kill=True)`` is a ``kill -9``."""

    def __init__(self, notes: Path, data: Path, out: Path, port: int):
        self.notes, self.data, self.out, self.port = notes, data, out, port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        # Another program on the port would answer in the desk's place (its
        # links "invalid"): say so rather than test the wrong server.
        with contextlib.closing(socket.socket()) as probe:
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                pytest.fail(f"port {self.port} is already in use by another program")
        env = {k: v for k, v in os.environ.items() if k != "OUTCOMES_DESK_SECRET"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "outcomes.cli", "desk", "serve", "--notes", str(self.notes), "--data", str(self.data),
             "--out", str(self.out), "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
        )
        for _ in range(150):
            try:
                urllib.request.urlopen(self.url + "/desk-static/desk.css", timeout=1)
                return
            except OSError:
                if self.process.poll() is not None:
                    pytest.fail(f"the desk exited: {self.process.stderr.read().decode()}")
                time.sleep(0.1)
        pytest.fail("the desk did not start")

    def stop(self, kill: bool = False) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill() if kill else self.process.terminate()
            self.process.wait(timeout=10)

    def restart(self, kill: bool = False) -> None:
        self.stop(kill)
        self.start()


@contextlib.contextmanager
def desk_server(root: Path, port: int):
    """A notes folder with one event and no session, an office account, the desk served."""
    from click.testing import CliRunner

    from outcomes.cli import cli

    notes = write_library(root, session=None, event_id=EVENT_ID)
    data, out = root / "desk-data", root / "build"
    result = CliRunner().invoke(cli, ["desk", "user", OFFICE_USER, "--data", str(data), "--password", OFFICE_PASSWORD])
    assert result.exit_code == 0, result.output
    server = DeskServer(notes, data, out, port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def invite(server: DeskServer, session: str, *extra: str) -> str:
    """``outcomes desk invite``: the link, its output's last line."""
    from click.testing import CliRunner

    from outcomes.cli import cli

    result = CliRunner().invoke(cli, ["desk", "invite", EVENT_ID, session, "--notes", str(server.notes), "--data",
                                      str(server.data), "--base-url", server.url, *extra])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()[-1]
