"""The Datasette site: the configuration the database is served with.

The output folder is a Datasette *configuration directory*: ``datasette
build/`` serves ``outcomes.db`` with ``metadata.json``, ``settings.json``,
``templates/``, ``plugins/`` and ``static/`` and, because
``inspect-data.json`` is there, opens the database immutable (read only, no
locking, safe to copy to any number of replicas).

``plugins/`` holds the site's Datasette plugin (its hooks module and the
package of its parts) and a copy of ``outcomes/common`` beside it (the
catalogue of texts, Markdown, the search), so a published site needs
neither this package nor anything but ``snowballstemmer`` to search in
Italian.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import yaml

from . import publisher
from .common import search, text
from .common.files import link_or_copy, read_only

DATABASE_NAME = "outcomes"
INSPECT_DATA = "inspect-data.json"
PACKAGE = Path(__file__).parent


def _package_file(name: str) -> str:
    return (PACKAGE / "site" / name).read_text("utf-8")



def messages() -> dict:
    """The project's catalogue of texts (``outcomes/common/messages/``)."""
    return text.catalogue()


@functools.cache
def _italian() -> dict:
    """The catalogue's Italian texts, by key: those the build writes."""
    return {key: value["it"] for key, value in messages().items()}


def metadata() -> dict:
    """Datasette metadata: facets, queries, licence, and the Italian titles
    and descriptions of the site, its tables, columns and queries, which
    come from the catalogue (the English ones are shown from it too); the
    search page's SQL and parameters (``outcomes.search``). A new copy each
    time, of what is made once per process."""
    return json.loads(_metadata_json())


@functools.cache
def _metadata_json() -> str:
    """metadata.json's text."""
    data = publisher.site_metadata()
    cerca = data["databases"][DATABASE_NAME]["queries"]["cerca"]
    cerca["sql"] = search.search_sql()
    cerca["params"] = ["q", *search.FILTER_PARAMS]
    text = _italian()
    data["title"] = text["site.title"]
    data["description_html"] = text["site.description"]
    data["source"] = text["site.source"]
    data["databases"][DATABASE_NAME]["description"] = text["database.description"]
    database = data["databases"][DATABASE_NAME]
    for key, value in text.items():
        kind, _, rest = key.partition(".")
        if kind in ("tables", "queries"):
            name, _, field = rest.rpartition(".")
            entries = database.setdefault(kind, {})
            entry = entries.setdefault(name, {}) if kind == "tables" else entries.get(name)
            if entry is None:
                continue  # no such query
            if field == "description":
                entry["description_html" if kind == "queries" else "description"] = value
            elif field == "title":
                entry["title"] = value
        elif kind == "columns":
            table, _, column = rest.partition(".")
            database["tables"].setdefault(table, {}).setdefault("columns", {})[column] = value
    return _json_text(data)


def settings() -> dict:
    return json.loads(_package_file("settings.json"))


def data_tables(conn: sqlite3.Connection) -> list[str]:
    """The tables of data, by name: not the full-text indexes, whose
    internal tables Datasette hides (and whose row counts depend on how the
    index was built up, not on what it holds)."""
    indexes = [name for (name,) in conn.execute("select name from sqlite_master where sql like '%USING fts5%'")]
    return [
        name
        for (name,) in conn.execute(
            "select name from sqlite_master where type = 'table' and rootpage > 0"
            " and name not like 'sqlite_%' order by name"
        )
        if not any(name.startswith(index + "_") for index in indexes)
    ]


def inspect_data(db_path: Path, digest: str, published: Path | None = None, row_changes: dict[str, int] | None = None) -> dict:
    """What ``datasette inspect`` records, with the file named relative to the
    configuration directory so that Datasette opens it immutable.

    ``digest`` identifies the database (Datasette serves it as the ETag of
    the download): the build passes one of its inputs, of which the database
    is a deterministic function, rather than reading the whole file again.
    With ``row_changes``, the rows each table gained less those it lost since
    the database of the output folder ``published``, its counts are that
    folder's changed by them: counting reads every table (30 ms at 10,000
    outcomes, not yet cached).
    """
    conn = read_only(db_path)
    try:
        tables = data_tables(conn)
        counts = _changed_counts(published, tables, row_changes) if published and row_changes is not None else None
        if counts is None:
            counts = {table: conn.execute(f"select count(*) from [{table}]").fetchone()[0] for table in tables}
    finally:
        conn.close()
    return {
        DATABASE_NAME: {
            "hash": digest,
            "size": db_path.stat().st_size,
            "file": db_path.name,
            "tables": {table: {"count": count} for table, count in counts.items()},
        }
    }


def _changed_counts(published: Path, tables: list[str], row_changes: dict[str, int]) -> dict[str, int] | None:
    """The published counts of ``tables`` changed by ``row_changes``; None
    if they cannot be read, or name other tables."""
    try:
        counted = json.loads((published / INSPECT_DATA).read_text("utf-8"))[DATABASE_NAME]["tables"]
        counts = {table: counted[table]["count"] + row_changes.get(table, 0) for table in tables}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if sorted(counted) != tables or not all(isinstance(count, int) and count >= 0 for count in counts.values()):
        return None
    return counts


# --- Open data: a Frictionless Data Package and a CITATION.cff ---------------------------

PUBLISHER = "Regione Piemonte"
LICENCE_SPDX = "CC-BY-4.0"


def public_url() -> str:
    """The site's fixed public address (``public_url`` of the site's plugin)."""
    return publisher.settings_url()


def release_date(conn: sqlite3.Connection) -> str:
    """The dataset's date: the latest of its events' editions (``events.published``,
    by ``load.edition_date``: the note's, or the latest day or update it
    holds; from the notes, never the day of the build)."""
    (day,) = conn.execute("select max(published) from events").fetchone()
    return day or "1970-01-01"


# The Table Schema type of each type schema.sql declares (DATE columns hold
# ISO dates, JSON columns JSON arrays, both stored as text): the schema says
# what every value is, so no value is read to guess it.
FIELD_TYPES = {"TEXT": "string", "INTEGER": "integer", "REAL": "number", "DATE": "date", "JSON": "array"}


def datapackage(db_path: Path) -> dict:
    """A Frictionless Data Package (v2) describing every table and column of
    the database, read from its schema; titles and descriptions from the
    site's catalogue (Italian)."""
    text = _italian()
    conn = read_only(db_path)
    try:
        resources = []
        for table in data_tables(conn):
            columns = conn.execute(f"PRAGMA table_info([{table}])").fetchall()
            fields = []
            for _, name, declared, notnull, _, _ in columns:
                field = {
                    "name": name,
                    "type": FIELD_TYPES[declared],
                    "description": text.get(f"columns.{table}.{name}") or text.get(f"column.{name}", name),
                }
                if notnull:
                    field["constraints"] = {"required": True}
                fields.append(field)
            schema = {"fields": fields}
            primary_key = [name for _, name, _, _, _, pk in sorted(columns, key=lambda column: column[5]) if pk]
            if primary_key:
                schema["primaryKey"] = primary_key
            foreign_keys = [
                {"fields": [column], "reference": {"resource": other, "fields": [other_column]}}
                for _, _, other, column, other_column, *_ in conn.execute(f"PRAGMA foreign_key_list([{table}])")
            ]
            if foreign_keys:
                schema["foreignKeys"] = foreign_keys
            resources.append(
                {
                    "name": table,
                    "type": "table",
                    "title": text.get(f"tables.{table}.title", table),
                    "description": text.get(f"tables.{table}.description", ""),
                    # A table of the SQLite database: "table" is Data Package
                    # v2's dialect for databases, "sql" frictionless-py's.
                    "path": f"sqlite:///{db_path.name}",
                    "format": "sqlite",
                    "mediatype": "application/vnd.sqlite3",
                    "dialect": {"table": table, "sql": {"table": table}},
                    "schema": schema,
                }
            )
        released = release_date(conn)
    finally:
        conn.close()
    licence, licence_url = publisher.licence()
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": DATABASE_NAME,
        "title": text["site.title"],
        "description": text["site.description"],
        "version": released,
        "homepage": public_url(),
        "licenses": [{"name": LICENCE_SPDX, "path": licence_url, "title": licence}],
        "contributors": [{"title": PUBLISHER, "roles": ["publisher"]}],
        "keywords": datapackage_keywords(),
        "resources": resources,
    }


def citation_cff(db_path: Path) -> str:
    """CITATION.cff (Citation File Format 1.2.0) for the dataset."""
    text = _italian()
    conn = read_only(db_path)
    try:
        released = release_date(conn)
    finally:
        conn.close()
    return cff(text["site.title"], text["site.description"], released, public_url(), PUBLISHER)


def cff(title: str, abstract: str, released: str, url: str, author: str) -> str:
    """A CITATION.cff of a dataset: the library's or an event's."""
    content = {
        "cff-version": "1.2.0",
        "message": "Se usi questi dati, citali così. If you use this dataset, please cite it as below.",
        "type": "dataset",
        "title": title,
        "abstract": " ".join(abstract.split()),
        "authors": [{"name": author}],
        "version": released,
        "date-released": released,
        "license": LICENCE_SPDX,
        "url": url,
        "keywords": datapackage_keywords(),
    }
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: PyYAML's took 3 ms to start
    return yaml.dump(content, Dumper=dumper, allow_unicode=True, sort_keys=False, width=1000)


def datapackage_keywords() -> list[str]:
    return ["cooperazione decentrata", "migrazione", "Agenda 2030", "Global Compact for Migration"]


# Folders of the configuration directory, copied from outcomes/site/.
FOLDERS = ("templates", "plugins", "static")
COMMON_PACKAGE = "outcomes_common"  # outcomes/common, as the plugin imports it in a build
# The Designers Italia UI kit (outcomes/vendor/bootstrap-italia), served from
# the site's own static/: its stylesheet, icons and the one font family the
# pages use, Titillium Web, with its licence (set by static/outcomes-fonts.css,
# not by the kit's script, which writes an inline style; code is shown in the
# reader's monospace, not in the kit's Roboto Mono, nor anything in Lora). Its
# JavaScript is not needed: the pages use no component of it.
KIT = "bootstrap-italia"
KIT_PARTS = ("css", "svg", "fonts/Titillium_Web")


def _walk(folder: str, relative: str, follow: bool = True) -> Iterator[tuple[str, str]]:
    """``(relative/name, path)`` of every file under ``folder``, in name
    order, but Python's caches; listed with their types, not a stat each (a
    rebuild lists 280). ``follow``: into linked folders too."""
    with os.scandir(folder) as entries:
        listed = sorted((entry.name, entry.path, entry.is_dir(follow_symlinks=follow), entry.is_file()) for entry in entries)
    for name, path, is_dir, is_file in listed:
        if is_dir:
            if name != "__pycache__":
                yield from _walk(path, f"{relative}/{name}", follow)
        elif is_file:
            yield f"{relative}/{name}", path


def _files(folder: Path, prefix: str) -> dict[str, Path]:
    """Every file under ``folder`` by its path under ``prefix``, but compiled modules."""
    return {name: Path(path) for name, path in _walk(str(folder), prefix) if not name.endswith(".pyc")}


def sources() -> dict[str, Path]:
    """The package's files that a build copies into the site, unread: their path in the site -> their file."""
    files = {}
    for folder in FOLDERS:
        files.update(_files(PACKAGE / "site" / folder, folder))
    files.update(_files(PACKAGE / "common", f"plugins/{COMMON_PACKAGE}"))
    kit = PACKAGE / "vendor" / KIT
    files[f"static/{KIT}/LICENSE"] = kit / "LICENSE"
    for part in KIT_PARTS:
        files.update(_files(kit / part, f"static/{KIT}/{part}"))
    return files


def source_paths() -> list:
    """Every package file the site's code-only files come from: those
    ``sources`` copies and ``settings.json`` (``metadata.json`` comes from
    what a build's fingerprint covers)."""
    return [*sources().values(), PACKAGE / "site" / "settings.json"]


def site_files() -> dict[str, bytes]:
    """Templates, plugin (with ``outcomes/common``) and static files:
    relative path -> content."""
    return {name: source.read_bytes() for name, source in sources().items()}


def _json_text(content) -> str:
    return json.dumps(content, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _json_lines(content: dict) -> str:
    """A JSON object a member a line, and a list's items a line each: what
    a build writes again each time (datapackage.json, inspect-data.json) is
    written by json's C encoder, whose indented output only its Python one
    writes (10 ms of a one-note rebuild, for datapackage.json's 46 KB)."""
    def value(item) -> str:
        if isinstance(item, list) and item:
            return "[\n    " + ",\n    ".join(json.dumps(part, ensure_ascii=False) for part in item) + "\n  ]"
        return json.dumps(item, ensure_ascii=False)

    members = [f"  {json.dumps(key, ensure_ascii=False)}: {value(item)}" for key, item in content.items()]
    return "{\n" + ",\n".join(members) + "\n}\n"


def write(out: Path, db_path: Path, digest: str, published: Path | None = None,
          row_changes: dict[str, int] | None = None, sources_unchanged: bool = False) -> list[Path]:
    """Write the site configuration next to the database; return the files.

    A file, or a folder of the site (templates/, plugins/, static/), the
    same as in ``published`` (the output folder) is left out: publishing
    keeps that one. A folder that differs is written whole (it is published
    whole), its unchanged files linked to the published ones: ``static/``
    holds the catalogue, which each build writes again, beside the kit's
    styles, scripts and fonts (940 KB). ``row_changes``: see ``inspect_data``.

    ``sources_unchanged``: the build that wrote ``published`` ran the same
    code, and the package's files of the site (``source_paths``) are as they
    were then; so are the published files made of code alone (``metadata.json``,
    ``settings.json`` and ``sources``), which are then taken as they are,
    neither made nor read (15 ms of a one-note rebuild), where they are found;
    and so are ``datapackage.json`` and ``CITATION.cff``, made of code and of
    the library's release date, while that date is the published one (5 ms).
    """
    made = {"datapackage.json": lambda: _json_lines(datapackage(db_path)), "CITATION.cff": lambda: citation_cff(db_path)}
    # Beside the database (where the Data Package's sqlite:///outcomes.db
    # resolves), and in static/, which `datasette package` puts in its
    # image (it carries no other file): the site serves either.
    open_data = {where + name: functools.cache(make) for name, make in made.items() for where in ("", "static/")}
    files = {INSPECT_DATA: _json_lines(inspect_data(db_path, digest, published, row_changes))}
    code_only = {"metadata.json": _metadata_json, "settings.json": lambda: _json_text(settings()),
                 **{name: source.read_bytes for name, source in sources().items()}}
    if sources_unchanged and published is not None and _published_release(published) == _release(db_path):
        code_only.update(open_data)
    else:
        files.update({name: make() for name, make in open_data.items()})
    folders: dict[str, dict[str, bytes | None]] = {}  # None: the published file, as it is
    for name, content in files.items():
        folders.setdefault(_folder(name), {})[name] = content.encode("utf-8")
    listed = functools.cache(lambda folder: frozenset(_listed(published, folder)))  # each published folder listed once
    for name, make in code_only.items():
        folder = _folder(name)
        kept = sources_unchanged and published is not None and (
            name in listed(folder) if folder else (published / name).is_file())
        content = None if kept else make()
        folders.setdefault(folder, {})[name] = content.encode("utf-8") if isinstance(content, str) else content
    written = []
    for folder, contents in folders.items():
        same = {name: published is not None and (content is None or _same_content(published / name, content))
                for name, content in contents.items()}
        if folder and all(same.values()) and listed(folder) == contents.keys():
            continue  # publishing keeps the published folder
        for name, content in contents.items():
            if same[name] and not folder:
                continue  # publishing keeps the published file
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if same[name]:  # a folder is published whole: its unchanged files are linked into the new one
                link_or_copy(published / name, path)
            else:
                path.write_bytes(content)
            written.append(path)
    return written


def _release(db_path: Path) -> str:
    conn = read_only(db_path)
    try:
        return release_date(conn)
    finally:
        conn.close()


def _published_release(published: Path) -> str | None:
    """The release date the published ``datapackage.json`` gives (None if unreadable)."""
    try:
        return json.loads((published / "datapackage.json").read_text("utf-8")).get("version")
    except (OSError, ValueError, AttributeError):
        return None


def _folder(name: str) -> str:
    """The folder of the site a file is published with ("" for one beside the database)."""
    return name.partition("/")[0] if "/" in name else ""


def _listed(root: Path, folder: str) -> list[str]:
    """The files of ``root/folder`` (but the caches Python and the catalogue
    write beside a module they run); as many as could be listed."""
    found = []
    with contextlib.suppress(OSError):
        found += (name for name, _ in _walk(os.path.join(root, folder), folder, follow=False))
    return sorted(found)


def _same_content(path: Path, content: bytes) -> bool:
    try:
        return path.is_file() and path.stat().st_size == len(content) and path.read_bytes() == content
    except OSError:
        return False
