"""The build's fingerprint covers everything that shapes what an incremental
build keeps (the rows and proceedings of unchanged notes): a change to the
stemmer, the loader or a vocabulary makes the next build a full one."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE_NOTES
from outcomes import build, store
from outcomes.fingerprint import (
    PACKAGE, code_files, fingerprint, fingerprinted_files, import_statements, imported_by, module_files,
)


@pytest.fixture
def package(tmp_path) -> Path:
    """A copy of the package's source, to change."""
    copy = tmp_path / PACKAGE.name
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert fingerprint(copy) == fingerprint()
    return copy


def test_every_module_a_build_runs_is_fingerprinted(tmp_path):
    """The modules a real build loads (its lazy imports included), seen from
    sys.modules in a fresh interpreter."""
    script = (
        "import json, sys; from pathlib import Path; from outcomes.build import build\n"
        f"assert build(Path({str(EXAMPLE_NOTES)!r}), Path({str(tmp_path / 'out')!r})).ok\n"
        "print(json.dumps(sorted(m.__file__ for n, m in sys.modules.items() if n.split('.')[0] == 'outcomes')))"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = {Path(path) for path in json.loads(ran.stdout.splitlines()[-1])}
    assert loaded - set(fingerprinted_files()) == set()
    assert {PACKAGE / "load.py", PACKAGE / "store.py", PACKAGE / "proceedings" / "__init__.py"} <= loaded


def test_the_modules_store_imports_are_fingerprinted():
    """Among them the stemmer's and the vocabularies' (stems, stopwords,
    facets), wherever they live."""
    files = set(fingerprinted_files())
    modules = module_files()
    assert {modules[name] for name in imported_by(PACKAGE, store.__name__)} <= files
    stemmer = Path(store.search.__file__)
    vocabularies = Path(store.vocab.__file__)
    assert {stemmer, vocabularies, PACKAGE / "schema.sql"} <= files
    assert set((PACKAGE / "vocabularies").glob("*.csv")) <= files


def test_a_changed_stemmer_changes_the_fingerprint(package):
    stemmer = package / Path(store.search.__file__).relative_to(PACKAGE)
    stemmer.write_text(stemmer.read_text("utf-8").replace('stemmer("italian")', 'stemmer("english")'), "utf-8")
    assert fingerprint(package) != fingerprint()


@pytest.mark.parametrize("part", ["schema.sql", "vocabularies/themes.csv", "models.py", "load.py", "__init__.py"])
def test_a_changed_part_changes_the_fingerprint(package, part):
    with (package / part).open("a", encoding="utf-8") as file:
        file.write("\n")
    assert fingerprint(package) != fingerprint()


def test_a_module_a_build_does_not_run_keeps_it(package):
    """The command line and the desk call the build; changing them keeps the
    published database up to date."""
    with (package / "cli.py").open("a", encoding="utf-8") as file:
        file.write("\n")
    assert fingerprint(package) == fingerprint()


def test_a_new_module_the_build_imports_is_followed(package):
    (package / "common" / "extra.py").write_text("STOPWORDS = ['e']\n", "utf-8")
    store_py = package / "store.py"
    store_py.write_text(store_py.read_text("utf-8").replace("import sqlite_utils\n", "import sqlite_utils\n\n"
                                                            "from .common import extra\n", 1), "utf-8")
    assert package / "common" / "extra.py" in fingerprinted_files(package)


def test_an_import_followed_by_a_statement_on_its_line_is_followed(package):
    """``import x; y()``: the statement after it is not taken for an import (it once stopped the build)."""
    (package / "common" / "extra.py").write_text("STOPWORDS = ['e']\n", "utf-8")
    store_py = package / "store.py"
    store_py.write_text(store_py.read_text("utf-8").replace(
        "import sqlite_utils\n", "import sqlite_utils\n\nfrom .common import extra; extra.STOPWORDS.sort()\n", 1), "utf-8")
    assert package / "common" / "extra.py" in fingerprinted_files(package)


def _parsed_imports(path: Path) -> list[str]:
    """Every import statement of a module, by Python's parser."""
    tree = ast.parse(path.read_bytes(), str(path))
    return sorted(ast.dump(node) for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)))


@pytest.mark.parametrize("name", sorted(module_files()))
def test_the_imports_found_are_the_parsers(name):
    """The build reads imports by a pattern; it finds exactly what Python's
    parser finds, no more (prose read as code), no less."""
    path = module_files()[name]
    assert sorted(ast.dump(node) for node in import_statements(path.read_text("utf-8"))) == _parsed_imports(path)


def test_the_published_state_records_it(tmp_path):
    out = tmp_path / "out"
    assert build.build(EXAMPLE_NOTES, out, proceedings=False).ok
    assert json.loads((out / build.STATE_FILE).read_text("utf-8"))["fingerprint"] == fingerprint()


def _state(package: Path, taken_ns: int) -> build.BuildState:
    files = fingerprinted_files(package)
    return build.BuildState(notes="", files={}, database=[], proceedings=False, taken_ns=taken_ns,
                            fingerprint=fingerprint(package), note_counts={}, code_files=code_files(files, package))


def test_the_fingerprint_is_taken_again_only_when_a_file_of_the_code_changed(package):
    """A build reuses the last build's fingerprint while every module and
    data file it was taken from, and their folders, have the size and time
    they had then; any change, a new module, or a time too close to that
    build's start, and it is taken again."""
    later = max(mtime for _, mtime in code_files(fingerprinted_files(package), package).values()) + 10 * build.RACY_NS
    state = _state(package, later)
    assert state.code(package) == fingerprint(package)
    assert _state(package, later - 10 * build.RACY_NS).code(package) is None  # racy: read again
    vocabulary = next((package / "vocabularies").glob("*.csv"))
    assert f"vocabularies/{vocabulary.name}" in state.code_files
    (package / "common" / "extra.py").write_text("", "utf-8")  # a module added: its folder's time changed
    assert state.code(package) is None
    state = _state(package, later)
    (package / "load.py").write_text((package / "load.py").read_text("utf-8") + "\n# changed\n", "utf-8")
    assert state.code(package) is None
    later = max(mtime for _, mtime in code_files(fingerprinted_files(package), package).values()) + 10 * build.RACY_NS
    assert _state(package, later).code(package) == fingerprint(package)  # taken again, it stands


def test_a_rebuild_reuses_the_recorded_fingerprint(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert build.build(EXAMPLE_NOTES, out, proceedings=False).ok
    recorded = json.loads((out / build.STATE_FILE).read_text("utf-8"))
    assert recorded["code_files"] == code_files(fingerprinted_files())
    # Were the code changed within RACY_NS of the build, it would be read again: date the build later.
    recorded["taken_ns"] += 10 * build.RACY_NS
    (out / build.STATE_FILE).write_text(json.dumps(recorded), "utf-8")
    monkeypatch.setattr(build, "fingerprinted_files", lambda: pytest.fail("the modules were read again"))
    result = build.build(EXAMPLE_NOTES, out, proceedings=False)
    assert result.ok and result.incremental
