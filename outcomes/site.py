"""The Datasette site: the configuration the database is served with.

The output folder is a Datasette *configuration directory*: ``datasette
build/`` serves ``outcomes.db`` with ``metadata.json``, ``settings.json``,
``templates/``, ``plugins/`` and ``static/`` and, because
``inspect-data.json`` is there, opens the database immutable (read only, no
locking, safe to copy to any number of replicas).

``plugins/`` holds the site's Datasette plugin and a copy of
``outcomes/search.py`` beside it, so a published site needs neither this
package nor anything but ``snowballstemmer`` to search in Italian.
"""

from __future__ import annotations

import json
import sqlite3
from importlib import resources
from pathlib import Path

import yaml

DATABASE_NAME = "outcomes"


def _package_file(name: str) -> str:
    return resources.files("outcomes").joinpath("site").joinpath(name).read_text("utf-8")


def _yaml(name: str):
    return yaml.load(_package_file(name), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def messages() -> dict:
    """The site's catalogue of texts (``outcomes/site/messages.yaml``)."""
    return _yaml("messages.yaml")


def metadata() -> dict:
    """Datasette metadata: facets, queries, licence, and the Italian titles
    and descriptions of the site, its tables, columns and queries, which
    come from the catalogue (the English ones are shown from it too)."""
    data = _yaml("metadata.yaml")
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


def inspect_data(db_path: Path, digest: str) -> dict:
    """What ``datasette inspect`` records, with the file named relative to the
    configuration directory so that Datasette opens it immutable.

    ``digest`` identifies the database (Datasette serves it as the ETag of
    the download): the build passes one of its inputs, of which the database
    is a deterministic function, rather than reading the whole file again.
    """
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        # Tables of data only: not the full-text indexes, whose internal
        # tables Datasette hides (and whose row counts depend on how the
        # index was built up, not on what it holds).
        indexes = [name for (name,) in conn.execute("select name from sqlite_master where sql like '%USING fts5%'")]
        tables = [
            name
            for (name,) in conn.execute(
                "select name from sqlite_master where type = 'table' and rootpage > 0"
                " and name not like 'sqlite_%' order by name"
            )
            if not any(name.startswith(index + "_") for index in indexes)
        ]
        counts = {table: {"count": conn.execute(f"select count(*) from [{table}]").fetchone()[0]} for table in tables}
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


# Folders of the configuration directory, copied from outcomes/site/.
FOLDERS = ("templates", "plugins", "static")
SEARCH_MODULE = "outcomes_search.py"  # outcomes/search.py, as the plugin finds it
MESSAGES_FILE = "outcomes_site_messages.yaml"  # outcomes/site/messages.yaml, as the plugin finds it


def site_files() -> dict[str, bytes]:
    """Templates, plugin and static files: relative path -> content."""
    root = resources.files("outcomes").joinpath("site")
    files = {}
    for folder in FOLDERS:
        for item in sorted(root.joinpath(folder).iterdir(), key=lambda item: item.name):
            if item.is_file() and not item.name.endswith(".pyc"):
                files[f"{folder}/{item.name}"] = item.read_bytes()
    files[f"plugins/{SEARCH_MODULE}"] = resources.files("outcomes").joinpath("search.py").read_bytes()
    files[f"plugins/{MESSAGES_FILE}"] = root.joinpath("messages.yaml").read_bytes()
    return files


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
        path.write_text(json.dumps(content, indent=2, ensure_ascii=False, sort_keys=False) + "\n", "utf-8")
        written.append(path)
    for name, content in site_files().items():
        path = out / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return written
