"""What the open data says about the library and each event, read once from
the database: the catalogue, the schema.org descriptions and the bundles are
all made from these facts, so they never disagree."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from urllib.parse import quote

from .. import publisher, site, store
from ..common import markdown, text

LANGUAGES = ("it", "en")
# The tables of the search's own machinery: derived from the others, not data.
SEARCH_TABLES = ("search_terms", "search_facets")
LIBRARY_ID = site.DATABASE_NAME


def modified(conn: sqlite3.Connection, event_id: str | None = None) -> str:
    """The date of an event's edition, or the latest of the library's:
    ``events.published`` (``load.edition_date``: the note's own
    ``published``, else the latest day or update it holds; never the day of
    the build), the date the proceedings' colophon, ``CITATION.cff`` and
    ``datapackage.json`` give too."""
    where = "" if event_id is None else "where id = :event"
    (day,) = conn.execute(f"select max(published) from events {where}", {"event": event_id}).fetchone()
    return day or "1970-01-01"


@dataclass(frozen=True)
class Publication:
    """Where and by whom the library is published (the site's settings, read once)."""

    base: str  # the site's public address, ending in /
    agents: dict  # publisher, rights_holder, region
    licence_url: str
    licence_title: str

    @classmethod
    def read(cls) -> Publication:
        title, url = publisher.licence()
        return cls(site.public_url(), publisher.open_data(), url, title)


@dataclass
class Distribution:
    key: str  # unique within its dataset: a fragment of its IRI
    title: dict[str, str]  # by language
    url: str  # where it downloads from
    page: str  # where it is shown (the access URL)
    file_type: str  # code in the EU file-type authority table
    media_type: str


@dataclass
class Dataset:
    id: str
    publication: Publication
    identifier: str  # <IPA code>:<id>
    url: str  # the landing page on the site
    title: dict[str, str]
    description: dict[str, str]  # plain text
    modified: str
    start: str
    end: str
    countries: list[dict]  # id (alpha-2), alpha_3, label_it, label_en
    themes: list[dict]  # id, label_it, label_en
    city: str = ""  # an event's
    distributions: list[Distribution] = field(default_factory=list)
    events: list[Dataset] = field(default_factory=list)  # the library's
    part_of: Dataset | None = None  # an event's: the library
    facts: dict = field(default_factory=dict)  # an event's ``event_facts``

    @property
    def iri(self) -> str:
        """The dataset's IRI: on its page, where its description is."""
        return f"{self.url}#dataset"

    def keywords(self, lang: str) -> list[str]:
        return [theme[f"label_{lang}"] for theme in self.themes]


def public_tables(conn: sqlite3.Connection) -> list[str]:
    """The tables of data: every table of the database but the search's."""
    return [table for table in site.data_tables(conn) if table not in SEARCH_TABLES]


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [name for _, name, *_ in conn.execute(f"PRAGMA table_info([{table}])")]


def plain(markdown_text: str | None) -> str:
    """Markdown (or the catalogue's HTML) as plain text, paragraphs kept."""
    return markdown.markdown_text(markdown_text or "")


def _catalogue(key: str, **values) -> dict[str, str]:
    return {lang: text.text(key, lang, **values) for lang in LANGUAGES}


def library(conn: sqlite3.Connection, editions: list[str], known: dict[str, dict] | None = None) -> Dataset:
    """The library and its events, with their distributions; ``editions``
    are the file names of the public proceedings published with them.
    ``known`` holds the ``event_facts`` of events whose rows are as they
    were (an incremental build's unchanged events): taken, not queried
    again, so a one-note rebuild reads the rows of one event, not all."""
    conn.row_factory = sqlite3.Row
    publication = Publication.read()
    base = publication.base
    owner = publication.agents["rights_holder"]["ipa"]
    tables = public_tables(conn)
    event_tables = [table for table in tables if table == "events" or "event_id" in columns(conn, table)]
    (start, end) = conn.execute("select min(start_date), max(end_date) from events").fetchone()
    whole = Dataset(
        id=LIBRARY_ID,
        publication=publication,
        identifier=f"{owner}:{LIBRARY_ID}",
        url=base,
        title={lang: text.text("site.title", lang) for lang in LANGUAGES},
        description={lang: plain(text.text("site.description", lang)) for lang in LANGUAGES},
        modified=modified(conn),
        start=start or modified(conn),
        end=end or modified(conn),
        countries=[],
        themes=[],
    )
    whole.distributions = [
        Distribution("sqlite", _catalogue("opendata.distribution.sqlite"), f"{base}{LIBRARY_ID}.db",
                     f"{base}{LIBRARY_ID}", "OCTET", "application/vnd.sqlite3"),
        Distribution("datapackage", _catalogue("opendata.distribution.datapackage"), f"{base}datapackage.json",
                     f"{base}datapackage.json", "JSON", "application/json"),
        *(distribution for table in tables for distribution in _table_distributions(base, table)),
    ]
    for row in conn.execute("select * from events order by start_date, id").fetchall():
        found = (known or {}).get(row["id"]) or event_facts(conn, dict(row))
        whole.events.append(_event(found, dict(row), whole, owner, event_tables, editions))
    # Every outcome belongs to an event: the library's terms are its events'.
    whole.countries = _union(event.countries for event in whole.events)
    whole.themes = _union(event.themes for event in whole.events)
    return whole


def event_facts(conn: sqlite3.Connection, row: dict) -> dict:
    """What the open data says of an event that its row does not: counts,
    date, terms, its description as plain text (JSON, kept between builds)."""
    event_id = row["id"]
    sessions, outcomes = conn.execute(
        "select (select count(*) from sessions where event_id = :e), (select count(*) from outcomes where event_id = :e)",
        {"e": event_id},
    ).fetchone()
    return {"sessions": sessions, "outcomes": outcomes, "modified": modified(conn, event_id),
            "countries": _countries(conn, event_id), "themes": _themes(conn, event_id),
            "description": plain(row["description"])}


def _union(lists) -> list[dict]:
    return sorted({term["id"]: term for terms in lists for term in terms}.values(), key=lambda term: term["id"])


def _event(found: dict, row: dict, whole: Dataset, owner: str, tables: list[str], editions: list[str]) -> Dataset:
    event_id = row["id"]
    base = whole.publication.base
    summary = _catalogue("opendata.event.description", title=row["title"], city=row["city"], start=row["start_date"],
                         end=row["end_date"], sessions=found["sessions"], outcomes=found["outcomes"])
    own = found["description"]
    dataset = Dataset(
        id=event_id,
        publication=whole.publication,
        identifier=f"{owner}:{event_id}",
        url=f"{base}{LIBRARY_ID}/events/{quote(event_id)}",
        title={lang: row["title"] for lang in LANGUAGES},
        description={lang: f"{own}\n\n{summary[lang]}" if lang == (row["language"] or "it") and own else summary[lang]
                     for lang in LANGUAGES},
        modified=found["modified"],
        start=row["start_date"],
        end=row["end_date"],
        countries=found["countries"],
        themes=found["themes"],
        city=row["city"],
        part_of=whole,
        facts=found,
    )
    dataset.distributions = [
        Distribution("bundle", _catalogue("opendata.distribution.bundle"), f"{base}open-data/{event_id}.zip",
                     dataset.url, "ZIP", "application/zip"),
        *_edition_distributions(base, event_id, row["language"] or "it", editions, dataset.url),
        *(d for table in tables for d in _table_distributions(base, table, event_id)),
    ]
    return dataset


def _table_distributions(base: str, table: str, event_id: str | None = None) -> list[Distribution]:
    """A table of the site as CSV (streamed whole) and JSON; an event's rows only with ``event_id``."""
    page = f"{base}{LIBRARY_ID}/{table}"
    row_filter = "" if event_id is None else f"&{'id' if table == 'events' else 'event_id'}={quote(event_id)}"
    title = {lang: text.text(f"tables.{table}.title", lang) if text.has(f"tables.{table}.title") else table
             for lang in LANGUAGES}
    return [
        Distribution(f"csv-{table}", _titled(title, "CSV"), f"{page}.csv?_stream=on{row_filter}",
                     page + row_filter.replace("&", "?", 1), "CSV", "text/csv"),
        Distribution(f"json-{table}", _titled(title, "JSON"), f"{page}.json?_shape=objects&_size=max{row_filter}",
                     page + row_filter.replace("&", "?", 1), "JSON", "application/json"),
    ]


def _titled(title: dict[str, str], kind: str) -> dict[str, str]:
    return {lang: f"{title[lang]} ({kind})" for lang in LANGUAGES}


EDITION_KINDS = {"docx": ("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                 "pdf": ("PDF", "application/pdf")}


def _language_name(code: str, lang: str) -> str:
    key = f"opendata.readme.language.{code}"
    return text.text(key, lang) if text.has(key) else code


# A proceedings' file name: ``<event>.docx``, ``<event>.en.pdf``... (one
# pattern for all events: compiling one per event took 0.7 ms each).
EDITION_NAME = re.compile(r"^(?P<event>[a-z0-9-]+)(?:\.(?P<lang>[a-z]{2}))?\.(?P<kind>docx|pdf)$")


def _edition_distributions(base: str, event_id: str, language: str, editions: list[str], page: str) -> list[Distribution]:
    """The event's public proceedings: ``<event>.docx`` in the event's
    ``language``, ``.pdf``, ``.en.docx``..."""
    found = []
    for name in sorted(editions):
        match = EDITION_NAME.match(name)
        if match is None or match["event"] != event_id:
            continue
        file_type, media_type = EDITION_KINDS[match["kind"]]
        edition = match["lang"] or language
        title = {lang: text.text("opendata.distribution.proceedings", lang, format=file_type,
                                 language=_language_name(edition, lang)) for lang in LANGUAGES}
        found.append(Distribution(f"proceedings-{name}", title, f"{base}proceedings/{quote(name)}",
                                  page, file_type, media_type))
    return found


def under(owner_id: str) -> dict[str, str]:
    """Bounds ``first`` and ``after`` of the ids that start with ``owner_id``
    and ``--``: the sessions of an event, the outcomes of an event or of a
    session, one range of their table's key. Ids are slugs, which never hold
    ``--`` (``models.SLUG_PATTERN``), and "." follows "-" in byte order (the
    keys are BINARY text)."""
    return {"first": f"{owner_id}--", "after": f"{owner_id}-."}


def _tagged(conn, vocabulary: str, columns: str, event_id: str | None = None) -> list[dict]:
    """The terms of ``vocabulary`` that the outcomes (of an event) are tagged with."""
    link, column = next((table, column) for table, (column, attribute) in store.LINKS.items() if attribute == vocabulary)
    # One plan per case: an "or" on the event would keep SQLite from the
    # event's index and join every link (80 ms at 10,000 outcomes, not 5).
    # An event's outcomes are one range of ids (``under``).
    tagged = f"select [{column}] from [{link}]" + (
        "" if event_id is None else " where outcome_id >= :first and outcome_id < :after")
    bounds = {} if event_id is None else under(event_id)
    cursor = conn.execute(f"select {columns} from [{vocabulary}] where id in ({tagged}) order by id", bounds)
    names = [description[0] for description in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


def _countries(conn, event_id: str | None = None) -> list[dict]:
    return _tagged(conn, "countries", "countries.id, alpha_3, label_it, label_en", event_id)


def _themes(conn, event_id: str | None = None) -> list[dict]:
    return _tagged(conn, "themes", "themes.id, label_it, label_en", event_id)
