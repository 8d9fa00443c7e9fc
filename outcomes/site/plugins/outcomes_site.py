"""Datasette plugin of the outcomes library.

``outcomes.site`` copies this file into ``build/plugins/`` together with
``outcomes/search.py`` (as ``outcomes_search.py``), so ``datasette build/``
and ``datasette publish --plugins-dir build/plugins`` run it without the
``outcomes`` package. It needs only what a published site installs anyway:
Datasette, snowballstemmer, and Markdown + bleach (datasette-render-markdown).

What it adds:

- SQL functions for the project's search: ``outcomes_fts_query(q)`` (a typed
  query as a safe, Italian-aware FTS5 query) and ``outcomes_snippet(text, q)``
  (an HTML excerpt with ``<mark>``); ``outcomes_markdown(text)`` (sanitised
  HTML) and ``outcomes_time(date, hh:mm)`` (an RFC 3339 time in Italy), for
  the Atom feed;
- a ``vocabulary`` facet: a JSON-array facet whose codes are shown by their
  label (``SN`` -> Senegal, ``10`` -> Ridurre le disuguaglianze);
- labels instead of codes in the cells of those columns;
- what the templates need: the outcome, session and event pages, the home
  page's overview, Italian dates;
- the magic parameter ``:_site_url`` (the site's absolute base URL) for
  permalinks in the feed;
- a read-only guard: a request other than GET, HEAD or OPTIONS gets 405.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
import urllib.parse
import weakref
import zoneinfo
from pathlib import Path

import bleach
import markdown as markdown_lib
from datasette import hookimpl
from datasette.facets import ArrayFacet
from datasette.utils import path_with_removed_args, tilde_encode
from markupsafe import Markup, escape

DATABASE = "outcomes"
PLUGIN = "outcomes-site"


def _load_search():
    """``outcomes_search.py`` next to this file: Datasette loads plugins by
    path, so the sibling cannot be imported by name. From the package's
    source folder, the package itself."""
    sibling = Path(__file__).with_name("outcomes_search.py")
    if not sibling.exists():
        from outcomes import search

        return search
    name = "outcomes_site_search"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, sibling)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


search = _load_search()


# --- SQL functions ---------------------------------------------------------------

# The allow-list of datasette-render-markdown: what Markdown may become.
MARKDOWN_TAGS = [
    "a", "abbr", "acronym", "b", "blockquote", "br", "code", "em", "i", "li", "ol",
    "strong", "ul", "pre", "p", "h1", "h2", "h3", "h4", "h5", "h6",
]  # fmt: skip


def markdown_html(text: str | None) -> str:
    """Markdown as HTML that is safe to show: raw HTML is escaped, links keep
    only http(s) and mailto."""
    html = markdown_lib.markdown(text or "", output_format="html5")
    return bleach.clean(html, tags=MARKDOWN_TAGS, attributes={"a": ["href", "title"]}, strip=False)


def marked(html: str | None) -> Markup:
    """An excerpt from ``outcomes_snippet`` as HTML: only ``<mark>`` survives,
    whatever the value (a SQL query may return anything in that column)."""
    return Markup(bleach.clean(html or "", tags=["mark"], attributes={}, strip=False))


ITALY = zoneinfo.ZoneInfo("Europe/Rome")


def italian_time(date: str | None, hhmm: str | None) -> str | None:
    """``2019-10-15``, ``17:00`` -> ``2019-10-15T17:00:00+02:00``: a local
    time in Italy with its offset, summer time included."""
    if not date:
        return None
    local = dt.datetime.fromisoformat(f"{date}T{hhmm or '00:00'}").replace(tzinfo=ITALY)
    return local.isoformat(timespec="seconds")


# The fts5vocab tables listing the words of each full-text index (store.py).
VOCABULARY_TABLES = ("outcomes_fts_terms", "sessions_fts_terms")


@hookimpl
def prepare_connection(conn, database):
    if database == DATABASE:
        # The forms of a searched word are read from this database's own
        # vocabulary, so the function depends on the (immutable) data.
        expand = search.vocabulary_expander(conn, VOCABULARY_TABLES)
        conn.create_function("outcomes_fts_query", 1, lambda query: search.fts_query(query, expand))
    for name, arity, function in (
        ("outcomes_fts_exact", 1, search.fts_query),  # the words as typed only
        ("outcomes_snippet", 2, search.highlight),
        ("outcomes_markdown", 1, markdown_html),
        ("outcomes_time", 2, italian_time),
    ):
        conn.create_function(name, arity, function, deterministic=True)


# --- Vocabularies: codes shown by label --------------------------------------------

_vocabularies: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def config(datasette) -> dict:
    # Top level only: a table's own ``plugins`` would hide it.
    return datasette.plugin_config(PLUGIN) or {}


def array_columns(datasette) -> dict[str, str]:
    """JSON-array column of ``outcomes`` -> the lookup table of its codes."""
    return config(datasette).get("vocabularies") or {}


async def vocabularies(datasette) -> dict[str, dict[str, dict]]:
    """Every lookup table (``id`` + ``label_it``) as ``{table: {id: row}}``,
    read once: the database is immutable."""
    if datasette not in _vocabularies:
        db = datasette.get_database(DATABASE)
        tables = {}
        for table in await db.table_names():
            if {"id", "label_it"} <= set(await db.table_columns(table)):
                rows = await db.execute(f"select * from [{table}]")
                tables[table] = {str(row["id"]): dict(row) for row in rows}
        _vocabularies[datasette] = tables
    return _vocabularies[datasette]


def coded(code: str) -> bool:
    """SDG goals and targets and GCM objectives are known by number."""
    return code[:1].isdigit()


def short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def term(vocabulary: dict, code) -> dict:
    """A code with its label: ``{"id": "SN", "label": "Senegal", ...}``."""
    row = vocabulary.get(str(code)) or {}
    return {**row, "id": str(code), "label": row.get("label_it") or str(code)}


class VocabularyFacet(ArrayFacet):
    """An array facet on codes of a lookup table, each shown by its label.

    ``facets: [{vocabulary: countries}]`` in metadata; the lookup table of a
    column comes from the plugin's ``vocabularies`` configuration.
    """

    type = "vocabulary"

    async def suggest(self):
        return []

    async def facet_results(self):
        results, timed_out = await super().facet_results()
        if self.database != DATABASE:
            return results, timed_out
        tables = await vocabularies(self.ds)
        columns = array_columns(self.ds)
        for facet in results:
            column = facet["name"]
            facet["toggle_url"] = self.ds.urls.path(path_with_removed_args(self.request, {"_facet_vocabulary": column}))
            vocabulary = tables.get(columns.get(column, column), {})
            for value in facet["results"]:
                label = term(vocabulary, value["value"])["label"]
                value["label"] = f"{value['value']} · {short(label)}" if coded(value["value"]) else label
        return results, timed_out


@hookimpl
def register_facet_classes():
    return [VocabularyFacet]


@hookimpl
def render_cell(value, column, table, database, datasette):
    if database != DATABASE:
        return None
    if table is None and column == "estratto":
        return marked(value)
    if table is None and column == "esito" and isinstance(value, str):
        # An outcome's id in a query's results: a link to its page, by its
        # short name (the whole id is in the link and in JSON and CSV).
        url = outcome_url(datasette, value)
        return Markup(f'<a href="{escape(url)}" title="{escape(value)}">{escape(value.rsplit("--", 1)[-1])}</a>')
    if table == "outcomes" and (column in array_columns(datasette) or column == "keywords"):
        return _array_cell(value, column, datasette)
    return None


def outcome_url(datasette, outcome_id: str) -> str:
    return datasette.urls.row(DATABASE, "outcomes", tilde_encode(outcome_id))


async def _array_cell(value, column, datasette):
    """``["SN", "MA"]`` -> links to the outcomes of each, by label."""
    try:
        codes = json.loads(value or "[]")
    except (TypeError, ValueError):
        return None
    if column == "keywords":
        return ", ".join(map(str, codes))
    vocabulary = (await vocabularies(datasette)).get(array_columns(datasette)[column], {})
    outcomes = datasette.urls.table(DATABASE, "outcomes")
    links = []
    for code in codes:
        item = term(vocabulary, code)
        text = item["id"] if coded(item["id"]) else item["label"]
        href = f"{outcomes}?{column}__arraycontains={urllib.parse.quote(item['id'], safe='')}"
        links.append(f'<a href="{escape(href)}" title="{escape(item["label"])}">{escape(text)}</a>')
    return Markup(", ".join(links))


# --- Pages ---------------------------------------------------------------------

MONTHS = "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre".split()


def italian_date(value: str | None) -> str:
    """``2019-10-15`` -> ``15 ottobre 2019``."""
    if not value:
        return ""
    day = dt.date.fromisoformat(str(value)[:10])
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def highlighted(text: str | None, query: str | None) -> Markup:
    """A short text (a title) whole, the words ``query`` matched marked."""
    return marked(search.highlight(text, query, width=10_000))


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["data_it"] = italian_date
    env.filters["marked"] = marked
    env.filters["highlighted"] = highlighted


async def _one(db, sql: str, params: dict) -> dict | None:
    row = (await db.execute(sql, params)).first()
    return dict(row) if row else None


async def _all(db, sql: str, params: dict | None = None) -> list[dict]:
    return [dict(row) for row in await db.execute(sql, params or {})]


def _codes(value: str | None) -> list:
    return json.loads(value or "[]")


async def outcome_page(datasette, outcome_id: str) -> dict | None:
    """An outcome with everything its page shows, codes resolved to labels."""
    db = datasette.get_database(DATABASE)
    outcome = await _one(
        db,
        """
        select outcomes.*, outcome_types.label_it as type_label, statuses.label_it as status_label,
          current.label_it as current_status_label,
          sessions.title as session_title, sessions.date as session_date, sessions.start as session_start,
          sessions."end" as session_end, session_kinds.label_it as session_kind,
          events.title as event_title, events.city as event_city
        from outcomes
          join outcome_types on outcome_types.id = outcomes.type
          left join statuses on statuses.id = outcomes.status
          left join statuses as current on current.id = outcomes.current_status
          join sessions on sessions.id = outcomes.session_id
          join session_kinds on session_kinds.id = sessions.kind
          join events on events.id = outcomes.event_id
        where outcomes.id = :id
        """,
        {"id": outcome_id},
    )
    if outcome is None:
        return None
    tables = await vocabularies(datasette)
    for column, lookup in array_columns(datasette).items():
        outcome[column] = [term(tables.get(lookup, {}), code) for code in _codes(outcome[column])]
    outcome["keywords"] = _codes(outcome["keywords"])
    outcome["updates"] = await commitment_timeline(db, outcome_id)
    return outcome


async def commitment_timeline(db, outcome_id: str) -> list[dict]:
    """A commitment's public updates, oldest first, each with the anchor
    (``aggiornamento-2020-02-10``) the updates' feed links to."""
    return await _all(
        db,
        """
        select u.*, statuses.label_it as status_label,
          'aggiornamento-' || substr(u.id, length(u.commitment_id) + 3) as anchor
        from commitment_updates as u join statuses on statuses.id = u.status
        where u.commitment_id = :id order by u.date, u.position
        """,
        {"id": outcome_id},
    )


async def session_page(datasette, session_id: str) -> dict | None:
    """A session with its event, facilitators, participants, quotes and outcomes."""
    db = datasette.get_database(DATABASE)
    session = await _one(
        db,
        """
        select sessions.*, session_kinds.label_it as kind_label, events.title as event_title
        from sessions
          join session_kinds on session_kinds.id = sessions.kind
          join events on events.id = sessions.event_id
        where sessions.id = :id
        """,
        {"id": session_id},
    )
    if session is None:
        return None
    session["facilitators"] = _codes(session["facilitators"])
    session["speakers"] = _codes(session["speakers"])
    session["participants"] = await _all(
        db,
        """
        select actor_types.label_it as label, session_participants.count
        from session_participants join actor_types on actor_types.id = session_participants.actor_type_id
        where session_id = :id order by session_participants.count desc, label
        """,
        {"id": session_id},
    )
    session["attendance"] = await _attendance(
        db, "session_participants", "session_registrations", "session_id = :id", "session_id = :id", session_id
    )
    session["quotes"] = await _all(
        db,
        """
        select quotes.text, actor_types.label_it as actor
        from quotes join actor_types on actor_types.id = quotes.actor_type_id
        where session_id = :id order by position
        """,
        {"id": session_id},
    )
    session["outcomes"] = await _all(
        db,
        """
        select outcomes.id, outcomes.title, outcome_types.label_it as type_label
        from outcomes join outcome_types on outcome_types.id = outcomes.type
        where session_id = :id order by position
        """,
        {"id": session_id},
    )
    return session


async def event_page(datasette, event_id: str) -> dict | None:
    """An event with its sessions, in programme order."""
    db = datasette.get_database(DATABASE)
    event = await _one(db, "select * from events where id = :id", {"id": event_id})
    if event is None:
        return None
    event["organisers"] = _codes(event["organisers"])
    event["sessions"] = await _all(
        db,
        """
        select sessions.id, sessions.title, sessions.date, sessions.start, sessions."end",
          session_kinds.label_it as kind_label,
          (select count(*) from outcomes where outcomes.session_id = sessions.id) as outcomes
        from sessions join session_kinds on session_kinds.id = sessions.kind
        where event_id = :id order by sessions.date, sessions.start, sessions.id
        """,
        {"id": event_id},
    )
    event["attendance"] = await _attendance(
        db,
        "session_participants",
        "event_registrations",
        "session_id in (select id from sessions where event_id = :id)",
        "event_id = :id",
        event_id,
    )
    return event


async def _attendance(db, present: str, registered: str, present_where: str, registered_where: str, key: str) -> list[dict]:
    """Present (in the sessions) beside registered, by actor type, in the
    vocabulary's order; only the actor types with either."""
    return await _all(
        db,
        f"""
        select label, coalesce(present, 0) as present, coalesce(registered, 0) as registered from (
          select actor_types.rowid as position, actor_types.label_it as label,
            (select sum(count) from {present} where {present_where} and actor_type_id = actor_types.id) as present,
            (select sum(count) from {registered} where {registered_where} and actor_type_id = actor_types.id) as registered
          from actor_types
        ) where present is not null or registered is not null order by position
        """,
        {"id": key},
    )


async def overview(datasette) -> dict:
    """What the home page counts: outcomes by type and by SDG goal, events."""
    db = datasette.get_database(DATABASE)
    counts = await _one(
        db,
        "select (select count(*) from outcomes) as outcomes, (select count(*) from sessions) as sessions, "
        "(select count(*) from events) as events",
        {},
    )
    return {
        "counts": counts,
        "types": await _all(
            db,
            """
            select outcome_types.id, outcome_types.plural_it as label, count(outcomes.id) as count
            from outcome_types join outcomes on outcomes.type = outcome_types.id
            group by outcome_types.id order by count desc, label
            """,
        ),
        "goals": await _all(
            db,
            """
            select sdg_goals.id, sdg_goals.label_it as label, sdg_goals.colour, count(*) as count
            from outcome_sdg_goals join sdg_goals on sdg_goals.id = outcome_sdg_goals.sdg_goal_id
            group by sdg_goals.id order by sdg_goals.id
            """,
        ),
        "countries": await _all(
            db,
            """
            select countries.id, countries.label_it as label, count(*) as count
            from outcome_countries join countries on countries.id = outcome_countries.country_id
            group by countries.id order by count desc, label limit 12
            """,
        ),
        "events": await _all(
            db, "select id, title, start_date, end_date, city from events order by start_date desc, id"
        ),
    }


@hookimpl
def extra_template_vars(datasette):
    """Async functions the templates call (Jinja awaits them)."""

    async def call(function, *args):
        return await function(datasette, *args)

    return {
        "outcome_page": lambda outcome_id: call(outcome_page, outcome_id),
        "session_page": lambda session_id: call(session_page, session_id),
        "event_page": lambda event_id: call(event_page, event_id),
        "library_overview": lambda: call(overview),
        "column_labels": config(datasette).get("labels") or {},
    }


READ_METHODS = ("GET", "HEAD", "OPTIONS")


@hookimpl
def asgi_wrapper(datasette):
    """The library is read-only: any other method is refused before it
    reaches Datasette (whose read-only canned queries answer a POST with an
    error page)."""

    def wrap(app):
        async def read_only(scope, receive, send):
            if scope["type"] == "http" and scope["method"] not in READ_METHODS and DATABASE in datasette.databases:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 405,
                        "headers": [(b"allow", ", ".join(READ_METHODS).encode()), (b"content-type", b"text/plain; charset=utf-8")],
                    }
                )
                await send({"type": "http.response.body", "body": "Sito in sola lettura: read-only site.\n".encode()})
                return
            await app(scope, receive, send)

        return read_only

    return wrap


@hookimpl
def register_magic_parameters(datasette):
    def site(key, request):
        if key != "url":
            raise KeyError(key)
        return datasette.absolute_url(request, datasette.urls.instance())

    return [("site", site)]
