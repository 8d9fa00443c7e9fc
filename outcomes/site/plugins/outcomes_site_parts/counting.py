"""Counting outcomes for the overview (charts.py, worldmap.py): by event or
all, with a longer time limit than a page's queries, remembered per database
file; and the outcomes table's address that opens what was counted.

Counted from SQL at request time, so a rebuild computes nothing for them:
grouping the link tables takes 0.6-0.8 s at 100,000 outcomes (one event of
100,000: 2.4 s), once per file, event, language and day; then nothing (the
README's measures)."""

from __future__ import annotations

import os
import urllib.parse

from .base import DATABASE


def table_url(datasette, *filters: tuple[str, str]) -> str:
    """The outcomes table with ``filters``: what a bar opens."""
    return datasette.urls.table(DATABASE, "outcomes") + "?" + urllib.parse.urlencode(filters)


def where(event_id: str | None) -> str:
    """The rows of ``outcomes`` of one event, or all."""
    return "outcomes.event_id = :event" if event_id else "1"


def linked_where(event_id: str | None) -> str:
    """The rows of a link table of one event's outcomes, found by the index
    of their event (the link table is then read by its key), or all."""
    return "link.outcome_id in (select id from outcomes where event_id = :event)" if event_id else "1"


# The counts' own time limit (Datasette's is 1 s a query): they are counted
# once per database file, then remembered.
COUNT_TIME_LIMIT_MS = 20_000


async def all_rows(db, sql: str, params: dict | None = None) -> list[dict]:
    return [dict(row) for row in await db.execute(sql, params or {}, custom_time_limit=COUNT_TIME_LIMIT_MS)]


# Counts of a database that does not change while it is served (a build
# replaces the file), remembered per file, event, language and day.
_REMEMBERED: dict = {}
REMEMBER_AT_MOST = 256


def database_identity(db) -> tuple:
    """The database's file as it is now: a new build is another key."""
    try:
        stat = os.stat(db.path)
    except (OSError, TypeError):
        return (id(db),)
    return (db.path, stat.st_ino, stat.st_size, stat.st_mtime_ns)


async def remembered(key: tuple, make):
    if key not in _REMEMBERED:
        if len(_REMEMBERED) >= REMEMBER_AT_MOST:
            _REMEMBERED.clear()
        _REMEMBERED[key] = await make()
    return _REMEMBERED[key]


async def outcomes_with(db, array: str, event_id) -> int:
    """Outcomes with at least one term in ``array`` (the JSON-array column
    holds what the link table holds: a scan of the table, not of the links)."""
    sql = f"select count(*) as n from outcomes where {where(event_id)} and json_array_length(outcomes.{array}) > 0"
    return (await all_rows(db, sql, {"event": event_id or ""}))[0]["n"]
