"""SQL: the limits of every connection, and the functions the site's
queries call: the search's (``outcomes_fts_query``, ``outcomes_snippet``,
``outcomes_tags``, ``outcomes_why``...), ``outcomes_markdown`` and
``outcomes_time`` for the Atom feeds. Each reads a bounded input in linear
time. Also the excerpts' HTML, where only ``<mark>`` survives."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import sqlite3
import weakref
import zoneinfo

from markupsafe import Markup

from . import builtins, markdown, search
from .base import DATABASE, array_columns
from .language import LANGUAGES, lang_attr, t

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
# printf, format, trim, ltrim, rtrim and instr bounded, in SQLite's place.
BOUNDED_BUILTINS = builtins.Builtins(SQL_LIMITS["SQLITE_LIMIT_LENGTH"])
REFUSED_FUNCTIONS = frozenset({"randomblob", "zeroblob"})
# The pragmas Datasette's pages read (logged over the test suite) or set on
# its connections; any other is refused, also one that slips through
# Datasette's filter of ?sql= (which skips lines starting with ``--``,
# even inside a string literal): compile options, integrity check...
ALLOWED_PRAGMAS = frozenset({
    "table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list", "database_list",
    "schema_version", "data_version", "cache_size", "query_only",
})  # fmt: skip


def _authorizer(action, arg1, arg2, database, trigger):
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in REFUSED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() not in ALLOWED_PRAGMAS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def limit_connection(conn) -> None:
    for name, value in SQL_LIMITS.items():
        if hasattr(conn, "setlimit"):  # Python 3.11+
            conn.setlimit(getattr(sqlite3, name), value)
    conn.execute(f"PRAGMA hard_heap_limit = {HEAP_LIMIT}")
    conn.set_authorizer(_authorizer)
    BOUNDED_BUILTINS.register(conn)


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
    return why_text(why_parts(labels, lookups, query, lang, text_matched, columns))


def why_parts(labels: search.Labels, lookups: dict[str, str], query, lang, text_matched, columns) -> list[tuple[str, str, str]]:
    """The reasons of ``why``, each as its words in ``lang``, the label in
    the other language and that language ("" for the text's reason)."""
    lang = lang if lang in LANGUAGES else LANGUAGES[0]
    other = LANGUAGES[1 - LANGUAGES.index(lang)]
    reasons = [(t("search.why_text", lang=lang), "", "")] if text_matched else []
    named = labels.every(_text(query, search.QUERY_CHARS))
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
                reasons.append((f"{t('search.kind.' + label.kind, lang=lang)}{code}: {names[lang]}", names[other], other))
    return reasons


def why_text(parts: list[tuple[str, str, str]]) -> str:
    """The reasons as plain text (JSON, CSV)."""
    return "; ".join(f"{words} ({label})" if label else words for words, label, _ in parts)


def why_markup(parts: list[tuple[str, str, str]]) -> Markup:
    """The reasons for the page: each label in the other language marked as
    such (WCAG 3.1.2, ``Rimesse (<span lang="en">Remittances</span>)``)."""
    return Markup("; ").join(
        Markup("{} (<span{}>{}</span>)").format(words, lang_attr(label_lang), label) if label else Markup.escape(words)
        for words, label, label_lang in parts
    )


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


def highlighted(text: str | None, query: str | None) -> Markup:
    """A short text (a title) whole, the words ``query`` matched marked."""
    return marked(search.highlight(text, query, width=10_000))


def add_functions(conn, database: str, datasette) -> None:
    """The limits, and the functions of the site's queries; the search's
    only on the site's database, whose vocabulary they read."""
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
        ("outcomes_markdown", 1, markdown.markdown_function),
        ("outcomes_time", 2, italian_time),
    ):
        conn.create_function(name, arity, function, deterministic=True)
