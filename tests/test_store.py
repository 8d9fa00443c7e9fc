"""The built database: whole rows, lookups, links, keys and full-text search."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest
import sqlite_utils

from helpers import SESSION_YAML, write_library
from outcomes.build import build
from outcomes.store import SCHEMA_VERSION, stable_rowid

EXTRA_OUTCOMES = """\
  - id: sportello-diaspore
    type: commitment
    title: Aprire uno sportello per le associazioni della diaspora
    text: |
      La Regione apre uno *sportello* nelle città con più associazioni.
    sdg_targets: [17.17]
    countries: [NO]
    actors: [region]
    owner: Regione Piemonte
    owner_type: region
    due: 2020-06-30
  - id: trattativa-riservata
    type: finding
    title: Una trattativa ancora riservata
    text: Non deve essere pubblicata.
    visibility: internal
"""

INTERNAL_SESSION = SESSION_YAML.replace("title: Migrazione e Cooperazione Internazionale", "title: Riunione riservata") + (
    "visibility: internal\n"
)


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("library")
    notes = write_library(root, SESSION_YAML + EXTRA_OUTCOMES)
    (notes / "convegno-2019" / "riservata.yaml").write_text(INTERNAL_SESSION, "utf-8")
    result = build(notes, root / "build", proceedings=False)
    assert result.ok, [p.format() for p in result.problems]
    assert result.counts == {"events": 1, "sessions": 2, "outcomes": 4, "internal": 2}
    return root / "build"


@pytest.fixture
def db(library):
    return sqlite_utils.Database(library / "outcomes.db")


def test_event_row(db):
    assert list(db["events"].rows) == [
        {
            "id": "convegno-2019",
            "title": "Sguardi e prospettive della cooperazione decentrata",
            "subtitle": None,
            "start_date": "2019-10-15",
            "end_date": "2019-10-15",
            "venue": "Centro Congressi",
            "address": None,
            "city": "Torino",
            "organisers": '["Regione Piemonte"]',
            "description": "Un convegno di prova.\n",
            "language": "it",
            "website": None,
            "registered_total": None,
            "published": "2019-10-15",  # its last day: no follow-up
            "source": "convegno-2019/event.yaml",
        }
    ]


def test_session_rows_hold_roles_not_names_and_no_internal_session(db):
    assert list(db["sessions"].rows) == [
        {
            "id": "convegno-2019--laboratorio",
            "event_id": "convegno-2019",
            "slug": "laboratorio",
            "title": "Migrazione e Cooperazione Internazionale",
            "kind": "workshop",
            "date": "2019-10-15",
            "start": "14:30",
            "end": "17:00",
            "language": "it",
            "room": None,
            "facilitators": '[{"organisation": "Regione Piemonte", "role": "facilitatrice"}]',
            "speakers": "[]",
            "participants_total": 17,
            "registered_total": None,
            "summary": "Le **città** e le associazioni dei migranti.\n",
            "source": "convegno-2019/laboratorio.yaml",
        }
    ]
    assert list(db["session_participants"].rows) == [
        {"session_id": "convegno-2019--laboratorio", "actor_type_id": "diaspora_association", "count": 5},
        {"session_id": "convegno-2019--laboratorio", "actor_type_id": "local_authority", "count": 12},
    ]


def test_outcome_rows(db):
    assert list(db.query("select * from outcomes order by position")) == [
        {
            "id": "convegno-2019--laboratorio--diaspore-coprogettazione",
            "event_id": "convegno-2019",
            "session_id": "convegno-2019--laboratorio",
            "slug": "diaspore-coprogettazione",
            "position": 1,
            "type": "recommendation",
            "title": "Coinvolgere le diaspore nella progettazione",
            "text": "Le associazioni della diaspora partecipano fin dall'inizio.\n",
            "sdg_targets": '["10.7", "17.17"]',
            "sdg_goals": '["10", "17"]',
            "gcm_objectives": '["19", "23"]',
            "countries": '["SN", "MA"]',
            "actors": '["diaspora_association", "local_authority"]',
            "themes": '["diaspora", "remittances"]',
            "keywords": '["co-sviluppo"]',
            "owner": None,
            "owner_type": None,
            "due": None,
            "status": None,
            "current_status": None,
            "progress": None,
            "last_update": None,
            "source": "convegno-2019/laboratorio.yaml",
        },
        {
            "id": "convegno-2019--laboratorio--sportello-diaspore",
            "event_id": "convegno-2019",
            "session_id": "convegno-2019--laboratorio",
            "slug": "sportello-diaspore",
            "position": 2,
            "type": "commitment",
            "title": "Aprire uno sportello per le associazioni della diaspora",
            "text": "La Regione apre uno *sportello* nelle città con più associazioni.\n",
            "sdg_targets": '["17.17"]',
            "sdg_goals": '["17"]',
            "gcm_objectives": "[]",
            "countries": '["NO"]',
            "actors": '["region"]',
            "themes": "[]",
            "keywords": "[]",
            "owner": "Regione Piemonte",
            "owner_type": "region",
            "due": "2020-06-30",
            "status": "proposed",
            "source": "convegno-2019/laboratorio.yaml",
            "current_status": "proposed",
            "progress": None,
            "last_update": None,
        },
    ]


def test_link_tables(db):
    first = "convegno-2019--laboratorio--diaspore-coprogettazione"
    second = "convegno-2019--laboratorio--sportello-diaspore"
    assert list(db.query("select * from outcome_sdg_targets order by 1, 2")) == [
        {"outcome_id": first, "sdg_target_id": "10.7"},
        {"outcome_id": first, "sdg_target_id": "17.17"},
        {"outcome_id": second, "sdg_target_id": "17.17"},
    ]
    assert list(db.query("select * from outcome_sdg_goals order by 1, 2")) == [
        {"outcome_id": first, "sdg_goal_id": 10},
        {"outcome_id": first, "sdg_goal_id": 17},
        {"outcome_id": second, "sdg_goal_id": 17},
    ]
    assert list(db.query("select * from outcome_countries order by 1, 2")) == [
        {"outcome_id": first, "country_id": "MA"},
        {"outcome_id": first, "country_id": "SN"},
        {"outcome_id": second, "country_id": "NO"},
    ]
    assert list(db.query("select * from outcome_gcm_objectives order by 1, 2")) == [
        {"outcome_id": first, "gcm_objective_id": 19},
        {"outcome_id": first, "gcm_objective_id": 23},
    ]
    assert [tuple(r.values()) for r in db.query("select * from outcome_actors order by 1, 2")] == [
        (first, "diaspora_association"), (first, "local_authority"), (second, "region"),
    ]
    assert [tuple(r.values()) for r in db.query("select * from outcome_themes order by 1, 2")] == [
        (first, "diaspora"), (first, "remittances"),
    ]


def test_lookup_tables_have_italian_and_english_labels(db):
    assert db["sdg_goals"].count == 17
    assert db["sdg_targets"].count == 169
    assert db["gcm_objectives"].count == 23
    assert db["countries"].count == 249
    assert db["sdg_goals"].get(10) == {
        "id": 10, "label_it": "Ridurre le disuguaglianze", "label_en": "Reduced inequalities", "colour": "#DD1367",
    }
    assert db["countries"].get("NO") == {"id": "NO", "label_it": "Norvegia", "label_en": "Norway", "alpha_3": "NOR"}
    assert db["countries"].get("MA")["label_it"] == "Marocco"
    assert db["sdg_targets"].get("10.7")["goal"] == 10
    assert db["actor_types"].get("diaspora_association")["label_it"] == "Associazione della diaspora"
    per_goal = [r["n"] for r in db.query("select count(*) as n from sdg_targets group by goal order by goal")]
    assert per_goal == [7, 8, 13, 10, 9, 8, 5, 12, 8, 10, 10, 11, 5, 10, 12, 12, 19]


def test_foreign_keys_are_declared(db):
    fks = {(fk.column, fk.other_table, fk.other_column) for fk in db["outcomes"].foreign_keys}
    assert fks == {
        ("event_id", "events", "id"),
        ("session_id", "sessions", "id"),
        ("type", "outcome_types", "id"),
        ("status", "statuses", "id"),
        ("current_status", "statuses", "id"),
        ("owner_type", "actor_types", "id"),
    }
    assert {(fk.column, fk.other_table) for fk in db["outcome_countries"].foreign_keys} == {
        ("outcome_id", "outcomes"), ("country_id", "countries"),
    }
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_internal_records_and_names_never_reach_the_database(library):
    raw = (library / "outcomes.db").read_bytes()
    for secret in ("Nome riservato T1", "trattativa", "Riunione riservata", "Non deve essere pubblicata"):
        assert secret.encode("utf-8") not in raw


def test_rowids_are_stable(db):
    """A row's rowid is a number fixed by its id alone, the same in every
    build and every version (links to /outcomes/<rowid> keep working)."""
    rowids = {
        table: {row["id"]: row["rowid"] for row in db.query(f"select rowid, id from {table}")}
        for table in ("events", "sessions")
    }
    assert rowids == {
        "events": {"convegno-2019": 63625791866190554},
        "sessions": {"convegno-2019--laboratorio": 42326137272634061},
    }
    row = next(db.query("select rowid, id from outcomes where slug = 'sportello-diaspore'"))
    assert row == {"rowid": 64087643321827339, "id": "convegno-2019--laboratorio--sportello-diaspore"}
    assert stable_rowid(row["id"]) == row["rowid"]


@pytest.mark.parametrize("query", ["citta", "città", "CITTÀ"])
def test_full_text_search_folds_accents(db, query):
    hits = [r["id"] for r in db.query(
        "select outcomes.id from outcomes_fts join outcomes on outcomes.rowid = outcomes_fts.rowid"
        " where outcomes_fts match :q", {"q": f"\"{query}\""})]
    assert hits == ["convegno-2019--laboratorio--sportello-diaspore"]
    sessions = [r["id"] for r in db.query(
        "select sessions.id from sessions_fts join sessions on sessions.rowid = sessions_fts.rowid"
        " where sessions_fts match :q", {"q": f"\"{query}\""})]
    assert sessions == ["convegno-2019--laboratorio"]


@pytest.mark.parametrize("query", ["citta", "città"])
def test_datasette_search_with_the_project_configuration(library, query):
    """The command a researcher would type, with the built configuration."""
    output = subprocess.run(
        [sys.executable, "-m", "datasette", str(library), "--get",
         f"/outcomes/outcomes.json?_search={query}&_shape=array&_col=title"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert json.loads(output) == [
        {"id": "convegno-2019--laboratorio--sportello-diaspore",
         "title": "Aprire uno sportello per le associazioni della diaspora"}
    ]


def test_database_is_served_immutable(library):
    inspect = json.loads((library / "inspect-data.json").read_text())
    assert inspect["outcomes"]["file"] == "outcomes.db"
    assert inspect["outcomes"]["tables"]["outcomes"] == {"count": 2}
    with sqlite3.connect(library / "outcomes.db") as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
