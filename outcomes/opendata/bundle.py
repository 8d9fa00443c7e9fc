"""A bundle per event, ``open-data/<event-id>.zip``, that a researcher can
download and understand offline:

- ``it/<table>.csv`` and ``en/<table>.csv``: every public table of the event
  (its row of ``events``, its sessions, outcomes, quotes, head counts,
  updates on commitments, the links from its outcomes to the vocabularies)
  and the vocabularies whose codes they hold, with Italian or English
  headers (the same data in both);
- ``datapackage.json``: those files as a Frictionless Data Package (v2),
  types, keys and links between tables, which ``frictionless validate``
  checks row by row;
- ``README.md``: in Italian and English, every file and every column;
- ``CITATION.cff`` and ``LICENSE.txt``, the text of CC BY 4.0 (the legal
  code as Creative Commons publishes it, here from Debian's copy of it).

The same notes give the same bytes: rows in key order, every member of the
zip dated by the event's latest note or update, nothing from the build's
time or machine.
"""

from __future__ import annotations

import functools
import io
import json
import re
import sqlite3
import struct
import zipfile
import zlib
from collections.abc import Collection
from importlib import resources
from typing import NamedTuple

from .. import site, store
from ..common import text
from .facts import LANGUAGES, Dataset, columns, public_tables, under

LICENCE_TEXT = "CC-BY-4.0.txt"  # beside this module
README = "README.md"
DATAPACKAGE = "datapackage.json"
CITATION = "CITATION.cff"
LICENCE = "LICENSE.txt"


class Table(NamedTuple):
    name: str
    columns: list[str]
    rows: list[tuple] | None  # None: counted, not read (its files are kept)
    count: int


class Member(NamedTuple):
    """A file of a published bundle as the zip holds it: deflated, its CRC and size."""

    data: bytes
    crc: int
    size: int


def bundle(conn: sqlite3.Connection, event: Dataset, kept: dict[str, Member] | None = None,
           published: dict[str, Member] | None = None) -> bytes:
    """The zip of one event's open data.

    A table's Italian and English files differ in their header line only:
    its rows are written and compressed once for both (``zipped``).
    ``kept``: files of the published bundle that stand as they are (an
    update's tables whose rows did not change, ``unchanged_tables``): their
    tables' rows are counted, not read again. ``published``: the files of
    the published bundle, made by the same code (an update's), whose
    Data Package's resources are taken (``_resources``)."""
    kept = kept or {}
    keep = {table for table in public_tables(conn) if all(csv_path(table, lang) in kept for lang in LANGUAGES)}
    tables = event_tables(conn, event.id, counted=keep)
    files = {}
    for table, names, rows, _ in tables:
        if rows is None:
            files.update((csv_path(table, lang), kept[csv_path(table, lang)]) for lang in LANGUAGES)
            continue
        body = Shared(csv_body(rows)) if table in store.LOOKUPS else csv_body(rows)
        for lang in LANGUAGES:
            files[csv_path(table, lang)] = (csv_bytes([header(table, name, lang) for name in names], []), body)
    resources = _resources(conn, tuple(table for table, *_ in tables), (published or {}).get(DATAPACKAGE))
    package = datapackage(event, resources.listed)
    files[DATAPACKAGE] = (_package_json(package, resources.encoded).encode("utf-8"),)
    files[README] = (readme(event, tables, package).encode("utf-8"),)
    files[CITATION] = (citation_cff(event).encode("utf-8"),)
    files[LICENCE] = (Shared(_licence()),)
    return zipped(files, event.modified)


@functools.cache
def _licence() -> bytes:
    return resources.files(__package__).joinpath(LICENCE_TEXT).read_bytes()


def event_tables(conn: sqlite3.Connection, event_id: str, counted: Collection[str] = ()) -> list[Table]:
    """Every public table with rows of the event, then the vocabularies
    whole; rows in key order (only counted for the tables in ``counted``).

    The rows hanging from an event's sessions and outcomes are one range of
    their table's key (``facts.under``), read in one pass, where looking
    each id up took 2.5 ms of a bundle's 0.1 s for each table of an
    outcome's links."""
    event_rows = {
        "event_id": "event_id = :event",
        "session_id": "session_id >= :first and session_id < :after",
        "outcome_id": "outcome_id >= :first and outcome_id < :after",
    }
    bounds = {"event": event_id, **under(event_id)}
    found, vocabularies = [], []
    for table in public_tables(conn):
        names = columns(conn, table)
        if table == "events":
            where = "id = :event"
        elif table in store.LOOKUPS:
            where = "1"
        else:
            where = next((condition for column, condition in event_rows.items() if column in names), None)
            if where is None:
                continue  # no row of it belongs to one event
        cursor = conn.cursor()
        cursor.row_factory = None  # plain tuples, whatever the connection's (copying 10,000 rows costs 30 ms)
        if table in counted:
            (count,) = cursor.execute(f"select count(*) from [{table}] where {where}", bounds).fetchone()
            table_found = Table(table, names, None, count)
        else:
            rows = cursor.execute(f"select * from [{table}] where {where} order by {_order(conn, table)}", bounds).fetchall()
            table_found = Table(table, names, rows, len(rows))
        (vocabularies if table in store.LOOKUPS else found).append(table_found)
    return found + vocabularies


def _order(conn: sqlite3.Connection, table: str) -> str:
    keys = [name for _, name, _, _, _, pk in sorted(conn.execute(f"PRAGMA table_info([{table}])"), key=lambda c: c[5]) if pk]
    return ", ".join(f"[{key}]" for key in keys) or "rowid"


def unchanged_tables(old: sqlite3.Connection, new: sqlite3.Connection, event_id: str, sessions: list[str]) -> set[str]:
    """The tables whose rows of the event are the same in ``old`` (the
    published database) and ``new``, where only the notes of ``sessions``
    (their ids, changed, added or removed) were read again: the tables whose
    every row belongs to one session, and holds the same for each of these;
    and the vocabularies. An event's own rows (its row of ``events``, its
    registrations and updates) are always written again."""
    same = set(store.LOOKUPS)
    for table in public_tables(new):
        names = columns(new, table)
        if "session_id" in names:
            where = "session_id = :session"
        elif "outcome_id" in names:  # a session's outcomes: one range of ids (``facts.under``)
            where = "outcome_id >= :first and outcome_id < :after"
        elif table == "sessions":
            where = "id = :session"
        else:
            continue
        query = f"select * from [{table}] where {where} order by {_order(new, table)}"
        if all(old.execute(query, bounds).fetchall() == new.execute(query, bounds).fetchall()
               for bounds in ({"session": session, **under(session)} for session in sessions)):
            same.add(table)
    return same


def published_members(zipped_bytes: bytes) -> dict[str, Member]:
    """The files of a bundle (as ``zipped`` writes it) as they are stored."""
    members = {}
    with zipfile.ZipFile(io.BytesIO(zipped_bytes)) as archive:
        for info in archive.infolist():
            start = info.header_offset
            name_length, extra_length = struct.unpack("<HH", zipped_bytes[start + 26 : start + 30])
            data_start = start + 30 + name_length + extra_length
            members[info.filename] = Member(zipped_bytes[data_start : data_start + info.compress_size], info.CRC, info.file_size)
    return members


def csv_path(table: str, lang: str) -> str:
    return f"{lang}/{table}.csv"


def header(table: str, column: str, lang: str) -> str:
    """A column's header in ``lang``: its label in the catalogue."""
    return text.text(f"column.{column}", lang) if text.has(f"column.{column}") else column


def description(table: str, column: str, lang: str) -> str:
    """What a column holds: its table's own description, else the column's
    (a test keeps every column described)."""
    key = next((key for key in (f"columns.{table}.{column}", f"opendata.column.{column}") if text.has(key)), None)
    return text.text(key, lang) if key else ""


def table_title(table: str, lang: str) -> str:
    key = f"tables.{table}.title"
    return text.text(key, lang) if text.has(key) else table


def csv_bytes(headers: list[str], rows: list[tuple]) -> bytes:
    return csv_body([headers]) + csv_body(rows)


def csv_body(rows: list[tuple]) -> bytes:
    """Rows as CSV lines, byte for byte as the csv module writes them (its
    ``excel`` dialect, lines ended by CRLF): None as an empty field, a field
    holding a comma, a quote or a line break in quotes, its quotes doubled.

    Joined here: the module looks at each character of each field in turn,
    and the texts of outcomes made the CSV files half of a bundle's time
    (a field is searched in C here, 21 -> 10 ms for an event's 964 outcomes;
    tests/test_opendata.py compares the two on awkward values). A table's
    rows are taken a column at a time: a column none of whose values needs
    quotes (ids, codes, numbers: most of them) is searched once, joined.
    """
    if len({len(row) for row in rows}) != 1 or len(rows[0]) < 2:  # no rows, rows of one field, or of several lengths
        return "".join([_csv_line(row) for row in rows]).encode("utf-8")
    columns = []
    for column in zip(*rows):
        texts = ["" if value is None else value if type(value) is str else str(value) for value in column]
        if _NEEDS_QUOTES("\x1f".join(texts)) is not None:
            texts = ['"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES(text) else text for text in texts]
        columns.append(texts)
    return ("\r\n".join(map(",".join, zip(*columns))) + "\r\n").encode("utf-8")


_NEEDS_QUOTES = re.compile('[,"\r\n]').search


def _csv_line(row: tuple) -> str:
    line = ",".join(map(_csv_field, row))
    if not line and len(row) == 1:
        line = '""'  # as the csv module tells a row of one empty field from an empty row
    return line + "\r\n"


def _csv_field(value) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES(text) else text


class Resources(NamedTuple):
    listed: list[dict]
    encoded: str  # as datapackage.json holds them: JSON, indented at their depth


_resources_made: dict[tuple, Resources] = {}


def _resources(conn: sqlite3.Connection, tables: tuple[str, ...], published: Member | None = None) -> Resources:
    """The Data Package's resources for these tables: the same in each bundle
    of a build (every event has rows in the same tables), made and encoded
    once per process (a quarter of a bundle's time, with the indented JSON
    that only Python's slower encoder writes), or taken from the
    ``published`` datapackage.json of a bundle made by the same code (a
    rebuild's one bundle: 6 ms to 1)."""
    schema = conn.execute("select group_concat(sql, ';') from sqlite_master").fetchone()[0]
    key = (tables, schema)
    if key not in _resources_made:
        if len(_resources_made) > 16:  # a long-lived process whose schema or tables changed
            _resources_made.clear()
        made = _published_resources(published, tables) if published else None
        if made is None:
            listed = _resource_list(conn, tables)
            made = Resources(listed, json.dumps(listed, indent=2, ensure_ascii=False).replace("\n", "\n  "))
        _resources_made[key] = made
    return _resources_made[key]


RESOURCES_MEMBER = '\n  "resources": '  # the last member of a bundle's datapackage.json (``_package_json``)


def _published_resources(package: Member, tables: tuple[str, ...]) -> Resources | None:
    """The resources of a published datapackage.json, if they are those of ``tables``."""
    try:
        text = zlib.decompressobj(-15).decompress(package.data).decode("utf-8")
        encoded = text[text.rindex(RESOURCES_MEMBER) + len(RESOURCES_MEMBER):text.rindex("\n}")]
        listed = json.loads(encoded)
        names = [resource["name"] for resource in listed]
    except (zlib.error, UnicodeDecodeError, ValueError, TypeError, KeyError):
        return None
    return Resources(listed, encoded) if names == [resource_name(t, lang) for lang in LANGUAGES for t in tables] else None


def _package_json(package: dict, resources: str) -> str:
    """``json.dumps(package, indent=2)``, with ``resources`` (encoded) in
    place of its resources, its last member (``RESOURCES_MEMBER``)."""
    marker = "\x00resources\x00"
    encoded = json.dumps({**package, "resources": marker}, indent=2, ensure_ascii=False)
    return encoded.replace(json.dumps(marker), resources, 1) + "\n"


def _resource_list(conn: sqlite3.Connection, tables: tuple[str, ...]) -> list[dict]:
    """Every CSV file of the bundle as a resource of a Data Package (v2)."""
    names = set(tables)
    info_of = {table: conn.execute(f"PRAGMA table_info([{table}])").fetchall() for table in tables}
    links_of = {table: conn.execute(f"PRAGMA foreign_key_list([{table}])").fetchall() for table in tables}
    resources_ = []
    for lang in LANGUAGES:
        for table in tables:
            info = info_of[table]
            fields = []
            for _, name, declared, notnull, _, _ in info:
                field = {
                    "name": header(table, name, lang),
                    "type": site.FIELD_TYPES[declared],
                    "description": description(table, name, lang),
                }
                if notnull:
                    field["constraints"] = {"required": True}
                fields.append(field)
            schema = {"fields": fields}
            primary_key = [header(table, name, lang) for _, name, *_, pk in sorted(info, key=lambda c: c[5]) if pk]
            if primary_key:
                schema["primaryKey"] = primary_key
            foreign_keys = [
                {"fields": [header(table, column, lang)],
                 "reference": {"resource": resource_name(other, lang), "fields": [header(other, other_column, lang)]}}
                for _, _, other, column, other_column, *_ in links_of[table]
                if other in names
            ]
            if foreign_keys:
                schema["foreignKeys"] = foreign_keys
            resources_.append({
                "name": resource_name(table, lang),
                "type": "table",
                "title": table_title(table, lang),
                "description": text.text(f"tables.{table}.description", lang) if text.has(f"tables.{table}.description") else "",
                "path": csv_path(table, lang),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema,
            })
    return resources_


def datapackage(event: Dataset, resources: list[dict]) -> dict:
    """The bundle's Data Package (v2): the event, and its files (``_resources``)."""
    publication = event.publication
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": event.id,
        "title": event.title["it"],
        "description": event.description["it"],
        "version": event.modified,
        "homepage": event.url,
        "licenses": [{"name": site.LICENCE_SPDX, "path": publication.licence_url, "title": publication.licence_title}],
        "contributors": [{"title": publication.agents["publisher"]["name"], "roles": ["publisher"]}],
        "keywords": event.keywords("it"),
        "resources": resources,
    }


def resource_name(table: str, lang: str) -> str:
    return f"{table}-{lang}"


def citation_cff(event: Dataset) -> str:
    return site.cff(event.title["it"], event.description["it"], event.modified, event.url, event.publication.agents["publisher"]["name"])


def citation(event: Dataset) -> str:
    """``Regione Piemonte (2020). Title [Dataset]. url``"""
    return f"{event.publication.agents['publisher']['name']} ({event.modified[:4]}). {event.title['it']} [Dataset]. {event.url}"


def readme(event: Dataset, tables: list, package: dict) -> str:
    """The README: the same sections in Italian, then in English."""
    return "\n\n".join(_readme_in(lang, event, tables, package) for lang in LANGUAGES) + "\n"


def _readme_in(lang: str, event: Dataset, tables: list, package: dict) -> str:
    def t(key, **values):
        return text.text(key, lang, **values)

    fields = {resource["name"]: resource["schema"]["fields"] for resource in package["resources"]}
    lines = [
        f"# {t('opendata.readme.title', title=event.title[lang])}",
        "",
        t("opendata.readme.intro", title=event.title[lang], city=event.city, start=event.start, end=event.end,
          library=text.text("site.title", lang), url=event.publication.base, modified=event.modified),
        "",
        t("opendata.readme.event_page", url=event.url),
        "",
        t("opendata.readme.licence", licence=event.publication.licence_url,
          publisher=event.publication.agents["publisher"]["name"]),
        "",
        t("opendata.readme.cite", citation=citation(event)),
        "",
        f"## {t('opendata.readme.files')}",
        "",
        f"- `{README}`: {t('opendata.readme.file.readme')}",
        f"- `{DATAPACKAGE}`: {t('opendata.readme.file.datapackage')}",
        f"- `{CITATION}`: {t('opendata.readme.file.citation')}",
        f"- `{LICENCE}`: {t('opendata.readme.file.licence')}",
    ]
    for table, _, _, count in tables:
        for file_lang in LANGUAGES:
            language = t(f"opendata.readme.language.{file_lang}")
            rows_text = text.text("opendata.readme.rows", lang, count=count)
            lines.append(f"- `{csv_path(table, file_lang)}`: "
                         + t("opendata.readme.file.table", title=table_title(table, lang), language=language, rows=rows_text))
    lines += ["", f"## {t('opendata.readme.tables')}"]
    for table, names, *_ in tables:
        lines += ["", f"### {table_title(table, lang)} (`{table}`)", ""]
        description_key = f"tables.{table}.description"
        if text.has(description_key):
            lines += [" ".join(t(description_key).split()), ""]
        lines += [t("opendata.readme.columns_header"), "|---|---|---|---|---|"]
        it_fields, en_fields = fields[resource_name(table, "it")], fields[resource_name(table, "en")]
        for name, it_field, en_field in zip(names, it_fields, en_fields):
            own = it_field if lang == "it" else en_field
            lines.append(f"| {_cell(it_field['name'])} | {_cell(en_field['name'])} | `{name}` | {own['type']} | {_cell(own['description'])} |")
    return "\n".join(lines)


def _cell(value: str) -> str:
    return " ".join(value.split()).replace("|", "\\|")


def zipped(files: dict[str, tuple[bytes, ...] | Member], day: str) -> bytes:
    """A zip whose bytes depend only on ``files`` and ``day`` (YYYY-MM-DD);
    a ``Member`` is written as it was stored.

    Each file is given in parts, each part compressed on its own (a part
    repeated in the zip, or in the next event's, is compressed once): the
    parts' deflate streams, all but the last ended by a full flush, make one
    valid stream. Written here, not by ``zipfile``, which compresses a
    member only from its whole bytes."""
    year, month, date = (int(part) for part in day.split("-"))
    dos_date, dos_time = (max(year, 1980) - 1980) << 9 | month << 5 | date, 0
    out, directory = io.BytesIO(), []
    deflated: dict[tuple[int, bool], bytes] = {}  # a part held by two files (both languages' rows): once

    def deflate(part: bytes, last: bool) -> bytes:
        if (id(part), last) not in deflated:
            deflated[id(part), last] = _deflated(part, last)
        return deflated[id(part), last]

    for name in sorted(files):
        parts, encoded = files[name], name.encode("ascii")
        if isinstance(parts, Member):  # kept as published
            data, crc, size = parts
        else:
            data = b"".join(deflate(part, last=index == len(parts) - 1) for index, part in enumerate(parts))
            crc = 0
            for part in parts:
                crc = zlib.crc32(part, crc)
            size = sum(len(part) for part in parts)
        fields = (ZIP_VERSION, 0, zipfile.ZIP_DEFLATED, dos_time, dos_date, crc, len(data), size, len(encoded))
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + encoded + data)
        directory.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, UNIX << 8 | ZIP_VERSION, *fields,
                                     0, 0, 0, 0, 0o644 << 16, offset) + encoded)
    start = out.tell()
    out.write(b"".join(directory))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(directory), len(directory), out.tell() - start, start, 0))
    return out.getvalue()


ZIP_VERSION = 20  # 2.0: deflate
UNIX = 3  # the system that made the zip, whatever machine builds it: file modes are Unix's
# zlib's fastest family (levels 1 to 3, no lazy matching): an event's 2.3 MB of CSV took
# 9 ms at 3 and 27 ms at 6, its default, whose files are a fifth smaller (380 KB to 470 KB a
# bundle, with 1,000 outcomes); 1 saved another 1.5 ms for 5% more.
LEVEL = 3


class Shared(bytes):
    """A part that every bundle holds (a vocabulary's rows, the licence):
    compressed once per process."""


_shared: dict[tuple[bytes, bool], bytes] = {}  # (Shared part, last) -> deflated


def _deflated(part: bytes, last: bool) -> bytes:
    if not isinstance(part, Shared):
        return _deflate(part, last)
    if (part, last) not in _shared:
        if len(_shared) > 256:  # the vocabularies changed many times in a long-lived process
            _shared.clear()
        _shared[part, last] = _deflate(part, last)
    return _shared[part, last]


def _deflate(part: bytes, last: bool) -> bytes:
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)  # raw deflate, as a zip holds it
    return compressor.compress(part) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)
