"""Incremental builds give the database a full build gives: the same rows,
the same full-text index entries, the same site configuration. Not the same
bytes: free pages and the full-text indexes' segments keep the history of
the updates (rewriting them costs more than the update itself; see README)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from conftest import EXAMPLE_EVENT, EXAMPLE_NOTES
from helpers import SESSION_YAML, EVENT_YAML
from outcomes import opendata, site
from outcomes.build import build


def dump(db_path: Path) -> list[str]:
    """Every statement that recreates the database, FTS5's internal tables
    aside (their pages depend on the order rows were indexed in)."""
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        shadow = ("_fts_data", "_fts_idx", "_fts_docsize", "_fts_config", "_fts_content")
        statements = [
            line for line in conn.iterdump()
            if not any(f'"{table}' in line.split("(")[0] for table in _shadow_tables(conn, shadow))
        ]
        return statements + index_content(conn)
    finally:
        conn.close()


def _shadow_tables(conn, suffixes) -> list[str]:
    names = [name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")]
    return [name for name in names if name.endswith(suffixes)]


def index_content(conn) -> list[str]:
    """Every (word, row, column, position) of the full-text indexes."""
    lines = []
    for table in ("outcomes_fts", "sessions_fts"):
        conn.execute(f"CREATE VIRTUAL TABLE temp.v_{table} USING fts5vocab(main, {table}, instance)")
        lines += [f"{table} {row}" for row in conn.execute(f"select * from temp.v_{table} order by 1, 2, 3, 4")]
    return lines


def same_as_full_build(notes: Path, out: Path, tmp_path: Path, proceedings: bool = False) -> None:
    reference = tmp_path / f"full-{time.monotonic_ns()}"
    assert build(notes, reference, full=True, proceedings=proceedings).ok
    assert dump(out / "outcomes.db") == dump(reference / "outcomes.db")
    for name in ("datapackage.json", "CITATION.cff"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name
    for name in ("inspect-data.json", "metadata.json", "settings.json"):
        updated, full = (json.loads((folder / name).read_text()) for folder in (out, reference))
        if name == "inspect-data.json":  # the files' sizes differ by free pages, not by content
            del updated["outcomes"]["size"], full["outcomes"]["size"]
        assert updated == full, name
    # The open data: an unchanged event's bundle is taken as published, the rest made again.
    open_data = sorted(path.relative_to(reference).as_posix() for path in reference.glob("open-data/*"))
    assert sorted(path.relative_to(out).as_posix() for path in out.glob("open-data/*")) == open_data
    for name in ["catalog.ttl", "catalog.rdf", "catalog.jsonld", opendata.FACTS_FILE, opendata.CATALOGUE_INDEX,
                 *open_data]:
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name
    # The site's folders, published whole (an update links their unchanged files).
    for folder in ("templates", "plugins", "static"):
        assert site_files(out, folder) == site_files(reference, folder), folder
    shutil.rmtree(reference)


def site_files(root: Path, folder: str) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in (root / folder).rglob("*") if path.is_file() and "__pycache__" not in path.parts}


def edit_workshop(notes: Path, old: str = "title: Migrazione", new: str = "title: Migrazioni") -> Path:
    """The example's workshop note with ``old`` changed to ``new``, dated after the last build."""
    session = notes / EXAMPLE_EVENT / "migrazione-cooperazione-internazionale.yaml"
    touch_later(session, session.read_text("utf-8").replace(old, new, 1))
    return session


def add_other_event(notes: Path) -> Path:
    """A second event of one workshop, dated after the last build: its folder."""
    other = notes / "altro-convegno-2020"
    other.mkdir()
    touch_later(other / "event.yaml", EVENT_YAML.replace("2019-10-15", "2020-05-20"))
    touch_later(other / "laboratorio.yaml", SESSION_YAML.replace("2019-10-15", "2020-05-20"))
    return other


def touch_later(path: Path, text: str) -> None:
    """Write ``text``, dated clearly after the last build."""
    path.write_text(text, "utf-8")
    future = time.time() + 5
    import os

    os.utime(path, (future, future))


@pytest.fixture
def library(tmp_path) -> tuple[Path, Path]:
    notes = tmp_path / "notes"
    shutil.copytree(EXAMPLE_NOTES, notes)
    out = tmp_path / "out"
    first = build(notes, out, proceedings=False)
    assert first.ok and not first.incremental
    return notes, out


def test_nothing_changed_reads_nothing(library):
    notes, out = library
    before = (out / "outcomes.db").read_bytes()
    result = build(notes, out, proceedings=False)
    assert (result.incremental, result.rebuilt) == (True, 0)
    assert result.counts == {"events": 1, "sessions": 3, "outcomes": 102, "internal": 4}
    assert (out / "outcomes.db").read_bytes() == before


def test_a_touched_but_unchanged_note_is_not_rebuilt(library):
    notes, out = library
    session = notes / EXAMPLE_EVENT / "plenaria-mattina.yaml"
    touch_later(session, session.read_text("utf-8"))
    result = build(notes, out, proceedings=False)
    assert (result.incremental, result.rebuilt) == (True, 0)


def test_one_changed_note(library, tmp_path):
    notes, out = library
    session = notes / EXAMPLE_EVENT / "migrazione-cooperazione-internazionale.yaml"
    text = session.read_text("utf-8")
    touch_later(session, text.replace("title: Migrazione e Cooperazione Internazionale",
                                      "title: Migrazione e Cooperazione Internazionale (rivisto)", 1))
    result = build(notes, out, proceedings=False)
    assert (result.ok, result.incremental, result.rebuilt) == (True, True, 1)
    assert result.counts == {"events": 1, "sessions": 3, "outcomes": 102, "internal": 4}
    same_as_full_build(notes, out, tmp_path)


@pytest.mark.parametrize("child", ["fails", "cannot fork"])
def test_the_changed_bundle_is_made_here_when_no_child_made_it(library, tmp_path, monkeypatch, child):
    """A rebuild zips its bundle in a forked child; where the child fails, or
    the platform cannot fork, the build process makes it itself."""
    notes, out = library
    if child == "cannot fork":
        monkeypatch.delattr(os, "fork")
    else:
        build_process, write_bundles = os.getpid(), opendata._write_bundles

        def failing_in_the_child(*args):
            if os.getpid() != build_process:
                raise OSError("no space left in the child")
            write_bundles(*args)

        monkeypatch.setattr(opendata, "_write_bundles", failing_in_the_child)
    edit_workshop(notes)
    (out / "open-data" / f"{EXAMPLE_EVENT}.zip").unlink()  # whatever was published, it is made again
    result = build(notes, out, proceedings=False)
    assert (result.ok, result.incremental, result.rebuilt) == (True, True, 1)
    assert (out / "open-data" / f"{EXAMPLE_EVENT}.zip").is_file()
    monkeypatch.undo()  # the reference is built as usual
    same_as_full_build(notes, out, tmp_path)


@pytest.fixture
def forked(monkeypatch) -> list[int]:
    """The child processes the build forks to zip bundles."""
    children = []
    start = opendata._Child.__init__

    def recorded(self, function=None):
        start(self, function)
        if self.pid is not None:
            children.append(self.pid)

    monkeypatch.setattr(opendata._Child, "__init__", recorded)
    return children


def assert_waited_for(children: list[int]) -> None:
    assert children, "the bundle was zipped by a child process"
    for pid in children:
        with pytest.raises(ChildProcessError):  # waited for already
            os.waitpid(pid, os.WNOHANG)


def test_a_build_that_fails_while_the_bundle_is_zipped_leaves_no_child_behind(library, monkeypatch, forked):
    from outcomes import site

    notes, out = library

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(site, "write", full_disk)
    edit_workshop(notes)
    before = (out / "outcomes.db").read_bytes()
    with pytest.raises(OSError):
        build(notes, out, proceedings=False)
    assert_waited_for(forked)
    assert (out / "outcomes.db").read_bytes() == before  # nothing published


def test_the_child_that_zipped_the_bundle_exits_while_the_build_publishes_and_is_waited_for(library, forked):
    notes, out = library
    edit_workshop(notes)
    assert build(notes, out, proceedings=False).incremental
    assert_waited_for(forked)


def test_a_failure_before_the_bundles_are_made_is_the_error_reported(library, monkeypatch):
    """The open data's own error, not one of its clean-up (which once met no child yet)."""
    from outcomes.opendata import facts

    notes, out = library

    def unreadable(*args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(facts, "library", unreadable)
    edit_workshop(notes)
    with pytest.raises(OSError, match="Input/output error"):
        build(notes, out, proceedings=False)


def test_added_changed_and_removed_sessions(library, tmp_path):
    notes, out = library
    folder = notes / EXAMPLE_EVENT
    (folder / "followup.yaml").unlink()  # it follows up plenaria-mattina's commitments
    assert build(notes, out, proceedings=False).ok
    touch_later(folder / "nuova-sessione.yaml", SESSION_YAML)
    (folder / "plenaria-mattina.yaml").unlink()
    result = build(notes, out, proceedings=False)
    assert (result.ok, result.incremental, result.rebuilt) == (True, True, 1)
    assert result.counts["sessions"] == 3
    same_as_full_build(notes, out, tmp_path)

    outcome = folder / "nuova-sessione.yaml"
    touch_later(outcome, SESSION_YAML.replace("visibility", "visibility") + "visibility: internal\n")
    result = build(notes, out, proceedings=False)
    assert (result.incremental, result.rebuilt) == (True, 1)
    same_as_full_build(notes, out, tmp_path)


def test_a_changed_event_rereads_its_sessions(library, tmp_path):
    notes, out = library
    event = notes / EXAMPLE_EVENT / "event.yaml"
    touch_later(event, event.read_text("utf-8").replace("title: ", "title: Nuovo titolo – ", 1))
    result = build(notes, out, proceedings=False)
    assert (result.incremental, result.rebuilt) == (True, 3)
    same_as_full_build(notes, out, tmp_path)


def test_added_and_removed_events(library, tmp_path):
    notes, out = library
    add_other_event(notes)
    result = build(notes, out, proceedings=False)
    assert (result.incremental, result.rebuilt) == (True, 1)
    assert result.counts["events"] == 2
    same_as_full_build(notes, out, tmp_path)

    shutil.rmtree(notes / EXAMPLE_EVENT)
    result = build(notes, out, proceedings=False)
    assert (result.incremental, result.rebuilt, result.counts["events"]) == (True, 0, 1)
    same_as_full_build(notes, out, tmp_path)


@pytest.fixture
def derived_counts(monkeypatch) -> list:
    """What each build's ``site._changed_counts`` gave: None where the rows were counted."""
    from outcomes import site

    found, derive = [], site._changed_counts
    monkeypatch.setattr(site, "_changed_counts", lambda *args: found.append(derive(*args)) or found[-1])
    return found


def test_an_update_counts_the_rows_it_changed_not_every_row(library, tmp_path, derived_counts):
    """inspect-data.json's counts after an update are the published ones
    changed by the rows each table gained and lost (counting every table reads
    the whole database): the counts of a full build, whatever changed."""
    notes, out = library
    folder = notes / EXAMPLE_EVENT
    other = add_other_event(notes)
    changes = [
        lambda: (folder / "plenaria-mattina.yaml").unlink(),  # its commitments' updates go too
        lambda: touch_later(folder / "nuova-sessione.yaml", SESSION_YAML),
        lambda: shutil.rmtree(other),
    ]
    (folder / "followup.yaml").unlink()
    for change in [lambda: None, *changes]:
        change()
        derived_counts.clear()
        result = build(notes, out, proceedings=False)
        assert (result.ok, result.incremental) == (True, True)
        assert len(derived_counts) == 1 and derived_counts[0] is not None
        same_as_full_build(notes, out, tmp_path)


def test_an_update_counts_every_row_when_the_published_counts_are_unreadable(library, tmp_path, derived_counts):
    notes, out = library
    edit_workshop(notes)
    (out / "inspect-data.json").write_text('{"outcomes": {"tables": {"outcomes": {"count": "many"}}}}', "utf-8")
    assert build(notes, out, proceedings=False).incremental
    assert derived_counts == [None]
    same_as_full_build(notes, out, tmp_path)


def test_an_invalid_change_publishes_nothing(library):
    notes, out = library
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    session = notes / EXAMPLE_EVENT / "plenaria-mattina.yaml"
    touch_later(session, session.read_text("utf-8").replace("kind: plenary", "kind: plenaria"))
    result = build(notes, out, proceedings=False)
    assert not result.ok
    assert [p.field for p in result.problems.errors] == ["kind"]
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_a_different_notes_folder_means_a_full_build(library, tmp_path):
    notes, out = library
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(notes, elsewhere)
    result = build(elsewhere, out, proceedings=False)
    assert (result.incremental, result.rebuilt) == (False, 3)


def test_with_proceedings_only_the_changed_event_is_written_again(tmp_path):
    notes = tmp_path / "notes"
    shutil.copytree(EXAMPLE_NOTES, notes)
    other = notes / "altro-convegno-2020"
    other.mkdir()
    (other / "event.yaml").write_text(EVENT_YAML.replace("2019-10-15", "2020-05-20"), "utf-8")
    (other / "laboratorio.yaml").write_text(SESSION_YAML.replace("2019-10-15", "2020-05-20"), "utf-8")
    out = tmp_path / "out"
    assert build(notes, out).ok
    documents = {p.name: p.stat().st_mtime_ns for p in (out / "proceedings").iterdir()}
    assert set(documents) == {f"{EXAMPLE_EVENT}.docx", "altro-convegno-2020.docx"}

    touch_later(other / "laboratorio.yaml", SESSION_YAML.replace("2019-10-15", "2020-05-20").replace(
        "title: Migrazione e Cooperazione Internazionale", "title: Un laboratorio rivisto"))
    result = build(notes, out)
    assert (result.ok, result.incremental, result.rebuilt) == (True, True, 1)
    after = {p.name: p.stat().st_mtime_ns for p in (out / "proceedings").iterdir()}
    assert after[f"{EXAMPLE_EVENT}.docx"] == documents[f"{EXAMPLE_EVENT}.docx"]
    assert after["altro-convegno-2020.docx"] != documents["altro-convegno-2020.docx"]
    same_as_full_build(notes, out, tmp_path, proceedings=True)
    reference = tmp_path / "reference"
    assert build(notes, reference, full=True).ok
    for name in after:
        assert (out / "proceedings" / name).read_bytes() == (reference / "proceedings" / name).read_bytes()

    shutil.rmtree(other)
    result = build(notes, out)
    assert result.incremental
    assert [p.name for p in (out / "proceedings").iterdir()] == [f"{EXAMPLE_EVENT}.docx"]


def test_a_changed_followup_rebuilds_what_it_affects(library, tmp_path):
    notes, out = library
    path = notes / EXAMPLE_EVENT / "followup.yaml"
    text = path.read_text("utf-8")
    touch_later(path, text.replace("status: done\n  progress: 100\n  text: |\n    A fine stagione",
                                   "status: dropped\n  text: |\n    A fine stagione"))
    result = build(notes, out, proceedings=False)
    assert (result.ok, result.incremental) == (True, True)
    same_as_full_build(notes, out, tmp_path)
    sportello = f"{EXAMPLE_EVENT}--migrazione-cooperazione-internazionale--sportello-multilingue-raccolta"
    with sqlite3.connect(out / "outcomes.db") as conn:
        assert conn.execute("select current_status, progress from outcomes where id = ?", [sportello]).fetchone() == ("dropped", None)

    # A session of an event with a follow-up: only it is written again,
    # and the follow-up is checked against every session.
    session = notes / EXAMPLE_EVENT / "migrazione-cooperazione-internazionale.yaml"
    touch_later(session, session.read_text("utf-8").replace("    status: agreed\n", "    status: proposed\n"))
    result = build(notes, out, proceedings=False)
    assert (result.ok, result.incremental, result.rebuilt) == (True, True, 1)
    same_as_full_build(notes, out, tmp_path)

    # Removing the follow-up gives back the notes' own statuses.
    path.unlink()
    result = build(notes, out, proceedings=False)
    assert (result.ok, result.incremental) == (True, True)
    same_as_full_build(notes, out, tmp_path)


REGISTRATIONS = """\
registered:
  local_authority: 10
  ngo: 2
unclassified: 1
sessions:
  plenaria-mattina:
    registered: {local_authority: 7}
  migrazione-cooperazione-internazionale:
    registered: {local_authority: 3, ngo: 2}
    unclassified: 1
  sessione-futura:
    registered: {ngo: 4}
"""


def registered_by_session(out: Path) -> list[tuple]:
    with sqlite3.connect(out / "outcomes.db") as conn:
        return conn.execute(
            "select sessions.slug, sessions.registered_total, session_registrations.actor_type_id,"
            " session_registrations.count from sessions left join session_registrations"
            " on session_registrations.session_id = sessions.id order by 1, 3"
        ).fetchall()


def test_registrations_by_session(library, tmp_path):
    notes, out = library
    folder = notes / EXAMPLE_EVENT
    (folder / "followup.yaml").unlink()  # it follows commitments of a session this test removes
    assert build(notes, out, proceedings=False).ok
    touch_later(folder / "registrations.yaml", REGISTRATIONS)
    result = build(notes, out, proceedings=False)
    assert (result.ok, result.incremental, result.rebuilt) == (True, True, 3)
    assert [(p.field, p.severity) for p in result.problems] == [("sessions.sessione-futura", "warning")]
    same_as_full_build(notes, out, tmp_path)
    assert registered_by_session(out) == [
        ("cooperazione-decentrata-agenda-2030", None, None, None),
        ("migrazione-cooperazione-internazionale", 6, "local_authority", 3),
        ("migrazione-cooperazione-internazionale", 6, "ngo", 2),
        ("plenaria-mattina", 7, "local_authority", 7),
    ]

    touch_later(folder / "registrations.yaml", REGISTRATIONS.replace("local_authority: 7", "local_authority: 8"))
    assert build(notes, out, proceedings=False).incremental
    same_as_full_build(notes, out, tmp_path)

    # The session that had no note gets one; a registered session turns internal, another goes.
    touch_later(folder / "sessione-futura.yaml", SESSION_YAML)
    plenary = folder / "plenaria-mattina.yaml"
    touch_later(plenary, plenary.read_text("utf-8") + "visibility: internal\n")
    (folder / "migrazione-cooperazione-internazionale.yaml").unlink()
    result = build(notes, out, proceedings=False)
    assert (result.ok, result.incremental, result.rebuilt) == (True, True, 2)
    assert [p.field for p in result.problems] == ["sessions.migrazione-cooperazione-internazionale"]
    same_as_full_build(notes, out, tmp_path)
    assert registered_by_session(out) == [
        ("cooperazione-decentrata-agenda-2030", None, None, None),
        ("sessione-futura", 4, "ngo", 4),
    ]


def test_a_change_undone_gives_back_the_same_rows_and_index(library, tmp_path):
    """A -> B -> A: the same rows and search index as the first full build,
    the same answers to searches, though not the same bytes."""
    notes, out = library
    first = dump(out / "outcomes.db")
    session = notes / EXAMPLE_EVENT / "plenaria-mattina.yaml"
    original = session.read_text("utf-8")
    touch_later(session, original.replace("title:", "title: Nuovo titolo -", 1))
    assert build(notes, out, proceedings=False).incremental
    assert dump(out / "outcomes.db") != first
    session.write_text(original, "utf-8")
    later = time.time() + 10
    os.utime(session, (later, later))
    assert build(notes, out, proceedings=False).incremental
    assert dump(out / "outcomes.db") == first
    same_as_full_build(notes, out, tmp_path)
    full = tmp_path / "full"
    assert build(notes, full, proceedings=False, full=True).ok
    for query in ("diaspora", "cooperazione", "giovani"):
        assert search(out / "outcomes.db", query) == search(full / "outcomes.db", query) != []


def search(db_path: Path, query: str) -> list[tuple]:
    """What the search index answers, ranked as the site ranks it."""
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(
            "select rowid, rank from outcomes_fts where outcomes_fts match ? order by rank, rowid", (query,)
        ).fetchall()
    finally:
        conn.close()


def test_the_garbage_collector_is_paused_for_a_build_and_not_left_due(library):
    """A build runs without Python's cyclic collector and gives it back as it
    found it; what the build keeps joins the oldest generation, so that no
    pass over it falls due as the build returns (one cost a first rebuild
    20 ms)."""
    import gc

    notes, out = library
    session = notes / EXAMPLE_EVENT / "migrazione-cooperazione-internazionale.yaml"
    passes = []

    def record(phase, info):
        if phase == "start":
            passes.append(info["generation"])

    gc.callbacks.append(record)
    try:
        touch_later(session, session.read_text("utf-8").replace("title: Migrazione", "title: Migrazioni", 1))
        assert gc.isenabled()
        assert build(notes, out, proceedings=False).incremental
        assert passes == [] and gc.isenabled()
        gc.disable()
        try:
            touch_later(session, session.read_text("utf-8").replace("title: Migrazioni", "title: Migrazione", 1))
            assert build(notes, out, proceedings=False).incremental
            assert not gc.isenabled()
        finally:
            gc.enable()
    finally:
        gc.callbacks.remove(record)
    assert passes == []


class _Unread:
    """A source of the site that must not be read."""

    def __init__(self, name: str):
        self.name = name

    def read_bytes(self):
        pytest.fail(f"{self.name} was read again")


def test_an_update_takes_the_sites_code_only_files_as_published(library, tmp_path, monkeypatch):
    """While the code and the package's files of the site are as they were,
    an update neither makes nor reads metadata.json, settings.json,
    templates/, plugins/ and the kit of static/: the published ones stand;
    and, while the library's release date is the same, datapackage.json and
    CITATION.cff."""
    from outcomes import site

    notes, out = library
    sources = site.sources()
    monkeypatch.setattr(site, "sources", lambda: {name: _Unread(name) for name in sources})
    monkeypatch.setattr(site, "_metadata_json", lambda: pytest.fail("metadata.json was made again"))
    monkeypatch.setattr(site, "settings", lambda: pytest.fail("settings.json was made again"))
    monkeypatch.setattr(site, "datapackage", lambda *args: pytest.fail("datapackage.json was made again"))
    monkeypatch.setattr(site, "citation_cff", lambda *args: pytest.fail("CITATION.cff was made again"))
    edit_workshop(notes)
    assert build(notes, out, proceedings=False).incremental
    monkeypatch.undo()
    same_as_full_build(notes, out, tmp_path)


def test_an_update_writes_the_open_datas_descriptions_again_when_the_release_date_changed(library, tmp_path):
    notes, out = library
    event = notes / EXAMPLE_EVENT / "event.yaml"
    touch_later(event, event.read_text("utf-8") + "published: 2024-03-01\n")
    assert build(notes, out, proceedings=False).incremental
    assert json.loads((out / "datapackage.json").read_text("utf-8"))["version"] == "2024-03-01"
    same_as_full_build(notes, out, tmp_path)  # datapackage.json, CITATION.cff and their copies in static/


def test_an_update_writes_the_sites_code_only_files_that_are_missing_or_whose_sources_changed(library, tmp_path):
    from outcomes import site

    notes, out = library
    template = sorted((out / "templates").rglob("*.html"))[0]
    for gone in (out / "settings.json", template, out / "static" / site.KIT / "LICENSE", out / "CITATION.cff"):
        gone.unlink()
    session = edit_workshop(notes)
    assert build(notes, out, proceedings=False).incremental
    same_as_full_build(notes, out, tmp_path)  # the three are back

    # A source of the site changed since the last build (its recorded time differs): all is compared again.
    state = json.loads((out / ".build-state.json").read_text("utf-8"))
    source = next(name for name in state["site_files"] if name.endswith(".html"))
    state["site_files"][source][1] -= 1
    (out / ".build-state.json").write_text(json.dumps(state), "utf-8")
    (out / "metadata.json").write_text("{}", "utf-8")  # which only a comparison finds
    touch_later(session, session.read_text("utf-8").replace("title: Migrazioni", "title: Migrazione", 1))
    assert build(notes, out, proceedings=False).incremental
    same_as_full_build(notes, out, tmp_path)


@pytest.fixture
def written_subjects(monkeypatch) -> set:
    """The subjects whose statements the build writes into the catalogue (not taken as published)."""
    from outcomes.opendata import dcat

    written = set()

    def recording(block):
        def recorded(subject, properties):
            written.add(subject)
            return block(subject, properties)
        return recorded

    monkeypatch.setattr(dcat, "FORMATS", {name: form._replace(block=recording(form.block))
                                          for name, form in dcat.FORMATS.items()})
    return written


@pytest.fixture
def two_events(library) -> tuple[Path, Path]:
    notes, out = library
    add_other_event(notes)
    assert build(notes, out, proceedings=False).ok
    return notes, out


def test_an_update_takes_the_catalogues_parts_of_unchanged_events_as_published(two_events, tmp_path, written_subjects):
    notes, out = two_events
    example_page, other_page = (f"{site.public_url()}outcomes/events/{event}" for event in (EXAMPLE_EVENT, "altro-convegno-2020"))

    # A change that leaves the event's facts as they were: its part stands too.
    session = edit_workshop(notes)
    written_subjects.clear()
    assert build(notes, out, proceedings=False).incremental
    assert written_subjects and not any(_on(subject, (example_page, other_page)) for subject in written_subjects)
    same_as_full_build(notes, out, tmp_path)

    # One that changes them (an outcome less): that event's part is written again, the other's stands.
    text = session.read_text("utf-8")
    first, second = (text.index(f"\n  - id: {name}\n") for name in ("rimesse-canali-informali",
                                                                       "rimesse-collettive-senza-piani-comunali"))
    touch_later(session, text[:first] + text[second:])
    written_subjects.clear()
    assert build(notes, out, proceedings=False).incremental
    assert any(_on(subject, (example_page,)) for subject in written_subjects)
    assert not any(_on(subject, (other_page,)) for subject in written_subjects)
    same_as_full_build(notes, out, tmp_path)


def test_an_update_writes_the_whole_catalogue_when_the_published_one_is_not_the_indexed_one(two_events, tmp_path,
                                                                                             written_subjects):
    notes, out = two_events
    (out / "catalog.rdf").write_bytes((out / "catalog.rdf").read_bytes().replace(b"Piemonte", b"Piemonte!"))
    edit_workshop(notes)
    assert build(notes, out, proceedings=False).incremental
    assert any(_on(subject, (f"{site.public_url()}outcomes/events/altro-convegno-2020",)) for subject in written_subjects)
    same_as_full_build(notes, out, tmp_path)


def _on(subject: str, pages: tuple[str, ...]) -> bool:
    return subject.split("#")[0] in pages


def test_an_update_takes_the_data_packages_resources_from_the_published_bundle(library, tmp_path, monkeypatch):
    """Made of code alone, they are those of the published datapackage.json
    (the forked child that zips the bundle, failing, would leave the work to
    this process, which would fail too)."""
    from outcomes.opendata import bundle

    notes, out = library
    monkeypatch.setattr(bundle, "_resources_made", {})
    monkeypatch.setattr(bundle, "_resource_list", lambda *args: pytest.fail("the resources were made again"))
    edit_workshop(notes, "room: ", "room: Nuova ")
    assert build(notes, out, proceedings=False).incremental
    monkeypatch.undo()
    same_as_full_build(notes, out, tmp_path)


def test_the_resources_of_a_published_bundle_are_taken_only_for_the_same_tables(library):
    from outcomes.opendata import bundle

    _, out = library
    members = bundle.published_members((out / "open-data" / f"{EXAMPLE_EVENT}.zip").read_bytes())
    tables = tuple(resource["name"].removesuffix("-it") for resource in json.loads(
        zipfile_text(out / "open-data" / f"{EXAMPLE_EVENT}.zip", "datapackage.json"))["resources"]
        if resource["name"].endswith("-it"))
    taken = bundle._published_resources(members["datapackage.json"], tables)
    assert taken is not None and json.loads(taken.encoded) == taken.listed
    assert bundle._published_resources(members["datapackage.json"], tables[1:]) is None
    assert bundle._published_resources(members["README.md"], tables) is None


def zipfile_text(path: Path, name: str) -> str:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode("utf-8")
