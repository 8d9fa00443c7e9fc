"""``outcomes registrations``: head counts from a registration form's CSV
export, and never a name or an e-mail address anywhere that is published."""

from __future__ import annotations

import csv
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

import registration_exports as exports
from conftest import EXAMPLE_NOTES, FIXTURES, ROOT
from helpers import write_library
from outcomes import load, models

CSV = FIXTURES / "intake" / "registrations"
EVENT = "convegno-2019"


@pytest.fixture
def notes(tmp_path):
    return write_library(tmp_path)


def _registrations(notes) -> models.Registrations:
    problems = load.Problems()
    note = load.load_event(notes / EVENT, problems)
    assert problems == []
    return note.registrations


def test_a_google_forms_export(notes, run):
    # UTF-8 with a BOM, commas, a person registered twice, a type left empty.
    result = run("registrations", EVENT, CSV / "iscrizioni-google.csv", "--notes", notes)
    path = notes / EVENT / "registrations.yaml"
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "Formato riconosciuto: Google Moduli, CSV.\n"
        "Iscritti all'evento «convegno-2019»: 12. Per tipo di attore (dalla colonna «Tipologia di ente»):\n"
        "  Ente locale (local_authority): 2\n"
        "  Organizzazione della società civile (ngo): 1\n"
        "  Associazione della diaspora (diaspora_association): 2\n"
        "  Sindacato (trade_union): 1\n"
        "  Università e ricerca (university): 1\n"
        "  Economia sociale (social_economy): 1\n"
        "  non classificati: 4\n"
        "1 iscrizione ripetuta con lo stesso indirizzo e-mail contata una volta sola.\n"
        "Tipi di organizzazione non riconosciuti, contati tra i non classificati: «Associazione culturale» (2),"
        " valore vuoto (1). Per classificarli, aggiungili sotto «values:» in un file di corrispondenze (--map).\n"
        "Nessuna domanda del modulo nomina le sessioni dell'evento: conteggi per sessione non scritti."
        " Per indicarla, usa «sessions_column:» e «sessions:» in un file di corrispondenze (--map).\n"
        f"Scritto {path}: solo numeri, nessun nome.\n"
    )
    assert path.read_text(encoding="utf-8") == (
        "# yaml-language-server: $schema=../../schemas/registrations.schema.json\n"
        "# Iscritti all'evento e alle sessioni per tipo di attore, contati con\n"
        "# «outcomes registrations» dall'esportazione del modulo di iscrizione.\n"
        "# Solo numeri: nessun nome, nessun indirizzo e-mail, nessuna organizzazione.\n"
        "source: modulo di iscrizione (Google Moduli, CSV)\n"
        "registered:\n"
        "  local_authority: 2\n"
        "  ngo: 1\n"
        "  diaspora_association: 2\n"
        "  trade_union: 1\n"
        "  university: 1\n"
        "  social_economy: 1\n"
        "unclassified: 4\n"
    )
    assert _registrations(notes) == models.Registrations.model_validate({
        "source": "modulo di iscrizione (Google Moduli, CSV)",
        "registered": {"local_authority": "2", "ngo": "1", "diaspora_association": "2", "trade_union": "1",
                       "university": "1", "social_economy": "1"},
        "unclassified": "4",
    })


def test_an_excel_export_with_semicolons_in_windows_encoding(notes, run):
    result = run("registrations", EVENT, CSV / "iscrizioni-excel.csv", "--notes", notes, "--lang", "en")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:7] == [
        "Layout recognised: spreadsheet, CSV.",
        "People registered for 'convegno-2019': 5. By actor type (from the column 'Tipo di organizzazione'):",
        "  Local authority (local_authority): 2",
        "  Diaspora association (diaspora_association): 1",
        "  University and research (university): 1",
        "  Foundation (foundation): 1",
        "  unclassified: 0",
    ]
    assert _registrations(notes).registered == {
        "local_authority": 2, "diaspora_association": 1, "university": 1, "foundation": 1,
    }


def test_a_mapping_file_names_the_column_and_adds_values(notes, run):
    result = run("registrations", EVENT, CSV / "iscrizioni-altro-modulo.csv", "--notes", notes,
                 "--map", CSV / "mappa.yaml")
    assert result.exit_code == 0, result.output
    assert _registrations(notes) == models.Registrations.model_validate({
        "source": "modulo di iscrizione (foglio di calcolo, CSV)",
        "registered": {"local_authority": "1", "diaspora_association": "1", "volunteering": "1"},
        "unclassified": "0",
    })


def test_a_missing_column_is_explained_and_nothing_is_written(notes, run):
    path = CSV / "iscrizioni-altro-modulo.csv"
    result = run("registrations", EVENT, path, "--notes", notes)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"{path}:1:1: error: (file): non trovo la colonna del tipo di organizzazione (cercavo «Tipologia di ente»,"
        " «Tipologia ente», «Tipo di ente», «Tipo di organizzazione», …); colonne del file: «Nominativo», «Posta»,"
        " «Ente di appartenenza», «Categoria ente». Indica quella giusta in un file di corrispondenze, per esempio"
        " mappa.yaml con la riga «organisation_type_column: [\"Categoria ente\"]», e passalo con --map mappa.yaml\n"
    )
    assert not (notes / EVENT / "registrations.yaml").exists()


def test_a_mistake_in_the_mapping_file_is_located(notes, run):
    path = CSV / "mappa-sbagliata.yaml"
    result = run("registrations", EVENT, CSV / "iscrizioni-altro-modulo.csv", "--notes", notes, "--map", path)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"{path}:3:20: error: values.Comune capofila: «local_autority» non è un valore ammesso"
        " (forse intendevi «local_authority»?); valori ammessi: region, local_authority,"
    )
    assert not (notes / EVENT / "registrations.yaml").exists()


def test_an_unknown_event(notes, run):
    result = run("registrations", "convegno-2020", CSV / "iscrizioni-google.csv", "--notes", notes)
    assert (result.exit_code, result.stderr) == (1, (
        f"{notes / 'convegno-2020' / 'event.yaml'}:1:1: error: (file): l'evento «convegno-2020» non esiste in"
        f" {notes}: manca il suo event.yaml (crealo con «outcomes new convegno-2020 SESSIONE»)\n"
    ))
    assert not (notes / "convegno-2020").exists()


def _personal_data() -> set[str]:
    """Every surname, full name, e-mail address and organisation in the CSV
    fixtures (first names alone are also Italian words: "chiara", "sara")."""
    values = set()
    for path in CSV.glob("*.csv"):
        data = path.read_bytes()
        text = data.decode("utf-8-sig") if path.name != "iscrizioni-excel.csv" else data.decode("cp1252")
        rows = list(csv.reader(io.StringIO(text), delimiter=";" if ";" in text.split("\n")[0] else ","))
        header = rows[0]
        personal = [i for i, name in enumerate(header) if name in {
            "Cognome", "Indirizzo email", "Ente / organizzazione", "Nome e cognome", "E-mail",
            "Organizzazione", "Nominativo", "Posta", "Ente di appartenenza"}]
        assert len(personal) == 3, path
        values |= {row[i].strip() for row in rows[1:] for i in personal if row[i].strip()}
    return values


def _contents(paths):
    """(path, bytes) of every file, and of every part inside a .docx."""
    for path in paths:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as package:
                for name in package.namelist():
                    yield path / name, package.read(name)
        else:
            yield path, path.read_bytes()


def test_no_name_email_or_organisation_is_written_anywhere(tmp_path, notes, run):
    personal = _personal_data()
    assert {"Ferraresi", "giulia.ferraresi@example.org", "Comune di Borgofranco Alto", "Aïcha Sowbrero"} <= personal
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    for path in sorted(CSV.glob("*.csv")):  # the Google export last
        options = ["--map", CSV / "mappa.yaml"] if "altro" in path.name else []
        result = run("registrations", EVENT, path, "--notes", notes, *options)
        assert result.exit_code == 0
        for value in personal:
            assert value not in result.output
    out = tmp_path / "build"
    result = run("build", "--notes", notes, "--out", out)
    assert result.exit_code == 0, result.output
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p not in before]
    assert notes / EVENT / "registrations.yaml" in written and out / "outcomes.db" in written
    for path, data in _contents(written):  # the proceedings' .docx read inside their zip
        for value in personal:
            for encoded in {value.encode("utf-8"), value.encode("utf-16-le"), value.lower().encode("utf-8")}:
                assert encoded not in data, f"{value!r} found in {path}"
    with sqlite3.connect(out / "outcomes.db") as db:
        rows = db.execute("select actor_type_id, count from event_registrations order by actor_type_id").fetchall()
    assert rows == [("diaspora_association", 2), ("local_authority", 2), ("ngo", 1), ("social_economy", 1),
                    ("trade_union", 1), ("university", 1)]


# --- The real tools' exports (tests/registration_exports.py writes them) ---------------------


@pytest.fixture
def example(tmp_path):
    """A copy of the example notes: an event with three sessions to register for."""
    target = tmp_path / "notes"
    shutil.copytree(EXAMPLE_NOTES, target)
    return target


def _example_registrations(notes) -> models.Registrations:
    problems = load.Problems()
    note = load.load_event(notes / exports.EVENT, problems)
    assert problems == []
    return note.registrations


def _write(folder, name: str):
    """One export of ``exports.PEOPLE`` in the layout ``name``; (path, layout line)."""
    layouts = {
        "surveymonkey-en.csv": (lambda p: exports.write_csv(p, exports.surveymonkey_rows("en")), "SurveyMonkey, CSV"),
        "surveymonkey-it.csv": (lambda p: exports.write_csv(p, exports.surveymonkey_rows("it")), "SurveyMonkey, CSV"),
        "surveymonkey-en.xlsx": (lambda p: exports.write_xlsx(p, exports.surveymonkey_rows("en", xlsx=True)), "SurveyMonkey, XLSX"),
        "surveymonkey-it.xlsx": (lambda p: exports.write_xlsx(p, exports.surveymonkey_rows("it", xlsx=True)), "SurveyMonkey, XLSX"),
        "google-it.csv": (lambda p: exports.write_csv(p, exports.google_rows("it"), encoding="utf-8-sig"), "Google Moduli, CSV"),
        "google-en.csv": (lambda p: exports.write_csv(p, exports.google_rows("en")), "Google Moduli, CSV"),
        "google.xlsx": (lambda p: exports.write_xlsx(p, exports.google_rows("it")), "Google Moduli, XLSX"),
        "microsoft.csv": (lambda p: exports.write_csv(p, exports.microsoft_rows(), encoding="utf-8-sig"), "Microsoft Forms, CSV"),
        "microsoft.xlsx": (lambda p: exports.write_xlsx(p, exports.microsoft_rows()), "Microsoft Forms, XLSX"),
        "spreadsheet-semicolon-cp1252.csv": (
            lambda p: exports.write_csv(p, exports.spreadsheet_rows(), ";", "cp1252"), "foglio di calcolo, CSV"),
        "spreadsheet-comma-bom.csv": (
            lambda p: exports.write_csv(p, exports.spreadsheet_rows(), ",", "utf-8-sig"), "foglio di calcolo, CSV"),
        "spreadsheet-semicolon-utf8.csv": (
            lambda p: exports.write_csv(p, exports.spreadsheet_rows(), ";", "utf-8"), "foglio di calcolo, CSV"),
    }
    write, layout = layouts[name]
    return write(folder / name), layout


LAYOUTS = [
    "surveymonkey-en.csv", "surveymonkey-it.csv", "surveymonkey-en.xlsx", "surveymonkey-it.xlsx",
    "google-it.csv", "google-en.csv", "google.xlsx", "microsoft.csv", "microsoft.xlsx",
    "spreadsheet-semicolon-cp1252.csv", "spreadsheet-comma-bom.csv", "spreadsheet-semicolon-utf8.csv",
]


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_layout_gives_the_same_counts(tmp_path, example, run, name):
    # Eight people and one of them twice (her address in capitals); SurveyMonkey's
    # second header row is not a person; "Other (please specify)" texts are
    # classified; the sessions question is found by its options.
    path, layout = _write(tmp_path, name)
    result = run("registrations", exports.EVENT, path, "--notes", example)
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[0] == f"Formato riconosciuto: {layout}."
    assert lines[1].startswith(f"Iscritti all'evento «{exports.EVENT}»: 8.")
    assert "1 iscrizione ripetuta con lo stesso indirizzo e-mail contata una volta sola." in lines
    assert _example_registrations(example) == models.Registrations.model_validate({
        "source": f"modulo di iscrizione ({layout})",
        "registered": {actor: str(count) for actor, count in exports.REGISTERED.items()},
        "unclassified": str(exports.UNCLASSIFIED),
        "sessions": {
            session: {"registered": {a: str(c) for a, c in counts["registered"].items()},
                      "unclassified": str(counts["unclassified"])}
            for session, counts in exports.SESSIONS.items()
        },
    })


def test_a_surveymonkey_export_from_an_italian_account(tmp_path, example, run):
    # The metadata column "Indirizzo e-mail" (empty) sits before the form's own
    # question of the same name: the question is the one read.
    path, _ = _write(tmp_path, "surveymonkey-it.xlsx")
    result = run("registrations", exports.EVENT, path, "--notes", example)
    target = example / exports.EVENT / "registrations.yaml"
    assert result.stdout == (
        "Formato riconosciuto: SurveyMonkey, XLSX.\n"
        f"Iscritti all'evento «{exports.EVENT}»: 8. Per tipo di attore (dalla colonna «Tipologia di ente»):\n"
        "  Ente locale (local_authority): 1\n"
        "  Organizzazione della società civile (ngo): 1\n"
        "  Associazione della diaspora (diaspora_association): 1\n"
        "  Sindacato (trade_union): 1\n"
        "  Università e ricerca (university): 1\n"
        "  Economia sociale (social_economy): 1\n"
        "  non classificati: 2\n"
        "1 iscrizione ripetuta con lo stesso indirizzo e-mail contata una volta sola.\n"
        "Tipi di organizzazione non riconosciuti, contati tra i non classificati: «Gruppo informale di quartiere» (1)."
        " Per classificarli, aggiungili sotto «values:» in un file di corrispondenze (--map).\n"
        "Iscritti per sessione (dalla domanda «Quali sessioni seguirai?»):\n"
        "  plenaria-mattina «Plenaria di apertura – Cooperazione decentrata e migrazione…»: 5"
        " (dall'opzione «Plenaria di apertura – Cooperazione decentrata e migrazione…»)\n"
        "    Ente locale (local_authority): 1\n"
        "    Associazione della diaspora (diaspora_association): 1\n"
        "    Sindacato (trade_union): 1\n"
        "    Università e ricerca (university): 1\n"
        "    non classificati: 1\n"
        "  cooperazione-decentrata-agenda-2030 «La Cooperazione Decentrata nel contesto dell'Agenda 2030 e …»: 3"
        " (dall'opzione «Laboratorio 1: La Cooperazione Decentrata nel contesto dell…»)\n"
        "    Ente locale (local_authority): 1\n"
        "    Università e ricerca (university): 1\n"
        "    Economia sociale (social_economy): 1\n"
        "    non classificati: 0\n"
        "  migrazione-cooperazione-internazionale «Migrazione e Cooperazione Internazionale»: 4"
        " (dall'opzione «Laboratorio 2 (pomeriggio, Sala Einaudi): Migrazione e Coop…»)\n"
        "    Organizzazione della società civile (ngo): 1\n"
        "    Associazione della diaspora (diaspora_association): 1\n"
        "    Sindacato (trade_union): 1\n"
        "    non classificati: 1\n"
        "Opzioni non ricondotte a una sessione: «Solo il pranzo» (1). Per assegnarle, aggiungile sotto «sessions:»"
        " in un file di corrispondenze (--map), con l'identificativo della sessione o «~».\n"
        f"Scritto {target}: solo numeri, nessun nome.\n"
    )
    assert target.read_text("utf-8") == (
        "# yaml-language-server: $schema=../../schemas/registrations.schema.json\n"
        "# Iscritti all'evento e alle sessioni per tipo di attore, contati con\n"
        "# «outcomes registrations» dall'esportazione del modulo di iscrizione.\n"
        "# Solo numeri: nessun nome, nessun indirizzo e-mail, nessuna organizzazione.\n"
        "source: modulo di iscrizione (SurveyMonkey, XLSX)\n"
        "registered:\n"
        "  local_authority: 1\n"
        "  ngo: 1\n"
        "  diaspora_association: 1\n"
        "  trade_union: 1\n"
        "  university: 1\n"
        "  social_economy: 1\n"
        "unclassified: 2\n"
        "sessions:\n"
        "  plenaria-mattina:\n"
        "    registered:\n"
        "      local_authority: 1\n"
        "      diaspora_association: 1\n"
        "      trade_union: 1\n"
        "      university: 1\n"
        "    unclassified: 1\n"
        "  cooperazione-decentrata-agenda-2030:\n"
        "    registered:\n"
        "      local_authority: 1\n"
        "      university: 1\n"
        "      social_economy: 1\n"
        "    unclassified: 0\n"
        "  migrazione-cooperazione-internazionale:\n"
        "    registered:\n"
        "      ngo: 1\n"
        "      diaspora_association: 1\n"
        "      trade_union: 1\n"
        "    unclassified: 1\n"
    )


def test_the_mapping_file_names_the_sessions_question_and_its_options(tmp_path, example, run):
    rows = exports.google_rows()
    rows[0][5] = "Turno"  # a question no default name matches
    for row in rows[1:]:
        row[5] = row[5].replace(exports.LAB_AGENDA, "Lab A").replace(exports.LAB_MIGRATION, "Lab B")
    path = exports.write_csv(tmp_path / "google.csv", rows)
    mapping = tmp_path / "mappa.yaml"
    mapping.write_text(
        "sessions_column: [Turno]\n"
        "sessions:\n"
        "  Lab A: cooperazione-decentrata-agenda-2030\n"
        "  Lab B: migrazione-cooperazione-internazionale\n"
        "  Solo il pranzo: ~\n", "utf-8")
    result = run("registrations", exports.EVENT, path, "--notes", example, "--map", mapping)
    assert result.exit_code == 0, result.output
    assert "Iscritti per sessione (dalla domanda «Turno»):" in result.stdout
    assert "  migrazione-cooperazione-internazionale «Migrazione e Cooperazione Internazionale»: 4 (dall'opzione «Lab B»)" in result.stdout
    assert "Opzioni non ricondotte" not in result.stdout  # "Solo il pranzo" is mapped to ~
    sessions = _example_registrations(example).sessions
    assert {session: counts.total for session, counts in sessions.items()} == {
        session: sum(counts["registered"].values()) + counts["unclassified"] for session, counts in exports.SESSIONS.items()
    }


def test_a_session_without_a_note_is_kept_with_a_warning(tmp_path, example, run):
    mapping = tmp_path / "mappa.yaml"
    mapping.write_text("sessions:\n  Solo il pranzo: pranzo-di-lavoro\n", "utf-8")
    path, _ = _write(tmp_path, "google-it.csv")
    assert run("registrations", exports.EVENT, path, "--notes", example, "--map", mapping).exit_code == 0
    registrations = example / exports.EVENT / "registrations.yaml"
    result = run("check", example)
    assert result.exit_code == 0
    line = registrations.read_text("utf-8").splitlines().index("  pranzo-di-lavoro:") + 1
    assert result.stderr == (
        f"{registrations}:{line}:3: warning: sessions.pranzo-di-lavoro: non c'è ancora una nota per la sessione"
        " «pranzo-di-lavoro»: i suoi iscritti saranno pubblicati quando ci sarà\n"
    )


def test_a_numerical_values_export_is_refused(tmp_path, example, run):
    path = exports.write_csv(tmp_path / "numeri.csv", exports.surveymonkey_rows("en", numerical=True))
    result = run("registrations", exports.EVENT, path, "--notes", example)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"{path}:1:1: error: (file): è un'esportazione SurveyMonkey con i valori numerici al posto delle risposte:"
        " esporta di nuovo «All individual responses» scegliendo «Actual answer text» (il testo delle risposte)"
        " e colonne «Expanded»\n"
    )
    assert not (example / exports.EVENT / "registrations.yaml").exists()


# --- Bad input: a message, exit 1, nothing written -----------------------------------------


def _refused(run, notes, path, message: str, line: int = 1, event: str = EVENT) -> None:
    before = sorted(p for p in notes.rglob("*"))
    result = run("registrations", event, path, "--notes", notes)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"{path}:{line}:1: error: (file): {message}\n"
    assert sorted(p for p in notes.rglob("*")) == before


def test_an_empty_file(tmp_path, notes, run):
    empty = tmp_path / "vuoto.csv"
    empty.write_bytes(b"")
    _refused(run, notes, empty, "il file è vuoto: esporta di nuovo le risposte del modulo (CSV o XLSX)")
    blank = tmp_path / "righe-vuote.csv"
    blank.write_bytes(b"\xef\xbb\xbf\r\n;;\r\n")
    _refused(run, notes, blank, "il file è vuoto: esporta di nuovo le risposte del modulo (CSV o XLSX)")


def test_no_organisation_type_column_lists_the_columns_and_the_map_to_write(tmp_path, notes, run):
    rows = exports.surveymonkey_rows("it")
    rows[0][12] = "A quale tipo di realtà appartieni?"
    path = exports.write_csv(tmp_path / "surveymonkey.csv", rows)
    _refused(run, notes, path, (
        "non trovo la colonna del tipo di organizzazione (cercavo «Tipologia di ente», «Tipologia ente», «Tipo di ente»,"
        " «Tipo di organizzazione», …); colonne del file: «Nome e cognome», «Indirizzo e-mail», «Ente / organizzazione»,"
        " «A quale tipo di realtà appartieni?», «Quali sessioni seguirai?», «Esigenze particolari (accessibilità,"
        " alimentazione)». Indica quella giusta in un file di corrispondenze, per esempio mappa.yaml con la riga"
        " «organisation_type_column: [\"A quale tipo di realtà appartieni?\"]», e passalo con --map mappa.yaml"
    ))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "no-sheet-xml"])
def test_an_unreadable_xlsx(tmp_path, notes, run, damage):
    good, _ = _write(tmp_path, "google.xlsx")
    path = tmp_path / f"{damage}.xlsx"
    data = good.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"PK\x03\x04" + os.urandom(2000))
        detail = "BadZipFile"
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
        detail = "BadZipFile"
    else:
        with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
            for item in source.infolist():
                if item.filename != "xl/worksheets/sheet1.xml":
                    target.writestr(item, source.read(item.filename))
        detail = "xl/worksheets"
    _refused(run, notes, path, (
        f"il file XLSX è danneggiato e non si può leggere ({detail}): esporta di nuovo le risposte,"
        " oppure aprilo e salvalo di nuovo"
    ))


def test_an_old_excel_file(tmp_path, notes, run):
    path = tmp_path / "iscrizioni.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)
    _refused(run, notes, path, "è un file Excel 97-2003 (.xls): salvalo come .xlsx o CSV, oppure esporta di nuovo le risposte")


# The process's own VmHWM as it exits: ru_maxrss would also count the
# pytest process it was forked from (its memory at fork survives exec).
MEASURED = """\
import atexit, sys
peak = sys.argv.pop(1)
def write_peak():
    status = open("/proc/self/status").read().splitlines()
    open(peak, "w").write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
atexit.register(write_peak)
from outcomes.cli import cli
cli()
"""


def _measured(*args: str) -> tuple[subprocess.CompletedProcess, float, int]:
    """Run ``outcomes ARGS`` in its own process: result, seconds, its own peak memory (KB)."""
    with tempfile.TemporaryDirectory() as folder:
        peak = Path(folder) / "peak"
        command = [sys.executable, "-c", MEASURED, str(peak), *map(str, args)]
        started = time.monotonic()
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
        elapsed = time.monotonic() - started
        return result, elapsed, int(peak.read_text())


def test_a_million_rows_answer_in_seconds_with_flat_memory(tmp_path, notes):
    path = tmp_path / "milione.csv"
    with open(path, "w", encoding="utf-8", newline="") as file:
        file.write("Informazioni cronologiche,Indirizzo email,Tipologia di ente\r\n")
        row = "14/10/2019 09:12:01,persona-{}@example.org,Comune\r\n"
        file.writelines(row.format(number) for number in range(1_000_000))
    assert path.stat().st_size > 50_000_000
    result, seconds, peak = _measured("registrations", EVENT, path, "--notes", notes)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"{path}:1:1: error: (file): il file ha più di 100.000 righe: non è l'esportazione delle iscrizioni di un evento\n"
    )
    assert seconds < 30 and peak < 300_000, (seconds, peak)  # generous: about 1 s and 50 MB here
    assert not (notes / EVENT / "registrations.yaml").exists()


def _big_xlsx(path, rows: int) -> None:
    """An XLSX of ``rows`` rows written as a stream (openpyxl would take minutes),
    without the <dimension> element that would give its size away."""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',  # noqa: E501 - the parts as Excel writes them
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',  # noqa: E501 - the parts as Excel writes them
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Foglio1" sheetId="1" r:id="rId1"/></sheets></workbook>',  # noqa: E501 - the parts as Excel writes them
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',  # noqa: E501 - the parts as Excel writes them
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in parts.items():
            package.writestr(name, text)
        with package.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            cell = '<c t="inlineStr"><is><t>{}</t></is></c>'
            sheet.write(f'<row>{cell.format("Indirizzo email")}{cell.format("Tipologia di ente")}</row>'.encode())
            chunk = []
            for number in range(rows):
                chunk.append(f"<row>{cell.format(f'p{number}@example.org')}{cell.format('Comune')}</row>")
                if len(chunk) == 10_000:
                    sheet.write("".join(chunk).encode())
                    chunk = []
            sheet.write(("".join(chunk) + "</sheetData></worksheet>").encode())


def test_a_million_row_xlsx_answers_in_seconds_with_flat_memory(tmp_path, notes):
    path = tmp_path / "milione.xlsx"
    _big_xlsx(path, 1_000_000)
    result, seconds, peak = _measured("registrations", EVENT, path, "--notes", notes)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.endswith("il file ha più di 100.000 righe: non è l'esportazione delle iscrizioni di un evento\n")
    assert seconds < 60 and peak < 300_000, (seconds, peak)  # generous: see the README for the times measured
    assert not (notes / EVENT / "registrations.yaml").exists()


# --- Hostile files (issue 18): no hang, no traceback, nothing dumped ------------------------


@pytest.mark.parametrize("which", ["export", "map"])
def test_a_fifo_is_refused_at_once(tmp_path, notes, which):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    export = fifo if which == "export" else CSV / "iscrizioni-google.csv"
    mapping = ["--map", fifo] if which == "map" else []
    result, seconds, _ = _measured("registrations", EVENT, export, "--notes", notes, *mapping)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"{fifo}:1:1: error: (file): non è un file ma una pipe con nome (FIFO): non lo leggo\n"
    assert seconds < 30 and not (notes / EVENT / "registrations.yaml").exists()


def test_a_fifo_among_the_session_notes_does_not_hang(notes):
    # Session titles are read from the notes, leniently: a FIFO named like a
    # session note is passed over (unread), the counts are those without it.
    export = CSV / "iscrizioni-google.csv"
    reference, _, _ = _measured("registrations", EVENT, export, "--notes", notes)
    os.mkfifo(notes / EVENT / "sessione-fifo.yaml")
    result, seconds, _ = _measured("registrations", EVENT, export, "--notes", notes)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == reference.stdout and result.stdout.startswith("Formato riconosciuto: Google Moduli, CSV.\n")
    assert seconds < 30
    assert _registrations(notes).registered == {
        "local_authority": 2, "ngo": 1, "diaspora_association": 2, "trade_union": 1, "university": 1, "social_economy": 1,
    }


def test_a_file_too_large_is_refused_before_reading(tmp_path, notes, run):
    path = tmp_path / "enorme.csv"
    with open(path, "wb") as file:  # sparse: 3 GB that take no room
        file.write(b"Indirizzo email,Tipologia di ente\n")
        file.truncate(3 * 2**30)
    _refused(run, notes, path, "il file è troppo grande per un'esportazione di iscrizioni (3072.0 MB, al massimo 64 MB)")


def test_utf16_with_an_odd_byte_count(tmp_path, notes, run):
    path = tmp_path / "utf16.csv"
    text = "Indirizzo email\tTipologia di ente\r\na@example.org\tComune\r\nb@example.org\tONG / OSC\r\n"
    path.write_bytes(text.encode("utf-16") + b"\x0a")  # Excel's "Unicode text", cut one byte too long
    result = run("registrations", EVENT, path, "--notes", notes)
    assert result.exit_code == 0, result.output
    assert _registrations(notes).registered == {"local_authority": 1, "ngo": 1}


def test_a_cell_over_the_csv_field_limit(tmp_path, notes, run):
    path = tmp_path / "lunga.csv"
    path.write_text('Indirizzo email,Tipologia di ente,Note\r\na@example.org,Comune,"' + "x" * 200_000 + '"\r\n', "utf-8")
    _refused(run, notes, path, (
        "la cella che inizia alla riga 2 supera 131072 caratteri: di solito sono virgolette (\") aperte e mai chiuse."
        " Esporta di nuovo le risposte dal modulo"
    ), line=2)


def test_an_unclosed_quote_never_prints_the_rest_of_the_file(tmp_path, notes, run):
    rows = ["Nome,Indirizzo email,Tipologia di ente"]
    rows.append('Anna Rossetti,anna@example.org,"Comune')  # the quote is never closed
    rows += [f"Persona {n},persona{n}@example.org,Comune" for n in range(50)]
    path = tmp_path / "virgolette.csv"
    path.write_text("\r\n".join(rows) + "\r\n", "utf-8")
    result = run("registrations", EVENT, path, "--notes", notes)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"{path}:2:1: error: (file): virgolette (\") aperte alla riga 2 e non chiuse correttamente:"
        " il file è stato modificato a mano? Esporta di nuovo le risposte dal modulo\n"
    )
    assert "@" not in result.output and not (notes / EVENT / "registrations.yaml").exists()


def test_values_are_shown_safely_for_a_terminal(tmp_path, notes, run):
    path = tmp_path / "escape.csv"
    hostile = "\x1b]0;titolo\x07\x1b[31mRosso\x1b[0m"
    path.write_text(
        "Indirizzo email,Tipologia di ente\r\n"
        f'a@example.org,{hostile}\r\n'
        f'b@example.org,{"Associazione " * 20}\r\n', "utf-8")
    result = run("registrations", EVENT, path, "--notes", notes)
    assert result.exit_code == 0
    assert "\x1b" not in result.output and "\x07" not in result.output
    unknown = next(line for line in result.stdout.splitlines() if line.startswith("Tipi di organizzazione"))
    assert unknown == (
        "Tipi di organizzazione non riconosciuti, contati tra i non classificati:"
        " «\\x1b]0;titolo\\x07\\x1b[31mRosso\\x1b[0m» (1),"
        f" «{('Associazione ' * 20)[:59]}…» (1)."
        " Per classificarli, aggiungili sotto «values:» in un file di corrispondenze (--map)."
    )


@pytest.mark.parametrize("event", ["/tmp/evento", "../evento", "convegno-2019/../../fuori", ".."])
def test_an_event_that_is_a_path_is_refused(tmp_path, notes, run, event):
    before = sorted(tmp_path.rglob("*"))
    result = run("registrations", event, CSV / "iscrizioni-google.csv", "--notes", notes)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith(f"«{event}» non va bene come identificativo di un evento:")
    assert sorted(tmp_path.rglob("*")) == before


# --- Nothing personal anywhere, counts by session everywhere -------------------------------


def test_no_personal_data_in_any_file_written_from_any_layout(tmp_path, example, run):
    personal = exports.personal_values()
    assert {"Trabucchetti", "o.belvedeschi@example.net", "Camera del Lavoro di Valfredda", "pasto vegetariano"} <= personal
    exports_dir = tmp_path / "esportazioni"
    exports_dir.mkdir()
    paths = [_write(exports_dir, name)[0] for name in LAYOUTS]
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    for path in paths:
        result = run("registrations", exports.EVENT, path, "--notes", example)
        assert result.exit_code == 0, result.output
        for value in personal:
            assert value not in result.output, (path.name, value)
    out = tmp_path / "build"
    result = run("build", "--notes", example, "--out", out)
    assert result.exit_code == 0, result.output
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p not in before]
    assert example / exports.EVENT / "registrations.yaml" in written and out / "outcomes.db" in written
    assert out / "proceedings" / f"{exports.EVENT}.docx" in written
    for path, data in _contents(written):
        for value in personal:
            for encoded in {value.encode("utf-8"), value.encode("utf-16-le"), value.lower().encode("utf-8")}:
                assert encoded not in data, f"{value!r} found in {path}"
    with sqlite3.connect(out / "outcomes.db") as db:
        rows = db.execute(
            "select session_id, actor_type_id, count from session_registrations order by 1, 2").fetchall()
        totals = db.execute("select id, registered_total from sessions order by id").fetchall()
    assert rows == sorted(
        (f"{exports.EVENT}--{session}", actor, count)
        for session, counts in exports.SESSIONS.items() for actor, count in counts["registered"].items()
    )
    assert totals == sorted(
        (f"{exports.EVENT}--{session}", sum(counts["registered"].values()) + counts["unclassified"])
        for session, counts in exports.SESSIONS.items()
    )


def test_a_free_text_answer_holding_a_session_title_is_not_the_sessions_question(tmp_path, example, run):
    # No question lists the sessions; one organisation's name holds a session's title.
    rows = [row[:5] for row in exports.google_rows()]
    rows[3][3] = "Osservatorio Migrazione e Cooperazione Internazionale"
    path = exports.write_csv(tmp_path / "google.csv", rows)
    result = run("registrations", exports.EVENT, path, "--notes", example)
    assert result.exit_code == 0
    assert "Nessuna domanda del modulo nomina le sessioni dell'evento" in result.stdout
    for value in exports.personal_values() | {rows[3][3]}:
        assert value not in result.stdout
    assert _example_registrations(example).sessions == {}
