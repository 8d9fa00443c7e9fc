"""The researchers' site: the example notes built, then served by a real
Datasette from the build folder (templates, plugins, static files and all)
and queried through Datasette's own client."""

from __future__ import annotations

import asyncio
import csv
import datetime
import importlib
import importlib.metadata
import io
import json
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import markupsafe
import pytest
from datasette.app import Datasette
from datasette.utils import tilde_encode

from outcomes import build, load, opendata, site, store
from outcomes.common import search
from outcomes.load import Problems

from conftest import EXAMPLE_EVENT, EXAMPLE_NOTES
from helpers import jsonld_blocks

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
EVENT = EXAMPLE_EVENT
AGENDA = f"{EVENT}--cooperazione-decentrata-agenda-2030"
MIGRATION = f"{EVENT}--migrazione-cooperazione-internazionale"
PLENARY = f"{EVENT}--plenaria-mattina"
# The site's fixed public address (never the request's Host).
PUBLIC_URL = site.metadata()["plugins"]["outcomes-site"]["public_url"]
SITE = PUBLIC_URL.rstrip("/")  # every absolute link starts with it, whatever the Host header


class Client:
    """Datasette's test client (httpx over ASGI), driven from synchronous tests."""

    def __init__(self, folder: Path):
        self.ds = Datasette(config_dir=folder)
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.ds.invoke_startup())

    def get(self, path: str):
        return self.loop.run_until_complete(self.ds.client.get(path))

    def post(self, path: str, **kwargs):
        return self.loop.run_until_complete(self.ds.client.post(path, **kwargs))

    def ok(self, path: str):
        response = self.get(path)
        assert response.status_code == 200, (path, response.text[:500])
        return response

    def rows(self, path: str) -> list[dict]:
        separator = "&" if "?" in path else "?"
        return self.ok(f"{path}{separator}_shape=array").json()

    def close(self):
        self.loop.close()


@pytest.fixture(scope="module")
def client(built):
    client = Client(built)
    yield client
    client.close()


@pytest.fixture(scope="module")
def db(built):
    """The built database, read directly: the truth the site is checked against."""
    conn = sqlite3.connect(f"file:{built / 'outcomes.db'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def ids(db) -> dict[str, str]:
    """Outcome slug (unique in the example notes) -> id."""
    return {row["slug"]: row["id"] for row in db.execute("select slug, id from outcomes")}


def search_rows(client, query: str) -> list[dict]:
    return client.rows("/outcomes/cerca.json?q=" + urllib.parse.quote(query))


def last(id: str) -> str:
    """An outcome's slug, a session's file name: the last part of an id."""
    return id.split("--")[-1]


def hits(client, query: str) -> list[tuple[str, str]]:
    """(kind, slug) of each result of the project's search, best first."""
    return [(row["tipo"], last(row["id"])) for row in search_rows(client, query)]


def table_search(client, query: str) -> list[str]:
    """Datasette's own table search (plain FTS5, unranked)."""
    rows = client.rows("/outcomes/outcomes.json?_col=id&_size=max&_search=" + urllib.parse.quote(query))
    return [last(row["id"]) for row in rows]


def labels(db, table: str) -> dict[str, str]:
    return {str(row["id"]): row["label_it"] for row in db.execute(f"select id, label_it from {table}")}


# --- Search -------------------------------------------------------------------

CITY = [
    ("esito", "scambio-tecnici-rifiuti-tunisia"),
    ("esito", "clima-e-mobilita-interna"),
    ("esito", "fondo-comunale-rendicontato-sdg"),
    ("esito", "giovani-nei-partenariati"),
    ("esito", "art-9-poco-utilizzato"),
    ("sessione", "cooperazione-decentrata-agenda-2030"),
]


def test_search_folds_accents(client):
    assert hits(client, "citta") == CITY
    assert hits(client, "città") == CITY
    assert hits(client, "CITTÀ") == CITY
    # Datasette's own table search folds accents too (the foundation's contract).
    assert sorted(table_search(client, "citta")) == sorted(id for kind, id in CITY if kind == "esito")


def test_search_finds_singular_and_plural(client):
    found = hits(client, "migrante")
    # The form as typed ranks first, then every text that has only "migranti".
    assert found[:2] == [
        ("esito", "educazione-finanziaria-famiglie-migranti"),
        ("esito", "barriere-linguistiche-servizi-lavoro"),
    ]
    assert ("esito", "donne-migranti-lavoro-di-cura") in found
    assert ("sessione", "plenaria-mattina") in found
    assert set(found) == set(hits(client, "migranti"))
    # Plain FTS sees only the two with "migrante".
    assert sorted(table_search(client, "migrante")) == sorted(id for kind, id in found[:2])


def test_search_finds_facilitatori_and_facilitazione(client):
    assert hits(client, "facilitatori") == [
        ("esito", "giovani-assenti-dai-tavoli"),  # "facilitatori", as typed: first
        ("sessione", "migrazione-cooperazione-internazionale"),  # "facilitatori" too
        ("sessione", "cooperazione-decentrata-agenda-2030"),
        ("esito", "giovani-nei-partenariati"),  # only "facilitazione"
    ]
    assert table_search(client, "facilitatori") == ["giovani-assenti-dai-tavoli"]


def words_starting(db, table: str, columns: str, prefix: str) -> set[str]:
    """Ids of rows with a word starting with ``prefix``, found without FTS."""
    pattern = re.compile(rf"\b{prefix}", re.IGNORECASE)
    rows = db.execute(f"select id, {columns} as text from {table}")
    return {last(row["id"]) for row in rows if pattern.search(row["text"])}


def test_search_by_prefix(client, db):
    found = hits(client, "coop*")
    assert {id for kind, id in found if kind == "esito"} == words_starting(
        db, "outcomes", "title || ' ' || text || ' ' || keywords", "coop"
    )
    assert {id for kind, id in found if kind == "sessione"} == words_starting(db, "sessions", "title || ' ' || summary", "coop")
    in_text = words_starting(db, "outcomes", "text", "coop") | words_starting(db, "sessions", "summary", "coop")
    for row in search_rows(client, "coop*"):
        assert ("<mark>coop" in row["estratto"].lower()) == (last(row["id"]) in in_text), row["id"]
    # Datasette's default search escapes the star: a literal "coop*" matches nothing.
    assert table_search(client, "coop*") == []


def test_search_with_an_elision(client):
    assert hits(client, "dell'Agenda") == [
        ("esito", "localizzare-qui-e-nei-partner"),
        ("esito", "fondo-comunale-rendicontato-sdg"),
        ("esito", "cooperazione-nella-strategia-regionale"),
        ("esito", "nessuna-banca-dati-progetti"),
        ("esito", "ambasciatori-ecg-seconde-generazioni"),
        ("esito", "scuole-chiedono-ecg"),
        ("sessione", "cooperazione-decentrata-agenda-2030"),
    ]
    assert hits(client, "dell’Agenda") == hits(client, "dell'Agenda")  # a typographic apostrophe
    # Datasette's raw mode passes the apostrophe to FTS5, which refuses it.
    raw = client.get("/outcomes/outcomes.json?_searchmode=raw&_search=" + urllib.parse.quote("dell'Agenda"))
    assert raw.status_code == 400


def test_empty_search_is_answered(client):
    for path in ("/outcomes/cerca", "/outcomes/cerca?q=", "/outcomes/cerca?q=+++"):
        assert client.rows(path.replace("/cerca", "/cerca.json")) == []
        page = client.ok(path).text
        assert "Una sola ricerca negli esiti" in page  # how to search, in place of results
        assert 'class="results"' not in page
    # Only articles and prepositions: nothing to look for, said so.
    assert client.rows("/outcomes/cerca.json?q=di+la") == []
    assert "Nessun esito e nessuna sessione contengono tutte le parole di «di la»." in client.ok("/outcomes/cerca?q=di+la").text


@pytest.mark.parametrize("query", ['"', "*", "NEAR(", "title:x", "a AND", "^", "-", "'", "((", '"migranti', "🙂", "x" * 500])
def test_no_query_makes_an_error(client, query):
    client.rows("/outcomes/cerca.json?q=" + urllib.parse.quote(query))


def test_results_are_ranked_by_relevance(client):
    found = search_rows(client, "rimesse collettive")
    in_title = [
        last(row["id"]) for row in found if "rimesse" in row["titolo"].lower() and "collettive" in row["titolo"].lower()
    ]
    assert sorted(in_title) == [
        "fondo-comunale-uno-a-uno",
        "mappatura-rimesse-collettive",
        "rimesse-collettive-senza-piani-comunali",
    ]
    # Both words in the title (and the text): first.
    assert sorted(last(row["id"]) for row in found[:3]) == sorted(in_title)
    assert len(found) > 3


def test_results_have_a_highlighted_snippet(client):
    first = search_rows(client, "migrante")[0]
    assert first == {
        "tipo": "esito",
        "id": first["id"],
        "titolo": "Educazione finanziaria per famiglie migranti con una banca di credito cooperativo",
        "categoria": "Buona pratica",
        "contesto": "Plenaria di apertura – Cooperazione decentrata e migrazione per lavoro in Piemonte",
        "estratto": first["estratto"],
        "perche": "testo",
    }
    assert "da lavoratore <mark>migrante</mark>, vuole avviare" in first["estratto"]
    assert last(first["id"]) == "educazione-finanziaria-famiglie-migranti"
    for row in search_rows(client, "rimesse collettive"):
        # Marked in the excerpt of the text, unless only the title matched.
        assert "<mark>" in row["estratto"] or "rimesse collettive" in row["titolo"], row["id"]


def test_one_search_across_outcomes_and_sessions(client):
    assert hits(client, "world café") == [("sessione", "cooperazione-decentrata-agenda-2030")]
    kinds = {kind for kind, _ in hits(client, "cooperazione")}
    assert kinds == {"esito", "sessione"}


def test_search_page(client, ids):
    page = client.ok("/outcomes/cerca?q=" + urllib.parse.quote("facilitatori")).text
    assert "4 risultati per «facilitatori», i più pertinenti per primi." in page
    assert f'<a href="/outcomes/outcomes/{ids["giovani-assenti-dai-tavoli"]}">' in page
    assert f'<a href="/outcomes/sessions/{MIGRATION}">' in page
    assert "modalità di <mark>facilitazione</mark> adatte" in page
    assert "&lt;mark&gt;" not in page
    hostile = client.ok("/outcomes/cerca?q=" + urllib.parse.quote("<script>alert(1)</script>")).text
    assert "<script>alert(1)" not in hostile
    assert "«&lt;script&gt;alert(1)&lt;/script&gt;»" in hostile


# --- A relevance set: plain FTS against the project's search ---------------------

# Queries a researcher might type, each with the outcomes (judged by reading
# the notes) that should be among the first ten results.
RELEVANCE = {
    "rimessa": [
        "rimesse-canali-informali",
        "rimesse-collettive-senza-piani-comunali",
        "mappatura-rimesse-collettive",
        "fondo-comunale-uno-a-uno",
        "incontri-rimesse-nelle-associazioni",
        "misurare-rimesse-sociali",
    ],
    "giovane": [
        "giovani-assenti-dai-tavoli",
        "giovani-nei-partenariati",
        "informazione-giovani-paesi-origine",
        "ambasciatori-ecg-seconde-generazioni",
    ],
    "lavoratore stagionale": [
        "tutele-tra-le-stagioni",
        "sfruttamento-lavoro-agricolo-stagionale",
        "pilota-migrazione-circolare-agricoltura",
    ],
    "scuola": [
        "scuole-chiedono-ecg",
        "gemellaggi-scolastici-burkina",
        "ambasciatori-ecg-seconde-generazioni",
        "tirocini-alberghieri-albania",
        "scuola-edile-romania",
    ],
    "donna migrante": ["donne-migranti-lavoro-di-cura", "prospettiva-di-genere"],
    "piccolo comune": ["art-9-poco-utilizzato", "gestione-associata-cooperazione", "vademecum-art-9"],
    "bando": ["bandi-con-regole-diverse", "bandi-premiano-partenariato-reale", "bando-congiunto-fondazione"],
    "titolo riconosciuto": ["sportello-titoli-sanitari", "riconoscimento-titoli-lento"],
    "competenza": [
        "certificazione-competenze-acquisite-all-estero",
        "competenze-informali-estero",
        "competenze-mancanti-enti-locali",
    ],
    "cooperativa femminile": ["karite-cooperative-donne-mali", "cooperative-argan-souss"],
    "dato": ["nessuna-banca-dati-progetti", "dati-regionali-frammentati", "dataset-aperto-progetti"],
    "formazione pre-partenza": [
        "formazione-prepartenza-art-23",
        "modulo-prepartenza-senegal",
        "orientamento-prepartenza-tunisia",
    ],
    "rientrare": [
        "rientro-vissuto-come-fallimento",
        "reintegrazione-nei-partenariati",
        "rientro-cooperativa-agricola-burkina",
    ],
    "sfruttato": ["sfruttamento-lavoro-agricolo-stagionale", "sportello-multilingue-raccolta"],
    "finanziamento": ["discontinuita-finanziamenti", "fondi-europei-piccole-associazioni"],
}


def plain_top10(client, query: str) -> list[str]:
    """Plain FTS5: the query escaped as Datasette escapes it, ranked by bm25."""
    sql = (
        "select outcomes.slug from outcomes_fts join outcomes on outcomes.rowid = outcomes_fts.rowid "
        "where outcomes_fts match escape_fts(:q) order by rank limit 10"
    )
    rows = client.rows("/outcomes.json?" + urllib.parse.urlencode({"sql": sql, "q": query}))
    return [row["slug"] for row in rows]


def project_top10(client, query: str) -> list[str]:
    return [row["id"].split("--")[-1] for row in search_rows(client, query) if row["tipo"] == "esito"][:10]


def recall(search_top10, client) -> tuple[float, dict[str, list[str]]]:
    found = total = 0
    missed = {}
    for query, relevant in RELEVANCE.items():
        top = search_top10(client, query)
        found += len(set(relevant) & set(top))
        total += len(relevant)
        missed[query] = [slug for slug in relevant if slug not in top]
    return found / total, missed


def test_relevance_set(client, db):
    slugs = {row["slug"] for row in db.execute("select slug from outcomes")}
    assert {slug for relevant in RELEVANCE.values() for slug in relevant} <= slugs
    plain, _ = recall(plain_top10, client)
    project, missed = recall(project_top10, client)
    print(f"\nrecall@10 over {len(RELEVANCE)} queries: plain FTS {plain:.2f}, the project's search {project:.2f}")
    print("missed by the project's search:", {query: slugs for query, slugs in missed.items() if slugs})
    assert project >= plain
    assert project >= 0.9


# --- Facets and labels ---------------------------------------------------------------


def facet(client, name: str, query: str = "") -> list[tuple[str, str, int]]:
    results = client.ok(f"/outcomes/outcomes.json?_size=0{query}").json()["facet_results"][name]["results"]
    return [(value["value"], value["label"], value["count"]) for value in results]


def counted(pairs) -> list[tuple[str, int]]:
    """(value, count), most frequent first, as Datasette orders facets."""
    counts: dict[str, int] = {}
    for value in pairs:
        counts[value] = counts.get(value, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def test_type_facet_shows_labels(client, db):
    types = labels(db, "outcome_types")
    expected = [(value, types[value], count) for value, count in counted(row["type"] for row in db.execute("select type from outcomes"))]
    assert facet(client, "type") == expected
    assert ("recommendation", "Raccomandazione") in [(value, label) for value, label, _ in expected]


@pytest.mark.parametrize(
    "column, lookup, numbered",
    [
        ("sdg_goals", "sdg_goals", True),
        ("sdg_targets", "sdg_targets", True),
        ("gcm_objectives", "gcm_objectives", True),
        ("countries", "countries", False),
        ("actors", "actor_types", False),
        ("themes", "themes", False),
    ],
)
def test_array_facets_show_labels(client, db, column, lookup, numbered):
    names = labels(db, lookup)
    values = [str(code) for row in db.execute(f"select {column} from outcomes") for code in json.loads(row[0])]

    def label(value):
        name = names[value] if len(names[value]) <= 80 else names[value][:79].rsplit(" ", 1)[0] + "…"
        return f"{value} · {name}" if numbered else name

    expected = [(value, label(value), count) for value, count in counted(values)][:30]
    assert facet(client, column) == expected


def test_facet_labels_by_example(client):
    def labelled(name):
        return [(value, label) for value, label, _ in facet(client, name)]

    assert ("SN", "Senegal") in labelled("countries")
    assert ("CI", "Costa d'Avorio") in labelled("countries")
    assert ("10", "10 · Ridurre le disuguaglianze") in labelled("sdg_goals")
    assert ("10.7", "10.7 · Rendere più disciplinate, sicure, regolari e responsabili la migrazione e la…") in labelled("sdg_targets")
    assert ("diaspora_association", "Associazione della diaspora") in labelled("actors")


def test_event_and_session_facets_show_titles(client, db):
    titles = {row["id"]: row["title"] for row in db.execute("select id, title from sessions")}
    expected = [(value, titles[value], count) for value, count in counted(row[0] for row in db.execute("select session_id from outcomes"))]
    assert facet(client, "session_id") == expected
    [(event, title, count)] = facet(client, "event_id")
    assert (event, count) == (EVENT, len(list(db.execute("select id from outcomes"))))
    assert title == db.execute("select title from events").fetchone()[0]


def test_selecting_a_facet_filters(client, db):
    senegal = [row["id"] for row in db.execute("select id, countries from outcomes order by id") if "SN" in json.loads(row["countries"])]
    rows = client.rows("/outcomes/outcomes.json?_col=id&_size=max&countries__arraycontains=SN")
    assert [row["id"] for row in rows] == senegal
    countries = client.ok("/outcomes/outcomes.json?_size=0&countries__arraycontains=SN").json()["facet_results"]["countries"]
    assert [value for value in countries["results"] if value["selected"]] == [
        {
            "value": "SN",
            "label": "Senegal",
            "count": len(senegal),
            "toggle_url": f"{SITE}/outcomes/outcomes.json?_size=0",
            "selected": True,
        }
    ]


def test_table_page_shows_labels_not_codes(client):
    page = client.ok("/outcomes/outcomes?_sort=id&countries__arraycontains=SN").text
    assert 'usa <a href="/outcomes/cerca">la ricerca negli esiti e nelle sessioni</a>' in page
    # Facets headed by Italian names, values by label.
    assert '<strong title="countries">Paesi partner' in page
    assert '<strong title="sdg_goals">Goal dell&#39;Agenda 2030' in page
    assert re.search(r'<li>Senegal &middot; <span class="count">\d+</span> <a href=', page)
    # Cells: countries by name, linking to the outcomes of the country.
    assert '<a href="/outcomes/outcomes?countries__arraycontains=SN" title="Senegal">Senegal</a>' in page
    assert '<a href="/outcomes/outcomes?sdg_targets__arraycontains=10.7" title="' in page
    # Foreign keys by label: the type of outcome and the session.
    assert ">Raccomandazione</a>" in page or ">Buona pratica</a>" in page


def test_json_keeps_the_codes(client, db, ids):
    id = ids["rimesse-canali-informali"]
    [row] = client.rows(f"/outcomes/outcomes/{id}.json")
    expected = dict(db.execute("select * from outcomes where id = ?", (id,)).fetchone())
    assert row == expected
    assert json.loads(row["countries"]) == json.loads(expected["countries"])


# --- Canned queries ----------------------------------------------------------------


def outcomes_by(db) -> list[sqlite3.Row]:
    return list(db.execute("select outcomes.*, sessions.title as session_title from outcomes join sessions on sessions.id = outcomes.session_id"))


def test_recommendations_by_sdg_goal(client, db):
    goals = labels(db, "sdg_goals")
    expected = sorted(
        (
            {"goal": int(goal), "titolo_goal": goals[goal], "esito": row["id"], "titolo": row["title"], "sessione": row["session_title"]}
            for row in outcomes_by(db)
            if row["type"] == "recommendation"
            for goal in json.loads(row["sdg_goals"])
        ),
        key=lambda row: (row["goal"], row["esito"]),
    )
    assert client.rows("/outcomes/raccomandazioni_per_goal.json") == expected
    assert client.rows("/outcomes/raccomandazioni_per_goal.json?goal=10") == [row for row in expected if row["goal"] == 10]
    assert len([row for row in expected if row["goal"] == 10]) > 2


def commitments(db, lang: str = "it") -> list[dict]:
    """The commitments as /impegni lists them, read from the database."""
    statuses = {row["id"]: row[f"label_{lang}"] for row in db.execute("select * from statuses")}
    actor_types = {row["id"]: row[f"label_{lang}"] for row in db.execute("select * from actor_types")}
    today = datetime.date.today().isoformat()
    return sorted(
        (
            {
                "esito": row["id"],
                "titolo": row["title"],
                "responsabile": row["owner"],
                "tipo_responsabile": actor_types.get(row["owner_type"]),
                "scadenza": row["due"],
                "stato": statuses[row["status"]],
                "sessione": row["session_title"],
                # the follow-up's columns (tests/test_followup.py checks them)
                "stato_attuale": statuses[row["current_status"]],
                "avanzamento": row["progress"],
                "ultimo_aggiornamento": row["last_update"],
                "in_ritardo": {"it": "in ritardo", "en": "overdue"}[lang] if row["due"] < today and row["current_status"] not in ("done", "dropped") else "",
                # for the filters: the current status's code, the types of actor
                "codice_stato": row["current_status"],
                "attori": row["actors"],
                "codice_tipo_responsabile": row["owner_type"],
            }
            for row in outcomes_by(db)
            if row["type"] == "commitment"
        ),
        key=lambda row: (row["scadenza"], row["esito"]),
    )


def test_commitments_with_owner_due_date_and_status(client, db):
    expected = commitments(db)
    rows = client.rows("/outcomes/impegni.json")
    assert rows == expected
    assert len(rows) >= 10 and all(row["responsabile"] and row["scadenza"] and row["stato"] for row in rows)
    assert client.rows("/outcomes/impegni.json?_lang=en") == commitments(db, "en")
    agreed = client.rows("/outcomes/impegni.json?stato=agreed")
    assert agreed == [row for row in expected if row["codice_stato"] == "agreed"]
    # By type of actor (through the link table) and by any part of the owner's name.
    by_region = client.rows("/outcomes/impegni.json?attore=region")
    assert by_region == [row for row in expected if "region" in json.loads(row["attori"])]
    assert 0 < len(by_region) < len(expected)
    owner = expected[0]["responsabile"]
    word = owner.split()[0]
    assert client.rows("/outcomes/impegni.json?responsabile=" + urllib.parse.quote(word.lower())) == [
        row for row in expected if word.lower() in row["responsabile"].lower()
    ]
    # The example's commitments fell due in 2020-2021: those not done are overdue.
    assert any(row["in_ritardo"] for row in rows) and not all(row["in_ritardo"] for row in rows)


def test_outcomes_by_partner_country(client, db):
    countries, types = labels(db, "countries"), labels(db, "outcome_types")
    expected = sorted(
        (
            {"paese": countries[code], "codice": code, "categoria": types[row["type"]], "esito": row["id"], "titolo": row["title"]}
            for row in outcomes_by(db)
            for code in json.loads(row["countries"])
        ),
        key=lambda row: (row["paese"], row["categoria"], row["esito"]),
    )
    assert client.rows("/outcomes/esiti_per_paese.json") == expected
    senegal = [row for row in expected if row["codice"] == "SN"]
    assert len(senegal) > 10
    for paese in ("SN", "sn", "Senegal", " senegal "):
        assert client.rows("/outcomes/esiti_per_paese.json?paese=" + urllib.parse.quote(paese)) == senegal


def test_canned_query_pages_link_to_outcomes(client):
    for name, title in (
        ("raccomandazioni_per_goal", "Raccomandazioni per goal dell&#39;Agenda 2030"),
        ("impegni", "Impegni, responsabili e scadenze"),
        ("esiti_per_paese", "Esiti per paese partner"),
    ):
        page = client.ok(f"/outcomes/{name}").text
        assert title in page
        if name == "impegni":  # a list of commitments, each headed by its title
            links = re.findall(r'<h2><a href="/outcomes/outcomes/([a-z0-9-]+)">', page)
            assert len(links) == len(client.rows("/outcomes/impegni.json")), name
            continue
        links = re.findall(r'<td class="col-esito"><a href="/outcomes/outcomes/([a-z0-9-]+)" title="([a-z0-9-]+)">([a-z0-9-]+)</a>', page)
        assert links, name
        assert all(id == title and id.endswith("--" + slug) for id, title, slug in links), name


# --- Feed, sitemap, robots -------------------------------------------------------------


def test_atom_feed(client, db):
    response = client.ok("/outcomes/feed.atom")
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    feed = ET.fromstring(response.content)
    assert feed.findtext(f"{ATOM}title") == "Esiti dei convegni sulla cooperazione decentrata e le migrazioni"
    entries = {entry.findtext(f"{ATOM}id"): entry for entry in feed.iter(f"{ATOM}entry")}
    rows = list(
        db.execute(
            "select outcomes.id, outcomes.title, sessions.date, sessions.\"end\", events.start_date from outcomes "
            "join sessions on sessions.id = outcomes.session_id join events on events.id = outcomes.event_id"
        )
    )
    assert len(entries) == min(len(rows), 50)  # the latest 50
    for row in rows:
        entry = entries.get(f"tag:regione.piemonte.it,{row['start_date']}:outcomes/{row['id']}")
        if entry is None:
            continue
        assert entry.findtext(f"{ATOM}title") == row["title"]
        # October 2019 in Turin: summer time. Never the time of the build.
        assert entry.findtext(f"{ATOM}updated") == f"{row['date']}T{row['end']}:00+02:00"
        assert entry.find(f"{ATOM}link").get("href") == f"{PUBLIC_URL}outcomes/outcomes/{row['id']}"
    assert feed.findtext(f"{ATOM}updated") == max(entry.findtext(f"{ATOM}updated") for entry in entries.values())


def test_feed_entry_content_is_the_rendered_outcome(client, db):
    feed = ET.fromstring(client.ok("/outcomes/feed.atom").content)
    entries = list(feed.iter(f"{ATOM}entry"))
    for entry in entries[:: len(entries) // 5]:
        id = entry.findtext(f"{ATOM}id").rsplit("/", 1)[-1]
        outcome = db.execute(
            "select outcome_types.label_it as type, sessions.title as session, events.title as event from outcomes "
            "join outcome_types on outcome_types.id = outcomes.type join sessions on sessions.id = outcomes.session_id "
            "join events on events.id = outcomes.event_id where outcomes.id = ?",
            [id],
        ).fetchone()
        content = entry.find(f"{ATOM}content")
        assert content.get("type") == "html"
        assert content.text.startswith(
            f"<p><strong>{outcome['type']}</strong> · {outcome['session']} — {outcome['event']}</p>\n<p>"
        )


def test_local_times_follow_italian_summer_time(client):
    sql = (
        "select outcomes_time('2019-10-26', '23:00') as a, outcomes_time('2019-10-27', '03:00') as b, "
        "outcomes_time('2020-03-29', '01:30') as c, outcomes_time('2020-03-29', '03:00') as d"
    )
    assert client.rows("/outcomes.json?" + urllib.parse.urlencode({"sql": sql})) == [
        {"a": "2019-10-26T23:00:00+02:00", "b": "2019-10-27T03:00:00+01:00", "c": "2020-03-29T01:30:00+01:00", "d": "2020-03-29T03:00:00+02:00"}
    ]


def test_sitemap_lists_every_page(client, db):
    response = client.ok("/sitemap.xml")
    locations = [loc.text for loc in ET.fromstring(response.content).iter(f"{SITEMAP}loc")]
    pages = ["/", "/outcomes", "/outcomes/cerca", "/outcomes/outcomes", "/outcomes/sessions", "/outcomes/events"]
    pages += ["/outcomes/raccomandazioni_per_goal", "/outcomes/impegni", "/outcomes/esiti_per_paese", "/outcomes/aggiornamenti"]
    pages += [f"/outcomes/{table}/{row[0]}" for table in ("events", "sessions", "outcomes") for row in db.execute(f"select id from {table} order by rowid")]
    assert sorted(locations) == sorted(SITE + page for page in pages)
    for page in pages[:12] + pages[-3:]:
        client.ok(page)


def test_each_ready_made_question_has_a_title_of_its_own(client):
    """In each language: the list of questions on the database page, and
    the updates page and its feed, which once shared one."""
    import lxml.html

    cookies = {"outcomes_lang": "en"}
    for lang in ("it", "en"):
        page = client.loop.run_until_complete(client.ds.client.get("/outcomes", cookies={"outcomes_lang": lang})).text
        links = lxml.html.fromstring(page).xpath("//a[starts-with(@href, '/outcomes/') and not(contains(@href, '?'))]")
        titles = {link.get("href").removeprefix("/outcomes/"): link.text_content() for link in links}
        questions = [titles[name] for name in site.metadata()["databases"]["outcomes"]["queries"] if name in titles]
        assert len(questions) >= 6 and len(set(questions)) == len(questions), (lang, questions)
    def heading(page: str) -> str:
        return re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)[1].strip()

    assert heading(client.ok("/outcomes/aggiornamenti").text) == "Aggiornamenti sugli impegni"
    english = client.loop.run_until_complete(client.ds.client.get("/outcomes/aggiornamenti", cookies=cookies)).text
    assert heading(english) == "Updates on the commitments"
    feed = ET.fromstring(client.ok("/outcomes/feed_aggiornamenti.atom").content)
    assert feed.find("{http://www.w3.org/2005/Atom}title").text == "Aggiornamenti sugli impegni (feed Atom)"


def test_robots_txt_lets_search_engines_in(client):
    assert client.ok("/robots.txt").text == textwrap.dedent(
        f"""\
        User-agent: *
        Allow: /
        Disallow: /*?
        Disallow: /outcomes.db
        Sitemap: {SITE}/sitemap.xml"""
    )


# --- Pages -------------------------------------------------------------------------------


def test_home_page_explains_the_library_in_italian(client, db):
    page = client.ok("/").text
    assert "Questa biblioteca raccoglie che cosa hanno <strong>constatato</strong>" in page
    counts = [db.execute(f"select count(*) from {table}").fetchone()[0] for table in ("outcomes", "sessions")]
    assert f"{counts[0]} esiti da {counts[1]} sessioni di 1 evento." in page
    for link in (
        'action="/outcomes/cerca"',
        'href="/outcomes/outcomes?type=recommendation">Raccomandazioni</a>',
        'href="/outcomes/outcomes?sdg_goals__arraycontains=10"',
        'href="/outcomes/outcomes?countries__arraycontains=SN">Senegal</a>',
        'href="/outcomes/raccomandazioni_per_goal"',
        'href="/outcomes/impegni"',
        'href="/outcomes/esiti_per_paese"',
        f'href="/outcomes/events/{EVENT}"',
        'href="/outcomes/feed.atom"',
        'href="/outcomes.db"',
    ):
        assert link in page
    assert client.ok("/static/outcomes.css").text.startswith("/* The outcomes library")


def test_outcome_page(client, ids):
    id = ids["certificazione-competenze-acquisite-all-estero"]
    page = client.ok(f"/outcomes/outcomes/{id}").text
    assert "<title>Aprire il sistema regionale di certificazione delle competenze a chi ha imparato all&#39;estero – Raccomandazione</title>" in page
    for fragment in (
        '<a class="outcome-type" href="/outcomes/outcomes?type=recommendation">Raccomandazione</a>',
        f'<a href="/outcomes/sessions/{MIGRATION}">Migrazione e Cooperazione Internazionale</a>',
        "15 ottobre 2019",
        f'<a href="/outcomes/events/{EVENT}">',
        '<span class="sdg-label">Istruzione di qualità</span>',
        "<strong>4.4</strong></a> Aumentare considerevolmente entro il 2030 il numero di giovani e adulti",
        "<strong>18</strong></a> Investire nello sviluppo delle competenze",
        f'<a href="/outcomes/outcomes/{id}.json">JSON</a>',
    ):
        assert fragment in page
    # Markdown rendered: the note's **emphasis** becomes <strong>.
    assert re.search(r'<div class="outcome-text"><p>.*<strong>', page, re.S)


def test_outcome_page_has_its_permanent_address_and_a_citation(client, db, ids):
    id = ids["certificazione-competenze-acquisite-all-estero"]
    row = db.execute(
        "select outcomes.title, sessions.title as session, sessions.date, events.title as event, events.city "
        "from outcomes join sessions on sessions.id = outcomes.session_id join events on events.id = outcomes.event_id "
        "where outcomes.id = ?",
        (id,),
    ).fetchone()
    url = f"{PUBLIC_URL}outcomes/outcomes/{id}"
    assert PUBLIC_URL.startswith("https://") and PUBLIC_URL.endswith("/")
    today = datetime.date.today()
    months = "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre".split()
    page = client.loop.run_until_complete(client.ds.client.get(f"/outcomes/outcomes/{id}", headers={"host": "attacker.example"})).text
    assert f'Indirizzo permanente: <a href="{url}"><code>{url}</code></a>' in page
    assert f'<link rel="canonical" href="{url}">' in page
    citation = (
        f"Regione Piemonte (2019). {row['title']} [Raccomandazione]. In {row['session']}, {row['event']}, "
        f"{row['city']}, 15 ottobre 2019. {url} (consultato il {today.day} {months[today.month - 1]} {today.year})."
    )
    assert f'<p class="citation">{markupsafe.escape(citation)}</p>' in page
    english = client.ok(f"/outcomes/outcomes/{id}?_lang=en").text
    assert f"[Recommendation]. In {markupsafe.escape(row['session'])}" in english
    assert f"15 October 2019. {url} (accessed {today.day} {today.strftime('%B')} {today.year})." in english


def test_outcome_page_names_countries_in_italian(client, ids):
    page = client.ok(f"/outcomes/outcomes/{ids['cooperative-argan-souss']}").text
    assert "<dt>Paesi partner</dt>" in page
    assert '<a href="/outcomes/outcomes?countries__arraycontains=MA">Marocco</a>' in page
    assert "<dt>Attori</dt>" in page and "Associazione della diaspora</a>" in page


def test_commitment_page(client, db):
    row = db.execute("select * from outcomes where type = 'commitment' order by id limit 1").fetchone()
    page = client.ok(f"/outcomes/outcomes/{row['id']}").text
    owner_type = db.execute("select label_it from actor_types where id = ?", (row["owner_type"],)).fetchone()[0]
    assert (f"<dt>Chi agisce</dt><dd>{row['owner']} · "
            f'<a href="/outcomes/impegni?tipo_responsabile={row["owner_type"]}">{owner_type}</a></dd>').replace("'", "&#39;") in page
    assert f'<time datetime="{row["due"]}">' in page


def test_session_and_event_pages(client, db):
    page = client.ok(f"/outcomes/sessions/{MIGRATION}").text
    assert "<h1>Migrazione e Cooperazione Internazionale</h1>" in page
    titles = [row[0] for row in db.execute("select title from outcomes where session_id = ? order by position", (MIGRATION,))]
    found = re.findall(r'<a href="/outcomes/outcomes/[^"]+">([^<]+)</a></li>', page)
    assert [title.replace("&#39;", "'") for title in found] == titles
    event = client.ok(f"/outcomes/events/{EVENT}").text
    for session in (AGENDA, MIGRATION, PLENARY):
        assert f'<a href="/outcomes/sessions/{session}">' in event


# --- Links lead to what they announce ------------------------------------------------

OUTCOMES_LIST = "/outcomes/outcomes"


def outcome_ids(db, query: str) -> set[str]:
    """The outcomes a list's filters select, read from the database (through
    the link tables, not the JSON arrays Datasette filters on)."""
    ids = {row[0] for row in db.execute("select id from outcomes")}
    links = {attribute: (table, column) for table, (column, attribute) in store.LINKS.items()}
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        if key.startswith("_"):
            assert key in ("_facet_size", "_sort", "_sort_desc", "_next", "_lang"), key
            continue
        column, _, lookup = key.partition("__")
        if column in links:
            assert lookup == "arraycontains", key
            table, code = links[column]
            selected = {row[0] for row in db.execute(f"select outcome_id from {table} where {code} = ?", (value,))}
        elif lookup == "in":  # the overview's events of a year
            assert column == "event_id", key
            selected = {row[0] for row in db.execute("select id from outcomes where event_id in (select value from json_each(?))",
                                                     (json.dumps(value.split(",")),))}  # fmt: skip
        elif lookup == "lt":  # the overview's overdue commitments
            assert column == "due", key
            selected = {row[0] for row in db.execute("select id from outcomes where due < ?", (value,))}
        else:
            assert lookup in ("", "exact") and column in ("type", "event_id", "session_id", "status", "current_status", "owner_type"), key
            selected = {row[0] for row in db.execute(f"select id from outcomes where [{column}] = ?", (value,))}
        ids &= selected
    return ids


def announced(link) -> int | None:
    """The number of outcomes a link says it leads to: a ``.count`` inside it
    or right after it (home page, facets), else None."""
    counts = link.find_class("count")
    if not counts:
        following = link.getnext()
        if following is not None and "count" in following.classes and not (link.tail or "").strip():
            counts = [following]
    if not counts:
        return None
    number = re.match(r"\s*([\d.,]+)", counts[0].text_content())
    assert number, (link.get("href"), counts[0].text_content())
    return int(re.sub(r"[.,]", "", number.group(1)))


def outcome_links(client, path: str) -> list[tuple[str, str, int | None]]:
    """(query, text, announced count) of every link of a page to the list of outcomes."""
    import lxml.html

    tree = lxml.html.fromstring(client.ok(path).text)
    found = []
    for link in tree.iter("a"):
        url = urllib.parse.urlsplit(link.get("href") or "")
        if url.path == OUTCOMES_LIST and url.query:
            found.append((url.query, link.text_content().strip(), announced(link)))
    return found


def check_links(client, db, path: str, seen: dict) -> list[str]:
    """Follow every link of ``path`` to a list of outcomes: the list holds
    exactly the outcomes its filters mean and as many as the link announced."""
    checked = []
    for query, text, count in outcome_links(client, path):
        if query not in seen:
            data = client.ok(f"{OUTCOMES_LIST}.json?{query}&_size=max&_col=id&_nofacet=1").json()
            expected = outcome_ids(db, query)
            assert data["filtered_table_rows_count"] == len(expected), (path, query)
            if not data["next"] and "_next=" not in query:  # a next page holds the rest
                assert {row[0] for row in data["rows"]} == expected, (path, query)
            seen[query] = len(expected)
        assert expected_ok(seen[query], count), f"{path}: «{text}» announces {count}, the list holds {seen[query]}"
        assert seen[query] > 0, f"{path}: «{text}» opens an empty list ({query})"
        checked.append(query)
    return checked


def expected_ok(held: int, count: int | None) -> bool:
    return count is None or count == held


def test_every_link_to_outcomes_opens_what_it_announces(client, db):
    seen: dict[str, int] = {}
    home = check_links(client, db, "/", seen)
    announced_on_home = [query for query, _, count in outcome_links(client, "/") if count is not None]
    # The home page's tiles and lists: types, the twelve goals, countries.
    kinds = {urllib.parse.parse_qsl(query)[0][0] for query in announced_on_home}
    assert {"type", "sdg_goals__arraycontains", "countries__arraycontains"} <= kinds
    # One list per kind of link, each with its facets' links followed.
    lists = {}
    for query in home + check_links(client, db, OUTCOMES_LIST, seen):
        key = urllib.parse.parse_qsl(query)[0][0]
        lists.setdefault(key, query)
    assert {
        "type", "sdg_goals__arraycontains", "sdg_targets__arraycontains", "gcm_objectives__arraycontains",
        "countries__arraycontains", "actors__arraycontains", "themes__arraycontains", "event_id", "session_id",
    } <= set(lists)  # fmt: skip
    for query in lists.values():
        check_links(client, db, f"{OUTCOMES_LIST}?{query}", seen)
    # The page of every goal, target, GCM objective, country, type of actor,
    # theme, type of outcome and status that outcomes are linked to.
    for lookup, used in (
        ("sdg_goals", "select sdg_goal_id from outcome_sdg_goals"),
        ("sdg_targets", "select sdg_target_id from outcome_sdg_targets"),
        ("gcm_objectives", "select gcm_objective_id from outcome_gcm_objectives"),
        ("countries", "select country_id from outcome_countries"),
        ("actor_types", "select actor_type_id from outcome_actors"),
        ("themes", "select theme_id from outcome_themes"),
        ("outcome_types", "select type from outcomes"),
        ("statuses", "select status from outcomes where status is not null"),
    ):
        codes = sorted({str(code) for (code,) in db.execute(used)})
        for code in codes:
            page = f"/outcomes/{lookup}/{tilde_encode(code)}"  # 1.3 is not a format
            # One link announces its outcomes; those from other tables (type, status) say rows.
            [(query, _, count)] = [link for link in outcome_links(client, page) if "_lang=" not in link[0] and link[2] is not None]
            check_links(client, db, page, seen)
        unused = db.execute(f"select id from {lookup} where id not in ({used}) order by id limit 1").fetchone()
        if unused:  # no link to an empty list
            page = f"/outcomes/{lookup}/{tilde_encode(str(unused[0]))}"
            assert [link for link in outcome_links(client, page) if "_lang=" not in link[0]] == []
    # Every outcome, session and event page.
    for table in ("outcomes", "sessions", "events"):
        for (id,) in db.execute(f"select id from {table}"):
            links = check_links(client, db, f"/outcomes/{table}/{id}", seen)
            if table == "outcomes":
                assert all(id in outcome_ids(db, query) for query in links if "session_id" not in query)
    assert len(seen) > 100


# --- One language per page: Italian, or English on request --------------------------

# What Datasette's own templates say in English.
DATASETTE_ENGLISH = (
    "rows where", " row", "View and edit SQL", "Apply", "Custom SQL query", "Next page", "This data as",
    "Powered by", "Advanced export", "Data license", "Data source", "Search:", "remove filter", "Sort by",
    "descending", "Links from other tables", "Query parameters", "Run SQL", "Format SQL", "Queries took",
    "Download SQLite DB", "hidden table", "Table not found", "Error 404", "0 records", "0 results",
)  # fmt: skip
# What the site says in Italian around the notes' own texts.
SITE_ITALIAN = ("Inizio", "righe", "Questi dati in", "Applica", "Indirizzo permanente", "Pagina successiva", "Cerca:", "Esiti dei convegni")


def visible_text(html: str) -> str:
    import lxml.html

    tree = lxml.html.fromstring(html)
    for hidden in tree.xpath("//script|//style|//*[@lang='en' and ancestor::html[@lang='it']]"):
        hidden.drop_tree()
    return " ".join(tree.text_content().split())


def site_pages(db) -> list[str]:
    outcome = db.execute("select id from outcomes where type = 'commitment' order by id").fetchone()[0]
    return [
        "/",
        "/outcomes",
        "/outcomes/outcomes?sdg_goals__arraycontains=10",
        "/outcomes/outcomes?_sort=title&_size=5",
        "/outcomes/sessions",
        "/outcomes/events",
        "/outcomes/sdg_goals",
        "/outcomes/sdg_goals/10",
        "/outcomes/countries/SN",
        "/outcomes/outcome_countries?country_id=SN",
        f"/outcomes/outcomes/{outcome}",
        f"/outcomes/sessions/{MIGRATION}",
        f"/outcomes/events/{EVENT}",
        "/outcomes/impegni",
        "/outcomes/raccomandazioni_per_goal?goal=10",
        "/outcomes/esiti_per_paese?paese=SN",
        "/outcomes?sql=select+id,+title+from+outcomes+limit+3",
    ]


# The search page empty, with words (a vocabulary term named, so a reason is
# given), with filters, with caps (too many words; prefixes of too many
# words) and with nothing found.
SEARCH_PAGES = (
    "/outcomes/cerca",
    "/outcomes/cerca?q=rimesse",
    "/outcomes/cerca?q=rimesse&tema=remittances&tipo=finding",
    "/outcomes/cerca?q=c*+d*",
    "/outcomes/cerca?q=migranti+lavoro+comune+rete+progetto+regione+scuola",
    "/outcomes/cerca?q=zzqqxx&tipo=finding",
    "/outcomes/cerca?tipo=commitment",
)


def catalogue_phrases(prefixes: tuple[str, ...], lang: str) -> set[str]:
    """The catalogue's texts under ``prefixes`` in ``lang``, cut at their
    placeholders and tags, less what both languages say alike (``Goal``)."""
    from outcomes.site import messages

    def pieces(text) -> set[str]:
        texts = text if isinstance(text, list) else [text]
        return {piece.strip(" .:«»“”") for text in texts for piece in re.split(r"\{\w+\}|<[^>]+>|\(|\)", text)}

    found = set()
    for key, entry in messages().items():
        if key.startswith(prefixes):
            found |= pieces(entry[lang]) - pieces(entry["en" if lang == "it" else "it"])
    return {piece for piece in found if len(piece) >= 4}


def test_italian_pages_say_nothing_in_english(client, db):
    search_english = catalogue_phrases(("search.", "queries.cerca."), "en")
    assert {"Words to search for", "Found by", "Theme", "Remove all filters"} <= search_english
    for path in site_pages(db) + list(SEARCH_PAGES):
        page = client.ok(path).text
        assert '<html lang="it">' in page, path
        text = visible_text(page)
        found = [phrase for phrase in DATASETTE_ENGLISH if phrase in text]
        found += [phrase for phrase in search_english if "/cerca" in path and phrase in text]
        assert not found, (path, found)
    # What the Italian search pages say: a reason (its English label marked lang="en", left out here), caps, nothing found.
    said = " ".join(visible_text(client.ok(path).text) for path in SEARCH_PAGES)
    for phrase in ("Trovato per: testo; Tema: Rimesse ()", "Sono state cercate solo le prime 6 parole.",
                   "«c*» inizia troppe parole", "Togli tutti i filtri", "risultati per «rimesse», i più pertinenti per primi",
                   "Nessun esito e nessuna sessione contengono tutte le parole di «zzqqxx» con questi filtri."):
        assert phrase in said, phrase
    missing = client.get("/outcomes/nessuna-tabella")
    assert missing.status_code == 404 and '<html lang="it">' in missing.text
    assert "<h1>Errore 404</h1>" in missing.text and "Questa pagina non esiste" in missing.text


def test_one_link_switches_to_english_and_the_choice_stays(client, db):
    home = client.ok("/").text
    assert '<a href="/?_lang=en" lang="en" hreflang="en"' in home
    switched = client.ok("/?_lang=en")
    assert "outcomes_lang=en" in switched.headers["set-cookie"] and "Max-Age=31536000" in switched.headers["set-cookie"]
    assert "Cookie" in switched.headers["vary"] and switched.headers["content-language"] == "en"
    assert '<a href="/?_lang=it" lang="it" hreflang="it"' in switched.text
    cookies = {"outcomes_lang": "en"}
    search_italian = catalogue_phrases(("search.", "queries.cerca."), "it")
    assert {"Parole da cercare", "Trovato per", "Tema", "Togli tutti i filtri"} <= search_italian
    categories = {label for (label,) in db.execute(
        "select label_it from outcome_types where label_it != label_en union select label_it from session_kinds where label_it != label_en"
    )}
    english_search = []
    for path in site_pages(db) + list(SEARCH_PAGES):
        response = client.loop.run_until_complete(client.ds.client.get(path, cookies=cookies))
        assert response.status_code == 200, path
        assert '<html lang="en">' in response.text, path
        text = visible_text_of_interface(response.text)
        found = [phrase for phrase in SITE_ITALIAN if phrase in text]
        if "/cerca" in path:
            found += [phrase for phrase in search_italian | categories if re.search(rf"\b{re.escape(phrase)}\b", text)]
            english_search.append(text)
        assert not found, (path, found)
    # What the English search pages say instead.
    said = " ".join(english_search)
    for phrase in ("Found by: text; Theme: Remittances ()", "Only the first 6 words were searched for.",
                   "“c*” starts too many words", "Remove all filters", "results for “rimesse”, most relevant first",
                   "No outcome and no session holds every word of “zzqqxx” with these filters.", "Words to search for",
                   "Type of outcome", "Partner countries", "Finding ", "Commitment "):
        assert phrase in said, phrase
    # The table page in English: counts, filters, facets and labels.
    page = client.loop.run_until_complete(
        client.ds.client.get("/outcomes/outcomes?sdg_goals__arraycontains=10", cookies=cookies)
    ).text
    count = len(outcome_ids(db, "sdg_goals__arraycontains=10"))
    assert f'<h2 class="rows-description">{count} outcomes where 2030 Agenda goals includes 10 · Reduced inequalities</h2>' in page
    assert '<strong title="countries">Partner countries' in page and ">Senegal</a>" in page
    assert '<input type="submit" value="Apply">' in page
    # Back to Italian with the other link.
    assert '<html lang="it">' in client.ok("/?_lang=it").text


def test_datasettes_cells_in_the_other_language_say_so(client, db):
    """WCAG 3.1.2 on Datasette's own pages: the notes' titles and texts on
    an English table or row page are marked lang="it" (the note's language),
    a vocabulary's English label on an Italian page lang="en" and its
    Italian one on an English page lang="it"; codes, dates and names are not."""
    id, title = db.execute("select id, title from outcomes order by id limit 1").fetchone()
    english = client.ok("/outcomes/outcomes?_lang=en&_sort=id&_size=1").text
    assert f'<td class="col-title type-str"><span lang="it">{markupsafe.escape(title)}</span></td>' in english
    assert re.search(r'<td class="col-text type-str"><div lang="it"><p>', english)
    assert '<td class="col-due type-' in english and not re.search(r'<td class="col-(?:due|owner|id)[^>]*>\s*<(?:span|div) lang', english)
    row = client.ok(f"/outcomes/outcomes/{id}?_lang=en").text
    assert 'lang="it"' in row
    italian = client.ok("/outcomes/themes?_lang=it").text
    assert '<td class="col-label_en type-str"><span lang="en">Remittances</span></td>' in italian
    assert '<td class="col-label_it type-str">Rimesse</td>' in italian
    assert re.search(r'<td class="col-title type-str">[^<]', client.ok("/outcomes/outcomes?_lang=it&_size=1").text)
    assert '<td class="col-label_it type-str"><span lang="it">Rimesse</span></td>' in client.ok("/outcomes/themes?_lang=en").text


def visible_text_of_interface(html: str) -> str:
    """The visible text of an English page without the notes' own (Italian) texts."""
    import lxml.html

    tree = lxml.html.fromstring(html)
    for hidden in tree.xpath("//body//*[@lang='it']|//script|//style|//td|//ol[contains(@class, 'session-list')]"):
        if hidden.getparent() is not None:
            hidden.drop_tree()
    return " ".join(tree.text_content().split())


def internal_outcomes(notes: Path) -> list[str]:
    problems = Problems()
    ids = [
        f"{note.key}--{item.id}"
        for event in load.events(notes, problems)
        for note in event.sessions(problems)
        for item in note.session.outcomes
        if not (item.public and note.session.public)
    ]
    assert not problems.errors
    return ids


def test_internal_outcomes_are_nowhere(client, built):
    internal = internal_outcomes(EXAMPLE_NOTES)
    assert internal, "the example notes should show an internal outcome"
    sitemap = client.ok("/sitemap.xml").text
    feed = client.ok("/outcomes/feed.atom").text
    for id in internal:
        assert client.get(f"/outcomes/outcomes/{id}").status_code == 404
        assert id not in sitemap and id not in feed
    every_result = {id for query in ("coop*", "migranti", "comune", "lavoro") for _, id in hits(client, query)}
    assert not set(internal) & every_result


def content(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def test_permalinks_are_stable_across_builds(client, notes, tmp_path, db):
    """An outcome added at the top of a session moves the others down, but
    their addresses stay."""
    path = notes / EVENT / "migrazione-cooperazione-internazionale.yaml"
    text = path.read_text("utf-8")
    new = textwrap.indent(
        "- id: nuovo-esito-in-cima\n  type: finding\n  title: Un esito aggiunto dopo\n  text: Aggiunto in cima.\n", "  "
    )
    assert "\noutcomes:\n" in text
    path.write_text(text.replace("\noutcomes:\n", "\noutcomes:\n" + new, 1), "utf-8")
    result = build.build(notes, tmp_path / "out")
    assert result.ok, [problem.format() for problem in result.problems]
    again = Client(tmp_path / "out")
    try:
        before = {row[0] for row in db.execute("select id from outcomes")}
        after = {row["id"] for row in again.rows("/outcomes/outcomes.json?_col=id&_size=max")}
        assert after == before | {f"{MIGRATION}--nuovo-esito-in-cima"}
        for id in sorted(before)[:: len(before) // 10]:
            assert content(again.ok(f"/outcomes/outcomes/{id}").text) == content(client.ok(f"/outcomes/outcomes/{id}").text)
    finally:
        again.close()


HOSTILE = """\
title: Una sessione con testo ostile
kind: workshop
date: "{date}"
start: "09:00"
end: "10:00"
summary: |
  <script>alert('sintesi')</script> **grassetto**
outcomes:
  - id: ostile
    type: finding
    title: <img src=x onerror=alert(1)>
    text: |
      Testo <script>alert('x')</script> [clic](javascript:alert(2)) <img src=x onerror=alert(3)>
      <a href="javascript:alert(4)">link</a> **grassetto**
      ![foto](https://tracker.example/pixel.png) ![](http://tracker.example/vuota.gif)
"""


def client_with_session(notes: Path, out: Path, name: str, template: str) -> Client:
    """The example notes and one more session (``template`` with the
    event's first day as ``{date}``), built and served."""
    date = re.search(r"^start_date: *\"?([0-9-]+)", (notes / EVENT / "event.yaml").read_text("utf-8"), re.M)[1]
    (notes / EVENT / f"{name}.yaml").write_text(template.format(date=date), "utf-8")
    result = build.build(notes, out)
    assert result.ok, [problem.format() for problem in result.problems]
    return Client(out)


def test_markdown_is_rendered_safely(notes, tmp_path):
    hostile = client_with_session(notes, tmp_path / "out", "ostile", HOSTILE)
    try:
        id = f"{EVENT}--ostile--ostile"
        pages = [
            hostile.ok(f"/outcomes/outcomes/{id}").text,
            hostile.ok(f"/outcomes/sessions/{EVENT}--ostile").text,
            hostile.ok(f"/outcomes/outcomes?id={id}").text,
            hostile.ok("/outcomes/cerca?q=grassetto").text,
            hostile.ok("/outcomes/feed.atom").text,
        ]
        for page in pages:
            assert "<script>alert" not in page
            assert not re.search(r"href=[\"']?\s*javascript:", page)
            assert not re.search(r"<[^>]* onerror", page)
            assert not re.search(r"<img[^>]*tracker", page)  # never loaded by a visitor's browser
        assert "<strong>grassetto</strong>" in pages[0]
        # Raw HTML is shown as text; a javascript: link keeps its words, not its address.
        assert "Testo &lt;script&gt;alert('x')&lt;/script&gt; <a>clic</a>" in pages[0]
        assert '&lt;a href=&quot;javascript:alert(4)&quot;&gt;link&lt;/a&gt;' in pages[0]
        # Images become links to them.
        assert '<a href="https://tracker.example/pixel.png">foto</a>' in pages[0]
        assert '<a href="http://tracker.example/vuota.gif">http://tracker.example/vuota.gif</a>' in pages[0]
    finally:
        hostile.close()


FORMULAS = """\
title: Celle come formule
kind: workshop
date: "{date}"
start: "09:00"
end: "10:00"
summary: Una sessione i cui testi sembrano formule.
outcomes:
  - id: formule
    type: commitment
    title: "=HYPERLINK(\\"http://example.org\\", \\"clic\\")"
    text: "+39 011 432 1111"
    owner: "@Comune"
    due: "{date}"
    countries: [SN, MA]
    keywords: ["-somma", "=1+1"]
"""


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with it
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_downloads_open_in_a_spreadsheet(notes, tmp_path):
    formulas = client_with_session(notes, tmp_path / "out", "formule", FORMULAS)
    try:
        id = f"{EVENT}--formule--formule"
        [header, row] = csv_rows(formulas.get(f"/outcomes/outcomes.csv?id={id}&_labels=on"))
        cells = dict(zip(header, row))
        # Formulas are text; lists are text; codes have their labels beside them.
        assert cells["title"] == "'=HYPERLINK(\"http://example.org\", \"clic\")"
        assert cells["text"] == "'+39 011 432 1111"
        assert cells["owner"] == "'@Comune"
        assert cells["keywords"] == "'-somma; =1+1"  # a list as text, safe too
        assert not any(value.startswith(("=", "+", "-", "@")) for value in row)
        assert (cells["countries"], cells["countries_label"]) == ("SN; MA", "Senegal; Marocco")
        assert (cells["type"], cells["type_label"]) == ("commitment", "Impegno")
        assert header.index("countries_label") == header.index("countries") + 1
        # The ready-made questions too, and English labels for an English reader.
        rows = csv_rows(formulas.loop.run_until_complete(
            formulas.ds.client.get("/outcomes/impegni.csv?responsabile=Comune", cookies={"outcomes_lang": "en"})
        ))  # fmt: skip
        cells = dict(zip(rows[0], rows[1]))
        assert cells["Owner"] == "'@Comune" and cells["Status"] == "Proposed"
        assert rows[0][-2:] == ["Types of actor", "Types of actor (names)"] and cells["Overdue"] in ("", "overdue")
        # The labels Datasette adds for codes (type_label...) follow the language too.
        [header, row] = csv_rows(formulas.loop.run_until_complete(
            formulas.ds.client.get(f"/outcomes/outcomes.csv?id={id}&_labels=on", cookies={"outcomes_lang": "en"})
        ))  # fmt: skip
        cells = dict(zip(header, row))
        assert (cells["type"], cells["type_label"]) == ("commitment", "Commitment")
        assert (cells["status"], cells["status_label"], cells["current_status_label"]) == ("proposed", "Proposed", "Proposed")
        assert (cells["countries"], cells["countries_label"]) == ("SN; MA", "Senegal; Morocco")
        assert cells["event_id_label"] == formulas.rows(f"/outcomes/events/{EVENT}.json")[0]["title"]  # a title, as written
    finally:
        formulas.close()


def test_spreadsheet_csv_keeps_numbers_and_plain_text(monkeypatch):
    # The plugin's part, by name from its folder, as its hooks module imports it.
    monkeypatch.syspath_prepend(str(Path(site.__file__).parent / "site" / "plugins"))
    spreadsheet = importlib.import_module("outcomes_site_parts.spreadsheet")
    text = 'a,b,c,countries\r\n-12,3.5,"x, y","[""SN""]"\r\n'
    assert spreadsheet.spreadsheet_csv(text, {"countries": {"SN": {"label_it": "Senegal", "label_en": "Senegal"}}}) == (
        "a,b,c,countries,countries_label\r\n-12,3.5,\"x, y\",SN,Senegal\r\n"
    )
    # A label Datasette added for a foreign key: in the page's language (Italian here).
    text = "type,type_label\r\nfinding,Finding\r\n,\r\n"
    vocabulary = {"finding": {"label_it": "Constatazione", "label_en": "Finding"}}
    assert spreadsheet.spreadsheet_csv(text, {}, {"type": vocabulary}) == "type,type_label\r\nfinding,Constatazione\r\n,\r\n"


# --- Open data --------------------------------------------------------------------------


def test_datapackage_describes_every_table_and_column(built, db, monkeypatch):
    import frictionless

    package = json.loads((built / "datapackage.json").read_text("utf-8"))
    assert package["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    tables = site.data_tables(db)
    assert [resource["name"] for resource in package["resources"]] == tables
    assert {"outcomes", "sessions", "events", "sdg_goals", "outcome_countries"} <= set(tables)
    for resource in package["resources"]:
        columns = [row["name"] for row in db.execute(f"PRAGMA table_info([{resource['name']}])")]
        assert [field["name"] for field in resource["schema"]["fields"]] == columns
        assert all(field["description"] for field in resource["schema"]["fields"]), resource["name"]
        assert resource["description"] and resource["title"] != resource["name"], resource["name"]
    fields = {field["name"]: field for field in package["resources"][tables.index("outcomes")]["schema"]["fields"]}
    # Types as schema.sql declares them, whatever the rows hold (no outcome of a build may have a due date).
    arrays = ["sdg_targets", "sdg_goals", "gcm_objectives", "countries", "actors", "themes", "keywords"]
    assert {name: field["type"] for name, field in fields.items()} == {
        "id": "string", "event_id": "string", "session_id": "string", "slug": "string", "position": "integer",
        "type": "string", "title": "string", "text": "string", **dict.fromkeys(arrays, "array"), "owner": "string",
        "owner_type": "string", "due": "date", "status": "string", "source": "string", "current_status": "string", "progress": "integer",
        "last_update": "date",
    }
    assert fields["id"]["description"] == "Identificativo stabile: evento--sessione--esito"
    # Never the day of the build: the last day of the notes' events.
    # The latest edition (load.edition_date): the example's latest commitment update, after its day.
    assert package["version"] == db.execute("select max(date) from commitment_updates").fetchone()[0] == "2020-12-14"
    # Frictionless reads every row of every table and checks types, keys and links.
    monkeypatch.chdir(built)  # the SQLite path is relative to where it is read from
    report = frictionless.validate("datapackage.json")
    assert report.valid, report.flatten(["title", "type", "message"])[:10]
    assert sum(task.stats.get("rows", 0) for task in report.tasks) == sum(
        db.execute(f"select count(*) from [{table}]").fetchone()[0] for table in tables
    )


def test_citation_cff_for_the_dataset(built, db):
    import yaml

    cff = yaml.safe_load((built / "CITATION.cff").read_text("utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert cff["message"] and cff["title"] == "Esiti dei convegni sulla cooperazione decentrata e le migrazioni"
    assert cff["authors"] == [{"name": "Regione Piemonte"}]
    assert cff["license"] == "CC-BY-4.0" and cff["url"] == PUBLIC_URL
    latest = db.execute("select max(published) from events").fetchone()[0]
    assert cff["date-released"] == cff["version"] == latest == "2020-12-14"  # as text: what CFF's schema asks


def test_open_data_is_linked_from_the_home_page(client, built):
    page = client.ok("/").text
    assert '<h2 id="dati-aperti">Dati aperti</h2>' in page
    for name, content_type in (("datapackage.json", "application/json"), ("CITATION.cff", "text/yaml")):
        assert f'<a href="/{name}">' in page
        response = client.ok(f"/{name}")
        assert response.headers["content-type"].startswith(content_type)
        assert response.content == (built / name).read_bytes()


# --- Read-only and safe ---------------------------------------------------------------------


def test_database_is_immutable_with_a_time_limit(client):
    assert client.ds.databases["outcomes"].is_mutable is False
    assert client.ds.setting("sql_time_limit_ms") == 1000
    assert client.ds.setting("facet_time_limit_ms") == 500


def test_no_write_paths(client):
    queries = site.metadata()["databases"]["outcomes"]["queries"]
    assert not [name for name, query in queries.items() if query.get("write")]
    for path in ("/outcomes/cerca", "/outcomes", "/outcomes/outcomes", "/-/logout", "/outcomes/impegni"):
        response = client.post(path, data={"q": "x", "sql": "delete from outcomes"})
        assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD, OPTIONS")
    response = client.get("/outcomes.json?" + urllib.parse.urlencode({"sql": "delete from outcomes"}))
    assert (response.status_code, response.json()["error"]) == (400, "Statement must be a SELECT")
    plugins = {plugin["name"] for plugin in client.ds._plugins(all=True)}
    assert plugins >= {"outcomes_site.py", "datasette-atom", "datasette-sitemap"}


def test_slow_sql_is_interrupted(client):
    sql = "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"
    response = client.get("/outcomes.json?" + urllib.parse.urlencode({"sql": sql}))
    assert response.status_code == 400
    assert "SQL query took too long" in response.json()["error"]


# --- The build folder --------------------------------------------------------------------


COMMON = Path(search.__file__).parent  # outcomes/common, copied whole beside the plugin
KIT = COMMON.parent / "vendor" / site.KIT  # the Designers Italia UI kit, served from static/


def test_site_files_are_written_and_published(built):
    published = sorted(path.relative_to(built).as_posix() for path in built.rglob("*") if path.is_file())
    site_files = [name for name in published if name.split("/")[0] in site.FOLDERS]
    copies = [f"static/{name}" for name in ("datapackage.json", "CITATION.cff", *opendata.CATALOGUE_FILES)]  # for datasette package
    assert site_files == sorted([*site.site_files(), *copies])
    assert all((built / copy).read_bytes() == (built / copy.removeprefix("static/")).read_bytes() for copy in copies)
    assert site_files == [
        # The plugin: its hooks, outcomes/common beside them, and its parts.
        *sorted(f"plugins/outcomes_common/{path.relative_to(COMMON).as_posix()}"
                for path in [*COMMON.glob("*.py"), *COMMON.joinpath("messages").glob("*.yaml")]),
        "plugins/outcomes_site.py",
        *(f"plugins/outcomes_site_parts/{name}.py" for name in (
            "__init__", "api_page", "base", "builtins", "charts", "cite", "compare", "counting", "errors", "frame",
            "freshness", "guard", "harvest", "labels", "language", "open_data", "pages", "proceedings", "search_page",
            "similar", "spreadsheet", "sql", "turns",
        )),  # fmt: skip
        "plugins/outcomes_site_parts/world_map.json",  # the world map's shapes (scripts/world-map)
        "plugins/outcomes_site_parts/worldmap.py",
        "static/CITATION.cff",
        # The Designers Italia UI kit: its stylesheet, fonts and icons, with its licence.
        "static/bootstrap-italia/LICENSE",
        *sorted(f"static/bootstrap-italia/{path.relative_to(KIT).as_posix()}"
                for part in site.KIT_PARTS for path in KIT.joinpath(part).rglob("*") if path.is_file()),
        "static/catalog.jsonld",
        "static/catalog.rdf",
        "static/catalog.ttl",
        "static/datapackage.json",
        "static/outcomes-compare.css",  # the comparison's and the API page's tables
        "static/outcomes-fonts.css",  # the kit's fonts, from the site itself
        "static/outcomes-overview.css",
        "static/outcomes-sql-editor.js",  # Datasette's SQL editor, without an inline script
        "static/outcomes-table.js",
        "static/outcomes.css",
        "templates/_api_link.html",
        "templates/_attendance.html",
        "templates/_cite.html",
        "templates/_cite_downloads.html",
        # Datasette's own templates, in the page's language.
        "templates/_codemirror.html",
        "templates/_codemirror_foot.html",
        "templates/_column_labels_css.html",
        "templates/_compare_link.html",
        "templates/_crumbs.html",
        "templates/_description_source_license.html",
        "templates/_facet_results.html",
        "templates/_footer.html",
        "templates/_freshness.html",  # the overview's parts (charts, map, commitments' lights)
        "templates/_freshness_rule.html",
        "templates/_open_data_catalogue.html",
        "templates/_overview_charts.html",
        "templates/_search_results.html",  # the search page's results (rendered apart)
        "templates/_similar.html",  # an outcome's similar outcomes
        "templates/_table.html",
        "templates/_world_map.html",
        "templates/api.html",  # the API page
        "templates/base.html",
        "templates/compare.html",  # the comparison of events or sessions
        "templates/database.html",
        "templates/error.html",
        # The site's pages.
        "templates/index.html",
        "templates/pages/privacy.html",  # the privacy notice, at /privacy
        "templates/query-outcomes-cerca.html",
        "templates/query-outcomes-impegni.html",
        "templates/query.html",
        "templates/row-outcomes-events.html",
        "templates/row-outcomes-outcomes.html",
        "templates/row-outcomes-sessions.html",
        "templates/row.html",
        "templates/table-outcomes-countries.html",
        "templates/table-outcomes-outcomes.html",
        "templates/table-outcomes-sessions.html",
        "templates/table.html",
    ]
    copy = built / "plugins" / site.COMMON_PACKAGE
    copied = sorted(path.relative_to(copy) for path in copy.rglob("*") if path.is_file())
    assert copied == sorted(path.relative_to(COMMON) for path in COMMON.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    assert all((copy / path).read_bytes() == (COMMON / path).read_bytes() for path in copied)


def test_a_new_build_replaces_the_site_folders(notes, tmp_path):
    out = tmp_path / "out"
    assert build.build(notes, out).ok
    (out / "templates" / "stale.html").write_text("stale", "utf-8")
    assert build.build(notes, out).ok
    assert not (out / "templates" / "stale.html").exists()
    assert (out / "templates" / "index.html").exists()
    assert not list(out.glob(build.STAGING_PREFIX + "*"))


def test_the_published_site_needs_only_datasette_and_its_plugins(built):
    """`datasette build/` with the outcomes package impossible to import, as
    if it were not installed (so not its Datasette entry point either)."""
    script = (
        "import sys; sys.modules['outcomes'] = None\n"
        "import importlib.metadata as metadata\n"
        "installed = metadata.distributions\n"
        "metadata.distributions = lambda **kw: (d for d in installed(**kw) if d.metadata['Name'] != 'outcomes')\n"
        "from datasette.cli import cli\n"
        "cli([sys.argv[1], '--get', '/outcomes/cerca.json?q=migrante&_shape=array'])\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(built)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert last(json.loads(result.stdout)[0]["id"]) == "educazione-finanziaria-famiglie-migranti"


def setting_value(text: str):
    """A --setting value as Datasette reads it."""
    return {"on": True, "off": False, "true": True, "false": False}.get(text, int(text) if text.isdigit() else text)


def readme_package_command() -> list[str]:
    """The `datasette package` command of the README, as arguments."""
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    [block] = re.findall(r"```bash\ncd build && (datasette package .*?)\n(?:docker|```)", readme, re.S)
    return shlex.split(block.replace("\\\n", " "))


def test_readme_publish_command_serves_the_site(built, monkeypatch):
    """What `datasette package` would put in the image, run here: the same
    folder (made by Datasette's own code) and the Dockerfile's commands."""
    from datasette.cli import package
    from datasette.utils import temporary_docker_directory

    args = readme_package_command()
    assert args[:3] == ["datasette", "package", "outcomes.db"]
    monkeypatch.chdir(built)
    params = package.make_context("package", args[2:]).params
    names = ("metadata", "extra_options", "branch", "template_dir", "plugins_dir", "static", "install", "spatialite", "version_note", "secret", "port")
    options = {key: params.pop(key) for key in names}
    with temporary_docker_directory(params.pop("files"), "datasette", **options, extra_metadata=params) as folder:
        dockerfile = Path(folder, "Dockerfile").read_text()
        [install] = re.findall(r"^RUN pip install -U (.*)$", dockerfile, re.M)
        pins = dict(package.split("==") for package in install.split() if "==" in package)
        assert pins == {name: importlib.metadata.version(name) for name in pins}
        dependencies = [line for line in importlib.metadata.requires("outcomes") if "extra ==" not in line]
        plugins = {re.split(r"[<>=; ]", dependency)[0] for dependency in dependencies if dependency.startswith("datasette")}
        # tzdata: Italian time in the feed; markdown-it-py and bleach: the site's Markdown
        assert plugins | {"snowballstemmer", "tzdata", "markdown-it-py", "bleach"} == set(pins)
        [inspect] = re.findall(r"^RUN (datasette inspect .*)$", dockerfile, re.M)
        subprocess.run(this_datasette(inspect), cwd=folder, check=True, capture_output=True)
        [serve] = re.findall(r"^CMD (.*) --port \$PORT$", dockerfile, re.M)

        def get(path: str) -> str:
            result = subprocess.run(this_datasette(serve) + ["--get", path], cwd=folder, capture_output=True, text=True)
            assert result.returncode == 0, (path, result.stderr[-2000:])
            return result.stdout

        assert last(json.loads(get("/outcomes/cerca.json?q=rimessa&_shape=array"))[0]["id"])
        # The settings the image runs with: Datasette's defaults, changed by --setting.
        from datasette.app import DEFAULT_SETTINGS

        given = re.findall(r"--setting (\w+) (\S+)", serve)
        settings = {**DEFAULT_SETTINGS, **{key: setting_value(value) for key, value in given}}
        assert {key: settings[key] for key in site.settings()} == site.settings()
        assert "Questa biblioteca raccoglie" in get("/")
        assert get("/robots.txt").startswith("User-agent: *\nAllow: /")
        # The dataset's descriptions, which the home page links to.
        assert not any(Path(folder, name).exists() for name in ("datapackage.json", "CITATION.cff"))
        for name in ("datapackage.json", "CITATION.cff", *opendata.CATALOGUE_FILES):
            assert get(f"/{name}") == (built / name).read_text("utf-8") + "\n", name  # --get adds a line end
        # The schema.org descriptions, from --static open-data:open-data, as
        # the events' bundles (which `--get` cannot print: it decodes text).
        described = json.loads((built / "open-data" / opendata.SCHEMA_ORG_FILE).read_text("utf-8"))
        assert jsonld_blocks(get("/")) == [described["library"]]


def this_datasette(command: str) -> list[str]:
    """A Dockerfile's ``datasette ...`` command, run by this interpreter's
    Datasette (a venv need not be activated)."""
    program, *args = shlex.split(command)
    assert program == "datasette"
    return [sys.executable, "-m", "datasette", *args]


def test_an_installed_package_carries_the_site(tmp_path):
    """setuptools copies outcomes/site/** (package-data) as it would into a wheel."""
    root = Path(__file__).parent.parent
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        (source / name).write_bytes((root / name).read_bytes())
    shutil.copytree(root / "outcomes", source / "outcomes", ignore=shutil.ignore_patterns("__pycache__"))
    command = [sys.executable, "-c", "import setuptools; setuptools.setup()", "build_py", "-d", str(tmp_path / "lib")]
    subprocess.run(command, cwd=source, check=True, capture_output=True, timeout=300)
    installed = tmp_path / "lib" / "outcomes"
    for name, content in site.site_files().items():
        common = name.removeprefix(f"plugins/{site.COMMON_PACKAGE}/")
        kit = name.removeprefix(f"static/{site.KIT}/")
        origin = (installed / "common" / common if common != name
                  else installed / "vendor" / site.KIT / kit if kit != name else installed / "site" / name)
        assert origin.read_bytes() == content, name
    assert (installed / "site" / "metadata.yaml").exists() and (installed / "site" / "settings.json").exists()


def _attendance_rows(page: str) -> list[tuple[str, str, str]]:
    table = re.search(r'<table class="attendance">(.*?)</table>', page, re.S).group(1)
    return re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]*)</td><td>([^<]*)</td></tr>', table)


def test_registered_beside_present_on_session_and_event_pages(notes, tmp_path):
    from test_incremental import REGISTRATIONS

    (notes / EVENT / "registrations.yaml").write_text(REGISTRATIONS, "utf-8")
    out = tmp_path / "build"
    result = build.build(notes, out, proceedings=False)
    assert result.ok
    client = Client(out)
    try:
        page = client.ok(f"/outcomes/sessions/{MIGRATION}").text
        assert "<caption>Presenti e iscritti alla sessione per tipo di attore</caption>" in page
        assert _attendance_rows(page) == [
            ("Regione", "2", "0"),
            ("Ente locale", "5", "3"),
            ("Organizzazione internazionale", "1", "0"),
            ("Organizzazione della società civile", "8", "2"),
            ("Associazione della diaspora", "8", "0"),
            ("Associazione di categoria", "3", "0"),
            ("Sindacato", "3", "0"),
            ("Università e ricerca", "2", "0"),
            ("Impresa privata", "1", "0"),
            ("Autorità del paese partner", "2", "0"),
            ("Economia sociale", "2", "0"),
            ("Ente di formazione", "3", "0"),
            ("Servizi per il lavoro", "3", "0"),
            ("Non classificati", "", "1"),
            ("Totale", "43", "6"),
        ]
        # A session nobody registered for through the form shows no such table.
        assert 'class="attendance"' not in client.ok(f"/outcomes/sessions/{AGENDA}").text
        event = client.ok(f"/outcomes/events/{EVENT}").text
        rows = _attendance_rows(event)
        with sqlite3.connect(out / "outcomes.db") as db:
            present = dict(db.execute(
                "select label_it, sum(count) from session_participants join actor_types on actor_types.id = actor_type_id"
                " group by label_it").fetchall())
        assert rows[-2:] == [("Non classificati", "", "1"), ("Totale", str(sum(present.values())), "13")]
        assert {label: (int(p), int(r)) for label, p, r in rows[:-2]} == {
            label: (count, {"Ente locale": 10, "Organizzazione della società civile": 2}.get(label, 0))
            for label, count in present.items()
        }
        # The numbers are in the database for researchers, under their own table.
        assert client.rows(f"/outcomes/session_registrations.json?session_id={MIGRATION}") == [
            {"session_id": MIGRATION, "actor_type_id": "local_authority", "count": 3},
            {"session_id": MIGRATION, "actor_type_id": "ngo", "count": 2},
        ]
    finally:
        client.close()


# --- Vocabulary pages: the links from other tables (issue #26, defect 1) ---------------------


@pytest.mark.parametrize("lang, rows", [("it", "righe"), ("en", "rows")])
@pytest.mark.parametrize("path", ["/outcomes/sdg_goals/10", "/outcomes/countries/SN", "/outcomes/themes/remittances"])
def test_vocabulary_pages_link_to_the_rows_of_other_tables(client, db, path, lang, rows):
    page = client.ok(f"{path}?_lang={lang}").text
    section = page.split("<h2>", 2)[-1]
    assert "&lt;a" not in page
    links = re.findall(r'<li><a href="([^"]+)">([\d.,]+) ' + rows + r"</a>", section)
    assert links, section[:500]
    for link, count in links:
        # Each link opens as many rows as it announces.
        table, _, query = link.removeprefix("/outcomes/").partition("?")
        (column, value), = urllib.parse.parse_qsl(query)
        expected = db.execute(f"select count(*) from [{table}] where [{column}] = ?", [value]).fetchone()[0]
        assert int(count.replace(".", "").replace(",", "")) == expected
        assert len(client.rows(f"/outcomes/{table}.json?{query}&_size=max")) == expected
        assert client.ok(link).status_code == 200


# --- A local preview (issue #26, defect 8) ----------------------------------------------------


@pytest.mark.parametrize("lang", ["it", "en"])
def test_a_page_reached_elsewhere_than_the_public_address_says_how_to_preview(client, lang):
    """``datasette build/`` links to ``public_url``: a page asked for at
    another address (here the test client's ``localhost``) says so and names
    ``outcomes serve``, whose links work locally; at the public address it
    says nothing."""
    page = client.ok(f"/outcomes/cerca?q=rimesse&_lang={lang}").text
    note = re.search(r'<p class="preview-note">(.*?)</p>', page, re.S)
    assert note and "<code>outcomes serve</code>" in note[1]
    assert note[1].startswith({"it": "I collegamenti", "en": "The links"}[lang])
    public = urllib.parse.urlsplit(PUBLIC_URL).netloc
    at_public = client.loop.run_until_complete(client.ds.client.get("/outcomes", headers={"host": public})).text
    assert 'class="preview-note"' not in at_public
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    assert "(or `datasette build/`) opens" not in readme and "to preview the site locally, with links\nthat work, run `outcomes serve`" in readme


# --- Commitments: overdue only, and what "type of actor" means (issue #26, defect 5) ----------


@pytest.mark.parametrize("lang, actor, overdue", [
    ("it", "Tipo di attore coinvolto (non il responsabile)", "Solo quelli in ritardo"),
    ("en", "Type of actor involved (not the owner)", "Overdue only"),
])
def test_commitments_overdue_only(client, db, lang, actor, overdue):
    page = client.ok(f"/outcomes/impegni?_lang={lang}").text
    form = re.search(r'<form class="commitment-filters".*?</form>', page, re.S)[0]
    assert f'<label for="attore">{actor}</label>' in form
    assert re.search(r'<input type="checkbox" id="in_ritardo" name="in_ritardo" value="1">\s*'
                     rf'<label for="in_ritardo">{overdue}</label>', form)
    expected = commitments(db, lang)
    late = [row for row in expected if row["in_ritardo"]]
    assert 0 < len(late) < len(expected)
    # The form sent as a browser sends it (the box ticked): the overdue ones, on the page and as JSON.
    chosen = client.ok(f"/outcomes/impegni?attore=&responsabile=&stato=&in_ritardo=1&_lang={lang}").text
    assert re.findall(r'<li class="commitment-item([^"]*)">\s*<h2><a href="/outcomes/outcomes/([^"]+)"', chosen) == [
        (" is-overdue", row["esito"]) for row in late
    ]
    assert 'id="in_ritardo" name="in_ritardo" value="1" checked' in chosen
    assert client.rows(f"/outcomes/impegni.json?in_ritardo=1&_lang={lang}") == late
    involved = client.rows(f"/outcomes/impegni.json?in_ritardo=1&attore=local_authority&_lang={lang}")
    assert involved == [row for row in late if "local_authority" in json.loads(row["attori"])]
