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

import json
import sqlite3
from importlib import resources
from pathlib import Path

import yaml

from . import publisher
from .common import search, text

DATABASE_NAME = "outcomes"


def _package_file(name: str) -> str:
    return resources.files("outcomes").joinpath("site").joinpath(name).read_text("utf-8")



def messages() -> dict:
    """The project's catalogue of texts (``outcomes/common/messages/``)."""
    return text.catalogue()


def metadata() -> dict:
    """Datasette metadata: facets, queries, licence, and the Italian titles
    and descriptions of the site, its tables, columns and queries, which
    come from the catalogue (the English ones are shown from it too); the
    search page's SQL and parameters (``outcomes.search``)."""
    data = publisher.site_metadata()
    cerca = data["databases"][DATABASE_NAME]["queries"]["cerca"]
    cerca["sql"] = search.search_sql()
    cerca["params"] = ["q", *search.FILTER_PARAMS]
    text = {key: value["it"] for key, value in messages().items()}
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
    return data


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


def inspect_data(db_path: Path, digest: str) -> dict:
    """What ``datasette inspect`` records, with the file named relative to the
    configuration directory so that Datasette opens it immutable.

    ``digest`` identifies the database (Datasette serves it as the ETag of
    the download): the build passes one of its inputs, of which the database
    is a deterministic function, rather than reading the whole file again.
    """
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        counts = {table: {"count": conn.execute(f"select count(*) from [{table}]").fetchone()[0]} for table in data_tables(conn)}
    finally:
        conn.close()
    return {
        DATABASE_NAME: {
            "hash": digest,
            "size": db_path.stat().st_size,
            "file": db_path.name,
            "tables": counts,
        }
    }


# --- Open data: a Frictionless Data Package and a CITATION.cff ---------------------------

PUBLISHER = "Regione Piemonte"
LICENCE_SPDX = "CC-BY-4.0"
DATE_PATTERN = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"


def public_url() -> str:
    """The site's fixed public address (``public_url`` of the site's plugin)."""
    return metadata()["plugins"]["outcomes-site"]["public_url"].rstrip("/") + "/"


def release_date(conn: sqlite3.Connection) -> str:
    """The dataset's date: the latest of its events' editions (``events.published``,
    by ``load.edition_date``: the note's, or the latest day or update it
    holds; from the notes, never the day of the build)."""
    (day,) = conn.execute("select max(published) from events").fetchone()
    return day or "1970-01-01"


def _field_type(conn: sqlite3.Connection, table: str, column: str, declared: str) -> str:
    """A Table Schema type from the column's declared type and, for text,
    what every value is: JSON arrays and ISO dates have their own types."""
    declared = declared.upper()
    if "INT" in declared:
        return "integer"
    if any(name in declared for name in ("REAL", "FLOA", "DOUB")):
        return "number"
    total, arrays, dates = conn.execute(
        f"select count([{column}]), sum(case when json_valid([{column}]) then json_type([{column}]) = 'array' end),"
        f" sum([{column}] glob '{DATE_PATTERN}') from [{table}]"
    ).fetchone()
    if total and arrays == total:
        return "array"
    if total and dates == total:
        return "date"
    return "string"


def datapackage(db_path: Path) -> dict:
    """A Frictionless Data Package (v2) describing every table and column of
    the database, read from its schema; titles and descriptions from the
    site's catalogue (Italian)."""
    text = {key: value["it"] for key, value in messages().items()}
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        resources = []
        for table in data_tables(conn):
            columns = conn.execute(f"PRAGMA table_info([{table}])").fetchall()
            fields = []
            for _, name, declared, notnull, _, _ in columns:
                field = {
                    "name": name,
                    "type": _field_type(conn, table, name, declared or ""),
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
    site_metadata = metadata()
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": DATABASE_NAME,
        "title": text["site.title"],
        "description": text["site.description"],
        "version": released,
        "homepage": public_url(),
        "licenses": [{"name": LICENCE_SPDX, "path": site_metadata["license_url"], "title": site_metadata["license"]}],
        "contributors": [{"title": PUBLISHER, "roles": ["publisher"]}],
        "keywords": datapackage_keywords(),
        "resources": resources,
    }


def citation_cff(db_path: Path) -> str:
    """CITATION.cff (Citation File Format 1.2.0) for the dataset."""
    text = {key: value["it"] for key, value in messages().items()}
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        released = release_date(conn)
    finally:
        conn.close()
    cff = {
        "cff-version": "1.2.0",
        "message": "Se usi questi dati, citali così. If you use this dataset, please cite it as below.",
        "type": "dataset",
        "title": text["site.title"],
        "abstract": " ".join(text["site.description"].split()),
        "authors": [{"name": PUBLISHER}],
        "version": released,
        "date-released": released,
        "license": LICENCE_SPDX,
        "url": public_url(),
        "keywords": datapackage_keywords(),
    }
    return yaml.safe_dump(cff, allow_unicode=True, sort_keys=False, width=1000)


def datapackage_keywords() -> list[str]:
    return ["cooperazione decentrata", "migrazione", "Agenda 2030", "Global Compact for Migration"]


# Folders of the configuration directory, copied from outcomes/site/.
FOLDERS = ("templates", "plugins", "static")
COMMON_PACKAGE = "outcomes_common"  # outcomes/common, as the plugin imports it in a build


def _files(folder, prefix: str) -> dict[str, bytes]:
    """Every file under ``folder`` (a resources traversable), by path under
    ``prefix``, but Python's caches."""
    files = {}
    for item in sorted(folder.iterdir(), key=lambda item: item.name):
        if item.is_dir() and item.name != "__pycache__":
            files.update(_files(item, f"{prefix}/{item.name}"))
        elif item.is_file() and not item.name.endswith(".pyc"):
            files[f"{prefix}/{item.name}"] = item.read_bytes()
    return files


def site_files() -> dict[str, bytes]:
    """Templates, plugin (with ``outcomes/common``) and static files:
    relative path -> content."""
    root = resources.files("outcomes")
    files = {}
    for folder in FOLDERS:
        files.update(_files(root.joinpath("site").joinpath(folder), folder))
    files.update(_files(root.joinpath("common"), f"plugins/{COMMON_PACKAGE}"))
    return files


def _json_text(content) -> str:
    return json.dumps(content, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write(out: Path, db_path: Path, digest: str) -> list[Path]:
    """Write the site configuration next to the database; return the files."""
    files = {
        "metadata.json": metadata(),
        "settings.json": settings(),
        "inspect-data.json": inspect_data(db_path, digest),
    }
    written = []
    for name, content in files.items():
        path = out / name
        path.write_text(_json_text(content), "utf-8")
        written.append(path)
    open_data = {"datapackage.json": _json_text(datapackage(db_path)), "CITATION.cff": citation_cff(db_path)}
    (out / "static").mkdir(exist_ok=True)
    for name, body in open_data.items():
        # Beside the database (where the Data Package's sqlite:///outcomes.db
        # resolves), and in static/, which `datasette package` puts in its
        # image (it carries no other file): the site serves either.
        for path in (out / name, out / "static" / name):
            path.write_text(body, "utf-8")
            written.append(path)
    for name, content in site_files().items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return written
