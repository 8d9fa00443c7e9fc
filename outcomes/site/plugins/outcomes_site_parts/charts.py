"""The overview's charts, drawn as SVG on the server when a page is asked
for: outcomes by type, SDG goal (in the UN's colours), GCM objective, actor
type, event and year, and commitments by current status with the overdue
ones marked; the whole library (home page) or one event. Each chart comes
with a title, a summary in words and its numbers as a table (what a screen
reader reads: the drawing is hidden from it). Each bar links to the
outcomes table filtered to the outcomes it counts, with filters Datasette
has (``type=``, ``sdg_goals__arraycontains=``, ``due__lt=``...), so the
number a bar shows is the number of rows its link opens.

Counted from SQL at request time (``counting``)."""

from __future__ import annotations

from typing import NamedTuple

from markupsafe import Markup, escape

from . import freshness, worldmap
from .base import DATABASE
from .counting import all_rows, database_identity, linked_where, outcomes_with, remembered, table_url, where
from .language import language, number, t

# Colours: every bar has a dark outline (OUTLINE: 17:1 against the white
# page) so that a light fill (SDG 7's yellow, #FCC30B) is still seen; a bar
# without a colour of its own is BAR (7.2:1), overdue commitments OVERDUE
# (6.5:1) with a hatch, not told by colour alone. Text is INK (17:1).
BAR = "#2b5797"
OUTLINE = "#1a1a1a"
OVERDUE = "#b3261e"
INK = "#1a1a1a"
BACKGROUND = "#ffffff"
WIDTH = 360  # the drawing's width in SVG units; it scales to the page's
ROW = 44  # a bar's row: its label above, the bar below
BAR_HEIGHT = 18
LABEL_LENGTH = 42  # characters of a label the drawing shows (the table shows it whole)


class Bar(NamedTuple):
    label: str
    count: int
    url: str
    colour: str = BAR
    code: str = ""
    overdue: int = 0  # commitments: how many of count are overdue
    overdue_url: str = ""
    lang: str | None = None  # the label's language, when it is a note's (an event's title)


class Chart(NamedTuple):
    id: str
    title: str
    summary: str
    bars: list
    column: str  # the table's first column
    counted: str  # what the numbers count (the table's second column)
    svg: Markup


async def _tagged(db, link: str, column: str, lookup: str, event_id, order: str, extra: str = "") -> list[dict]:
    """Outcomes counted by the terms of one vocabulary (``link``: the link
    table, ``column`` its term column, ``lookup`` the vocabulary)."""
    L = language()  # one of LANGUAGES: safe in SQL
    return await all_rows(
        db,
        f"""
        select terms.id as code, terms.label_{L} as label{extra}, counted.count
        from (
          select link.{column} as code, count(*) as count from {link} as link
          where {linked_where(event_id)} group by link.{column}
        ) as counted join {lookup} as terms on terms.id = counted.code
        order by {order}
        """,
        {"event": event_id or ""},
    )


def _short(label: str) -> str:
    return label if len(label) <= LABEL_LENGTH else label[: LABEL_LENGTH - 1].rstrip() + "…"


def _items(bars: list[Bar], limit: int = 5) -> str:
    """The largest bars in words: ``Ente locale (46), ONG (40)``."""
    largest = sorted(bars, key=lambda bar: -bar.count)[:limit]
    listed = ", ".join(t("charts.item", label=bar.label, count=bar.count) for bar in largest)
    if len(bars) > limit:
        listed += " " + t("charts.more", count=len(bars) - limit)
    return listed


async def type_chart(datasette, db, event_id, scope: list) -> Chart | None:
    L = language()  # one of LANGUAGES: safe in SQL
    rows = await all_rows(
        db,
        f"""
        select outcome_types.id as code, outcome_types.label_{L} as one, outcome_types.plural_{L} as label, count(*) as count
        from outcomes join outcome_types on outcome_types.id = outcomes.type
        where {where(event_id)} group by outcome_types.id order by count desc, outcome_types.rowid
        """,
        {"event": event_id or ""},
    )
    bars = [Bar(row["label"], row["count"], table_url(datasette, *scope, ("type", row["code"])), code=row["code"]) for row in rows]
    if not bars:
        return None
    total = sum(bar.count for bar in bars)
    parts = ", ".join(f"{number(row['count'])} {(row['one'] if row['count'] == 1 else row['label']).lower()}" for row in rows)
    summary = t("charts.types.summary", outcomes=t("count.outcomes", count=total), items=parts)
    return _chart("types", bars, summary)


async def tagged_chart(datasette, db, event_id, scope, name, link, column, lookup, array, order="counted.count desc, label", extra="", label=None):
    rows = await _tagged(db, link, column, lookup, event_id, order, extra)
    if not rows:
        return None
    bars = [
        Bar(
            label(row) if label else row["label"],
            row["count"],
            table_url(datasette, *scope, (f"{array}__arraycontains", str(row["code"]))),
            colour=row.get("colour") or BAR,
            code=str(row["code"]),
        )
        for row in rows
    ]
    tagged = await outcomes_with(db, array, event_id)
    summary = t(f"charts.{name}.summary", outcomes=t("count.outcomes", count=tagged), terms=number(len(bars)), items=_items(bars))
    return _chart(name, bars, summary)


async def event_chart(datasette, db) -> Chart | None:
    rows = await all_rows(
        db,
        """
        select events.id as code, events.title as label, events.language, substr(events.start_date, 1, 4) as year,
          count(outcomes.id) as count
        from events join outcomes on outcomes.event_id = events.id
        group by events.id order by events.start_date, events.id
        """,
    )
    bars = [
        Bar(f"{row['label']} ({row['year']})", row["count"], table_url(datasette, ("event_id", row["code"])), code=row["code"], lang=row["language"])
        for row in rows
    ]
    if not bars:
        return None
    outcomes = t("count.outcomes", count=sum(bar.count for bar in bars))
    summary = t("charts.events.summary", outcomes=outcomes, events=t("count.events", count=len(bars)), items=_items(bars))
    return _chart("events", bars, summary)


async def year_chart(datasette, db) -> Chart | None:
    """Outcomes by the year their event began; a bar opens its events' outcomes (``event_id__in=``)."""
    rows = await all_rows(
        db,
        """
        select substr(events.start_date, 1, 4) as year, group_concat(events.id) as events, sum(counted.count) as count
        from events join (select event_id, count(*) as count from outcomes group by event_id) as counted on counted.event_id = events.id
        group by year order by year
        """,
    )
    bars = [Bar(row["year"], row["count"], table_url(datasette, ("event_id__in", row["events"])), code=row["year"]) for row in rows]
    if not bars:
        return None
    summary = t("charts.years.summary", outcomes=t("count.outcomes", count=sum(b.count for b in bars)), items=_items(bars, limit=10))
    return _chart("years", bars, summary)


async def commitment_chart(datasette, db, event_id, scope, on) -> Chart | None:
    """Commitments by current status; the overdue ones (due before today,
    neither done nor dropped) marked inside their status's bar."""
    L = language()  # one of LANGUAGES: safe in SQL
    closed = ", ".join(f"'{status}'" for status in freshness.CLOSED)
    rows = await all_rows(
        db,
        f"""
        select statuses.id as code, statuses.label_{L} as label, count(*) as count,
          sum(outcomes.due < :today and outcomes.current_status not in ({closed})) as overdue
        from outcomes join statuses on statuses.id = outcomes.current_status
        where outcomes.type = 'commitment' and {where(event_id)}
        group by statuses.id order by statuses.rowid
        """,
        {"event": event_id or "", "today": on.isoformat()},
    )
    if not rows:
        return None
    bars = []
    for row in rows:
        filters = (*scope, ("type", "commitment"), ("current_status", row["code"]))
        bars.append(Bar(
            row["label"], row["count"], table_url(datasette, *filters), code=row["code"], overdue=row["overdue"] or 0,
            overdue_url=table_url(datasette, *filters, ("due__lt", on.isoformat())) if row["overdue"] else "",
        ))  # fmt: skip
    total, late = sum(b.count for b in bars), sum(b.overdue for b in bars)
    parts = ", ".join(
        t("charts.commitments.item", label=bar.label, count=bar.count, overdue=t("charts.commitments.of_which", count=bar.overdue))
        if bar.overdue
        else t("charts.item", label=bar.label, count=bar.count)
        for bar in bars
    )
    summary = t("charts.commitments.summary", commitments=t("count.commitments", count=total), overdue=t("charts.commitments.overdue", count=late), items=parts)
    return _chart("commitments", bars, summary)


async def overview_charts(datasette, event_id: str | None = None, on=None) -> list[Chart]:
    """The charts of the home page (``event_id`` None) or of one event's page."""
    db = datasette.get_database(DATABASE)
    on = on or freshness.today()
    key = ("charts", *database_identity(db), event_id, language(), on)
    return await remembered(key, lambda: _overview_charts(datasette, db, event_id, on))


async def _overview_charts(datasette, db, event_id, on) -> list[Chart]:
    scope = [("event_id", event_id)] if event_id else []
    charts = [
        await type_chart(datasette, db, event_id, scope),
        await tagged_chart(
            datasette, db, event_id, scope, "goals", "outcome_sdg_goals", "sdg_goal_id", "sdg_goals", "sdg_goals",
            order="terms.id", extra=", terms.colour", label=lambda row: f"{row['code']} {row['label']}",
        ),
        await tagged_chart(
            datasette, db, event_id, scope, "gcm", "outcome_gcm_objectives", "gcm_objective_id", "gcm_objectives", "gcm_objectives",
            order="terms.id", label=lambda row: t("charts.gcm.label", code=row["code"], label=row["label"]),
        ),
        await tagged_chart(datasette, db, event_id, scope, "actors", "outcome_actors", "actor_type_id", "actor_types", "actors"),
    ]
    if event_id is None:
        charts += [await event_chart(datasette, db), await year_chart(datasette, db)]
    charts.append(await commitment_chart(datasette, db, event_id, scope, on))
    return [chart for chart in charts if chart is not None]


def _chart(name: str, bars: list[Bar], summary: str) -> Chart:
    return Chart(name, t(f"charts.{name}.title"), summary, bars, t(f"charts.{name}.column"), t(f"charts.{name}.counted"), drawing(name, bars))


def drawing(name: str, bars: list[Bar]) -> Markup:
    """Horizontal bars, each label above its bar and the number after it;
    hidden from screen readers (the table says the same) and its links out
    of the keyboard's way (the table's links are the same)."""
    largest = max(bar.count for bar in bars) or 1
    room = WIDTH - 48  # the number's place after the longest bar
    height = ROW * len(bars) + 4
    parts = [
        f'<svg class="outcomes-chart-svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">'
    ]
    if any(bar.overdue for bar in bars):
        parts.append(
            f'<defs><pattern id="hatch-{name}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            f'<rect width="6" height="6" fill="{OVERDUE}"/><rect width="2" height="6" fill="{BACKGROUND}"/></pattern></defs>'
        )
    for index, bar in enumerate(bars):
        top = index * ROW
        length = max(2.0, room * bar.count / largest)
        late = room * bar.overdue / largest if bar.overdue else 0
        y = top + 22
        parts.append(
            f'<a href="{escape(bar.url)}" tabindex="-1" class="chart-bar"><title>{escape(bar.label)}: {number(bar.count)}</title>'
            f'<text x="0" y="{top + 16}" fill="{INK}" font-size="15">{escape(_short(bar.label))}</text>'
            f'<rect x="1" y="{y}" width="{length - late:.1f}" height="{BAR_HEIGHT}" fill="{escape(bar.colour)}" stroke="{OUTLINE}" stroke-width="1"/>'
            f'<text x="{length + 8:.1f}" y="{y + 14}" fill="{INK}" font-size="15" font-weight="bold">{number(bar.count)}</text></a>'
        )
        if late:
            parts.append(
                f'<a href="{escape(bar.overdue_url)}" tabindex="-1" class="chart-bar chart-overdue">'
                f"<title>{escape(bar.label)}: {escape(t('charts.commitments.of_which', count=bar.overdue))}</title>"
                f'<rect x="{1 + length - late:.1f}" y="{y}" width="{late:.1f}" height="{BAR_HEIGHT}" fill="url(#hatch-{name})" '
                f'stroke="{OUTLINE}" stroke-width="1"/></a>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def template_functions(datasette) -> dict:
    """What the overview's partials call: the charts, the world map and the
    commitments' freshness lights (Jinja awaits the async ones)."""
    return {
        "overview_charts": lambda event_id=None: overview_charts(datasette, event_id),
        "world_map": lambda event_id=None: worldmap.world_map(datasette, event_id),
        "commitment_lights": lambda ids: freshness.commitment_lights(datasette, ids),
        "outcome_light": freshness.outcome_light,
        "freshness_rule": freshness.rule,
    }
