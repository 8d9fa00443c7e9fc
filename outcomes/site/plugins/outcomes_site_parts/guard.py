"""The guard in front of Datasette: every request gets its language
(``?_lang=``, else the cookie, else Italian) and its response says it. The
library is read-only: any other method than GET, HEAD and OPTIONS is
refused before it reaches Datasette (whose read-only canned queries answer
a POST with an error page). Datasette's debug pages are not served. Every
request is seen as made to the site's public address (``public_url``), so
the Host header a client sends changes no absolute link (and no cached
page). A CSV is rewritten for spreadsheets."""

from __future__ import annotations

import urllib.parse

from .base import DATABASE, public_url
from .language import LANG_COOKIE, number, requested_language, set_language, t
from .search_page import joined_filters
from .spreadsheet import csv_for_spreadsheets, is_csv
from .turns import SQL_AT_ONCE, SQL_WAITING, Turns, written_sql

READ_METHODS = ("GET", "HEAD", "OPTIONS")
# Datasette's pages under /-/ are for whoever runs it (threads, versions,
# plugins, settings, databases, actor, messages, permissions...): on the
# public site only its static files answer.
PUBLIC_DASH = ("/-/static/", "/-/static-plugins/")
# Characters of one name or value in the query string; ``?sql=`` up to the
# length of a statement (sql.SQL_LIMITS' SQLITE_LIMIT_SQL_LENGTH).
VALUE_CHARS = 1_000
SQL_CHARS = 100_000


# The search page's query is cut instead: the page reads its first
# search.QUERY_CHARS characters and says so (nothing typed there is an error).
CUT = "q"


def too_long(scope) -> tuple[str, int] | None:
    """The first name or value of the query string over its limit: (name, limit)."""
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        limit = SQL_CHARS if name == "sql" else VALUE_CHARS
        if len(name) > VALUE_CHARS or (len(value) > limit and name != CUT):
            return name[:40], limit
    return None


def with_search_cut(scope):
    """``scope`` with a search query longer than VALUE_CHARS cut there."""
    query = scope.get("query_string", b"").decode("latin-1")
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    if not any(name == CUT and len(value) > VALUE_CHARS for name, value in pairs):
        return scope
    pairs = [(name, value[:VALUE_CHARS] if name == CUT else value) for name, value in pairs]
    return {**scope, "query_string": urllib.parse.urlencode(pairs).encode("latin-1")}


def _refuse(status: int, text: str, headers: list | None = None):
    async def send_it(send):
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*(headers or []), (b"content-type", b"text/plain; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": text.encode()})

    return send_it


def _with_language_headers(send, lang: str, remember: bool):
    """Responses say their language and that it depends on the cookie; a
    language asked for with ``?_lang=`` is remembered for a year."""

    async def sending(message):
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"vary"]
            vary = [v.decode("latin-1") for k, v in message.get("headers", []) if k.lower() == b"vary"]
            vary = [part.strip() for value in vary for part in value.split(",") if part.strip()]
            headers.append((b"vary", ", ".join(dict.fromkeys([*vary, "Cookie"])).encode("latin-1")))
            headers.append((b"content-language", lang.encode()))
            if remember:
                cookie = f"{LANG_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax"
                headers.append((b"set-cookie", cookie.encode()))
            message = {**message, "headers": headers}
        await send(message)

    return sending


def guarded(datasette, app):
    """``app`` (Datasette) behind the guard."""
    turns = Turns()

    async def public(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        lang, asked = requested_language(scope)
        set_language(lang)
        send = _with_language_headers(send, lang, asked)
        scope = joined_filters(scope)
        if is_csv(scope) and scope["method"] == "GET":
            send = csv_for_spreadsheets(datasette, scope, send)
        if DATABASE not in datasette.databases:
            return await app(scope, receive, send)
        if scope["method"] not in READ_METHODS:
            allow = [(b"allow", ", ".join(READ_METHODS).encode())]
            await _refuse(405, t("error.405", lang=lang) + "\n", allow)(send)
            return
        long_value = too_long(scope)
        if long_value:
            name, limit = long_value
            await _refuse(414, t("error.value_too_long", lang=lang, name=name, limit=number(limit)) + "\n")(send)
            return
        scope = with_search_cut(scope)
        path = scope.get("path", "")
        if path.startswith("/-/") and not path.startswith(PUBLIC_DASH):
            await _refuse(404, t("error.404", lang=lang) + "\n")(send)
            return
        address = urllib.parse.urlsplit(public_url(datasette))
        headers = [(key, value) for key, value in scope["headers"] if key != b"host"]
        asked = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        scope = {**scope, "scheme": address.scheme, "headers": [(b"host", address.netloc.encode()), *headers]}
        if asked != address.netloc:  # a preview elsewhere: its links lead to the public address (the footer says so)
            scope["outcomes.asked_host"] = asked
        if written_sql(scope):
            busy = t("error.sql_busy", lang=lang, at_once=SQL_AT_ONCE, waiting=SQL_WAITING) + "\n"
            await turns.take(lambda: app(scope, receive, send), lambda: _refuse(503, busy, [(b"retry-after", b"2")])(send))
            return
        await app(scope, receive, send)

    return public
