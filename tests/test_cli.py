"""The commands as a user types them: exit codes, whole outputs, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT
from helpers import SESSION_YAML, write_library


def snapshot(folder):
    """Every file under ``folder`` with its bytes and modification time."""
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != ".lock"
    }


def test_check_valid_notes(tmp_path, run):
    notes = write_library(tmp_path)
    result = run("check", notes)
    assert result.exit_code == 0
    assert result.stdout == "Note valide: 1 evento, 1 sessione, 1 esito.\n"
    assert result.stderr == ""


def test_check_in_english(tmp_path, run):
    notes = write_library(tmp_path)
    result = run("check", "--lang", "en", notes)
    assert (result.exit_code, result.stdout) == (0, "Notes valid: 1 event, 1 session, 1 outcome.\n")


def test_check_reports_every_problem_and_exits_1(tmp_path, run):
    notes = write_library(tmp_path, SESSION_YAML.replace("kind: workshop", "kind: laboratorio").replace(
        '["10.7", "17.17"]', '["7.4"]'))
    path = notes / "convegno-2019" / "laboratorio.yaml"
    result = run("check", notes)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"{path}:2:7: error: kind: tipo di sessione: «laboratorio» non è un valore ammesso (forse intendevi"
        " «workshop»?); valori ammessi: plenary, workshop\n"
        f"{path}:21:19: error: outcomes[0].sdg_targets[0]: «7.4» non è un target SDG: il goal 7 ha i target"
        " 7.1, 7.2, 7.3, 7.a, 7.b\n"
        "2 errori nelle note.\n"
    )


def test_check_a_single_file_uses_its_event_for_dates(tmp_path, run):
    notes = write_library(tmp_path, SESSION_YAML.replace("date: 2019-10-15", "date: 2019-10-20"))
    path = notes / "convegno-2019" / "laboratorio.yaml"
    result = run("check", path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{path}:3:7: error: date: data: la sessione è del 2019-10-20, ma l'evento si svolge dal 2019-10-15 al 2019-10-15"
    )


def test_check_a_missing_path(tmp_path, run):
    result = run("check", tmp_path / "nessuna")
    assert result.exit_code == 1
    assert result.stderr == f"{tmp_path / 'nessuna'}:1:1: error: (file): percorso inesistente\n1 errore nelle note.\n"


def test_build_then_an_invalid_note_replaces_nothing(tmp_path, run):
    notes = write_library(tmp_path)
    out = tmp_path / "build"
    first = run("build", "--notes", notes, "--out", out)
    assert first.exit_code == 0, first.stderr
    assert first.stdout == f"Pubblicato in {out}: 1 evento, 1 sessione, 1 esito.\n"
    before = snapshot(out)
    assert {"outcomes.db", "metadata.json", "settings.json", "inspect-data.json"} <= set(before)

    (notes / "convegno-2019" / "laboratorio.yaml").write_text(SESSION_YAML.replace("end: \"17:00\"", "end: \"12:00\""))
    second = run("build", "--notes", notes, "--out", out)
    assert second.exit_code == 1
    assert second.stderr.endswith(f"1 errore nelle note: nulla è stato pubblicato in {out}.\n")
    assert snapshot(out) == before
    assert [p.name for p in out.iterdir() if p.name.startswith(".staging")] == []


def test_no_traceback_for_a_missing_notes_folder(tmp_path):
    result = subprocess.run(
        [sys.executable, "publish.py", "--notes", str(tmp_path / "manca"), "--out", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == f"{tmp_path / 'manca'}:1:1: error: (file): percorso inesistente"


def test_publish_builds_the_example_notes(tmp_path):
    """The README's first command, minus the install."""
    out = tmp_path / "build"
    result = subprocess.run(
        [sys.executable, "publish.py", "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "OUTCOMES_LANG": "it"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Pubblicato in {out}: 1 evento, 3 sessioni, ")
    assert (out / "outcomes.db").stat().st_size > 0
