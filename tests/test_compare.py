"""Compare: events or sessions side by side, reached from their pages,
every count followed to the outcomes it opens and checked against the
database's link tables; JSON and CSV of the same numbers; bad addresses
answered with a page that says why. The example event beside a second one
(its two workshops only), served by a real Datasette from the build."""

from __future__ import annotations

import csv
import io
import re
import shutil
import urllib.parse

import lxml.html
import pytest

from outcomes import store

from conftest import EXAMPLE_EVENT, EXAMPLE_NOTES
from research_helpers import built_site, client, db, get  # noqa: F401  (fixtures on this module's library)

EVENT = EXAMPLE_EVENT
SECOND = "secondo-convegno-2019"
AGENDA = f"{EVENT}--cooperazione-decentrata-agenda-2030"
MIGRATION = f"{EVENT}--migrazione-cooperazione-internazionale"
PLENARY = f"{EVENT}--plenaria-mattina"
# The outcomes' columns a comparison counts and where the database links them.
LINKED = {attribute: (table, column) for table, (column, attribute) in store.LINKS.items()}


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """The example event and a second one holding only its two workshops."""
    root = tmp_path_factory.mktemp("compare")
    notes = root / "notes"
    shutil.copytree(EXAMPLE_NOTES, notes)
    second = notes / SECOND
    shutil.copytree(notes / EVENT, second)
    (second / "plenaria-mattina.yaml").unlink()
    (second / "followup.yaml").unlink()
    event = (second / "event.yaml").read_text("utf-8")
    (second / "event.yaml").write_text(event.replace("title: Sguardi e prospettive", "title: Secondo sguardo sulle prospettive", 1), "utf-8")
    # One outcome of the second event names Cabo Verde, which no other does.
    workshop = (second / "migrazione-cooperazione-internazionale.yaml").read_text("utf-8")
    (second / "migrazione-cooperazione-internazionale.yaml").write_text(workshop.replace("countries: [SN, ML, CI]", "countries: [SN, ML, CI, CV]", 1), "utf-8")
    return built_site(notes, root / "build")


def truth(db, key: str, id: str, column: str, code: str) -> set[str]:
    """The outcomes of an event or session holding ``code`` in ``column``,
    read from the link tables (not the JSON arrays the site counts)."""
    if column == "type":
        sql = f"select id from outcomes where {key} = ? and type = ?"
    else:
        table, code_column = LINKED[column]
        sql = f"select outcome_id from {table} join outcomes on outcomes.id = outcome_id where {key} = ? and {code_column} = ?"
    return {row[0] for row in db.execute(sql, (id, code))}


def expected_counts(db, key: str, ids: list[str]) -> dict[tuple[str, str], list[int]]:
    """(column, code) -> the count of each item, for every value any item has."""
    found = {}
    for id in ids:
        for (code,) in db.execute(f"select distinct type from outcomes where {key} = ?", (id,)):
            found[("type", code)] = None
        for column, (table, code_column) in LINKED.items():
            sql = f"select distinct {code_column} from {table} join outcomes on outcomes.id = outcome_id where {key} = ?"
            for (code,) in db.execute(sql, (id,)):
                found[(column, str(code))] = None
    return {(column, code): [len(truth(db, key, id, column, code)) for id in ids] for column, code in found}


def follow_counts(client, db, path: str, key: str, ids: list[str]) -> int:
    """Follow every count of a comparison page to the list of outcomes it
    opens: the list holds exactly the outcomes the link tables say, as many
    as the count shows. Returns how many were followed."""
    tree = lxml.html.fromstring(get(client, path).text)
    links = tree.find_class("compare-count")
    assert links
    for link in links:
        url = urllib.parse.urlsplit(link.get("href"))
        assert url.path == "/outcomes/outcomes", link.get("href")
        query = dict(urllib.parse.parse_qsl(url.query))
        id = query.pop(key)
        assert id in ids
        data = client.ok(f"/outcomes/outcomes.json?{url.query}&_size=max&_col=id&_nofacet=1").json()
        shown = int(re.sub(r"\D", "", link.text_content()))
        assert data["filtered_table_rows_count"] == shown, link.get("href")
        if query:
            [(filter, code)] = query.items()
            expected = truth(db, key, id, filter.removesuffix("__arraycontains"), code)
        else:
            expected = {row[0] for row in db.execute(f"select id from outcomes where {key} = ?", (id,))}
        assert {row[0] for row in data["rows"]} == expected, link.get("href")
    return len(links)


def test_the_two_workshops_side_by_side_from_the_event_page(client, db):
    event = lxml.html.fromstring(client.ok(f"/outcomes/events/{EVENT}").text)
    [link] = [a for a in event.iter("a") if a.text_content() == "Le sessioni di tipo «Laboratorio» fianco a fianco (2)"]
    path = link.get("href")
    assert path == f"/outcomes/confronta?sessione={AGENDA}&sessione={MIGRATION}"
    page = client.ok(path).text
    tree = lxml.html.fromstring(page)
    assert tree.findtext(".//h1") == "Confronta"
    lead = tree.find_class("lead")[0].text_content()
    assert lead.startswith("2 sessioni fianco a fianco: Sguardi e prospettive della cooperazione decentrata e la migrazione per lavoro. ")
    # Every value of every column, with the count of each workshop, as the database links them.
    expected = expected_counts(db, "session_id", [AGENDA, MIGRATION])
    json_path = f"/outcomes/confronta.json?sessione={AGENDA}&sessione={MIGRATION}"
    assert f'<a href="{json_path.replace("&", "&amp;")}">JSON</a>' in page
    data = client.ok(json_path).json()
    shown = {(column["column"], row["code"]): [row["counts"][AGENDA], row["counts"][MIGRATION]]
             for column in data["dimensions"] for row in column["rows"]}  # fmt: skip
    assert shown == expected
    assert [column["column"] for column in data["dimensions"]] == ["type", *client.ds.plugin_config("outcomes-site")["vocabularies"]]
    assert [item["outcomes"] for item in data["items"]] == [40, 40]
    # Every count on the page opens what it counts.
    followed = follow_counts(client, db, path, "session_id", [AGENDA, MIGRATION])
    assert followed == 2 + sum(1 for counts in expected.values() for count in counts if count)
    # What one workshop has and the other lacks: targets only in the first, by the link tables.
    targets = {id: {row[0] for row in db.execute(
        "select sdg_target_id from outcome_sdg_targets join outcomes on outcomes.id = outcome_id where session_id = ?", (id,))}
        for id in (AGENDA, MIGRATION)}  # fmt: skip
    only = tree.find_class("compare-only")
    assert len(only) == 2
    for section, (mine, other) in zip(only, ((AGENDA, MIGRATION), (MIGRATION, AGENDA))):
        [targets_dt] = [dt for dt in section.iter("dt") if dt.text_content() == "Target dell'Agenda 2030"]
        listed = {a.text_content().split(" · ")[0] for a in targets_dt.getnext().iter("a")}
        assert listed == targets[mine] - targets[other] != set()


def test_the_session_page_puts_it_beside_the_other_sessions(client):
    page = lxml.html.fromstring(client.ok(f"/outcomes/sessions/{PLENARY}").text)
    [section] = page.find_class("compare-links")
    links = {a.text_content(): a.get("href") for a in section.iter("a")}
    assert links == {
        "Tutte le sessioni dell'evento fianco a fianco": f"/outcomes/confronta?sessione={PLENARY}&sessione={AGENDA}&sessione={MIGRATION}",
        "La Cooperazione Decentrata nel contesto dell'Agenda 2030 e il ruolo degli attori locali": f"/outcomes/confronta?sessione={PLENARY}&sessione={AGENDA}",
        "Migrazione e Cooperazione Internazionale": f"/outcomes/confronta?sessione={PLENARY}&sessione={MIGRATION}",
        "Scegli che cosa confrontare": "/outcomes/confronta",
    }
    for href in links.values():
        assert client.get(href).status_code == 200, href
    three = lxml.html.fromstring(client.ok(links["Tutte le sessioni dell'evento fianco a fianco"]).text)
    header = three.find_class("compare-table")[0].find("thead")
    assert [(a.text_content(), a.get("href")) for a in header.iter("a")] == [
        ("Plenaria di apertura – Cooperazione decentrata e migrazione per lavoro in Piemonte", f"/outcomes/sessions/{PLENARY}"),
        ("La Cooperazione Decentrata nel contesto dell'Agenda 2030 e il ruolo degli attori locali", f"/outcomes/sessions/{AGENDA}"),
        ("Migrazione e Cooperazione Internazionale", f"/outcomes/sessions/{MIGRATION}"),
    ]


def test_two_events_side_by_side_in_english_with_csv_and_json(client, db):
    event = lxml.html.fromstring(get(client, f"/outcomes/events/{SECOND}", "en").text)
    [section] = event.find_class("compare-links")
    [link] = [a for a in section.iter("a") if a.text_content() == "Sguardi e prospettive della cooperazione decentrata e la migrazione per lavoro"]
    assert link.getparent().text_content().split(":")[0].strip() == "This event beside"
    path = link.get("href")
    assert path == f"/outcomes/confronta?evento={SECOND}&evento={EVENT}"
    page = get(client, path, "en")
    assert page.status_code == 200 and '<html lang="en">' in page.text
    tree = lxml.html.fromstring(page.text)
    assert "2 events side by side." in tree.find_class("lead")[0].text_content()
    assert [caption.text_content() for caption in tree.iter("caption")] == [
        "Outcomes", "Type of outcome", "2030 Agenda targets", "2030 Agenda goals", "Global Compact objectives",
        "Partner countries", "Types of actor", "Themes",
    ]  # fmt: skip
    follow_counts(client, db, path, "event_id", [SECOND, EVENT])
    # What one event has and the other lacks, as the link tables say: Cabo Verde only in the second.
    counts = expected_counts(db, "event_id", [SECOND, EVENT])
    for section, position in zip(tree.find_class("compare-only"), (0, 1)):
        lacking = {key for key, numbers in counts.items() if numbers[position] and not numbers[1 - position]}
        listed = {urllib.parse.unquote(a.get("href").split("&", 1)[1]) for a in section.iter("a")}
        assert listed == {f"{column}={code}" if column == "type" else f"{column}__arraycontains={code}" for column, code in lacking}
    [second_only, first_only] = tree.find_class("compare-only")
    assert [(dt.text_content(), dt.getnext().text_content()) for dt in second_only.iter("dt")] == [("Partner countries", "Cabo Verde")]
    assert "Nothing the others lack." in first_only.text_content()
    # The same numbers as JSON and CSV, in English.
    data = get(client, f"/outcomes/confronta.json?evento={SECOND}&evento={EVENT}", "en").json()
    assert data["ok"] and data["compared"] == "events" and data["language"] == "en"
    assert [(item["id"], item["outcomes"]) for item in data["items"]] == [(SECOND, 80), (EVENT, 98)]
    rows = {(column["column"], row["code"]): [row["counts"][SECOND], row["counts"][EVENT]] for column in data["dimensions"] for row in column["rows"]}
    assert rows == counts
    response = get(client, f"/outcomes/confronta.csv?evento={SECOND}&evento={EVENT}", "en")
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="confronta.csv"'
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == ["List", "Code", "Entry", "Secondo sguardo sulle prospettive della cooperazione decentrata e la migrazione per lavoro",
                        "Sguardi e prospettive della cooperazione decentrata e la migrazione per lavoro"]  # fmt: skip
    assert table[1] == ["Outcomes", "", "All outcomes", "80", "98"]
    names = {column["name"]: column["column"] for column in data["dimensions"]}
    assert {(names[name], code): [int(a), int(b)] for name, code, _, a, b in table[2:]} == counts
    labels = {(column["name"], row["code"]): row["label"] for column in data["dimensions"] for row in column["rows"]}
    assert {(name, code): label for name, code, label, *_ in table[2:]} == labels
    assert ("Type of outcome", "finding", "Finding") in {tuple(row[:3]) for row in table}
    assert not any("<" in cell or "&#" in cell for row in table for cell in row)


BAD = [
    (f"?sessione={PLENARY}", 400, "Un confronto vuole almeno due sessioni, e l'indirizzo ne nomina una sola: scegline un'altra qui sotto.",
     "A comparison needs at least two sessions, and the address names only one: choose another below."),
    (f"?evento={EVENT}&evento={EVENT}", 400, "Un confronto vuole almeno due eventi, e l'indirizzo ne nomina uno solo: scegline un altro qui sotto.",
     "A comparison needs at least two events, and the address names only one: choose another below."),
    (f"?evento={EVENT}&evento=nessuno", 404, "Nessun evento ha questo identificativo: nessuno. Scegli qui sotto.",
     "No event has this identifier: nessuno. Choose below."),
    (f"?evento={EVENT}&sessione={PLENARY}", 400,
     "Si confrontano eventi con eventi o sessioni con sessioni, e l'indirizzo nomina gli uni e le altre: scegli qui sotto.",
     "Events are compared with events and sessions with sessions, and the address names both: choose below."),
    ("?" + "&".join(f"sessione={PLENARY}{n}" for n in range(13)), 400, "Si confrontano al più 12 eventi o sessioni alla volta.",
     "At most 12 events or sessions are compared at a time."),
]  # fmt: skip


@pytest.mark.parametrize("query, status, italian, english", BAD)
def test_bad_parameters_get_a_page_that_says_why(client, query, status, italian, english):
    for lang, said in (("it", italian), ("en", english)):
        page = get(client, f"/outcomes/confronta{query}", lang)
        assert page.status_code == status
        tree = lxml.html.fromstring(page.text)
        assert tree.get("lang") == lang
        assert [p.text_content() for p in tree.find_class("compare-refused")] == [said]
        # The choice to make again: every event, and the sessions of a session named.
        boxes = [(box.get("name"), box.get("value"), box.get("checked") is not None) for box in tree.iter("input")]
        assert ("evento", EVENT, f"evento={EVENT}" in query) in boxes and ("evento", SECOND, False) in boxes
        if query == f"?sessione={PLENARY}":
            assert ("sessione", PLENARY, True) in boxes and ("sessione", AGENDA, False) in boxes
        data = get(client, f"/outcomes/confronta.json{query}", lang)
        assert (data.status_code, data.json()) == (status, {"ok": False, "error": said, "status": status})
        text = get(client, f"/outcomes/confronta.csv{query}", lang)
        assert (text.status_code, text.text) == (status, said + "\n")


def test_the_chooser_without_parameters(client):
    page = client.ok("/outcomes/confronta")
    tree = lxml.html.fromstring(page.text)
    assert tree.find_class("compare-refused") == [] and tree.find_class("compare-table") == []
    # Latest first, then by id (both events are of the same day).
    assert [box.get("value") for box in tree.iter("input") if box.get("name") == "evento"] == [SECOND, EVENT]
    for fmt in (".json", ".csv"):
        assert client.get(f"/outcomes/confronta{fmt}").status_code == 400
