"""The facilitator's web form, derived from the models, and back to a note.

Each field of ``models.Session`` (and of the lists of models inside it)
becomes a control, with its Italian title and description: its widget comes
from the field's type (``Line``, ``Markdown``, ``Date``, ``Time``, ``Count``,
a vocabulary). Nothing here lists the fields of a note.

A posted form becomes the plain data a YAML note holds (``form_to_data``),
then YAML text (``outcomes.intake.files.dump_note``), which the loader checks
as it checks any note; each problem's field path (``outcomes[2].sdg_targets[1]``)
is mapped back to the control it came from (``outcomes.2.sdg_targets``).
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pydantic import BaseModel, BeforeValidator

from .. import load, models, vocab
from ..intake.files import dump_note, schema_line
from ..intake.semantics import derive_id, form_wording, in_model_order, split_codes
from ..common.text import text
from ..messages import field_label
from ..messages import message as render

MAX_FIELD_CHARS = 20_000  # a whole session summary is a few thousand
MAX_ROWS = 100  # outcomes, facilitators, participants... in one note
MAX_FIELDS = 5_000  # keys in one uploaded note, at every level: one at every row limit has about 2,500

_WIDGETS = {
    models.parse_line: "line",
    models.parse_markdown: "text",
    models.parse_date: "date",
    models.parse_time: "time",
    models.parse_count: "count",
    models.parse_slug: "id",
    models.parse_url: "line",
}

# Fields that only a commitment has (owner, due, status), as the JSON Schema says.
COMMITMENT_ONLY = frozenset(models.COMMITMENT_RULES["then"]["required"]) | frozenset(
    models.COMMITMENT_RULES["else"]["properties"]
)


@dataclass(frozen=True)
class Control:
    """One input of the form. ``widget``: line, text, date, time, count, id,
    choice (one of a vocabulary), codes (several, comma-separated), counts
    (a number per actor type)."""

    key: str
    label: str
    help: str
    widget: str
    vocabulary: str | None = None
    required: bool = False
    commitment_only: bool = False
    default: str | None = None  # what an empty choice means (the model's default)


@dataclass(frozen=True)
class Group:
    """A list of models in the note (facilitators, quotes, outcomes)."""

    key: str
    label: str  # the list: "Esiti"
    item: str  # one of it, numbered: "Esito 3", "Facilitatori 2"
    help: str
    controls: tuple[Control, ...]
    noun: str = ""  # what "add" adds: "esito", "persona"

    def control(self, key: str) -> Control | None:
        return next((c for c in self.controls if c.key == key), None)


def _unwrap(info) -> tuple[object, list, bool, object | None]:
    """(inner type, its metadata, is a list, dict key type) of a field."""
    annotation, metadata, many, key = info.annotation, list(info.metadata), False, None
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is list:
        many, annotation = True, typing.get_args(annotation)[0]
    elif typing.get_origin(annotation) is dict:
        key, annotation = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        metadata = list(annotation.__metadata__)
        annotation = typing.get_args(annotation)[0]
    return annotation, metadata, many, key


def _vocabulary_of(metadata: list) -> str | None:
    return next((m.name for m in metadata if isinstance(m, models.Vocabulary)), None)


def _control(name: str, info, model: type[BaseModel]) -> Control | Group:
    annotation, metadata, many, key = _unwrap(info)
    label, help = info.title or name, info.description or ""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        controls = tuple(_control(n, i, annotation) for n, i in annotation.model_fields.items())
        title = annotation.model_config.get("title", label)
        return Group(name, label, title, help, controls, title.lower())
    if key is not None:
        key_vocabulary = _vocabulary_of(list(getattr(key, "__metadata__", ())))
        return Control(name, label, help, "counts", key_vocabulary, info.is_required())
    vocabulary = _vocabulary_of(metadata)
    if vocabulary:
        widget = "codes" if many else "choice"
        schema = next((m.make() for m in metadata if isinstance(m, models.LazyJsonSchema)), {})
        label = label if label and label != name else schema.get("title", name)
        help = help or schema.get("description", "")
    else:
        parser = next((m.func for m in metadata if isinstance(m, BeforeValidator)), None)
        widget = "codes" if many else _WIDGETS.get(parser, "line")
    default = info.default if isinstance(info.default, str) else None
    return Control(name, label, help, widget, vocabulary, info.is_required() and name != "id",
                   model is models.Outcome and name in COMMITMENT_ONLY, default)


@cache
def session_controls() -> tuple[Control | Group, ...]:
    """The form of a session note, in the models' order."""
    controls = tuple(_control(name, info, models.Session) for name, info in models.Session.model_fields.items())
    # Two lists of the same model (facilitators, speakers) are told apart by the list's name.
    items = [c.item for c in controls if isinstance(c, Group)]
    return tuple(
        Group(c.key, c.label, c.label if items.count(c.item) > 1 else c.item, c.help, c.controls, c.noun)
        if isinstance(c, Group) else c
        for c in controls
    )


def group(key: str) -> Group:
    return next(c for c in session_controls() if isinstance(c, Group) and c.key == key)


@cache
def terms(name: str, lang: str = "it") -> tuple[tuple[str, str], ...]:
    """(id, label in ``lang``) of each term of a vocabulary, for choosing."""
    return tuple((term.id, term.label(lang)) for term in vocab.vocabulary(name))


def label(control: Control | Group, lang: str = "it") -> str:
    """A control's name: the model's title in Italian, the catalogue's name of the field in another language."""
    if lang == "it":
        return control.label
    name = field_label(control.key, lang)
    return name[:1].upper() + name[1:]


def item(list_group: Group, lang: str = "it") -> str:
    """One row of a list, to be numbered: "Esito", "Outcome"."""
    return list_group.item if lang == "it" else text(f"desk.row_{list_group.key}", lang)


def help_text(control: Control | Group, lang: str = "it") -> str:
    """A control's help: the model's description (Italian); in another language the
    format a date or a time takes, where the catalogue has one."""
    if lang == "it":
        return control.help
    widget = getattr(control, "widget", "")
    return text(f"desk.hint_{widget}", lang) if widget in ("date", "time") else ""


# --- Posted form -> note data --------------------------------------------------------------


class TooLong(Exception):
    """A field longer than ``MAX_FIELD_CHARS`` (``kind`` "desk_field_too_long"),
    or more than ``MAX_ROWS`` rows ("desk_too_many_rows")."""

    def __init__(self, name: str, limit: int, kind: str = "desk_field_too_long"):
        super().__init__(name)
        self.name, self.limit, self.kind = name, limit, kind


def nest(pairs: list[tuple[str, str]]) -> dict:
    """``[("outcomes.2.title", "x")]`` -> ``{"outcomes": {2: {"title": "x"}}}``;
    a repeated name keeps its last value."""
    tree: dict = {}
    for name, value in pairs:
        if len(value) > MAX_FIELD_CHARS:
            raise TooLong(name, MAX_FIELD_CHARS)
        parts = name.split(".")
        node = tree
        for part in parts[:-1]:
            index = int(part) if part.isdigit() else part
            if isinstance(index, int) and index >= MAX_ROWS:
                raise TooLong(".".join(parts[:2]), MAX_ROWS, "desk_too_many_rows")
            node = node.setdefault(index, {})
            if not isinstance(node, dict):
                break
        else:
            node[parts[-1]] = value
    return tree


def check_limits(data: dict) -> None:
    """Raise ``TooLong`` if the note has more rows or longer fields than the
    form takes (an uploaded file: the form could not save it again), or more
    keys than ``MAX_FIELDS`` (checking and showing each costs time: 20,000
    unknown keys took 20 s)."""
    keys = 0

    def walk(value, name: str) -> None:
        nonlocal keys
        if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
            raise TooLong(name, MAX_FIELD_CHARS)
        if isinstance(value, dict):
            keys += len(value)
            if keys > MAX_FIELDS:
                raise TooLong(name, MAX_FIELDS, "limits.desk_too_many_fields")
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        if isinstance(value, (dict, list)) and len(value) > MAX_ROWS and name and "." not in name:
            raise TooLong(f"{name}.{MAX_ROWS}", MAX_ROWS, "desk_too_many_rows")
        for key, item in items:
            walk(item, f"{name}.{key}" if name else str(key))

    walk(data, "")


def _value(control: Control, text: str):
    """A control's text as the note holds it, or None when empty."""
    if control.widget == "text":
        text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
        return "\n".join(line.rstrip() for line in text.split("\n")) or None
    text = " ".join(text.split())
    if not text:
        return None
    if control.widget == "codes":
        return split_codes(control.key, control.vocabulary, text) or None
    if control.widget == "count" and re.fullmatch(r"\d{1,7}", text):
        return int(text)
    return text


def _row(controls: tuple[Control, ...], posted: dict) -> dict:
    values = {}
    for control in controls:
        value = _value(control, str(posted.get(control.key, "")))
        if value is not None:
            values[control.key] = value
    return values


def form_to_data(pairs: list[tuple[str, str]]) -> dict:
    """The note a posted form says, as plain data (what YAML would hold).

    Empty rows are dropped; a new outcome gets its id from its title, once:
    the id then travels with the outcome in a hidden field, whatever its
    title becomes.
    """
    tree = nest(pairs)
    data: dict = {}
    for control in session_controls():
        posted = tree.get(control.key)
        if isinstance(control, Group):
            rows = [_row(control.controls, posted[i]) for i in sorted(k for k in (posted or {}) if isinstance(k, int))
                    if isinstance(posted[i], dict)]
            rows = [row for row in rows if set(row) - {"id"}]
            if control.key == "outcomes":
                _give_ids(rows)
                rows = [in_model_order(row, models.Outcome) for row in rows]
            if rows:
                data[control.key] = rows  # keys already in the model's order
        elif control.widget == "counts":
            counts = _counts(posted if isinstance(posted, dict) else {})
            if counts:
                data[control.key] = counts
        elif isinstance(posted, str):
            value = _value(control, posted)
            if value is not None:
                data[control.key] = value
    return data


def _counts(posted: dict) -> dict:
    """Rows of (actor type, number); a type chosen twice adds its numbers
    only if both are numbers, else the later row is kept as typed."""
    counts: dict = {}
    for index in sorted(k for k in posted if isinstance(k, int)):
        row = posted[index]
        if not isinstance(row, dict):
            continue
        actor, number = " ".join(str(row.get("actor", "")).split()), " ".join(str(row.get("count", "")).split())
        if not actor and not number:
            continue
        number = int(number) if re.fullmatch(r"\d{1,7}", number) else number
        actor = actor or "?"
        if isinstance(counts.get(actor), int) and isinstance(number, int):
            counts[actor] += number
        else:
            counts[actor] = number
    return counts


def _give_ids(outcomes: list[dict]) -> None:
    taken = {o["id"] for o in outcomes if o.get("id")}
    for number, outcome in enumerate(outcomes, 1):
        if not outcome.get("id") and outcome.get("title"):
            outcome["id"] = derive_id(str(outcome["title"]), taken, f"esito-{number}")
            taken.add(outcome["id"])


# --- Note data -> form values ----------------------------------------------------------------


def display(value) -> str:
    """A note's value as a control shows it."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def rows(data: dict, key: str) -> list[dict]:
    value = data.get(key)
    return [row if isinstance(row, dict) else {} for row in value] if isinstance(value, list) else []


def count_rows(data: dict, key: str) -> list[tuple[str, str]]:
    value = data.get(key)
    return [(str(k), display(v)) for k, v in value.items()] if isinstance(value, dict) else []


@dataclass(frozen=True)
class Unknown:
    """A key of the note that no control of the form holds (from an uploaded
    file): ``name`` as a control would be named, ``where`` in the form's words."""

    name: str
    where: str
    value: str


def unknown(data: dict) -> list[Unknown]:
    """The note's keys, at the top and in each row, that the form has no control for."""
    import yaml

    def shown(value) -> str:
        if isinstance(value, (dict, list)):
            return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000).strip()[:500]
        return display(value)[:500]

    top, inner = [], []  # the note's own keys first, then the rows', whatever order the file had
    for key, value in data.items():
        control = next((c for c in session_controls() if c.key == key), None)
        if control is None:
            top.append(Unknown(str(key), str(key), shown(value)))
        elif isinstance(control, Group):
            known = {c.key for c in control.controls}
            for index, row in enumerate(rows(data, key)):
                inner += [Unknown(f"{key}.{index}.{name}", f"{control.item} {index + 1} · {name}", shown(item))
                          for name, item in row.items() if name not in known]
    return top + inner


# --- Checking ------------------------------------------------------------------------------------


def note_text(data: dict) -> str:
    """The note as YAML a person could have written, with the editor's schema line."""
    return dump_note(in_model_order(data, models.Session), [schema_line("session")])


@dataclass
class Checked:
    text: str
    problems: list[load.Problem]
    by_control: dict[str, list[str]] = field(default_factory=dict)  # control name -> messages
    summary: list[tuple[str, str, str]] = field(default_factory=list)  # (anchor, place, message)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def check(data: dict, event: load.EventNote | None, event_id: str, session_id: str, lang: str = "it") -> Checked:
    """Check the note with the loader and place each problem at its control."""
    text = note_text(data)
    problems = load.Problems()
    load.load_session(Path(event_id) / f"{session_id}.yaml", event, problems, text.encode("utf-8"))
    untitled = {f"outcomes[{i}].id" for i, row in enumerate(rows(data, "outcomes")) if not row.get("title")}
    kept = [p for p in problems if p.field not in untitled]
    checked = Checked(text, kept)
    outcome = item(group("outcomes"), lang)
    sections = [f"{outcome} {number}" for number in range(1, len(rows(data, "outcomes")) + 1)]
    for problem in kept:
        name = control_name(problem.field, data)
        kind, context = form_wording(problem, sections, lang)
        if problem.kind == "unknown_key":  # no control to fix it at: the page lists these fields
            kind = "desk_unknown_field"
        message = render(kind, lang, **context)
        checked.by_control.setdefault(name, []).append(message)
        checked.summary.append((anchor(name), place(name, lang), message))
    return checked


def control_name(field_path: str, data: dict) -> str:
    """``outcomes[2].sdg_targets[1]`` -> ``outcomes.2.sdg_targets``;
    ``participants.ngo`` -> the row of ``ngo`` (``participants.1.count``)."""
    parts = [p for p in re.split(r"[.\[\]]+", field_path) if p]
    if not parts:
        return ""
    top = next((c for c in session_controls() if c.key == parts[0]), None)
    if isinstance(top, Control) and top.widget == "counts" and len(parts) > 1:
        actors = [actor for actor, _ in count_rows(data, top.key)]
        return f"{top.key}.{actors.index(parts[1])}.count" if parts[1] in actors else top.key
    if isinstance(top, Group) and len(parts) > 2:
        return ".".join(parts[:3])
    return ".".join(parts[:1] if isinstance(top, Control) else parts[:2])


def anchor(name: str) -> str:
    """The HTML id of a control (or of its row, for a row's own problems)."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", name) if name else "riepilogo"


def place(name: str, lang: str = "it") -> str:
    """Where a control is, in the form's words: ``Esito 3 · Target SDG``."""
    parts = name.split(".")
    top = next((c for c in session_controls() if c.key == parts[0]), None)
    if top is None:
        return ""
    if isinstance(top, Group):
        if len(parts) < 2:
            return label(top, lang)
        where = f"{item(top, lang)} {int(parts[1]) + 1}"
        inner = top.control(parts[2]) if len(parts) > 2 else None
        return f"{where} · {label(inner, lang)}" if inner else where
    return label(top, lang)
