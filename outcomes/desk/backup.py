"""Copies of the desk's state (``desk.db``) while it runs, and restoring one.

A copy is made with SQLite's online backup API in one step: it reads one
consistent state of the database (every save committed before it began,
none half) while the desk goes on saving, since in WAL mode a reader never
holds up a writer. The copy is checked (``integrity_check``) before it gets
its name, ``desk-<UTC time>.db``; the oldest beyond ``keep`` are removed.

A copy is restored only into a stopped desk: ``outcomes desk serve`` holds a
shared lock on ``DATA/.serving`` while it runs, and a restore takes it
exclusively or refuses. The state it replaces is renamed aside, never
deleted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator

from . import state

SERVING_LOCK = ".serving"
PREFIX, SUFFIX = "desk-", ".db"
DEFAULT_KEEP = 30


class DeskRunning(Exception):
    """A desk is serving this data folder."""


class NotADesk(Exception):
    """The file is not a sound copy of a desk's state."""


@contextlib.contextmanager
def serving(data_dir: Path) -> Iterator[None]:
    """Held by a running desk (shared: several may serve one folder)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / SERVING_LOCK, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        yield


@contextlib.contextmanager
def stopped(data_dir: Path) -> Iterator[None]:
    """Held while restoring: DeskRunning if a desk serves ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / SERVING_LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.EACCES):
                raise DeskRunning(str(data_dir)) from None
            raise
        yield


@dataclass
class Copy:
    path: Path
    revisions: int
    invites: int
    seconds: float = 0.0
    removed: list[Path] = field(default_factory=list)


def _counts(conn: sqlite3.Connection) -> tuple[int, int]:
    return tuple(conn.execute(f"select count(*) from {table}").fetchone()[0] for table in ("revisions", "invites"))


def check(path: Path) -> tuple[int, int]:
    """(revisions, invites) of a sound copy; NotADesk with the reason if it is not one."""
    if not path.is_file():
        raise NotADesk("not a file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [row[0] for row in conn.execute("pragma integrity_check")]
            if result != ["ok"]:
                raise NotADesk("integrity_check: " + "; ".join(result[:3]))
            tables = {name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")}
            if not {"revisions", "invites", "users"} <= tables:
                raise NotADesk("no revisions, invites and users tables")
            return _counts(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise NotADesk(str(error)) from None


def _name(to_dir: Path, now: dt.datetime) -> Path:
    stem = f"{PREFIX}{now:%Y%m%dT%H%M%SZ}"
    path, n = to_dir / f"{stem}{SUFFIX}", 1
    while path.exists():
        n += 1
        path = to_dir / f"{stem}-{n}{SUFFIX}"
    return path


def copies(to_dir: Path) -> list[Path]:
    """The copies in ``to_dir``, oldest first (their names sort by time)."""
    return sorted(p for p in to_dir.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())


def backup(data_dir: Path, to_dir: Path, keep: int = DEFAULT_KEEP) -> Copy:
    """A checked copy of ``data_dir``'s desk.db in ``to_dir``; the oldest
    copies beyond ``keep`` removed."""
    began = time.monotonic()
    source_path = data_dir / state.DATABASE
    if not source_path.is_file():
        raise FileNotFoundError(errno.ENOENT, "no desk", str(source_path))
    to_dir.mkdir(parents=True, exist_ok=True)
    target = _name(to_dir, dt.datetime.now(dt.UTC))
    partial = target.with_name(target.name + ".part")
    source = sqlite3.connect(str(source_path), timeout=30)
    try:
        copy = sqlite3.connect(str(partial))
        try:
            source.backup(copy)  # all pages in one step: one consistent state
            copy.execute("pragma journal_mode = delete")  # one self-contained file
        finally:
            copy.close()
    finally:
        source.close()
    try:
        revisions, invites = check(partial)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    _sync_dir(to_dir)
    removed = copies(to_dir)[:-keep] if keep > 0 else []
    for old in removed:
        old.unlink()
    return Copy(target, revisions, invites, time.monotonic() - began, removed)


def restore(path: Path, data_dir: Path) -> tuple[Copy, Path]:
    """Put the copy ``path`` in place of ``data_dir``'s desk.db, the desk
    being stopped; the previous state (with its WAL) renamed aside, whose
    name is returned."""
    revisions, invites = check(path)
    with stopped(data_dir):
        current = data_dir / state.DATABASE
        aside = current.with_name(f"{state.DATABASE}.before-restore-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}")
        partial = current.with_name(state.DATABASE + ".restoring")
        shutil.copyfile(path, partial)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        for suffix in ("", "-wal", "-shm"):
            if (data_dir / (state.DATABASE + suffix)).exists():
                os.replace(data_dir / (state.DATABASE + suffix), aside.with_name(aside.name + suffix))
        os.replace(partial, current)
        _sync_dir(data_dir)
        state.connect(current).close()  # WAL again, as the desk opens it
    return Copy(current, revisions, invites), aside


def _sync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
