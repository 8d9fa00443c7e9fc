"""``outcomes registrations``: how many registered for an event and for each
of its sessions, by actor type.

The registration form's export (SurveyMonkey, Google Forms, Microsoft Forms,
any spreadsheet; read by ``outcomes.intake.exports``) holds names, e-mail
addresses and organisations: personal data that must never be published.
This module reads only three questions, the organisation type (to count),
the e-mail address (to count a person who registered twice once, kept as a
digest in memory only) and the sessions chosen, and writes nothing but head
counts by actor type to ``notes/<event-id>/registrations.yaml``.

Which question is which, which organisation types mean which actor type and
which options mean which session comes from a small mapping file:
``outcomes/templates/registrations-map.yaml`` by default, extended by the
user's own with ``--map``. Options not named there are matched to the
session titles of the event's notes.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import json
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from pydantic import Field

from .. import load, models, vocab
from ..common.files import write_atomic
from ..messages import message
from . import IntakeError
from .exports import MAX_OPTIONS, Column, Export, open_export, shown, split_multiple
from .files import dump_note, schema_line
from .names import term_named

DEFAULT_MAP = "registrations-map.yaml"
MAX_DISTINCT = 1000  # distinct values tallied per question: more is free text


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
    sessions_column: list[models.Line] = Field(
        default_factory=list, title="Domanda delle sessioni scelte"
    )
    sessions: dict[models.Line, models.Slug | None] = Field(
        default_factory=dict, title="Opzione del modulo -> identificativo della sessione"
    )

    def then(self, other: RegistrationMap) -> RegistrationMap:
        """This mapping first, ``other`` for what it does not say."""
        return RegistrationMap(
            organisation_type_column=[*self.organisation_type_column, *other.organisation_type_column],
            email_column=[*self.email_column, *other.email_column],
            values={**other.values, **self.values},
            sessions_column=[*self.sessions_column, *other.sessions_column],
            sessions={**other.sessions, **self.sessions},
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
    parsed = load.parse_note(path, problems)  # checked first like a note: a pipe would never end
    if parsed is None:
        return None
    user = load.validate(RegistrationMap, parsed[0], parsed[1], path, problems, {})
    return user.then(default) if user is not None else None



# --- Questions and sessions -----------------------------------------------------------------


@dataclass
class Question:
    """A question of the form: one column, or (SurveyMonkey) several."""

    text: str
    columns: list[Column]

    def answers(self, cells: list[str]) -> tuple[list[str], str]:
        """The options chosen and the "Other (please specify)" text."""
        chosen, other = [], ""
        for column in self.columns:
            cell = cells[column.index].strip() if column.index < len(cells) else ""
            if not cell:
                continue
            if column.is_other:
                other = cell
            else:
                chosen.append(cell)
        return chosen, other

    @property
    def free_text(self) -> bool:
        return all(column.is_open_ended for column in self.columns)

    @functools.cached_property
    def folded(self) -> str:
        """The question's text folded, once: each of its names is looked for."""
        return vocab.fold(self.text)


def questions(export: Export) -> list[Question]:
    """The export's questions in order; SurveyMonkey's columns grouped by
    their (filled-forward) question text."""
    grouped: dict[str, Question] = {}
    for column in export.columns:
        key = column.question if export.layout == "surveymonkey" else f"{column.index}"
        grouped.setdefault(key, Question(column.question, [])).columns.append(column)
    return list(grouped.values())


def _likely_type_question(found: list[Question]) -> str:
    """The question most likely to ask for the organisation type, for the
    example a message shows."""
    for words in (("tipolog", "tipo", "type", "categor"), ("organi", "ente", "entity")):
        for question in found:
            if any(word in vocab.fold(question.text) for word in words):
                return shown(question.text)
    return shown(found[-1].text) if found else "…"


def _named(found: list[Question], names: list[str]) -> Question | None:
    """The first question whose text is one of ``names`` (the names in order)."""
    by_text: dict[str, Question] = {}
    for question in found:
        by_text.setdefault(question.folded, question)
    return next((by_text[vocab.fold(name)] for name in names if vocab.fold(name) in by_text), None)


@dataclass
class SessionMatcher:
    """Which session an option of the form names: the mapping file's
    ``sessions:`` first, then a session id, then the longest session title
    the option's text contains (``Laboratorio A – Migrazione e Cooperazione
    Internazionale (15/10)`` names the session of that title)."""

    named: dict[str, str | None]  # folded option -> session id (None: no session)
    titles: dict[str, str]  # session id -> title

    @classmethod
    def make(cls, mapping: RegistrationMap, titles: dict[str, str]) -> SessionMatcher:
        return cls({vocab.fold(option): session for option, session in mapping.sessions.items()}, titles)

    def __post_init__(self) -> None:
        self._ids = {vocab.fold(session): session for session in self.titles}
        self._titles = sorted(
            ((vocab.fold(title), session) for session, title in self.titles.items() if len(vocab.fold(title)) >= 4),
            key=lambda item: -len(item[0]),
        )
        self._cache: dict[str, tuple[bool, str | None]] = {}

    def match(self, option: str) -> tuple[bool, str | None]:
        """(known, session id): known and None for an option mapped to ``~``."""
        if option in self._cache:
            return self._cache[option]
        folded = vocab.fold(option)
        if folded in self.named:
            found = (True, self.named[folded])
        elif folded in self._ids:
            found = (True, self._ids[folded])
        else:
            session = next((session for title, session in self._titles if title in folded), None)
            found = (session is not None, session)
        if len(self._cache) < MAX_DISTINCT:
            self._cache[option] = found
        return found

    def options(self, pieces: list[str], separator: str) -> list[str]:
        """Pieces of a multi-select cell joined back where an option's own
        text holds the separator (``Migrazione, lavoro e sviluppo``): each
        option is the shortest run of pieces that the mapping file or a
        session id names, or that holds a session's title. Found in one pass
        over the folded cell: trying every run from every piece took minutes
        for 1,000 pieces."""
        folded = [vocab.fold(piece) for piece in pieces]
        glue = vocab.fold(separator)
        text = glue.join(folded)
        starts = list(itertools.accumulate((len(piece) + len(glue) for piece in folded[:-1]), initial=0))
        ends = [start + len(piece) for start, piece in zip(starts, folded)]
        longest = max((name.count(glue) + 1 for name in self.named), default=1)  # pieces of a named option
        next_title = {title: -1 for title, _ in self._titles}  # where each title is next found in the text
        options, start = [], 0
        while start < len(pieces):
            end = min(self._named_end(folded, start, glue, longest), self._title_end(text, starts[start], ends, next_title))
            end = end if end <= len(pieces) else start + 1
            options.append(separator.join(pieces[start:end]))
            start = end
        return options

    def _named_end(self, folded: list[str], start: int, glue: str, longest: int) -> int:
        """Where the shortest run from ``start`` named by the mapping file or
        a session id ends (past the cell: none)."""
        for end in range(start + 1, min(start + longest, len(folded)) + 1):
            option = glue.join(folded[start:end])
            if option in self.named or option in self._ids:
                return end
        return len(folded) + 1

    @staticmethod
    def _title_end(text: str, position: int, ends: list[int], next_title: dict[str, int]) -> int:
        """Where the shortest run from ``position`` (in the folded text)
        holding a session's title ends: the piece where the first title
        found after it ends. Each title is searched again only once the runs
        have passed where it was last found."""
        end = len(ends) + 1
        for title, found in next_title.items():
            if 0 <= found < position or found == -1:
                found = next_title[title] = text.find(title, position)
                if found == -1:
                    next_title[title] = found = len(text)  # not in the rest of the cell: never searched again
            if found < len(text):
                end = min(end, bisect.bisect_left(ends, found + len(title)) + 1)
        return end


def session_titles(folder: Path) -> dict[str, str]:
    """Session id -> title, in programme order, from the event's session
    notes read leniently: registrations come before the workshops, when
    notes may be half filled."""
    found = []
    for path in load.session_files(folder, load.Problems()):
        parsed = load.parse_note(path, load.Problems())
        data = parsed[0] if parsed else {}
        title = data.get("title")
        if isinstance(title, str) and title.strip():
            when = [data.get(key) if isinstance(data.get(key), str) else "~" for key in ("date", "start")]
            found.append((*when, path.stem, title.strip()))
    return {session: title for *_, session, title in sorted(found)}


# --- Counting -------------------------------------------------------------------------------


@dataclass
class Counts:
    """Head counts by actor type, and those whose type is unknown."""

    registered: Counter = field(default_factory=Counter)
    unclassified: int = 0

    def add(self, actor: str | None) -> None:
        if actor:
            self.registered[actor] += 1
        else:
            self.unclassified += 1

    @property
    def total(self) -> int:
        return sum(self.registered.values()) + self.unclassified

    def data(self) -> dict:
        order = vocab.actor_types().ids
        return {
            "registered": {actor: self.registered[actor] for actor in order if self.registered[actor]},
            "unclassified": self.unclassified,
        }


@dataclass
class SessionTally:
    """What one question's answers say about sessions."""

    question: Question
    sessions: dict[str, Counts] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)  # option -> session id it was matched to
    unmatched: Counter = field(default_factory=Counter)  # options naming no session
    overflow: bool = False  # too many distinct answers: free text, not a choice

    def add(self, options: list[str], actor: str | None, matcher: SessionMatcher) -> None:
        chosen = set()
        for option in options:
            known, session = matcher.match(option)
            if session:
                chosen.add(session)
                if option not in self.options and len(self.options) < MAX_DISTINCT:
                    self.options[option] = session
            elif not known:
                if option in self.unmatched or len(self.unmatched) < MAX_DISTINCT:
                    self.unmatched[option] += 1
                else:
                    self.overflow = True
        for session in chosen:  # a person counts once per session
            self.sessions.setdefault(session, Counts()).add(actor)


@dataclass
class Tally(Counts):
    """Head counts for an event and its sessions, and what could not be classified."""

    unknown_values: Counter = field(default_factory=Counter)  # organisation types, never people
    duplicates: int = 0
    cut: list[tuple[int, str]] = field(default_factory=list)  # (line, question): cells of over MAX_OPTIONS pieces
    column: str = ""
    layout: str = ""
    format: str = ""
    sessions: SessionTally | None = None


def _digest(address: str) -> bytes:
    """What tells one address from another, without keeping the address."""
    return hashlib.blake2b(address.strip().lower().encode("utf-8"), digest_size=16).digest()


def _listed(texts: list[str], limit: int) -> str:
    """``«a», «b», …``: at most ``limit`` column names, each shown safely."""
    return ", ".join(f"«{shown(text)}»" for text in texts[:limit]) + (", …" if len(texts) > limit else "")


def count(export: Export, mapping: RegistrationMap, titles: dict[str, str]) -> Tally:
    """Count each person once by the actor type of their organisation, for
    the event and for each session they chose."""
    found = questions(export)
    type_question = _named(found, mapping.organisation_type_column)
    if type_question is None:
        raise IntakeError(
            "csv_no_type_column",
            wanted=_listed(mapping.organisation_type_column, 4),
            columns=_listed([q.text for q in found], 40),
            example=json.dumps(_likely_type_question(found), ensure_ascii=False),
        )
    email_question = _named(found, mapping.email_column)
    matcher = SessionMatcher.make(mapping, titles)
    if mapping.sessions_column:
        chosen = _named(found, mapping.sessions_column)
        if chosen is None:
            raise IntakeError(
                "registrations_no_sessions_column",
                wanted=_listed(mapping.sessions_column, 4),
                columns=_listed([q.text for q in found], 40),
            )
        candidates = [SessionTally(chosen)]
    else:
        candidates = [
            SessionTally(q) for q in found if q not in (type_question, email_question) and not q.free_text
        ]
    result = Tally(column=type_question.text, layout=export.layout, format=export.format)
    classify = _classifier(mapping)
    seen: set[bytes] = set()
    chose_any, numbers_only = False, True  # every option a number: SurveyMonkey's "numerical value" export
    for line, cells in export.rows:
        if email_question is not None:
            address = next((a for a in email_question.answers(cells)[0] if "@" in a), None)
            if address is not None:
                digest = _digest(address)
                if digest in seen:
                    result.duplicates += 1
                    continue
                seen.add(digest)
        chosen_types, other = type_question.answers(cells)
        value = chosen_types[0] if chosen_types else ""
        if value:
            chose_any, numbers_only = True, numbers_only and value.isdigit()
        known, actor = classify(value) if value else (False, None)
        if not actor and other:  # "Other (please specify)": the text is classified like any value
            known, actor = classify(other)
            value = other if (known or not value) else value
        result.add(actor)
        if not actor and not known:
            if value in result.unknown_values or len(result.unknown_values) < MAX_DISTINCT:
                result.unknown_values[value] += 1
        for tally in candidates:
            if not tally.overflow:
                options, cut = _options(tally.question, cells, export, matcher)
                tally.add(options, actor, matcher)
                if cut:
                    result.cut.append((line, tally.question.text))
    if chose_any and numbers_only and export.layout == "surveymonkey":
        raise IntakeError("export_numerical")
    result.sessions = _sessions_question(candidates, bool(mapping.sessions_column))
    return result


def _classifier(mapping: RegistrationMap):
    """``mapping.actor_type``, remembered for each distinct value."""
    remembered: dict[str, tuple[bool, str | None]] = {}

    def classify(value: str) -> tuple[bool, str | None]:
        if value not in remembered:
            if len(remembered) >= MAX_DISTINCT:
                return mapping.actor_type(value)
            remembered[value] = mapping.actor_type(value)
        return remembered[value]

    return classify


def _options(question: Question, cells: list[str], export: Export, matcher: SessionMatcher) -> tuple[list[str], bool]:
    """The options a row chose, and whether a cell had more pieces than
    ``MAX_OPTIONS`` (the rest then read as one)."""
    chosen, _ = question.answers(cells)
    if export.layout == "surveymonkey":
        return chosen, False  # one column per option
    separator = export.separator or (";" if any(";" in c for c in chosen) else ", ")
    options, cut = [], False
    for cell in chosen:
        pieces = split_multiple(cell, separator)
        cut = cut or len(pieces) > MAX_OPTIONS
        options += matcher.options(pieces, "; " if separator == ";" else separator)
    return options, cut


def _sessions_question(candidates: list[SessionTally], named_by_map: bool) -> SessionTally | None:
    """The question naming the most sessions (none names one: no session counts).

    Found by itself, a question must have at least as many options naming a
    session as options naming none: a free-text question (organisations,
    notes) where one answer happens to hold a session's title is not it,
    and its answers are never listed on screen."""
    named = [
        tally for tally in candidates
        if tally.sessions and not tally.overflow and (named_by_map or len(tally.options) >= len(tally.unmatched))
    ]
    return max(named, key=lambda tally: len(tally.sessions), default=None)


def registrations_text(result: Tally, session_order: list[str]) -> str:
    """The YAML of ``registrations.yaml``: numbers only."""
    data = {"source": message("registrations_source", "it", layout=_layout_name(result, "it")), **result.data()}
    if result.sessions:
        chosen = in_programme_order(result.sessions.sessions, session_order)
        data["sessions"] = {session: result.sessions.sessions[session].data() for session in chosen}
    header = [schema_line("registrations"), *message("registrations_header", "it").split("\n")]
    return dump_note(data, header)


def in_programme_order(sessions, programme: list[str]) -> list[str]:
    """Session ids in the programme's order; those with no note last, by id."""
    order = {session: position for position, session in enumerate(programme)}
    return sorted(sessions, key=lambda session: (order.get(session, len(order)), session))


def _layout_name(result: Tally, lang: str) -> str:
    return message(f"layout_{result.layout}", lang) + f", {result.format.upper()}"


@dataclass
class RegistrationsResult:
    problems: load.Problems
    count: Tally | None = None
    path: Path | None = None
    titles: dict[str, str] = field(default_factory=dict)

    def layout(self, lang: str) -> str:
        return _layout_name(self.count, lang) if self.count else ""


def import_registrations(notes_dir: Path, event_id: str, export_path: Path, map_path: Path | None = None) -> RegistrationsResult:
    """Count the registrations in ``export_path`` and write them for ``event_id``."""
    problems = load.Problems()
    folder = notes_dir / event_id
    if not (folder / load.EVENT_FILE).exists():
        problems.add(folder / load.EVENT_FILE, 1, 1, "", "event_not_found", event=event_id, notes=str(notes_dir))
        return RegistrationsResult(problems)
    mapping = load_map(map_path, problems)
    if mapping is None:
        return RegistrationsResult(problems)
    titles = session_titles(folder)
    try:
        with open_export(export_path) as export:
            result = count(export, mapping, titles)
    except IntakeError as error:
        problems.add(export_path, error.context.get("row", 1), 1, "", error.kind, **error.context)
        return RegistrationsResult(problems)
    for line, question in result.cut:
        problems.add(export_path, line, 1, "", "limits.options_cut", severity="warning", question=shown(question), limit=MAX_OPTIONS)
    text = registrations_text(result, list(titles))
    target = folder / load.REGISTRATIONS_FILE
    with tempfile.TemporaryDirectory() as temporary:  # check before replacing anything
        check = Path(temporary) / load.REGISTRATIONS_FILE
        check.write_text(text, encoding="utf-8")
        load.load_registrations(check, problems)
    if problems.errors:
        return RegistrationsResult(problems, result)
    write_atomic(target, text)
    return RegistrationsResult(problems, result, target, titles)
