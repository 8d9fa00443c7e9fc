"""Error pages and JSON errors in the page's language: Datasette renders
its own without the site's template variables, and with ``rich``
installed prints a traceback with every local for each (45 KB of log for
a mistyped address, on the event loop). A client's error (a sort on an
unknown column, a missing page, SQL that is not a select) is a 4xx and one
line in the log; only the site's own errors (500) log their traceback."""

from __future__ import annotations

import sqlite3
import sys
import traceback

from datasette import Response
from datasette.utils.asgi import Base400
from datasette.views.base import DatasetteError

from .language import t

# Characters of an error's detail written to the log.
LOGGED_CHARS = 200


def status_and_detail(exception) -> tuple[int, str | None]:
    """A Datasette error is about the request (it raises them, with status
    500, for ``_sort`` on an unknown column): 400 unless it says otherwise;
    so is SQLite's, on the site's immutable database (from ``_where=``)."""
    if isinstance(exception, Base400):
        return exception.status, exception.args[0] if exception.args else None
    if isinstance(exception, DatasetteError):
        status = exception.status if 400 <= exception.status < 500 else 400
        return status, getattr(exception, "message", None) or exception.args[0]
    if isinstance(exception, sqlite3.DatabaseError):  # SQL of the request's (_where=) refused or wrong
        return 400, str(exception)
    return 500, None  # no internals shown to the reader; logged for the office


def error_page(datasette, request, exception):
    """The site's answer to ``exception``, an HTML page or JSON: a coroutine
    function, marked as the site's (``ours``)."""
    if request is None:
        return None
    status, detail = status_and_detail(exception)
    if status == 500:
        traceback.print_exception(type(exception), exception, exception.__traceback__)
    else:
        said = " ".join(str(detail or "").split())[:LOGGED_CHARS]
        print(f"{status} {request.path[:LOGGED_CHARS]}: {said}", file=sys.stderr)

    async def page():
        if request.path.endswith(".json"):
            said = t(f"error.{status}", default=t("error.400" if status < 500 else "error.500"))
            title = getattr(exception, "title", None)
            body = {"ok": False, "error": detail or said, "message": said, "status": status, "title": title}
            return Response.json(body, status=status)
        html = await datasette.render_template(
            ["error.html"], {"ok": False, "error": detail, "status": status, "title": None}, request=request
        )
        return Response.html(html, status=status)

    page.outcomes_error_page = True
    return page


def ours(results: list) -> list:
    """The site's error pages among every plugin's."""
    return [result for result in results if getattr(result, "outcomes_error_page", False)]
