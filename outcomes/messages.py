"""What the library says to people, in Italian (the default) and English.

Error messages are written for facilitators, not programmers: each names the
field in their words, repeats the value as they typed it, says what is
allowed and, where a near miss is likely, what they probably meant.
"""

from __future__ import annotations

import os
import re

from .common.text import DEFAULT_LANGUAGE as DEFAULT_LANG
from .common.text import LANGUAGES, catalogue

MAX_SHOWN = 200  # characters of a value repeated in a message


def current_lang(lang: str | None = None) -> str:
    """``lang`` if given, else ``$OUTCOMES_LANG``, else Italian."""
    chosen = (lang or os.environ.get("OUTCOMES_LANG") or DEFAULT_LANG).lower()[:2]
    return chosen if chosen in LANGUAGES else DEFAULT_LANG


def field_label(name: object, lang: str) -> str:
    labels = FIELD_LABELS.get(str(name))
    return labels[lang] if labels else str(name)


# Each problem has a kind; its text is a template over the problem's context,
# in the catalogue (outcomes/common/messages/): the kind ``not_utf8`` is the
# entry ``loader.not_utf8`` (or ``cli.``, ``intake.``), ``desk_saved`` is
# ``desk.saved``. {value} is always the value as typed; {suggestion} is
# filled by ``message``.
_KIND_PARTS = {"loader": "", "cli": "", "intake": "", "desk": "desk_", "limits": "limits."}


def _by_prefix(prefix: str) -> dict[str, dict]:
    return {key[len(prefix) :]: entry for key, entry in catalogue().items() if key.startswith(prefix)}


def _kinds() -> dict[str, dict[str, str]]:
    kinds: dict[str, dict[str, str]] = {}
    for part, start in _KIND_PARTS.items():
        for name, entry in _by_prefix(f"{part}.").items():
            assert start + name not in kinds, f"the kind {start + name} is in two parts of the catalogue"
            kinds[start + name] = entry
    return kinds


MESSAGES: dict[str, dict[str, str]] = _kinds()
# The names of fields as facilitators know them.
FIELD_LABELS: dict[str, dict[str, str]] = _by_prefix("field.")
# Singular and plural of what the commands count.
NOUNS: dict[str, dict[str, list[str]]] = _by_prefix("noun.")


def message(kind: str, lang: str, **context: object) -> str:
    """Render the message ``kind`` in ``lang``.

    A ``suggestion`` in the context becomes "(did you mean ...?)"; a missing
    context key renders as empty rather than failing, because a message
    must never turn into a traceback.
    """
    template = (MESSAGES.get(kind) or MESSAGES["invalid"])[lang]
    values = _Blank({key: _shown(key, value, lang) for key, value in context.items()})
    suggestion = context.get("suggestion")
    values["suggestion_plain"] = suggestion or ""
    values["suggestion"] = (
        MESSAGES["did_you_mean"][lang].format(suggestion=suggestion) if suggestion else ""
    )
    label = values.setdefault("label", field_label(context.get("field", ""), lang))
    if template.startswith("{label}: ") and (not label or label == str(context.get("field", ""))):
        # The field path printed before the message already says it ("date: date: ...").
        template = template[len("{label}: ") :]
    key_label = field_label(context.get("key", ""), lang)
    values["label_note"] = f" ({key_label})" if key_label != str(context.get("key", "")) else ""
    return template.format_map(values)


# Context values that repeat what someone typed: cut when long. (Lists the
# library makes, such as the allowed values, are shown whole.)
_TYPED = frozenset({"value", "key", "tag", "detail", "comment", "event", "file", "name"})


def _shown(key: str, value: object, lang: str) -> object:
    """A context value as a message shows it: in ``lang``, printable, cut if typed."""
    if isinstance(value, Bilingual):
        value = value.get(lang, value.get("en"))
    if isinstance(value, (str, os.PathLike)):
        return printable(os.fspath(value), MAX_SHOWN if key in _TYPED else None)
    return value


# Characters a terminal acts on rather than shows: C0 and C1 controls (escape
# sequences start with one), line separators, bidirectional overrides.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str, limit: int | None = MAX_SHOWN) -> str:
    """Text from someone's file made safe to print on a terminal, on one line:
    control characters (escape sequences, line breaks, bidirectional
    overrides) are shown escaped as Python writes them (``\\x1b``, ``\\n``,
    ``\\u202e``), and text beyond ``limit`` characters is cut, with "…"."""
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    if not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match) -> str:
    character = match.group(0)
    code = ord(character)
    return _ESCAPES.get(character) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def counted(count: int, noun: str, lang: str) -> str:
    """``1 evento``, ``3 eventi``."""
    return f"{count} {NOUNS[noun][lang][count != 1]}"


def errors(problems, lang: str) -> str:
    """``1 errore``, ``3 errori``: the errors among ``problems`` (a ``load.Problems``)."""
    return counted(problems.error_count, "error", lang)


def summary(counts: dict, lang: str) -> str:
    """``1 evento, 3 sessioni, 96 esiti (4 interni, non pubblicati)``."""
    text = ", ".join(counted(counts[key], key[:-1], lang) for key in ("events", "sessions", "outcomes"))
    if counts.get("internal"):
        text += f" ({counted(counts['internal'], 'internal', lang)})"
    return text


class Bilingual(dict):
    """A context value given in both languages, chosen when the message is rendered."""


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""
