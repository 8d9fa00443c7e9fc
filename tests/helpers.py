"""Small helpers for writing real note files in tests."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

EVENT_YAML = """\
title: Sguardi e prospettive della cooperazione decentrata
start_date: 2019-10-15
venue:
  name: Centro Congressi
  city: Torino
organisers:
  - name: Regione Piemonte
description: |
  Un convegno di prova.
"""

SESSION_YAML = """\
title: Migrazione e Cooperazione Internazionale
kind: workshop
date: 2019-10-15
start: "14:30"
end: "17:00"
facilitators:
  - name: Nome riservato T1
    organisation: Regione Piemonte
    role: facilitatrice
participants:
  local_authority: 12
  diaspora_association: 5
summary: |
  Le **città** e le associazioni dei migranti.
outcomes:
  - id: diaspore-coprogettazione
    type: recommendation
    title: Coinvolgere le diaspore nella progettazione
    text: |
      Le associazioni della diaspora partecipano fin dall'inizio.
    sdg_targets: ["10.7", "17.17"]
    gcm_objectives: [19, 23]
    countries: [SN, MA]
    actors: [diaspora_association, local_authority]
    themes: [diaspora, remittances]
    keywords: [co-sviluppo]
"""


# Markup in every text field: it must stay text everywhere it is shown.
SCRIPT = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'

HOSTILE_SESSION = f"""\
title: '{SCRIPT} Titolo'
kind: workshop
date: 2019-10-15
start: "14:30"
end: "17:00"
room: '{SCRIPT}'
facilitators:
  - organisation: '{SCRIPT} Organizzazione'
    role: '{SCRIPT} ruolo'
participants:
  ngo: 3
summary: |
  {SCRIPT}
  [link](javascript:alert(1)) e <iframe src="https://example.org"></iframe>
  ![un pixel](https://tracker.example/sintesi.png) e ![][ref]

  [ref]: http://tracker.example/riferimento.gif
quotes:
  - text: '{SCRIPT} citazione'
    actor: ngo
outcomes:
  - id: ostile
    type: commitment
    title: '{SCRIPT} esito'
    text: |
      {SCRIPT}
      <a href="javascript:alert(1)">clic</a>
      ![foto](https://tracker.example/esito.png)
    keywords: ['{SCRIPT}']
    owner: '{SCRIPT} ente'
    due: 2020-01-31
"""


def hostile_library(root: Path) -> Path:
    """The example notes plus a note with markup in every text field."""
    import shutil

    from conftest import EXAMPLE_EVENT, EXAMPLE_NOTES

    notes = root / "notes"
    shutil.copytree(EXAMPLE_NOTES, notes)
    (notes / EXAMPLE_EVENT / "ostile.yaml").write_text(HOSTILE_SESSION, "utf-8")
    return notes


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def write_library(root: Path, session: str = SESSION_YAML, event: str = EVENT_YAML,
                  event_id: str = "convegno-2019", session_id: str = "laboratorio") -> Path:
    """``root/notes/<event_id>/{event.yaml,<session_id>.yaml}``; returns the notes folder."""
    notes = root / "notes"
    folder = notes / event_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "event.yaml").write_text(event, "utf-8")
    if session is not None:
        (folder / f"{session_id}.yaml").write_text(session, "utf-8")
    return notes


# --- Serving a build and driving a browser ---------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(folder: Path, port: int | None = None):
    """`datasette FOLDER` (a build's output folder) on ``port`` (default a
    free local one); yields its base URL and stops it afterwards."""
    import pytest

    import os

    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", str(folder), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "OUTCOMES_PUBLIC_URL": url + "/"},  # a local preview, as `outcomes serve` runs it
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/robots.txt", timeout=1)
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"datasette exited: {process.stderr.read().decode()}")
                time.sleep(0.1)
        else:
            pytest.fail("datasette did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def chromium_browser(chromium: str):
    """Debian's chromium, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def chromium_page(chromium: str):
    """A page of Debian's chromium, driven by Playwright."""
    with chromium_browser(chromium) as browser:
        yield browser.new_page(viewport={"width": 1200, "height": 900}, locale="it-IT")


JSONLD_BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def jsonld_blocks(html: str) -> list:
    """The JSON-LD data blocks of a page, parsed, as a search engine reads them."""
    return [json.loads(block) for block in JSONLD_BLOCK.findall(html)]


def screenshot_folder(tmp_path_factory, name: str) -> Path:
    """Where a browser test saves its screenshots: ``docs/`` with
    OUTCOMES_DOCS_SCREENSHOTS=1 (to renew the README's pictures), else a
    temporary folder, so that a test run leaves the repository as it was."""
    if os.environ.get("OUTCOMES_DOCS_SCREENSHOTS") == "1":
        return Path(__file__).resolve().parent.parent / "docs"
    return tmp_path_factory.mktemp(name)
