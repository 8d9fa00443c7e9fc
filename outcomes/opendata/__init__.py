"""Open data that harvesters and researchers take, written by every build.

- ``catalog.ttl``, ``catalog.rdf``, ``catalog.jsonld``: a DCAT-AP_IT
  catalogue (``dcat.py``), which dati.gov.it harvests (and data.europa.eu
  through it): one dataset for the whole library, one per event, part of it;
- ``open-data/schema-org.json``: the schema.org ``Dataset`` of the library
  and of each event (``schemaorg.py``), which the site puts in the home page
  and the event pages for Google Dataset Search;
- ``open-data/<event-id>.zip``: a bundle per event (``bundle.py``) that a
  researcher can download and understand offline.

All three say the same facts, gathered once from the database by
``facts.py``. Who publishes the data and holds its rights comes from the
site's settings (``outcomes/site/metadata.yaml``, read by ``outcomes.publisher``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..common.files import link_or_copy, read_only
from . import bundle, dcat, facts, schemaorg
from .facts import modified

__all__ = ["CATALOGUE_FILES", "OPEN_DATA_DIR", "SCHEMA_ORG_FILE", "bundle_path", "children", "modified", "write"]

OPEN_DATA_DIR = "open-data"
FACTS_FILE = ".open-data.json"  # each event's facts, for the next build (not served)
CATALOGUE_INDEX = ".catalogue.json"  # where each part of the catalogue lies in its files, for the next build (not served)
SCHEMA_ORG_FILE = "schema-org.json"
CATALOGUE_FILES = {  # name -> format (dcat.FORMATS)
    "catalog.ttl": "turtle",
    "catalog.rdf": "xml",
    "catalog.jsonld": "json-ld",
}


def bundle_path(out: Path, event_id: str) -> Path:
    return out / OPEN_DATA_DIR / f"{event_id}.zip"


def write(out: Path, db_path: Path, editions: list[str], published: Path | None = None, unchanged: Iterable[str] = (),
          sessions: dict[str, list[str]] | None = None, pool=None, meanwhile: Callable[[], object] | None = None,
          exiting: list[int] | None = None) -> list[Path]:
    """Write the catalogue, the schema.org descriptions and the bundles into
    ``out`` (the build's staging folder), beside the database; ``editions``
    are the names of the public proceedings that the build publishes.
    ``unchanged`` names the events whose rows the build left as they were
    in the output folder ``published``: their facts (``FACTS_FILE``) and
    bundles are taken as published (a bundle is made of its event's rows
    alone, with the vocabularies and settings that any change to makes a
    full build), so a one-note rebuild reads and zips one event, not all;
    and ``sessions`` names, for events of which only some session notes
    were read again, those sessions: of their bundles, the files of the
    tables whose rows these sessions left as they were are kept.
    The other bundles are made in ``pool``'s processes, if given, else in
    a forked child (``_Child``), while this one runs ``meanwhile`` (a full build lists the search's words
    then: the bundles read no table of the search), then writes the
    catalogue.

    Of the catalogue, the parts of the datasets whose facts stand are taken
    from the published files too (``_catalogue``).

    The catalogue files also go into ``static/``, like ``datapackage.json``:
    an image made by ``datasette package`` carries that folder. A forked
    child that zipped its bundles is left to exit in ``exiting``, if given
    (``children``).
    """
    unchanged = set(unchanged) if published is not None else set()
    known = _known_facts(published, unchanged)
    conn = read_only(db_path)
    child = _Child()
    try:
        library = facts.library(conn, editions, known)
        folder = out / OPEN_DATA_DIR
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        written = [_take(bundle_path(published, event.id), folder) for event in library.events
                   if event.id in known and bundle_path(published, event.id).is_file()]
        taken = {path.stem for path in written}
        to_make = [dataclasses.replace(event, part_of=None, events=[]) for event in library.events if event.id not in taken]
        make = functools.partial(_write_bundle, db_path, out, published, sessions or {})
        if pool is not None and to_make:
            # Zipped while the catalogue is written, each written by the worker that made it:
            # bytes sent back would pile up in this process while it is busy.
            made = pool.imap_unordered(make, to_make)
        elif to_make:  # no pool, so no thread (a rebuild, a small library): one child process, forked now
            made = ()
            child = _Child(functools.partial(_write_bundles, make, to_make))
            written += [bundle_path(out, event.id) for event in to_make]
        else:
            made = ()
        if meanwhile is not None:
            meanwhile()
        (out / "static").mkdir(exist_ok=True)
        serialized = _catalogue(out, library, published if unchanged else None)
        written.append(out / CATALOGUE_INDEX)
        for name, rdf_format in CATALOGUE_FILES.items():
            data = serialized[rdf_format]
            for path in (out / name, out / "static" / name):
                path.write_bytes(data)
                written.append(path)
        descriptions = schemaorg.descriptions(library)
        (folder / SCHEMA_ORG_FILE).write_text(schemaorg.encoded(descriptions), "utf-8")
        written.append(folder / SCHEMA_ORG_FILE)
        written += sorted(made)
        child.wait(exiting)
    finally:
        child.end()
        conn.close()
    kept = {event.id: event.facts for event in library.events}
    (out / FACTS_FILE).write_text(json.dumps(kept, sort_keys=True, ensure_ascii=False) + "\n", "utf-8")
    written.append(out / FACTS_FILE)
    return written


def _catalogue(out: Path, library: facts.Dataset, published: Path | None) -> dict[str, bytes]:
    """The catalogue's files, by format, and where each part lies in them
    (``CATALOGUE_INDEX``). The parts whose digest (``dcat.parts``) is the one
    that the ``published`` files were written with are taken from them, byte
    for byte: a one-note rebuild writes the parts of the library and of one
    event (20 ms to 5, at 10 events)."""
    digests = dcat.parts(library)
    written = dcat.write(dcat.catalogue(library), CATALOGUE_FILES.values(), dcat.owner(library),
                         _published_parts(published, digests) if published is not None else {})
    index = {
        "files": {rdf_format: hashlib.sha256(data).hexdigest() for rdf_format, data in written.documents.items()},
        "runs": [[run.part, digests[run.part], run.subjects, run.spans] for run in written.runs],
    }
    (out / CATALOGUE_INDEX).write_text(json.dumps(index, ensure_ascii=False) + "\n", "utf-8")
    return written.documents


def _published_parts(published: Path, digests: dict[str, str]) -> dict[tuple[str, tuple[str, ...]], dict[str, bytes]]:
    """The runs of the published catalogue's parts that stand, by part and
    subjects: their bytes in each format. Empty if the files are not those
    the index was written with, or cannot be read."""
    try:
        index = json.loads((published / CATALOGUE_INDEX).read_text("utf-8"))
        files = {}
        for name, rdf_format in CATALOGUE_FILES.items():
            data = (published / name).read_bytes()
            if hashlib.sha256(data).hexdigest() != index["files"][rdf_format]:
                return {}
            files[rdf_format] = data
        return {
            (part, tuple(subjects)): {rdf_format: files[rdf_format][start:end] for rdf_format, (start, end) in spans.items()}
            for part, digest, subjects, spans in index["runs"]
            if digests.get(part) == digest and spans.keys() == files.keys()
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _write_bundles(make: Callable, events: list) -> None:
    for event in events:
        make(event)


def _write_bundle(db_path: Path, out: Path, published: Path | None, sessions: dict[str, list[str]], event) -> Path:
    """An event's bundle, made and written (in a worker or a child process);
    of an event with only ``sessions`` read again, the published files that
    stand are kept (``_kept``)."""
    kept, members = _kept(db_path, published, event.id, sessions[event.id]) if event.id in sessions else ({}, {})
    conn = read_only(db_path)
    try:
        bundle_path(out, event.id).write_bytes(bundle.bundle(conn, event, kept, members))
    finally:
        conn.close()
    return bundle_path(out, event.id)


def _kept(db_path: Path, published: Path | None, event_id: str, sessions: list[str]
          ) -> tuple[dict[str, bundle.Member], dict[str, bundle.Member]]:
    """The files of an event's published bundle that stand (its
    vocabularies, and the tables whose rows ``sessions``, read again, left
    as they were); and all its files."""
    try:
        zipped_bytes = bundle_path(published, event_id).read_bytes()
    except OSError:
        return {}, {}
    old = read_only(published / db_path.name)
    new = read_only(db_path)
    try:
        same = bundle.unchanged_tables(old, new, event_id, sessions)
    finally:
        old.close()
        new.close()
    files = {bundle.csv_path(table, lang) for table in same for lang in facts.LANGUAGES}
    members = bundle.published_members(zipped_bytes)
    return {path: member for path, member in members.items() if path in files}, members


class _Child:
    """``function`` run in a child process, forked at once, beside the rest
    of the build. ``wait`` waits for it; where the child failed (or where
    processes cannot fork), ``function`` then runs here, where its error, if
    any, is raised. ``end`` only waits, if no one did (the build failed
    meanwhile): no child outlives the build, nor writes into a staging
    folder being removed.

    The child says it is done through a pipe before it exits: the kernel
    then takes 3 ms to tear down its memory, which a build lets happen
    while it publishes (``wait``'s ``exiting``, ``children``).

    A rebuild's one bundle takes 30 to 150 ms of CPU (by how much of it
    changed), about as long as the catalogue and the site's files together:
    a second core makes it meanwhile. (A pool of processes takes longer to
    start.)"""

    def __init__(self, function: Callable[[], None] | None = None):
        self.function, self.pid, self.done = function, None, None
        if function is None or not hasattr(os, "fork"):
            return
        done, signal = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: it never returns into the build
            status = 1
            try:
                os.close(done)
                function()
                os.write(signal, b"\0")
                status = 0
            finally:
                os._exit(status)
        os.close(signal)
        self.pid, self.done = pid, done

    def wait(self, exiting: list[int] | None = None) -> None:
        """Wait until the child did its work (else do it here); a child that
        did is left to exit in ``exiting``, if given, to be waited for there."""
        if self.function is None:
            return
        finished = self.done is not None and os.read(self.done, 1) == b"\0"
        if finished and exiting is not None:
            exiting.append(self.pid)
            self.pid = None
        self.end()
        if not finished:
            self.function()
        self.function = None

    def end(self) -> None:
        if self.pid is not None:
            os.waitpid(self.pid, 0)
            self.pid = None
        if self.done is not None:
            os.close(self.done)
            self.done = None


@contextlib.contextmanager
def children() -> Iterator[list[int]]:
    """A list of child processes, each waited for at the end (``_Child.wait``'s ``exiting``)."""
    exiting: list[int] = []
    try:
        yield exiting
    finally:
        for pid in exiting:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _known_facts(published: Path | None, unchanged: set[str]) -> dict[str, dict]:
    """The published facts of the unchanged events (none if unreadable)."""
    if not unchanged:
        return {}
    try:
        kept = json.loads((published / FACTS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {event_id: found for event_id, found in kept.items() if event_id in unchanged and isinstance(found, dict)}


def _take(published: Path, folder: Path) -> Path:
    """A published bundle into the staging folder."""
    link_or_copy(published, folder / published.name)
    return folder / published.name
