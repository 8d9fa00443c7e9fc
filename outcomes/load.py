"""Reading facilitators' notes: YAML text to validated models, or problems.

YAML's implicit typing is switched off: every scalar reaches the models as the
text that was typed (``NO``, ``17.10`` and ``10:30`` stay as written) and the
models decide what it may be. Duplicate keys, anchors and aliases, tags and
unknown keys are errors. Every problem carries the file, line and column of
the offending value, found by walking back from the model's error location to
the YAML node it came from, so nothing is tracked on the happy path.

libyaml (PyYAML's C parser) does the parsing; it is fast and reports marks.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import difflib
import gc
import os
import weakref
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable, Iterator

from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import models
from .common.files import digest as file_digest
from .common.text import LANGUAGES
from .yamltext import (  # what a note's reading shares with its models
    MAX_NOTE_BYTES, NoteError, Problem, Problems, _found, _mark, compose, field_path, fix_invisible_spaces,
    read_regular, read_text, to_python,
)  # fmt: skip
from .messages import FIELD_LABELS, MESSAGES, Bilingual, message

PARALLEL_MIN = 64  # fewer session notes than this are read in-process
EVENT_FILE = "event.yaml"
REGISTRATIONS_FILE = "registrations.yaml"
FOLLOWUP_FILE = "followup.yaml"
RESERVED_FILES = {f"{name}.yaml" for name in models.NOTE_FILE_NAMES}  # never session notes


# --- Loaded notes ---------------------------------------------------------------


@dataclass(frozen=True)
class SessionNote:
    """A valid session note and where it came from."""

    id: str
    event_id: str
    path: Path
    session: models.Session
    registered: models.SessionRegistrations | None = None  # from the event's registrations.yaml

    @property
    def key(self) -> str:
        return f"{self.event_id}--{self.id}"


@dataclass(frozen=True)
class EventNote:
    """A valid event note; its sessions are read when asked for."""

    id: str
    path: Path
    event: models.Event
    session_paths: tuple[Path, ...]
    registrations: models.Registrations | None = None
    followup_path: Path | None = None  # notes/<event>/followup.yaml, if there is one

    def sessions(self, problems: Problems) -> Iterator[SessionNote]:
        """Each valid session of the event, in programme order of files."""
        for path in self.session_paths:
            note = load_session(path, self, problems)
            if note is not None:
                yield note


@dataclass(frozen=True)
class OutcomeRef:
    """What the follow-up of commitments needs to know of an outcome."""

    session: str
    outcome: str
    type: str
    session_date: dt.date
    status: str | None
    public: bool  # the outcome and its session are both public

    @property
    def key(self) -> str:
        return f"{self.session}/{self.outcome}"


def outcome_refs(note: SessionNote) -> tuple[OutcomeRef, ...]:
    session = note.session
    return tuple(
        OutcomeRef(note.id, o.id, o.type, session.date, o.status, session.public and o.public) for o in session.outcomes
    )


@dataclass(frozen=True)
class FollowUpNote:
    """A valid ``followup.yaml``: the updates in the order written."""

    event_id: str
    path: Path
    updates: tuple[models.Update, ...]

    def timelines(self, refs: dict[str, OutcomeRef], public: bool = True) -> dict[str, list[models.Update]]:
        """Each followed commitment's updates by date (ties in the order
        written); with ``public``, only public updates of public commitments."""
        result: dict[str, list[models.Update]] = {}
        for update in sorted(self.updates, key=lambda u: u.date):
            ref = refs.get(update.commitment)
            if public and not (update.public and ref is not None and ref.public):
                continue
            result.setdefault(update.commitment, []).append(update)
        return result


# --- Validation and error locations ---------------------------------------------------


# Which model a nested field holds, for "did you mean" on unknown keys.
_NESTED_MODELS: dict[str, type[BaseModel]] = {
    "outcomes": models.Outcome,
    "facilitators": models.Person,
    "speakers": models.Person,
    "quotes": models.Quote,
    "venue": models.Venue,
    "organisers": models.Organiser,
    "logo": models.Logo,
}

_BUILTIN_KINDS = {
    "missing": "missing",
    "extra_forbidden": "unknown_key",
    "model_type": "expected_mapping",
    "model_attributes_type": "expected_mapping",
    "dict_type": "expected_mapping",
    "list_type": "expected_list",
    "string_type": "expected_text",
    "too_short": "empty_list",
}


def validate(model: type[BaseModel], data: dict, root: MappingNode, path, problems: Problems, context: dict):
    """The model built from ``data``, or None with every problem recorded."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            if problems.full(path):  # nothing more is shown: finding where is wasted
                problems.hide(path)
            else:
                problems.append(_problem(model, detail, root, path))
        return None


def _problem(model: type[BaseModel], detail: dict, root: MappingNode, path) -> Problem:
    loc = tuple(detail["loc"])
    kind = detail["type"]
    context = dict(detail.get("ctx") or {})
    if kind in _BUILTIN_KINDS:
        kind = _BUILTIN_KINDS[kind]
    elif kind not in MESSAGES:
        context = {"value": detail.get("input"), "detail": detail.get("msg")}
        kind = "invalid"
    # The field as facilitators know it: the nearest named field, not a dict key.
    names = [part for part in loc if isinstance(part, str) and part in FIELD_LABELS]
    context.setdefault("field", names[-1] if names else "")
    node, on_key = _node_at(root, loc, want_key=kind == "unknown_key" or loc[-1:] == ("[key]",))
    if kind == "missing":
        context["key"] = loc[-1]
        context["field"] = loc[-1]
    elif kind == "unknown_key":
        allowed = list(_model_at(model, loc[:-1]).model_fields)
        context["key"] = loc[-1]
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        context["suggestion"] = close[0] if close else None
        context["allowed"] = ", ".join(allowed)
    elif kind in ("expected_text", "expected_list", "expected_mapping"):
        if detail.get("input") is None:
            kind = "empty_value"
        context["found"] = _found(node)
    elif kind == "duplicate_id" and "first_index" in context:
        first, _ = _node_at(root, loc[:-2] + (context["first_index"], "id"))
        context["first_line"] = _mark(first)[0]
    elif kind == "sdg_target_unknown":
        context["hint"] = Bilingual(
            {lang: message(f"sdg_target_hint_{context.get('hint', 'form')}", lang, **context) for lang in LANGUAGES}
        )
    if isinstance(node, ScalarNode) and not on_key:
        context["value"] = node.value
    line, column = _mark(node)
    return Problem(str(path), line, column, field_path(loc), kind, context)


def _node_at(root: Node, loc: tuple, want_key: bool = False) -> tuple[Node, bool]:
    """The YAML node a validation error points at (its parent, if missing)."""
    node = root
    for position, part in enumerate(loc):
        last = position == len(loc) - 1 or loc[position + 1 :] == ("[key]",)
        if part == "[key]":
            break
        if isinstance(node, MappingNode):
            pair = _keyed(node).get(str(part))
            if pair is None:
                return node, False
            if last and want_key:
                return pair[0], True
            node = pair[1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node, False
    return node, False


_KEYED: weakref.WeakKeyDictionary[MappingNode, dict] = weakref.WeakKeyDictionary()


def _keyed(node: MappingNode) -> dict[str, tuple[Node, Node]]:
    """A mapping's (key, value) pairs by key, made once per mapping: finding
    each of 40,000 problems by scanning took 73 s."""
    found = _KEYED.get(node)
    if found is None:
        found = _KEYED[node] = {}
        for key, value in node.value:
            found.setdefault(key.value, (key, value))
    return found


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel]:
    names = [part for part in loc if isinstance(part, str)]
    if not names and model is models.FollowUp:  # the items of a list at the root
        return models.Update
    return _NESTED_MODELS.get(names[-1], model) if names else model



# --- Files and folders --------------------------------------------------------------


def parse_note(path: Path, problems: Problems, data: bytes | None = None, sequence: bool = False) -> tuple[dict, Node] | None:
    """A note file as plain data and its node tree, or None with a problem."""
    try:
        text = fix_invisible_spaces(read_text(path, data), path, problems)
        root = compose(text, sequence)
        return to_python(root, text, path, problems), root
    except NoteError as error:
        problems.add(path, error.line, error.column, error.field, error.kind, **error.context)
        return None


def load_event(folder: Path, problems: Problems) -> EventNote | None:
    """The event of ``notes/<event-id>/``, or None with its problems recorded."""
    path = folder / EVENT_FILE
    if not _check_name(folder.name, folder, problems) or refused_link(path, problems):
        return None
    if not path.exists():
        problems.add(path, 1, 1, "", "missing_event_file", event=folder.name)
        return None
    parsed = parse_note(path, problems)
    if parsed is None:
        return None
    context = {"event_id": folder.name}
    if isinstance(parsed[0], dict) and parsed[0].get("follows"):
        context["events"] = {p.name for p in event_folders(folder.parent) if (p / EVENT_FILE).exists()}
    event = validate(models.Event, parsed[0], parsed[1], path, problems, context)
    if event is not None and not _logos_usable(event, path, parsed[1], problems):
        event = None
    sessions = tuple(session_files(folder, problems)) if event is not None else ()
    registrations = load_registrations(folder / REGISTRATIONS_FILE, problems, sessions if event is not None else None)
    if event is None:
        return None
    followup = folder / FOLLOWUP_FILE
    return EventNote(folder.name, path, event, sessions, registrations, followup if followup.exists() or followup.is_symlink() else None)


LOGO_FORMATS = {".png": "PNG", ".svg": "SVG"}  # the logos the print edition places (extension: format)
LOGO_MAX_BYTES = 2 * 1024 * 1024


def _logos_usable(event: models.Event, path: Path, root: Node, problems: Problems) -> bool:
    """Each organiser's logo is a file beside event.yaml (a name without a
    folder), under 2 MB and what its name says (a PNG, or SVG XML): the
    print edition places them all."""
    usable = True
    for number, organiser in enumerate(event.organisers):
        if organiser.logo is None:
            continue
        name = organiser.logo.file
        image, suffix = path.parent / name, Path(name).suffix.lower()
        field = f"organisers[{number}].logo.file"
        node, _ = _node_at(root, ("organisers", number, "logo", "file"))
        kind, context = None, {}
        if "/" in name or "\\" in name or name.startswith(".") or suffix not in LOGO_FORMATS:
            kind, context = "logo_file", {"formats": "/".join(LOGO_FORMATS.values())}
        elif not image.is_file():
            kind = "logo_missing"
        elif image.stat().st_size > LOGO_MAX_BYTES:
            kind, context = "logo_too_big", {"size": f"{image.stat().st_size / 1024 / 1024:.1f}"}
        elif not _image_is(image, suffix):
            kind, context = "logo_not_image", {"format": LOGO_FORMATS[suffix]}
        if kind:
            problems.add(path, *_mark(node), field, kind, value=name, **context)
            usable = False
    return usable


def _image_is(image: Path, suffix: str) -> bool:
    """Whether ``image`` holds a PNG (its signature) or an SVG (XML whose root is svg)."""
    data = image.read_bytes()
    if suffix == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    from lxml import etree

    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return False
    return root.tag == "{http://www.w3.org/2000/svg}svg"


def edition_date(event: models.Event, updates: Iterable[dt.date]) -> dt.date:
    """The date of an edition of the event's proceedings or data: the note's
    ``published`` if it gives one, else the latest date the edition holds:
    the event's last day or the latest of the dates of ``updates`` (those it
    shows). The proceedings' colophon and the database's ``events.published``,
    hence the open data's CITATION.cff and datapackage.json, take it from here."""
    if event.published is not None:
        return event.published
    return max([event.last_date, *updates])


def load_registrations(path: Path, problems: Problems, session_paths: Iterable[Path] | None = None) -> models.Registrations | None:
    """The event's registration head counts, if ``registrations.yaml`` exists.

    Counts for a session with no note yet (none of ``session_paths``) are
    kept (registrations come before the workshops) with a warning: they are
    published once its note is."""
    if refused_link(path, problems) or not path.exists():
        return None
    parsed = parse_note(path, problems)
    if parsed is None:
        return None
    registrations = validate(models.Registrations, parsed[0], parsed[1], path, problems, {})
    if registrations is not None and session_paths is not None:
        sessions = {session_path.stem for session_path in session_paths}
        for session in registrations.sessions:
            if session not in sessions:
                node, _ = _node_at(parsed[1], ("sessions", session), want_key=True)
                problems.add(path, *_mark(node), f"sessions.{session}", "registrations_session_without_note",
                             severity="warning", value=session)
    return registrations


def load_followup(
    event: EventNote, refs: Iterable[OutcomeRef] | None, problems: Problems, today: dt.date | None = None
) -> FollowUpNote | None:
    """The event's ``followup.yaml``, if it has one, checked against the
    event's outcomes (``refs``: None when some session could not be read, and
    only the updates' own shape can be checked) and today's date: None with
    its problems recorded if it is wrong. Warnings say when a status goes
    back or ``done`` comes with progress under 100."""
    path = event.followup_path
    if path is None or refused_link(path, problems):
        return None
    parsed = parse_note(path, problems, sequence=True)
    if parsed is None:
        return None
    known = None if refs is None else {ref.key: ref for ref in refs}
    context = {"outcomes": known, "today": today or dt.date.today()}
    followup = validate(models.FollowUp, parsed[0], parsed[1], path, problems, context)
    if followup is None:
        return None
    note = FollowUpNote(event.id, path, tuple(followup.root))
    _warn_followup(note, known or {}, parsed[1], problems)
    return note


def _warn_followup(note: FollowUpNote, refs: dict[str, OutcomeRef], root: Node, problems: Problems) -> None:
    positions = {id(update): index for index, update in enumerate(note.updates)}
    for commitment, updates in note.timelines(refs, public=False).items():
        ref = refs.get(commitment)
        before, before_date = (ref.status, ref.session_date) if ref and ref.status else (None, None)
        for update in updates:
            index = positions[id(update)]
            stage, earlier = models.status_stage(update.status), models.status_stage(before)
            if stage is not None and earlier is not None and stage < earlier:
                _warn_at(problems, note.path, root, (index, "status"), "followup_backwards",
                         value=update.status, before=before, before_date=before_date.isoformat())
            if update.status == "done" and update.progress is not None and update.progress < 100:
                _warn_at(problems, note.path, root, (index, "progress"), "followup_done_incomplete", progress=update.progress)
            before, before_date = update.status, update.date


def _warn_at(problems: Problems, path: Path, root: Node, loc: tuple, kind: str, **context) -> None:
    node, _ = _node_at(root, loc)
    line, column = _mark(node)
    problems.append(Problem(str(path), line, column, field_path(loc), kind, {"field": loc[-1], **context}, "warning"))


def load_session(path: Path, event: EventNote | None, problems: Problems, data: bytes | None = None) -> SessionNote | None:
    parsed = parse_note(path, problems, data)
    if parsed is None:
        return None
    context = {"event": event.event if event else None, "outcome_ids": {}}
    session = validate(models.Session, parsed[0], parsed[1], path, problems, context)
    if session is None:
        return None
    event_id = event.id if event else path.parent.name
    registrations = event.registrations if event else None
    registered = registrations.sessions.get(path.stem) if registrations else None
    return SessionNote(path.stem, event_id, path, session, registered)


# --- Reading many sessions, in parallel ------------------------------------------------


@dataclass
class SessionResult:
    """What reading one session note gives: the note (if kept), what
    ``prepare`` made of it, its counts and its problems."""

    path: Path
    digest: str | None  # of the file's bytes
    note: SessionNote | None
    prepared: object
    counts: dict[str, int]
    problems: Problems
    refs: tuple[OutcomeRef, ...] = ()  # for an event with a follow-up of its commitments


def read_session(path: Path, event: EventNote | None, prepare=None, keep: bool = True) -> SessionResult:
    """Read, check and prepare one session note; safe to run in a worker."""
    problems = Problems()
    counts = new_counts()
    data = digest = None
    with contextlib.suppress(NoteError):  # load_session says what is wrong
        data = read_regular(path, MAX_NOTE_BYTES)
        digest = file_digest(data)
    note = load_session(path, event, problems, data)
    prepared = None
    refs = ()
    if note is not None:
        tally(counts, note)
        prepared = prepare(note) if prepare else None
        refs = outcome_refs(note) if event is not None and event.followup_path else ()
    return SessionResult(path, digest, note if keep else None, prepared, counts, problems, refs)


def _read_session_task(task: tuple) -> SessionResult:
    return read_session(*task)


def read_sessions(
    work: Iterable[tuple[EventNote, Iterable[Path]]], *, prepare=None, keep: bool = True, pool=None, window: int = 32,
    ahead: int = 8,
) -> Iterator[tuple[EventNote, SessionResult]]:
    """Read session notes, event by event, in order: ``work`` gives each event
    with the paths of its notes to read.

    With a ``multiprocessing`` pool the notes are parsed, validated and
    prepared in its workers, ``window`` at a time, up to ``ahead`` windows
    running while the caller consumes the oldest, across events: parsing
    YAML is most of a build's work, and memory stays bounded however large
    the library. The caller writes rows in batches (a few tenths of a second
    each): with one window ahead, as before, the workers read it in a few
    hundredths and then waited, idle for over half of a full build's
    reading. The first windows go to the workers at the call, before the
    caller asks for a result (a full build creates its database meanwhile).
    ``prepare`` (a picklable callable, e.g. turning a note into database
    rows) runs beside the parsing; ``keep=False`` leaves the notes in the
    workers.
    """
    tasks = _tasks(work, prepare, keep)
    if pool is None:
        return ((event, _read_session_task(task)) for event, task in tasks)
    windows = _windows(tasks, window)
    pending: collections.deque = collections.deque()
    for _ in range(ahead):  # now: the workers start while the caller prepares the database
        _submit(pool, windows, pending)
    return _collected(pool, windows, pending)


def _submit(pool, windows: Iterator[list], pending: collections.deque) -> None:
    following = next(windows, None)
    if following:
        pending.append((following, pool.map_async(_read_session_task, [task for _, task in following], chunksize=8)))


def _collected(pool, windows: Iterator[list], pending: collections.deque) -> Iterator[tuple[EventNote, SessionResult]]:
    while pending:
        current, results = pending.popleft()
        results = results.get()
        _submit(pool, windows, pending)
        yield from zip((event for event, _ in current), results)


def _tasks(work, prepare, keep) -> Iterator[tuple[EventNote, tuple]]:
    for event, paths in work:
        light = EventNote(event.id, event.path, event.event, (), event.registrations, event.followup_path)  # what a worker needs
        for path in paths:
            yield event, (path, light, prepare, keep)


def _windows(tasks: Iterator, size: int) -> Iterator[list]:
    window = []
    for task in tasks:
        window.append(task)
        if len(window) == size:
            yield window
            window = []
    if window:
        yield window


def worker_pool(workers: int | None = None):
    """A process pool for ``read_sessions``, or None when one core is all
    there is (or ``workers`` is 1). Forked where the platform allows it."""
    import multiprocessing

    count = workers or min(os.cpu_count() or 1, 4)
    if count < 2:
        return None
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return context.Pool(count, initializer=_start_worker)


def _start_worker() -> None:
    """Workers run at a lower priority than the process writing the database
    (it has the longest single line of work, so it should never wait for a
    core), and without the cyclic garbage collector (see ``collector_paused``)."""
    with contextlib.suppress(OSError):
        os.nice(5)
    gc.disable()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a build runs.

    Composing YAML allocates a few hundred container objects per note, none
    of them in a reference cycle, so reference counting frees them all; the
    collector's passes over a growing heap only cost time (about a third of
    reading a note, measured on 1,000 notes; one pass over the modules a
    build imports, 35 ms, a tenth of a one-note rebuild). At the end, what
    the build made and keeps (caches, its result) joins the oldest
    generation unexamined (``gc.freeze``, ``gc.unfreeze``): left young, it
    was all examined by the pass that re-enabling the collector set off at
    once, 20 ms after a first build in a process."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def session_files(folder: Path, problems: Problems) -> list[Path]:
    """The session notes of an event folder, by name; misnamed files are problems."""
    files = []
    with os.scandir(folder) as entries:  # names and types in one call: libraries grow to thousands of notes
        listed = sorted((entry.name, entry.is_symlink() or entry.is_dir(follow_symlinks=False)) for entry in entries)
    for name, linked_or_folder in listed:
        if name.startswith(".") or name in RESERVED_FILES:
            continue
        path = folder / name  # once: a library's thousands of paths are a third of listing it
        # Not only regular files: a FIFO or a device named like a note is reported, not skipped.
        if linked_or_folder and (refused_link(path, problems) or path.is_dir()):
            continue
        stem, _, extension = name.rpartition(".")
        if extension == "yml":
            problems.add(path, 1, 1, "", "yml_extension", value=name, suggestion=stem + ".yaml")
        elif extension == "yaml" and _check_name(stem, path, problems):
            files.append(path)
    return files


def _check_name(name: str, path: Path, problems: Problems) -> bool:
    if models.SLUG.match(name):
        return True
    problems.add(path, 1, 1, "", "bad_file_name", value=name, suggestion=models.slugify(name) or None)
    return False


def event_folders(notes_dir: Path, problems: Problems | None = None) -> list[Path]:
    """The event folders of the notes folder; a symbolic link is followed
    only inside it, and not to another event's folder (the same event twice),
    with a problem saying so when ``problems`` is given."""
    folders = []
    for path in sorted(notes_dir.iterdir()):
        if path.name.startswith(".") or not path.is_dir():
            continue
        if path.is_symlink():
            refused = link_refusal(path, notes_dir)
            target = path.resolve()
            if refused is None and target.parent == notes_dir.resolve() and _check_name(target.name, target, Problems()):
                refused = "limits.linked_event_folder", {"target": target.name}
            if refused is not None:
                if problems is not None:
                    problems.add(path, 1, 1, "", refused[0], **refused[1])
                continue
        folders.append(path)
    return folders


def link_refusal(path: Path, notes_dir: Path) -> tuple[str, dict] | None:
    """Why the symbolic link at ``path`` is not followed, as a message kind
    and its values: it leads nowhere, round in a loop, or outside
    ``notes_dir`` (a note published from elsewhere, its values echoed in
    messages). None if ``path`` is no link, or one that stays inside."""
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        return "limits.link_broken", {"target": os.readlink(path)}
    except (OSError, RuntimeError):  # a loop: RuntimeError until Python 3.13
        return "limits.link_loop", {}
    if not target.is_relative_to(notes_dir.resolve()):
        return "limits.outside_notes", {"target": str(target), "notes": str(notes_dir)}
    return None


def refused_link(path: Path, problems: Problems) -> bool:
    """Whether the note at ``path`` (``notes/<event>/<file>``) is a symbolic
    link not followed (see ``link_refusal``), the problem recorded."""
    refused = link_refusal(path, path.parent.parent)
    if refused is not None:
        problems.add(path, 1, 1, "", refused[0], **refused[1])
    return refused is not None


def events(notes_dir: Path, problems: Problems) -> Iterator[EventNote]:
    """Every valid event under ``notes_dir``, one folder at a time."""
    for folder in event_folders(notes_dir, problems):
        note = event_or_its_problems(folder, problems)
        if note is not None:
            yield note


def event_or_its_problems(folder: Path, problems: Problems) -> EventNote | None:
    """The event of a folder; if its event.yaml is missing or invalid, its
    session notes are still checked (without the event's dates), so that
    every problem of every note is reported at once."""
    note = load_event(folder, problems)
    if note is None and folder.is_dir() and _check_name(folder.name, folder, Problems()):
        for path in session_files(folder, problems):
            load_session(path, None, problems)
    return note


def new_counts() -> dict[str, int]:
    return {"events": 0, "sessions": 0, "outcomes": 0, "internal": 0}


def tally(counts: dict[str, int], note: SessionNote) -> None:
    """Count a valid session and its outcomes, telling internal ones apart."""
    outcomes = note.session.outcomes
    counts["sessions"] += 1
    counts["outcomes"] += len(outcomes)
    counts["internal"] += sum(not (note.session.public and outcome.public) for outcome in outcomes)


def check_paths(paths: Iterable[Path], problems: Problems) -> dict[str, int]:
    """Validate notes folders, event folders or single files; count what is valid."""
    counts = new_counts()

    def count_event(note: EventNote | None) -> None:
        if note is None:
            return
        counts["events"] += 1
        before = len(problems.errors)
        sessions = list(note.sessions(problems))
        for session in sessions:
            tally(counts, session)
        event_followup(note, sessions if len(problems.errors) == before else None, problems)

    def count_session(note: SessionNote | None) -> None:
        if note is not None:
            tally(counts, note)

    for path in paths:
        if not path.exists():
            problems.add(path, 1, 1, "", "path_not_found")
        elif path.is_dir() and (path / EVENT_FILE).exists():
            count_event(event_or_its_problems(path, problems))
        elif path.is_dir():
            for folder in event_folders(path, problems):
                count_event(event_or_its_problems(folder, problems))
        elif path.name == FOLLOWUP_FILE:
            check_followup(path.parent, problems)
        elif path.name in RESERVED_FILES:
            note = load_event(path.parent, problems)
            counts["events"] += note is not None
        else:
            count_session(load_session(path, _quiet_event(path.parent), problems))
    return counts


def check_followup(folder: Path, problems: Problems) -> FollowUpNote | None:
    """Check ``followup.yaml`` on its own: the event and its sessions are read
    for what they hold, their own problems left to their own check."""
    event = load_event(folder, Problems())
    if event is None:
        problems.add(folder / FOLLOWUP_FILE, 1, 1, "", "missing_event_file", event=folder.name)
        return None
    quiet = Problems()
    sessions = list(event.sessions(quiet))
    return event_followup(event, None if quiet.errors else sessions, problems)


def event_followup(event: EventNote, sessions: Iterable[SessionNote] | None, problems: Problems) -> FollowUpNote | None:
    """The event's follow-up (``load_followup``) checked against the outcomes
    of ``sessions``: None for sessions when some could not be read."""
    refs = None if sessions is None else [ref for session in sessions for ref in outcome_refs(session)]
    return load_followup(event, refs, problems)


FollowedEvent = tuple[EventNote, list[SessionNote], FollowUpNote | None]  # what a later event's proceedings show of it


def event_with_followup(folder: Path, problems: Problems) -> FollowedEvent | None:
    """An event, all its valid sessions and its follow-up: what the
    proceedings of a later event show of it."""
    event = load_event(folder, problems)
    if event is None:
        return None
    sessions = list(event.sessions(problems))
    return event, sessions, event_followup(event, sessions, problems)


def followed_events(event: EventNote) -> list[FollowedEvent | None]:
    """The events ``event`` follows, in the order of its ``follows`` (None
    for one that cannot be read): their problems are their own check's."""
    notes = event.path.parent.parent
    return [event_with_followup(notes / event_id, Problems()) for event_id in event.event.follows]


def _quiet_event(folder: Path) -> EventNote | None:
    """A session's event, for its dates only: its own problems are not this file's."""
    return load_event(folder, Problems()) if (folder / EVENT_FILE).exists() else None
