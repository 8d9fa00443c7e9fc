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

import contextvars
import csv
import io
import datetime as dt
import http.cookies
import importlib.util
import json
import sys
import traceback
import urllib.parse
import weakref
import zoneinfo
from pathlib import Path

import bleach
import markdown as markdown_lib
import yaml
from datasette import Response, hookimpl
from datasette.facets import ArrayFacet
from datasette.utils import path_with_removed_args, path_with_replaced_args, tilde_encode
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


# --- Languages: Italian by default, English on request -------------------------------

LANGUAGES = ("it", "en")
LANG_ARG = "_lang"  # ?_lang=en switches (and remembers, in LANG_COOKIE)
LANG_COOKIE = "outcomes_lang"
_language: contextvars.ContextVar[str] = contextvars.ContextVar("outcomes_language", default=LANGUAGES[0])


def _load_messages() -> dict:
    """The site's catalogue: ``outcomes_site_messages.yaml`` beside this
    file in a build, ``outcomes/site/messages.yaml`` in the package."""
    here = Path(__file__)
    for path in (here.with_name("outcomes_site_messages.yaml"), here.parent.parent / "messages.yaml"):
        if path.exists():
            return yaml.load(path.read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    raise FileNotFoundError("outcomes_site_messages.yaml")


MESSAGES = _load_messages()


def language() -> str:
    """The language of the page being made (set per request by the ASGI wrapper)."""
    return _language.get()


def requested_language(scope) -> tuple[str, bool]:
    """The language a request asks for, and whether it asks explicitly
    (``?_lang=``, which is then remembered) rather than by cookie."""
    query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
    asked = (query.get(LANG_ARG) or [""])[-1]
    if asked in LANGUAGES:
        return asked, True
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                cookie = http.cookies.SimpleCookie(value.decode("latin-1")).get(LANG_COOKIE)
            except http.cookies.CookieError:
                continue
            if cookie is not None and cookie.value in LANGUAGES:
                return cookie.value, False
    return LANGUAGES[0], False


def lang_attr(content_language: str | None) -> Markup:
    """`` lang="it"`` on a text written in another language than the page's
    (the notes' texts stay as written), else nothing."""
    content_language = content_language or LANGUAGES[0]
    return Markup("") if content_language == language() else Markup(' lang="{}"').format(content_language)


def other_language() -> str:
    return LANGUAGES[1 - LANGUAGES.index(language())]


def number(value: int) -> str:
    """``1234`` -> ``1.234`` in Italian, ``1,234`` in English."""
    text = f"{value:,}"
    return text.replace(",", ".") if language() == "it" else text


def t(key: str, count: int | None = None, default: str | None = None, **values) -> str:
    """The catalogue's text for ``key`` in the page's language, its
    ``{placeholders}`` filled in; with ``count``, the singular or plural."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key if default is None else default
    text = entry[language()]
    if isinstance(text, list):
        text = text[0 if count == 1 else 1]
    if count is not None:
        values["count"] = number(count)
    return text.format(**values) if values else text


def th(key: str, count: int | None = None, **values) -> Markup:
    """``t`` for a text that is HTML: the values filled in are escaped."""
    entry = MESSAGES[key][language()]
    if isinstance(entry, list):
        entry = entry[0 if count == 1 else 1]
    if count is not None:
        values["count"] = number(count)
    return Markup(entry).format(**values)


def column_label(column: str) -> str:
    """A column as people read it: ``sdg_goals`` -> Goal dell'Agenda 2030."""
    return t(f"column.{column}", default=column)


def table_title(table: str) -> str:
    return t(f"tables.{table}.title", default=table)


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
    """Every lookup table (``id``, ``label_it``, ``label_en``) as ``{table: {id: row}}``,
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
    """A code with its label in the page's language: ``{"id": "SN", "label": "Senegal", ...}``."""
    row = vocabulary.get(str(code)) or {}
    return {**row, "id": str(code), "label": row.get(f"label_{language()}") or row.get("label_it") or str(code)}


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
    if isinstance(value, dict) and "value" in value and table:
        return _foreign_key_cell(value, column, table, datasette)
    if table is None and column == "estratto":
        return marked(value)
    if table is None and column == "esito" and isinstance(value, str):
        # An outcome's id in a query's results: a link to its page, by its
        # short name (the whole id is in the link and in JSON and CSV).
        url = outcome_url(datasette, value)
        return Markup(f'<a href="{escape(url)}" title="{escape(value)}">{escape(value.rsplit("--", 1)[-1])}</a>')
    if table == "outcomes" and (column in array_columns(datasette) or column == "keywords"):
        return _array_cell(value, column, datasette)
    if table == "sessions" and column in ("facilitators", "speakers"):
        return _people_cell(value)
    return None


def _people_cell(value):
    """``[{"organisation": ..., "role": ...}]`` -> "role, organisation; ..."."""
    try:
        people = json.loads(value or "[]")
    except (TypeError, ValueError):
        return None
    return "; ".join(
        ", ".join(str(person[key]) for key in ("role", "organisation", "talk") if isinstance(person, dict) and person.get(key))
        for person in people
    )


_foreign_keys: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def lookup_of(datasette, table: str, column: str) -> str | None:
    """The lookup table a column of ``table`` refers to, if it is one."""
    if datasette not in _foreign_keys:
        db = datasette.get_database(DATABASE)
        _foreign_keys[datasette] = {
            (name, key["column"]): key["other_table"]
            for name in await db.table_names()
            for key in await db.foreign_keys_for_table(name)
        }
    other = _foreign_keys[datasette].get((table, column))
    return other if other in await vocabularies(datasette) else None


async def _foreign_key_cell(value: dict, column: str, table: str, datasette):
    """A code Datasette expanded through its foreign key, by its label in
    the page's language, linking to the lookup row as Datasette does."""
    lookup = await lookup_of(datasette, table, column)
    if lookup is None:
        return None
    item = term((await vocabularies(datasette))[lookup], value["value"])
    href = datasette.urls.row(DATABASE, lookup, tilde_encode(item["id"]))
    return Markup(f'<a href="{escape(href)}">{escape(item["label"])}</a>&nbsp;<em>{escape(item["id"])}</em>')


async def value_label(datasette, table: str | None, column: str, value) -> str:
    """A filtered value as people read it: a code by its label, an event or
    session by its title."""
    columns = array_columns(datasette)
    tables = await vocabularies(datasette)
    lookup = columns.get(column) if table == "outcomes" else None
    lookup = lookup or (await lookup_of(datasette, table, column) if table else None)
    if lookup:
        item = term(tables.get(lookup, {}), value)
        return f"{item['id']} · {item['label']}" if coded(item["id"]) else item["label"]
    if column in ("event_id", "session_id"):
        other = "events" if column == "event_id" else "sessions"
        row = await _one(datasette.get_database(DATABASE), f"select title from {other} where id = :id", {"id": value})
        return row["title"] if row else str(value)
    return str(value)


async def describe_rows(datasette, table: str, filters, search: str | None, request) -> str:
    """Datasette's "where type = ..." in the page's language, values by label."""
    clauses = []
    for column, lookup, value in filters.selections():
        entry = MESSAGES.get(f"filter.{lookup}")
        if entry is not None:
            shown = await value_label(datasette, table, column, value)
            clauses.append(entry[language()][1].format(c=column_label(column), v=shown))
    parts = [t("describe.where", conditions=t("describe.and").join(clauses))] if clauses else []
    if search:
        parts.append(t("describe.search", search=search))
    args = request.args if request is not None else {}
    if args.get("_sort"):
        parts.append(t("describe.sorted", column=column_label(args.get("_sort"))))
    elif args.get("_sort_desc"):
        parts.append(t("describe.sorted_desc", column=column_label(args.get("_sort_desc"))))
    return ", ".join(parts)


async def vocabulary_outcomes(datasette, table: str, keys) -> dict | None:
    """For the page of a vocabulary's term (a goal, a country...): its label
    and the link to its outcomes, with their number."""
    column = {lookup: column for column, lookup in array_columns(datasette).items()}.get(table)
    scalar = {"outcome_types": "type", "statuses": "status"}.get(table)
    if not (column or scalar) or len(keys) != 1:
        return None
    code = str(keys[0])
    db = datasette.get_database(DATABASE)
    if column:
        sql = f"select count(*) from outcomes where exists (select 1 from json_each(outcomes.[{column}]) where value = :code)"
        href = f"?{column}__arraycontains={urllib.parse.quote(code, safe='')}"
    else:
        sql = f"select count(*) from outcomes where [{scalar}] = :code"
        href = f"?{scalar}={urllib.parse.quote(code, safe='')}"
    count = (await db.execute(sql, {"code": code})).first()[0]
    item = term((await vocabularies(datasette)).get(table, {}), code)
    return {"label": item["label"], "href": datasette.urls.table(DATABASE, "outcomes") + href, "count": count}


async def session_items(datasette, ids: list[str]) -> list[dict]:
    """The sessions of a list page, in its order, as the list shows them:
    kind by label, event by title, outcomes counted."""
    if not ids:
        return []
    db = datasette.get_database(DATABASE)
    L = language()  # one of LANGUAGES: safe in SQL
    rows = await _all(
        db,
        f"""
        select sessions.id, sessions.title, sessions.date, sessions.start, sessions."end", sessions.room,
          sessions.language, sessions.participants_total, sessions.event_id, sessions.kind,
          session_kinds.label_{L} as kind_label, events.title as event_title,
          (select count(*) from outcomes where outcomes.session_id = sessions.id) as outcomes
        from sessions
          join session_kinds on session_kinds.id = sessions.kind
          join events on events.id = sessions.event_id
        where sessions.id in (select value from json_each(:ids))
        """,
        {"ids": json.dumps(ids)},
    )
    by_id = {row["id"]: row for row in rows}
    return [by_id[id] for id in ids if id in by_id]


async def commitment_filters(datasette) -> dict:
    """The choices of /impegni's filters: statuses and types of actor by
    label (only those some commitment has), owners by name."""
    db = datasette.get_database(DATABASE)
    L = language()  # one of LANGUAGES: safe in SQL
    return {
        "statuses": await _all(db, f"select id, label_{L} as label from statuses order by rowid"),
        "actors": await _all(
            db,
            f"""
            select distinct actor_types.id, actor_types.label_{L} as label
            from outcome_actors
              join outcomes on outcomes.id = outcome_actors.outcome_id and outcomes.type = 'commitment'
              join actor_types on actor_types.id = outcome_actors.actor_type_id
            order by label
            """,
        ),
        "owners": [
            row["owner"]
            for row in await _all(db, "select distinct owner from outcomes where type = 'commitment' and owner is not null order by owner")
        ],
    }


def filter_display(key: str, default: str) -> str:
    """The name of a filter operator (``contains``) in the page's language."""
    entry = MESSAGES.get(f"filter.{key}")
    return entry[language()][0] if entry else default


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

MONTHS = {
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre".split(),
    "en": "January February March April May June July August September October November December".split(),
}


def date_text(value: str | dt.date | None) -> str:
    """``2019-10-15`` -> ``15 ottobre 2019`` (``15 October 2019`` in English)."""
    if not value:
        return ""
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return f"{day.day} {MONTHS[language()][day.month - 1]} {day.year}"


def highlighted(text: str | None, query: str | None) -> Markup:
    """A short text (a title) whole, the words ``query`` matched marked."""
    return marked(search.highlight(text, query, width=10_000))


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["data_it"] = date_text  # the page's language, whatever the name says
    env.filters["marked"] = marked
    env.filters["highlighted"] = highlighted
    # The catalogue everywhere, also in pages Datasette renders without
    # the site's template variables (its default error page).
    env.globals.update(
        t=t, th=th, number=number, column_label=column_label, table_title=table_title,
        filter_display=filter_display, catalogue=MESSAGES, Markup=Markup, overdue=overdue,
        page_language=language, other_language=other_language, lang_attr=lang_attr,
    )  # fmt: skip


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
    L = language()  # one of LANGUAGES: safe in SQL
    outcome = await _one(
        db,
        f"""
        select outcomes.*, outcome_types.label_{L} as type_label, statuses.label_{L} as status_label,
          current.label_{L} as current_status_label,
          sessions.title as session_title, sessions.date as session_date, sessions.start as session_start,
          sessions."end" as session_end, session_kinds.label_{L} as session_kind, sessions.language as language,
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
    L = language()  # one of LANGUAGES: safe in SQL
    return await _all(
        db,
        f"""
        select u.*, statuses.label_{L} as status_label,
          'aggiornamento-' || substr(u.id, length(u.commitment_id) + 3) as anchor
        from commitment_updates as u join statuses on statuses.id = u.status
        where u.commitment_id = :id order by u.date, u.position
        """,
        {"id": outcome_id},
    )


async def session_page(datasette, session_id: str) -> dict | None:
    """A session with its event, facilitators, participants, quotes and outcomes."""
    db = datasette.get_database(DATABASE)
    L = language()  # one of LANGUAGES: safe in SQL
    session = await _one(
        db,
        f"""
        select sessions.*, session_kinds.label_{L} as kind_label, events.title as event_title
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
        f"""
        select actor_types.label_{L} as label, session_participants.count
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
        f"""
        select quotes.text, actor_types.label_{L} as actor
        from quotes join actor_types on actor_types.id = quotes.actor_type_id
        where session_id = :id order by position
        """,
        {"id": session_id},
    )
    session["outcomes"] = await _all(
        db,
        f"""
        select outcomes.id, outcomes.title, outcome_types.label_{L} as type_label
        from outcomes join outcome_types on outcome_types.id = outcomes.type
        where session_id = :id order by position
        """,
        {"id": session_id},
    )
    return session


async def event_page(datasette, event_id: str) -> dict | None:
    """An event with its sessions, in programme order."""
    db = datasette.get_database(DATABASE)
    L = language()  # one of LANGUAGES: safe in SQL
    event = await _one(db, "select * from events where id = :id", {"id": event_id})
    if event is None:
        return None
    event["organisers"] = _codes(event["organisers"])
    event["sessions"] = await _all(
        db,
        f"""
        select sessions.id, sessions.title, sessions.date, sessions.start, sessions."end",
          session_kinds.label_{L} as kind_label,
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
    L = language()  # one of LANGUAGES: safe in SQL
    return await _all(
        db,
        f"""
        select label, coalesce(present, 0) as present, coalesce(registered, 0) as registered from (
          select actor_types.rowid as position, actor_types.label_{L} as label,
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
    L = language()  # one of LANGUAGES: safe in SQL
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
            f"""
            select outcome_types.id, outcome_types.plural_{L} as label, count(outcomes.id) as count
            from outcome_types join outcomes on outcomes.type = outcome_types.id
            group by outcome_types.id order by count desc, label
            """,
        ),
        "goals": await _all(
            db,
            f"""
            select sdg_goals.id, sdg_goals.label_{L} as label, sdg_goals.colour, count(*) as count
            from outcome_sdg_goals join sdg_goals on sdg_goals.id = outcome_sdg_goals.sdg_goal_id
            group by sdg_goals.id order by sdg_goals.id
            """,
        ),
        "countries": await _all(
            db,
            f"""
            select countries.id, countries.label_{L} as label, count(*) as count
            from outcome_countries join countries on countries.id = outcome_countries.country_id
            group by countries.id order by count desc, label limit 12
            """,
        ),
        "events": await _all(
            db, "select id, title, start_date, end_date, city, language from events order by start_date desc, id"
        ),
    }


def public_url(datasette) -> str:
    """The site's public address, ending in ``/``: a fixed setting
    (``public_url`` in the plugin's configuration), never the request's
    Host header, so that absolute links cannot be rewritten by a client."""
    return (config(datasette).get("public_url") or "http://localhost:8001/").rstrip("/") + "/"


def absolute_url(datasette, path: str) -> str:
    return public_url(datasette) + path.lstrip("/")


def citation(datasette, outcome: dict, today: dt.date | None = None) -> str:
    """An APA-like citation of an outcome: who, year, title [type], where it
    came from, its permanent address and the date it was read."""
    return t(
        "page.citation",
        author=t("page.citation_author"),
        year=str(outcome["session_date"])[:4],
        title=outcome["title"],
        type=outcome["type_label"],
        session=outcome["session_title"],
        event=outcome["event_title"],
        city=outcome["event_city"],
        date=date_text(outcome["session_date"]),
        url=absolute_url(datasette, outcome_url(datasette, outcome["id"])),
        accessed=date_text(today or dt.date.today()),
    )


def overdue(due: str | None, status: str | None, today: dt.date | None = None) -> bool:
    """A commitment past its due date and neither done nor dropped."""
    return bool(due) and status not in ("done", "dropped") and str(due) < (today or dt.date.today()).isoformat()


@hookimpl
def extra_template_vars(datasette, request):
    """What every template may use: the catalogue in the page's language,
    and async functions (Jinja awaits them)."""

    async def call(function, *args):
        return await function(datasette, *args)

    other = other_language()
    return {
        "outcome_page": lambda outcome_id: call(outcome_page, outcome_id),
        "session_page": lambda session_id: call(session_page, session_id),
        "event_page": lambda event_id: call(event_page, event_id),
        "library_overview": lambda: call(overview),
        "language_url": path_with_replaced_args(request, {LANG_ARG: other}) if request is not None else f"?{LANG_ARG}={other}",
        "describe_rows": lambda table, filters, search: describe_rows(datasette, table, filters, search, request),
        "value_label": lambda table, column, value: value_label(datasette, table, column, value),
        "vocabulary_outcomes": lambda table, keys: vocabulary_outcomes(datasette, table, keys),
        "commitment_filters": lambda: call(commitment_filters),
        "session_items": lambda ids: call(session_items, ids),
        "absolute_url": lambda path: absolute_url(datasette, path),
        "citation": lambda outcome: citation(datasette, outcome),
        "table_js_messages": {key[len("table.js.") :]: t(key) for key in MESSAGES if key.startswith("table.js.")},
    }


@hookimpl
def handle_exception(datasette, request, exception):
    """Error pages in the page's language (Datasette renders its own
    without the site's template variables); JSON errors stay Datasette's."""
    if request is None or request.path.endswith(".json"):
        return None
    from datasette.utils.asgi import Base400
    from datasette.views.base import DatasetteError

    if isinstance(exception, (Base400, DatasetteError)):
        status, message = exception.status, getattr(exception, "message", None) or exception.args[0]
    else:
        status, message = 500, None  # no internals shown to the reader; logged for the office
        traceback.print_exception(type(exception), exception, exception.__traceback__)

    async def page():
        html = await datasette.render_template(
            ["error.html"], {"ok": False, "error": message, "status": status, "title": None}, request=request
        )
        return Response.html(html, status=status)

    page.outcomes_error_page = True
    return page


@hookimpl(specname="handle_exception", hookwrapper=True)
def only_the_sites_error_page(datasette, request, exception):
    """Datasette awaits every plugin's error page and uses the first; its
    own would still be rendered (and, with ``rich`` installed, fails outside
    an ``except`` block, as for a plain 404): keep only the site's."""
    outcome = yield
    ours = [result for result in outcome.get_result() if getattr(result, "outcomes_error_page", False)]
    if ours:
        outcome.force_result(ours)


# --- CSV for spreadsheets -------------------------------------------------------------

# Columns of ready-made questions holding codes of a vocabulary.
QUERY_CODE_COLUMNS = {"attori": "actor_types"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may evaluate


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet shows as text: one that starts like a formula
    gets an apostrophe in front (as Decidim's open data does); numbers stay."""
    if value.startswith(FORMULA_STARTS):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def _codes_in(value: str) -> list | None:
    """A JSON array of codes or words (``["SN", "MA"]``), else None."""
    if not value.startswith("["):
        return None
    try:
        items = json.loads(value)
    except ValueError:
        return None
    if isinstance(items, list) and all(isinstance(item, (str, int, float)) for item in items):
        return [str(item) for item in items]
    return None


def spreadsheet_csv(text: str, code_columns: dict[str, dict]) -> str:
    """Datasette's CSV made for a spreadsheet: JSON lists as text (``SN; MA``),
    each column of codes followed by their labels (``countries_label``:
    ``Senegal; Marocco``) unless Datasette added one, and no cell that a
    spreadsheet would take for a formula."""
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None:
        return text
    labelled = [column in code_columns and f"{column}_label" not in header for column in header]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    new_header = []
    for column, label in zip(header, labelled):
        new_header += [column, f"{column}_label"] if label else [column]
    writer.writerow(new_header)
    for row in rows:
        cells = []
        for column, value, label in zip(header, row, labelled):
            codes = _codes_in(value)
            cells.append("; ".join(codes) if codes is not None else value)
            if label:
                vocabulary = code_columns[column]
                cells.append("; ".join(term(vocabulary, code)["label"] for code in (codes if codes is not None else [value] if value else [])))
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return out.getvalue()


def _is_csv(scope) -> bool:
    query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return scope["path"].endswith(".csv") or query.get("_format") == ["csv"]


def _csv_for_spreadsheets(datasette, scope, send):
    """Collect a CSV response and send it rewritten by ``spreadsheet_csv``,
    as a download with a byte-order mark (Excel then reads UTF-8)."""
    start = {}
    chunks = []

    async def sending(message):
        if message["type"] == "http.response.start":
            start.update(message)
            if message["status"] != 200:
                start["passthrough"] = True
                await send(message)
            return
        if start.get("passthrough"):
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        tables = await vocabularies(datasette)
        code_columns = {column: tables.get(lookup, {}) for column, lookup in {**array_columns(datasette), **QUERY_CODE_COLUMNS}.items()}
        body = b"\xef\xbb\xbf" + spreadsheet_csv(b"".join(chunks).decode("utf-8"), code_columns).encode("utf-8")
        name = scope["path"].rstrip("/").rsplit("/", 1)[-1].removesuffix(".csv") or DATABASE
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-length", b"content-type", b"content-disposition")]
        headers += [
            (b"content-type", b"text/csv; charset=utf-8"),
            (b"content-disposition", f'attachment; filename="{name}.csv"'.encode("latin-1", "replace")),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return sending


# The dataset's descriptions written beside the database by the build.
OPEN_DATA_FILES = {
    "datapackage.json": "application/json; charset=utf-8",
    "CITATION.cff": "text/yaml; charset=utf-8",
}


@hookimpl
def register_routes(datasette):
    async def open_data(request):
        name = request.url_vars["name"]
        db = datasette.databases.get(DATABASE)
        path = Path(db.path).with_name(name) if db is not None and db.path else None
        if path is None or not path.is_file():
            return Response.text(t("error.404"), status=404)
        return Response(path.read_text("utf-8"), content_type=OPEN_DATA_FILES[name])

    return [(r"^/(?P<name>datapackage\.json|CITATION\.cff)$", open_data)]


READ_METHODS = ("GET", "HEAD", "OPTIONS")


def _with_language_headers(send, lang: str, remember: bool):
    """Responses say their language and that it depends on the cookie; a
    language asked for with ``?_lang=`` is remembered for a year."""

    async def sending(message):
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"vary"]
            vary = [v.decode("latin-1") for k, v in message.get("headers", []) if k.lower() == b"vary"]
            vary = [part.strip() for value in vary for part in value.split(",") if part.strip()]
            headers.append((b"vary", ", ".join(dict.fromkeys([*vary, "Cookie"])).encode("latin-1")))
            headers.append((b"content-language", lang.encode()))
            if remember:
                cookie = f"{LANG_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax"
                headers.append((b"set-cookie", cookie.encode()))
            message = {**message, "headers": headers}
        await send(message)

    return sending


@hookimpl
def asgi_wrapper(datasette):
    """Every request gets its language (``?_lang=``, else the cookie, else
    Italian). The library is read-only: any other method than GET, HEAD and
    OPTIONS is refused before it reaches Datasette (whose read-only canned
    queries answer a POST with an error page)."""

    def wrap(app):
        async def read_only(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            lang, asked = requested_language(scope)
            _language.set(lang)
            send = _with_language_headers(send, lang, asked)
            if _is_csv(scope) and scope["method"] == "GET":
                send = _csv_for_spreadsheets(datasette, scope, send)
            if scope["method"] not in READ_METHODS and DATABASE in datasette.databases:
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
        return absolute_url(datasette, datasette.urls.instance())

    def page(key, request):
        # Read from the request: Datasette may resolve magic parameters in
        # its SQL threads, where the request's context variable is not set.
        if key != "lang":
            raise KeyError(key)
        return requested_language(request.scope)[0]

    return [("site", site), ("page", page)]
