"""The build: every note checked, then the database, the site configuration
and the proceedings written into a staging folder, and published into the
output folder only when all of it succeeded.

Publishing moves each output into place with ``os.replace`` (atomic on one
file system) after writing a journal that names the staging folder: a build
that fails leaves the previous outputs untouched, and one killed while
publishing is completed ("rolled forward") by the next build, so every file
is always whole. (That is safety against a killed or crashed build; against
a power cut the files would also need fsyncs, which this does not pay for.)
A lock file keeps two builds off the same output folder.

Builds are incremental: the output folder remembers which note files it was
built from (``.build-state.json``), and when only some changed, a copy of the
published database is updated with just their rows. The result holds the
same rows and search index as a full build (tests/test_incremental.py checks
it), though not the same bytes: see the README.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import itertools
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import load, opendata, site, store
from .common.files import allocate, write_atomic
from .fingerprint import PACKAGE, code_files, file_stat, fingerprint, fingerprinted_files, site_files
from .load import EventNote, Problems

if TYPE_CHECKING:
    import sqlite_utils

DATABASE = "outcomes.db"
PROCEEDINGS_DIR = "proceedings"
STAGING_PREFIX = ".staging-"
LOCK_FILE = ".lock"
JOURNAL = ".publishing.json"
STATE_FILE = ".build-state.json"
STATE_FORMAT = 1
MAX_OWN_FILE_BYTES = 256 * 2**20  # the build state: about 150 bytes a note
RACY_NS = 2_000_000_000  # a file changed this close to the last build is read again


@dataclass
class BuildResult:
    problems: Problems
    counts: dict[str, int] = field(default_factory=load.new_counts)
    published: list[Path] = field(default_factory=list)
    incremental: bool = False
    notices: list[str] = field(default_factory=list)  # kinds of outcomes.messages: one line each, not problems
    rebuilt: int = 0  # session notes read and written (all of them in a full build)
    # valid session note (relative path) -> [outcomes, internal outcomes]
    note_counts: dict[str, list[int]] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)  # note read -> content digest
    # The events whose rows an incremental build wrote again (None: a full build, all of them).
    changed_events: set[str] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems.errors

    def add(self, read: load.SessionResult, notes_dir: Path) -> None:
        self.problems.extend(read.problems)
        self.rebuilt += 1
        relative = read.path.relative_to(notes_dir).as_posix()
        if read.digest:
            self.digests[relative] = read.digest
        if read.counts["sessions"]:
            self.note_counts[relative] = [read.counts["outcomes"], read.counts["internal"]]

    def total(self, events: int) -> None:
        """The summary's counts, from every valid session note."""
        self.counts = {
            "events": events,
            "sessions": len(self.note_counts),
            "outcomes": sum(outcomes for outcomes, _ in self.note_counts.values()),
            "internal": sum(internal for _, internal in self.note_counts.values()),
        }


class BuildLocked(Exception):
    """Another build holds the output folder."""


class OutputError(OSError):
    """SQLite could not write the database (a full or read-only disk):
    an OSError like any other failure to write the outputs."""


_WRITE_FAILURES = ("SQLITE_IOERR", "SQLITE_FULL", "SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM")


@contextlib.contextmanager
def _writing_database(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as error:
        if not (getattr(error, "sqlite_errorname", None) or "").startswith(_WRITE_FAILURES):
            raise  # not the disk: a bug, to be seen as one
        raise OutputError(errno.EIO, str(error), str(path)) from error


# --- Lock, staging, publishing ------------------------------------------------------


@contextlib.contextmanager
def locked(out_dir: Path, wait: bool = True, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the output folder's lock; wait for another build, or refuse."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / LOCK_FILE, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            if not wait:
                raise BuildLocked(str(out_dir)) from None
            if on_wait:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def staging(out_dir: Path) -> Iterator[Path]:
    """A fresh folder inside ``out_dir`` (same file system), removed afterwards.

    First an interrupted publication is completed and leftovers of killed
    builds are swept; the caller holds the lock.
    """
    recover(out_dir)
    for stale in out_dir.glob(STAGING_PREFIX + "*"):
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)  # a database set aside (``_set_aside``)
    stage = out_dir / f"{STAGING_PREFIX}{os.getpid()}-{time.monotonic_ns()}"
    stage.mkdir()
    try:
        yield stage
    finally:
        if not _publishing(out_dir, stage):  # else left for ``recover`` to finish
            shutil.rmtree(stage, ignore_errors=True)


def _publishing(out_dir: Path, stage: Path) -> bool:
    """Whether a publication of ``stage`` was started and not finished."""
    try:
        return _read_json(out_dir / JOURNAL).get("stage") == stage.name
    except (OSError, ValueError):
        return False


def publish(stage: Path, out_dir: Path, stale: list[str] | None = None) -> list[Path]:
    """Move every staged output into place.

    A journal naming the (complete) staging folder is written first, so that
    a publication cut short is finished by ``recover``. The database goes
    first, then the site configuration and the proceedings, and the build
    state last. Then the ``stale`` proceedings are removed: by default, every
    document of the output folder that this build did not write.
    """
    if stale is None:
        fresh = {p.name for p in (stage / PROCEEDINGS_DIR).glob("*")}
        stale = sorted(
            p.name for p in (out_dir / PROCEEDINGS_DIR).glob("*") if p.suffix in (".docx", ".pdf") and p.name not in fresh
        )
    write_atomic(out_dir / JOURNAL, json.dumps({"stage": stage.name, "stale_proceedings": stale}))
    published = _move_staged(stage, out_dir, stale)
    (out_dir / JOURNAL).unlink()
    return published


def recover(out_dir: Path) -> None:
    """Finish a publication that a killed build left half done."""
    journal = out_dir / JOURNAL
    if not journal.exists():
        return
    try:
        plan = _read_json(journal)
        stage = out_dir / plan["stage"]
        if stage.is_dir():
            _move_staged(stage, out_dir, plan.get("stale_proceedings", []))
    except (ValueError, KeyError):
        pass  # a journal cut short: publishing had not started
    journal.unlink()


def _move_staged(stage: Path, out_dir: Path, stale_proceedings: list[str]) -> list[Path]:
    """Move what is left in ``stage`` into ``out_dir``; safe to run again."""
    published = []
    files = [stage / DATABASE] + sorted(
        p for p in stage.iterdir() if p.is_file() and p.name not in (DATABASE, STATE_FILE)
    )
    with ThreadPoolExecutor(1) as thread:  # frees the replaced database's file beside the rest
        for staged in files:
            if staged.exists():
                freed = None
                if staged.name == DATABASE:
                    freed = _set_aside(out_dir / staged.name)
                elif (out_dir / staged.name).exists():
                    allocate(staged)  # a rename over a file costs ext4 0.5 ms without (``allocate``)
                os.replace(staged, out_dir / staged.name)
                published.append(out_dir / staged.name)
                if freed is not None:
                    thread.submit(freed.unlink, missing_ok=True)
        published += _move_staged_folders(stage, out_dir, stale_proceedings)
    return published


def _set_aside(path: Path) -> Path | None:
    """A second name for the file at ``path``, about to be replaced, so that
    the rename does not free its blocks and pages: removing that name does,
    beside the rest of publishing. (Freeing a database of 47 MB took the
    rename 4 ms, 25 ms once its pages were written, more while they were
    being written.) None where there is no file, or no second name."""
    aside = path.with_name(f"{STAGING_PREFIX}old-{path.name}")
    try:
        aside.unlink(missing_ok=True)
        os.link(path, aside)
    except OSError:
        return None
    return aside


def _move_staged_folders(stage: Path, out_dir: Path, stale_proceedings: list[str]) -> list[Path]:
    published = []
    for staged in sorted(p for p in stage.iterdir() if p.is_dir() and p.name != PROCEEDINGS_DIR):
        published.extend(_replace_dir(staged, out_dir / staged.name))
    staged_proceedings = stage / PROCEEDINGS_DIR
    if staged_proceedings.is_dir():
        target_dir = out_dir / PROCEEDINGS_DIR
        target_dir.mkdir(exist_ok=True)
        for staged in sorted(staged_proceedings.iterdir()):
            os.replace(staged, target_dir / staged.name)
            published.append(target_dir / staged.name)
    for name in stale_proceedings:
        (out_dir / PROCEEDINGS_DIR / name).unlink(missing_ok=True)
    if (stage / STATE_FILE).exists():
        allocate(stage / STATE_FILE)
        os.replace(stage / STATE_FILE, out_dir / STATE_FILE)
    return published


def _replace_dir(staged: Path, target: Path) -> list[Path]:
    """Swap a staged folder of the site (templates/, plugins/, static/) in
    whole: the old one is renamed aside, the new one renamed into place, the
    old one removed. Readers see one folder or the other, never a mix; a
    build killed between the renames is completed by ``recover``."""
    aside = target.with_name(f"{STAGING_PREFIX}old-{target.name}")
    shutil.rmtree(aside, ignore_errors=True)
    if target.exists():
        os.replace(target, aside)
    os.replace(staged, target)
    shutil.rmtree(aside, ignore_errors=True)
    return sorted(path for path in target.rglob("*") if path.is_file())


def _read_json(path: Path):
    """The content of one of the build's own JSON files; ValueError if it is
    not one (a FIFO or a device put in its place is never read)."""
    try:
        return json.loads(load.read_regular(path, MAX_OWN_FILE_BYTES))
    except load.NoteError as error:
        raise ValueError(error.kind) from None


# --- What the last build was made from -----------------------------------------------


def _digest(path: Path) -> str:
    """The digest of a note's content; "" (a change) when it cannot be read,
    which the loader reports: a FIFO or a huge file is never read here."""
    try:
        return load.file_digest(load.read_regular(path, load.MAX_NOTE_BYTES))
    except load.NoteError:
        return ""


@dataclass
class BuildState:
    """The note files a published database was built from (relative path ->
    size, modification time, content digest) and that database.

    A file whose size and time are unchanged is taken as unchanged, as
    ``make`` and git's index do; one whose time changed is read, and only a
    different digest makes it changed.
    """

    notes: str
    files: dict[str, list]
    database: list[int]
    proceedings: bool
    taken_ns: int
    fingerprint: str
    note_counts: dict[str, list[int]]
    format: int = STATE_FORMAT
    pdf: bool = False  # whether the published proceedings have their PDF editions
    code_files: dict[str, list[int]] = field(default_factory=dict)  # ``code_files`` when ``fingerprint`` was taken
    site_files: dict[str, list[int]] = field(default_factory=dict)  # ``site_files`` when the site was written

    @classmethod
    def read(cls, out_dir: Path) -> BuildState | None:
        try:
            data = _read_json(out_dir / STATE_FILE)
            return cls(**data)
        except (OSError, ValueError, TypeError):
            return None

    def write(self, folder: Path) -> None:
        (folder / STATE_FILE).write_text(json.dumps(self.__dict__, sort_keys=True) + "\n", "utf-8")

    def code(self, package: Path = PACKAGE) -> str | None:
        """The fingerprint of the code, if the files and folders it was taken
        from are as they were, and none changed so close to the last build
        that the same size and time could hide a change (as for notes:
        ``RACY_NS``)."""
        return self.fingerprint if self._unchanged(self.code_files, package) else None

    def site_unchanged(self, package: Path = PACKAGE) -> bool:
        """Whether the package's files of the site (``site.source_paths``),
        and their folders, are as they were when it was written."""
        return self._unchanged(self.site_files, package)

    def _unchanged(self, files: dict[str, list[int]], package: Path) -> bool:
        try:
            now = {relative: file_stat(package / relative) for relative in files}
        except OSError:
            return False
        return bool(now) and now == files and all(mtime < self.taken_ns - RACY_NS for _, mtime in now.values())

    def usable(self, notes_dir: Path, out_dir: Path, proceedings: bool, pdf: bool = False, code: str | None = None) -> bool:
        """Whether the published outputs can be updated rather than rebuilt
        (``code``: this build's ``fingerprint()``, if known)."""
        database = out_dir / DATABASE
        return (
            self.format == STATE_FORMAT
            and self.notes == str(notes_dir.resolve())
            and self.proceedings == proceedings
            and self.pdf == pdf
            and database.exists()
            and file_stat(database) == self.database
            and self.fingerprint == (code or fingerprint())
            and store.schema_version(database) == store.SCHEMA_VERSION
        )

    def inputs_digest(self) -> str:
        """One digest of every note's content and of the code: the database
        is a deterministic function of these, so this identifies it."""
        return inputs_digest(self.fingerprint, {relative: entry[2] for relative, entry in self.files.items()})


def inputs_digest(code: str, digests: dict[str, str]) -> str:
    import hashlib

    lines = [code] + [f"{relative} {digest}" for relative, digest in sorted(digests.items())]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def note_files(notes_dir: Path, events: list[EventNote]) -> dict[str, list[int]]:
    """Every note file of the library: relative path -> [size, mtime]."""
    files = {}
    for event in events:
        folder = event.path.parent
        for name in (load.EVENT_FILE, load.REGISTRATIONS_FILE, load.FOLLOWUP_FILE):
            if (folder / name).exists():
                files[f"{event.id}/{name}"] = file_stat(folder / name)
        for path in event.session_paths:
            files[f"{event.id}/{path.name}"] = file_stat(path)
    return files


# --- The build ----------------------------------------------------------------------


def build(
    notes_dir: Path,
    out_dir: Path,
    *,
    proceedings: bool = True,
    pdf: bool = False,
    on_wait: Callable[[], None] | None = None,
    workers: int | None = None,
    full: bool = False,
) -> BuildResult:
    """Check every note and, if all are valid, publish the outputs.

    The database and the site always; with ``proceedings``, each event's
    proceedings too (each changed event's, in an incremental build; their
    warnings join the problems), with ``pdf`` and LibreOffice their PDF
    editions too (without LibreOffice, a notice says so; the commands ask
    for them unless told ``--no-pdf``, calls in code when they need them:
    they take seconds). Nothing is published if any note has an
    error. ``workers`` is the number of processes reading notes (default:
    the machine's cores, up to 4); ``full`` rebuilds everything even when an
    update would do. ``on_wait`` is called if another build holds the lock.
    """
    result = BuildResult(Problems())
    problems = result.problems
    pdf = bool(proceedings and pdf and _libreoffice(result))
    write_proceedings = _proceedings_writer(problems, printed=pdf) if proceedings else None
    if not notes_dir.is_dir():
        problems.add(notes_dir, 1, 1, "", "path_not_found")
        return result
    with (load.collector_paused(), _writing_database(out_dir / DATABASE), locked(out_dir, on_wait=on_wait),
          staging(out_dir) as stage, ThreadPoolExecutor(1) as thread,  # the thread ends before the folder is removed
          opendata.children() as exiting):  # so do the child processes
        taken_ns = time.time_ns()
        last = BuildState.read(out_dir)
        previous = None if full else last
        # An update works on a copy of the published database: the copy (the
        # kernel's work, 20 ms at 10,000 outcomes) runs while the notes are listed.
        copied = thread.submit(shutil.copyfile, out_dir / DATABASE, stage / DATABASE) if previous and (
            out_dir / DATABASE).is_file() else None
        events = list(load.events(notes_dir, problems))
        stats = note_files(notes_dir, events)
        code = last.code() if last else None
        if code is None:  # the code changed, or no build recorded it: its modules are read
            files = fingerprinted_files()
            code, code_now = fingerprint(files=files), code_files(files)
        else:
            code_now = last.code_files
        incremental = previous is not None and previous.usable(notes_dir, out_dir, proceedings, pdf, code)
        changes = _Changes(previous, stats, events, notes_dir) if incremental else None
        # The site's files made of code alone stand as published while its sources stand.
        site_unchanged = incremental and previous.site_unchanged()
        site_now = previous.site_files if site_unchanged else site_files()
        sessions_to_read = changes.sessions_to_read if changes else sum(len(e.session_paths) for e in events)
        thread.shutdown()  # the copy is done by now; and no thread may be running when processes fork
        store.columns()  # before the workers fork, which would each read the schema again (0.06 s)
        pool = load.worker_pool(workers) if sessions_to_read >= load.PARALLEL_MIN else None
        db = None  # a full build's database: its rows and indexes written, the search's words to list
        with _terminated(pool):
            if incremental:
                copied.result()  # raises the copy's error, if any
                _update(stage, out_dir, notes_dir, events, changes, result, pool, write_proceedings)
            else:
                db = _full(stage, notes_dir, events, result, pool, write_proceedings)
            result.total(len(events))
            if problems.errors:
                return result
            if pdf:  # in the staging folder: a failure (PdfError) publishes nothing
                _add_pdfs(write_proceedings.written, write_proceedings.printed)
            if not proceedings:
                stale = []  # this build leaves the documents alone
            elif incremental:  # the editions of removed events, and those no longer made of rewritten ones
                stale = _stale_editions(stage, out_dir, [*changes.removed_events, *write_proceedings.events])
            else:
                stale = None  # every document this build did not write
            unchanged = [] if result.changed_events is None else [
                event.id for event in events if event.id not in result.changed_events]

            def site_and_state() -> None:  # the database is whole by now, one plain file
                allocate(stage / DATABASE)  # before it is renamed over the published one; it may change its time
                known = changes.digests if changes else {}
                digests = {
                    relative: result.digests.get(relative) or known.get(relative) or _digest(notes_dir / relative)
                    for relative in stats
                }
                state = BuildState(
                    notes=str(notes_dir.resolve()),
                    files={relative: [*stat, digests[relative]] for relative, stat in stats.items()},
                    database=file_stat(stage / DATABASE),
                    proceedings=proceedings,
                    taken_ns=taken_ns,
                    fingerprint=code,
                    note_counts=result.note_counts,
                    pdf=pdf,
                    code_files=code_now,
                    site_files=site_now,
                )
                site.write(stage, stage / DATABASE, state.inputs_digest(), published=out_dir,
                           row_changes=changes.row_changes if changes else None, sources_unchanged=site_unchanged)
                state.write(stage)

            # The open data is made of the rows alone: a full build's workers
            # zip its bundles while the search's words are listed, an update's
            # bundle is zipped by a child process while the site's files are written.
            opendata.write(stage, stage / DATABASE, _editions(stage, out_dir, stale), published=out_dir,
                           unchanged=unchanged, sessions=changes.session_ids if changes else None, pool=pool,
                           meanwhile=site_and_state if db is None else functools.partial(store.finish, db),
                           exiting=exiting)
            if db is not None:
                store.close(db)
                site_and_state()
            result.incremental = incremental
            result.published = publish(stage, out_dir, stale)
    return result


@contextlib.contextmanager
def _terminated(pool) -> Iterator[None]:
    """The build's worker processes, ended with the build: they read the
    notes, then zip the open data's bundles."""
    try:
        yield
    finally:
        if pool is not None:
            pool.terminate()


def _proceedings_writer(problems: Problems, printed: bool) -> Callable:
    from . import proceedings

    return proceedings.Writer(problems, printed=printed)


def _libreoffice(result: BuildResult) -> bool:
    """Whether LibreOffice can make the PDF editions; a notice if not."""
    from .proceedings import pdf

    if pdf.soffice() is None:
        result.notices.append("pdf_unavailable")
        return False
    return True


def _add_pdfs(documents: list[Path], printed: list[Path]) -> None:
    from . import proceedings

    proceedings.add_pdfs(documents, printed)


def _stale_editions(stage: Path, out_dir: Path, event_ids: list[str]) -> list[str]:
    """Published files of these events' proceedings that this build did not write."""
    fresh = {p.name for p in (stage / PROCEEDINGS_DIR).glob("*")}
    found = set()
    for event_id in event_ids:
        for pattern in (f"{event_id}.*", f"{event_id}-interno.*", f"{event_id}-stampa.*"):
            found.update(p.name for p in (out_dir / PROCEEDINGS_DIR).glob(pattern))
    return sorted(found - fresh)


def _editions(stage: Path, out_dir: Path, stale: list[str] | None) -> list[str]:
    """The names of the proceedings that publishing ``stage`` leaves in the
    output folder: those written now and, unless ``stale`` is None (every
    other one goes), the published ones that are not stale."""
    names = {path.name for path in (stage / PROCEEDINGS_DIR).glob("*")}
    if stale is not None:
        names.update(path.name for path in (out_dir / PROCEEDINGS_DIR).glob("*") if path.name not in stale)
    return sorted(names)


def _prepare(notes_dir: Path) -> Callable:
    return functools.partial(store.prepared_session, notes_dir=notes_dir)


def _full(stage: Path, notes_dir: Path, events: list[EventNote], result: BuildResult, pool,
          write_proceedings) -> sqlite_utils.Database | None:
    """Every note into a new database, left open and shared (``store.share``)
    for ``store.finish`` and ``store.close``; None if a note has an error."""
    keep = write_proceedings is not None
    work = [(event, event.session_paths) for event in events]
    reads = load.read_sessions(work, prepare=_prepare(notes_dir), keep=keep, pool=pool)  # the workers start
    db = store.create(stage / DATABASE)
    batch = store.Batch(db)
    for event in events:
        batch.add(store.pack(store.event_rows(event, notes_dir)))
    followups = []  # (event id, rows), written once every outcome is in
    for event in events:  # the reads come in the same order, one per session note
        sessions, follow = [], _FollowUp(event, result.problems)
        for _, read in itertools.islice(reads, len(event.session_paths)):
            result.add(read, notes_dir)
            follow.add(read)
            if read.prepared:
                batch.add(read.prepared)
            if read.note is not None:
                sessions.append(read.note)
        if event.followup_path:
            followups.append((event, follow.rows()))
        if keep and not result.problems.errors:
            write_proceedings(event, sessions, stage / PROCEEDINGS_DIR, followup=follow.note, earlier=load.followed_events(event))
    batch.flush()
    if result.problems.errors:
        db.close()
        return None
    for event, rows in followups:
        store.apply_followup(db, event, rows)
    store.share(db)
    return db


class _FollowUp:
    """An event's follow-up of commitments, checked against the outcomes of
    its sessions as they are read (a session that could not be read leaves
    only the updates' own shape to check)."""

    def __init__(self, event: EventNote, problems: Problems):
        self.event, self.problems = event, problems
        self.refs: dict[str, load.OutcomeRef] = {}
        self.complete = True
        self.note: load.FollowUpNote | None = None  # read by ``rows``, for the proceedings

    def add(self, read: load.SessionResult) -> None:
        self.complete = self.complete and not read.problems.errors
        self.refs.update((ref.key, ref) for ref in read.refs)

    def rows(self) -> store.Rows:
        self.note = load.load_followup(self.event, self.refs.values() if self.complete else None, self.problems)
        return store.followup_rows(self.note, self.refs)


class _Changes:
    """What differs between the notes and the last build."""

    def __init__(self, previous: BuildState, stats: dict[str, list[int]], events: list[EventNote], notes_dir: Path):
        self.previous = previous
        self.digests: dict[str, str] = {}  # digests of the files found unchanged

        def changed(relative: str) -> bool:
            entry = previous.files.get(relative)
            if relative not in stats or entry is None:
                return True
            if entry[:2] != stats[relative] or stats[relative][1] >= previous.taken_ns - RACY_NS:
                if _digest(notes_dir / relative) != entry[2]:  # touched, perhaps not changed
                    return True
            self.digests[relative] = entry[2]
            return False

        files_of: dict[str, set[str]] = {}  # event id -> its note files, then and now
        for relative in itertools.chain(previous.files, stats):
            files_of.setdefault(relative.split("/", 1)[0], set()).add(relative)
        self.removed_events = sorted(set(files_of) - {event.id for event in events})
        self.events: dict[str, EventNote] = {}  # changed events: every session is read again
        self.sessions: dict[str, list] = {}  # event id -> changed session paths
        self.removed_sessions: list[str] = []
        for event in events:
            prefix = f"{event.id}/"
            own_files = files_of.get(event.id, set())
            event_files = {prefix + name for name in (load.EVENT_FILE, load.REGISTRATIONS_FILE, load.FOLLOWUP_FILE)}
            if any([changed(r) for r in sorted(own_files & event_files)]):
                self.events[event.id] = event
                continue
            paths = [path for path in event.session_paths if changed(f"{prefix}{path.name}")]
            if paths:
                self.sessions[event.id] = paths
            current = {f"{prefix}{path.name}" for path in event.session_paths}
            self.removed_sessions += [
                f"{event.id}--{r[len(prefix):].removesuffix('.yaml')}" for r in sorted(own_files - event_files - current)
            ]
        # Event id -> the ids of its sessions read again or removed, in the events that did not change.
        self.session_ids: dict[str, list[str]] = {
            event_id: [f"{event_id}--{path.stem}" for path in paths] for event_id, paths in self.sessions.items()}
        for key in self.removed_sessions:
            self.session_ids.setdefault(key.split("--", 1)[0], []).append(key)
        self.row_changes: dict[str, int] | None = None  # by table, once the database is updated (``store.row_changes``)
        self.sessions_to_read = sum(len(e.session_paths) for e in self.events.values()) + sum(
            len(paths) for paths in self.sessions.values()
        )


def _update(stage: Path, out_dir: Path, notes_dir: Path, events: list[EventNote], changes: _Changes,
            result: BuildResult, pool, write_proceedings) -> None:
    """Only the changed notes, into the copy of the published database in ``stage``.

    A changed event has all its sessions read again (their dates are checked
    against it) and, with proceedings, so has an event with a changed session:
    its document is written again from all of them.
    """
    db = store.open_for_update(stage / DATABASE)
    result.note_counts = {
        relative: counts
        for relative, counts in changes.previous.note_counts.items()
        if relative.split("/", 1)[0] not in changes.removed_events
    }
    for event_id in changes.removed_events:
        store.remove_event(db, event_id)
    store.remove_sessions(db, changes.removed_sessions)
    for key in changes.removed_sessions:
        event_id, session_id = key.split("--", 1)
        result.note_counts.pop(f"{event_id}/{session_id}.yaml", None)
    keep = write_proceedings is not None
    touched = {*changes.events, *changes.sessions, *changes.removed_events}
    touched.update(key.split("--", 1)[0] for key in changes.removed_sessions)
    result.changed_events = touched
    for event in events:
        event_changed = event.id in changes.events
        changed = set(event.session_paths) if event_changed else set(changes.sessions.get(event.id, []))
        # The proceedings of an event show the follow-up of the events it follows.
        follower = keep and not touched.isdisjoint(event.event.follows)
        if event.id not in touched and not follower:
            continue
        if event_changed:  # all its sessions go too, to be written again
            store.remove_event(db, event.id)
            store.insert(db, store.pack(store.event_rows(event, notes_dir)))
        else:
            store.remove_sessions(db, [f"{event.id}--{path.stem}" for path in event.session_paths if path in changed])
        # An event's follow-up is checked against all its sessions.
        every = keep or event.followup_path is not None
        paths = list(event.session_paths) if every else [p for p in event.session_paths if p in changed]
        batch = store.Batch(db)
        sessions, follow = [], _FollowUp(event, result.problems)
        for _, read in load.read_sessions([(event, paths)], prepare=_prepare(notes_dir), keep=keep, pool=pool):
            follow.add(read)
            if read.path in changed:
                result.add(read, notes_dir)
                if read.prepared:
                    batch.add(read.prepared)
            if read.note is not None:
                sessions.append(read.note)
        batch.flush()
        if event.followup_path is not None:
            store.apply_followup(db, event, follow.rows())
        if keep and not result.problems.errors:
            write_proceedings(event, sessions, stage / PROCEEDINGS_DIR, followup=follow.note, earlier=load.followed_events(event))
    store.update_search_terms(db)
    changes.row_changes = store.row_changes(db)
    db.conn.commit()
    db.close()
