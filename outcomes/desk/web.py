"""What the desk's pages share: where the desk's state and the notes are
(``Desk``), its limits, rendering, reading a POST, CSRF and the office's actor."""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import os
import urllib.parse
from pathlib import Path

from datasette.utils.asgi import Response
from itsdangerous import BadSignature

from .. import load, publisher
from ..common.text import DEFAULT_LANGUAGE, LANGUAGES, text
from ..messages import message
from . import fields, state
from .mail import DESK_URL, ZONE, Settings

PLUGIN = "outcomes-desk"
DESK_DB = "desk"
INVITE_NAMESPACE = "desk-invite"
OFFICE_HOURS = 12  # the office's login lasts a working day
MAX_POST_BYTES = 2 * 1024 * 1024  # a 100-outcome note is about 200 kB
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a filled Word form is about 60 kB
TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
KIT = Path(__file__).parents[1] / "vendor" / "bootstrap-italia"  # the Designers Italia UI kit, served by the desk
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".woff2": "font/woff2"}


class Desk:
    """Where the desk's state and the notes are, held by the Datasette instance."""

    def __init__(self, notes_dir: Path, data_dir: Path, out_dir: Path):
        self.notes_dir, self.data_dir, self.out_dir = notes_dir, data_dir, out_dir
        self.db_path = data_dir / state.DATABASE
        self.publishing = asyncio.Lock()
        self.mail = Settings.from_env()  # OUTCOMES_SMTP_URL, ...: read once, when the desk starts
        self.mail_waiting = asyncio.Event()  # set after a change queued mail: the sender wakes up
        self.legal = publisher.legal()  # the footer's links and the privacy notice's controller, DPO, retention

    def note_path(self, event: str, session: str) -> Path:
        return self.notes_dir / event / f"{session}.yaml"

    def event(self, event: str) -> load.EventNote | None:
        folder = self.notes_dir / event
        return load.load_event(folder, load.Problems()) if (folder / load.EVENT_FILE).exists() else None



def invite_link(datasette, invite: state.Invite, base_url: str) -> str:
    """The personal link of ``invite``, signed with the desk's secret."""
    token = datasette.sign({"i": invite.id}, INVITE_NAMESPACE)
    return f"{base_url.rstrip('/')}/s/{token}"


def desk_url(desk: Desk, request) -> str:
    """The desk's public address: ``OUTCOMES_DESK_URL``, else the one the request came to."""
    if os.environ.get(DESK_URL):
        return desk.mail.desk_url
    return f"{request.scheme}://{request.host}"


TOO_LARGE = "outcomes.desk.body"  # in the scope: {"cut": True} once a body was cut at the limit


def _desk(datasette) -> Desk | None:
    return getattr(datasette, "_outcomes_desk", None)


def _csrf_ok(datasette, request, posted_token: str | None) -> bool:
    """asgi-csrf's own rule: the form's token equals the signed ``ds_csrftoken`` cookie."""
    cookie = request.cookies.get("ds_csrftoken", "")
    try:
        datasette.unsign(cookie, "csrftoken")
    except BadSignature:
        return False
    return bool(posted_token) and hmac.compare_digest(posted_token, cookie)


# --- Language ---------------------------------------------------------------------------------

LANGUAGE_COOKIE = "desk_lang"


def language(request) -> str:
    """The language a page answers in: the one a link chose (``?lang=en``),
    else the one remembered in the cookie, else the browser's
    ``Accept-Language`` (the first the desk speaks), else Italian."""
    chosen = request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return _accepted(request.headers.get("accept-language", "")) or DEFAULT_LANGUAGE


def _accepted(header: str) -> str | None:
    """The most wanted language of an ``Accept-Language`` header that the desk speaks."""
    wanted = []
    for position, part in enumerate(header.split(",")):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            continue
        wanted.append((-weight, position, tag.strip().lower()[:2]))
    return next((tag for weight, _, tag in sorted(wanted) if tag in LANGUAGES and weight < 0), None)


# --- Common helpers -----------------------------------------------------------------------


def _office(request) -> str | None:
    actor = request.actor or {}
    return actor.get("id") if actor.get("desk") == "office" else None


def _need_office(handler):
    async def view(datasette, request):
        if not _office(request):
            return Response.redirect("/office/login")
        return await handler(datasette, request)

    view.__name__ = handler.__name__
    return view


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
    lang = language(request)
    desk = _desk(datasette)
    context = {"title": "", "lang": lang, "t": lambda key, **values: text(key, lang, **values),
               "legal": desk.legal if desk else publisher.legal(),
               "other_languages": [other for other in LANGUAGES if other != lang],
               "language_names": {other: text("desk.ui_language_name", other) for other in LANGUAGES}, **context}
    if fast:
        html = _render_fast(request, template, context)
    else:
        html = await datasette.render_template(template, context, request=request)
    response = Response.html(html, status=status)
    if request.args.get("lang") in LANGUAGES:  # chosen by a link: remembered for a year
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 24 * 3600, httponly=True, samesite="lax",
                            secure=request.scheme == "https")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = lang
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"  # invite links never leak to other sites
    # Only the desk's own files; the kit's CSS draws its select arrows and
    # check marks as data: SVG images and embeds one icon font; its text fonts come from the desk.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self' data:; img-src 'self' data:; "
        "form-action 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    return response


async def _forbidden(datasette, request, reason: str) -> Response:
    lang = language(request)
    return await _render(datasette, request, "desk_message.html",
                         {"title": text("desk.page_forbidden", lang), "text": message(reason, lang)}, status=403)


async def _read(datasette, fn):
    return await datasette.get_database(DESK_DB).execute_fn(fn)


async def _write(datasette, fn):
    """``fn(conn)`` by the desk's one writer; the sender then looks for mail it queued."""
    result = await datasette.get_database(DESK_DB).execute_write_fn(fn, block=True)
    desk = _desk(datasette)
    if desk is not None:
        desk.mail_waiting.set()
    return result


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


def _when(iso: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    if not iso:
        return ""
    moment = dt.datetime.fromisoformat(iso)
    return moment.astimezone(ZONE).strftime("%d/%m/%Y %H:%M" if lang == "it" else "%Y-%m-%d %H:%M")


try:
    import zoneinfo

    ZONE = zoneinfo.ZoneInfo("Europe/Rome")
except Exception:  # pragma: no cover - tzdata is a dependency
    ZONE = dt.UTC

def _conflict_text(conflict: state.Conflict, lang: str = DEFAULT_LANGUAGE) -> str:
    """Another revision came first (``stale``), or the state forbids the action."""
    latest = conflict.latest
    return message("desk_conflict" if conflict.kind == "stale" else "desk_not_editable", lang,
                   number=latest.number if latest else 0, when=_when(latest.at if latest else None, lang))
