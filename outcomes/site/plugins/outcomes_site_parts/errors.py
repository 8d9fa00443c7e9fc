"""Error pages in the page's language: Datasette renders its own without
the site's template variables. JSON errors stay Datasette's."""

from __future__ import annotations

import traceback

from datasette import Response
from datasette.utils.asgi import Base400
from datasette.views.base import DatasetteError


def error_page(datasette, request, exception):
    """The site's error page for ``exception`` (None for JSON): a coroutine
    function, marked as the site's (``ours``)."""
    if request is None or request.path.endswith(".json"):
        return None
    if isinstance(exception, (Base400, DatasetteError)):
        status, message = exception.status, getattr(exception, "message", None) or exception.args[0]
    else:
        status, message = 500, None  # no internals shown to the reader; logged for the office
        traceback.print_exception(type(exception), exception, exception.__traceback__)

    async def page():
        html = await datasette.render_template(
            ["error.html"], {"ok": False, "error": message, "status": status, "title": None}, request=request
        )
        return Response.html(html, status=status)

    page.outcomes_error_page = True
    return page


def ours(results: list) -> list:
    """The site's error pages among every plugin's."""
    return [result for result in results if getattr(result, "outcomes_error_page", False)]
