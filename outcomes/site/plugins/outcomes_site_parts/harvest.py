"""What harvesters and search engines take, as the build wrote it
(``outcomes/opendata``): the DCAT-AP_IT catalogue at ``/catalog.ttl``,
``/catalog.rdf`` and ``/catalog.jsonld``; each event's open data bundle at
``/open-data/<event-id>.zip``, linked from its page; and the schema.org
``Dataset`` of the library and of each event, put into the home page and
the event pages as a JSON-LD data block (``<script
type="application/ld+json">``: data that browsers never run)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from datasette import Response
from markupsafe import Markup

from .base import DATABASE
from .language import t
from .open_data import open_data_file
from .proceedings import file_size

CATALOGUE_FILES = {
    "catalog.ttl": "text/turtle; charset=utf-8",
    "catalog.rdf": "application/rdf+xml; charset=utf-8",
    "catalog.jsonld": "application/ld+json; charset=utf-8",
}
OPEN_DATA_DIR = "open-data"  # outcomes.opendata.OPEN_DATA_DIR
SCHEMA_ORG_FILE = "schema-org.json"  # outcomes.opendata.SCHEMA_ORG_FILE
EVENT_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# In a JSON-LD block these would end the script element or start markup.
JSON_IN_HTML = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def open_data_folder(datasette) -> Path | None:
    """The build's ``open-data/``: beside the database, else the folder given
    with ``--static open-data:<folder>`` (what ``datasette package`` carries)."""
    db = datasette.databases.get(DATABASE)
    folders = [Path(db.path).parent / OPEN_DATA_DIR] if db is not None and db.path else []
    folders += [Path(folder) for mount, folder in datasette.static_mounts if mount == OPEN_DATA_DIR]
    return next((folder for folder in folders if folder.is_dir()), None)


async def catalogue_file(datasette, request):
    name = request.url_vars["name"]
    path = open_data_file(datasette, name)
    if path is None:
        return Response.text(t("error.404"), status=404)
    return Response(path.read_bytes(), content_type=CATALOGUE_FILES[name])


def _bundle_path(datasette, event_id: str) -> Path | None:
    folder = open_data_folder(datasette)
    if folder is None or not EVENT_ID.match(event_id):
        return None
    path = folder / f"{event_id}.zip"
    return path if path.is_file() else None


async def bundle_file(datasette, request):
    path = _bundle_path(datasette, request.url_vars["event"])
    if path is None:
        return Response.text(t("error.404"), status=404)
    return Response(
        path.read_bytes(),
        content_type="application/zip",
        headers={"content-disposition": f'attachment; filename="{path.name}"'},
    )


def bundle_download(datasette, event_id: str) -> dict | None:
    """The event page's link to its bundle: url and size."""
    path = _bundle_path(datasette, event_id)
    if path is None:
        return None
    return {"url": datasette.urls.path(f"/{OPEN_DATA_DIR}/{path.name}"), "size": file_size(path.stat().st_size)}


_descriptions: dict[Path, tuple[int, dict]] = {}  # file -> (mtime, content): read again when rebuilt


def _read_descriptions(datasette) -> dict:
    folder = open_data_folder(datasette)
    path = folder / SCHEMA_ORG_FILE if folder is not None else None
    if path is None or not path.is_file():
        return {}
    mtime = path.stat().st_mtime_ns
    if _descriptions.get(path, (None,))[0] != mtime:
        _descriptions[path] = (mtime, json.loads(path.read_text("utf-8")))
    return _descriptions[path][1]


def dataset_block(datasette, event_id: str | None = None) -> Markup:
    """The schema.org Dataset of the library (or of an event) as a JSON-LD
    block for the page; nothing if the build wrote none."""
    descriptions = _read_descriptions(datasette)
    described = descriptions.get("library") if event_id is None else descriptions.get("events", {}).get(event_id)
    if not described:
        return Markup("")
    data = json.dumps(described, ensure_ascii=False, separators=(",", ":")).translate(JSON_IN_HTML)
    return Markup(f'<script type="application/ld+json">{data}</script>')
