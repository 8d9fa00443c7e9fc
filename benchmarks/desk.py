#!/usr/bin/env python
"""How long a facilitator waits when saving a 30-outcome note on the desk.

    python benchmarks/desk.py [--saves 200] [--port 8114]

Serves the desk (``outcomes desk serve``, a real uvicorn process on a local
port, its desk.db in a temporary folder) and, as one browser would, posts a
session note with 30 outcomes (every field filled, SDG targets, countries,
actors, themes) ``--saves`` times in a row, one outcome's text changed
before each save, as typing does: each save is validated by the loader and
appended as a revision in one SQLite transaction, and the form comes back. Prints the
median, p95 and maximum of each save, of the as-you-type check (the same
form, validated but not saved) and, for comparison, of the loader alone
checking the same note in-process (``outcomes check`` on one file without
starting Python): the ratio says what the web round trip and the database
add. The target is p95 < 300 ms for a save.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from helpers import EVENT_YAML  # noqa: E402

from outcomes import load  # noqa: E402
from outcomes.desk import fields  # noqa: E402

TARGETS = ["10.7", "17.17", "8.8", "4.4", "16.7", "5.5"]
COUNTRIES = ["SN", "MA", "AL", "RO", "NG", "PE"]
ACTORS = ["local_authority", "ngo", "diaspora_association", "university", "trade_union"]
THEMES = ["diaspora", "remittances"]


def form(outcomes: int = 30) -> list[tuple[str, str]]:
    pairs = [("title", "Sessione di prova con molti esiti"), ("kind", "workshop"), ("date", "2019-10-15"),
             ("start", "09:30"), ("end", "12:30"), ("room", "Sala Londra"),
             ("facilitators.0.organisation", "Regione Piemonte"), ("facilitators.0.role", "facilitatrice"),
             ("participants.0.actor", "ngo"), ("participants.0.count", "14"),
             ("participants.1.actor", "local_authority"), ("participants.1.count", "9"),
             ("summary", "Una sintesi della sessione.\n\n" + "Il gruppo ha discusso a lungo. " * 40)]
    for n in range(outcomes):
        commitment = n % 5 == 0
        pairs += [(f"outcomes.{n}.id", ""), (f"outcomes.{n}.type", "commitment" if commitment else "recommendation"),
                  (f"outcomes.{n}.title", f"Esito numero {n + 1} della sessione di prova"),
                  (f"outcomes.{n}.text", "Un paragrafo che spiega l'esito. " * 25),
                  (f"outcomes.{n}.sdg_targets", ", ".join(TARGETS[n % 3: n % 3 + 3])),
                  (f"outcomes.{n}.countries", ", ".join(COUNTRIES[n % 4: n % 4 + 2])),
                  (f"outcomes.{n}.actors", ", ".join(ACTORS[n % 3: n % 3 + 2])),
                  (f"outcomes.{n}.themes", ", ".join(THEMES)),
                  (f"outcomes.{n}.keywords", "co-sviluppo, filiere")]
        if commitment:
            pairs += [(f"outcomes.{n}.owner", "Regione Piemonte"), (f"outcomes.{n}.due", "2020-06-30"),
                      (f"outcomes.{n}.status", "agreed")]
    return pairs


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def row(name: str, times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return f"| {name} | {len(ms)} | {statistics.median(ms):.1f} | {percentile(ms, 0.95):.1f} | {max(ms):.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--port", type=int, default=8114)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "notes" / "convegno").mkdir(parents=True)
        (root / "notes" / "convegno" / "event.yaml").write_text(EVENT_YAML, "utf-8")
        subprocess.run([sys.executable, "-m", "outcomes.cli", "desk", "invite", "convegno", "lab", "--notes",
                        str(root / "notes"), "--data", str(root / "data")], check=True, capture_output=True)
        link = subprocess.run([sys.executable, "-m", "outcomes.cli", "desk", "invite", "convegno", "lab", "--notes",
                               str(root / "notes"), "--data", str(root / "data"), "--base-url",
                               f"http://127.0.0.1:{args.port}"], check=True, capture_output=True, text=True
                              ).stdout.splitlines()[-1]
        server = subprocess.Popen([sys.executable, "-m", "outcomes.cli", "desk", "serve", "--notes", str(root / "notes"),
                                   "--data", str(root / "data"), "--port", str(args.port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            client = httpx.Client(timeout=30)
            for _ in range(100):
                try:
                    page = client.get(link)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
            pairs = form()
            headers = {"content-type": "application/x-www-form-urlencoded"}

            def post(action: str, base: int) -> float:
                # Between two saves the facilitator changed one outcome's text (a different one each time).
                edited = [(k, f"{v} Modifica {base}." if k == f"outcomes.{base % 30}.text" else v) for k, v in pairs]
                body = urllib.parse.urlencode([("csrftoken", token), *edited, ("base", str(base)), ("action", action)])
                start = time.perf_counter()
                response = client.post(link, content=body, headers=headers)
                elapsed = time.perf_counter() - start
                assert response.status_code == 200, (response.status_code, response.text[:500])
                return elapsed

            base = 0
            for _ in range(10):  # warm-up: imports, caches, SQLite pages
                post("save", base)
                base += 1
            saves = []
            for _ in range(args.saves):
                saves.append(post("save", base))
                base += 1
            checks = []
            for number in range(args.saves):
                checks.append(post("check", base + number))  # a new edit each time, nothing saved
        finally:
            server.terminate()
            server.wait(timeout=10)
        data = fields.form_to_data(pairs)
        text = fields.note_text(data).encode("utf-8")
        event = load.load_event(root / "notes" / "convegno", load.Problems())
        loader = []
        for _ in range(args.saves):
            problems = load.Problems()
            start = time.perf_counter()
            note = load.load_session(root / "notes" / "convegno" / "lab.yaml", event, problems, text)
            loader.append(time.perf_counter() - start)
            assert note is not None and len(note.session.outcomes) == 30, [p.format() for p in problems]
    print(f"A 30-outcome note ({len(text) / 1024:.0f} kB of YAML), {args.saves} times each, times in ms:\n")
    print("| what | runs | median | p95 | max |")
    print("|---|---|---|---|---|")
    print(row("save a draft (HTTP POST, validate, append a revision, page back)", saves))
    print(row("check as you type (HTTP POST, validate, JSON back)", checks))
    print(row("the loader alone, in-process", loader))
    p95 = percentile(saves, 0.95) * 1000
    print(f"\nsave p95 / loader p95: {p95 / (percentile(loader, 0.95) * 1000):.1f}x; "
          f"target p95 < 300 ms: {'met' if p95 < 300 else 'NOT met'} ({p95:.0f} ms)")


if __name__ == "__main__":
    main()
