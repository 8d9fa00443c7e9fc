"""A world map of the partner countries, drawn as SVG on the server: each
country shaded by the number of outcomes naming it (a few classes, in a
legend), each one with outcomes a link to them, with the same numbers in a
table beside it. The shapes are Natural Earth's (public domain), converted
once by ``scripts/world-map`` into ``world_map.json`` beside this module."""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import NamedTuple

from markupsafe import Markup, escape

from .base import DATABASE
from .counting import all_rows, database_identity, linked_where, outcomes_with, remembered, table_url
from .language import language, number, t

SHAPES = Path(__file__).with_name("world_map.json")
# The classes' colours, lightest first: each at least 3:1 against the white
# page (tests/test_overview.py measures them); countries without outcomes
# are NONE, outlined by EDGE.
CLASSES = ("#5c8fc4", "#3a6ea8", "#1f4f86", "#0d2f5a")
NONE = "#ececec"
EDGE = "#8a8a8a"
BORDER = "#ffffff"


class Country(NamedTuple):
    code: str
    label: str
    count: int
    url: str
    colour: str
    drawn: bool  # has a shape on the map (the smallest islands have none)


class Class(NamedTuple):
    low: int
    high: int
    colour: str

    @property
    def label(self) -> str:
        if self.low == self.high:
            return t("map.class_one", low=number(self.low))
        return t("map.class", low=number(self.low), high=number(self.high))


@functools.cache
def shapes() -> dict:
    return json.loads(SHAPES.read_text(encoding="utf-8"))


def classes(largest: int) -> list[Class]:
    """Up to len(CLASSES) classes of equal width from 1 to ``largest``."""
    steps = min(len(CLASSES), largest)
    highs = sorted({math.ceil(largest * (k + 1) / steps) for k in range(steps)})
    lows = [1] + [high + 1 for high in highs[:-1]]
    return [Class(low, high, CLASSES[index]) for index, (low, high) in enumerate(zip(lows, highs))]


def shade(count: int, bands: list[Class]) -> str:
    return next(band.colour for band in bands if count <= band.high)


async def world_map(datasette, event_id: str | None = None) -> dict | None:
    """The map, its legend, its summary and its table; None without any country."""
    key = ("map", *database_identity(datasette.get_database(DATABASE)), event_id, language())
    return await remembered(key, lambda: _world_map(datasette, event_id))


async def _world_map(datasette, event_id: str | None) -> dict | None:
    L = language()  # one of LANGUAGES: safe in SQL
    rows = await all_rows(
        datasette.get_database(DATABASE),
        f"""
        select countries.id as code, countries.label_{L} as label, counted.count
        from (select link.country_id as code, count(*) as count from outcome_countries as link
              where {linked_where(event_id)} group by link.country_id) as counted
          join countries on countries.id = counted.code
        order by counted.count desc, label
        """,
        {"event": event_id or ""},
    )
    if not rows:
        return None
    paths = shapes()["countries"]
    bands = classes(rows[0]["count"])
    scope = [("event_id", event_id)] if event_id else []
    countries = [
        Country(row["code"], row["label"], row["count"], table_url(datasette, *scope, ("countries__arraycontains", row["code"])),
                shade(row["count"], bands), row["code"] in paths)
        for row in rows
    ]  # fmt: skip
    outcomes = await outcomes_with(datasette.get_database(DATABASE), "countries", event_id)
    items = ", ".join(t("charts.item", label=c.label, count=c.count) for c in countries[:5])
    return {
        "countries": countries,
        "classes": bands,
        "none_colour": NONE,
        "summary": t("map.summary", outcomes=t("count.outcomes", count=outcomes), countries=t("map.countries", count=len(countries)), items=items),
        "svg": drawing(countries),
    }


def drawing(countries: list[Country]) -> Markup:
    """Every country's shape, those with outcomes shaded and linked (out of
    the keyboard's way and hidden from screen readers: the table beside it
    has the same links and numbers)."""
    data = shapes()
    width, height = data["width"], data["height"]
    named = {country.code: country for country in countries}
    parts = [
        f'<svg class="outcomes-map-svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">',
        f'<g fill="{NONE}" stroke="{EDGE}" stroke-width="0.5">',
    ]
    parts += [f'<path d="{d}"/>' for code, d in data["countries"].items() if code not in named]
    parts.append(f'</g><g stroke="{BORDER}" stroke-width="0.6">')
    for country in countries:
        if country.drawn:
            parts.append(
                f'<a href="{escape(country.url)}" tabindex="-1" class="map-country"><title>{escape(country.label)}: '
                f'{escape(t("count.outcomes", count=country.count))}</title>'
                f'<path d="{data["countries"][country.code]}" fill="{country.colour}"/></a>'
            )
    parts.append("</g></svg>")
    return Markup("".join(parts))


def source() -> str:
    return shapes()["source"]

