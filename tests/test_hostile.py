"""Hostile files and arguments, in every command: no hang, no traceback,
nothing written outside its folder.

Each case runs the real ``outcomes`` command in its own process, on real
files (a FIFO from ``os.mkfifo``, a sparse file from ``truncate``, crafted
Word forms), and checks its message, its exit status and, where it matters,
its time and peak memory (the process's own ``VmHWM``, written as it exits:
``wait4``'s maximum would also count the test process's memory, which the
child's address space starts from at fork), with generous bounds: two
shared cores, other work running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT
from helpers import EVENT_YAML, SESSION_YAML

GIB = 2**30


@dataclass
class Run:
    status: int
    out: str
    err: str
    seconds: float
    peak_mb: float  # the process's maximum resident set

    @property
    def lines(self) -> list[str]:
        return self.err.splitlines()


# The command, writing its own peak resident set (kB) to $OUTCOMES_TEST_PEAK as it exits.
_PEAK_THEN_CLI = """
import atexit, os
def _peak():
    with open('/proc/self/status') as status:
        peak = next(line.split()[1] for line in status if line.startswith('VmHWM:'))
    with open(os.environ['OUTCOMES_TEST_PEAK'], 'w') as file:
        file.write(peak)
atexit.register(_peak)
from outcomes.cli import cli
cli()
"""


def outcomes(*args, cwd: Path, timeout: float = 60, preexec=None) -> Run:
    """``outcomes ARGS`` in a fresh process; killed (and the test failed) after ``timeout``."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as folder:
        peak_file = Path(folder) / "peak"
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-c", _PEAK_THEN_CLI, *map(str, args)],
            cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, preexec_fn=preexec,
            env={**os.environ, "OUTCOMES_LANG": "it", "COLUMNS": "200", "OUTCOMES_TEST_PEAK": str(peak_file)},
        )
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        _, status, usage = os.wait4(process.pid, 0)
        killer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        peak_kb = int(peak_file.read_text()) if peak_file.exists() else usage.ru_maxrss  # killed: an upper bound
        result = Run(process.returncode, out.read().decode(), err.read().decode(), seconds, peak_kb / 1024)
    assert result.status != -signal.SIGKILL, f"outcomes {' '.join(map(str, args))} hung for {timeout} s"
    assert "Traceback" not in result.err, result.err
    return result


@pytest.fixture
def library(tmp_path) -> Path:
    """notes/convegno-2019/ with a valid event and session."""
    folder = tmp_path / "notes" / "convegno-2019"
    folder.mkdir(parents=True)
    (folder / "event.yaml").write_text(EVENT_YAML, "utf-8")
    (folder / "laboratorio.yaml").write_text(SESSION_YAML, "utf-8")
    return tmp_path


# --- Paths that are not regular files, or too large to read ----------------------------


def test_check_refuses_a_fifo_at_once(library):
    fifo = library / "notes" / "convegno-2019" / "sessione.yaml"
    os.mkfifo(fifo)
    run = outcomes("check", fifo, cwd=library, timeout=20)
    assert run.status == 1
    assert run.lines[0] == f"{fifo}:1:1: error: (file): non è un file ma una pipe con nome (FIFO): non lo leggo"
    assert run.seconds < 15


def test_check_refuses_a_device(library):
    run = outcomes("check", "/dev/zero", cwd=library, timeout=20)
    assert run.status == 1
    assert run.lines[0] == "/dev/zero:1:1: error: (file): non è un file ma un dispositivo: non lo leggo"
    assert run.peak_mb < 200


def test_a_fifo_among_the_notes_is_reported_not_skipped(library):
    os.mkfifo(library / "notes" / "convegno-2019" / "sessione.yaml")
    run = outcomes("check", "notes", cwd=library, timeout=20)
    assert run.status == 1
    assert run.lines[0] == (
        "notes/convegno-2019/sessione.yaml:1:1: error: (file): non è un file ma una pipe con nome (FIFO): non lo leggo"
    )


@pytest.mark.parametrize("name", ["event.yaml", "registrations.yaml", "followup.yaml"])
def test_the_build_does_not_hang_on_a_fifo_nor_keep_its_lock(library, name):
    folder = library / "notes" / "convegno-2019"
    (folder / name).unlink(missing_ok=True)
    os.mkfifo(folder / name)
    run = outcomes("build", "--no-proceedings", cwd=library, timeout=30)
    assert run.status == 1
    assert run.lines[0] == (
        f"notes/convegno-2019/{name}:1:1: error: (file): non è un file ma una pipe con nome (FIFO): non lo leggo"
    )
    # The lock was released: a second build neither waits nor hangs.
    again = outcomes("build", "--no-proceedings", cwd=library, timeout=30)
    assert again.status == 1
    assert "attend" not in again.err


def sparse(path: Path, size: int = 3 * GIB) -> Path:
    """A sparse file of ``size`` bytes (holes: it takes no room on disk)."""
    subprocess.run(["truncate", "-s", str(size), str(path)], check=True)
    return path


@pytest.mark.parametrize("command", [("check", "notes"), ("build", "--no-proceedings")])
def test_a_sparse_3_gb_note_is_refused_without_reading_it(library, command):
    sparse(library / "notes" / "convegno-2019" / "enorme.yaml")
    run = outcomes(*command, cwd=library, timeout=60)
    assert run.status == 1
    assert run.lines[0] == (
        "notes/convegno-2019/enorme.yaml:1:1: error: (file): il file è troppo grande (3072.0 MB, massimo 2 MB): "
        "dividi la sessione o accorcia i testi"
    )
    assert run.peak_mb < 300, run.peak_mb  # reading it would take 3 GB
    assert run.seconds < 30


def test_a_sparse_3_gb_event_file_is_refused_by_proceedings(library):
    event = library / "notes" / "convegno-2019" / "event.yaml"
    event.unlink()
    sparse(event)
    run = outcomes("proceedings", "convegno-2019", cwd=library, timeout=60)
    assert run.status == 1
    assert run.lines[0].startswith("notes/convegno-2019/event.yaml:1:1: error: (file): il file è troppo grande (3072.0 MB")
    assert run.peak_mb < 300, run.peak_mb


# --- Ids on the command line are ids, never paths or reserved names ---------------------------


def _files(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*")}


@pytest.mark.parametrize("event", ["../fuori", "/tmp/fuori-assoluto", "convegno-2019/../../fuori", "event", "registrations"])
@pytest.mark.parametrize("command", ["proceedings", "registrations", "new", "form"])
def test_an_event_id_that_is_a_path_or_reserved_is_refused(library, run, monkeypatch, command, event):
    monkeypatch.chdir(library)
    csv = library / "iscritti.csv"
    csv.write_text("Email,Tipologia di ente\na@example.org,Comune\n", "utf-8")
    before = _files(library)
    arguments = {
        "proceedings": ["proceedings", event, "--out", "out"],
        "registrations": ["registrations", event, csv],
        "new": ["new", event, "sessione"],
        "form": ["form", event, "sessione"],
    }[command]
    result = run(*arguments)
    assert (result.exit_code, result.stdout) == (1, "")
    if event in ("event", "registrations"):
        assert result.stderr == (
            f"«{event}» è il nome di un file riservato della cartella dell'evento (event, registrations, followup):"
            " scegli un altro identificativo per un evento\n"
        )
    else:
        assert result.stderr.startswith(f"«{event}» non va bene come identificativo di un evento: solo lettere minuscole")
    assert _files(library) == before
    assert not Path("/tmp/fuori-assoluto").exists()
    assert not (library.parent / "fuori").exists()


@pytest.mark.parametrize("session", ["../../fuori", "/tmp/fuori-assoluto", "followup", "event"])
def test_a_session_id_that_is_a_path_or_reserved_is_refused(library, run, monkeypatch, session):
    monkeypatch.chdir(library)
    before = _files(library)
    for command in ("new", "form"):
        result = run(command, "convegno-2019", session)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"«{session}» ")
        assert "una sessione" in result.stderr
    assert _files(library) == before


# --- What check accepts, the build accepts -----------------------------------------------------


def test_titles_over_255_characters_pass_check_and_build(library):
    import docx

    title, subtitle, organiser = "Titolo lungo " * 23, "Sottotitolo " * 24, "Ente organizzatore " * 15
    assert [len(text) for text in (title, subtitle, organiser)] == [299, 288, 285]
    event = EVENT_YAML.replace("title: Sguardi e prospettive della cooperazione decentrata", f"title: {title}")
    event = event.replace("  - name: Regione Piemonte", f"  - name: {organiser}") + f"subtitle: {subtitle}\n"
    (library / "notes" / "convegno-2019" / "event.yaml").write_text(event, "utf-8")
    assert outcomes("check", cwd=library).status == 0
    run = outcomes("build", cwd=library)
    assert run.status == 0, run.err
    document = docx.Document(str(library / "build" / "proceedings" / "convegno-2019.docx"))
    properties = document.core_properties
    assert properties.title == title.strip()[:254] + "…"
    assert properties.comments == subtitle.strip()[:254] + "…"
    assert properties.author == organiser.strip()[:254] + "…"
    assert title.strip() in [paragraph.text for paragraph in document.paragraphs]


# --- Outputs that cannot be written ------------------------------------------------------------


def published(out: Path) -> dict[str, bytes]:
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()}


def limit_file_size(size: int):
    """For a child process: files can grow to ``size`` bytes only, as on a full
    disk (writes beyond fail with EFBIG instead of killing the process).
    Unlike permissions, this stops root too."""
    import resource

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return apply


@pytest.fixture
def built_library(library) -> Path:
    assert outcomes("build", cwd=library).status == 0
    return library


def test_a_build_that_cannot_write_the_database_changes_nothing(built_library):
    before = published(built_library / "build")
    (built_library / "notes" / "convegno-2019" / "laboratorio.yaml").write_text(
        SESSION_YAML.replace("Migrazione e Cooperazione", "Migrazione e cooperazione"), "utf-8"
    )
    run = outcomes("build", "--full", cwd=built_library, preexec=limit_file_size(20_000))
    assert run.status == 1
    assert run.lines == [
        "impossibile scrivere build/outcomes.db (disk I/O error): nulla di ciò che era già pubblicato è stato sostituito"
    ]
    assert published(built_library / "build") == before


def test_a_build_that_cannot_take_its_lock_says_so(built_library):
    out = built_library / "build"
    (out / ".lock").unlink()
    (out / ".lock").mkdir()  # what the build must write is a folder
    before = published(out)
    run = outcomes("build", "--lang", "en", cwd=built_library)
    assert run.status == 1
    assert run.lines == ["cannot write build/.lock (Is a directory): nothing published before was replaced"]
    assert published(out) == before
    publish = subprocess.run([sys.executable, str(ROOT / "publish.py")], cwd=built_library, capture_output=True, text=True)
    assert (publish.returncode, publish.stderr) == (
        1, "impossibile scrivere build/.lock (Is a directory): nulla di ciò che era già pubblicato è stato sostituito\n"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders: the two tests above fail writes otherwise")
def test_a_read_only_output_folder(built_library):
    out = built_library / "build"
    before = published(out)
    for path in [out, *out.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        run = outcomes("build", "--full", cwd=built_library)
    finally:
        for path in [out, *out.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)
    assert run.status == 1
    assert run.lines[0].startswith("impossibile scrivere build/")
    assert published(out) == before


def test_other_commands_that_cannot_write(built_library, tmp_path):
    library = built_library
    (library / "file").write_text("not a folder", "utf-8")
    (library / "notes" / "file").symlink_to(library / "file")  # an event "folder" that is a file
    runs = {
        "proceedings": outcomes("proceedings", "convegno-2019", "-o", "file/atti.docx", cwd=library),
        "form": outcomes("form", "convegno-2019", "nuova", "-o", "file/scheda.docx", cwd=library),
        "new": outcomes("new", "file", "nuova", cwd=library),
        "schema": outcomes("schema", "--out", "file/schemas", cwd=library),
    }
    for name, run in runs.items():
        assert run.status == 1, name
        assert run.lines[0].startswith(("impossibile scrivere file", "impossibile scrivere notes/file")), (name, run.err)
        assert run.lines[0].endswith(": nulla di ciò che era già pubblicato è stato sostituito"), name
    assert (library / "file").read_text("utf-8") == "not a folder"


# --- Word forms: bombs, entities, FIFOs ----------------------------------------------------------


@pytest.fixture(scope="module")
def blank_form(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("form")
    assert outcomes("form", "convegno-2019", "laboratorio", "-o", "scheda.docx", cwd=folder).status == 0
    return folder / "scheda.docx"


def repack(source: Path, target: Path, replace: dict[str, bytes] | None = None, stream: tuple | None = None) -> Path:
    """``source``'s parts into ``target``, with some replaced; ``stream`` is
    (part name, chunk, count): a part written chunk by chunk, never held whole."""
    import zipfile

    replace = replace or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as new:
        for item in old.infolist():
            if stream and item.filename == stream[0]:
                with new.open(item.filename, "w", force_zip64=True) as part:  # deflated, level 1
                    for _ in range(stream[2]):
                        part.write(stream[1])
            else:
                new.writestr(item.filename, replace.get(item.filename, old.read(item.filename)))
    return target


def test_a_form_whose_core_xml_inflates_to_1_gb_is_refused_at_once(tmp_path, blank_form):
    bomb = repack(blank_form, tmp_path / "scheda.docx", stream=("docProps/core.xml", b" " * 2**20, 1024))
    assert bomb.stat().st_size < 5 * 2**20
    (tmp_path / "notes").mkdir()
    run = outcomes("import", bomb, cwd=tmp_path, timeout=60)
    assert run.status == 1
    assert run.lines == [
        "scheda.docx: il documento, decompresso, sarebbe troppo grande (docProps/core.xml: 1024.0 MB, massimo 200 MB):"
        " non lo apro"
    ]
    assert run.seconds < 10 and run.peak_mb < 200, (run.seconds, run.peak_mb)
    assert list((tmp_path / "notes").iterdir()) == []


def test_a_form_part_that_inflates_too_well_is_refused(tmp_path, blank_form):
    bomb = repack(blank_form, tmp_path / "scheda.docx", stream=("word/document.xml", b"<" * 2**20, 30))
    run = outcomes("import", bomb, "--lang", "en", cwd=tmp_path, timeout=60)
    assert run.status == 1
    assert run.lines == [
        "scheda.docx: the document would expand too much once uncompressed (word/document.xml: 30.0 MB from 134 kB,"
        " 229 times; a Word document expands at most 200 times): it is not opened"
    ]


def test_a_form_that_is_a_fifo_or_too_large(tmp_path):
    os.mkfifo(tmp_path / "scheda.docx")
    sparse(tmp_path / "enorme.docx", 3 * GIB)
    fifo = outcomes("import", "scheda.docx", cwd=tmp_path, timeout=20)
    assert (fifo.status, fifo.lines) == (1, ["scheda.docx: non è un file ma una pipe con nome (FIFO): non lo leggo"])
    large = outcomes("import", "enorme.docx", cwd=tmp_path, timeout=20)
    assert large.status == 1
    assert large.lines == [
        "enorme.docx: il documento è troppo grande (3072.0 MB, massimo 50 MB): una scheda compilata pesa poche centinaia di kB"
    ]
    assert large.peak_mb < 200


# --- What is printed from users' files is safe for a terminal ----------------------------------


def test_escape_sequences_and_long_values_are_shown_escaped_and_cut(library):
    folder = library / "notes" / "convegno-2019"
    hostile = SESSION_YAML.replace("date: 2019-10-15", 'date: "\\e]0;titolo rubato\\a\\e[2J2019\\u202e-10-15"')
    hostile = hostile.replace('start: "14:30"', "start: " + "1" * 50_000)
    (folder / "laboratorio.yaml").write_text(hostile, "utf-8")
    (folder / "nome\x1b[31m\nrosso.yaml").write_text(SESSION_YAML, "utf-8")
    run = outcomes("check", cwd=library)
    assert run.status == 1
    assert "\x1b" not in run.err and "\x07" not in run.err and "\u202e" not in run.err
    assert run.lines == [
        "notes/convegno-2019/laboratorio.yaml:3:7: error: date: data: «\\x1b]0;titolo rubato\\x07\\x1b[2J2019\\u202e-10-15»"
        " non è una data nel formato AAAA-MM-GG",
        "notes/convegno-2019/laboratorio.yaml:4:8: error: start: ora di inizio: «" + "1" * 200 + "…» non è un orario"
        " nel formato HH:MM (es. «14:30»)",
        "notes/convegno-2019/nome\\x1b[31m\\nrosso.yaml:1:1: error: (file): nome di file o cartella"
        " «nome\\x1b[31m\\nrosso» non valido: usa solo lettere minuscole, cifre e trattini (forse intendevi «nome-31m-rosso»?)",
        "3 errori nelle note.",
    ]


@pytest.mark.parametrize("name", [".build-state.json", ".publishing.json"])
def test_a_fifo_among_the_builds_own_files_is_not_read(built_library, name):
    out = built_library / "build"
    (out / name).unlink(missing_ok=True)
    os.mkfifo(out / name)
    run = outcomes("build", "--no-proceedings", cwd=built_library, timeout=30)
    assert (run.status, run.err) == (0, "")
    assert (out / ".build-state.json").is_file()
