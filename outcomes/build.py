"""The build: every note checked, then the database, the site configuration
and the proceedings written into a staging folder, and published into the
output folder only when all of it succeeded.

Publishing replaces each output with ``os.replace`` (atomic on one file
system), so a build that fails, or is killed at any moment, leaves every
previous output whole and usable. A lock file keeps two builds from writing
the same output folder at once.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from . import load, site, store
from .load import Problems

DATABASE = "outcomes.db"
PROCEEDINGS_DIR = "proceedings"
STAGING_PREFIX = ".staging-"
LOCK_FILE = ".lock"


@dataclass
class BuildResult:
    problems: Problems
    counts: dict[str, int] = field(default_factory=load.new_counts)
    published: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems.errors


class BuildLocked(Exception):
    """Another build holds the output folder."""


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

    Leftovers of killed builds are swept first; the caller holds the lock.
    """
    for stale in out_dir.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    stage = out_dir / f"{STAGING_PREFIX}{os.getpid()}-{time.monotonic_ns()}"
    stage.mkdir()
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def publish(stage: Path, out_dir: Path) -> list[Path]:
    """Move every staged output into place, one atomic rename each.

    The database goes first, then the site configuration, then the
    proceedings; proceedings of events that no longer exist are removed last.
    """
    published = []
    order = [stage / DATABASE] + sorted(p for p in stage.iterdir() if p.is_file() and p.name != DATABASE)
    for staged in order:
        if staged.exists():
            target = out_dir / staged.name
            os.replace(staged, target)
            published.append(target)
    staged_proceedings = stage / PROCEEDINGS_DIR
    if staged_proceedings.is_dir():
        target_dir = out_dir / PROCEEDINGS_DIR
        target_dir.mkdir(exist_ok=True)
        fresh = set()
        for staged in sorted(staged_proceedings.iterdir()):
            os.replace(staged, target_dir / staged.name)
            published.append(target_dir / staged.name)
            fresh.add(staged.name)
        for old in target_dir.glob("*.docx"):
            if old.name not in fresh:
                old.unlink()
    _fsync_dir(out_dir)
    return published


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def build(
    notes_dir: Path,
    out_dir: Path,
    *,
    write_proceedings: Callable | None = None,
    on_wait: Callable[[], None] | None = None,
) -> BuildResult:
    """Check every note and, if all are valid, publish the outputs.

    ``write_proceedings(event_note, sessions, folder)`` is called for each
    event with its valid sessions; nothing is published if any note has an
    error.
    """
    result = BuildResult(Problems())
    problems = result.problems
    if not notes_dir.is_dir():
        problems.add(notes_dir, 1, 1, "", "path_not_found")
        return result
    with locked(out_dir, on_wait=on_wait), staging(out_dir) as stage:
        db = store.create(stage / DATABASE)
        for event in load.events(notes_dir, problems):
            store.insert_event(db, event, notes_dir)
            sessions = []
            for session in event.sessions(problems):
                store.insert_session(db, session, notes_dir)
                if write_proceedings is not None:
                    sessions.append(session)
                load.tally(result.counts, session)
            result.counts["events"] += 1
            if write_proceedings is not None and not problems.errors:
                write_proceedings(event, sessions, stage / PROCEEDINGS_DIR)
        if problems.errors:
            db.close()
            return result
        store.finish(db)
        site.write(stage, stage / DATABASE)
        result.published = publish(stage, out_dir)
    return result
