"""The office's pages: login, the list, reviewing a note (return, reject,
accept), the chapter preview and publishing."""

from __future__ import annotations

import asyncio
import difflib
import tempfile
import time
from pathlib import Path

from datasette.utils import baseconv
from datasette.utils.asgi import Response

from .. import deploy, load, vocab, yamltext
from ..common.files import digest, write_atomic
from ..common.markdown import markdown_html
from ..messages import errors, message, summary
from ..common.text import text
from . import fields, mail, notices, state
from .invites import EXTEND_DAYS, action_notice
from .web import (
    OFFICE_HOURS, Desk, _conflict_text, _desk, _need_office, _office, _posted, _read, _render, _when, _write, desk_url, invite_link, language,
)  # fmt: skip


# --- The office -------------------------------------------------------------------------------


def _actor_cookie(datasette, username: str, version: int) -> str:
    """Signed, for a working day, with the account's session version (``app.current_sessions_only``)."""
    expires = baseconv.base62.encode(int(time.time()) + OFFICE_HOURS * 3600)
    return datasette.sign({"a": {"id": username, "desk": "office", "v": version}, "e": expires}, "actor")


async def office_login(datasette, request):
    lang = language(request)
    error = None
    status = 200
    if request.method == "POST":
        posted = dict(await _posted(datasette, request) or [])
        username, password = posted.get("username", "")[:200], posted.get("password", "")[:1000]
        result = await _login(datasette, username, password, _client_address(request))
        if result == "ok":
            version = await _read(datasette, lambda conn: state.session_version(conn, username))
            response = Response.redirect("/office")
            response.set_cookie("ds_actor", _actor_cookie(datasette, username, version), httponly=True, samesite="strict",
                                secure=request.scheme == "https")
            return response
        error = message("desk_login_locked" if result == "locked" else "desk_login_wrong", lang)
        status = 429 if result == "locked" else 401
    return await _render(datasette, request, "desk_login.html", {"title": message("desk_ui_login_title", lang), "error": error},
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
    """``ok``, ``wrong`` or ``locked``; the attempt is counted before the
    password is checked, and the slow hash is checked in a worker thread, so
    a login never holds up the facilitators' saves."""
    attempt = await _write(datasette, lambda conn: state.begin_attempt(conn, username, address))
    if attempt is None:
        return "locked"
    stored = await _read(datasette, lambda conn: state.password_hash(conn, username))
    if await asyncio.get_running_loop().run_in_executor(None, state.verify, password, stored):
        await _write(datasette, lambda conn: state.forget_attempt(conn, attempt))
        return "ok"
    return "wrong"


async def office_logout(datasette, request):
    response = Response.redirect("/office/login")
    if request.method == "POST":
        user = _office(request)
        if user:  # every cookie of the account ends, also one copied elsewhere
            await _write(datasette, lambda conn: state.end_sessions(conn, user))
        response.set_cookie("ds_actor", "", expires=0)
    return response


@_need_office
async def office_list(datasette, request):
    """Events and sessions by title, state, who, when and the last mail;
    ``?stato=`` filters by state; how many wait for review."""
    desk = _desk(datasette)
    lang = language(request)
    rows, mails, invites, notice = await _read(datasette, lambda conn: (
        state.sessions(conn), mail.last_mails(conn), _latest_invites(conn),
        action_notice(conn, request.args.get("fatto"), request.args.get("invito"), lang)))
    chosen = request.args.get("stato") if request.args.get("stato") in (*state.STATES, "correcting") else None
    waiting = sum(row.state == "submitted" for row in rows)
    events: dict[str, list] = {}
    for row in rows:
        shown = "correcting" if row.correcting else row.state
        if chosen is None or shown == chosen or (chosen == "returned" and row.correcting):
            events.setdefault(row.event, []).append(row)
    base = desk_url(desk, request)
    extra = {}
    for row in (row for rows in events.values() for row in rows):
        invite = invites.get((row.event, row.session))
        current = await _read(datasette, lambda conn, row=row: state.latest(conn, row.event, row.session))
        extra[(row.event, row.session)] = {
            "title": notices.titles(desk, row.event, row.session, current.yaml if current else None, invite)["session_title"],
            "who": ", ".join(p for p in (invite.organisation, invite.email) if p) if invite else "",
            "invite": invite, "mail": mails.get((row.event, row.session)),
            "link": invite_link(datasette, invite, base) if invite and invite.usable() else None}
    return await _render(datasette, request, "desk_office.html", {
        "title": text("office.nav.sessions", lang), "events": events, "when": lambda iso: _when(iso, lang), "user": _office(request),
        "event_titles": {event: notices.titles(desk, event, "")["event_title"] for event in events},
        "extra": extra, "waiting": waiting, "states": (*state.STATES, "correcting"), "chosen": chosen or "",
        "mail_on": desk.mail.enabled, "notice": notice, "extend_days": EXTEND_DAYS,
        "state_label": lambda s: message(f"desk_state_{s}", lang),
        "published": request.args.get("pubblicato"),
    })


def _latest_invites(conn) -> dict[tuple[str, str], state.Invite]:
    """Each session's newest link."""
    rows = conn.execute("select event, session, max(id) from invites group by event, session").fetchall()
    return {(event, session): state.invite(conn, invite_id) for event, session, invite_id in rows}


def _preview(text: str, desk: Desk, event: str, session: str) -> tuple[load.SessionNote | None, list[load.Problem]]:
    problems = load.Problems()
    note = load.load_session(desk.note_path(event, session), desk.event(event), problems, text.encode("utf-8"))
    return note, problems


@_need_office
async def office_review(datasette, request):
    lang = language(request)
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
            error, status = message("desk_not_editable", lang), 409
        elif action in ("return", "reject") and not comment:
            error, status = message("desk_comment_needed", lang), 422
        else:
            try:
                notice = await _decide(datasette, desk, current, action, comment, base, _office(request), lang)
            except state.Conflict as conflict:
                error, status = _conflict_text(conflict, lang), 409
            except _DiskConflict as conflict:
                error, status = conflict.text, 409
        history = await _read(datasette, lambda conn: state.revisions(conn, event, session))
    if not history:
        return await _render(datasette, request, "desk_message.html", {
            "title": f"{event} / {session}", "text": message("desk_nothing_yet", lang)}, status=404)
    latest = history[-1]
    decided = state.last_decision(history)
    latest_state = "correcting" if state.correcting(latest.state, decided.action if decided else None) else latest.state
    shown = _number(request.args.get("rev"), history) or latest
    note, problems = _preview(shown.yaml, desk, event, session)
    b = _number(request.args.get("b"), history) or latest
    chosen = _number(request.args.get("a"), history)
    a = chosen or _previous_submission(history, b)
    first = a is None  # nothing sent before: nothing to compare with
    a = a or b
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
        "notice": notice, "error": error, "when": lambda iso: _when(iso, lang), "markdown": markdown_html,
        "state_label": lambda s: message(f"desk_state_{s}", lang), "user": _office(request),
        "action_label": lambda a: message(f"desk_action_{a}", lang),
        "first": first, "text": lambda kind, **kw: message(kind, lang, **kw), "field": lambda path: _field_label(path, lang),
        "label": lambda name, term: vocab.vocabulary(name).label(term, lang) if term in vocab.vocabulary(name) else term,
    }, status=status)


def _previous_submission(history: list[state.Revision], b: state.Revision) -> state.Revision | None:
    """What the office saw sent before ``b``: the submission before the one
    ``b`` holds (a return or an acceptance holds its submission's text), or
    for a draft the last one sent; None for a first submission."""
    sent = [r for r in history if r.action == "submit" and r.number <= b.number]
    if b.state != "draft" and sent:
        sent = sent[:-1]
    return sent[-1] if sent else None


def _field_label(path: str, lang: str) -> str:
    """A field's title in the form (``room``, ``outcomes.status``), from the models."""
    top, _, inner = path.partition(".")
    control = next(c for c in fields.session_controls() if c.key == top)
    return fields.label(control.control(inner) if inner else control, lang)


def _number(text: str | None, history: list[state.Revision]) -> state.Revision | None:
    if text and text.isdigit():
        return next((r for r in history if r.number == int(text)), None)
    return None


class _DiskConflict(Exception):
    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


async def _decide(datasette, desk: Desk, current: state.Revision, action: str, comment: str, base: int,
                  user: str, lang: str) -> str:
    """Return, reject or accept a submission; accepting writes the note file."""
    event, session = current.event, current.session
    invite = await _read(datasette, lambda conn: state.addressed_invite(conn, event, session))
    mails = notices.decision(datasette, desk, "accept" if action == "accept_anyway" else action, invite)
    if action in ("return", "reject"):
        await _write(datasette, lambda conn: state.add_revision(
            conn, event, session, base=base, action=action, yaml=current.yaml, author=user, comment=comment,
            disk_digest=current.disk_digest, mails=mails))
        return message(f"desk_done_{action}", lang)
    path = desk.note_path(event, session)
    note, problems = _preview(current.yaml, desk, event, session)
    if note is None:
        raise _DiskConflict(message("desk_accept_invalid", lang, problems="; ".join(p.message(lang) for p in problems[:3])))

    def accept(conn):
        # Checked and written while the desk's one writer holds the database:
        # no other accept can slip in between the check and the write.
        if current.state != "submitted":
            raise state.Conflict("state", current)
        if action != "accept_anyway" and state.file_digest(path) != current.disk_digest:
            raise _DiskConflict(message("desk_disk_changed", lang, path=str(path)))
        revision = state.add_revision(conn, event, session, base=base, action="accept", yaml=current.yaml,
                                      author=user, comment=comment or None, disk_digest=digest(current.yaml),
                                      mails=mails)
        write_atomic(path, current.yaml)
        return revision

    await _write(datasette, accept)
    return message("desk_done_accept", lang, path=str(path))


@_need_office
async def office_chapter(datasette, request):
    """The submission's chapter of the proceedings, as the build would write it."""
    lang = language(request)
    from .. import proceedings

    desk = _desk(datasette)
    event_id, session = request.url_vars["event"], request.url_vars["session"]
    history = await _read(datasette, lambda conn: state.revisions(conn, event_id, session))
    shown = _number(request.args.get("rev"), history) or (history[-1] if history else None)
    event = desk.event(event_id)
    note, _ = _preview(shown.yaml, desk, event_id, session) if shown else (None, [])
    if note is None or event is None:
        return await _render(datasette, request, "desk_message.html", {
            "title": message("desk_ui_chapter", lang), "text": message("desk_chapter_invalid", lang)}, status=422)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{event_id}-{session}.docx"
        proceedings.write(event, [note], path, followup=load.event_followup(event, [note], load.Problems()), earlier=load.followed_events(event))
        content = path.read_bytes()
    return Response(content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": f'attachment; filename="{event_id}-{session}.docx"'})


@_need_office
async def office_publish(datasette, request):
    """The same build as ``python publish.py`` (PDF editions included: one
    without would remove them), its result on the page."""
    from ..build import build
    from ..proceedings.pdf import PdfError

    lang = language(request)
    desk = _desk(datasette)
    if request.method != "POST":
        return Response.redirect("/office")
    await _posted(datasette, request)
    try:
        async with desk.publishing:
            result = await asyncio.get_running_loop().run_in_executor(None, lambda: build(desk.notes_dir, desk.out_dir, pdf=True))
            deployed = await _deploy(desk, lang) if result.ok else None
    except PdfError as error:
        return await _render(datasette, request, "desk_message.html", {
            "title": message("desk_ui_publication", lang), "text": message("pdf_failed", lang, reason=error.reason(lang), out=desk.out_dir),
            "lines": [],
            "ok": False, "back": "/office"}, status=500)
    if result.ok:
        await _tell_published(datasette, desk)
        text = message("published", lang, out=desk.out_dir, summary=summary(result.counts, lang))
    else:
        text = message("notes_invalid", lang, errors=errors(result.problems, lang), out=desk.out_dir)
    lines = [p.format(lang) for p in sorted(result.problems, key=yamltext.report_order)]
    ok = result.ok and (deployed is None or deployed.ok)
    if deployed is not None:
        text += " " + deployed.summary(desk.out_dir, lang)
        lines += deployed.lines[-deploy.LINES_SHOWN:]
    return await _render(datasette, request, "desk_message.html", {
        "title": message("desk_ui_publication", lang), "text": text, "lines": lines, "ok": ok, "back": "/office"},
        status=200 if ok else 422 if not result.ok else 502)


async def _deploy(desk: Desk, lang: str):
    """The configured deploy command after a good build (None if there is
    none), its output logged on the server's standard error too."""
    import sys

    command = deploy.configured()
    if command is None:
        return None
    return await asyncio.get_running_loop().run_in_executor(
        None, lambda: deploy.run(desk.out_dir, command, lang, echo=lambda line: print(line, file=sys.stderr)))


async def _tell_published(datasette, desk: Desk) -> None:
    """Each accepted session now on the site: its links, kept for the
    facilitator's page, and the mail that tells the facilitator (once per revision)."""
    rows = await _read(datasette, state.sessions)
    found = await asyncio.get_running_loop().run_in_executor(
        None, notices.publications, datasette, desk, rows)
    for row, links in found:
        await _write(datasette, lambda conn, row=row, links=links: notices.record_published(conn, datasette, desk, row, links))
