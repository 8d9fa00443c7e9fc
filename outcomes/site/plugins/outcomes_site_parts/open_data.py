"""Open data: the dataset's Data Package and citation, written by the build
beside the database and into ``static/`` (what an image made by ``datasette
package`` carries), served at ``/datapackage.json`` and ``/CITATION.cff``."""

from __future__ import annotations

from pathlib import Path

from datasette import Response

from .base import DATABASE
from .language import t

OPEN_DATA_FILES = {
    "datapackage.json": "application/json; charset=utf-8",
    "CITATION.cff": "text/yaml; charset=utf-8",
}


def open_data_file(datasette, name: str) -> Path | None:
    """``name`` beside the database, else in the site's ``static`` mount."""
    db = datasette.databases.get(DATABASE)
    folders = [Path(db.path).parent] if db is not None and db.path else []
    folders += [Path(folder) for mount, folder in datasette.static_mounts if mount == "static"]
    return next((folder / name for folder in folders if (folder / name).is_file()), None)


async def open_data(datasette, request):
    name = request.url_vars["name"]
    path = open_data_file(datasette, name)
    if path is None:
        return Response.text(t("error.404"), status=404)
    return Response(path.read_text("utf-8"), content_type=OPEN_DATA_FILES[name])
