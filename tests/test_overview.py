"""The overview's charts, the world map of partner countries and the
commitments' freshness light (issue #26), on the example built and served
by Datasette's own client: every bar and country is followed to the rows it
opens, and the rows counted."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import sys
import urllib.parse

import pycountry
import pytest

from outcomes.build import build

from conftest import EXAMPLE_EVENT, ROOT
from helpers import EVENT_YAML, dedent, write_library
from test_site import Client, client, db  # noqa: F401 (the site's client and database, as fixtures)

sys.path.insert(0, str(ROOT / "outcomes/site/plugins"))
from outcomes_site_parts import charts, freshness, worldmap  # noqa: E402

EVENT_PAGE = f"/outcomes/events/{EXAMPLE_EVENT}"
PAGES = ["/", EVENT_PAGE]
LANGS = ["it", "en"]
TABLE_ROW = re.compile(r'<tr><th scope="row"><a href="([^"]+)"(?: lang="\w+")?>([^<]+)</a></th><td class="number">([\d.,]+)</td>'
                       r'(?:<td class="number">(?:<a href="([^"]+)">)?([\d.,]+))?')
SVG_BAR = re.compile(r'<a href="([^"]+)" tabindex="-1" class="(chart-bar(?: chart-overdue)?|map-country)"><title>([^<]*)</title>')


def page(client, path: str, lang: str) -> str:
    return client.ok(f"{path}{'&' if '?' in path else '?'}_lang={lang}").text


def sections(text: str, css_class: str) -> dict[str, str]:
    """The charts (or the map) of a page: id -> its HTML."""
    found = re.findall(rf'<section class="{css_class}" id="([^"]+)".*?</section>', text, re.S)
    bodies = re.findall(rf'<section class="{css_class}" id="[^"]+".*?</section>', text, re.S)
    return dict(zip(found, bodies))


def number(text: str) -> int:
    return int(text.replace(".", "").replace(",", ""))


_OPENED: dict[tuple[int, str], int] = {}


def opened(client, url: str) -> int:
    """Follow a bar's link as a reader does (the page answers), and count
    the rows it opens (its JSON, the same address). The links are the same
    in both languages: each is followed once."""
    path = html.unescape(url)
    if (id(client), path) not in _OPENED:
        client.ok(path)
        base, _, query = path.partition("?")
        _OPENED[id(client), path] = client.ok(f"{base}.json?{query}&_size=0").json()["filtered_table_rows_count"]
    return _OPENED[id(client), path]


def bars(section: str) -> list[tuple[str, int, str | None, int | None]]:
    """(url, count, overdue url, overdue count) of each row of a chart's table."""
    rows = []
    for url, _label, count, late_url, late in TABLE_ROW.findall(section):
        rows.append((url, number(count), late_url or None, number(late) if late else None))
    return rows


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", PAGES)
def test_every_bar_opens_the_outcomes_it_counts(client, path, lang):
    """Each chart of the home page and the event page: its table's links are
    its drawing's links, and each opens as many outcomes as it shows."""
    text = page(client, path, lang)
    charts_found = sections(text, "outcomes-chart")
    expected = ["types", "goals", "gcm", "actors", *(["events", "years"] if path == "/" else []), "commitments"]
    assert list(charts_found) == [f"grafico-{name}" for name in expected]
    followed = 0
    for name, section in charts_found.items():
        rows = bars(section)
        assert rows, name
        table_links = {url for url, _, _, _ in rows} | {late for _, _, late, _ in rows if late}
        drawn = {url for url, _, _ in SVG_BAR.findall(section)}
        assert drawn == table_links, name
        for url, count, late_url, late in rows:
            assert opened(client, url) == count, (name, url)
            followed += 1
            if late_url:
                assert opened(client, late_url) == late, (name, late_url)
                followed += 1
        # The drawing shows the same numbers as the table, in the same order.
        shown = [number(n) for n in re.findall(r'font-weight="bold">([\d.,]+)</text>', section)]
        assert shown == [count for _, count, _, _ in rows], name
    assert followed >= 50


def test_the_charts_count_what_the_database_holds(client, db):
    """Against the database itself: by type, by goal (in the UN's colours), and
    the overdue commitments as of today (due before it, neither done nor dropped)."""
    home = sections(page(client, "/", "it"), "outcomes-chart")
    types = {html.unescape(url).rsplit("type=", 1)[1]: count for url, count, _, _ in bars(home["grafico-types"])}
    assert types == {row[0]: row[1] for row in db.execute("select type, count(*) from outcomes group by type")}
    goals = dict(db.execute("select sdg_goal_id, count(*) from outcome_sdg_goals group by 1").fetchall())
    drawn = re.findall(r'<title>(\d+) [^<]*: (\d+)</title><text[^>]*>[^<]*</text><rect [^>]*fill="(#[0-9A-Fa-f]{6})"', home["grafico-goals"])
    colours = dict(db.execute("select id, colour from sdg_goals").fetchall())
    assert [(int(goal), int(count), colour) for goal, count, colour in drawn] == [
        (goal, goals[goal], colours[goal]) for goal in sorted(goals)
    ]
    today = freshness.today().isoformat()
    late = db.execute(
        "select count(*) from outcomes where type = 'commitment' and due < ? and current_status not in ('done', 'dropped')", [today]
    ).fetchone()[0]
    assert sum(late or 0 for _, _, _, late in bars(home["grafico-commitments"])) == late == 5


def test_summaries_in_words_in_both_languages(client):
    """Each chart says its numbers in a sentence (what a glance at the bars tells)."""
    summaries = {}
    for lang in LANGS:
        text = page(client, "/", lang)
        summaries[lang] = {
            name: html.unescape(re.search(r'<p class="chart-summary">(.*?)</p>', body, re.S).group(1))
            for name, body in sections(text, "outcomes-chart").items()
        }
    assert summaries["it"]["grafico-types"] == (
        "98 esiti: 17 constatazioni, 17 raccomandazioni, 17 buone pratiche, 17 questioni aperte, 15 impegni, 15 criticità."
    )
    assert summaries["en"]["grafico-types"] == (
        "98 outcomes: 17 findings, 17 recommendations, 17 good practices, 17 open questions, 15 commitments, 15 challenges."
    )
    assert summaries["it"]["grafico-goals"].startswith(
        "98 esiti legati a 12 goal (un esito può esserlo a più goal); i più frequenti: 17 Partnership per gli obiettivi (59), "
        "10 Ridurre le disuguaglianze (32)"
    )
    assert summaries["en"]["grafico-years"] == "98 outcomes: 2019 (98)."
    # An event's title stays in its language, and says so on an English page.
    english = sections(page(client, "/", "en"), "outcomes-chart")["grafico-events"]
    assert f'<a href="/outcomes/outcomes?event_id={EXAMPLE_EVENT}" lang="it">Sguardi e prospettive' in english
    assert summaries["it"]["grafico-commitments"].startswith(
        "15 impegni, 5 in ritardo: Proposto (1, di cui 1 in ritardo), Concordato (1, di cui 1 in ritardo), "
        "In corso (3, di cui 3 in ritardo), Realizzato (8), Abbandonato (2). In ritardo: la scadenza è passata"
    )
    assert summaries["en"]["grafico-commitments"].startswith(
        "15 commitments, 5 overdue: Proposed (1, 1 of them overdue), Agreed (1, 1 of them overdue), In progress (3, 3 of them overdue),"
    )


def test_the_drawings_are_hidden_from_screen_readers_and_their_tables_are_not(client):
    text = page(client, "/", "it")
    svgs = re.findall(r"<svg class=\"outcomes-(?:chart|map)-svg\"[^>]*>", text)
    assert len(svgs) == 8 and all('aria-hidden="true"' in svg and 'focusable="false"' in svg for svg in svgs)
    # No link of a drawing takes keyboard focus (the table's links are the same).
    for section in [*sections(text, "outcomes-chart").values(), *sections(text, "outcomes-map").values()]:
        assert section.count('tabindex="-1"') == len(SVG_BAR.findall(section)) > 0
    for name, section in sections(text, "outcomes-chart").items():
        assert f'<table class="chart-table" aria-labelledby="{name}-titolo">' in section
        assert re.search(rf'<h3 id="{name}-titolo">[^<]+</h3>', section)
    # Nothing remote, no script: drawn on the server.
    assert "<script" not in "".join(sections(text, "outcomes-chart").values())


def luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_colours_reach_wcag_contrast():
    """Graphics 3:1 against the page, text 4.5:1 (WCAG 1.4.11, 1.4.3). SDG
    colours are the UN's own and some are light (goal 7's yellow is 1.7:1):
    every bar is outlined, and the outline carries the contrast."""
    page_colour = charts.BACKGROUND
    assert contrast(charts.INK, page_colour) >= 4.5
    for colour in (charts.OUTLINE, charts.BAR, charts.OVERDUE, *worldmap.CLASSES, *freshness.COLOURS.values()):
        assert contrast(colour, page_colour) >= 3, colour
    sdg = [line.rsplit(",", 1)[1] for line in (ROOT / "outcomes/vocabularies/sdg_goals.csv").read_text().splitlines()[1:]]
    assert len(sdg) == 17 and min(contrast(colour, page_colour) for colour in sdg) < 3  # why the outline is there
    assert all(contrast(charts.OUTLINE, colour) >= 3 or contrast(colour, page_colour) >= 3 for colour in sdg)


def test_sdg_colours_are_the_uns():
    """The official palette of the 17 goals (UN Department of Global Communications' guidelines)."""
    official = "E5243B DDA63A 4C9F38 C5192D FF3A21 26BDE2 FCC30B A21942 FD6925 DD1367 FD9D24 BF8B2E 3F7E44 0A97D9 56C02B 00689D 19486A"
    rows = (ROOT / "outcomes/vocabularies/sdg_goals.csv").read_text().splitlines()[1:]
    assert [row.rsplit(",", 1)[1] for row in rows] == [f"#{colour}" for colour in official.split()]


# --- The world map ---------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["/", "/outcomes/countries"])
def test_every_country_of_the_map_opens_its_outcomes(client, db, path, lang):
    text = page(client, path, lang)
    (section,) = sections(text, "outcomes-map").values()
    rows = bars(section)
    expected = db.execute(
        f"select countries.label_{lang}, count(*) from outcome_countries join countries on countries.id = country_id "
        "group by country_id order by 2 desc, 1"
    ).fetchall()
    labels = [html.unescape(label) for _, label, _, _, _ in TABLE_ROW.findall(section)]
    assert [(label, count) for label, (_, count, _, _) in zip(labels, rows)] == [tuple(row) for row in expected]
    drawn = {url for url, _, _ in SVG_BAR.findall(section)}
    assert drawn == {url for url, _, _, _ in rows}  # the example's ten countries all have a shape
    for url, count, _, _ in rows:
        assert opened(client, url) == count, url
    legend = re.search(r'<p class="map-legend">(.*?)</p>', section, re.S).group(1)
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", legend)).strip()
    assert words == {"it": "Esiti per paese: nessun esito da 1 a 6 da 7 a 11 da 12 a 16 da 17 a 21",
                     "en": "Outcomes per country: no outcome 1 to 6 7 to 11 12 to 16 17 to 21"}[lang]  # fmt: skip
    assert "Natural Earth" in section


def test_map_classes_cover_every_count():
    for largest in (1, 2, 3, 4, 5, 21, 1000):
        bands = worldmap.classes(largest)
        assert bands[0].low == 1 and bands[-1].high == largest
        assert all(a.high + 1 == b.low for a, b in zip(bands, bands[1:]))
        assert [worldmap.shade(n, bands) for n in (1, largest)] == [bands[0].colour, bands[-1].colour]
    assert [(b.low, b.high) for b in worldmap.classes(21)] == [(1, 6), (7, 11), (12, 16), (17, 21)]


def test_map_shapes_are_package_data_with_their_source():
    data = json.loads(worldmap.SHAPES.read_text())
    assert "Natural Earth" in data["source"] and "world-atlas" in data["source"] and "public domain" in data["licence"]
    assert len(data["countries"]) > 170
    assert all(pycountry.countries.get(alpha_2=code) or code == "XK" for code in data["countries"])
    assert all(re.fullmatch(r"(M-?\d+ -?\d+(l-?\d+ -?\d+)+z)+", d) for d in data["countries"].values())
    assert worldmap.SHAPES.stat().st_size < 80_000


# --- The freshness light ---------------------------------------------------------------


@pytest.mark.parametrize("updated, due, status, light", [
    ("2025-06-15", None, "in_progress", "green"),  # exactly 12 months: within
    ("2025-06-14", None, "in_progress", "yellow"),  # a day more
    ("2024-06-15", None, "in_progress", "yellow"),  # exactly 24 months
    ("2024-06-14", None, "in_progress", "red"),  # a day more
    ("2026-06-15", "2026-06-14", "in_progress", "red"),  # updated today, but overdue
    ("2026-06-15", "2026-06-15", "in_progress", "green"),  # due today: not overdue yet
    ("2026-01-01", "2026-06-14", "done", "green"),  # done: never overdue
    ("2020-01-01", "2021-01-01", "dropped", "red"),  # old news all the same
    (None, None, "proposed", "red"),
])  # fmt: skip
def test_freshness_boundaries_with_a_fixed_clock(updated, due, status, light):
    assert freshness.light(updated, due, status, on=dt.date(2026, 6, 15)) == light


def test_months_before_the_end_of_a_month():
    assert freshness.months_before(dt.date(2026, 2, 28), 12) == dt.date(2025, 2, 28)
    assert freshness.months_before(dt.date(2024, 2, 29), 12) == dt.date(2023, 2, 28)
    assert freshness.months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert freshness.months_before(dt.date(2026, 1, 15), 24) == dt.date(2024, 1, 15)


def commitment(slug: str, due: dt.date) -> str:
    return dedent(f"""
      - id: {slug}
        type: commitment
        title: Impegno {slug}
        text: |
          Un impegno.
        owner: Regione Piemonte
        due: {due.isoformat()}
        status: agreed
    """)


@pytest.fixture(scope="module")
def fresh_library(tmp_path_factory):
    """Four commitments updated at the lights' boundaries as of today (UTC,
    as /impegni's overdue), one overdue, one never updated; built."""
    root = tmp_path_factory.mktemp("freshness")
    today = freshness.today()
    later = today + dt.timedelta(days=400)
    updates = {
        "verde": freshness.months_before(today, 12),
        "giallo": freshness.months_before(today, 12) - dt.timedelta(days=1),
        "ancora-giallo": freshness.months_before(today, 24),
        "rosso": freshness.months_before(today, 24) - dt.timedelta(days=1),
        "in-ritardo": today,
    }
    dues = {slug: later for slug in updates} | {"in-ritardo": today - dt.timedelta(days=1), "mai-aggiornato": later}
    session = dedent("""
        title: Impegni a confronto
        kind: workshop
        date: 2019-10-15
        start: "14:30"
        end: "17:00"
        summary: |
          Impegni.
        outcomes:
    """) + "".join(commitment(slug, due) for slug, due in dues.items())
    notes = write_library(root, session=session, event=EVENT_YAML)
    followup = "".join(
        f"- commitment: laboratorio/{slug}\n  date: {day.isoformat()}\n  status: in_progress\n  text: Si procede.\n"
        for slug, day in updates.items()
    )
    (notes / "convegno-2019" / "followup.yaml").write_text(followup, "utf-8")
    out = root / "build"
    result = build(notes, out)
    assert result.ok, [p.format() for p in result.problems]
    client = Client(out)
    yield client
    client.close()


LIGHTS = {
    "verde": "green", "giallo": "yellow", "ancora-giallo": "yellow", "rosso": "red", "in-ritardo": "red", "mai-aggiornato": "red",
}  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_impegni_shows_each_commitments_light_and_the_rule(fresh_library, lang):
    text = page(fresh_library, "/outcomes/impegni", lang)
    items = re.findall(r'<li class="commitment-item[^"]*">.*?</li>', text, re.S)
    shown = {}
    for item in items:
        slug = re.search(r'href="/outcomes/outcomes/convegno-2019--laboratorio--([^"]+)"', item).group(1)
        shown[slug] = re.search(r'class="freshness freshness-(\w+)"', item).group(1)
    assert shown == LIGHTS
    # Not by colour alone: each light is said in words.
    words = {
        "it": {"verde": "aggiornato negli ultimi 12 mesi", "giallo": "aggiornato tra 12 e 24 mesi fa", "rosso": "nessuna notizia da oltre 24 mesi",
               "in-ritardo": "in ritardo"},
        "en": {"verde": "updated within 12 months", "giallo": "updated 12 to 24 months ago", "rosso": "no news for over 24 months",
               "in-ritardo": "overdue"},
    }[lang]  # fmt: skip
    said = {slug: re.search(r"<strong>([^<]+)</strong>", item).group(1) for slug, item in zip(shown, items)}
    assert said == {slug: words.get(slug) or words[{"ancora-giallo": "giallo", "mai-aggiornato": "rosso"}[slug]] for slug in LIGHTS}
    rule = {
        "it": "Il semaforo dice quanto è fresca la notizia di un impegno: verde se l'ultimo aggiornamento pubblico risale a 12 mesi fa "
        "o meno, giallo se a più di 12 e fino a 24, rosso se a più di 24 mesi o se l'impegno è in ritardo. Senza aggiornamenti "
        "conta il giorno della sessione in cui fu preso.",
        "en": "The light says how fresh a commitment's news is: green if its latest public update is 12 months old or less, yellow "
        "if more than 12 and up to 24, red if more than 24 months or if the commitment is overdue. Without updates, the day of "
        "the session where it was made counts.",
    }[lang]
    assert f'<p class="hint freshness-rule">{rule}</p>' in html.unescape(text)


def test_a_commitments_page_shows_its_light_with_the_rule(fresh_library):
    text = page(fresh_library, "/outcomes/outcomes/convegno-2019--laboratorio--giallo", "it")
    assert re.search(r'<dt>Aggiornamento</dt><dd><span class="freshness freshness-yellow">', text)
    assert "Il semaforo dice quanto è fresca la notizia" in html.unescape(text)
    never = page(fresh_library, "/outcomes/outcomes/convegno-2019--laboratorio--mai-aggiornato", "it")
    assert "(ultima notizia del 15 ottobre 2019)" in never  # the session's day


def test_the_commitments_chart_marks_the_overdue_one(fresh_library):
    (section,) = [body for name, body in sections(page(fresh_library, "/", "it"), "outcomes-chart").items() if name == "grafico-commitments"]
    # Agreed (never updated) and in progress (one of them overdue).
    assert [(count, late) for _, count, _, late in bars(section)] == [(1, 0), (5, 1)]
    (url,) = [late_url for _, _, late_url, _ in bars(section) if late_url]
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(html.unescape(url)).query)["due__lt"] == [freshness.today().isoformat()]
    assert opened(fresh_library, url) == 1
    assert 'fill="url(#hatch-commitments)"' in section


def test_the_map_and_charts_leave_out_what_a_library_lacks(fresh_library):
    """Only commitments, no country, no goal: the charts a library has, no map."""
    text = page(fresh_library, "/", "it")
    assert list(sections(text, "outcomes-chart")) == ["grafico-types", "grafico-events", "grafico-years", "grafico-commitments"]
    assert not sections(text, "outcomes-map")
