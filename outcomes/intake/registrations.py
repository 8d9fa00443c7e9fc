"""``outcomes registrations``: how many registered for an event, by actor type.

The registration form's CSV export (Google Forms, Microsoft Forms, any
spreadsheet) holds names, e-mail addresses and organisations: personal data
that must never be published. This module reads only two columns, the
organisation type (to count) and the e-mail address (to count a person who
registered twice once), keeps them in memory only, and writes nothing but
head counts by actor type to ``notes/<event-id>/registrations.yaml``.

Which column is which, and which organisation types mean which actor type,
comes from a small mapping file: ``outcomes/templates/registrations-map.yaml``
by default, extended by the user's own with ``--map``.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from pydantic import Field

from .. import load, models, vocab
from ..messages import message
from .files import dump_note, schema_line, write_atomic
from .names import term_named
from . import IntakeError

DEFAULT_MAP = "registrations-map.yaml"
DELIMITERS = (",", ";", "\t")


class RegistrationMap(models.Strict):
    """A mapping file: where the form keeps the organisation type and the
    e-mail address, and which actor type each organisation type is."""

    organisation_type_column: list[models.Line] = Field(
        default_factory=list, title="Colonna del tipo di organizzazione"
    )
    email_column: list[models.Line] = Field(
        default_factory=list, title="Colonna dell'indirizzo e-mail"
    )
    values: dict[models.Line, models.ActorType | None] = Field(
        default_factory=dict, title="Tipo di organizzazione -> tipo di attore"
    )

    def then(self, other: RegistrationMap) -> RegistrationMap:
        """This mapping first, ``other`` for what it does not say."""
        return RegistrationMap(
            organisation_type_column=[*self.organisation_type_column, *other.organisation_type_column],
            email_column=[*self.email_column, *other.email_column],
            values={**other.values, **self.values},
        )

    def actor_type(self, value: str) -> tuple[bool, str | None]:
        """(known, actor type id) for an organisation type as the form wrote it."""
        wanted = vocab.fold(value)
        for name, actor in self.values.items():
            if vocab.fold(name) == wanted:
                return True, actor
        actor = term_named("actor_types", value)
        return actor is not None, actor


def load_map(path: Path | None, problems: load.Problems) -> RegistrationMap | None:
    """The default mapping, with the user's file (if any) taking precedence."""
    default_text = resources.files("outcomes").joinpath("templates", DEFAULT_MAP).read_text("utf-8")
    default = RegistrationMap.model_validate(load.to_python(load.compose(default_text), default_text, DEFAULT_MAP, problems))
    if path is None:
        return default
    parsed = load.parse_note(path, problems)
    if parsed is None:
        return None
    user = load.validate(RegistrationMap, parsed[0], parsed[1], path, problems, {})
    return user.then(default) if user is not None else None


# --- Reading the CSV export -----------------------------------------------------------------


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV export, whatever its encoding and delimiter."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise IntakeError("csv_unreadable", detail=error.strerror or str(error)) from None
    text = _decode(data)
    if not text.strip():
        raise IntakeError("csv_empty")
    delimiter = _delimiter(text)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise IntakeError("csv_empty")
    return [cell.strip() for cell in rows[0]], rows[1:]


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 (Excel)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    """The delimiter that splits the header into the most columns:
    Italian spreadsheets export with ``;``, Google Forms with ``,``."""
    header = text.splitlines()[0]
    return max(DELIMITERS, key=lambda d: len(next(csv.reader([header], delimiter=d))))


def _column(header: list[str], names: list[str]) -> int | None:
    folded = [vocab.fold(cell) for cell in header]
    for name in names:
        if vocab.fold(name) in folded:
            return folded.index(vocab.fold(name))
    return None


# --- Counting -------------------------------------------------------------------------------


@dataclass
class Tally:
    """Head counts for an event, and what could not be classified."""

    registered: Counter = field(default_factory=Counter)
    unclassified: int = 0
    unknown_values: Counter = field(default_factory=Counter)  # organisation types, never people
    duplicates: int = 0
    column: str = ""

    @property
    def total(self) -> int:
        return sum(self.registered.values()) + self.unclassified


def count(header: list[str], rows: list[list[str]], mapping: RegistrationMap) -> Tally:
    """Count each person once by the actor type of their organisation."""
    type_column = _column(header, mapping.organisation_type_column)
    if type_column is None:
        raise IntakeError(
            "csv_no_type_column",
            wanted=", ".join(f"«{name}»" for name in mapping.organisation_type_column[:4]) + ", …",
            columns=", ".join(f"«{name}»" for name in header),
        )
    email_column = _column(header, mapping.email_column)
    result = Tally(column=header[type_column])
    seen: set[str] = set()
    for row in rows:
        if email_column is not None and email_column < len(row) and row[email_column].strip():
            address = row[email_column].strip().lower()
            if address in seen:
                result.duplicates += 1
                continue
            seen.add(address)
        value = row[type_column].strip() if type_column < len(row) else ""
        known, actor = mapping.actor_type(value) if value else (False, None)
        if actor:
            result.registered[actor] += 1
        else:
            result.unclassified += 1
            if not known:
                result.unknown_values[value] += 1
    return result


def registrations_text(result: Tally) -> str:
    """The YAML of ``registrations.yaml``: numbers only."""
    order = vocab.actor_types().ids
    data = {
        "source": message("registrations_source", "it"),
        "registered": {actor: result.registered[actor] for actor in order if result.registered[actor]},
        "unclassified": result.unclassified,
    }
    header = [schema_line("registrations"), *message("registrations_header", "it").split("\n")]
    return dump_note(data, header)


@dataclass
class RegistrationsResult:
    problems: load.Problems
    count: Tally | None = None
    path: Path | None = None


def import_registrations(notes_dir: Path, event_id: str, csv_path: Path, map_path: Path | None = None) -> RegistrationsResult:
    """Count the registrations in ``csv_path`` and write them for ``event_id``."""
    problems = load.Problems()
    folder = notes_dir / event_id
    if not (folder / load.EVENT_FILE).exists():
        problems.add(folder / load.EVENT_FILE, 1, 1, "", "event_not_found", event=event_id, notes=str(notes_dir))
        return RegistrationsResult(problems)
    mapping = load_map(map_path, problems)
    if mapping is None:
        return RegistrationsResult(problems)
    try:
        header, rows = read_csv(csv_path)
        result = count(header, rows, mapping)
    except IntakeError as error:
        problems.add(csv_path, 1, 1, "", error.kind, **error.context)
        return RegistrationsResult(problems)
    text = registrations_text(result)
    target = folder / load.REGISTRATIONS_FILE
    with tempfile.TemporaryDirectory() as temporary:  # check before replacing anything
        check = Path(temporary) / load.REGISTRATIONS_FILE
        check.write_text(text, encoding="utf-8")
        load.load_registrations(check, problems)
    if problems.errors:
        return RegistrationsResult(problems, result)
    write_atomic(target, text)
    return RegistrationsResult(problems, result, target)
