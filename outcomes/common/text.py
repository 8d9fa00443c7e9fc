"""Every text the project says to people, in Italian (the default) and English.

The catalogue is the YAML files in ``messages/`` beside this module, one per
part of the project (``site.yaml``, ...), read once per process. Each entry
is ``key: {it: ..., en: ...}``; a text that counts something is a pair
``[singular, plural]`` in each language. ``{name}`` placeholders are filled
in by ``text``. Keys are unique across the files, and every entry has both
languages with the same placeholders: ``problems()`` lists what breaks those
rules, and a test keeps the list empty.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import string
from pathlib import Path

import yaml

LANGUAGES = ("it", "en")
DEFAULT_LANGUAGE = LANGUAGES[0]
FOLDER = Path(__file__).with_name("messages")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster
# The catalogue is kept compiled beside the package's files only: the site's
# copy of this module (plugins/outcomes_common) never writes into the
# published folder it is served from.
KEEP_COMPILED = __name__ == "outcomes.common.text"


@functools.cache
def catalogue() -> dict[str, dict[str, str | list[str]]]:
    """All entries of every file in ``messages/``, by key: parsed once, then
    kept compiled (``compiled``), as Python keeps a module's code, so that
    each command reads them without parsing YAML (10 ms a process, more than
    anything else a one-note rebuild does but copy the database)."""
    sources = [(path.name, path.read_bytes()) for path in sorted(FOLDER.glob("*.yaml"))]
    cached = compiled(sources)
    try:
        return marshal.loads(cached.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass  # not compiled yet (or cut short): parsed below
    entries: dict = {}
    for _, source in sources:
        entries.update(yaml.load(source.decode("utf-8"), Loader=_Loader) or {})
    if not KEEP_COMPILED:
        return entries
    try:
        cached.parent.mkdir(exist_ok=True)
        for stale in cached.parent.glob("catalogue-*"):
            stale.unlink(missing_ok=True)
        temporary = cached.with_name(f"{cached.name}.{os.getpid()}")
        temporary.write_bytes(marshal.dumps(entries))
        os.replace(temporary, cached)
    except OSError:
        pass  # a package folder that cannot be written: parsed in each process
    return entries


def compiled(sources: list[tuple[str, bytes]]) -> Path:
    """Where the catalogue of these files is kept compiled: named by their
    names and content and by the format's version, in ``messages/__pycache__``."""
    digest = hashlib.blake2b(str(marshal.version).encode(), digest_size=16)
    for name, source in sources:
        digest.update(f"\0{name}\0{len(source)}\0".encode() + source)
    return FOLDER / "__pycache__" / f"catalogue-{digest.hexdigest()}.marshal"


def text(key: str, lang: str = DEFAULT_LANGUAGE, count: int | None = None, **values) -> str:
    """The text of ``key`` in ``lang``, its placeholders filled in from
    ``values``; with ``count``, the singular or the plural, and ``{count}``."""
    entry = catalogue()[key][lang if lang in LANGUAGES else DEFAULT_LANGUAGE]
    if isinstance(entry, list):
        entry = entry[0 if count == 1 else 1]
    if count is not None:
        values.setdefault("count", count)
    return entry.format(**values) if values else entry


def has(key: str) -> bool:
    return key in catalogue()


def _placeholders(entry) -> set[str]:
    texts = entry if isinstance(entry, list) else [entry]
    return {name for piece in texts for _, name, _, _ in string.Formatter().parse(piece) if name}


def problems(folder: Path = FOLDER) -> list[str]:
    """What breaks the catalogue's rules: a key in two files, an entry
    without both languages, or whose languages differ in form or placeholders."""
    found, seen = [], {}
    for path in sorted(folder.glob("*.yaml")):
        for key, entry in (yaml.load(path.read_text("utf-8"), Loader=_Loader) or {}).items():
            where = f"{path.name}: {key}"
            if key in seen:
                found.append(f"{where}: also in {seen[key]}")
            seen[key] = path.name
            if not isinstance(entry, dict) or sorted(entry) != sorted(LANGUAGES):
                found.append(f"{where}: needs exactly {', '.join(LANGUAGES)}")
                continue
            forms = {lang: entry[lang] for lang in LANGUAGES}
            if any(not isinstance(value, (str, list)) for value in forms.values()):
                found.append(f"{where}: a text or a [singular, plural] pair")
            elif len({isinstance(value, list) and len(value) for value in forms.values()}) > 1:
                found.append(f"{where}: the languages differ in form")
            elif len({frozenset(_placeholders(value)) for value in forms.values()}) > 1:
                found.append(f"{where}: the languages differ in placeholders")
    return found
