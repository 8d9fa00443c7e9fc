"""``outcomes serve`` as the office runs it, and readers on it while it
publishes: shared by tests/test_live.py and benchmarks/live.py."""

from __future__ import annotations

import contextlib
import io
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from helpers import EVENT_YAML, free_port, write_library

EVENT_ID = "convegno-2019"
SESSION_ID = "laboratorio"
OUTCOMES_JSON = "/outcomes/outcomes.json?_shape=objects&_size=max&_facet=type&_col=title&_sort=id"
PROCEEDINGS = f"/proceedings/{EVENT_ID}.docx"


def version_note(version: int) -> str:
    """A session whose title and outcomes say which publication they are of;
    publication ``version`` has ``version + 1`` outcomes."""
    outcomes = "".join(
        f"  - id: esito-{n}\n    type: {'finding' if n % 2 else 'recommendation'}\n"
        f"    title: Versione {version}, esito {n}\n    text: Un esito della versione {version}.\n"
        for n in range(version + 1)
    )
    return (f"title: Versione {version}\nkind: workshop\ndate: 2019-10-15\nstart: \"14:30\"\nend: \"17:00\"\n"
            f"facilitators:\n  - organisation: Regione Piemonte\n    role: facilitatrice\n"
            f"participants:\n  ngo: 3\nsummary: Sintesi della versione {version}.\noutcomes:\n{outcomes}")


def library(root: Path, version: int = 0) -> Path:
    return write_library(root, session=version_note(version), event=EVENT_YAML, event_id=EVENT_ID, session_id=SESSION_ID)


def publish(notes: Path, out: Path, version: int) -> None:
    """What the desk's Pubblica does after an accept: the note, then the build."""
    from outcomes.build import build

    (notes / EVENT_ID / f"{SESSION_ID}.yaml").write_text(version_note(version), "utf-8")
    result = build(notes, out)
    assert result.ok, [p.format("en") for p in result.problems]


def version_of(response: httpx.Response) -> int:
    """The publication a response comes from, or ValueError if its parts
    are not all of one publication (a count of one with rows of another)."""
    if response.url.path == PROCEEDINGS:
        with zipfile.ZipFile(io.BytesIO(response.content)) as document:
            text = document.read("word/document.xml").decode("utf-8")
        found = {int(number) for number in re.findall(r"Versione (\d+)", text)}
        if len(found) != 1:
            raise ValueError(f"the proceedings are of versions {sorted(found)}")
        return found.pop()
    data = response.json()
    titles = [row["title"] for row in data["rows"]]
    versions = {int(title.split(",")[0].removeprefix("Versione ")) for title in titles}
    facets = sum(item["count"] for item in data["facet_results"]["type"]["results"])
    if len(versions) != 1:
        raise ValueError(f"rows of versions {sorted(versions)}")
    version = versions.pop()
    if not data["filtered_table_rows_count"] == facets == len(titles) == version + 1:
        raise ValueError(f"version {version}: count {data['filtered_table_rows_count']}, facets {facets}, rows {len(titles)}")
    return version


class Server:
    """``outcomes serve --out OUT`` on a free port, its messages in a file."""

    def __init__(self, out: Path, log: Path, port: int | None = None, *extra: str):
        self.out, self.log, self.port, self.extra = out, log, port or free_port(), extra
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Server:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "outcomes.cli", "serve", "--out", str(self.out), "--port", str(self.port),
                 *self.extra], stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"outcomes serve exited {self.process.returncode}: {self.log.read_text()}")
            try:
                if httpx.get(self.url + "/", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError(f"outcomes serve did not answer: {self.log.read_text()}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=40)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.stop()


def listening(port: int) -> bool:
    with contextlib.closing(socket.socket()) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Load:
    """What the readers saw."""

    requests: int = 0
    failed: list[str] = field(default_factory=list)
    inconsistent: list[str] = field(default_factory=list)
    went_back: list[str] = field(default_factory=list)  # a reader saw an older publication after a newer one
    # Seconds from each build's end to the first request that saw it: when it was sent, when it was answered.
    visible_after: list[float] = field(default_factory=list)
    answered_after: list[float] = field(default_factory=list)
    seconds: float = 0.0


def reader(url: str, stop: threading.Event, load: Load, lock: threading.Lock, number: int) -> None:
    """One client reading the site as fast as it answers, on one keep-alive
    connection: the outcomes with their count and facets, and now and then
    the proceedings."""
    last = -1
    with httpx.Client(base_url=url, timeout=30) as client:
        turn = 0
        while not stop.is_set():
            turn += 1
            path = PROCEEDINGS if (turn + number) % 8 == 0 else OUTCOMES_JSON
            try:
                response = client.get(path)
                if response.status_code != 200:
                    raise ValueError(f"{path}: {response.status_code} {response.text[:300]}")
            except (httpx.HTTPError, ValueError) as error:
                with lock:
                    load.requests += 1
                    load.failed.append(f"{type(error).__name__}: {error}")
                continue
            try:
                version = version_of(response)
            except (ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
                with lock:
                    load.requests += 1
                    load.inconsistent.append(str(error))
                continue
            with lock:
                load.requests += 1
                if version < last and path == OUTCOMES_JSON:
                    load.went_back.append(f"reader {number}: {last} then {version}")
            if path == OUTCOMES_JSON:
                last = version


def under_load(root: Path, readers: int = 20, publications: int = 10, log: Path | None = None) -> Load:
    """Serve a library, keep ``readers`` clients reading it while the office
    publishes ``publications`` times in a row, each waited for until seen."""
    notes = library(root)
    out = root / "build"
    publish(notes, out, 0)
    load, lock, stop = Load(), threading.Lock(), threading.Event()
    with Server(out, log or root / "serve.log") as server:
        threads = [threading.Thread(target=reader, args=(server.url, stop, load, lock, n)) for n in range(readers)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        watcher = httpx.Client(base_url=server.url, timeout=30)
        try:
            for version in range(1, publications + 1):
                publish(notes, out, version)
                published = time.monotonic()
                while True:  # until a request sees it: when that request was sent, and when it was answered
                    sent = time.monotonic()
                    if version_of(watcher.get(OUTCOMES_JSON)) == version:
                        break
                    if sent - published > 30:
                        raise AssertionError(f"version {version} not served after 30 s: {server.log.read_text()}")
                    time.sleep(0.02)
                load.visible_after.append(sent - published)
                load.answered_after.append(time.monotonic() - published)
                time.sleep(0.5)  # the readers read the new publication a while
        finally:
            stop.set()
            for thread in threads:
                thread.join()
            watcher.close()
        load.seconds = time.monotonic() - began
        assert server.stop() == -signal.SIGTERM
    return load


def summary(load: Load) -> str:
    seen = sorted(load.visible_after)
    return (f"{load.requests} requests in {load.seconds:.1f} s ({load.requests / load.seconds:.0f}/s), "
            f"{len(load.failed)} failed, {len(load.inconsistent)} inconsistent, {len(load.went_back)} went back; "
            f"new data seen by requests sent a median {statistics.median(seen):.2f} s after each build (max {seen[-1]:.2f} s),"
            f" answered after {statistics.median(load.answered_after):.2f} s (max {max(load.answered_after):.2f} s)")
