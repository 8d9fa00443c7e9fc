"""The public SQLite database: an explicit schema, filled from validated notes.

Only public records enter it: sessions and outcomes marked ``internal`` are
left out, and people appear by organisation and role, never by name.

Row ids of outcomes and sessions are derived from their stable text ids, so a
row keeps its rowid (and its place in the full-text index) whatever else is
added or removed: an incremental update gives the same database as a build
from scratch.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterable

from typing import TYPE_CHECKING

import sqlite_utils

from . import search, vocab

if TYPE_CHECKING:  # types only: the store never reads notes itself
    from .load import EventNote, SessionNote

SCHEMA_VERSION = 1

# Lookup tables: name -> (vocabulary, extra columns kept from its CSV).
LOOKUPS = {
    "sdg_goals": ("sdg_goals", ["colour"]),
    "sdg_targets": ("sdg_targets", ["goal"]),
    "gcm_objectives": ("gcm_objectives", []),
    "actor_types": ("actor_types", ["description_it"]),
    "themes": ("themes", ["description_it"]),
    "outcome_types": ("outcome_types", ["plural_it", "plural_en", "description_it"]),
    "statuses": ("statuses", []),
    "session_kinds": ("session_kinds", []),
    "countries": ("countries", ["alpha_3"]),
}

# Link tables: name -> (column in outcomes, lookup table, lookup column name).
LINKS = {
    "outcome_sdg_targets": ("sdg_targets", "sdg_targets", "sdg_target_id"),
    "outcome_sdg_goals": ("sdg_goals", "sdg_goals", "sdg_goal_id"),
    "outcome_gcm_objectives": ("gcm_objectives", "gcm_objectives", "gcm_objective_id"),
    "outcome_countries": ("countries", "countries", "country_id"),
    "outcome_actors": ("actors", "actor_types", "actor_type_id"),
    "outcome_themes": ("themes", "themes", "theme_id"),
}

FTS_TOKENIZER = "unicode61 remove_diacritics 2"


def stable_rowid(key: str) -> int:
    """A positive 56-bit integer that depends only on ``key``."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=7).digest(), "big")


def _json(values: Iterable) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def _vocabulary(name: str) -> vocab.Vocabulary:
    return vocab.countries() if name == "countries" else vocab.vocabulary(name)


# --- Schema --------------------------------------------------------------------


def create(path: Path) -> sqlite_utils.Database:
    """A new, empty database with the whole schema and the lookup tables."""
    db = sqlite_utils.Database(path, recreate=True)
    db.execute("PRAGMA journal_mode = OFF")  # built in a staging file, published whole
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA foreign_keys = ON")
    with db.conn:
        _create_lookups(db)
        _create_tables(db)
    return db


def _create_lookups(db: sqlite_utils.Database) -> None:
    for table, (name, extra) in LOOKUPS.items():
        terms = _vocabulary(name)
        integer_ids = name in ("sdg_goals", "gcm_objectives")
        columns = {"id": int if integer_ids else str, "label_it": str, "label_en": str}
        columns.update({column: int if column == "goal" else str for column in extra})
        foreign_keys = [("goal", "sdg_goals", "id")] if name == "sdg_targets" else []
        db[table].create(columns, pk="id", not_null={"label_it", "label_en"}, foreign_keys=foreign_keys)
        rows = [
            {
                "id": int(term.id) if integer_ids else term.id,
                "label_it": term.label("it"),
                "label_en": term.label("en"),
                **{column: int(term.extra[column]) if column == "goal" else term.extra.get(column) for column in extra},
            }
            for term in terms
        ]
        db[table].insert_all(rows)


def _create_tables(db: sqlite_utils.Database) -> None:
    db["events"].create(
        {
            "id": str,
            "title": str,
            "subtitle": str,
            "start_date": str,
            "end_date": str,
            "venue": str,
            "address": str,
            "city": str,
            "organisers": str,
            "description": str,
            "language": str,
            "website": str,
            "registered_total": int,
            "source": str,
        },
        pk="id",
        not_null={"title", "start_date", "end_date", "venue", "city", "description"},
    )
    db["sessions"].create(
        {
            "id": str,
            "event_id": str,
            "slug": str,
            "title": str,
            "kind": str,
            "date": str,
            "start": str,
            "end": str,
            "language": str,
            "room": str,
            "facilitators": str,
            "speakers": str,
            "participants_total": int,
            "summary": str,
            "source": str,
        },
        pk="id",
        not_null={"event_id", "slug", "title", "kind", "date", "start", "end", "summary"},
        foreign_keys=[("event_id", "events", "id"), ("kind", "session_kinds", "id")],
    )
    db["event_registrations"].create(
        {"event_id": str, "actor_type_id": str, "count": int},
        pk=("event_id", "actor_type_id"),
        foreign_keys=[("event_id", "events", "id"), ("actor_type_id", "actor_types", "id")],
    )
    db["session_participants"].create(
        {"session_id": str, "actor_type_id": str, "count": int},
        pk=("session_id", "actor_type_id"),
        foreign_keys=[("session_id", "sessions", "id"), ("actor_type_id", "actor_types", "id")],
    )
    db["quotes"].create(
        {"id": str, "session_id": str, "position": int, "text": str, "actor_type_id": str},
        pk="id",
        foreign_keys=[("session_id", "sessions", "id"), ("actor_type_id", "actor_types", "id")],
    )
    db["outcomes"].create(
        {
            "id": str,
            "event_id": str,
            "session_id": str,
            "slug": str,
            "position": int,
            "type": str,
            "title": str,
            "text": str,
            "sdg_targets": str,
            "sdg_goals": str,
            "gcm_objectives": str,
            "countries": str,
            "actors": str,
            "themes": str,
            "keywords": str,
            "owner": str,
            "due": str,
            "status": str,
            "source": str,
        },
        pk="id",
        not_null={"event_id", "session_id", "slug", "type", "title", "text"},
        foreign_keys=[
            ("event_id", "events", "id"),
            ("session_id", "sessions", "id"),
            ("type", "outcome_types", "id"),
            ("status", "statuses", "id"),
        ],
    )
    for table, (_, lookup, column) in LINKS.items():
        integer_ids = lookup in ("sdg_goals", "gcm_objectives")
        db[table].create(
            {"outcome_id": str, column: int if integer_ids else str},
            pk=("outcome_id", column),
            foreign_keys=[("outcome_id", "outcomes", "id"), (column, lookup, "id")],
        )
        db[table].create_index([column])
    for table, columns in (("outcomes", ["session_id"]), ("outcomes", ["event_id"]), ("outcomes", ["type"]),
                           ("sessions", ["event_id"]), ("session_participants", ["actor_type_id"])):
        db[table].create_index(columns)
    # Standalone FTS5 tables (rowid = the row's rowid): the extra `stems` column
    # holds Italian stems, see outcomes.search.
    db.execute(f"CREATE VIRTUAL TABLE outcomes_fts USING fts5(title, text, keywords, stems, tokenize='{FTS_TOKENIZER}')")
    db.execute(f"CREATE VIRTUAL TABLE sessions_fts USING fts5(title, summary, stems, tokenize='{FTS_TOKENIZER}')")


# --- Rows ------------------------------------------------------------------------


def event_row(note: EventNote, notes_dir: Path) -> dict:
    event = note.event
    return {
        "id": note.id,
        "title": event.title,
        "subtitle": event.subtitle,
        "start_date": event.start_date.isoformat(),
        "end_date": event.last_date.isoformat(),
        "venue": event.venue.name,
        "address": event.venue.address,
        "city": event.venue.city,
        "organisers": _json(organiser.name for organiser in event.organisers),
        "description": event.description,
        "language": event.language,
        "website": event.website,
        "registered_total": note.registrations.total if note.registrations else None,
        "source": _relative(note.path, notes_dir),
    }


def _people(people) -> str:
    """Organisation and role only: a person's name never leaves the note."""
    return _json(
        {key: value for key, value in (("organisation", p.organisation), ("role", p.role), ("talk", p.talk)) if value}
        for p in people
    )


def session_row(note: SessionNote, notes_dir: Path) -> dict:
    session = note.session
    return {
        "id": note.key,
        "event_id": note.event_id,
        "slug": note.id,
        "title": session.title,
        "kind": session.kind,
        "date": session.date.isoformat(),
        "start": session.start.strftime("%H:%M"),
        "end": session.end.strftime("%H:%M"),
        "language": session.language,
        "room": session.room,
        "facilitators": _people(session.facilitators),
        "speakers": _people(session.speakers),
        "participants_total": session.participants_total,
        "summary": session.summary,
        "source": _relative(note.path, notes_dir),
    }


def outcome_rows(note: SessionNote, notes_dir: Path) -> list[dict]:
    source = _relative(note.path, notes_dir)
    rows = []
    for position, outcome in enumerate(note.session.outcomes, start=1):
        if not outcome.public:
            continue
        rows.append(
            {
                "id": f"{note.key}--{outcome.id}",
                "event_id": note.event_id,
                "session_id": note.key,
                "slug": outcome.id,
                "position": position,
                "type": outcome.type,
                "title": outcome.title,
                "text": outcome.text,
                "sdg_targets": _json(outcome.sdg_targets),
                "sdg_goals": _json(outcome.sdg_goals),
                "gcm_objectives": _json(outcome.gcm_objectives),
                "countries": _json(outcome.countries),
                "actors": _json(outcome.actors),
                "themes": _json(outcome.themes),
                "keywords": _json(outcome.keywords),
                "owner": outcome.owner,
                "due": outcome.due.isoformat() if outcome.due else None,
                "status": outcome.status or ("proposed" if outcome.type == "commitment" else None),
                "source": source,
            }
        )
    return rows


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


# --- Writing ---------------------------------------------------------------------


def insert_event(db: sqlite_utils.Database, note: EventNote, notes_dir: Path) -> None:
    """The event and, if known, its registrations by actor type (counts only)."""
    _insert(db, "events", [event_row(note, notes_dir)])
    if note.registrations:
        _insert(
            db,
            "event_registrations",
            [
                {"event_id": note.id, "actor_type_id": actor, "count": count}
                for actor, count in note.registrations.registered.items()
            ],
        )


def insert_session(db: sqlite_utils.Database, note: SessionNote, notes_dir: Path) -> None:
    """One public session with its participants, quotes and public outcomes."""
    if not note.session.public:
        return
    row = session_row(note, notes_dir)
    session = note.session
    _insert(db, "sessions", [row], rowid=True)
    _insert(
        db,
        "session_participants",
        [{"session_id": note.key, "actor_type_id": actor, "count": count} for actor, count in session.participants.items()],
    )
    _insert(
        db,
        "quotes",
        [
            {"id": f"{note.key}--{i}", "session_id": note.key, "position": i, "text": q.text, "actor_type_id": q.actor}
            for i, q in enumerate(session.quotes, start=1)
        ],
    )
    db.conn.execute(
        "INSERT INTO sessions_fts (rowid, title, summary, stems) VALUES (?, ?, ?, ?)",
        (stable_rowid(row["id"]), row["title"], row["summary"], search.stems(row["title"], row["summary"])),
    )
    outcomes = outcome_rows(note, notes_dir)
    _insert(db, "outcomes", outcomes, rowid=True)
    for table, (column, _, link_column) in LINKS.items():
        _insert(
            db,
            table,
            [{"outcome_id": row["id"], link_column: value} for row in outcomes for value in json.loads(row[column])],
        )
    db.conn.executemany(
        "INSERT INTO outcomes_fts (rowid, title, text, keywords, stems) VALUES (?, ?, ?, ?, ?)",
        [
            (
                stable_rowid(row["id"]),
                row["title"],
                row["text"],
                " ".join(json.loads(row["keywords"])),
                search.stems(row["title"], row["text"], " ".join(json.loads(row["keywords"]))),
            )
            for row in outcomes
        ],
    )


def _insert(db: sqlite_utils.Database, table: str, rows: list[dict], rowid: bool = False) -> None:
    """Insert rows into an existing table of the explicit schema."""
    if not rows:
        return
    columns = list(rows[0])
    names = (["rowid"] if rowid else []) + columns
    sql = f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in names)}) VALUES ({', '.join('?' * len(names))})"
    db.conn.executemany(
        sql,
        [([stable_rowid(row["id"])] if rowid else []) + [row[c] for c in columns] for row in rows],
    )


def finish(db: sqlite_utils.Database) -> None:
    """Merge the full-text indexes, record the schema version, check keys."""
    for table in ("outcomes_fts", "sessions_fts"):
        db.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    problems = db.execute("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise RuntimeError(f"foreign key check failed: {problems[:5]}")
    db.conn.commit()
    db.execute("VACUUM")
    db.close()
