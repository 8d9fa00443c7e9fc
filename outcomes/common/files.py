"""Writing a file in one step, readying one to be renamed over another,
reading a database, and what identifies a note's content: one of each for
the loader, the build, the intake commands and the desk."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step: a reader (or a build) sees
    the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def allocate(path: Path) -> None:
    """Allocate the disk blocks of a file just written, before it is renamed
    over another.

    ext4 allocates the blocks of a file renamed over another, and starts
    writing it, in the rename (``auto_da_alloc``, a guard against empty files
    after a power cut, which the build does not otherwise guard against: a
    database that is not one is built again, ``store.schema_version``). For a
    database of 47 MB that took 35 ms of publishing, not 15. Where blocks
    cannot be allocated ahead, nothing is done."""
    try:
        with open(path, "r+b") as file:
            os.posix_fallocate(file.fileno(), 0, os.fstat(file.fileno()).st_size)
    except (AttributeError, OSError):  # not on this system or file system, an empty file, one not ours to write
        pass


def read_only(path: Path) -> sqlite3.Connection:
    """A connection reading the SQLite database at ``path``, all in one
    transaction (one snapshot): each statement outside one takes and gives
    back the file's locks and looks for a journal (11 us each, for the few
    hundred a one-note rebuild runs)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.execute("BEGIN")
    return conn


def link_or_copy(published: Path, target: Path) -> None:
    """A published file, unchanged, into a build's staging folder: linked
    (published files are replaced, never written in place), copied where the
    file system has no links."""
    try:
        os.link(published, target)
    except OSError:
        shutil.copyfile(published, target)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def digest(content: str | bytes | None) -> str:
    """What identifies a note's content (the build's record of its inputs,
    the desk's of a file on disk); ``absent`` for no file."""
    if content is None:
        return "absent"
    data = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()
