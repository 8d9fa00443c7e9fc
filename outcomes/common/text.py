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
import string
from pathlib import Path

import yaml

LANGUAGES = ("it", "en")
DEFAULT_LANGUAGE = LANGUAGES[0]
FOLDER = Path(__file__).with_name("messages")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster


@functools.cache
def catalogue() -> dict[str, dict[str, str | list[str]]]:
    """All entries of every file in ``messages/``, by key."""
    entries: dict = {}
    for path in sorted(FOLDER.glob("*.yaml")):
        entries.update(yaml.load(path.read_text("utf-8"), Loader=_Loader) or {})
    return entries


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
