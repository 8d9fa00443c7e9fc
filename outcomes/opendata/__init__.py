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

import json
import shutil
import sqlite3
from pathlib import Path

from . import facts
from .facts import modified

__all__ = ["CATALOGUE_FILES", "OPEN_DATA_DIR", "SCHEMA_ORG_FILE", "bundle_path", "modified", "write"]

OPEN_DATA_DIR = "open-data"
SCHEMA_ORG_FILE = "schema-org.json"
CATALOGUE_FILES = {  # name -> format (dcat.serialize)
    "catalog.ttl": "turtle",
    "catalog.rdf": "xml",
    "catalog.jsonld": "json-ld",
}


def bundle_path(out: Path, event_id: str) -> Path:
    return out / OPEN_DATA_DIR / f"{event_id}.zip"


def write(out: Path, db_path: Path, editions: list[str], published: dict[str, Path] | None = None) -> list[Path]:
    """Write the catalogue, the schema.org descriptions and the bundles into
    ``out`` (the build's staging folder), beside the database; ``editions``
    are the names of the public proceedings that the build publishes.
    ``published`` names the bundles of events whose rows the build left as
    they were: those are taken as published (a bundle is made of its event's
    rows alone, with the vocabularies and settings that any change to makes
    a full build), so a one-note rebuild remakes one event's bundle, not all.

    The catalogue files also go into ``static/``, like ``datapackage.json``:
    an image made by ``datasette package`` carries that folder.
    """
    from . import bundle, dcat, schemaorg  # only when building

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        library = facts.library(conn, editions)
        zips = {event.id: _published(published, event.id) or bundle.bundle(conn, event) for event in library.events}
    finally:
        conn.close()
    written = []
    graph = dcat.catalogue(library)
    (out / "static").mkdir(exist_ok=True)
    for name, rdf_format in CATALOGUE_FILES.items():
        data = dcat.serialize(graph, rdf_format)
        for path in (out / name, out / "static" / name):
            path.write_bytes(data)
            written.append(path)
    folder = out / OPEN_DATA_DIR
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    descriptions = schemaorg.descriptions(library)
    (folder / SCHEMA_ORG_FILE).write_text(json.dumps(descriptions, indent=1, ensure_ascii=False) + "\n", "utf-8")
    written.append(folder / SCHEMA_ORG_FILE)
    for event_id, content in zips.items():
        (folder / f"{event_id}.zip").write_bytes(content)
        written.append(folder / f"{event_id}.zip")
    return written


def _published(published: dict[str, Path] | None, event_id: str) -> bytes | None:
    path = (published or {}).get(event_id)
    try:
        return path.read_bytes() if path is not None else None
    except OSError:
        return None  # not there (an older build): made again
