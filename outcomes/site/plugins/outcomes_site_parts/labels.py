"""Vocabularies: codes shown by their labels in the page's language, in
facets (the ``vocabulary`` facet), in cells (with links to their outcomes)
and in the descriptions of filtered tables; the page of a vocabulary's term."""

from __future__ import annotations

import json
import urllib.parse
import weakref

from datasette.facets import ArrayFacet
from datasette.utils import path_with_removed_args, tilde_encode
from markupsafe import Markup, escape

from . import markdown, text
from .base import DATABASE, array_columns, markdown_columns, one_row, outcome_url
from .language import LANGUAGES, column_label, lang_attr, language, t
from .sql import marked

_vocabularies: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


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


# The notes' own words, in the note's language (proper names aside, which
# WCAG 3.1.2 leaves unmarked): columns of the notes' tables (those with
# Markdown columns) by these names.
NOTES_WORDS = ("title", "subtitle", "text", "summary", "description")


def cell(value, column, table, datasette, row=None):
    """A cell of the site's database as the site shows it (None: as Datasette
    does). Text in another language than the page's says its language
    (WCAG 3.1.2): the notes' words on an English page, a vocabulary's
    ``label_en`` on an Italian one."""
    notes = markdown_columns(datasette)  # the notes' tables, and their Markdown columns
    shown = _cell(value, column, table, datasette, notes)
    if not isinstance(value, str) or not value or not table:
        return shown
    if table in notes and column in NOTES_WORDS:
        attr = lang_attr(_row_language(row))
    elif column.startswith("label_") and column[6:] in LANGUAGES:
        attr = lang_attr(column[6:])
    else:
        return shown
    if not attr:  # the page's language
        return shown
    tag = "div" if column in notes.get(table, ()) else "span"
    return Markup("<{0}{1}>{2}</{0}>").format(tag, attr, shown if shown is not None else value)


def _row_language(row) -> str:
    """A note's language: its row's ``language`` (events, sessions), else the notes' default."""
    try:
        written_in = row["language"] if row is not None else None
    except (IndexError, KeyError):
        written_in = None
    return written_in if written_in in LANGUAGES else LANGUAGES[0]


def _cell(value, column, table, datasette, notes: dict[str, list[str]]):
    if table and column in notes.get(table, ()) and isinstance(value, str):
        return Markup(markdown.markdown_html(value))
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
        row = await one_row(datasette.get_database(DATABASE), f"select title from {other} where id = :id", {"id": value})
        return row["title"] if row else str(value)
    return str(value)


async def describe_rows(datasette, table: str, filters, search: str | None, request) -> str:
    """Datasette's "where type = ..." in the page's language, values by label."""
    clauses = []
    for column, lookup, value in filters.selections():
        entry = text.catalogue().get(f"filter.{lookup}")
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
        shown = item["id"] if coded(item["id"]) else item["label"]
        href = f"{outcomes}?{column}__arraycontains={urllib.parse.quote(item['id'], safe='')}"
        links.append(f'<a href="{escape(href)}" title="{escape(item["label"])}">{escape(shown)}</a>')
    return Markup(", ".join(links))
