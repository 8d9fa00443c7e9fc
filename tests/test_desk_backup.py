"""The desk's backups against a served desk: copies taken while twenty
facilitators save, checked, and restored into the stopped desk."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from desk_helpers import desk_server, invite
from helpers import free_port
from test_desk_concurrency import _open, _save

PEOPLE, SAVES = 20, 6


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "outcomes.cli", "desk", *args], capture_output=True, text=True,
                          timeout=120)


def _revisions(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        return conn.execute("select session, number, action, yaml, at from revisions order by session, number").fetchall()
    finally:
        conn.close()


def _whole(rows: list[tuple]) -> bool:
    """Each session's revisions are 1..n: a copy holds whole saves, in order."""
    numbers: dict[str, list[int]] = {}
    for session, number, *_ in rows:
        numbers.setdefault(session, []).append(number)
    return all(found == list(range(1, len(found) + 1)) for found in numbers.values())


def test_backups_during_twenty_saving_facilitators_and_a_restore(tmp_path):
    copies = tmp_path / "copie"
    with desk_server(tmp_path, free_port()) as desk:
        links = [invite(desk, f"laboratorio-{n}") for n in range(PEOPLE)]
        start = threading.Barrier(PEOPLE + 1)

        def facilitator(n: int) -> list[int]:
            client, token = _open(links[n])
            start.wait()
            return [_save(client, links[n], token, save - 1, f"Sessione {n}, salvataggio {save}").status_code
                    for save in range(1, SAVES + 1)]

        with ThreadPoolExecutor(PEOPLE) as pool:
            saves = [pool.submit(facilitator, n) for n in range(PEOPLE)]
            start.wait()
            during = []
            while not all(future.done() for future in saves):
                during.append(_cli("backup", "--data", str(desk.data), "--to", str(copies), "--keep", "100"))
            assert [future.result() for future in saves] == [[200] * SAVES] * PEOPLE
        for result in during:
            assert result.returncode == 0, result.stderr
            assert re.fullmatch(rf"Copia di {desk.data}/desk.db in {copies}/desk-\d{{8}}T\d{{6}}Z(-\d+)?\.db: "
                                r"\d+ revision[ei], integrità verificata \(\d+\.\d\d s\)\.\n", result.stdout)
        taken = sorted(copies.glob("desk-*.db"))
        assert len(taken) == len(during) >= 1
        for copy in taken:
            assert _whole(_revisions(copy))
        final = _cli("backup", "--data", str(desk.data), "--to", str(copies), "--keep", "100")
        assert final.returncode == 0
        last = sorted(copies.glob("desk-*.db"), key=lambda p: p.stat().st_mtime_ns)[-1]
        expected = _revisions(desk.data / "desk.db")
        assert len(expected) == PEOPLE * SAVES and _revisions(last) == expected

        refused = _cli("restore", str(last), "--data", str(desk.data))
        assert (refused.returncode, refused.stdout) == (1, "")
        assert refused.stderr == (f"lo sportello in {desk.data} è in funzione: fermalo prima di ripristinare"
                                  " (systemctl stop outcomes-desk)\n")

        desk.stop()
        (desk.data / "desk.db").write_bytes(b"lost")  # the disk lost the desk's state
        for suffix in ("-wal", "-shm"):
            (desk.data / f"desk.db{suffix}").unlink(missing_ok=True)
        restored = _cli("restore", str(last), "--data", str(desk.data))
        assert restored.returncode == 0, restored.stderr
        aside = re.search(r"Lo stato di prima è in (desk\.db\.before-restore-\d{8}T\d{6}Z)\.", restored.stdout).group(1)
        assert restored.stdout == (f"Ripristinato {desk.data} da {last}: {PEOPLE * SAVES} revisioni, {PEOPLE} inviti."
                                   f" Lo stato di prima è in {aside}.\n")
        assert (desk.data / aside).read_bytes() == b"lost"
        desk.start()
        page = _open(links[7])[0].get(links[7]).text
        assert 'value="Sessione 7, salvataggio 6"' in page
    assert _revisions(desk.data / "desk.db") == expected


def test_a_damaged_copy_is_not_restored_and_old_copies_go(tmp_path):
    with desk_server(tmp_path, free_port()) as desk:
        invite(desk, "laboratorio-a")
        copies = tmp_path / "copie"
        results = [_cli("backup", "--data", str(desk.data), "--to", str(copies), "--keep", "2", "--lang", "en")
                   for _ in range(3)]
    assert [r.returncode for r in results] == [0, 0, 0]
    kept = sorted(copies.glob("desk-*.db"))
    assert len(kept) == 2
    removed = results[2].stdout.splitlines()[1]
    assert removed.startswith("Removed the oldest copy: desk-") and removed.removeprefix(
        "Removed the oldest copy: ") not in [p.name for p in kept]
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(kept[-1].read_bytes()[:8192] + b"\x00" * 4096)
    before = (desk.data / "desk.db").read_bytes()
    refused = _cli("restore", str(damaged), "--data", str(desk.data), "--lang", "en")
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"{damaged} is not a sound copy of the desk (") and refused.stderr.endswith(
        "): nothing was restored\n")
    assert (desk.data / "desk.db").read_bytes() == before
    missing = _cli("backup", "--data", str(tmp_path / "nowhere"), "--lang", "en")
    assert (missing.returncode, missing.stderr) == (
        1, f"{tmp_path / 'nowhere' / 'desk.db'} does not exist: no desk to copy (--data?)\n")
