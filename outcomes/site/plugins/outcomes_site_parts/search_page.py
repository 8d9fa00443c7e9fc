"""The search page, ``/outcomes/cerca``: the results of the canned query
``cerca`` with the filters and their counts, from one query
(``search.page_sql``), run within Datasette's time limit; and its JSON,
``/outcomes/cerca.json``, made the same way."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
import urllib.parse
import weakref

from datasette import Forbidden, Response, __version__ as datasette_version
from datasette.database import QueryInterrupted
from datasette.utils import add_cors_headers, await_me_maybe, call_with_supported_arguments, path_with_format
from datasette.views.base import DatasetteError
from markupsafe import Markup, escape

from . import search
from .base import DATABASE, all_rows, array_columns
from .labels import coded, short, term, vocabularies
from .language import column_label, language, number, t
from .sql import SearchFunctions, search_functions, search_lookups, snippet, why_markup, why_parts, why_text

SEARCH_QUERY = "cerca"  # the canned query of the search page
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
        _event_titles[datasette] = {row["id"]: row["title"] for row in await all_rows(db, "select id, title from events")}
    return _event_titles[datasette]


# How many words, forms or prefixed words a cap of the search (search.plan) keeps.
CAP_LIMITS = {"terms": search.MAX_TERMS, "forms": search.MAX_FORMS, "prefix": search.MAX_PREFIX_WORDS}


SEARCH_PATH = f"/{DATABASE}/{SEARCH_QUERY}"


def joined_filters(scope: dict) -> dict:
    """The search's ``scope`` with each filter given several times
    (``target=10.c&target=10.7``, as a form sends them) given once, its
    values joined (``target=10.c,10.7``: any of them), as the canned query
    reads one value of each parameter: the page, its JSON and its CSV alike."""
    path = scope.get("path", "")
    if scope["type"] != "http" or path.rsplit(".", 1)[0] != SEARCH_PATH:
        return scope
    pairs = urllib.parse.parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)
    names = [name for name, _ in pairs if name in search.FILTER_PARAMS]
    if len(names) == len(set(names)):
        return scope
    joined = {name: [] for name in names}
    for name, value in pairs:
        if name in joined:
            joined[name] += chosen(value)
    query = [(name, value) for name, value in pairs if name not in joined]
    query += [(name, search.FILTER_SEPARATOR.join(dict.fromkeys(values))) for name, values in joined.items()]
    return {**scope, "query_string": urllib.parse.urlencode(query).encode("ascii")}


def chosen(value: str) -> list[str]:
    """The values of a filter, in the order chosen."""
    return [part.strip() for part in (value or "").split(search.FILTER_SEPARATOR) if part.strip()]


def search_url(datasette, values: dict, **changes) -> str:
    """The search page with ``values`` (q and filters), changed by ``changes``
    (a value of None removes a parameter)."""
    params = {**{k: v for k, v in values.items() if v}, **changes}
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v})
    return datasette.urls.database(DATABASE) + "/cerca" + ("?" + query if query else "")


async def search_details(datasette, values: dict, rows: list[tuple], others: dict | None = None) -> dict:
    """What the search page shows beside its results, from the rows
    ``(filtro, valore, n)`` of its query that count (``search.page_sql``):
    how many were found (and whether a cap was reached), the caps of the
    query, and each filter's values with their counts, links and labels.
    A filter chosen counts its values from ``others[param]``, the rows of
    the search without it: its other values stay there, to add (OR)."""
    values = {key: str(values.get(key) or "").strip() for key in ("q", *search.FILTER_PARAMS)}
    totals = {valore: n for filtro, valore, n in rows if filtro == "_totale"}
    counted = search.count_facets(valore or "" for filtro, valore, n in rows if filtro == "_valori")
    for param, without in (others or {}).items():
        counted[param] = search.count_facets(valore or "" for filtro, valore, n in without if filtro == "_valori").get(param, {})
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
        selected = chosen(values[param])
        counts = sorted(counted.get(param, {}).items(), key=lambda item: (-item[1], item[0]))
        shown = [item for position, item in enumerate(counts) if position < FILTER_VALUES_SHOWN or item[0] in selected]
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
            toggled = [other for other in selected if other != value] + ([] if value in selected else [value])
            items.append(
                {
                    "value": value, "label": label, "lang": lang, "count": count, "selected": value in selected,
                    "url": search_url(datasette, values, **{param: search.FILTER_SEPARATOR.join(toggled)}),
                }
            )
        for value in reversed([value for value in selected if value not in dict(shown)]):
            toggled = [other for other in selected if other != value]
            items.insert(0, {"value": value, "label": value, "lang": language(), "count": 0, "selected": True,
                             "url": search_url(datasette, values, **{param: search.FILTER_SEPARATOR.join(toggled)})})
        facets.append({"param": param, "name": column_label(column), "values": items, "selected": values[param]})
    return {
        "outcomes": totals.get("esiti", 0),
        "sessions": totals.get("sessioni", 0),
        "notes": notes,
        "facets": facets,
        "filtered": any(values[param] for param in search.FILTER_PARAMS),
        "clear_url": search_url(datasette, {"q": values["q"]}),
    }


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


async def execute_search(datasette, sql: str, params: dict, limit_ms: int | None = None) -> list[sqlite3.Row]:
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
    queueing. ``limit_ms`` may only lower the limit, as ``?_timelimit=`` does."""
    lookups = search_lookups(datasette)
    limit_ms = min(limit_ms or datasette.setting("sql_time_limit_ms"), datasette.setting("sql_time_limit_ms"))
    query = Interruptible(limit_ms / 1000, asyncio.get_running_loop())

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
    for _position, *values in sorted(results, key=lambda result: result[0]):
        row = dict(zip(search.RESULT_COLUMNS, values))
        matched, *columns = row["perche"]
        row["estratto"] = snippet(row["estratto"], query)
        parts = why_parts(labels, lookups, query, lang, matched, columns)
        row["perche"] = why_text(parts)
        row["perche_html"] = why_markup(parts)  # the page's; JSON and CSV take RESULT_COLUMNS
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


async def canned_query(datasette, request) -> tuple[dict, bool]:
    """The canned query ``cerca`` and whether it is private, as Datasette's
    query view checks them (Forbidden if the actor may not see it)."""
    visible, private = await datasette.check_visibility(
        request.actor,
        permissions=[("view-query", (DATABASE, SEARCH_QUERY)), ("view-database", DATABASE), "view-instance"],
    )
    if not visible:
        raise Forbidden("You do not have permission to view this query")
    return await datasette.get_canned_query(DATABASE, SEARCH_QUERY, request.actor) or {}, private


async def search_page(datasette, request):
    """The search page, ``/outcomes/cerca``: the canned query ``cerca`` as
    HTML, with its filters and counts. Served here rather than by Datasette's
    query view, which renders every cell of the results through every
    plugin's ``render_cell`` (700 cells, none of them shown: the template
    writes its own), and would need a second query for the counts, finding
    everything again (``search.page_sql`` gives both at once). The results
    are those of ``cerca.json`` (made here too, ``search_json``) and of
    ``cerca.csv`` (Datasette's, from the canned query's SQL)."""
    canned, _ = await canned_query(datasette, request)
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
            others = {}
            for param in (param for param in search.FILTER_PARAMS if named[param].strip()):
                if not any(value.strip() for name, value in named.items() if name != param):
                    continue  # nothing else asked: its own counts are all there is to show
                without = await execute_search(datasette, search.page_sql(), {**named, param: "", "_page_lang": language()})
                others[param] = json.loads(without[0][1])
            details = await search_details(datasette, named, counts, others)
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


# What Datasette says of a query stopped at its time limit (views/base.py).
INTERRUPTED = """<p>SQL query took too long. The time limit is controlled by the
<a href="https://docs.datasette.io/en/stable/settings.html#sql-time-limit-ms">sql_time_limit_ms</a>
configuration option.</p>
<textarea style="width: 90%">{}</textarea>
<script>
let ta = document.querySelector("textarea");
ta.style.height = ta.scrollHeight + "px";
</script>"""


async def search_json(datasette, request):
    """``/outcomes/cerca.json``, the canned query ``cerca`` as researchers'
    scripts read it: what Datasette's query view answers (the same keys and
    rows, every ``_shape``, by its own JSON renderer, and the same headers),
    made as the search page makes its results (``search.results_sql``: no
    Python function called from SQLite for each result, and the time limit
    kept from the event loop), so that it holds up under load as the page
    does. ``cerca.csv`` stays Datasette's, from the canned query's SQL."""
    started = time.perf_counter()
    canned, private = await canned_query(datasette, request)
    params = {key: request.args.get(key) for key in request.args if key not in ("sql", "_shape")}
    for name in canned.get("params", ()):
        params.setdefault(name, "")
    named = {name: params.get(name) or "" for name in ("q", *search.FILTER_PARAMS)}
    limit = params.get("_timelimit") or ""
    rows, error = [], None
    try:
        found = await execute_search(
            datasette, search.results_sql(), {**named, "_page_lang": language()}, int(limit) if limit.isdigit() else None
        )
    except QueryInterrupted:
        raise DatasetteError(
            INTERRUPTED.format(escape(canned.get("sql", ""))), title="SQL Interrupted", status=400, message_is_html=True
        ) from None
    except sqlite3.DatabaseError as failed:
        error = failed
    else:
        results = await search_results(datasette, json.loads(found[0][0]), named["q"])
        rows = [tuple(result[column] for column in search.RESULT_COLUMNS) for result in results]
    most = datasette.setting("max_returned_rows")
    data = {
        "ok": error is None,
        "database": DATABASE,
        "query_name": SEARCH_QUERY,
        "rows": rows[:most],
        "truncated": len(rows) > most,
        "columns": list(search.RESULT_COLUMNS) if error is None else [],
        "query": {"sql": canned.get("sql"), "params": params},
        "error": str(error) if error else None,
        "private": private,
        "allow_execute_sql": await datasette.permission_allowed(request.actor, "execute-sql", DATABASE, default=True),
        "query_ms": (time.perf_counter() - started) * 1000,
    }
    for key in ("source", "source_url", "license", "license_url"):
        if datasette.metadata(key):
            data[key] = datasette.metadata(key)
    response = await await_me_maybe(
        call_with_supported_arguments(
            datasette.renderers["json"][0], datasette=datasette, columns=data["columns"], rows=data["rows"],
            sql=data["query"]["sql"], query_name=SEARCH_QUERY, database=DATABASE, table=None, request=request,
            view_name="table", args=request.args, data=data,
        )
    )
    response.status = 400 if error else 200  # as Datasette sets it, whatever the renderer said
    ttl = request.args.get("_ttl") or ""
    ttl = int(ttl if ttl.isdigit() else datasette.setting("default_cache_ttl"))
    if datasette.cache_headers and response.status == 200:
        response.headers["Cache-Control"] = f"max-age={ttl}" if ttl else "no-cache"
    response.headers["Referrer-Policy"] = "no-referrer"
    if datasette.cors:
        add_cors_headers(response.headers)
    return response
