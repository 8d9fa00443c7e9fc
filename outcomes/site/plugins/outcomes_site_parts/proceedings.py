"""The proceedings, for download: ``/proceedings/<event-id>.pdf`` (and
``.docx``, ``.en.pdf``, the print edition ``-stampa.pdf``...) from the
build's ``proceedings/`` folder, linked from the event page; never an
internal edition."""

from __future__ import annotations

import re
from pathlib import Path

from datasette import Response

from .base import DATABASE
from .language import language, t


# The public editions of outcomes.proceedings: <event-id>[.<lang>].<pdf|docx>,
# and the print edition <event-id>-stampa.pdf (the event id as short as the
# name allows: "-stampa" at its end names that edition).
# An internal edition (-interno) is never served, whatever the folder holds.
EDITION = re.compile(
    r"^(?P<event>[a-z0-9]+(?:-[a-z0-9]+)*?)(?:(?P<printed>-stampa)\.pdf"
    r"|(?:\.(?P<lang>[a-z]{2}))?\.(?P<format>pdf|docx))$"
)
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
FORMATS = {"pdf": "PDF", "docx": "Word"}


def proceedings_folder(datasette) -> Path | None:
    """The build's ``proceedings/``: beside the database when ``datasette
    build/`` serves the build folder as its configuration directory; else the
    folder given with ``--static proceedings:<folder>`` (``datasette
    package`` and ``publish`` copy it into the image)."""
    if datasette.config_dir:
        return Path(datasette.config_dir) / "proceedings"
    mounts = dict(getattr(datasette, "static_mounts", None) or [])
    return Path(mounts["proceedings"]) if "proceedings" in mounts else None


async def _edition(datasette, name: str) -> Path | None:
    """The file of a public edition of an event's proceedings, if there is one."""
    match = EDITION.match(name)
    folder = proceedings_folder(datasette)
    if match is None or match["event"].endswith("-interno") or folder is None:
        return None
    db = datasette.get_database(DATABASE)
    if (await db.execute("select 1 from events where id = :id", {"id": match["event"]})).first() is None:
        return None
    path = folder / name
    return path if path.is_file() else None


async def proceedings_file(datasette, request):
    path = await _edition(datasette, request.url_vars["name"])
    if path is None:
        return Response.text(t("error.404"), status=404)
    kind = EDITION.match(path.name)["format"] or "pdf"
    disposition = "inline" if kind == "pdf" else "attachment"
    return Response(
        path.read_bytes(),
        content_type=MEDIA_TYPES[kind],
        headers={"content-disposition": f'{disposition}; filename="{path.name}"'},
    )


async def downloads(datasette, event_id: str) -> list[dict]:
    """The public editions of an event's proceedings: url, label, size."""
    folder = proceedings_folder(datasette)
    if folder is None or not folder.is_dir():
        return []
    found = []
    for path in sorted([*folder.glob(f"{event_id}.*"), *folder.glob(f"{event_id}-stampa.pdf")]):
        match = EDITION.match(path.name)
        if match and match["event"] == event_id:
            kind = match["format"] or "pdf"
            found.append({
                "url": datasette.urls.path(f"/proceedings/{path.name}"),
                "format": FORMATS[kind],
                "edition": t("event.edition_print") if match["printed"] else "",
                "language": t(f"event.edition_{match['lang']}", default=match["lang"]) if match["lang"] else "",
                "size": file_size(path.stat().st_size),
                "order": (match["lang"] or "", kind != "pdf", bool(match["printed"])),
            })
    return sorted(found, key=lambda item: item["order"])


def file_size(count: int) -> str:
    """``1,0 MB`` (``1.0 MB`` in English), ``158 kB``."""
    if count >= 1_000_000:
        text = f"{count / 1_000_000:.1f} MB"
        return text.replace(".", ",") if language() == "it" else text
    return f"{max(1, round(count / 1000))} kB"
