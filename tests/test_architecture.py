"""The house rules: which room of ``outcomes`` may import which, no circle,
no module loaded by its file path, no module too long to read.

The same table is in the README's development map. Imports are read from
the source (``outcomes.fingerprint.imports``: absolute and relative, at the top
and inside functions), so a lazy import counts like any other."""

from __future__ import annotations

import ast
import importlib.metadata
import sys
from pathlib import Path

import pytest

from outcomes.fingerprint import PACKAGE, imports, module_files

# room: (its modules, the rooms it may import). A room may import its own
# modules and those of the rooms listed; ``cli`` is imported by none. The
# README's development map shows the same table (tests/test_docs.py).
ROOMS = {
    "common": (["outcomes", "outcomes.common"], []),  # outcomes/__init__.py holds the version only
    "vocab": (["outcomes.vocab", "outcomes.publisher"], ["common"]),
    "messages": (["outcomes.messages"], ["common"]),
    "models": (["outcomes.models"], ["common", "vocab", "messages"]),
    "load": (["outcomes.load", "outcomes.yamltext"], ["common", "vocab", "messages", "models"]),
    "store": (["outcomes.store"], ["common", "vocab", "messages", "models", "load"]),
    "intake": (["outcomes.intake"], ["common", "vocab", "messages", "models", "load"]),
    "proceedings": (["outcomes.proceedings", "outcomes.wordml", "outcomes.pdf"],
                    ["common", "vocab", "messages", "models", "load"]),
    "site": (["outcomes.site"], ["common", "vocab", "messages", "models", "load"]),
    "opendata": (["outcomes.opendata"], ["common", "vocab", "messages", "models", "load", "store", "site"]),
    # The build, and what publishing it does next: serve it live (live.py), send it elsewhere (deploy.py).
    "build": (["outcomes.build", "outcomes.fingerprint", "outcomes.live", "outcomes.deploy"], ["common", "vocab", "messages", "models", "load",
                                   "store", "intake", "proceedings", "site", "opendata"]),
    "desk": (["outcomes.desk"], ["common", "vocab", "messages", "models", "load",
                                 "store", "intake", "proceedings", "site", "opendata", "build"]),
    "cli": (["outcomes.cli"], ["*"]),  # any room
    # Datasette loads the site's plugins by path, without the package: they
    # import the copy of outcomes/common the site puts beside them, never
    # ``outcomes``.
    "site plugins": (["outcomes.site.plugins"], ["common"]),
}
PLUGINS = PACKAGE / "site" / "plugins"
HOOKS = PLUGINS / "outcomes_site.py"
MAX_LINES = 800
MAX_HOOKS_LINES = 300
LOADING_BY_PATH = {"spec_from_file_location", "module_from_spec", "SourceFileLoader", "run_path", "load_source"}

MODULES = module_files()


def room(name: str) -> str | None:
    """The room holding a module: the one naming it or its longest package
    (the root package, ``outcomes``, only by its own name)."""
    matches = [
        (len(prefix), room_name)
        for room_name, (prefixes, _) in ROOMS.items()
        for prefix in prefixes
        if name == prefix or (prefix != PACKAGE.name and name.startswith(prefix + "."))
    ]
    return max(matches)[1] if matches else None


def may_import(room_name: str) -> set[str]:
    listed = ROOMS[room_name][1]
    return set(ROOMS) - {"cli"} if listed == ["*"] else set(listed)


def test_every_module_has_a_room():
    assert [name for name in MODULES if room(name) is None] == []


def test_every_room_holds_a_module():
    """The table names what exists (a room emptied by a move is struck off)."""
    held = {room(name) for name in MODULES}
    assert [name for name in ROOMS if name not in held] == []


def test_each_room_imports_only_the_rooms_below_it():
    broken = []
    for name in MODULES:
        own = room(name)
        allowed = {own, *may_import(own)} if own else set()
        for imported in sorted(imports(PACKAGE, name, MODULES)):
            if room(imported) not in allowed:
                broken.append(f"{name} ({own}) imports {imported} ({room(imported)})")
    assert broken == []


def test_no_circle():
    """No module reaches itself through its imports (lazy ones included)."""
    graph = {name: imports(PACKAGE, name, MODULES) for name in MODULES}
    circles = []
    state = {}  # name -> "open" while on the current path, "done" after

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for imported in sorted(graph[name]):
            if state.get(imported) == "open":
                circles.append(" -> ".join(path[path.index(imported):] + [name, imported]))
            elif imported not in state:
                visit(imported, path + [name])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert circles == []


def _third_party() -> set[str]:
    return (set(sys.stdlib_module_names) | set(importlib.metadata.packages_distributions())) - {PACKAGE.name}


def _copied_names() -> set[str]:
    """What the site's plugins may import of the project: each other, and the
    modules of outcomes/common by the name the site copies them under (the
    common package, or each module alone, ``outcomes_`` in front or not)."""
    names = {path.stem for path in PLUGINS.glob("*.py")} | {path.parent.name for path in PLUGINS.glob("*/__init__.py")}
    for path in (PACKAGE / "common").glob("*.py"):
        names |= {path.stem, f"outcomes_{path.stem}"}
    return names | {"common", "outcomes_common"}


def test_the_site_plugins_import_only_common_and_third_party():
    allowed = _third_party() | _copied_names()
    broken = []
    for path in sorted(PLUGINS.rglob("*.py")):
        where = path.relative_to(PLUGINS)
        for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level:
                if path.parent == PLUGINS:  # the hooks module is run by path: no package to be relative to
                    broken.append(f"{where}:{node.lineno} relative import")
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module]
                # From the source tree (no copy beside the plugin) common is the package's own.
                broken += [f"{where}:{node.lineno} imports {n}" for n in names
                           if n.split(".")[0] not in allowed and not (n + ".").startswith("outcomes.common.")]
    assert broken == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_loaded_by_its_path(name):
    """Modules are imported by name: one loaded from a file path is a second
    copy of its module, beside the rules above."""
    path = MODULES[name]
    found = []
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if called in LOADING_BY_PATH or called == "exec":
            found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {called}")
    assert found == []


def _lines(path: Path) -> int:
    return len(path.read_text("utf-8").splitlines())


def test_no_module_is_too_long_to_read():
    """Data (vocabularies, texts, templates) lives in data files, not here."""
    long = {str(path.relative_to(PACKAGE.parent)): _lines(path) for path in MODULES.values() if _lines(path) > MAX_LINES}
    assert long == {}


def test_the_site_hooks_fit_on_a_few_screens():
    assert _lines(HOOKS) <= MAX_HOOKS_LINES
