"""The desk as a Datasette 0.65 application: routes, pages, who may do what.

``make_datasette`` builds a Datasette instance that serves only the desk: its
own pages (this module's ``register_routes``), its templates, CSRF tokens on
every POST form (Datasette's asgi-csrf), links and the office's cookie signed
with the desk's secret. ``desk.db`` is opened by the desk alone, through one
writer thread (``Database.execute_write_fn``): Datasette's own table and SQL
pages are refused to everyone, so nothing of the desk's state can be browsed.

Facilitators come in through a signed invite link, ``/s/<token>``: the token
names an invite, the invite one session; every request checks that the
invite still exists, has not expired and was not revoked (else 403). The
office logs in (``/office/login``) and gets a signed ``ds_actor`` cookie,
which works while its account's session version is the one it carries
(logging out and a new password move the version on).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
from pathlib import Path

from datasette import hookimpl
from datasette.app import Datasette
from datasette.database import Database

from ..messages import message
from ..common.text import text
from . import mail, notices, state
from .facilitator import facilitator, home, privacy, static, upload, word_form
from .invites import office_invite, office_invite_action, office_outbox
from .office import office_chapter, office_list, office_login, office_logout, office_publish, office_review
from .web import (
    DESK_DB, MAX_UPLOAD_BYTES, PLUGIN, TEMPLATES, TOO_LARGE, CsrfRefused, Desk, _desk, _forbidden, _render, language,
)  # fmt: skip


def make_datasette(notes_dir: Path, data_dir: Path, out_dir: Path = Path("build"), address: str | None = None,
                   send_mail: bool = False) -> Datasette:
    """A Datasette instance serving the desk of ``notes_dir``, its state in
    ``data_dir``; ``address`` is where it serves (the links' address unless
    ``OUTCOMES_DESK_URL`` says otherwise); with ``send_mail`` it runs the
    outbox's sender as long as it serves (``outcomes desk serve``)."""
    import outcomes.desk.app as plugin

    from datasette.plugins import pm

    if not pm.is_registered(plugin):
        pm.register(plugin, name=PLUGIN)
    data_dir.mkdir(parents=True, exist_ok=True)
    state.connect(data_dir / state.DATABASE).close()  # tables and WAL before the first request
    desk = Desk(Path(notes_dir), Path(data_dir), Path(out_dir))
    if address and not os.environ.get(mail.DESK_URL):
        desk.mail = dataclasses.replace(desk.mail, desk_url=address.rstrip("/"))
    desk.send_mail = send_mail
    ds = DeskDatasette(
        desk,
        template_dir=str(TEMPLATES),
        secret=state.secret(data_dir),
        settings={"allow_download": False, "allow_facet": False, "default_allow_sql": False},
    )
    database = Database(ds, path=str(data_dir / state.DATABASE), is_mutable=True)
    ds.add_database(database, name=DESK_DB)
    return ds


class DeskDatasette(Datasette):
    """A Datasette that knows it is a desk (known before its routes are made)."""

    def __init__(self, desk: Desk, **kwargs):
        self._outcomes_desk = desk
        super().__init__([], **kwargs)

    def app(self):
        return _secure_cookies_over_https(_bounded_body(_current_sessions_only(self, super().app())))





def _bounded_body(app, limit: int = MAX_UPLOAD_BYTES + 64 * 1024):
    """Read no request body past ``limit``: asgi-csrf and Datasette's
    ``post_body`` read a body whole, and a chunked one declares no length to
    refuse it by. Past the limit the body ends there and the scope says so
    (``TOO_LARGE``); the views then answer with their "too large" message."""

    async def asgi(scope, receive, send):
        if scope.get("type") != "http":
            return await app(scope, receive, send)
        body = {"cut": False, "received": 0}  # shared with the copies Datasette makes of the scope

        async def bounded_receive():
            if body["cut"]:
                return {"type": "http.request", "body": b"", "more_body": False}
            event = await receive()
            if event["type"] == "http.request":
                body["received"] += len(event.get("body", b""))
                if body["received"] > limit:
                    body["cut"] = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return event

        await app({**scope, TOO_LARGE: body}, bounded_receive, send)

    return asgi


def _current_sessions_only(datasette, app):
    """An office cookie whose session has ended (its account's version moved
    on at logout or with a new password) is dropped before Datasette reads
    it: the request is anonymous. Checked on every request."""

    async def asgi(scope, receive, send):
        if scope.get("type") == "http":
            cookies = [part for key, value in scope.get("headers", []) if key == b"cookie" for part in value.split(b";")]
            actor = [part.strip()[len(b"ds_actor="):] for part in cookies if part.strip().startswith(b"ds_actor=")]
            if actor and not await _current(datasette, actor[-1].decode("latin-1")):
                kept = b";".join(part for part in cookies if not part.strip().startswith(b"ds_actor="))
                headers = [(key, value) for key, value in scope["headers"] if key != b"cookie"]
                scope = {**scope, "headers": [*headers, *([(b"cookie", kept)] if kept.strip() else [])]}
        await app(scope, receive, send)

    return asgi


async def _current(datasette, cookie: str) -> bool:
    try:
        actor = datasette.unsign(cookie, "actor").get("a") or {}
    except Exception:  # a cookie that is not the desk's: Datasette refuses it itself
        return True
    if actor.get("desk") != "office":
        return True
    version = await datasette.get_database(DESK_DB).execute_fn(lambda conn: state.session_version(conn, actor.get("id")))
    return version is not None and actor.get("v") == version


def _secure_cookies_over_https(app):
    """Behind HTTPS every cookie is ``Secure``: asgi-csrf sets ``ds_csrftoken``
    without it (its option is fixed when Datasette builds it)."""

    async def asgi(scope, receive, send):
        if scope.get("type") != "http" or scope.get("scheme") != "https":
            return await app(scope, receive, send)

        async def send_secure(event):
            if event["type"] == "http.response.start":
                event = dict(event, headers=[
                    (key, value + b"; Secure" if key.lower() == b"set-cookie" and b"; secure" not in value.lower()
                     else value) for key, value in event.get("headers", [])])
            await send(event)

        await app(scope, receive, send_secure)

    return asgi


# --- Hooks: this plugin acts only on a desk's Datasette ---------------------------------


@hookimpl
def register_routes(datasette):
    if _desk(datasette) is None:
        return []
    return [
        (r"^/$", home),
        (r"^/s/(?P<token>[A-Za-z0-9_.\-]+)$", facilitator),
        (r"^/s/(?P<token>[A-Za-z0-9_.\-]+)/upload$", upload),
        (r"^/s/(?P<token>[A-Za-z0-9_.\-]+)/scheda\.docx$", word_form),
        (r"^/office/login$", office_login),
        (r"^/office/logout$", office_logout),
        (r"^/office$", office_list),
        (r"^/office/publish$", office_publish),
        (r"^/office/invite$", office_invite),
        (r"^/office/invite/(?P<invite>[0-9]+)/(?P<action>resend|extend|revoke)$", office_invite_action),
        (r"^/office/outbox$", office_outbox),
        (r"^/office/(?P<event>[a-z0-9-]+)/(?P<session>[a-z0-9-]+)$", office_review),
        (r"^/office/(?P<event>[a-z0-9-]+)/(?P<session>[a-z0-9-]+)/atti\.docx$", office_chapter),
        (r"^/desk-static/(?P<name>desk\.(?:css|js)|fonts\.css)$", static),
        (r"^/desk-static/kit/(?P<kit>(?:css|fonts/[A-Za-z_]+)/[A-Za-z0-9_\-][A-Za-z0-9_.\-]*)$", static),
        (r"^/privacy$", privacy),
    ]


@hookimpl
def extra_template_vars(datasette, request):
    """``t(key, **values)``: the catalogue's text in the request's language."""
    if _desk(datasette) is None:
        return {}
    lang = language(request) if request is not None else "it"
    return {"t": lambda key, **values: text(key, lang, **values)}


@hookimpl
def startup(datasette):
    """``outcomes desk serve``: the outbox's sender runs beside the desk."""
    desk = _desk(datasette)
    if desk is None or not getattr(desk, "send_mail", False):
        return None

    async def start():
        desk.sender = asyncio.get_running_loop().create_task(mail.run_sender(
            desk.data_dir, desk.mail, desk.mail_waiting, notices.periodic(datasette, desk)))

    return start


@hookimpl
def permission_allowed(datasette, actor, action):
    """Datasette's own pages (tables, SQL, metadata) are nobody's business on the desk."""
    if _desk(datasette) is not None:
        return False
    return None


@hookimpl
def handle_exception(datasette, request, exception):
    """The desk's own page for a wrong address or an error: never Datasette's."""
    if _desk(datasette) is None:
        return None
    from datasette.utils.asgi import NotFound

    if isinstance(exception, CsrfRefused):
        return _forbidden(datasette, request, "desk_csrf")

    async def page():
        missing = isinstance(exception, NotFound)
        return await _render(datasette, request, "desk_message.html", {
            "title": message("desk_page_not_found" if missing else "desk_page_error", language(request)),
            "text": message("desk_not_found" if missing else "desk_error", language(request))}, status=404 if missing else 500)

    return page


_UPLOAD = re.compile(r"^/s/[A-Za-z0-9_.\-]+/upload$")


@hookimpl
def skip_csrf(datasette, scope):
    """asgi-csrf 0.11 cannot read multipart bodies with python-multipart
    0.0.2x (``FormParser(FileClass=...)`` fails): the upload view checks the
    same token itself (``_csrf_ok``). Every other POST is left to asgi-csrf."""
    if _desk(datasette) is not None and _UPLOAD.match(scope.get("path", "")):
        return True
    return None
