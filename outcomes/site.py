"""The Datasette site: the configuration the database is served with.

The output folder is a Datasette *configuration directory*: ``datasette
build/`` serves ``outcomes.db`` with ``metadata.json``, ``settings.json`` and,
because ``inspect-data.json`` is there, opens the database immutable (read
only, no locking, safe to copy to any number of replicas).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from importlib import resources
from pathlib import Path

import yaml

DATABASE_NAME = "outcomes"


def _package_file(name: str) -> str:
    return resources.files("outcomes").joinpath("site").joinpath(name).read_text("utf-8")


def metadata() -> dict:
    """Datasette metadata: titles, licence, descriptions, facets."""
    return yaml.safe_load(_package_file("metadata.yaml"))


def settings() -> dict:
    return json.loads(_package_file("settings.json"))


def inspect_data(db_path: Path) -> dict:
    """What ``datasette inspect`` records, with the file named relative to the
    configuration directory so that Datasette opens it immutable."""
    digest = hashlib.sha256(db_path.read_bytes()).hexdigest()
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name"
            )
        ]
        counts = {}
        for table in tables:
            try:
                counts[table] = {"count": conn.execute(f"select count(*) from [{table}]").fetchone()[0]}
            except sqlite3.OperationalError:  # FTS shadow tables
                counts[table] = {"count": 0}
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


def write(out: Path, db_path: Path) -> list[Path]:
    """Write the site configuration next to the database; return the files."""
    files = {
        "metadata.json": metadata(),
        "settings.json": settings(),
        "inspect-data.json": inspect_data(db_path),
    }
    written = []
    for name, content in files.items():
        path = out / name
        path.write_text(json.dumps(content, indent=2, ensure_ascii=False, sort_keys=False) + "\n", "utf-8")
        written.append(path)
    return written
