"""Languages: Italian by default, English on request (``?_lang=en``, then
remembered in a cookie). The language of the page being made is a context
variable set per request by the guard; the texts come from the project's
catalogue (``common.text``), dates and numbers are written the language's way."""

from __future__ import annotations

import contextvars
import datetime as dt
import http.cookies
import urllib.parse

from markupsafe import Markup

from . import text

LANGUAGES = text.LANGUAGES
LANG_ARG = "_lang"  # ?_lang=en switches (and remembers, in LANG_COOKIE)
LANG_COOKIE = "outcomes_lang"
_language: contextvars.ContextVar[str] = contextvars.ContextVar("outcomes_language", default=LANGUAGES[0])


def language() -> str:
    """The language of the page being made (set per request by the ASGI wrapper)."""
    return _language.get()


def set_language(lang: str) -> None:
    _language.set(lang)


def requested_language(scope) -> tuple[str, bool]:
    """The language a request asks for, and whether it asks explicitly
    (``?_lang=``, which is then remembered) rather than by cookie."""
    query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
    asked = (query.get(LANG_ARG) or [""])[-1]
    if asked in LANGUAGES:
        return asked, True
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                cookie = http.cookies.SimpleCookie(value.decode("latin-1")).get(LANG_COOKIE)
            except http.cookies.CookieError:
                continue
            if cookie is not None and cookie.value in LANGUAGES:
                return cookie.value, False
    return LANGUAGES[0], False


def lang_attr(content_language: str | None) -> Markup:
    """`` lang="it"`` on a text written in another language than the page's
    (the notes' texts stay as written), else nothing."""
    content_language = content_language or LANGUAGES[0]
    return Markup("") if content_language == language() else Markup(' lang="{}"').format(content_language)


def other_language() -> str:
    return LANGUAGES[1 - LANGUAGES.index(language())]


def number(value: int) -> str:
    """``1234`` -> ``1.234`` in Italian, ``1,234`` in English."""
    written = f"{value:,}"
    return written.replace(",", ".") if language() == "it" else written


def _entry(key: str, lang: str, count: int | None, values: dict) -> str:
    """The catalogue's entry for ``key`` in ``lang``: with ``count``, the
    singular or plural, and ``{count}`` written the language's way."""
    entry = text.catalogue()[key][lang]
    if isinstance(entry, list):
        entry = entry[0 if count == 1 else 1]
    if count is not None:
        values["count"] = number(count)
    return entry


def t(key: str, count: int | None = None, default: str | None = None, lang: str | None = None, **values) -> str:
    """The catalogue's text for ``key`` in the page's language (or ``lang``),
    its ``{placeholders}`` filled in; with ``count``, the singular or plural."""
    if not text.has(key):
        return key if default is None else default
    entry = _entry(key, lang or language(), count, values)
    return entry.format(**values) if values else entry


def th(key: str, count: int | None = None, **values) -> Markup:
    """``t`` for a text that is HTML: the values filled in are escaped."""
    return Markup(_entry(key, language(), count, values)).format(**values)


def column_label(column: str) -> str:
    """A column as people read it: ``sdg_goals`` -> Goal dell'Agenda 2030."""
    return t(f"column.{column}", default=column)


def table_title(table: str) -> str:
    return t(f"tables.{table}.title", default=table)


def filter_display(key: str, default: str) -> str:
    """The name of a filter operator (``contains``) in the page's language."""
    entry = text.catalogue().get(f"filter.{key}")
    return entry[language()][0] if entry else default


MONTHS = {
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre".split(),
    "en": "January February March April May June July August September October November December".split(),
}


def date_text(value: str | dt.date | None) -> str:
    """``2019-10-15`` -> ``15 ottobre 2019`` (``15 October 2019`` in English)."""
    if not value:
        return ""
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return f"{day.day} {MONTHS[language()][day.month - 1]} {day.year}"
