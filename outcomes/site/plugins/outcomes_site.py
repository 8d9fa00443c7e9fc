"""Datasette plugin of the outcomes library.

``outcomes.site`` copies this file into ``build/plugins/`` together with
``outcomes/search.py`` (as ``outcomes_search.py``), so ``datasette build/``
and ``datasette publish --plugins-dir build/plugins`` run it without the
``outcomes`` package. It needs only what a published site installs anyway:
Datasette, snowballstemmer, markdown-it-py and bleach.

What it adds:

- SQL functions for the project's search: ``outcomes_fts_query(q)`` (a typed
  query as a safe, Italian-aware FTS5 query), ``outcomes_snippet(text, q)``
  (an HTML excerpt with ``<mark>``), ``outcomes_tags(q)`` (the vocabulary
  terms a query names by label) and ``outcomes_why(q, ...)`` (why a result
  matched); ``outcomes_markdown(text)`` (sanitised HTML) and
  ``outcomes_time(date, hh:mm)`` (an RFC 3339 time in Italy), for the Atom
  feed. Each reads a bounded input in linear time;
- limits on every connection (value length, heap, no randomblob);
- the search page, ``/outcomes/cerca`` (``search_page``): the canned query
  ``cerca``'s results with the filters and their counts, from one query;
- a ``vocabulary`` facet: a JSON-array facet whose codes are shown by their
  label (``SN`` -> Senegal, ``10`` -> Ridurre le disuguaglianze);
- labels instead of codes in the cells of those columns;
- what the templates need: the outcome, session and event pages, the home
  page's overview, Italian dates;
- the proceedings for download, ``/proceedings/<event-id>.pdf`` (and
  ``.docx``, ``.en.pdf``...), from the ``proceedings/`` folder of the
  build, linked from the event page; never an internal edition;
- the magic parameter ``:_site_url`` (the site's public address,
  ``public_url``) for permalinks in the feed;
- a guard in front of Datasette: a request other than GET, HEAD or OPTIONS
  gets 405, Datasette's debug pages under ``/-/`` 404, and every request is
  seen as made to ``public_url``, whatever its Host header.
"""

from __future__ import annotations

import asyncio
import contextvars
import csv
import io
import datetime as dt
import functools
import http.cookies
import importlib.util
import json
import os
import re
import sqlite3
import sys
import threading
import time
import traceback
import urllib.parse
import weakref
import zoneinfo
from pathlib import Path

import bleach
import yaml
from datasette import Forbidden, Response, __version__ as datasette_version, hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import ArrayFacet
from datasette.utils import (
    await_me_maybe,
    call_with_supported_arguments,
    path_with_format,
    path_with_removed_args,
    path_with_replaced_args,
    tilde_decode,
    tilde_encode,
)
from datasette.views.base import DatasetteError
from markdown_it import MarkdownIt
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
    file in a build, ``outcomes/common/messages/site.yaml`` in the package."""
    here = Path(__file__)
    for path in (here.with_name("outcomes_site_messages.yaml"), here.parents[2] / "common" / "messages" / "site.yaml"):
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


def t(key: str, count: int | None = None, default: str | None = None, lang: str | None = None, **values) -> str:
    """The catalogue's text for ``key`` in the page's language (or ``lang``),
    its ``{placeholders}`` filled in; with ``count``, the singular or plural."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key if default is None else default
    text = entry[lang or language()]
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

# What Markdown may become: no images (a visitor's browser would fetch
# whatever host a note names: they become links), no raw HTML (shown as text).
MARKDOWN_TAGS = [
    "a", "abbr", "acronym", "b", "blockquote", "br", "code", "em", "i", "li", "ol",
    "strong", "ul", "pre", "p", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
]  # fmt: skip
# Characters of Markdown rendered by the SQL function (the feed's entries);
# markdown-it and bleach take linear time, so this bounds a call.
MARKDOWN_FUNCTION_CHARS = 10_000
# ... and on a page (an outcome's or session's whole text).
MARKDOWN_PAGE_CHARS = 200_000


def _image_as_link(renderer, tokens, index, options, env):
    """An image in a note is a link to it, never loaded by the page."""
    token = tokens[index]
    alt = token.content or token.attrGet("src")
    return f'<a href="{escape(token.attrGet("src") or "")}">{escape(alt)}</a>'


_markdown = MarkdownIt("commonmark", {"html": False})
_markdown.add_render_rule("image", _image_as_link)
# Every link is kept for bleach to judge: one with a refused scheme
# (javascript:...) keeps its text and loses its address.
_markdown.validateLink = lambda url: True


def markdown_html(text: str | None, limit: int = MARKDOWN_PAGE_CHARS) -> str:
    """Markdown as HTML that is safe to show: raw HTML is escaped, links keep
    only http(s) and mailto, images become links. Linear in the text, of
    which the first ``limit`` characters are read (``…`` marks a cut)."""
    text = text or ""
    if len(text) > limit:
        text = text[:limit] + " …"
    html = _markdown.render(text)
    return bleach.clean(html, tags=MARKDOWN_TAGS, attributes={"a": ["href", "title"]}, strip=False)


def markdown_function(text: str | None) -> str:
    return markdown_html(text if isinstance(text, str) else None, MARKDOWN_FUNCTION_CHARS)


_MARK_TAG = re.compile(r"<(/?)mark>|<[^<>]*>|[<>]")


def marked(html: str | None) -> Markup:
    """An excerpt from ``outcomes_snippet`` as HTML: only ``<mark>`` survives,
    whatever the value (a SQL query may return anything in that column):
    other tags are dropped, stray angle brackets escaped. One linear pass."""

    def keep(match: re.Match) -> str:
        if match.group(0) in ("<mark>", "</mark>"):
            return match.group(0)
        return "&lt;" if match.group(0) == "<" else "&gt;" if match.group(0) == ">" else ""

    return Markup(_MARK_TAG.sub(keep, str(html or "")[: 2 * search.EXCERPT_SOURCE]))


ITALY = zoneinfo.ZoneInfo("Europe/Rome")


def italian_time(date: str | None, hhmm: str | None) -> str | None:
    """``2019-10-15``, ``17:00`` -> ``2019-10-15T17:00:00+02:00``: a local
    time in Italy with its offset, summer time included."""
    if not date:
        return None
    try:
        local = dt.datetime.fromisoformat(f"{str(date)[:10]}T{str(hhmm or '00:00')[:5]}").replace(tzinfo=ITALY)
    except ValueError:
        return None
    return local.isoformat(timespec="seconds")


def _text(value, limit: int) -> str | None:
    """A SQL argument as text of at most ``limit`` characters: every
    function reads a bounded input, whatever a query passes it."""
    return value[:limit] if isinstance(value, str) else None


# The precomputed vocabulary of the full-text indexes (store.py).
VOCABULARY_TABLE = "search_terms"
# What a result's reason calls each kind of term a query can name by label
# (the outcomes column holding its codes: their lookup tables are the plugin
# config's "vocabularies").
# Limits of every connection to the site's databases: no value longer than
# any text a note may hold (a note is at most 2 MB), short SQL, shallow
# expressions; randomblob() and zeroblob() refused (they exist to make big
# values). SQLite's own heap is capped for the whole process.
SQL_LIMITS = {
    "SQLITE_LIMIT_LENGTH": 2_500_000,
    "SQLITE_LIMIT_SQL_LENGTH": 100_000,
    "SQLITE_LIMIT_EXPR_DEPTH": 200,
    "SQLITE_LIMIT_COMPOUND_SELECT": 100,
    "SQLITE_LIMIT_LIKE_PATTERN_LENGTH": 1_000,
    "SQLITE_LIMIT_VARIABLE_NUMBER": 250,
    "SQLITE_LIMIT_FUNCTION_ARG": 20,
}
HEAP_LIMIT = 512 * 1024 * 1024
REFUSED_FUNCTIONS = frozenset({"randomblob", "zeroblob"})


def _authorizer(action, arg1, arg2, database, trigger):
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in REFUSED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def limit_connection(conn) -> None:
    for name, value in SQL_LIMITS.items():
        if hasattr(conn, "setlimit"):  # Python 3.11+
            conn.setlimit(getattr(sqlite3, name), value)
    conn.execute(f"PRAGMA hard_heap_limit = {HEAP_LIMIT}")
    conn.set_authorizer(_authorizer)


class SearchFunctions:
    """The search's SQL functions on one connection of the database: they
    read its precomputed vocabulary and its lookup tables (immutable, so
    their answers are remembered per query)."""

    def __init__(self, conn, lookups: dict[str, str]):
        self.conn, self.lookups = conn, lookups
        self.vocabulary = search.Vocabulary(conn, VOCABULARY_TABLE)
        self._labels = None
        self.plan = functools.lru_cache(maxsize=256)(self._plan)

    def _plan(self, query: str | None, exact: bool = False) -> search.Plan:
        return search.plan(query, self.vocabulary, exact)

    @property
    def labels(self) -> search.Labels:
        if self._labels is None:
            self._labels = search.Labels(
                search.Label(kind, str(code), label_it, label_en)
                for kind, table in self.lookups.items()
                for code, label_it, label_en in self.conn.execute(f"select id, label_it, label_en from [{table}]")
            )
        return self._labels

    def fts_query(self, query) -> str:
        return self.plan(_text(query, search.QUERY_CHARS)).fts

    def fts_exact(self, query) -> str:
        """The query for the words as typed (prefixes as for ``fts_query``)."""
        return self.plan(_text(query, search.QUERY_CHARS), True).fts

    def capped(self, query) -> str:
        return json.dumps(self.plan(_text(query, search.QUERY_CHARS)).capped)

    def tags(self, query) -> str:
        return json.dumps(self.labels.codes(_text(query, search.QUERY_CHARS)), separators=(",", ":"))

    def inputs(self, query) -> dict[str, str]:
        """The values of ``search.PARAMETERS``: what the functions above make of ``query``."""
        values = search.Inputs(self.fts_query(query), self.fts_exact(query), self.tags(query), self.capped(query))
        return {name.removeprefix(":"): value for name, value in zip(search.PARAMETERS, values)}

    def why(self, query, lang, text_matched, *columns) -> str:
        return why(self.labels, self.lookups, query, lang, text_matched, columns)


def why(labels: search.Labels, lookups: dict[str, str], query, lang, text_matched, columns) -> str:
    """Why a result matched, in ``lang`` (the page's): its text, and the
    vocabulary terms the query named that it is tagged with, by label in
    ``lang`` and then in the other language (``Tema: Rimesse
    (Remittances)``); ``columns`` are its JSON arrays of codes of each kind
    of ``lookups``, in that order."""
    lang = lang if lang in LANGUAGES else LANGUAGES[0]
    other = LANGUAGES[1 - LANGUAGES.index(lang)]
    reasons = [t("search.why_text", lang=lang)] if text_matched else []
    named = labels.named(_text(query, search.QUERY_CHARS))
    if named and columns:
        held = {}
        for kind, value in zip(lookups, columns):
            try:
                held[kind] = {str(code) for code in json.loads(_text(value, 10_000) or "[]")}
            except (ValueError, TypeError):
                held[kind] = set()
        for label in named:
            if label.code in held.get(label.kind, ()):
                code = f" {label.code}" if label.code[:1].isdigit() else ""
                names = {"it": label.label_it, "en": label.label_en}
                reasons.append(f"{t('search.kind.' + label.kind, lang=lang)}{code}: {names[lang]} ({names[other]})")
    return "; ".join(reasons)


# Each connection's SearchFunctions, by the connection's id (a connection
# takes no weak reference). They live as long as the connection that holds
# them as its SQL functions, and keep it: an id is never another's.
_functions: weakref.WeakValueDictionary[int, SearchFunctions] = weakref.WeakValueDictionary()


def search_functions(conn, lookups: dict[str, str]) -> SearchFunctions:
    """The connection's SearchFunctions (new ones if it has none)."""
    functions = _functions.get(id(conn))
    return functions if functions is not None and functions.conn is conn else SearchFunctions(conn, lookups)


def search_lookups(datasette) -> dict[str, str]:
    """The columns outcomes_why() is given, in this order, and their lookup tables."""
    return {kind: array_columns(datasette)[kind] for kind in search.TAGS}


def snippet(text, query) -> str:
    return search.highlight(_text(text, search.EXCERPT_SOURCE), _text(query, search.QUERY_CHARS))


@hookimpl
def prepare_connection(conn, database, datasette):
    limit_connection(conn)
    if database == DATABASE:
        functions = SearchFunctions(conn, search_lookups(datasette))
        _functions[id(conn)] = functions
        for name, arity, function in (
            ("outcomes_fts_query", 1, functions.fts_query),
            ("outcomes_fts_exact", 1, functions.fts_exact),
            ("outcomes_search_capped", 1, functions.capped),
            ("outcomes_tags", 1, functions.tags),
            ("outcomes_why", -1, functions.why),
        ):
            conn.create_function(name, arity, function, deterministic=True)
    for name, arity, function in (
        ("outcomes_snippet", 2, snippet),
        ("outcomes_markdown", 1, markdown_function),
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


def markdown_columns(datasette) -> dict[str, list[str]]:
    return config(datasette).get("markdown") or {}


@hookimpl
def render_cell(value, column, table, database, datasette):
    if database != DATABASE:
        return None
    if table and column in markdown_columns(datasette).get(table, ()) and isinstance(value, str):
        return Markup(markdown_html(value))
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


# --- The proceedings, for download ------------------------------------------------

# The public editions of outcomes.proceedings: <event-id>[.<lang>].<pdf|docx>.
# An internal edition (-interno) is never served, whatever the folder holds.
EDITION = re.compile(r"^(?P<event>[a-z0-9]+(?:-[a-z0-9]+)*)(?:\.(?P<lang>[a-z]{2}))?\.(?P<format>pdf|docx)$")
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
    kind = EDITION.match(path.name)["format"]
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
    for path in sorted(folder.glob(f"{event_id}.*")):
        match = EDITION.match(path.name)
        if match and match["event"] == event_id:
            found.append({
                "url": datasette.urls.path(f"/proceedings/{path.name}"),
                "format": FORMATS[match["format"]],
                "language": t(f"event.edition_{match['lang']}", default=match["lang"]) if match["lang"] else "",
                "size": _size(path.stat().st_size),
                "order": (match["lang"] or "", match["format"] != "pdf"),
            })
    return sorted(found, key=lambda item: item["order"])


def _size(count: int) -> str:
    """``1,0 MB`` (``1.0 MB`` in English), ``158 kB``."""
    if count >= 1_000_000:
        text = f"{count / 1_000_000:.1f} MB"
        return text.replace(".", ",") if language() == "it" else text
    return f"{max(1, round(count / 1000))} kB"


async def event_page(datasette, event_id: str) -> dict | None:
    """An event with its sessions, in programme order, and its proceedings."""
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
    event["downloads"] = await downloads(datasette, event_id)
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


# A local preview (``outcomes serve``, the tests' servers) names its own address here.
PUBLIC_URL_VARIABLE = "OUTCOMES_PUBLIC_URL"


def public_url(datasette) -> str:
    """The site's public address, ending in ``/``: a fixed setting
    (``public_url`` in the plugin's configuration), never the request's
    Host header, so that absolute links cannot be rewritten by a client."""
    url = os.environ.get(PUBLIC_URL_VARIABLE) or config(datasette).get("public_url") or "http://localhost:8001/"
    return url.rstrip("/") + "/"


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


# The search page's filters: URL parameter -> the column of outcomes it
# filters, which names it (plugin config "labels") and whose lookup table
# labels its values (plugin config "vocabularies", and these).
SEARCH_FILTERS = {
    "tipo": "type", "goal": "sdg_goals", "target": "sdg_targets", "gcm": "gcm_objectives", "paese": "countries",
    "attore": "actors", "tema": "themes", "evento": "event_id", "anno": "year", "stato": "current_status",
}
COLUMN_LOOKUPS = {"type": "outcome_types", "current_status": "statuses"}
# Values of each filter shown (the most frequent; a chosen one always).
FILTER_VALUES_SHOWN = 12
_event_titles: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def event_titles(datasette) -> dict[str, str]:
    """Event id -> title, read once: the database is immutable."""
    if datasette not in _event_titles:
        db = datasette.get_database(DATABASE)
        _event_titles[datasette] = {row["id"]: row["title"] for row in await _all(db, "select id, title from events")}
    return _event_titles[datasette]


# How many words, forms or prefixed words a cap of the search (search.plan) keeps.
CAP_LIMITS = {"terms": search.MAX_TERMS, "forms": search.MAX_FORMS, "prefix": search.MAX_PREFIX_WORDS}


def search_url(datasette, values: dict, **changes) -> str:
    """The search page with ``values`` (q and filters), changed by ``changes``
    (a value of None removes a parameter)."""
    params = {**{k: v for k, v in values.items() if v}, **changes}
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v})
    return datasette.urls.database(DATABASE) + "/cerca" + ("?" + query if query else "")


async def search_details(datasette, values: dict, rows: list[tuple]) -> dict:
    """What the search page shows beside its results, from the rows
    ``(filtro, valore, n)`` of its query that count (``search.page_sql``):
    how many were found (and whether a cap was reached), the caps of the
    query, and each filter's values with their counts, links and labels."""
    values = {key: str(values.get(key) or "").strip() for key in ("q", *search.FILTER_PARAMS)}
    totals = {valore: n for filtro, valore, n in rows if filtro == "_totale"}
    counted = search.count_facets(valore or "" for filtro, valore, n in rows if filtro == "_valori")
    notes = []
    for cap in json.loads(next((valore for filtro, valore, n in rows if filtro == "_limiti"), "[]")):
        kind, _, word = cap.partition(":")
        notes.append(t(f"search.cap.{kind}", word=word, limit=CAP_LIMITS[kind]))
    if totals.get("limite"):
        notes.append(t("search.cap.pool", pool=number(search.POOL)))
    tables = await vocabularies(datasette)
    events = await event_titles(datasette)
    facets = []
    lookups = {**array_columns(datasette), **COLUMN_LOOKUPS}
    for param, column in SEARCH_FILTERS.items():
        lookup = lookups.get(column)
        selected = values[param]
        counts = sorted(counted.get(param, {}).items(), key=lambda item: (-item[1], item[0]))
        shown = [item for position, item in enumerate(counts) if position < FILTER_VALUES_SHOWN or item[0] == selected]
        items = []
        for value, count in shown:
            if lookup:
                label = term(tables.get(lookup, {}), value)["label"]
                label = f"{value} · {short(label, 60)}" if coded(value) else label
                lang = language()
            elif param == "evento":
                label, lang = events.get(value, value), "it"  # an event's title, as the notes give it
            else:
                label, lang = value, language()
            items.append(
                {
                    "value": value, "label": label, "lang": lang, "count": count, "selected": value == selected,
                    "url": search_url(datasette, values, **{param: None if value == selected else value}),
                }
            )
        if selected and not any(item["selected"] for item in items):
            items.insert(0, {"value": selected, "label": selected, "lang": language(), "count": 0, "selected": True,
                             "url": search_url(datasette, values, **{param: None})})
        facets.append({"param": param, "name": column_label(column), "values": items, "selected": selected})
    return {
        "outcomes": totals.get("esiti", 0),
        "sessions": totals.get("sessioni", 0),
        "notes": notes,
        "facets": facets,
        "filtered": any(values[param] for param in search.FILTER_PARAMS),
        "clear_url": search_url(datasette, {"q": values["q"]}),
    }


SEARCH_QUERY = "cerca"  # the canned query of the search page
_labels: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_synchronous: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def synchronous_templates(datasette):
    """Datasette's template environment (its loader, filters and globals),
    without async: a template that calls no async function renders three
    times faster so, and the search page's results are a thousand small
    expressions. A cache of its own: Datasette's holds async code."""
    if datasette not in _synchronous:
        _synchronous[datasette] = datasette.jinja_env.overlay(enable_async=False, cache_size=50)
    return _synchronous[datasette]


class Interruptible:
    """A query limited to ``seconds`` of running, interrupted
    (``sqlite3_interrupt``) from the event loop ``loop`` when they are
    spent: counted from when it starts, not from when it waited for a free
    SQL thread, and never once it has ended (its connection moves on)."""

    def __init__(self, seconds: float, loop: asyncio.AbstractEventLoop):
        self.seconds, self.loop = seconds, loop
        self.lock = threading.Lock()
        self.conn, self.started, self.done = None, None, False
        self.timer = loop.call_later(seconds, self.check)

    def start(self, conn) -> None:
        with self.lock:
            self.conn, self.started = conn, time.monotonic()

    def end(self) -> None:
        with self.lock:
            self.done = True

    def check(self) -> None:
        with self.lock:
            if self.done:
                return
            left = self.seconds if self.started is None else self.started + self.seconds - time.monotonic()
            if left <= 0:
                self.conn.interrupt()
                return
        self.timer = self.loop.call_later(left, self.check)

    def cancel(self) -> None:
        self.timer.cancel()


async def execute_search(datasette, sql: str, params: dict) -> list[sqlite3.Row]:
    """The rows of the search's ``sql`` on the site's database, given the
    values of ``search.PARAMETERS`` for ``params["q"]`` (computed in the SQL
    thread, which has the vocabulary at hand), within Datasette's
    ``sql_time_limit_ms`` (``QueryInterrupted`` beyond it, as Datasette
    raises).

    The limit is kept by interrupting the query from the event loop when it
    is reached (``Interruptible``). Datasette keeps it by calling a Python
    function every 1,000 SQLite instructions (about 0.1 ms), and each call
    must take the interpreter's lock: under load it waits for it behind the
    pages being rendered, and a query of 15 ms spends most of its time
    queueing."""
    lookups = search_lookups(datasette)
    query = Interruptible(datasette.setting("sql_time_limit_ms") / 1000, asyncio.get_running_loop())

    def run(conn):
        query.start(conn)
        try:
            return conn.execute(sql, {**params, **search_functions(conn, lookups).inputs(params["q"])}).fetchall()
        except sqlite3.OperationalError as error:
            if error.args == ("interrupted",):
                raise QueryInterrupted(error, sql, params) from None
            raise
        finally:
            query.end()

    try:
        return await datasette.get_database(DATABASE).execute_fn(run)
    finally:
        query.cancel()


async def search_labels(datasette) -> search.Labels:
    """The vocabulary labels a query may name, as the SQL functions read
    them (once: the database is immutable)."""
    if datasette not in _labels:
        lookups = search_lookups(datasette)
        db = datasette.get_database(DATABASE)
        _labels[datasette] = await db.execute_fn(lambda conn: SearchFunctions(conn, lookups).labels)
    return _labels[datasette]


async def search_results(datasette, results: list[list], query: str) -> list[dict]:
    """The results of ``search.page_sql`` as the canned query gives them
    (``search.RESULT_COLUMNS``), best first: each with its excerpt and its
    reason, made here."""
    labels, lookups, lang = await search_labels(datasette), search_lookups(datasette), language()
    rows = []
    for position, *values in sorted(results, key=lambda result: result[0]):
        row = dict(zip(search.RESULT_COLUMNS, values))
        matched, *columns = row["perche"]
        row["estratto"] = snippet(row["estratto"], query)
        row["perche"] = why(labels, lookups, query, lang, matched, columns)
        rows.append(row)
    return rows


async def search_renderers(datasette, request, rows, canned: dict) -> dict[str, str]:
    """The other formats of the search page's results (``json``...) and
    their addresses, as Datasette's query view lists them."""
    renderers = {}
    for name, (_, can_render) in datasette.renderers.items():
        if await await_me_maybe(
            call_with_supported_arguments(
                can_render, datasette=datasette, columns=list(search.RESULT_COLUMNS), rows=rows,
                sql=canned.get("sql"), query_name=SEARCH_QUERY, database=DATABASE, table=None,
                request=request, view_name="database",
            )
        ):
            renderers[name] = datasette.urls.path(path_with_format(request=request, format=name))
    return renderers


async def search_page(datasette, request):
    """The search page, ``/outcomes/cerca``: the canned query ``cerca`` as
    HTML, with its filters and counts. Served here rather than by Datasette's
    query view, which renders every cell of the results through every
    plugin's ``render_cell`` (700 cells, none of them shown: the template
    writes its own), and would need a second query for the counts, finding
    everything again (``search.page_sql`` gives both at once). The results
    are those of the canned query, which answers ``cerca.json`` and
    ``cerca.csv``."""
    visible, _ = await datasette.check_visibility(
        request.actor,
        permissions=[("view-query", (DATABASE, SEARCH_QUERY)), ("view-database", DATABASE), "view-instance"],
    )
    if not visible:
        raise Forbidden("You do not have permission to view this query")
    canned = await datasette.get_canned_query(DATABASE, SEARCH_QUERY, request.actor) or {}
    # As the canned query reads them (results alike in HTML, JSON and CSV).
    named = {name: request.args.get(name) or "" for name in ("q", *search.FILTER_PARAMS)}
    rows, details, error, query_ms = [], None, None, 0.0
    if any(value.strip() for value in named.values()):
        started = time.perf_counter()
        try:
            found = await execute_search(datasette, search.page_sql(), {**named, "_page_lang": language()})
        except QueryInterrupted as interrupted:
            raise DatasetteError(str(escape(interrupted.sql)), title="SQL Interrupted", status=400) from None
        except sqlite3.DatabaseError as failed:
            error = str(failed)
        else:
            query_ms = (time.perf_counter() - started) * 1000
            results, counts = (json.loads(value) for value in found[0])
            rows = await search_results(datasette, results, named["q"])
            details = await search_details(datasette, named, counts)
    renderers = await search_renderers(datasette, request, rows, canned)
    url_csv = datasette.urls.path(path_with_format(request=request, format="csv", extra_qs={"_size": "max"}))
    results_html = None
    if details:
        results_html = Markup(
            synchronous_templates(datasette).get_template("_search_results.html").render(
                q=named["q"].strip(), details=details, rows=rows, database=DATABASE,
                renderers=renderers, url_csv=url_csv, urls=datasette.urls,
            )
        )
    json_url = datasette.absolute_url(request, datasette.urls.path(path_with_format(request=request, format="json")))
    context = {
        "database": DATABASE,
        "canned_query": SEARCH_QUERY,
        "metadata": canned,
        "named_parameter_values": named,
        "rows": rows,
        "details": details,
        "error": error,
        "results_html": results_html,
        "renderers": renderers,
        "url_csv": url_csv,
        "alternate_url_json": json_url,
        "query_ms": query_ms,
        "datasette_version": datasette_version,
        "settings": datasette.settings_dict(),
    }
    html = await datasette.render_template(
        [f"query-{DATABASE}-{SEARCH_QUERY}.html"], context, request=request, view_name="database"
    )
    headers = {"Link": f'{json_url}; rel="alternate"; type="application/json+datasette"', "Referrer-Policy": "no-referrer"}
    if datasette.cache_headers and not error:
        ttl = int(datasette.setting("default_cache_ttl"))
        headers["Cache-Control"] = f"max-age={ttl}" if ttl else "no-cache"
    return Response.html(html, status=400 if error else 200, headers=headers)


@hookimpl(trylast=True)
def extra_template_vars(datasette, request):
    """What every template may use: the catalogue in the page's language,
    async functions (Jinja awaits them), and ``render_markdown`` (images as
    links). Called last, so that no other plugin's function of that name
    takes its place."""

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
        "render_markdown": lambda text: Markup(markdown_html(text)),
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


def spreadsheet_csv(text: str, code_columns: dict[str, dict], foreign_keys: dict[str, dict] | None = None) -> str:
    """Datasette's CSV made for a spreadsheet: JSON lists as text (``SN; MA``),
    each column of codes followed by their labels (``countries_label``:
    ``Senegal; Marocco``) unless Datasette added one, and no cell that a
    spreadsheet would take for a formula. The labels Datasette adds for
    ``foreign_keys`` into a vocabulary (``type_label``: its ``label_it``)
    are given in the page's language."""
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None:
        return text
    labelled = [column in code_columns and f"{column}_label" not in header for column in header]
    # Position of a label column Datasette added -> (position of its code, vocabulary).
    relabelled = {
        header.index(f"{column}_label"): (header.index(column), vocabulary)
        for column, vocabulary in (foreign_keys or {}).items()
        if column in header and f"{column}_label" in header
    }
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    new_header = []
    for column, label in zip(header, labelled):
        new_header += [column, f"{column}_label"] if label else [column]
    writer.writerow(new_header)
    for row in rows:
        for position, (code, vocabulary) in relabelled.items():
            if position < len(row) and code < len(row) and row[code]:
                row[position] = term(vocabulary, row[code])["label"]
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


async def _vocabulary_keys(datasette, table: str, header: list[str]) -> dict[str, dict]:
    """The columns of ``header`` that are foreign keys of ``table`` into a
    vocabulary, with that vocabulary (none for a query's CSV)."""
    tables = await vocabularies(datasette)
    found = {}
    for column in header:
        lookup = await lookup_of(datasette, table, column)
        if lookup:
            found[column] = tables[lookup]
    return found


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
        name = scope["path"].rstrip("/").rsplit("/", 1)[-1].removesuffix(".csv") or DATABASE
        text = b"".join(chunks).decode("utf-8")
        foreign_keys = await _vocabulary_keys(datasette, tilde_decode(name), next(csv.reader(io.StringIO(text)), []))
        body = b"\xef\xbb\xbf" + spreadsheet_csv(text, code_columns, foreign_keys).encode("utf-8")
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-length", b"content-type", b"content-disposition")]
        headers += [
            (b"content-type", b"text/csv; charset=utf-8"),
            (b"content-disposition", f'attachment; filename="{name}.csv"'.encode("latin-1", "replace")),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return sending


# The dataset's descriptions written by the build beside the database and
# into static/ (what an image made by `datasette package` carries).
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


@hookimpl
def register_routes(datasette):
    async def open_data(request):
        name = request.url_vars["name"]
        path = open_data_file(datasette, name)
        if path is None:
            return Response.text(t("error.404"), status=404)
        return Response(path.read_text("utf-8"), content_type=OPEN_DATA_FILES[name])

    async def search(request):
        return await search_page(datasette, request)

    return [
        (rf"^/{DATABASE}/{SEARCH_QUERY}$", search),  # the search page; its JSON and CSV stay Datasette's
        (r"^/(?P<name>datapackage\.json|CITATION\.cff)$", open_data),
        (r"^/proceedings/(?P<name>[^/]+)$", proceedings_file),  # the proceedings, for download
    ]


READ_METHODS = ("GET", "HEAD", "OPTIONS")
# Datasette's pages under /-/ are for whoever runs it (threads, versions,
# plugins, settings, databases, actor, messages, permissions...): on the
# public site only its static files answer.
PUBLIC_DASH = ("/-/static/", "/-/static-plugins/")


def _refuse(status: int, text: str, headers: list | None = None):
    async def send_it(send):
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*(headers or []), (b"content-type", b"text/plain; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": text.encode()})

    return send_it


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
    queries answer a POST with an error page). Datasette's debug pages are
    not served. Every request is seen as made to the site's public address
    (``public_url``), so the Host header a client sends changes no absolute
    link (and no cached page)."""

    def wrap(app):
        async def public(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            lang, asked = requested_language(scope)
            _language.set(lang)
            send = _with_language_headers(send, lang, asked)
            if _is_csv(scope) and scope["method"] == "GET":
                send = _csv_for_spreadsheets(datasette, scope, send)
            if DATABASE not in datasette.databases:
                return await app(scope, receive, send)
            if scope["method"] not in READ_METHODS:
                allow = [(b"allow", ", ".join(READ_METHODS).encode())]
                await _refuse(405, t("error.405", lang=lang) + "\n", allow)(send)
                return
            path = scope.get("path", "")
            if path.startswith("/-/") and not path.startswith(PUBLIC_DASH):
                await _refuse(404, t("error.404", lang=lang) + "\n")(send)
                return
            address = urllib.parse.urlsplit(public_url(datasette))
            headers = [(key, value) for key, value in scope["headers"] if key != b"host"]
            scope = {**scope, "scheme": address.scheme, "headers": [(b"host", address.netloc.encode()), *headers]}
            await app(scope, receive, send)

        return public

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
