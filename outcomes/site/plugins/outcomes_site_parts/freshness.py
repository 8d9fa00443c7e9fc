"""How fresh a commitment's news is, as a light: green when it was updated
within 12 months, yellow within 24, red past that or when it is overdue. A
commitment without a public update counts from its session's day. "Today" is
the UTC day, as SQLite's ``date('now')`` that marks /impegni's overdue ones."""

from __future__ import annotations

import datetime as dt
import json

from .base import DATABASE, all_rows
from .language import date_text, t

LIGHTS = ("green", "yellow", "red")
GREEN_MONTHS, YELLOW_MONTHS = 12, 24
CLOSED = ("done", "dropped")  # never overdue
# The lights' colours, each 3:1 against the white page at least, with the word beside it.
COLOURS = {"green": "#2e7d32", "yellow": "#8f6a00", "red": "#b3261e"}


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier (the month's last day when it has no such day)."""
    month = day.year * 12 + day.month - 1 - months
    year, month = divmod(month, 12)
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError(day)


def _day(value) -> dt.date | None:
    return None if not value else value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def overdue(due, status: str | None, on: dt.date) -> bool:
    due = _day(due)
    return due is not None and status not in CLOSED and due < on


def light(updated, due, status: str | None, on: dt.date | None = None) -> str:
    """``green``, ``yellow`` or ``red`` for a commitment last updated (or made) on ``updated``."""
    on = on or today()
    updated = _day(updated)
    if overdue(due, status, on) or updated is None or updated < months_before(on, YELLOW_MONTHS):
        return "red"
    return "green" if updated >= months_before(on, GREEN_MONTHS) else "yellow"


def described(updated, due, status: str | None, on: dt.date | None = None) -> dict:
    """The light with its words: what it means, and since when."""
    on = on or today()
    colour = light(updated, due, status, on)
    late = overdue(due, status, on)
    return {
        "light": colour,
        "colour": COLOURS[colour],
        "label": t("freshness.overdue" if late else f"freshness.{colour}"),
        "overdue": late,
        "text": t("freshness.updated_text", date=date_text(_day(updated))),
    }


async def commitment_lights(datasette, ids: list[str], on: dt.date | None = None) -> dict[str, dict]:
    """The light of each commitment of a list page, by id: one query for the page."""
    if not ids:
        return {}
    rows = await all_rows(
        datasette.get_database(DATABASE),
        """
        select outcomes.id, coalesce(outcomes.last_update, sessions.date) as updated, outcomes.due, outcomes.current_status
        from outcomes join sessions on sessions.id = outcomes.session_id
        where outcomes.id in (select value from json_each(:ids)) and outcomes.type = 'commitment'
        """,
        {"ids": json.dumps(ids)},
    )
    return {row["id"]: described(row["updated"], row["due"], row["current_status"], on) for row in rows}


def outcome_light(outcome: dict, on: dt.date | None = None) -> dict | None:
    """The light of a commitment's page (``pages.outcome_page``'s row); None for another type."""
    if outcome.get("type") != "commitment":
        return None
    return described(outcome.get("last_update") or outcome.get("session_date"), outcome.get("due"), outcome.get("current_status"), on)


def rule() -> str:
    return t("freshness.rule", green=GREEN_MONTHS, yellow=YELLOW_MONTHS)
