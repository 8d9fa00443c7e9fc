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
office logs in (``/office/login``) and gets a signed ``ds_actor`` cookie.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import difflib
import hmac
import re
import tempfile
import time
import urllib.parse
from pathlib import Path

from datasette import hookimpl
from datasette.app import Datasette
from datasette.database import Database
from datasette.utils import baseconv
from datasette.utils.asgi import Response
from itsdangerous import BadSignature

from .. import load, vocab
from ..common.files import digest, write_atomic
from ..common.markdown import markdown_html
from ..intake import IntakeError
from ..messages import errors, message, summary
from . import fields, state

PLUGIN = "outcomes-desk"
DESK_DB = "desk"
INVITE_NAMESPACE = "desk-invite"
OFFICE_HOURS = 12  # the office's login lasts a working day
MAX_POST_BYTES = 2 * 1024 * 1024  # a 100-outcome note is about 200 kB
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a filled Word form is about 60 kB
TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")


class Desk:
    """Where the desk's state and the notes are, held by the Datasette instance."""

    def __init__(self, notes_dir: Path, data_dir: Path, out_dir: Path):
        self.notes_dir, self.data_dir, self.out_dir = notes_dir, data_dir, out_dir
        self.db_path = data_dir / state.DATABASE
        self.publishing = asyncio.Lock()

    def note_path(self, event: str, session: str) -> Path:
        return self.notes_dir / event / f"{session}.yaml"

    def event(self, event: str) -> load.EventNote | None:
        folder = self.notes_dir / event
        return load.load_event(folder, load.Problems()) if (folder / load.EVENT_FILE).exists() else None


def make_datasette(notes_dir: Path, data_dir: Path, out_dir: Path = Path("build")) -> Datasette:
    """A Datasette instance serving the desk of ``notes_dir``, its state in ``data_dir``."""
    import outcomes.desk.app as plugin

    from datasette.plugins import pm

    if not pm.is_registered(plugin):
        pm.register(plugin, name=PLUGIN)
    data_dir.mkdir(parents=True, exist_ok=True)
    state.connect(data_dir / state.DATABASE).close()  # tables and WAL before the first request
    ds = DeskDatasette(
        Desk(Path(notes_dir), Path(data_dir), Path(out_dir)),
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
        return _secure_cookies_over_https(_bounded_body(super().app()))


TOO_LARGE = "outcomes.desk.body"  # in the scope: {"cut": True} once a body was cut at the limit


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


def _desk(datasette) -> Desk | None:
    return getattr(datasette, "_outcomes_desk", None)


# --- Hooks: this plugin acts only on a desk's Datasette ---------------------------------


@hookimpl
def register_routes(datasette):
    if _desk(datasette) is None:
        return []
    return [
        (r"^/$", home),
        (r"^/s/(?P<token>[A-Za-z0-9_.\-]+)$", facilitator),
        (r"^/s/(?P<token>[A-Za-z0-9_.\-]+)/upload$", upload),
        (r"^/office/login$", office_login),
        (r"^/office/logout$", office_logout),
        (r"^/office$", office_list),
        (r"^/office/publish$", office_publish),
        (r"^/office/(?P<event>[a-z0-9-]+)/(?P<session>[a-z0-9-]+)$", office_review),
        (r"^/office/(?P<event>[a-z0-9-]+)/(?P<session>[a-z0-9-]+)/atti\.docx$", office_chapter),
        (r"^/desk-static/(?P<name>desk\.(?:css|js))$", static),
    ]


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
            "title": "Pagina non trovata" if missing else "Errore",
            "text": message("desk_not_found" if missing else "desk_error", "it")}, status=404 if missing else 500)

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


def _csrf_ok(datasette, request, posted_token: str | None) -> bool:
    """asgi-csrf's own rule: the form's token equals the signed ``ds_csrftoken`` cookie."""
    cookie = request.cookies.get("ds_csrftoken", "")
    try:
        datasette.unsign(cookie, "csrftoken")
    except BadSignature:
        return False
    return bool(posted_token) and hmac.compare_digest(posted_token, cookie)


# --- Common helpers -----------------------------------------------------------------------


def _office(request) -> str | None:
    actor = request.actor or {}
    return actor.get("id") if actor.get("desk") == "office" else None


_SYNC_TEMPLATES = None


def _render_fast(request, template: str, context: dict) -> str:
    """The facilitator's form through a plain (not async) Jinja environment
    over the same templates: a 30-outcome form is some 450 controls, and
    Datasette's async environment takes about three times as long to render
    them (see benchmarks/desk.py). The CSRF token is the one Datasette's
    ``csrftoken()`` gives."""
    global _SYNC_TEMPLATES
    if _SYNC_TEMPLATES is None:
        import jinja2

        _SYNC_TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
    return _SYNC_TEMPLATES.get_template(template).render({**context, "csrftoken": request.scope["csrftoken"]})


async def _render(datasette, request, template: str, context: dict, status: int = 200, fast: bool = False) -> Response:
    context = {"title": "", **context}
    if fast:
        html = _render_fast(request, template, context)
    else:
        html = await datasette.render_template(template, context, request=request)
    response = Response.html(html, status=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"  # invite links never leak to other sites
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    return response


async def _forbidden(datasette, request, reason: str) -> Response:
    return await _render(datasette, request, "desk_message.html",
                         {"title": "Accesso negato", "text": message(reason, "it")}, status=403)


async def _read(datasette, fn):
    return await datasette.get_database(DESK_DB).execute_fn(fn)


async def _write(datasette, fn):
    return await datasette.get_database(DESK_DB).execute_write_fn(fn, block=True)


def _cut(request) -> bool:
    """Whether the request's body went past the desk's limit (``_bounded_body``)."""
    return bool(request.scope.get(TOO_LARGE, {}).get("cut"))


class CsrfRefused(Exception):
    """A POST whose form token does not match its signed cookie."""


async def _posted(datasette, request, limit: int = MAX_POST_BYTES) -> list[tuple[str, str]] | None:
    """The form's fields in order (repeated names kept), or None if too large.

    asgi-csrf checks the token only when the request has cookies; a
    cross-site form sends none of the desk's (SameSite), so the token is
    checked here as well: every POST carries it, or it is refused."""
    if int(request.headers.get("content-length") or 0) > limit:
        return None
    body = await request.post_body()
    if len(body) > limit or _cut(request):
        return None
    pairs = urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    if not _csrf_ok(datasette, request, dict(pairs).get("csrftoken")):
        raise CsrfRefused()
    return pairs


def _data_of(text: str) -> dict:
    """The plain data of a note's YAML text ({} if it cannot be read at all)."""
    parsed = load.parse_note(Path("bozza.yaml"), load.Problems(), text.encode("utf-8"))
    return parsed[0] if parsed else {}


def _facilitator_of(data: dict) -> tuple[str | None, str | None]:
    first = fields.rows(data, "facilitators")[:1]
    return (first[0].get("organisation"), first[0].get("role")) if first else (None, None)


def _when(iso: str | None) -> str:
    if not iso:
        return ""
    moment = dt.datetime.fromisoformat(iso)
    return moment.astimezone(ZONE).strftime("%d/%m/%Y %H:%M")


try:
    import zoneinfo

    ZONE = zoneinfo.ZoneInfo("Europe/Rome")
except Exception:  # pragma: no cover - tzdata is a dependency
    ZONE = dt.UTC


# --- Pages ---------------------------------------------------------------------------------


async def home(datasette, request):
    return Response.redirect("/office" if _office(request) else "/office/login")


async def static(datasette, request):
    name = request.url_vars["name"]
    kind = "text/css" if name.endswith(".css") else "text/javascript"
    return Response((STATIC / name).read_text("utf-8"), content_type=f"{kind}; charset=utf-8",
                    headers={"Cache-Control": "max-age=300"})


def invite_link(datasette, invite: state.Invite, base_url: str) -> str:
    token = datasette.sign({"i": invite.id}, INVITE_NAMESPACE)
    return f"{base_url.rstrip('/')}/s/{token}"


def signed_link(data_dir: Path, invite: state.Invite, base_url: str) -> str:
    """The link of ``invite``, signed as the desk serving ``data_dir`` expects."""
    return invite_link(Datasette([], secret=state.secret(data_dir)), invite, base_url)


async def _invite(datasette, request) -> state.Invite | str:
    """The invite a link names, or why it cannot be used."""
    try:
        signed = datasette.unsign(request.url_vars["token"], INVITE_NAMESPACE)
    except BadSignature:
        return "desk_link_invalid"
    if not isinstance(signed, dict) or not isinstance(signed.get("i"), int):
        return "desk_link_invalid"
    invite = await _read(datasette, lambda conn: state.invite(conn, signed["i"]))
    if invite is None:
        return "desk_link_invalid"
    if invite.revoked:
        return "desk_link_revoked"
    if not invite.usable():
        return "desk_link_expired"
    return invite


class _Page:
    """What the facilitator's page shows: the note's data, its problems, the state."""

    def __init__(self, data: dict, checked: fields.Checked | None, latest: state.Revision | None, base: int,
                 notice: str | None = None, error: str | None = None, extra: dict | None = None):
        self.data, self.checked, self.latest, self.base = data, checked, latest, base
        self.notice, self.error, self.extra = notice, error, extra or {}


async def _facilitator_page(datasette, request, invite: state.Invite, page: _Page, status: int = 200) -> Response:
    desk = _desk(datasette)
    event = desk.event(invite.event)
    history = await _read(datasette, lambda conn: state.revisions(conn, invite.event, invite.session))
    current_state = page.latest.state if page.latest else "invited"
    # The office's comment stays in view while it is being answered: after a
    # return, through the drafts saved, until the note is submitted again.
    decided = state.last_decision(history)
    office_comment = decided if decided and decided.action in ("return", "reject") else None
    return await _render(datasette, request, "desk_form.html", {
        "title": page.data.get("title") or invite.session,
        "invite": invite,
        "event": event.event if event else None,
        "data": page.data,
        "checked": page.checked,
        "errors": page.checked.by_control if page.checked else {},
        "state": current_state,
        "editable": current_state in state.ALLOWED_FROM["save"],
        "base": page.base,
        "latest": page.latest,
        "office_comment": office_comment,
        "unknown": fields.unknown(page.data),
        "notice": page.notice,
        "error": page.error,
        "controls": fields.session_controls(),
        "f": fields,
        "terms": fields.terms,
        "when": _when,
        "messages": lambda kind, **kw: message(kind, "it", **kw),
        "action_url": f"/s/{request.url_vars['token']}",
        "max_upload_mb": MAX_UPLOAD_BYTES // 2**20,
        **page.extra,
    }, status=status, fast=True)


def _apply(action: str, data: dict) -> dict:
    """Add, remove or move a row: ``add:outcomes``, ``remove:outcomes.2``, ``up:outcomes.2``."""
    verb, _, target = action.partition(":")
    key, _, index = target.partition(".")
    known = {c.key for c in fields.session_controls() if isinstance(c, fields.Group) or c.widget == "counts"}
    if key not in known:
        return data
    if key == "participants":  # a blank row is always offered: nothing to add
        return data
    rows = list(fields.rows(data, key))
    position = int(index) if index.isdigit() else -1
    if verb == "add" and len(rows) < fields.MAX_ROWS:
        rows.append({})
    elif verb == "remove" and 0 <= position < len(rows):
        rows.pop(position)
    elif verb == "up" and 0 < position < len(rows):
        rows[position - 1], rows[position] = rows[position], rows[position - 1]
    elif verb == "down" and 0 <= position < len(rows) - 1:
        rows[position + 1], rows[position] = rows[position], rows[position + 1]
    data[key] = rows
    return data


async def facilitator(datasette, request):
    invite = await _invite(datasette, request)
    if isinstance(invite, str):
        return await _forbidden(datasette, request, invite)
    desk = _desk(datasette)
    event = desk.event(invite.event)
    current = await _read(datasette, lambda conn: state.latest(conn, invite.event, invite.session))
    if request.method != "POST":
        data = _data_of(current.yaml) if current else _starting_data(desk, invite)
        checked = fields.check(data, event, invite.event, invite.session) if current else None
        return await _facilitator_page(datasette, request, invite, _Page(data, checked, current, current.number if current else 0))
    pairs = await _posted(datasette, request)
    if pairs is None:
        return await _too_large(datasette, request, invite, current)
    posted = dict(pairs)
    action = posted.get("action", "save")
    base = int(posted["base"]) if posted.get("base", "").isdigit() else -1
    try:
        data = fields.form_to_data([(k, v) for k, v in pairs if k not in ("csrftoken", "action", "base", "comment")])
    except fields.TooLong as error:
        return await _facilitator_page(datasette, request, invite, _Page(
            current and _data_of(current.yaml) or {}, None, current, base,
            error=message(error.kind, "it", place=fields.place(error.name), limit=error.limit)), status=413)
    if action == "check":  # as the facilitator types, with JavaScript
        checked = fields.check(data, event, invite.event, invite.session)
        return Response.json({"errors": checked.by_control,
                              "summary": [{"anchor": a, "place": p, "message": m} for a, p, m in checked.summary]})
    if action not in ("save", "submit"):
        # Checked before a row is added (a blank row is not yet a mistake), after one is moved.
        checked = fields.check(data, event, invite.event, invite.session) if action.startswith("add:") else None
        data = _apply(action, data)
        checked = checked or fields.check(data, event, invite.event, invite.session)
        return await _facilitator_page(datasette, request, invite, _Page(data, checked, current, base))
    checked = fields.check(data, event, invite.event, invite.session)
    if action == "submit" and not checked.ok:
        return await _facilitator_page(datasette, request, invite, _Page(
            data, checked, current, base, error=message("desk_cannot_submit", "it")), status=422)
    try:
        saved = await _save(datasette, invite, data, checked, base, action, posted.get("comment") or None)
    except state.Conflict as conflict:
        return await _facilitator_page(datasette, request, invite, _Page(
            data, checked, conflict.latest, base, error=_conflict_text(conflict)), status=409)
    notice = message("desk_submitted" if action == "submit" else "desk_saved", "it", number=saved.number, when=_when(saved.at))
    dropped = fields.unknown(_data_of(current.yaml)) if current else []
    if dropped:  # said once, after the page had shown them with a warning
        notice += " " + message("desk_unknown_dropped", "it", fields=", ".join(f"«{u.where}»" for u in dropped))
    return await _facilitator_page(datasette, request, invite, _Page(data, checked, saved, saved.number, notice=notice))


async def _save(datasette, invite: state.Invite, data: dict, checked: fields.Checked, base: int, action: str,
                comment: str | None) -> state.Revision:
    """A facilitator's revision (save, submit or import) of the note ``checked``
    was made from; raises ``state.Conflict``."""
    desk = _desk(datasette)
    organisation, role = _facilitator_of(data)
    disk = state.file_digest(desk.note_path(invite.event, invite.session))
    return await _write(datasette, lambda conn: state.add_revision(
        conn, invite.event, invite.session, base=base, action=action, yaml=checked.text, author="facilitatore",
        organisation=organisation, role=role, disk_digest=disk, comment=comment))


def _conflict_text(conflict: state.Conflict) -> str:
    """Another revision came first (``stale``), or the state forbids the action."""
    latest = conflict.latest
    return message("desk_conflict" if conflict.kind == "stale" else "desk_not_editable", "it",
                   number=latest.number if latest else 0, when=_when(latest.at if latest else None))


def _starting_data(desk: Desk, invite: state.Invite) -> dict:
    """A new draft starts from the session's note if there is one already."""
    path = desk.note_path(invite.event, invite.session)
    return _data_of(path.read_text("utf-8")) if path.exists() else {}


async def _too_large(datasette, request, invite, current, limit: int = MAX_POST_BYTES) -> Response:
    data = _data_of(current.yaml) if current else {}
    return await _facilitator_page(datasette, request, invite, _Page(
        data, None, current, current.number if current else 0,
        error=message("desk_too_large", "it", limit=f"{limit / 2**20:.0f}")), status=413)


async def upload(datasette, request):
    """A filled Word form or a YAML note, read by the same code as
    ``outcomes import`` and the loader, becomes a revision of the draft."""
    invite = await _invite(datasette, request)
    if isinstance(invite, str):
        return await _forbidden(datasette, request, invite)
    if request.method != "POST":
        return Response.redirect(f"/s/{request.url_vars['token']}")
    desk = _desk(datasette)
    current = await _read(datasette, lambda conn: state.latest(conn, invite.event, invite.session))
    if int(request.headers.get("content-length") or 0) > MAX_UPLOAD_BYTES + 64 * 1024:
        return await _too_large(datasette, request, invite, current, MAX_UPLOAD_BYTES)
    form, files = await _multipart(request)
    if _cut(request):
        return await _too_large(datasette, request, invite, current, MAX_UPLOAD_BYTES)
    if not _csrf_ok(datasette, request, form.get("csrftoken")):
        return await _forbidden(datasette, request, "desk_csrf")
    upload_file = files.get("file")
    if upload_file is None or not upload_file[1]:
        return await _upload_error(datasette, request, invite, current, message("desk_upload_empty", "it"))
    name, content = upload_file
    if len(content) > MAX_UPLOAD_BYTES:
        return await _too_large(datasette, request, invite, current, MAX_UPLOAD_BYTES)
    try:
        data = _uploaded_data(name, content, desk.note_path(invite.event, invite.session), current)
        fields.check_limits(data)
    except IntakeError as error:
        return await _upload_error(datasette, request, invite, current, message(error.kind, "it", **error.context))
    except fields.TooLong as error:
        return await _upload_error(datasette, request, invite, current, message(
            error.kind, "it", place=fields.place(error.name), limit=error.limit), status=413)
    event = desk.event(invite.event)
    checked = fields.check(data, event, invite.event, invite.session)
    base = int(form["base"]) if form.get("base", "").isdigit() else -1
    try:
        saved = await _save(datasette, invite, data, checked, base, "import",
                            message("desk_imported_from", "it", file=name))
    except state.Conflict as conflict:
        return await _upload_error(datasette, request, invite, conflict.latest, _conflict_text(conflict))
    notice = message("desk_uploaded", "it", file=name, number=saved.number)
    return await _facilitator_page(datasette, request, invite, _Page(data, checked, saved, saved.number, notice=notice))


async def _upload_error(datasette, request, invite, current, text: str, status: int = 422) -> Response:
    data = _data_of(current.yaml) if current else {}
    return await _facilitator_page(datasette, request, invite, _Page(data, None, current, current.number if current else 0, error=text),
                                   status=status)


def _uploaded_data(name: str, content: bytes, note_path: Path, current: state.Revision | None) -> dict:
    """The note data of an uploaded file: a Word form (by its zip signature) or YAML."""
    from ..intake.wordimport import note_from_form, outcome_ids, printed_ids, read_form

    if content[:4] == b"PK\x03\x04":
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "scheda.docx"
            path.write_bytes(content)
            form = read_form(path)
        event, session = printed_ids(form)
        here = (note_path.parent.name, note_path.stem)
        if event and session and (event, session) != here:  # the form of another session, by mistake
            raise IntakeError("desk_upload_other_session", event=event, session=session, here=here[1])
        previous = tuple(row.get("id", "") for row in fields.rows(_data_of(current.yaml), "outcomes")) if current \
            else outcome_ids(note_path)
        data, _ = note_from_form(form, name, previous)
        return data
    problems = load.Problems()
    parsed = load.parse_note(Path(name), problems, content)
    if parsed is None:
        raise IntakeError("desk_upload_unreadable", problem=problems[0].message("it") if problems else "")
    return parsed[0]


async def _multipart(request) -> tuple[dict, dict]:
    """Fields and files (name -> (file name, bytes)) of a multipart POST."""
    from python_multipart import parse_form

    body = await request.post_body()
    form: dict = {}
    files: dict = {}

    def on_field(field):
        form[field.field_name.decode()] = (field.value or b"").decode("utf-8", "replace")

    def on_file(file):
        file.file_object.seek(0)
        files[file.field_name.decode()] = (Path((file.file_name or b"").decode("utf-8", "replace")).name,
                                           file.file_object.read())

    import io

    headers = {"Content-Type": request.headers.get("content-type", ""), "Content-Length": str(len(body))}
    try:
        parse_form(headers, io.BytesIO(body), on_field, on_file)
    except Exception:  # a broken multipart body is an empty upload, said as such
        return form, {}
    return form, files


# --- The office -------------------------------------------------------------------------------


def _actor_cookie(datasette, username: str) -> str:
    expires = baseconv.base62.encode(int(time.time()) + OFFICE_HOURS * 3600)
    return datasette.sign({"a": {"id": username, "desk": "office"}, "e": expires}, "actor")


async def office_login(datasette, request):
    error = None
    status = 200
    if request.method == "POST":
        posted = dict(await _posted(datasette, request) or [])
        username, password = posted.get("username", "")[:200], posted.get("password", "")[:1000]
        result = await _login(datasette, username, password, _client_address(request))
        if result == "ok":
            response = Response.redirect("/office")
            response.set_cookie("ds_actor", _actor_cookie(datasette, username), httponly=True, samesite="strict",
                                secure=request.scheme == "https")
            return response
        error = message("desk_login_locked" if result == "locked" else "desk_login_wrong", "it")
        status = 429 if result == "locked" else 401
    return await _render(datasette, request, "desk_login.html", {"title": "Accesso dell'ufficio", "error": error},
                         status=status)


def _client_address(request) -> str:
    """The client's address, for counting failed logins: behind a reverse
    proxy on the same machine, uvicorn (``proxy_headers``) has already taken
    it from X-Forwarded-For. An IPv6 client is its /64, which one home or
    one server usually holds whole."""
    import ipaddress

    client = request.scope.get("client")
    if not client:
        return "unknown"
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return str(client[0])
    if address.version == 6 and address.ipv4_mapped:  # an IPv4 client on a dual-stack socket
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False)) if address.version == 6 else str(address)


async def _login(datasette, username: str, password: str, address: str) -> str:
    """``ok``, ``wrong`` or ``locked``; the slow hash is checked in a worker
    thread, so a login never holds up the facilitators' saves."""
    if await _read(datasette, lambda conn: state.locked(conn, address)):
        return "locked"
    stored = await _read(datasette, lambda conn: state.password_hash(conn, username))
    if await asyncio.get_running_loop().run_in_executor(None, state.verify, password, stored):
        return "ok"
    await _write(datasette, lambda conn: state.record_failure(conn, username, address))
    return "wrong"


async def office_logout(datasette, request):
    response = Response.redirect("/office/login")
    if request.method == "POST":
        response.set_cookie("ds_actor", "", expires=0)
    return response


def _need_office(handler):
    async def view(datasette, request):
        if not _office(request):
            return Response.redirect("/office/login")
        return await handler(datasette, request)

    view.__name__ = handler.__name__
    return view


@_need_office
async def office_list(datasette, request):
    rows = await _read(datasette, state.sessions)
    events: dict[str, list] = {}
    for row in rows:
        events.setdefault(row.event, []).append(row)
    return await _render(datasette, request, "desk_office.html", {
        "title": "Sessioni", "events": events, "when": _when, "user": _office(request),
        "state_label": lambda s: message(f"desk_state_{s}", "it"),
        "published": request.args.get("pubblicato"),
    })


def _preview(text: str, desk: Desk, event: str, session: str) -> tuple[load.SessionNote | None, list[load.Problem]]:
    problems = load.Problems()
    note = load.load_session(desk.note_path(event, session), desk.event(event), problems, text.encode("utf-8"))
    return note, problems


@_need_office
async def office_review(datasette, request):
    desk = _desk(datasette)
    event, session = request.url_vars["event"], request.url_vars["session"]
    history = await _read(datasette, lambda conn: state.revisions(conn, event, session))
    notice = error = None
    status = 200
    if request.method == "POST":
        posted = dict(await _posted(datasette, request) or [])
        action = posted.get("action", "")
        comment = (posted.get("comment") or "").strip()[: fields.MAX_FIELD_CHARS]
        base = int(posted["base"]) if posted.get("base", "").isdigit() else -1
        current = history[-1] if history else None
        if action not in ("return", "reject", "accept", "accept_anyway") or current is None:
            error, status = message("desk_not_editable", "it"), 409
        elif action in ("return", "reject") and not comment:
            error, status = message("desk_comment_needed", "it"), 422
        else:
            try:
                notice = await _decide(datasette, desk, current, action, comment, base, _office(request))
            except state.Conflict as conflict:
                error, status = _conflict_text(conflict), 409
            except _DiskConflict as conflict:
                error, status = conflict.text, 409
        history = await _read(datasette, lambda conn: state.revisions(conn, event, session))
    if not history:
        return await _render(datasette, request, "desk_message.html", {
            "title": f"{event} / {session}", "text": message("desk_nothing_yet", "it")}, status=404)
    latest = history[-1]
    decided = state.last_decision(history)
    latest_state = "correcting" if state.correcting(latest.state, decided.action if decided else None) else latest.state
    shown = _number(request.args.get("rev"), history) or latest
    note, problems = _preview(shown.yaml, desk, event, session)
    a = _number(request.args.get("a"), history) or (history[-2] if len(history) > 1 else latest)
    b = _number(request.args.get("b"), history) or latest
    diff = list(difflib.unified_diff(a.yaml.splitlines(), b.yaml.splitlines(), f"revisione {a.number}",
                                     f"revisione {b.number}", lineterm="", n=3))
    path = desk.note_path(event, session)
    disk_changed = latest.state == "submitted" and state.file_digest(path) != latest.disk_digest
    disk_diff = list(difflib.unified_diff(path.read_text("utf-8").splitlines() if path.exists() else [],
                                          latest.yaml.splitlines(), str(path), f"revisione {latest.number}",
                                          lineterm="")) if disk_changed else []
    return await _render(datasette, request, "desk_review.html", {
        "title": f"{event} / {session}", "event": event, "session": session, "history": history,
        "latest": latest, "latest_state": latest_state, "shown": shown, "note": note, "problems": problems, "diff": diff, "a": a, "b": b,
        "disk_changed": disk_changed, "disk_diff": disk_diff, "path": path,
        "notice": notice, "error": error, "when": _when, "markdown": markdown_html,
        "state_label": lambda s: message(f"desk_state_{s}", "it"), "user": _office(request),
        "action_label": lambda a: message(f"desk_action_{a}", "it"),
        "label": lambda name, term: vocab.named(name).label(term, "it") if term in vocab.named(name) else term,
    }, status=status)


def _number(text: str | None, history: list[state.Revision]) -> state.Revision | None:
    if text and text.isdigit():
        return next((r for r in history if r.number == int(text)), None)
    return None


class _DiskConflict(Exception):
    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


async def _decide(datasette, desk: Desk, current: state.Revision, action: str, comment: str, base: int,
                  user: str) -> str:
    """Return, reject or accept a submission; accepting writes the note file."""
    event, session = current.event, current.session
    if action in ("return", "reject"):
        await _write(datasette, lambda conn: state.add_revision(
            conn, event, session, base=base, action=action, yaml=current.yaml, author=user, comment=comment,
            disk_digest=current.disk_digest))
        return message(f"desk_done_{action}", "it")
    path = desk.note_path(event, session)
    note, problems = _preview(current.yaml, desk, event, session)
    if note is None:
        raise _DiskConflict(message("desk_accept_invalid", "it", problems="; ".join(p.message("it") for p in problems[:3])))

    def accept(conn):
        # Checked and written while the desk's one writer holds the database:
        # no other accept can slip in between the check and the write.
        if current.state != "submitted":
            raise state.Conflict("state", current)
        if action != "accept_anyway" and state.file_digest(path) != current.disk_digest:
            raise _DiskConflict(message("desk_disk_changed", "it", path=str(path)))
        revision = state.add_revision(conn, event, session, base=base, action="accept", yaml=current.yaml,
                                      author=user, comment=comment or None, disk_digest=digest(current.yaml))
        write_atomic(path, current.yaml)
        return revision

    await _write(datasette, accept)
    return message("desk_done_accept", "it", path=str(path))


@_need_office
async def office_chapter(datasette, request):
    """The submission's chapter of the proceedings, as the build would write it."""
    from .. import proceedings

    desk = _desk(datasette)
    event_id, session = request.url_vars["event"], request.url_vars["session"]
    history = await _read(datasette, lambda conn: state.revisions(conn, event_id, session))
    shown = _number(request.args.get("rev"), history) or (history[-1] if history else None)
    event = desk.event(event_id)
    note, _ = _preview(shown.yaml, desk, event_id, session) if shown else (None, [])
    if note is None or event is None:
        return await _render(datasette, request, "desk_message.html", {
            "title": "Atti", "text": message("desk_chapter_invalid", "it")}, status=422)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{event_id}-{session}.docx"
        proceedings.write(event, [note], path, followup=load.event_followup(event, [note], load.Problems()), earlier=load.followed_events(event))
        content = path.read_bytes()
    return Response(content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": f'attachment; filename="{event_id}-{session}.docx"'})


@_need_office
async def office_publish(datasette, request):
    """The same build as ``python publish.py``, its result on the page."""
    from ..build import build

    desk = _desk(datasette)
    if request.method != "POST":
        return Response.redirect("/office")
    await _posted(datasette, request)
    async with desk.publishing:
        result = await asyncio.get_running_loop().run_in_executor(None, lambda: build(desk.notes_dir, desk.out_dir))
    if result.ok:
        text = message("published", "it", out=desk.out_dir, summary=summary(result.counts, "it"))
    else:
        text = message("notes_invalid", "it", errors=errors(result.problems, "it"), out=desk.out_dir)
    lines = [p.format("it") for p in sorted(result.problems, key=lambda p: (p.path, p.line, p.column))]
    return await _render(datasette, request, "desk_message.html", {
        "title": "Pubblicazione", "text": text, "lines": lines, "ok": result.ok, "back": "/office"},
        status=200 if result.ok else 422)
