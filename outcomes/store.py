"""The public SQLite database, with the explicit schema of ``schema.sql``.

Rows are plain dicts built from validated notes by small pure functions
(``event_rows``, ``session_rows``), packed into tuples (``pack``: smaller to
send from the worker processes that prepare them, quicker to bind) and
written in batches by ``insert``. Only public records become rows,
and people appear by organisation and role, never by name.

Full-text search uses FTS5 tables over the ``outcomes`` and ``sessions``
tables themselves (external content: the text is stored once), indexed as
the rows are inserted, with an ``fts5vocab`` table each from which the site
reads the indexed words to find the forms of a searched word.

Rowids of events, sessions, quotes and outcomes are derived from their ids and
the other tables are WITHOUT ROWID, so removing a session's rows and writing
them again (``remove_sessions`` then ``insert``, for incremental builds)
gives exactly the rows a full build gives.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib import resources
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

from . import vocab
from .common import search
from .load import edition_date


@contextlib.contextmanager
def _without(*modules: str) -> Iterator[None]:
    """Imports of ``modules`` fail meanwhile, unless they are loaded already."""
    blocked = [name for name in modules if name not in sys.modules]
    sys.modules.update(dict.fromkeys(blocked))
    try:
        yield
    finally:
        for name in blocked:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


# sqlite-utils imports pandas and numpy if installed, to write their types:
# the store writes plain values with its own statements, and numpy alone
# took longer to import than every module of the build.
with _without("pandas", "numpy"):
    import sqlite_utils

if TYPE_CHECKING:  # types only: the store never reads notes itself
    from .load import EventNote, FollowUpNote, OutcomeRef, SessionNote

SCHEMA_VERSION = 7  # 4: numbered codes in JSON arrays as text; 5: search_terms, search_facets; 6: events.published; 7: outcomes.owner_type
FTS_TOKENIZER = "unicode61 remove_diacritics 2"

# Full-text indexes: table -> indexed columns. Each has an fts5vocab table,
# <table>_fts_terms, listing its words.
FTS_COLUMNS = {
    "outcomes": ["title", "text", "keywords"],
    "sessions": ["title", "summary"],
}
# How each index ranks (FTS5's "rank"): bm25, with a word in the title
# weighing four times one in the text, and keywords twice.
FTS_RANK = {"outcomes": "bm25(4.0, 1.0, 2.0)", "sessions": "bm25(4.0, 1.0)"}

# Lookup tables and the vocabularies they hold.
LOOKUPS = {
    "sdg_goals": "sdg_goals",
    "sdg_targets": "sdg_targets",
    "gcm_objectives": "gcm_objectives",
    "countries": "countries",
    "actor_types": "actor_types",
    "themes": "themes",
    "outcome_types": "outcome_types",
    "statuses": "statuses",
    "session_kinds": "session_kinds",
}

# Link tables: table -> (its vocabulary column, the outcome's attribute);
# the search (which must stand alone in the site's plugins) declares them.
LINKS = {table: (column, attribute) for attribute, (table, column) in search.TAGS.items()}

# Secondary indexes. The link tables have none by code: they would double
# their size (a third of the database) to save a scan of a few milliseconds
# when outcomes are looked up by a country or a target (20 ms at 100,000);
# but for the codes similar outcomes share (targets, GCM objectives, themes):
# an outcome's page reads a few hundred outcomes of each of its codes, in
# well under a millisecond (+35 MB, 8% of the database, at 100,000 outcomes).
INDEXES = [
    ("outcome_sdg_targets", ["sdg_target_id"]),
    ("outcome_gcm_objectives", ["gcm_objective_id"]),
    ("outcome_themes", ["theme_id"]),
    ("sessions", ["event_id"]),
    ("quotes", ["session_id"]),
    ("outcomes", ["session_id"]),
    ("outcomes", ["event_id"]),
    ("outcomes", ["type"]),
    ("outcomes", ["current_status"]),  # the search's filter by status
    ("sessions", ["date", "end"]),  # the feed's latest sessions, the search's years
    ("search_terms", ["stem", "docs"]),  # the forms of a searched word
    ("session_participants", ["actor_type_id"]),
    ("commitment_updates", ["commitment_id"]),
    ("commitment_updates", ["event_id"]),
    ("session_registrations", ["actor_type_id"]),
]

Rows = dict[str, list[dict]]  # table -> rows as dicts
Packed = dict[str, list[tuple]]  # table -> rows as tuples, in ``record_columns`` order

# Tables whose rowid is derived from their id (stable_rowid).
ROWID_TABLES = ("events", "sessions", "quotes", "outcomes")

_encoder = json.JSONEncoder(ensure_ascii=False)


def stable_rowid(key: str) -> int:
    """A positive 56-bit integer that depends only on ``key``."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=7).digest(), "big")


def _json(values: Iterable) -> str:
    return _encoder.encode(list(values))


def _json_codes(values: list) -> str:
    """A JSON array of vocabulary codes as text (``["10.7", "17.17"]``,
    ``["19", "23"]``): Datasette's ``?column__arraycontains=19`` compares
    text, so numbered codes are stored as strings too. Letters, digits, dots
    and underscores only, checked by the models, so they need no escaping.
    (json.dumps is the slow part of writing a row.)"""
    return '["' + '", "'.join(map(str, values)) + '"]' if values else "[]"


@cache
def schema_sql() -> str:
    return resources.files("outcomes").joinpath("schema.sql").read_text("utf-8")


@cache
def columns() -> dict[str, list[str]]:
    """Each table's columns, in order, as ``schema.sql`` declares them."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(schema_sql())
    tables = [name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")]
    result = {table: [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")] for table in tables}
    conn.close()
    return result


@cache
def record_columns(table: str) -> list[str]:
    """The columns a packed row holds: the table's, after its rowid if it has one."""
    return (["rowid"] if table in ROWID_TABLES else []) + columns()[table]


def pack(rows: Rows) -> Packed:
    return {table: list(map(_record(table), table_rows)) for table, table_rows in rows.items()}


@cache
def _record(table: str) -> Callable[[dict], tuple]:
    """A row's values in ``record_columns`` order, taken in C (``itemgetter``):
    a generator per row cost a worker about a tenth of a second in 10,000
    outcomes' rows."""
    names = record_columns(table)
    if len(names) == 1:  # itemgetter of one key gives the value, not a tuple
        return lambda row: (row[names[0]],)
    return itemgetter(*names)


@cache
def _insert_sql(table: str) -> str:
    names = record_columns(table)
    return f"INSERT INTO [{table}] ({', '.join(f'[{n}]' for n in names)}) VALUES ({', '.join('?' * len(names))})"


# --- Creating and finishing ------------------------------------------------------


def create(path: Path) -> sqlite_utils.Database:
    """A new database with the whole schema and the vocabularies filled in.

    It is built in a staging file and published whole, so the journal and
    fsyncs that protect a live database would only slow the build down.
    """
    # No sqlite-utils plugins: the database is the same whatever is installed.
    db = sqlite_utils.Database(path, recreate=True, execute_plugins=False)
    for pragma in ("journal_mode = OFF", "synchronous = OFF", "locking_mode = EXCLUSIVE", "cache_size = -65536"):
        db.execute(f"PRAGMA {pragma}")
    db.conn.executescript(schema_sql())
    # Indexes and full-text tables exist before the rows, so that they are
    # filled as the rows go in, while other processes are still reading notes.
    for table, index_columns in INDEXES:
        db[table].create_index(index_columns)
    for table, fts_columns in FTS_COLUMNS.items():
        db[table].enable_fts(fts_columns, fts_version="FTS5", tokenize=FTS_TOKENIZER)
        db.execute(f"CREATE VIRTUAL TABLE [{table}_fts_terms] USING fts5vocab([{table}_fts], row)")
        # No merging while rows go in: one merge of everything at the end.
        _fts_merging(db, table, automerge=0, crisismerge=1000)
        db.execute(f"INSERT INTO [{table}_fts]([{table}_fts], rank) VALUES ('rank', ?)", [FTS_RANK[table]])
    insert(db, pack(lookup_rows()))
    return db


def _fts_merging(db: sqlite_utils.Database, table: str, automerge: int, crisismerge: int) -> None:
    for option, value in (("automerge", automerge), ("crisismerge", crisismerge)):
        db.execute(f"INSERT INTO [{table}_fts]([{table}_fts], rank) VALUES (?, ?)", [option, value])


def lookup_rows() -> Rows:
    """The vocabularies as rows of the lookup tables."""
    rows: Rows = {}
    for table, name in LOOKUPS.items():
        terms = vocab.vocabulary(name)
        extra = [column for column in columns()[table] if column not in ("id", "label_it", "label_en")]
        integer_ids = name in ("sdg_goals", "gcm_objectives")
        rows[table] = [
            {
                "id": int(term.id) if integer_ids else term.id,
                "label_it": term.label("it"),
                "label_en": term.label("en"),
                **{
                    column: int(term.extra[column]) if column == "goal" else term.extra.get(column)
                    for column in extra
                },
            }
            for term in terms
        ]
    return rows


def share(db: sqlite_utils.Database) -> None:
    """Commit the rows and let other processes read them while this
    connection goes on to ``finish``: SQLite's write-ahead log keeps their
    snapshot whole. The build's workers zip the open data's bundles from the
    rows meanwhile (they read no full-text index). ``close`` makes the file
    one plain database again."""
    db.conn.commit()
    db.execute("PRAGMA locking_mode = NORMAL")  # EXCLUSIVE would keep every reader out
    db.execute("PRAGMA journal_mode = WAL")


def close(db: sqlite_utils.Database) -> None:
    """Copy the write-ahead log into the database file and close it: one
    file, with no ``-wal`` or ``-shm`` beside it, ready to publish. Every
    reader must have closed its connection first (else SQLite keeps the log,
    and says so only by the mode it answers)."""
    (mode,) = db.execute("PRAGMA journal_mode = DELETE").fetchone()
    if mode != "delete":
        raise sqlite3.OperationalError(f"the database stayed in {mode} mode: a reader was still open")
    db.close()


def finish(db: sqlite_utils.Database) -> None:
    """Merge each full-text index into one segment, list their words for
    the search (``search_terms``) and set the schema version (``close``
    then closes the file, ready to publish).

    Foreign keys are declared, not enforced while writing: every row comes
    from a validated note and every code from the vocabularies written first.
    (The tests run ``PRAGMA foreign_key_check`` on what the build writes.)
    """
    for table in FTS_COLUMNS:  # one segment each: fastest to query
        db.execute(f"INSERT INTO [{table}_fts]([{table}_fts]) VALUES ('optimize')")
        _fts_merging(db, table, automerge=4, crisismerge=16)  # FTS5's defaults, for later updates
    db.execute("DELETE FROM search_terms")
    terms = search.vocabulary_rows(db.conn, [f"{table}_fts_terms" for table in FTS_COLUMNS])
    db.conn.executemany("INSERT INTO search_terms (term, stem, docs) VALUES (?, ?, ?)", terms)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    db.conn.commit()


# --- Rows from notes --------------------------------------------------------------


def event_rows(note: EventNote, notes_dir: Path) -> Rows:
    """The event and, if known, its registrations by actor type (counts only)."""
    event = note.event
    registrations = note.registrations
    return {
        "events": [
            {
                "rowid": stable_rowid(note.id),
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
                "registered_total": registrations.total if registrations else None,
                "published": edition_date(event, ()).isoformat(),  # with its updates: apply_followup
                "source": _relative(note.path, notes_dir),
            }
        ],
        "event_registrations": [
            {"event_id": note.id, "actor_type_id": actor, "count": count}
            for actor, count in (registrations.registered.items() if registrations else ())
        ],
    }


def _people(people) -> str:
    """Organisation and role only: a person's name never leaves the note."""
    return _json(
        {key: value for key, value in (("organisation", p.organisation), ("role", p.role), ("talk", p.talk)) if value}
        for p in people
    )


def session_rows(note: SessionNote, notes_dir: Path) -> Rows:
    """Every row of a public session: itself, its participants and quotes, its
    public outcomes and their links. An internal session gives no rows."""
    session = note.session
    if not session.public:
        return {}
    key = note.key
    source = _relative(note.path, notes_dir)
    rows: Rows = {
        "sessions": [
            {
                "rowid": stable_rowid(key),
                "id": key,
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
                "registered_total": note.registered.total if note.registered else None,
                "summary": session.summary,
                "source": source,
            }
        ],
        "session_participants": [
            {"session_id": key, "actor_type_id": actor, "count": count} for actor, count in session.participants.items()
        ],
        "session_registrations": [
            {"session_id": key, "actor_type_id": actor, "count": count}
            for actor, count in (note.registered.registered.items() if note.registered else ())
        ],
        "quotes": [
            {
                "rowid": stable_rowid(f"{key}--{position}"),
                "id": f"{key}--{position}",
                "session_id": key,
                "position": position,
                "text": quote.text,
                "actor_type_id": quote.actor,
            }
            for position, quote in enumerate(session.quotes, start=1)
        ],
        "outcomes": [],
        **{table: [] for table in LINKS},
        "search_facets": [],
    }
    for position, outcome in enumerate(session.outcomes, start=1):
        if not outcome.public:
            continue
        outcome_id = f"{key}--{outcome.id}"
        codes = {attribute: getattr(outcome, attribute) for _, attribute in LINKS.values()}
        rows["outcomes"].append(
            {
                "rowid": stable_rowid(outcome_id),
                "id": outcome_id,
                "event_id": note.event_id,
                "session_id": key,
                "slug": outcome.id,
                "position": position,
                "type": outcome.type,
                "title": outcome.title,
                "text": outcome.text,
                **{attribute: _json_codes(values) for attribute, values in codes.items()},
                "keywords": _json(outcome.keywords),
                "owner": outcome.owner,
                "owner_type": outcome.owner_type,
                "due": outcome.due.isoformat() if outcome.due else None,
                "status": outcome.status or ("proposed" if outcome.type == "commitment" else None),
                "source": source,
                # What follow-up changes (``apply_followup``), as the note has it.
                "current_status": outcome.status or ("proposed" if outcome.type == "commitment" else None),
                "progress": None,
                "last_update": None,
            }
        )
        for table, (column, attribute) in LINKS.items():
            rows[table].extend({"outcome_id": outcome_id, column: value} for value in codes[attribute])
        rows["search_facets"].append(
            {
                "outcome": stable_rowid(outcome_id),
                "facets": search.facet_words(
                    {
                        "tipo": [outcome.type], "goal": codes["sdg_goals"], "target": codes["sdg_targets"],
                        "gcm": codes["gcm_objectives"], "paese": codes["countries"], "attore": codes["actors"],
                        "tema": codes["themes"], "evento": [note.event_id], "anno": [str(session.date.year)],
                    }  # a commitment's status may change with follow-ups: the site reads it from its row
                ),
            }
        )
    return rows


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def followup_rows(followup: FollowUpNote | None, refs: dict[str, OutcomeRef]) -> Rows:
    """The public updates of an event's public commitments."""
    rows: Rows = {"commitment_updates": []}
    if followup is None:
        return rows
    published = {id(u) for updates in followup.timelines(refs).values() for u in updates}
    seen: dict[str, int] = {}
    # Position: in followup.yaml, among the published updates (same-day updates of a commitment keep that order).
    for position, update in enumerate((u for u in followup.updates if id(u) in published), start=1):
        commitment = update.commitment
        outcome_id = f"{followup.event_id}--{commitment.replace('/', '--')}"
        key = f"{outcome_id}--{update.date.isoformat()}"
        seen[key] = seen.get(key, 0) + 1
        rows["commitment_updates"].append(
            {
                "id": key if seen[key] == 1 else f"{key}-{seen[key]}",
                "commitment_id": outcome_id,
                "event_id": followup.event_id,
                "position": position,
                "date": update.date.isoformat(),
                "status": update.status,
                "progress": update.progress,
                "text": update.text,
                "source": update.source,
            }
        )
    return rows


def apply_followup(db: sqlite_utils.Database, event: EventNote, rows: Rows) -> None:
    """Replace an event's updates with ``rows``, date the event's edition by
    them (``load.edition_date``) and derive from them each of its
    commitments' current status, progress and date of last update."""
    event_id = event.id
    db.execute("DELETE FROM commitment_updates WHERE event_id = ?", [event_id])
    insert(db, pack(rows))
    dates = (dt.date.fromisoformat(row["date"]) for row in rows["commitment_updates"])
    db.execute("UPDATE events SET published = ? WHERE id = ?", [edition_date(event.event, dates).isoformat(), event_id])
    db.execute(
        """
        UPDATE outcomes SET
          current_status = coalesce((SELECT u.status FROM commitment_updates u WHERE u.commitment_id = outcomes.id
                                     ORDER BY u.date DESC, u.position DESC LIMIT 1), status),
          progress = (SELECT u.progress FROM commitment_updates u WHERE u.commitment_id = outcomes.id
                      AND u.progress IS NOT NULL ORDER BY u.date DESC, u.position DESC LIMIT 1),
          last_update = (SELECT max(u.date) FROM commitment_updates u WHERE u.commitment_id = outcomes.id)
        WHERE event_id = ? AND type = 'commitment'
        """,
        [event_id],
    )


# --- Writing ----------------------------------------------------------------------


def insert(db: sqlite_utils.Database, packed: Packed) -> None:
    """Write packed rows into the tables of the schema, and the text of
    outcomes and sessions into their full-text indexes."""
    for table, records in packed.items():
        if not records:
            continue
        if table in ROWID_TABLES:
            # In rowid order: FTS5 starts a new segment whenever a rowid is
            # lower than the last one, and rowids here are hashes of ids.
            records = sorted(records, key=itemgetter(0))
        db.conn.executemany(_insert_sql(table), records)
        if table in FTS_COLUMNS:
            sql, fields = _index_sql(table)
            db.conn.executemany(sql, map(fields, records))
            if _tracking(db):
                db.conn.executemany(
                    f"INSERT INTO {CHANGED['added']} (text) VALUES (?)",
                    ([" ".join(value or "" for value in row[1:])] for row in map(fields, records)),
                )


@cache
def _index_sql(table: str) -> tuple[str, Callable]:
    """The statement adding rows to a full-text index, and what it takes from a record."""
    names = ["rowid", *FTS_COLUMNS[table]]
    positions = [record_columns(table).index(name) for name in names]
    sql = f"INSERT INTO [{table}_fts] ({', '.join(f'[{n}]' for n in names)}) VALUES ({', '.join('?' * len(names))})"
    return sql, itemgetter(*positions)


def prepared_session(note: SessionNote, notes_dir: Path) -> Packed:
    """What a worker sends for a session: its rows, packed."""
    return pack(session_rows(note, notes_dir))


class Batch:
    """Rows gathered across sessions and written a few thousand at a time:
    fewer, larger executemany calls, and memory that stays bounded."""

    def __init__(self, db: sqlite_utils.Database, size: int = 20_000):
        self.db, self.size, self.rows, self.count = db, size, {}, 0

    def add(self, rows: Packed) -> None:
        for table, table_rows in rows.items():
            self.rows.setdefault(table, []).extend(table_rows)
            self.count += len(table_rows)
        if self.count >= self.size:
            self.flush()

    def flush(self) -> None:
        insert(self.db, self.rows)
        self.rows, self.count = {}, 0


# --- Updating in place (incremental builds) -----------------------------------------

# While a database is updated in place, the texts removed from and added to
# the full-text indexes are also indexed in two temporary tables with the same
# tokenizer, one row per indexed row: the number of rows holding a word
# changes by what they count, and update_search_terms applies just that (a
# recount reads every posting of the index: seconds at 100,000 outcomes).
CHANGED = {"removed": "temp.removed_text", "added": "temp.added_text"}


def _tracking(db: sqlite_utils.Database) -> bool:
    return bool(db.execute("SELECT 1 FROM sqlite_temp_master WHERE name = 'removed_text'").fetchall())


def _track_removed(db: sqlite_utils.Database, table: str, where: str, params: list) -> None:
    """Index the texts of the rows of ``table`` matching ``where``, about to go."""
    if _tracking(db):
        text = " || ' ' || ".join(f"coalesce([{column}], '')" for column in FTS_COLUMNS[table])
        db.execute(f"INSERT INTO {CHANGED['removed']} (text) SELECT {text} FROM [{table}] WHERE {where}", params)


def update_search_terms(db: sqlite_utils.Database) -> None:
    """Change in search_terms the counts of the words of the texts removed and
    added since ``open_for_update``: the rows a full build's ``finish`` writes."""
    delta: dict[str, int] = {}
    for change, sign in (("removed", -1), ("added", 1)):
        for term, docs in db.execute(f"SELECT term, doc FROM temp.{change}_terms"):
            delta[term] = delta.get(term, 0) + sign * docs
    for term, change in sorted(delta.items()):
        if not change:
            continue
        row = db.execute("SELECT docs FROM search_terms WHERE term = ?", [term]).fetchone()
        docs = (row[0] if row else 0) + change
        if docs > 0:
            db.execute("INSERT OR REPLACE INTO search_terms (term, stem, docs) VALUES (?, ?, ?)", [term, search.stem(term), docs])
        else:
            db.execute("DELETE FROM search_terms WHERE term = ?", [term])


def _placeholders(values: list) -> str:
    return ", ".join("?" * len(values))


def remove_sessions(db: sqlite_utils.Database, keys: list[str]) -> None:
    """Remove sessions and everything hanging from them, index entries first
    (an external-content FTS5 index forgets a row by its old values)."""
    if not keys:
        return
    marks = _placeholders(keys)
    for table, fts_columns in FTS_COLUMNS.items():
        where = "session_id" if table == "outcomes" else "id"
        _track_removed(db, table, f"[{where}] IN ({marks})", keys)
        listed = ", ".join(f"[{c}]" for c in fts_columns)
        db.execute(
            f"INSERT INTO [{table}_fts]([{table}_fts], rowid, {listed}) "
            f"SELECT 'delete', rowid, {listed} FROM [{table}] WHERE [{where}] IN ({marks})",
            keys,
        )
    for table in LINKS:
        db.execute(f"DELETE FROM [{table}] WHERE outcome_id IN (SELECT id FROM outcomes WHERE session_id IN ({marks}))", keys)
    db.execute(f"DELETE FROM search_facets WHERE outcome IN (SELECT rowid FROM outcomes WHERE session_id IN ({marks}))", keys)
    for table in ("outcomes", "quotes", "session_participants", "session_registrations"):
        db.execute(f"DELETE FROM [{table}] WHERE session_id IN ({marks})", keys)
    db.execute(f"DELETE FROM sessions WHERE id IN ({marks})", keys)


def remove_event(db: sqlite_utils.Database, event_id: str) -> None:
    """Remove an event with all its sessions."""
    keys = [key for (key,) in db.execute("SELECT id FROM sessions WHERE event_id = ?", [event_id])]
    db.execute("DELETE FROM commitment_updates WHERE event_id = ?", [event_id])
    remove_sessions(db, keys)
    db.execute("DELETE FROM event_registrations WHERE event_id = ?", [event_id])
    db.execute("DELETE FROM events WHERE id = ?", [event_id])


def open_for_update(path: Path) -> sqlite_utils.Database:
    """A staged copy of a published database, opened to be updated; the
    rows each table gains and loses are counted (``row_changes``)."""
    db = sqlite_utils.Database(path, execute_plugins=False)
    # recursive_triggers: a row that INSERT OR REPLACE replaces is counted as removed.
    for pragma in ("journal_mode = OFF", "synchronous = OFF", "locking_mode = EXCLUSIVE", "recursive_triggers = ON"):
        db.execute(f"PRAGMA {pragma}")
    for change, table in CHANGED.items():
        db.execute(f"CREATE VIRTUAL TABLE {table} USING fts5(text, tokenize='{FTS_TOKENIZER}')")
        db.execute(f"CREATE VIRTUAL TABLE temp.{change}_terms USING fts5vocab(temp, {change}_text, row)")
    db.conn.executescript(_counting_sql())
    return db


@cache
def _counting_sql() -> str:
    """Temporary triggers (never written into the file) adding up, by
    table, the rows inserted less the rows deleted (2 ms to create)."""
    tables = list(columns())
    statements = [
        "CREATE TEMP TABLE row_changes (name TEXT PRIMARY KEY, change INTEGER NOT NULL) WITHOUT ROWID",
        "INSERT INTO row_changes (name, change) VALUES " + ", ".join(f"('{table}', 0)" for table in tables),
    ]
    for table in tables:
        for event, sign in (("INSERT", "+"), ("DELETE", "-")):
            statements.append(f"CREATE TEMP TRIGGER [count_{event.lower()}_{table}] AFTER {event} ON main.[{table}] "
                              f"BEGIN UPDATE row_changes SET change = change {sign} 1 WHERE name = '{table}'; END")
    return ";\n".join(statements) + ";"


def row_changes(db: sqlite_utils.Database) -> dict[str, int]:
    """Rows added less rows removed, by table, since ``open_for_update``
    (a table left alone is not named): with the published database's counts,
    the counts of this one, without counting rows at the library's scale."""
    return dict(db.execute("SELECT name, change FROM temp.row_changes WHERE change != 0").fetchall())


def schema_version(path: Path) -> int | None:
    """The schema version of a database file, or None if it is not one."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None
