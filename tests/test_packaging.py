"""What ``pip install -e .`` alone installs is enough to run the library:
every package it imports is among its dependencies (or theirs), not only
among the tests' (pypdf once was, and the README's first command failed)."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "outcomes"
# Packages the site's plugin imports by name from beside itself in plugins/:
# its parts, and outcomes/common as the build copies it there.
PLUGIN_SIBLINGS = {
    *(path.name for path in (PACKAGE / "site" / "plugins").iterdir() if (path / "__init__.py").is_file()),
    "outcomes_common",
}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(distribution: str) -> set[str]:
    """The distributions ``distribution`` installs, itself and its
    requirements, transitively, extras left out."""
    found, todo = set(), [distribution]
    while todo:
        name = canonical(todo.pop())
        if name in found:
            continue
        found.add(name)
        try:
            requirements = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        todo += [re.split(r"[<>=!~;\[ (]", r, maxsplit=1)[0] for r in requirements if "extra ==" not in r]
    return found


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_import_of_the_package_is_installed_by_it():
    installed = requirement_names("outcomes")
    providers = importlib.metadata.packages_distributions()
    missing = sorted(
        (path.relative_to(PACKAGE.parent).as_posix(), module)
        for path in sorted(PACKAGE.rglob("*.py"))
        for module in imports(path)
        if module not in sys.stdlib_module_names
        and module not in {"outcomes", *PLUGIN_SIBLINGS}
        and not {canonical(d) for d in providers.get(module, [])} & installed
    )
    assert missing == []
