"""Citing: an outcome, a session or an event as BibTeX and RIS, for
reference managers (``/outcomes/outcomes/<id>.bib``, ``.ris``; the same
under ``sessions/`` and ``events/``), the citation of a session and of an
event as text, and how to cite the whole dataset, from the ``CITATION.cff``
the build writes. The author is the organisation that publishes the library
(the dataset's author in ``CITATION.cff``), never a person; the address is
the permanent one (the site's public address); texts in the reader's language."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml
from datasette import Response
from datasette.utils import tilde_decode, tilde_encode
from markupsafe import Markup

from .base import DATABASE, absolute_url, one_row
from .language import LANGUAGES, date_text, lang_attr, language, t, th
from .open_data import open_data_file

CITED = ("outcomes", "sessions", "events")
FORMATS = {
    "bib": "application/x-bibtex; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
}
# What LaTeX reads as markup in a BibTeX value, written as the character itself.
BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_",
    "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
}  # fmt: skip
BIBTEX_KEY = re.compile(r"[^A-Za-z0-9_:.-]+")
RIS_TYPES = {"outcomes": "GEN", "sessions": "GEN", "events": "CONF"}

_citation_files: dict[Path, tuple[int, dict]] = {}  # file -> (mtime, content): read again when rebuilt


def dataset_citation(datasette) -> dict:
    """``CITATION.cff`` as the build wrote it (empty without one)."""
    path = open_data_file(datasette, "CITATION.cff")
    if path is None:
        return {}
    mtime = path.stat().st_mtime_ns
    if _citation_files.get(path, (None,))[0] != mtime:
        _citation_files[path] = (mtime, yaml.safe_load(path.read_text("utf-8")) or {})
    return _citation_files[path][1]


def author(datasette) -> str:
    """Who the library's texts are by: the organisation that publishes it."""
    authors = dataset_citation(datasette).get("authors") or []
    return next((person["name"] for person in authors if isinstance(person, dict) and person.get("name")), t("page.citation_author"))


def dataset_line(datasette) -> dict | None:
    """How to cite the whole dataset, from its ``CITATION.cff``."""
    cff = dataset_citation(datasette)
    if not cff.get("title"):
        return None
    released = str(cff.get("date-released") or cff.get("version") or "")
    return {
        # The build writes the dataset's title in the site's first language.
        "text": th(
            "cite.dataset", author=author(datasette), year=released[:4], version=str(cff.get("version") or released),
            title=Markup("<cite{}>{}</cite>").format(lang_attr(LANGUAGES[0]), cff["title"]),
            licence=cff.get("license", ""), url=cff.get("url", ""),
        ),
        "url": cff.get("url", ""),
        "cff": datasette.urls.path("/CITATION.cff"),
    }  # fmt: skip


async def cited(datasette, table: str, id: str) -> dict | None:
    """What a citation of an outcome, a session or an event says: title, a
    kind, the date, the permanent address, and a note naming where it came from."""
    db = datasette.get_database(DATABASE)
    L = language()  # one of LANGUAGES: safe in SQL
    if table == "outcomes":
        row = await one_row(
            db,
            f"""select outcomes.id, outcomes.title, outcome_types.label_{L} as kind, sessions.date, sessions.language,
              sessions.title as session, events.title as event, events.city
            from outcomes join outcome_types on outcome_types.id = outcomes.type
              join sessions on sessions.id = outcomes.session_id join events on events.id = outcomes.event_id
            where outcomes.id = :id""",
            {"id": id},
        )
    elif table == "sessions":
        row = await one_row(
            db,
            f"""select sessions.id, sessions.title, session_kinds.label_{L} as kind, sessions.date, sessions.language,
              events.title as event, events.city
            from sessions join session_kinds on session_kinds.id = sessions.kind join events on events.id = sessions.event_id
            where sessions.id = :id""",
            {"id": id},
        )
    else:
        row = await one_row(db, "select id, title, start_date as date, end_date, language, city, venue from events where id = :id", {"id": id})
    if row is None:
        return None
    if table == "events":
        row["kind"] = t("page.event")
        when = date_text(row["date"]) + (f" – {date_text(row['end_date'])}" if row["end_date"] and row["end_date"] != row["date"] else "")
        row["note"] = t("cite.note.event", venue=row["venue"] or "", city=row["city"] or "", date=when)
    else:
        values = {key: row.get(key) or "" for key in ("kind", "session", "event", "city")}
        row["note"] = t(f"cite.note.{table}", date=date_text(row["date"]), **values)
    row["year"] = str(row["date"])[:4]
    row["url"] = absolute_url(datasette, datasette.urls.row(DATABASE, table, tilde_encode(id)))
    row["author"] = author(datasette)
    return row


def citation_text(found: dict, today: dt.date | None = None) -> Markup:
    """The citation of a session or an event as the page shows it (an
    outcome's is ``page.citation``), its title marked in its own language."""
    return th(
        "cite.text", author=found["author"], year=found["year"], kind=found["kind"], note=found["note"], url=found["url"],
        title=Markup("<cite{}>{}</cite>").format(lang_attr(found["language"]), found["title"]), accessed=date_text(today or dt.date.today()),
    )  # fmt: skip


def bibtex_value(value: str) -> str:
    """Text as a BibTeX value: on one line, LaTeX's special characters as
    themselves (braces balanced whatever the text holds), UTF-8 kept."""
    return "".join(BIBTEX_SPECIALS.get(character, character) for character in " ".join(str(value).split()))


def bibtex(table: str, found: dict, today: dt.date | None = None) -> str:
    """A ``@misc`` entry (biblatex reads ``date``, ``urldate`` and
    ``langid``; BibTeX keeps ``year``, ``url`` and ``note``). The author and
    the title braced twice: an organisation, and a title's case, kept as written."""
    key = BIBTEX_KEY.sub("-", f"{table.removesuffix('s')}:{found['id']}")
    fields = [
        ("author", "{" + bibtex_value(found["author"]) + "}"),
        ("title", "{" + bibtex_value(found["title"]) + "}"),
        ("year", found["year"]),
        ("date", str(found["date"])[:10]),
        ("publisher", bibtex_value(found["author"])),
        ("type", bibtex_value(found["kind"])),
        ("note", bibtex_value(found["note"])),
        ("url", found["url"]),
        ("urldate", (today or dt.date.today()).isoformat()),
        ("langid", {"it": "italian", "en": "english"}.get(found["language"] or "it", found["language"] or "")),
    ]
    lines = [f"@misc{{{key},"] + [f"  {name} = {{{value}}}," for name, value in fields if value]
    return "\n".join(lines)[:-1] + "\n}\n"


def ris_value(value: str) -> str:
    """A RIS value: one line, no line break a reader would take for a tag."""
    return " ".join(str(value).split())


def ris(table: str, found: dict, today: dt.date | None = None) -> str:
    """An RIS record (``TY`` first, ``ER`` last, CRLF line ends): author,
    title, year and date, publisher, note, permanent address, accessed."""
    day = str(found["date"])[:10].replace("-", "/")
    tags = [
        ("TY", RIS_TYPES[table]),
        ("AU", found["author"]),
        ("TI", found["title"]),
        ("T2", found.get("event") if table != "events" else None),
        ("PY", found["year"]),
        ("DA", f"{day}/"),
        ("PB", found["author"]),
        ("M3", found["kind"]),
        ("N1", found["note"]),
        ("UR", found["url"]),
        ("Y2", (today or dt.date.today()).strftime("%Y/%m/%d/")),
        ("LA", found["language"] or "it"),
    ]
    lines = [f"{tag}  - {ris_value(value)}" for tag, value in tags if value] + ["ER  - "]
    return "\r\n".join(lines) + "\r\n"


async def citation_file(datasette, request):
    """``/outcomes/<outcomes|sessions|events>/<id>.bib`` (or ``.ris``), a download."""
    table, fmt = request.url_vars["table"], request.url_vars["format"]
    id = tilde_decode(request.url_vars["id"])
    found = await cited(datasette, table, id)
    if found is None:
        return Response.text(t("error.404"), status=404)
    content = bibtex(table, found) if fmt == "bib" else ris(table, found)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", id.rsplit("--", 1)[-1])
    return Response(content, content_type=FORMATS[fmt], headers={"content-disposition": f'attachment; filename="{name}.{fmt}"'})


async def citation_block(datasette, table: str, id: str) -> dict | None:
    """What a page's citing block shows: the citation as text (a session's,
    an event's) and the addresses of its BibTeX and RIS."""
    found = await cited(datasette, table, id)
    if found is None:
        return None
    path = datasette.urls.row(DATABASE, table, tilde_encode(id))
    return {"text": citation_text(found), "bib": f"{path}.bib", "ris": f"{path}.ris"}


def routes() -> list[tuple[str, object]]:
    return [(rf"^/{DATABASE}/(?P<table>{'|'.join(CITED)})/(?P<id>[^/.]+)\.(?P<format>bib|ris)$", citation_file)]


def template_vars(datasette) -> dict:
    return {
        "citation_block": lambda table, id: citation_block(datasette, table, id),
        "dataset_citation": lambda: dataset_line(datasette),
    }
