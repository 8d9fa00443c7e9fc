"""What a build's output was made from, besides the notes: the fingerprint
of the code and data a build runs (``fingerprint``), and the size and time
of the files it was taken from (``code_files``) and of the site's own
(``site_files``), by which the next build knows them unchanged without
reading them (``outcomes.build.BuildState``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from . import site

PACKAGE = Path(__file__).parent

# The package data a build reads: the tables, the vocabularies, the texts.
BUILD_DATA = ("schema.sql", "vocabularies/*.csv", "common/messages/*.yaml", "site/metadata.yaml")


def fingerprint(package: Path = PACKAGE, files: list[Path] | None = None) -> str:
    """Changes whenever the code or data a build runs change.

    An incremental build keeps the rows and proceedings of the notes that did
    not change, so everything that made them must be the same: every module a
    build imports (found from the source, so a module that moves or is added
    is followed) and the data files it reads (``files``: those of
    ``fingerprinted_files``)."""
    import hashlib

    digest = hashlib.sha256()
    for path in fingerprinted_files(package) if files is None else files:
        digest.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def site_files(package: Path = PACKAGE) -> dict[str, list[int]]:
    """Size and modification time of the package's files of the site and
    of their folders (``BuildState.site_unchanged``)."""
    return code_files([Path(source) for source in site.source_paths()], package)


def code_files(files: list[Path], package: Path = PACKAGE) -> dict[str, list[int]]:
    """Size and modification time of the fingerprinted ``files`` and of the
    folders holding them (adding a module to one changes its time). While
    they are as they were, the last build's fingerprint stands
    (``BuildState.code``): finding the modules a build imports reads them
    all, 20 ms of a one-note rebuild; a stat of each takes under 1 ms."""
    return {path.relative_to(package).as_posix(): file_stat(path) for path in sorted({*files, *(f.parent for f in files)})}


def fingerprinted_files(package: Path = PACKAGE) -> list[Path]:
    """The source of ``outcomes.build`` and of every module it imports,
    transitively, and ``BUILD_DATA``."""
    modules = module_files(package)
    runs = imported_by(package, f"{package.name}.build")
    files = {modules[name] for name in runs}
    for pattern in BUILD_DATA:
        files.update(package.glob(pattern))
    return sorted(files)


def module_files(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package: dotted name -> its source file."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


# An import statement, at any indentation (one in parentheses may span lines).
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t]*(?:\([^)]*\)|.*)|import[ \t]+.*)", re.M)


def import_statements(source: str) -> list:
    """The import statements of a module's source, as ``ast`` nodes, found
    by a pattern and parsed one by one: parsing whole modules would cost a
    build a quarter of a second. A line of prose that happens to read as an
    import is taken as one (tests/test_fingerprint.py checks that none
    does)."""
    import ast

    found = []
    for match in _IMPORT.finditer(source):
        try:
            statements = ast.parse(match.group().strip()).body
        except SyntaxError:
            continue  # prose
        # ``import x; y()`` is an import and a statement.
        found += [node for node in statements if isinstance(node, (ast.Import, ast.ImportFrom))]
    return found


def imports(package: Path, name: str, modules: dict[str, Path] | None = None) -> set[str]:
    """The package's modules that module ``name`` imports anywhere in its
    source: at the top, inside functions, under ``TYPE_CHECKING``; absolute
    or relative. ``from . import x`` names the module ``x`` when there is one,
    its package otherwise."""
    import ast

    modules = modules or module_files(package)
    path = modules[name]
    base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in import_statements(path.read_text("utf-8")):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            start = base[: len(base) - node.level + 1] if node.level else []
            origin = ".".join(start + ([node.module] if node.module else []))
            candidates = [f"{origin}.{alias.name}" for alias in node.names]
        for candidate in candidates:
            while candidate and candidate not in modules:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                found.add(candidate)
    return found


def imported_by(package: Path, name: str) -> set[str]:
    """Module ``name``, every module it imports transitively, and the
    packages holding them (whose ``__init__`` runs first)."""
    modules = module_files(package)
    seen, todo = set(), [name]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        parents = [module.rsplit(".", depth)[0] for depth in range(1, module.count(".") + 1)]
        todo += [*imports(package, module, modules), *parents]
    return seen


def file_stat(path: Path | str) -> list[int]:
    """A file's size and modification time (ns): what says it is as it was."""
    info = os.stat(path)
    return [info.st_size, info.st_mtime_ns]
