"""What the desk tells whom, and when: the mails of each change (an invite,
a submission, the office's decisions, a publication) and of the calendar (a
reminder N days after the session, the office's monthly digest of
commitments to follow up). The mails are made here and queued by the
change itself (``state``), delivered by ``mail``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .. import load
from ..common.text import text
from ..publisher import public_url
from . import mail, state
from .web import Desk, _data_of, invite_link

STALE_DAYS = 365  # a commitment with no update for a year is in the digest
OPEN_STATUSES = (None, "proposed", "agreed", "in_progress")  # None: a commitment with no status yet


def titles(desk: Desk, event: str, session: str, yaml_text: str | None = None,
           invite: state.Invite | None = None) -> dict[str, str]:
    """The event's and the session's titles as people know them (ids if none yet)."""
    note = desk.event(event)
    data = _data_of(yaml_text) if yaml_text else {}
    if not data and desk.note_path(event, session).exists():
        data = _data_of(desk.note_path(event, session).read_text("utf-8"))
    title = data.get("title") if isinstance(data.get("title"), str) else None
    return {"event_title": note.event.title if note else event,
            "session_title": title or (invite.title if invite and invite.title else session)}


def expires(invite: state.Invite) -> str:
    return mail.when(invite.expires, invite.lang or "it")


def invitation(datasette, desk: Desk, kind: str = "invite"):
    """The ``mails(invite)`` of a new, resent or extended invite."""
    def mails(invite: state.Invite) -> list[state.Mail]:
        values = {**titles(desk, invite.event, invite.session, invite=invite), "expires": expires(invite),
                  "link": invite_link(datasette, invite, desk.mail.desk_url), "privacy": f"{desk.mail.desk_url}/privacy"}
        return mail.facilitator_mails(desk.mail, kind, invite, values)
    return mails


def decision(datasette, desk: Desk, action: str, invite: state.Invite | None):
    """The ``mails(revision)`` of a step: a submission tells the office; a
    return, a rejection or an acceptance tells the facilitator (with the comment)."""
    kind = mail.DECISION_MAIL.get(action)

    def mails(revision: state.Revision) -> list[state.Mail]:
        if kind is None:
            return []
        values = {**titles(desk, revision.event, revision.session, revision.yaml, invite), "number": revision.number,
                  "comment": revision.comment or ""}
        if kind == "submitted":
            who = ", ".join(part for part in (revision.organisation, revision.role) if part) or "—"
            link = f"{desk.mail.desk_url}/office/{revision.event}/{revision.session}"
            return mail.office_mails(desk.mail, kind, {**values, "who": who, "link": link}, revision.event,
                                     revision.session)
        link = invite_link(datasette, invite, desk.mail.desk_url) if invite else desk.mail.desk_url
        return mail.facilitator_mails(desk.mail, kind, invite, {**values, "link": link})
    return mails


def public_links(desk: Desk, event: str, session: str) -> list[dict] | None:
    """The permanent public addresses of a session and its public outcomes,
    from its note as accepted; None if the session is not public."""
    problems = load.Problems()
    note = load.load_session(desk.note_path(event, session), desk.event(event), problems)
    if note is None or not note.session.public:
        return None
    base = public_url() + "outcomes/"
    links = [{"title": note.session.title, "url": f"{base}sessions/{note.key}"}]
    links += [{"title": o.title, "url": f"{base}outcomes/{note.key}--{o.id}"} for o in note.session.outcomes if o.public]
    return links


def publications(datasette, desk: Desk, rows: list[state.SessionState]) -> list[tuple]:
    """After a build: each accepted session not yet known as published, its
    links and the mail that tells its facilitator (``state.record_publication``)."""
    found = []
    for row in rows:
        if row.state != "accepted":
            continue
        links = public_links(desk, row.event, row.session)
        if links is None:
            continue
        found.append((row, links))
    return found


def publication_mails(datasette, desk: Desk, row: state.SessionState, links: list[dict],
                      invite: state.Invite | None) -> list[state.Mail]:
    values = {**titles(desk, row.event, row.session, invite=invite),
              "links": "\n".join(f"{link['title']}\n{link['url']}" for link in links)}
    key = f"published:{row.event}/{row.session}/{row.number}"
    return mail.facilitator_mails(desk.mail, "published", invite, values, key=key)


def record_published(conn, datasette, desk: Desk, row: state.SessionState, links: list[dict]) -> bool:
    invite = state.addressed_invite(conn, row.event, row.session)
    return state.record_publication(conn, row.event, row.session, row.number, json.dumps(links, ensure_ascii=False),
                                    publication_mails(datasette, desk, row, links, invite))


# --- The calendar --------------------------------------------------------------------------------


def session_date(desk: Desk, conn, invite: state.Invite) -> dt.date:
    """When the session took place, as its draft or note says; else the day of the invite."""
    current = state.latest(conn, invite.event, invite.session)
    data = _data_of(current.yaml) if current else {}
    path = desk.note_path(invite.event, invite.session)
    if not data.get("date") and path.exists():
        data = _data_of(path.read_text("utf-8"))
    try:
        return dt.date.fromisoformat(str(data.get("date")))
    except ValueError:
        return dt.date.fromisoformat(invite.created[:10])


def reminders(conn, datasette, desk: Desk, today: dt.date | None = None) -> list[state.Mail]:
    """A reminder to each facilitator who has not submitted ``reminder_days``
    after the session, while the link is valid: once per link (its key)."""
    today = today or state.utcnow().date()
    found = []
    for (invite_id,) in conn.execute("select id from invites where email is not null and revoked is null").fetchall():
        invite = state.invite(conn, invite_id)
        if not invite.usable() or _submitted(conn, invite):
            continue
        days = (today - session_date(desk, conn, invite)).days
        if days < desk.mail.reminder_days:
            continue
        values = {**titles(desk, invite.event, invite.session, invite=invite), "days": days,
                  "expires": expires(invite), "link": invite_link(datasette, invite, desk.mail.desk_url)}
        found += mail.facilitator_mails(desk.mail, "reminder", invite, values, key=f"reminder:{invite.id}")
    return found


def _submitted(conn, invite: state.Invite) -> bool:
    return conn.execute("select 1 from revisions where event = ? and session = ? and action = 'submit'",
                        (invite.event, invite.session)).fetchone() is not None


def overdue_commitments(notes_dir: Path, today: dt.date) -> list[dict]:
    """Open commitments past their due date or with no update for a year
    (public and internal: the digest is the office's)."""
    found = []
    problems = load.Problems()
    for event in load.events(notes_dir, problems):
        sessions = list(event.sessions(problems))
        refs = {ref.key: ref for note in sessions for ref in load.outcome_refs(note)}
        followup = load.event_followup(event, sessions, problems)
        timelines = followup.timelines(refs, public=False) if followup else {}
        for note in sessions:
            for outcome in note.session.outcomes:
                ref = f"{note.id}/{outcome.id}"
                updates = timelines.get(ref, [])
                status = updates[-1].status if updates else outcome.status
                if outcome.type != "commitment" or status not in OPEN_STATUSES:
                    continue
                updated = updates[-1].date if updates else None
                since = updated or note.session.date
                if (outcome.due and outcome.due < today) or (today - since).days > STALE_DAYS:
                    found.append({"event": event.id, "ref": ref, "title": outcome.title, "owner": outcome.owner or "—",
                                  "due": outcome.due.isoformat() if outcome.due else "—", "updated": updated})
    return found


def digest(desk: Desk, today: dt.date | None = None) -> list[state.Mail]:
    """The office's digest of the month (once per month and address: its key), if anything is overdue."""
    today = today or state.utcnow().date()
    if not desk.mail.enabled or not desk.mail.office:
        return []
    found = overdue_commitments(desk.notes_dir, today)
    if not found:
        return []
    lang = mail.current_lang()
    lines = "\n".join(text("mail.digest.line", lang, **{**item, "updated": item["updated"].isoformat()
                                                         if item["updated"] else text("mail.never", lang)})
                      for item in found)
    month = today.strftime("%Y-%m")
    return mail.office_mails(desk.mail, "digest", {"count": len(found), "lines": lines, "month": month},
                             key=f"digest:{month}")


def periodic(datasette, desk: Desk, every: float = 3600):
    """The sender's ``periodic(conn)``: reminders and the digest, looked for once an hour."""
    last = {"at": None}

    def queue(conn) -> None:
        now = state.utcnow()
        if last["at"] is not None and (now - last["at"]).total_seconds() < every:
            return
        last["at"] = now
        state.queue_now(conn, [*reminders(conn, datasette, desk), *digest(desk)])
    return queue
