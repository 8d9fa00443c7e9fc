"""Nothing lost, nothing leaked: atomic, deterministic, private, hostile-input-proof.

Builds here run as real processes (``python publish.py``) where a process
matters: to be killed, or to race another build.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import EXAMPLE_EVENT, EXAMPLE_NOTES, ROOT
from helpers import SCRIPT, hostile_library
from outcomes import load
from outcomes.build import build


def publish(notes: Path, out: Path, **kwargs) -> subprocess.Popen:
    """``python publish.py`` in its own process; without the PDF editions,
    like the reference builds these tests compare with (``build()``)."""
    return subprocess.Popen(
        [sys.executable, str(ROOT / "publish.py"), "--notes", str(notes), "--out", str(out), "--no-pdf"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs,
    )


def outputs(out: Path) -> dict[str, str]:
    """Published files (not locks, journals or staging folders) -> sha256."""
    return {
        path.relative_to(out).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(out.rglob("*"))
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(out).parts)
    }


def assert_usable(out: Path) -> None:
    """The database answers queries and passes SQLite's integrity check; every
    .docx is a whole zip."""
    conn = sqlite3.connect(f"file:{out / 'outcomes.db'}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("select count(*) from outcomes").fetchone()[0] > 0
    finally:
        conn.close()
    for docx in (out / "proceedings").glob("*.docx"):
        with zipfile.ZipFile(docx) as archive:
            assert archive.testzip() is None


def example_names() -> set[str]:
    """Every person's name written in the example notes (internal fields)."""
    problems = load.Problems()
    names = set()
    for event in load.events(EXAMPLE_NOTES, problems):
        for note in event.sessions(problems):
            for person in [*note.session.facilitators, *note.session.speakers]:
                if person.name:
                    names.add(person.name)
    assert problems.errors == []
    return names


def internal_texts() -> set[str]:
    """Titles of the outcomes marked internal in the example notes."""
    problems = load.Problems()
    texts = set()
    for event in load.events(EXAMPLE_NOTES, problems):
        for note in event.sessions(problems):
            texts |= {o.title for o in note.session.outcomes if not (o.public and note.session.public)}
    texts |= internal_updates()
    return texts


def internal_updates() -> set[str]:
    """The first line of each update in the example follow-up that must stay
    internal: marked so, or on an internal commitment."""
    problems = load.Problems()
    texts = set()
    for event in load.events(EXAMPLE_NOTES, problems):
        refs = {ref.key: ref for note in event.sessions(problems) for ref in load.outcome_refs(note)}
        followup = load.load_followup(event, refs.values(), problems)
        if followup is not None:
            texts |= {u.text.splitlines()[0] for u in followup.updates if not (u.public and refs[u.commitment].public)}
    return texts


# --- Deterministic ---------------------------------------------------------------------


def test_the_same_notes_give_the_same_bytes(built, tmp_path):
    again = tmp_path / "again"
    result = build(EXAMPLE_NOTES, again)
    assert result.ok
    first, second = outputs(built), outputs(again)
    assert first == second
    assert "outcomes.db" in first


# --- Private ---------------------------------------------------------------------------


def test_no_name_and_no_internal_record_in_any_published_byte(built):
    names, secrets = example_names(), internal_texts()
    assert len(names) >= 5 and len(secrets) >= 3  # the example notes do hold some
    assert len(internal_updates()) == 2
    published = [p for p in built.rglob("*") if p.is_file()]
    for path in published:
        data = path.read_bytes()
        if path.suffix in (".docx", ".zip"):  # look inside the zip, where the text is
            with zipfile.ZipFile(path) as archive:
                data = b"".join(archive.read(name) for name in archive.namelist())
        for text in names | secrets:
            for encoding in ("utf-8", "utf-16-le"):
                assert text.encode(encoding) not in data, f"{text!r} found in {path}"


# --- Atomic ----------------------------------------------------------------------------


def test_a_build_killed_at_any_moment_leaves_whole_outputs(tmp_path):
    """Alternate two versions of the notes, kill builds at random moments,
    and check after each kill that every output is whole: the previous
    version or the new one, never a mix inside a file."""
    notes_a = tmp_path / "a"
    shutil.copytree(EXAMPLE_NOTES, notes_a)
    notes_b = tmp_path / "b"
    shutil.copytree(EXAMPLE_NOTES, notes_b)
    event = notes_b / EXAMPLE_EVENT / "event.yaml"
    event.write_text(event.read_text("utf-8").replace("title: ", "title: Versione B – ", 1), "utf-8")

    versions = {}
    for name, notes in (("a", notes_a), ("b", notes_b)):
        assert build(notes, tmp_path / f"reference-{name}").ok
        versions[name] = outputs(tmp_path / f"reference-{name}")
    assert versions["a"]["outcomes.db"] != versions["b"]["outcomes.db"]

    out = tmp_path / "out"
    shutil.copytree(tmp_path / "reference-a", out)
    started = time.monotonic()
    assert publish(notes_b, tmp_path / "timing").wait() == 0
    duration = time.monotonic() - started

    rng = random.Random(20191015)
    kills = 0
    for attempt in range(24):
        notes = (notes_b, notes_a)[attempt % 2]
        process = publish(notes, out)
        time.sleep(rng.uniform(0, duration * 1.1))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        current = outputs(out)
        for path, digest in current.items():
            assert digest in (versions["a"].get(path), versions["b"].get(path)), path
        assert set(current) in (set(versions["a"]), set(versions["b"]))
        assert_usable(out)
    assert kills >= 12  # most attempts really were interrupted

    # A complete build after all that gives exactly the expected outputs.
    assert publish(notes_a, out).wait() == 0
    assert outputs(out) == versions["a"]
    assert [p.name for p in out.iterdir() if p.name.startswith(".staging")] == []


def test_two_builds_at_once_do_not_corrupt_the_output(tmp_path):
    out = tmp_path / "out"
    first, second = publish(EXAMPLE_NOTES, out), publish(EXAMPLE_NOTES, out)
    results = [(p.wait(), p.communicate()) for p in (first, second)]
    assert [code for code, _ in results] == [0, 0]
    waited = [err for _, (_, err) in results if "Un'altra build sta scrivendo" in err]
    assert len(waited) == 1
    assert_usable(out)
    reference = tmp_path / "reference"
    assert build(EXAMPLE_NOTES, reference).ok
    assert outputs(out) == outputs(reference)


# --- Hostile input --------------------------------------------------------------------


def test_markup_in_every_field_is_stored_as_text(tmp_path):
    notes = hostile_library(tmp_path)
    result = build(notes, tmp_path / "out")
    assert result.ok, [p.format() for p in result.problems]
    conn = sqlite3.connect(tmp_path / "out" / "outcomes.db")
    title, text = conn.execute(
        "select title, text from outcomes where id = ?", (f"{EXAMPLE_EVENT}--ostile--ostile",)).fetchone()
    assert title == f"{SCRIPT} esito"
    assert text.startswith(SCRIPT)


ALIAS_BOMB = "\n".join(
    ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
) + "\n"


DEEP = [
    ("profondo", "title: x\nkeywords: " + "[" * 50_000 + "]" * 50_000 + "\n",
     ":2:42: error: (file): struttura annidata troppo in profondità"),
    ("profondo-a-blocchi", "title: x\nkeywords:\n" + "- " * 50_000 + "x\n",
     ":3:63: error: (file): struttura annidata troppo in profondità"),
]


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("bomba", ALIAS_BOMB, ":2:5: error: a1[0]: ancore e riferimenti YAML (& e *) non sono ammessi"),
        ("enorme", "title: x\nsummary: |\n" + ("  " + "parola " * 100 + "\n") * 7_000,
         ":1:1: error: (file): il file è troppo grande (4.7 MB, massimo 2 MB)"),
        ("binario", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ":3:1: error: (file): il file non è testo (contiene byte nulli)"),
        ("latin1", "title: Citt\xe0\n".encode("latin-1"), ":1:12: error: (file): il file non è testo UTF-8 (byte 0xE0"),
        ("vuoto", "", ":1:1: error: (file): il file è vuoto"),
        ("tabulazioni", "title: x\nfacilitators:\n\t- role: x\n", ":3:1: error: (file): YAML non valido: tabulazione"),
    ],
)
def test_hostile_files_get_a_clear_error_quickly_and_others_are_kept(tmp_path, run, name, content, expected):
    assert_refused_quickly_and_others_kept(tmp_path, run, name, content, expected)


@pytest.mark.parametrize("name, content, expected", DEEP)
def test_deep_nesting_is_refused_with_or_without_libyaml(tmp_path, run, yaml_parser, name, content, expected):
    """libyaml 0.2.5 and later stop deep nesting themselves, in English, at
    another place: the message and place stay the project's either way."""
    assert_refused_quickly_and_others_kept(tmp_path, run, name, content, expected)


def assert_refused_quickly_and_others_kept(tmp_path, run, name, content, expected):
    notes = tmp_path / "notes"
    shutil.copytree(EXAMPLE_NOTES, notes)
    path = notes / EXAMPLE_EVENT / f"{name}.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    out = tmp_path / "out"
    assert build(EXAMPLE_NOTES, out).ok
    before = outputs(out)

    started = time.monotonic()
    result = run("build", "--notes", notes, "--out", out)
    elapsed = time.monotonic() - started

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{path}{expected}"), lines[0]
    assert lines[1:] == ["1 errore nelle note: nulla è stato pubblicato in " + str(out) + "."]
    assert outputs(out) == before
    assert elapsed < 30
    # The other notes are still read and counted by a check.
    check = run("check", notes / EXAMPLE_EVENT / "plenaria-mattina.yaml")
    assert check.exit_code == 0


def test_bom_crlf_and_tabs_inside_text_are_handled(tmp_path):
    notes = tmp_path / "notes"
    shutil.copytree(EXAMPLE_NOTES, notes)
    session = notes / EXAMPLE_EVENT / "plenaria-mattina.yaml"
    text = session.read_text("utf-8").replace("\n", "\r\n")
    session.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = build(notes, tmp_path / "out")
    assert result.ok, [p.format() for p in result.problems]


def test_a_publication_cut_short_is_completed_by_the_next_build(tmp_path, monkeypatch):
    """Simulate a build killed between two renames of its publication: the
    journal it left lets the next build (or ``outcomes serve``) finish it."""
    import outcomes.build as building

    notes_b = tmp_path / "b"
    shutil.copytree(EXAMPLE_NOTES, notes_b)
    event = notes_b / EXAMPLE_EVENT / "event.yaml"
    event.write_text(event.read_text("utf-8").replace("title: ", "title: Versione B – ", 1), "utf-8")
    expected = tmp_path / "expected"
    assert build(notes_b, expected).ok

    out = tmp_path / "out"
    assert build(EXAMPLE_NOTES, out).ok
    real_replace, calls = os.replace, []

    def killed_after_the_database(source, target):
        if Path(target).parent == out and not Path(target).name.startswith("."):  # publishing an output
            calls.append(Path(target).name)
            if len(calls) == 2:
                raise KeyboardInterrupt("killed")
        real_replace(source, target)

    monkeypatch.setattr(building.os, "replace", killed_after_the_database)
    with pytest.raises(KeyboardInterrupt):
        build(notes_b, out)
    monkeypatch.setattr(building.os, "replace", real_replace)
    assert calls[0] == "outcomes.db"
    assert (out / building.JOURNAL).exists()
    staged = [p for p in out.iterdir() if p.name.startswith(building.STAGING_PREFIX)]
    assert staged  # what was left to publish

    building.recover(out)
    assert not (out / building.JOURNAL).exists()
    assert outputs(out) == outputs(expected)
    assert_usable(out)


@pytest.mark.parametrize("links", [True, False])
def test_the_replaced_database_is_set_aside_and_freed_while_the_rest_is_published(tmp_path, monkeypatch, links):
    """Its second name is gone once the build ends; where the file system
    has no hard links, the rename frees it, as before. A reader that opened
    it reads it whole all along."""
    import outcomes.build as building

    if not links:
        def refused(source, target):
            raise OSError(1, "Operation not permitted")

        monkeypatch.setattr(building.os, "link", refused)
    notes = tmp_path / "notes"
    shutil.copytree(EXAMPLE_NOTES, notes)
    out = tmp_path / "out"
    assert build(notes, out, proceedings=False).ok
    reader = sqlite3.connect(f"file:{out / 'outcomes.db'}?mode=ro", uri=True)
    reader.execute("BEGIN")
    titles = reader.execute("select id, title from sessions order by id").fetchall()
    session = notes / EXAMPLE_EVENT / "migrazione-cooperazione-internazionale.yaml"
    session.write_text(session.read_text("utf-8").replace("title: Migrazione", "title: Migrazioni", 1), "utf-8")
    os.utime(session, (time.time() + 5, time.time() + 5))
    assert build(notes, out, proceedings=False).incremental
    assert [p.name for p in out.iterdir() if p.name.startswith(building.STAGING_PREFIX)] == []
    assert reader.execute("select id, title from sessions order by id").fetchall() == titles
    reader.close()
    with sqlite3.connect(out / "outcomes.db") as published:
        assert any(title.startswith("Migrazioni") for (title,) in published.execute("select title from sessions"))


def test_a_database_left_aside_by_a_killed_build_is_removed_by_the_next(tmp_path):
    """Even by one that publishes nothing (a note with an error)."""
    import outcomes.build as building

    notes = tmp_path / "notes"
    shutil.copytree(EXAMPLE_NOTES, notes)
    out = tmp_path / "out"
    assert build(notes, out, proceedings=False).ok
    published = outputs(out)
    os.link(out / "outcomes.db", out / f"{building.STAGING_PREFIX}old-outcomes.db")
    (notes / EXAMPLE_EVENT / "rotta.yaml").write_text("title: [\n", "utf-8")
    assert not build(notes, out, proceedings=False).ok
    assert [p.name for p in out.iterdir() if p.name.startswith(building.STAGING_PREFIX)] == []
    assert outputs(out) == published


@pytest.mark.parametrize("allocated", [True, False])
def test_a_file_is_left_as_it_is_with_or_without_blocks_allocated_ahead(tmp_path, monkeypatch, allocated):
    """The database's blocks are allocated before it is published
    (``allocate``); where the file system allocates no blocks ahead, it is
    published as it is."""
    from outcomes.common.files import allocate

    if not allocated:
        def refused(fd, offset, length):
            raise OSError(95, "Operation not supported")

        monkeypatch.setattr(os, "posix_fallocate", refused, raising=False)
    written = random.Random(7).randbytes(3 * 2**20 + 17)
    (tmp_path / "outcomes.db").write_bytes(written)
    allocate(tmp_path / "outcomes.db")
    assert (tmp_path / "outcomes.db").read_bytes() == written


def test_a_published_database_that_is_not_one_makes_a_full_build(tmp_path):
    """After a power cut a published file may hold zeros (the build pays for
    no fsync): the next build finds it is no database and builds all again."""
    out = tmp_path / "out"
    assert build(EXAMPLE_NOTES, out, proceedings=False).ok
    database = out / "outcomes.db"
    stat = database.stat()
    database.write_bytes(bytes(stat.st_size))
    os.utime(database, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = build(EXAMPLE_NOTES, out, proceedings=False)
    assert result.ok and not result.incremental
    assert sqlite3.connect(database).execute("select count(*) from outcomes").fetchone()[0] > 0
