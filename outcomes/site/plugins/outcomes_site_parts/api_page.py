"""The API page, ``/api``: the JSON and CSV addresses a researcher's script
can read (the tables, the search, the facets, the ready-made questions, the
comparison, the citations, the open data), each with an example made from
the library's own data (its latest event, that event's sessions, one of its
outcomes) and the media type it answers with; and how to cite the dataset."""

from __future__ import annotations

import urllib.parse

from datasette import Response
from datasette.utils import tilde_encode

from .base import DATABASE, all_rows, one_row
from .cite import dataset_line
from .compare import COMPARE_PAGE
from .harvest import CATALOGUE_FILES, bundle_download
from .language import language
from .open_data import OPEN_DATA_FILES, open_data_file
from .search_page import SEARCH_QUERY

API_PAGE = "api"
JSON = "application/json"
CSV = "text/csv"


async def samples(datasette) -> dict | None:
    """What the examples name: the latest event, two of its sessions (its
    workshops when it has two), one of its outcomes and a value of each filter."""
    db = datasette.get_database(DATABASE)
    event = await one_row(db, "select id from events order by start_date desc, id limit 1", {})
    if event is None:
        return None
    sessions = await all_rows(
        db,
        "select id from sessions where event_id = :id order by kind = 'workshop' desc, date, start, id limit 2",
        {"id": event["id"]},
    )
    outcome = await one_row(db, "select id, type from outcomes where event_id = :id order by position, id limit 1", {"id": event["id"]})
    country = await one_row(db, "select country_id as id from outcome_countries group by 1 order by count(*) desc, 1 limit 1", {})
    goal = await one_row(db, "select sdg_goal_id as id from outcome_sdg_goals group by 1 order by count(*) desc, 1 limit 1", {})
    L = language()  # one of LANGUAGES: safe in SQL
    theme = await one_row(
        db,
        f"select themes.label_{L} as label from outcome_themes join themes on themes.id = theme_id group by theme_id order by count(*) desc, theme_id limit 1",
        {},
    )
    return {
        "event": event["id"],
        "sessions": [row["id"] for row in sessions],
        "outcome": outcome,
        "country": country["id"] if country else None,
        "goal": goal["id"] if goal else None,
        "word": theme["label"].lower() if theme else "",
    }


def _path(path: str, **query) -> str:
    pairs = [(name, value) for name, values in query.items() for value in (values if isinstance(values, list) else [values])]
    return path + ("?" + urllib.parse.urlencode(pairs) if pairs else "")


async def groups(datasette) -> list[dict]:
    """The page's sections, each a list of ``{"key", "path", "type"}``: the
    text that says what it gives (``api.entry.<key>``), the example's address
    and the media type it answers with."""
    found = await samples(datasette)
    if found is None:
        return []
    database = datasette.urls.database(DATABASE)
    outcomes = datasette.urls.table(DATABASE, "outcomes")
    outcome = found["outcome"]
    tables = [
        ("outcomes_json", _path(f"{outcomes}.json", type=outcome["type"] if outcome else "finding", _shape="array"), JSON),
        ("outcomes_csv", _path(f"{outcomes}.csv", event_id=found["event"], _size="max"), CSV),
        ("sessions_json", _path(datasette.urls.table(DATABASE, "sessions") + ".json", event_id=found["event"], _shape="array"), JSON),
        ("events_json", _path(datasette.urls.table(DATABASE, "events") + ".json", _shape="array"), JSON),
    ]
    if outcome:
        tables.append(("outcome_json", datasette.urls.row(DATABASE, "outcomes", tilde_encode(outcome["id"])) + ".json", JSON))
    search = [
        ("search_json", _path(f"{database}/{SEARCH_QUERY}.json", q=found["word"], _shape="array"), JSON),
        ("search_csv", _path(f"{database}/{SEARCH_QUERY}.csv", q=found["word"], _size="max"), CSV),
    ]
    if found["country"]:
        search.append(("search_filtered", _path(f"{database}/{SEARCH_QUERY}.json", paese=found["country"], _shape="array"), JSON))
    facets = [("facets", _path(f"{outcomes}.json", event_id=found["event"], _size="0"), JSON)]
    questions = [
        ("commitments", _path(f"{database}/impegni.json", _shape="array"), JSON),
        ("updates", _path(f"{database}/aggiornamenti.csv", _size="max"), CSV),
    ]
    if found["goal"] is not None:
        questions.append(("by_goal", _path(f"{database}/raccomandazioni_per_goal.json", goal=found["goal"], _shape="array"), JSON))
    compare = []
    if len(found["sessions"]) == 2:
        compare = [
            ("compare_json", _path(f"{database}/{COMPARE_PAGE}.json", sessione=found["sessions"]), JSON),
            ("compare_csv", _path(f"{database}/{COMPARE_PAGE}.csv", sessione=found["sessions"]), CSV),
        ]
    citing = []
    if outcome:
        row = datasette.urls.row(DATABASE, "outcomes", tilde_encode(outcome["id"]))
        citing = [("bibtex", f"{row}.bib", "application/x-bibtex"), ("ris", f"{row}.ris", "application/x-research-info-systems")]
    open_data = [
        (name.replace(".", "_").lower(), datasette.urls.path(f"/{name}"), media.split(";")[0])
        for name, media in {**OPEN_DATA_FILES, **CATALOGUE_FILES}.items()
        if open_data_file(datasette, name) is not None
    ]
    bundle = bundle_download(datasette, found["event"])
    if bundle:
        open_data.append(("bundle", bundle["url"], "application/zip"))
    open_data.append(("feed", f"{database}/feed.atom", "application/xml"))
    sections = [("tables", tables), ("search", search), ("facets", facets), ("questions", questions), ("compare", compare),
                ("citing", citing), ("open_data", open_data)]  # fmt: skip
    return [
        {"key": key, "entries": [{"key": entry, "path": path, "type": media} for entry, path, media in entries]}
        for key, entries in sections if entries
    ]  # fmt: skip


async def api_page(datasette, request):
    context = {
        "database": DATABASE,
        "groups": await groups(datasette),
        "dataset": dataset_line(datasette),
        "metadata": {key: datasette.metadata(key) for key in ("license", "license_url", "source", "source_url")},
    }
    html = await datasette.render_template(["api.html"], context, request=request)
    return Response.html(html)


def routes() -> list[tuple[str, object]]:
    return [(rf"^/{API_PAGE}$", api_page)]


def template_vars(datasette) -> dict:
    return {"api_url": datasette.urls.path(f"/{API_PAGE}")}
