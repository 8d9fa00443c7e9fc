"""Registration form exports written the way each tool writes them (see the
"Registration exports" field notes), from one list of invented people.

SurveyMonkey ("All individual responses", expanded columns, actual answer
text): two header rows, the question text only on a question's first column,
then ``Response`` / ``Open-Ended Response`` / one option per checkbox column /
``Other (please specify)``; nine metadata columns first, translated with an
Italian account; month-first dates (Excel serial dates in the XLSX). Google
Forms: one header row, ``Timestamp`` first, multi-select joined with ", ".
Microsoft Forms: ``ID, Start time, Completion time, Email, Name`` first,
multi-select as ``A;B;``. Everyone here is invented.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

EVENT = "sguardi-cooperazione-migrazione-2019"

PLENARY = "Plenaria di apertura – Cooperazione decentrata e migrazione per lavoro in Piemonte (ore 9:30)"
LAB_AGENDA = "Laboratorio 1: La Cooperazione Decentrata nel contesto dell'Agenda 2030 e il ruolo degli attori locali"
LAB_MIGRATION = "Laboratorio 2 (pomeriggio, Sala Einaudi): Migrazione e Cooperazione Internazionale"
BUFFET = "Solo il pranzo"
OPTIONS = [PLENARY, LAB_AGENDA, LAB_MIGRATION, BUFFET]
TYPES = [
    "Comune / Unione di comuni", "Organizzazione non governativa (ONG)", "Associazione di migranti",
    "Università / Centro di ricerca", "Privato cittadino",
]

NAME_Q = "Nome e cognome"
EMAIL_Q = "Indirizzo e-mail"
ORGANISATION_Q = "Ente / organizzazione"
TYPE_Q = "Tipologia di ente"
SESSIONS_Q = "Quali sessioni seguirai?"
NOTES_Q = "Esigenze particolari (accessibilità, alimentazione)"


@dataclass
class Person:
    name: str
    email: str
    organisation: str
    type: str  # an option of TYPES, or the text typed after "Other (please specify)"
    sessions: list[str]
    note: str = ""

    @property
    def other(self) -> bool:
        return self.type not in TYPES


PEOPLE = [
    Person("Ginevra Trabucchetti", "ginevra.trabucchetti@example.org", "Comune di Montalto Sereno",
           "Comune / Unione di comuni", [PLENARY, LAB_AGENDA]),
    Person("Ousmane Belvedeschi", "o.belvedeschi@example.net", "Associazione Baobab Subalpino",
           "Associazione di migranti", [PLENARY, LAB_MIGRATION], "pasto vegetariano"),
    Person("Rosalba Cinquemani", "rosalba.cinquemani@example.com", "ONG Pozzi e Sorgenti",
           "Organizzazione non governativa (ONG)", [LAB_MIGRATION]),
    Person("Teodoro Scarampiello", "teodoro.scarampiello@example.org", "Camera del Lavoro di Valfredda",
           "Sindacato", [PLENARY, LAB_MIGRATION]),  # typed after "Other (please specify)"
    Person("Fatou Moncalvesi", "fatou.moncalvesi@example.net", "Cooperativa Il Ponte Lungo",
           "Cooperativa sociale", [LAB_AGENDA, BUFFET]),  # typed after "Other (please specify)"
    Person("Edoardo Pianezzotti", "edoardo.pianezzotti@example.org", "Università del Monviso",
           "Università / Centro di ricerca", [PLENARY, LAB_AGENDA]),
    Person("Samira Quattrocolli", "samira.q@example.com", "Circolo Tamburi di Pietra",
           "Gruppo informale di quartiere", [LAB_MIGRATION]),  # Other, not an actor type
    Person("Ludovica Ferrerotti", "ludovica.ferrerotti@example.org", "-",
           "Privato cittadino", [PLENARY]),
    # Ginevra again, her address typed in capitals: counted once.
    Person("Ginevra Trabucchetti", "Ginevra.Trabucchetti@Example.org", "Comune di Montalto Sereno",
           "Comune / Unione di comuni", [PLENARY, LAB_AGENDA]),
]

# What every layout must give for PEOPLE (the duplicate counted once).
REGISTERED = {"local_authority": 1, "ngo": 1, "diaspora_association": 1, "trade_union": 1, "university": 1,
              "social_economy": 1}
UNCLASSIFIED = 2  # "Privato cittadino" (mapped to ~) and "Gruppo informale di quartiere"
SESSIONS = {
    "plenaria-mattina": {"registered": {"local_authority": 1, "diaspora_association": 1, "trade_union": 1,
                                        "university": 1}, "unclassified": 1},
    "cooperazione-decentrata-agenda-2030": {"registered": {"local_authority": 1, "university": 1,
                                                           "social_economy": 1}, "unclassified": 0},
    "migrazione-cooperazione-internazionale": {"registered": {"ngo": 1, "diaspora_association": 1,
                                                              "trade_union": 1}, "unclassified": 1},
}

METADATA = {
    "en": ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
           "First Name", "Last Name", "Custom Data 1"],
    "it": ["ID rispondente", "ID raccoglitore", "Data di inizio", "Data di fine", "Indirizzo IP",
           "Indirizzo e-mail", "Nome", "Cognome", "Dati personalizzati 1"],
}
SUBHEADERS = {
    "en": {"response": "Response", "open": "Open-Ended Response", "other": "Other (please specify)"},
    "it": {"response": "Risposta", "open": "Risposta aperta", "other": "Altro (specificare)"},
}


def _when(index: int) -> dt.datetime:
    return dt.datetime(2019, 10, 2, 9, 1, 11) + dt.timedelta(minutes=37 * index)


def surveymonkey_rows(lang: str = "en", numerical: bool = False, xlsx: bool = False) -> list[list]:
    """The two header rows and one row per response."""
    sub = SUBHEADERS[lang]
    questions = METADATA[lang] + [NAME_Q, EMAIL_Q, ORGANISATION_Q, TYPE_Q, "", SESSIONS_Q, *[""] * (len(OPTIONS) - 1), NOTES_Q]
    options = [""] * 9 + [sub["open"], sub["open"], sub["open"], sub["response"], sub["other"], *OPTIONS, sub["open"]]
    rows = [questions, options]
    for index, person in enumerate(PEOPLE):
        start = _when(index)
        end = start + dt.timedelta(minutes=3, seconds=12)
        dates = [start, end] if xlsx else [_month_first(start), _month_first(end)]
        # Web-link collectors leave e-mail, names and custom data blank.
        metadata = [11402519000 + index * 7, 240155901, *dates, f"192.0.2.{10 + index}", "", "", "", ""]
        chosen = "" if person.other else person.type
        if numerical and chosen:
            chosen = str(TYPES.index(chosen) + 1)
        sessions = [
            (str(position + 1) if numerical else option) if option in person.sessions else ""
            for position, option in enumerate(OPTIONS)
        ]
        rows.append(metadata + [person.name, person.email, person.organisation, chosen,
                                person.type if person.other else "", *sessions, person.note])
    return rows


def _month_first(moment: dt.datetime) -> str:
    return moment.strftime("%m/%d/%Y %I:%M:%S %p")


def google_rows(lang: str = "it") -> list[list]:
    first = {"it": "Informazioni cronologiche", "en": "Timestamp"}[lang]
    rows = [[first, NAME_Q, EMAIL_Q, ORGANISATION_Q, TYPE_Q, SESSIONS_Q, NOTES_Q]]
    for index, person in enumerate(PEOPLE):
        rows.append([_when(index).strftime("%d/%m/%Y %H:%M:%S"), person.name, person.email, person.organisation,
                     person.type, ", ".join(person.sessions), person.note])
    return rows


def microsoft_rows() -> list[list]:
    rows = [["ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
             NAME_Q, EMAIL_Q, ORGANISATION_Q, TYPE_Q, SESSIONS_Q, NOTES_Q]]
    for index, person in enumerate(PEOPLE):
        start = _when(index)
        rows.append([index + 1, start, start + dt.timedelta(minutes=4), "anonymous", "", "",
                     person.name, person.email, person.organisation, person.type,
                     "".join(f"{option};" for option in person.sessions), person.note])
    return rows


def spreadsheet_rows() -> list[list]:
    """What an office keeps by hand: one header row, one option per cell."""
    rows = [["Cognome e nome", "E-mail", "Organizzazione", TYPE_Q, SESSIONS_Q]]
    for person in PEOPLE:
        rows.append([person.name, person.email, person.organisation, person.type, "; ".join(person.sessions)])
    return rows


def write_csv(path: Path, rows: list[list], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(
        [["" if cell is None else cell for cell in row] for row in rows]
    )
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    """An XLSX as Excel writes one: dates as date cells (serial numbers inside)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append([None if cell == "" else cell for cell in row])
    book.save(path)
    return path


def personal_values() -> set[str]:
    """Everything of PEOPLE that must never be written: names (whole and in
    parts), e-mail addresses, organisations, free text."""
    values = set()
    for person in PEOPLE:
        values |= {person.name, *person.name.split(), person.email, person.email.lower(), person.organisation}
        if person.note:
            values.add(person.note)
    values.discard("-")
    return values
