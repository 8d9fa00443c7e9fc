"""Compare: two or more events, or two or more sessions, side by side, at
``/outcomes/confronta?evento=a&evento=b`` (``?sessione=a&sessione=b``):
their outcomes counted by type and by each vocabulary of the outcomes
(``vocabularies`` of the plugin's configuration), and what each has that the
others lack. Every count links to the outcomes it counts. The same numbers
as JSON (``confronta.json``) and CSV (``confronta.csv``, plain text in the
reader's language). Asked wrongly (one id, an unknown id, events and
sessions mixed), the page says why, with the choice to make again."""

from __future__ import annotations

import csv
import io
import json
import urllib.parse

from datasette import Response
from datasette.utils import add_cors_headers

from .base import DATABASE, absolute_url, all_rows, array_columns
from .labels import coded, short, term, vocabularies
from .language import column_label, language, t

COMPARE_PAGE = "confronta"
# URL parameter -> (table compared, its column in ``outcomes``).
KINDS = {"evento": ("events", "event_id"), "sessione": ("sessions", "session_id")}
# The outcomes' own column compared besides the vocabularies, and its lookup table.
SCALAR = {"type": "outcome_types"}
MOST_COMPARED = 12  # side by side, a page still reads


class Refused(Exception):
    """A comparison that cannot be made: its status and what the page says."""

    def __init__(self, status: int, key: str, **values):
        super().__init__(key)
        self.status, self.key, self.values = status, key, values

    def message(self) -> str:
        return t(self.key, **self.values)


def compare_url(datasette, param: str, ids: list[str], fmt: str = "") -> str:
    query = urllib.parse.urlencode([(param, id) for id in ids])
    return f"{datasette.urls.database(DATABASE)}/{COMPARE_PAGE}{fmt}?{query}"


def asked(request) -> tuple[str, list[str]] | None:
    """(parameter, ids) a request asks to compare, None if it names none."""
    named = {param: list(dict.fromkeys(id.strip() for id in request.args.getlist(param) if id.strip())) for param in KINDS}
    given = [param for param, ids in named.items() if ids]
    if not given:
        return None
    if len(given) > 1:
        raise Refused(400, "compare.error.mixed")
    param = given[0]
    ids = named[param]
    if len(ids) < 2:
        raise Refused(400, f"compare.error.one_{param}")
    if len(ids) > MOST_COMPARED:
        raise Refused(400, "compare.error.too_many", most=MOST_COMPARED)
    return param, ids


async def items(datasette, param: str, ids: list[str]) -> list[dict]:
    """The events or sessions compared, in the order asked, each with its
    title, page and outcomes counted; Refused if one is unknown."""
    table, key = KINDS[param]
    db = datasette.get_database(DATABASE)
    if table == "events":
        sql = """select id, title, start_date as date, language, null as parent,
          (select count(*) from sessions where sessions.event_id = events.id) as sessions
          from events where id in (select value from json_each(:ids))"""
    else:
        sql = """select sessions.id, sessions.title, sessions.date, sessions.language, events.title as parent, null as sessions
          from sessions join events on events.id = sessions.event_id where sessions.id in (select value from json_each(:ids))"""
    found = {row["id"]: row for row in await all_rows(db, sql, {"ids": json.dumps(ids)})}
    unknown = [id for id in ids if id not in found]
    if unknown:
        raise Refused(404, f"compare.error.unknown_{param}", ids=", ".join(unknown))
    counted = await all_rows(
        db,
        f"select {key} as id, count(*) as n from outcomes where {key} in (select value from json_each(:ids)) group by 1",
        {"ids": json.dumps(ids)},
    )
    counts = {row["id"]: row["n"] for row in counted}
    return [
        {**found[id], "outcomes": counts.get(id, 0), "url": datasette.urls.row(DATABASE, table, id),
         "outcomes_url": rows_url(datasette, key, id)}
        for id in ids
    ]  # fmt: skip


def rows_url(datasette, key: str, id: str, column: str | None = None, code: str | None = None) -> str:
    """The list of the outcomes a count counts: of one event or session, and
    of one value of a column (``type=finding``, ``countries__arraycontains=SN``)."""
    query = [(key, id)]
    if column is not None:
        query.append((column if column in SCALAR else f"{column}__arraycontains", code))
    return datasette.urls.table(DATABASE, "outcomes") + "?" + urllib.parse.urlencode(query)


async def dimensions(datasette, param: str, compared: list[dict]) -> list[dict]:
    """Each column compared (the type, then each vocabulary of the outcomes),
    with a row for every value some item has: its label, the count of each
    item and the link to what it counts, and the one item that alone has it."""
    _, key = KINDS[param]
    ids = [item["id"] for item in compared]
    db = datasette.get_database(DATABASE)
    tables = await vocabularies(datasette)
    found = []
    for column, lookup in {**SCALAR, **array_columns(datasette)}.items():
        if column in SCALAR:
            sql = f"select {key} as item, [{column}] as code, count(*) as n from outcomes"
        else:
            sql = f"select {key} as item, each.value as code, count(distinct outcomes.id) as n from outcomes join json_each(outcomes.[{column}]) as each"
        sql += f" where {key} in (select value from json_each(:ids)) group by 1, 2"
        counts: dict[str, dict[str, int]] = {}
        for row in await all_rows(db, sql, {"ids": json.dumps(ids)}):
            counts.setdefault(str(row["code"]), {})[row["item"]] = row["n"]
        vocabulary = tables.get(lookup, {})
        order = {code: position for position, code in enumerate(vocabulary)}
        rows = []
        for code in sorted(counts, key=lambda code: (order.get(code, len(order)), code)):
            numbers = [counts[code].get(id, 0) for id in ids]
            holders = [id for id, n in zip(ids, numbers) if n]
            label = term(vocabulary, code)["label"]
            rows.append({
                "code": code, "label": label, "short": short(label, 90), "numbered": coded(code), "counts": numbers,
                "urls": [rows_url(datasette, key, id, column, code) if n else None for id, n in zip(ids, numbers)],
                "only": holders[0] if len(holders) == 1 else None, "shared": len(holders) == len(ids),
            })  # fmt: skip
        found.append({"column": column, "name": column_label(column), "rows": rows})
    return found


async def comparison(datasette, param: str, ids: list[str]) -> dict:
    """Everything the page, the JSON and the CSV show of one comparison."""
    compared = await items(datasette, param, ids)
    columns = await dimensions(datasette, param, compared)
    only = {
        item["id"]: [
            {"column": column["column"], "name": column["name"], "rows": [row for row in column["rows"] if row["only"] == item["id"]]}
            for column in columns if any(row["only"] == item["id"] for row in column["rows"])
        ]
        for item in compared
    }  # fmt: skip
    return {"param": param, "table": KINDS[param][0], "items": compared, "dimensions": columns, "only": only}


def as_json(datasette, found: dict) -> dict:
    """The comparison for scripts: codes as in the database, labels in the
    reader's language, each count with the absolute address of its outcomes."""
    ids = [item["id"] for item in found["items"]]
    return {
        "ok": True,
        "compared": found["table"],
        "language": language(),
        "items": [
            {"id": item["id"], "title": item["title"], "url": absolute_url(datasette, item["url"]), "outcomes": item["outcomes"],
             "outcomes_url": absolute_url(datasette, item["outcomes_url"])}
            for item in found["items"]
        ],
        "dimensions": [
            {"column": column["column"], "name": column["name"], "rows": [
                {"code": row["code"], "label": row["label"], "counts": dict(zip(ids, row["counts"])),
                 "urls": {id: absolute_url(datasette, url) for id, url in zip(ids, row["urls"]) if url},
                 "only_in": row["only"]}
                for row in column["rows"]]}
            for column in found["dimensions"]
        ],
    }  # fmt: skip


def as_csv(found: dict) -> str:
    """The same numbers as a table for a spreadsheet: one row per value,
    one column per item compared (by its title), in the reader's language."""
    titles = [item["title"] for item in found["items"]]
    headers = [title if titles.count(title) == 1 else f"{title} ({item['id']})" for title, item in zip(titles, found["items"])]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t("compare.csv.dimension"), t("compare.csv.code"), t("compare.csv.value"), *headers])
    writer.writerow([t("compare.outcomes"), "", t("compare.all_outcomes"), *(item["outcomes"] for item in found["items"])])
    for column in found["dimensions"]:
        for row in column["rows"]:
            writer.writerow([column["name"], row["code"], row["label"], *row["counts"]])
    return out.getvalue()


async def choices(datasette, request) -> dict:
    """What the form offers to compare: every event; the sessions of the
    events of the sessions named (compared or not); those named checked."""
    db = datasette.get_database(DATABASE)
    named = {param: [id.strip() for id in request.args.getlist(param)] for param in KINDS}
    events = await all_rows(db, "select id, title, start_date, language from events order by start_date desc, id")
    sessions = []
    if named["sessione"]:
        L = language()  # one of LANGUAGES: safe in SQL
        sessions = await all_rows(
            db,
            f"""select sessions.id, sessions.title, sessions.language, events.title as event_title, session_kinds.label_{L} as kind_label
            from sessions join events on events.id = sessions.event_id join session_kinds on session_kinds.id = sessions.kind
            where sessions.event_id in (select event_id from sessions where id in (select value from json_each(:ids)))
            order by events.start_date desc, sessions.date, sessions.start, sessions.id""",
            {"ids": json.dumps(named["sessione"])},
        )
    return {"events": events, "sessions": sessions, "chosen": named["evento"] + named["sessione"]}


async def compare(datasette, request):
    """``/outcomes/confronta`` and its ``.json`` and ``.csv``."""
    fmt = request.url_vars.get("format") or ""
    try:
        wanted = asked(request)
        if wanted is None and fmt:
            raise Refused(400, "compare.error.none")
        found = await comparison(datasette, *wanted) if wanted else None
    except Refused as refused:
        if fmt == ".json":
            return Response.json({"ok": False, "error": refused.message(), "status": refused.status}, status=refused.status)
        if fmt == ".csv":
            return Response.text(refused.message() + "\n", status=refused.status)
        return await page(datasette, request, None, refused)
    if fmt == ".json":
        response = Response.json(as_json(datasette, found))
    elif fmt == ".csv":
        response = Response(as_csv(found), content_type="text/csv; charset=utf-8")
    else:
        return await page(datasette, request, found, None)
    if datasette.cors:
        add_cors_headers(response.headers)
    return response


async def page(datasette, request, found: dict | None, refused: Refused | None) -> Response:
    ids = [item["id"] for item in found["items"]] if found else []
    context = {
        "database": DATABASE,
        "found": found,
        "refused": refused.message() if refused else None,
        "choices": await choices(datasette, request),
        "json_url": compare_url(datasette, found["param"], ids, ".json") if found else None,
        "csv_url": compare_url(datasette, found["param"], ids, ".csv") if found else None,
        "page_url": absolute_url(datasette, compare_url(datasette, found["param"], ids)) if found else None,
    }
    html = await datasette.render_template(["compare.html"], context, request=request)
    return Response.html(html, status=refused.status if refused else 200)


async def compare_links(datasette, param: str, id: str) -> dict:
    """The links of an event's or a session's page to comparisons: an event's
    sessions side by side (all, and those of one kind), the event beside each
    other event; a session beside each other session of its event, or all."""
    db = datasette.get_database(DATABASE)
    L = language()  # one of LANGUAGES: safe in SQL
    event = id if param == "evento" else (await all_rows(db, "select event_id from sessions where id = :id", {"id": id}) or [{}])[0].get("event_id")
    sessions = await all_rows(
        db,
        f"""select sessions.id, sessions.title, sessions.language, sessions.kind, session_kinds.label_{L} as kind_label
        from sessions join session_kinds on session_kinds.id = sessions.kind
        where event_id = :event order by sessions.date, sessions.start, sessions.id""",
        {"event": event},
    )
    links = {"sessions": None, "kinds": [], "events": [], "chooser": f"{datasette.urls.database(DATABASE)}/{COMPARE_PAGE}"}
    if param == "evento":
        if len(sessions) >= 2:
            links["sessions"] = compare_url(datasette, "sessione", [row["id"] for row in sessions])
        by_kind: dict[str, list[dict]] = {}
        for row in sessions:
            by_kind.setdefault(row["kind"], []).append(row)
        links["kinds"] = [
            {"label": rows[0]["kind_label"], "count": len(rows), "url": compare_url(datasette, "sessione", [row["id"] for row in rows])}
            for rows in by_kind.values() if 2 <= len(rows) < len(sessions)
        ]  # fmt: skip
        others = await all_rows(db, "select id, title, language from events where id != :id order by start_date desc, id", {"id": id})
        links["events"] = [{**row, "url": compare_url(datasette, "evento", [id, row["id"]])} for row in others[:MOST_COMPARED]]
    else:
        others = [row for row in sessions if row["id"] != id]
        if len(others) >= 2:
            links["sessions"] = compare_url(datasette, "sessione", [id, *[row["id"] for row in others][: MOST_COMPARED - 1]])
        links["pairs"] = [{**row, "url": compare_url(datasette, "sessione", [id, row["id"]])} for row in others[:MOST_COMPARED]]
    return links


def routes() -> list[tuple[str, object]]:
    return [(rf"^/{DATABASE}/{COMPARE_PAGE}(?P<format>\.json|\.csv)?$", compare)]


def template_vars(datasette) -> dict:
    return {"compare_links": lambda param, id: compare_links(datasette, param, id)}
