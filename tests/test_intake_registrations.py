"""``outcomes registrations``: head counts from a registration form's CSV
export, and never a name or an e-mail address anywhere that is published."""

from __future__ import annotations

import csv
import io
import sqlite3
import zipfile

import pytest

from conftest import FIXTURES
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
        f"Scritto {path}: solo numeri, nessun nome.\n"
    )
    assert path.read_text(encoding="utf-8") == (
        "# yaml-language-server: $schema=../../schemas/registrations.schema.json\n"
        "# Iscritti all'evento per tipo di attore, contati con «outcomes registrations»\n"
        "# dall'esportazione CSV del modulo di iscrizione. Solo numeri: nessun nome,\n"
        "# nessun indirizzo e-mail, nessuna organizzazione.\n"
        "source: modulo di iscrizione (esportazione CSV)\n"
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
        "source": "modulo di iscrizione (esportazione CSV)",
        "registered": {"local_authority": "2", "ngo": "1", "diaspora_association": "2", "trade_union": "1",
                       "university": "1", "social_economy": "1"},
        "unclassified": "4",
    })


def test_an_excel_export_with_semicolons_in_windows_encoding(notes, run):
    result = run("registrations", EVENT, CSV / "iscrizioni-excel.csv", "--notes", notes, "--lang", "en")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:6] == [
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
        "source": "modulo di iscrizione (esportazione CSV)",
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
        " «Ente di appartenenza», «Categoria ente». Indica quella giusta in un file di corrispondenze con"
        " «organisation_type_column:» e passalo con --map\n"
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
