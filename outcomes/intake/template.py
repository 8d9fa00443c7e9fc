"""``outcomes new``: commented YAML templates for an event and a session.

The templates (``outcomes/templates/*.yaml.j2``) explain each field in
Italian and list the allowed values, generated from the vocabularies. Their
required values are left empty, so ``outcomes check`` names each one still
to fill; once filled, the note is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from .. import load, models, vocab
from ..common.files import write_atomic
from . import IntakeError, check_id
from .files import schema_line


@dataclass(frozen=True)
class Created:
    """The files ``new_note`` wrote, event first."""

    paths: list[Path]
    session: Path


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("outcomes", "templates"),
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
    autoescape=False,
)
_ENVIRONMENT.filters["lower_first"] = _lower_first


def _pack(units: list[str], width: int) -> list[str]:
    """Comma-separated ``units`` in lines of at most ``width`` characters,
    never breaking a unit (an id and its label stay on one line)."""
    lines: list[str] = []
    for unit in units:
        if lines and len(lines[-1]) + len(unit) + 2 <= width:
            lines[-1] += ", " + unit
        else:
            if lines:
                lines[-1] += ","
            lines.append(unit)
    return lines


def _terms_lines(terms: vocab.Vocabulary, width: int = 72) -> list[str]:
    """``id (Etichetta), id (Etichetta), ...`` packed into comment lines."""
    return _pack([f"{term.id} ({term.label('it')})" for term in terms], width)


def event_template(event_id: str, folder: Path) -> str:
    return _ENVIRONMENT.get_template("event.yaml.j2").render(
        schema=_schema_target("event"), event=event_id, folder=folder.as_posix()
    )


def session_template(event_id: str, session_id: str, path: Path, kind: str = "workshop", event: models.Event | None = None) -> str:
    statuses = vocab.statuses()
    return _ENVIRONMENT.get_template("session.yaml.j2").render(
        schema=_schema_target("session"),
        event=event_id,
        session=session_id,
        path=path.as_posix(),
        kind=kind,
        event_dates=_event_dates(event),
        session_kinds=list(vocab.session_kinds()),
        actor_types=list(vocab.actor_types()),
        themes=list(vocab.themes()),
        outcome_types=list(vocab.outcome_types()),
        statuses=list(statuses),
        actor_lines=_terms_lines(vocab.actor_types(), 72),
        theme_lines=_terms_lines(vocab.themes(), 72),
        status_lines=_pack([f"{term.id} ({term.label('it').lower()})" for term in statuses], 72),
    )


def _schema_target(name: str) -> str:
    return schema_line(name).split("=", 1)[1]


def _event_dates(event: models.Event | None) -> str:
    if event is None:
        return ""
    if event.end_date and event.end_date != event.start_date:
        return f"dal {event.start_date.isoformat()} al {event.end_date.isoformat()}"
    return f"il {event.start_date.isoformat()}"


def new_note(notes_dir: Path, event_id: str, session_id: str, kind: str = "workshop") -> Created:
    """Write ``notes/EVENT/SESSION.yaml`` and, if missing, ``notes/EVENT/event.yaml``.

    Refuses to overwrite an existing session note.
    """
    check_id(event_id, "event")
    check_id(session_id, "session")
    folder = notes_dir / event_id
    session_path = folder / f"{session_id}.yaml"
    if session_path.exists():
        raise IntakeError("note_exists", path=str(session_path))
    written = []
    event_path = folder / load.EVENT_FILE
    if not event_path.exists():
        write_atomic(event_path, event_template(event_id, folder))
        written.append(event_path)
        event = None
    else:
        note = load.load_event(folder, load.Problems())
        event = note.event if note else None
    write_atomic(session_path, session_template(event_id, session_id, session_path, kind, event))
    written.append(session_path)
    return Created(written, session_path)
