"""The office's invitations and outbox: inviting a facilitator from the
browser (``/office/invite``), resending, extending or revoking a link from
the session's row, and the outbox (``/office/outbox``) with its "retry"."""

from __future__ import annotations

import asyncio
import re

from datasette.utils.asgi import Response

from .. import load
from ..common.text import LANGUAGES, text
from . import mail, notices, state
from .web import _desk, _need_office, _office, _posted, _read, _render, _write, desk_url, invite_link, language

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
DEFAULT_DAYS, EXTEND_DAYS = 30, 30


def events_and_sessions(desk, rows: list[state.SessionState]) -> dict[str, dict]:
    """Each event of the notes folder: its title and the sessions known (notes and desk), by id."""
    found: dict[str, dict] = {}
    for folder in load.event_folders(desk.notes_dir):
        note = desk.event(folder.name)
        if note is None:
            continue
        sessions = {path.stem: path.stem for path in note.session_paths}
        found[folder.name] = {"title": note.event.title, "sessions": sessions}
    for row in rows:
        if row.event in found:
            found[row.event]["sessions"].setdefault(row.session, row.session)
    for event, entry in found.items():
        for session in entry["sessions"]:
            entry["sessions"][session] = notices.titles(desk, event, session)["session_title"]
    return found


def _invite_form(posted: dict, events: dict) -> tuple[dict, list[str]]:
    """The invitation asked for, and what is wrong with it (texts' keys and values)."""
    event = posted.get("event", "")
    session = posted.get("session", "") or posted.get("new_session", "").strip()
    form = {"event": event, "session": session, "new_session": posted.get("new_session", "").strip()[:100],
            "title": posted.get("new_title", "").strip()[:300] or None,
            "email": posted.get("email", "").strip()[:300] or None,
            "organisation": posted.get("organisation", "").strip()[:300] or None,
            "days": posted.get("days", str(DEFAULT_DAYS)).strip(), "lang": posted.get("lang", "it")}
    problems = []
    if event not in events:
        problems.append(("office.invite.no_event", {}))
    if not SLUG.match(session) or len(session) > 100:
        problems.append(("office.invite.bad_session", {"value": session}))
    if form["email"] and not EMAIL.match(form["email"]):
        problems.append(("office.invite.bad_email", {"value": form["email"]}))
    if not form["days"].isdigit() or not 1 <= int(form["days"]) <= 366:
        problems.append(("office.invite.bad_days", {}))
    if form["lang"] not in LANGUAGES:
        form["lang"] = "it"
    return form, problems


@_need_office
async def office_invite(datasette, request):
    desk = _desk(datasette)
    lang = language(request)
    rows = await _read(datasette, state.sessions)
    events = events_and_sessions(desk, rows)
    context = {"title": text("office.invite.title", lang), "events": events, "user": _office(request),
               "mail_on": desk.mail.enabled, "form": {"days": DEFAULT_DAYS, "lang": lang}, "languages": LANGUAGES,
               "chosen": request.args.get("sessione", "")}
    if request.method != "POST":
        return await _render(datasette, request, "desk_invite.html", context)
    form, problems = _invite_form(dict(await _posted(datasette, request) or []), events)
    if problems:
        return await _render(datasette, request, "desk_invite.html", {
            **context, "form": form, "errors": [text(key, lang, **values) for key, values in problems]}, status=422)
    base = desk_url(desk, request)
    made = await _write(datasette, lambda conn: state.add_invite(
        conn, form["event"], form["session"], int(form["days"]), email=form["email"],
        organisation=form["organisation"], lang=form["lang"], title=form["title"],
        mails=notices.invitation(datasette, desk)))
    expires = mail.when(made.expires, lang)
    said = "office.invite.sent" if made.email and desk.mail.enabled else "office.invite.made"
    return await _render(datasette, request, "desk_invite.html", {
        **context, "notice": text(said, lang, session=form["session"], email=made.email or "", expires=expires),
        "link": invite_link(datasette, made, base)})


@_need_office
async def office_invite_action(datasette, request):
    """Resend, extend or revoke one link, from the session's row of the list."""
    desk = _desk(datasette)
    if request.method != "POST":
        return Response.redirect("/office")
    await _posted(datasette, request)
    invite_id, action = int(request.url_vars["invite"]), request.url_vars["action"]
    if action == "resend":
        made = await _write(datasette, lambda conn: state.resend(conn, invite_id, notices.invitation(datasette, desk)))
    elif action == "extend":
        made = await _write(datasette, lambda conn: state.extend(conn, invite_id, EXTEND_DAYS))
    else:
        made = await _read(datasette, lambda conn: state.invite(conn, invite_id))
        if made:
            await _write(datasette, lambda conn: state.revoke(conn, made.event, made.session, invite_id))
    if made is None:
        return Response.redirect("/office")
    return Response.redirect(f"/office?fatto={action}&invito={invite_id}#s-{made.event}-{made.session}")


def action_notice(conn, done: str | None, invite_id: str | None, lang: str) -> str | None:
    """What the list says after a resend, extension or revocation."""
    if done not in ("resend", "extend", "revoke") or not (invite_id or "").isdigit():
        return None
    made = state.invite(conn, int(invite_id))
    if made is None:
        return None
    key = {"resend": "office.invite.resent", "extend": "office.invite.extended", "revoke": "office.invite.revoked"}[done]
    return text(key, lang, email=made.email or "", expires=mail.when(made.expires, lang))


@_need_office
async def office_outbox(datasette, request):
    """Every mail with its state and the server's answer; "retry" delivers at once."""
    desk = _desk(datasette)
    lang = language(request)
    notice = None
    if request.method == "POST":
        posted = dict(await _posted(datasette, request) or [])
        ids = [int(posted["id"])] if posted.get("id", "").isdigit() else None
        notice = await asyncio.get_running_loop().run_in_executor(None, _retry, desk, ids, lang)
    rows = await _read(datasette, mail.outbox)
    return await _render(datasette, request, "desk_outbox.html", {
        "title": text("office.outbox.title", lang), "rows": rows, "user": _office(request),
        "mail_on": desk.mail.enabled, "notice": notice, "when": lambda iso: mail.when(iso, lang) if iso else ""})


def _retry(desk, ids: list[int] | None, lang: str) -> str:
    """Due now and delivered now, on the sender's own connection (not the page's)."""
    conn = state.connect(desk.db_path)
    try:
        if ids is None:
            ids = [row[0] for row in conn.execute("select id from outbox where state in ('queued', 'failed')")]
        count = mail.retry(conn, ids) if ids else 0
        sent = mail.deliver_due(conn, desk.mail, ids)["sent"] if ids else 0
    finally:
        conn.close()
    return text("office.outbox.retried", lang, count=count, sent=sent)
