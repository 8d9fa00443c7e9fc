"""The desk's mail: what people are told, through a durable outbox.

A mail is a row of ``outbox`` in ``desk.db``, one per recipient, written in
the same transaction as the change that causes it (``state.add_revision``,
``state.add_invite``, ...): a change that is not committed tells nobody, a
committed one is told even if the mail server is down at that moment.

The sender (``deliver_due``) takes each due row, marks it ``sending``,
hands it to the SMTP server and marks it ``sent`` with the server's answer;
a refused or unreachable server puts it back ``queued`` with a later
attempt (doubling, up to an hour), a permanent refusal (5xx) or too many
attempts make it ``failed``, which the office sees and can retry. A row is
never handed over twice unless the office asks: one found still ``sending``
when the sender starts (the desk stopped mid-delivery) becomes ``failed``,
saying it may have been delivered. ``outcomes desk serve`` runs the sender in
the background (``run_sender``); the office's "retry" delivers at once.
"""

from __future__ import annotations

import asyncio
import email.policy
import dataclasses
import datetime as dt
import hashlib
import html
import os
import re
import smtplib
import ssl
import urllib.parse
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from ..common.text import text
from ..messages import current_lang
from . import state

SMTP_URL, MAIL_FROM, OFFICE_EMAIL, DESK_URL = "OUTCOMES_SMTP_URL", "OUTCOMES_MAIL_FROM", "OUTCOMES_OFFICE_EMAIL", "OUTCOMES_DESK_URL"
REMINDER_DAYS, RETRY_SECONDS = "OUTCOMES_REMINDER_DAYS", "OUTCOMES_MAIL_RETRY_SECONDS"
MAX_ATTEMPTS = 10
MAX_WAIT = 3600  # seconds between two attempts at most
KINDS = ("invite", "submitted", "returned", "rejected", "accepted", "published", "reminder", "digest")
DECISION_MAIL = {"submit": "submitted", "return": "returned", "reject": "rejected", "accept": "accepted"}


@dataclasses.dataclass(frozen=True)
class Settings:
    """The mail settings from the environment; without an SMTP URL the desk sends nothing."""

    smtp_url: str | None
    sender: str
    office: tuple[str, ...]
    desk_url: str
    reminder_days: int = 7
    retry_seconds: int = 60

    @property
    def enabled(self) -> bool:
        return bool(self.smtp_url)

    @classmethod
    def from_env(cls, environ=None) -> Settings:
        env = os.environ if environ is None else environ
        office = tuple(a.strip() for a in re.split(r"[,;\s]+", env.get(OFFICE_EMAIL, "")) if a.strip())
        return cls(
            smtp_url=env.get(SMTP_URL) or None,
            sender=env.get(MAIL_FROM) or (office[0] if office else "desk@localhost"),
            office=office,
            desk_url=(env.get(DESK_URL) or "http://127.0.0.1:8002").rstrip("/"),
            reminder_days=_number(env.get(REMINDER_DAYS), 7),
            retry_seconds=_number(env.get(RETRY_SECONDS), 60),
        )


def _number(value: str | None, default: int) -> int:
    return int(value) if value and value.strip().isdigit() else default


# --- Composing -------------------------------------------------------------------------------


def compose(kind: str, recipient: str, lang: str, values: dict, event: str | None = None, session: str | None = None,
            key: str | None = None) -> state.Mail:
    """A mail of ``kind`` in ``lang`` from the catalogue (``mail.<kind>.subject``,
    ``mail.<kind>.body``): the plain text, and HTML made from the same text."""
    values = {name: value for name, value in values.items()}
    subject = text(f"mail.{kind}.subject", lang, **values)
    body = text(f"mail.{kind}.body", lang, **values) + "\n\n" + text("mail.footer", lang, desk=values.get("desk", ""))
    return state.Mail(kind, recipient, lang, subject, body, as_html(body, lang), event, session, key)


_URL = re.compile(r"https?://[^\s<>\"]+")


def as_html(body: str, lang: str) -> str:
    """Paragraphs (blank lines), line breaks and links of the plain text."""
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", body.strip()):
        escaped = html.escape(paragraph)
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return f'<!doctype html>\n<html lang="{lang}"><body>\n' + "\n".join(paragraphs) + "\n</body></html>\n"


def facilitator_mails(settings: Settings, kind: str, invite: state.Invite | None, values: dict,
                      key: str | None = None) -> list[state.Mail]:
    """The mail of ``kind`` to the facilitator of ``invite``, if mail is on and it has an address."""
    if not settings.enabled or invite is None or not invite.email:
        return []
    lang = invite.lang or "it"
    return [compose(kind, invite.email, lang, {"desk": settings.desk_url, **values}, invite.event, invite.session, key)]


def office_mails(settings: Settings, kind: str, values: dict, event: str | None = None, session: str | None = None,
                 key: str | None = None) -> list[state.Mail]:
    """The mail of ``kind`` to each of the office's addresses."""
    if not settings.enabled:
        return []
    lang = current_lang()
    return [compose(kind, address, lang, {"desk": settings.desk_url, **values}, event, session,
                    f"{key}:{address}" if key else None) for address in settings.office]


try:
    import zoneinfo

    ZONE = zoneinfo.ZoneInfo("Europe/Rome")  # the office's
except Exception:  # pragma: no cover - tzdata is a dependency
    ZONE = dt.UTC


def when(iso: str, lang: str) -> str:
    """A moment as people read it (the desk's time zone)."""
    moment = dt.datetime.fromisoformat(iso).astimezone(ZONE)
    return moment.strftime("%d/%m/%Y %H:%M" if lang == "it" else "%Y-%m-%d %H:%M")


# --- Delivering -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Outgoing:
    id: int
    recipient: str
    subject: str
    body_text: str
    body_html: str
    created: str
    attempts: int


def message_of(row: Outgoing, settings: Settings) -> EmailMessage:
    """The e-mail of an outbox row; its Message-ID is the row's, the same at every attempt."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = settings.sender, row.recipient, row.subject
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    host = urllib.parse.urlsplit(settings.desk_url).hostname or "outcomes-desk"
    stamp = hashlib.sha256(f"{row.id}/{row.created}".encode()).hexdigest()[:12]
    mail["Message-ID"] = f"<outbox-{row.id}-{stamp}@{host}>"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(row.body_text)
    mail.add_alternative(row.body_html, subtype="html")
    return mail


def connect_smtp(url: str, timeout: float = 30) -> smtplib.SMTP:
    """``smtp://host:port`` (STARTTLS when the server offers it) or
    ``smtps://user:pass@host:port`` (TLS from the start); logged in if the URL has a user."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "localhost"
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, parts.port or 465, timeout=timeout, context=ssl.create_default_context())
    elif parts.scheme == "smtp":
        client = smtplib.SMTP(host, parts.port or 25, timeout=timeout)
        client.ehlo()
        if client.has_extn("starttls"):
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
    else:
        raise smtplib.SMTPException(f"{SMTP_URL}: {parts.scheme}:// is neither smtp:// nor smtps://")
    if parts.username:
        _login(client, urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or ""))
    return client


def _login(client: smtplib.SMTP, user: str, password: str) -> None:
    """One mechanism, PLAIN or LOGIN, so that a wrong password is the
    server's 535 (not, after smtplib tried every other one, a dropped line)."""
    client.ehlo_or_helo_if_needed()
    offered = client.esmtp_features.get("auth", "").upper().split()
    client.user, client.password = user, password
    for mechanism in ("PLAIN", "LOGIN"):
        if mechanism in offered:
            code, answer = client.auth(mechanism, getattr(client, f"auth_{mechanism.lower()}"))
            return
    client.login(user, password)


def _due(conn, now: str, ids: list[int] | None) -> list[Outgoing]:
    sql = ("select id, recipient, subject, body_text, body_html, created, attempts from outbox"
           " where state = 'queued' and next_attempt <= ?")
    params: list = [now]
    if ids is not None:
        sql += f" and id in ({', '.join('?' * len(ids))})"
        params += ids
    return [Outgoing(*row) for row in conn.execute(sql + " order by id", params).fetchall()]


def _claim(conn, row_id: int) -> bool:
    with state._Transaction(conn):
        return conn.execute("update outbox set state = 'sending' where id = ? and state = 'queued'", (row_id,)).rowcount == 1


def _finish(conn, row: Outgoing, outcome: str, answer: str, retry_seconds: int) -> None:
    now = state.utcnow()
    attempts = row.attempts + 1
    if outcome == "retry" and attempts >= MAX_ATTEMPTS:
        outcome = "failed"
    wait = min(retry_seconds * 2 ** (attempts - 1), MAX_WAIT)
    with state._Transaction(conn):
        conn.execute(
            "update outbox set state = ?, attempts = ?, answer = ?, sent = ?, next_attempt = ? where id = ?",
            ({"sent": "sent", "retry": "queued", "failed": "failed"}[outcome], attempts, answer[:500],
             now.isoformat() if outcome == "sent" else None, (now + dt.timedelta(seconds=wait)).isoformat(), row.id),
        )


def deliver_due(conn, settings: Settings, ids: list[int] | None = None) -> dict[str, int]:
    """Hand every due mail (or those of ``ids``) to the SMTP server once; how many were sent, put back, failed."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    if not settings.enabled:
        return counts
    client = None
    try:
        for row in _due(conn, state.utcnow().isoformat(), ids):
            if not _claim(conn, row.id):
                continue  # another sender took it
            try:
                if client is None:
                    client = connect_smtp(settings.smtp_url)
                outcome, answer = "sent", _send(client, message_of(row, settings), settings.sender, row.recipient)
            except smtplib.SMTPRecipientsRefused as error:
                outcome, answer = "failed", _answer(error)
            except smtplib.SMTPResponseException as error:
                outcome, answer = ("failed" if 500 <= error.smtp_code < 600 else "retry"), _answer(error)
                client = _drop(client)
            except (OSError, smtplib.SMTPException) as error:
                outcome, answer = "retry", _answer(error)
                client = _drop(client)
            _finish(conn, row, outcome, answer, settings.retry_seconds)
            counts[outcome] += 1
            if outcome == "retry" and client is None:
                _postpone(conn, row.id)  # the server is unreachable: the rest wait as long as this one
                break
    finally:
        _drop(client)
    return counts


def _postpone(conn, row_id: int) -> None:
    with state._Transaction(conn):
        conn.execute("update outbox set next_attempt = (select next_attempt from outbox where id = ?)"
                     " where state = 'queued' and next_attempt <= ?", (row_id, state.utcnow().isoformat()))


def _send(client: smtplib.SMTP, mail: EmailMessage, sender: str, recipient: str) -> str:
    """MAIL, RCPT, DATA by hand, to keep the server's answer to the message
    ("250 ... queued as ...") that ``sendmail`` drops."""
    client.ehlo_or_helo_if_needed()
    code, answer = client.mail(sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, answer, sender)
    code, answer = client.rcpt(recipient)
    if code not in (250, 251):
        client.rset()
        raise smtplib.SMTPRecipientsRefused({recipient: (code, answer)})
    code, answer = client.data(mail.as_bytes(policy=email.policy.SMTP))
    return f"{code} {answer.decode('utf-8', 'replace')}".strip()


def _answer(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{who}: {code} {msg.decode('utf-8', 'replace')}" for who, (code, msg) in error.recipients.items())
    if isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
        return f"{error.smtp_code} {message}"
    return f"{type(error).__name__}: {error}"


def _drop(client):
    if client is not None:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return None


def interrupted(conn) -> int:
    """Mails left ``sending`` by a desk that stopped mid-delivery: ``failed``
    (the office decides whether to send again), never sent twice by itself."""
    with state._Transaction(conn):
        return conn.execute("update outbox set state = 'failed', answer = ? where state = 'sending'",
                            ("interrupted while sending: it may have been delivered",)).rowcount


def retry(conn, ids: list[int]) -> int:
    """The office's "retry": failed or waiting mails due now."""
    now = state.utcnow().isoformat()
    with state._Transaction(conn):
        return conn.execute(
            f"update outbox set state = 'queued', next_attempt = ? where id in ({', '.join('?' * len(ids))})"
            " and state in ('queued', 'failed')", [now, *ids]).rowcount


def next_due(conn) -> float | None:
    """Seconds until the next queued mail is due (0 if one is due now)."""
    row = conn.execute("select min(next_attempt) from outbox where state = 'queued'").fetchone()
    if not row or not row[0]:
        return None
    return max(0.0, (dt.datetime.fromisoformat(row[0]) - state.utcnow()).total_seconds())


def outbox(conn, limit: int = 200) -> list[dict]:
    """The latest mails, newest first, as the office's outbox page shows them."""
    columns = ("id", "kind", "event", "session", "recipient", "subject", "created", "state", "attempts", "sent",
               "answer", "next_attempt")
    rows = conn.execute(f"select {', '.join(columns)} from outbox order by id desc limit ?", (limit,)).fetchall()
    return [dict(zip(columns, row, strict=True)) for row in rows]


def last_mails(conn) -> dict[tuple[str, str], dict]:
    """Each session's latest mail (kind, recipient, state, when)."""
    rows = conn.execute(
        "select event, session, kind, recipient, state, coalesce(sent, created) from outbox where id in"
        " (select max(id) from outbox where event is not null group by event, session)").fetchall()
    return {(e, s): {"kind": k, "recipient": r, "state": st, "at": at} for e, s, k, r, st, at in rows}


# --- The sender in the desk's server -------------------------------------------------------------


async def run_sender(data_dir: Path, settings: Settings, wake: asyncio.Event, periodic=None) -> None:
    """Deliver what is due, then sleep until the next mail is due, a change
    queues one (``wake``), or a minute passes; ``periodic(conn)`` queues
    reminders and digests on the way. Runs as long as the desk does."""
    loop = asyncio.get_running_loop()
    conn = state.connect(data_dir / state.DATABASE)
    await loop.run_in_executor(None, interrupted, conn)
    try:
        while True:
            wait = await loop.run_in_executor(None, _round, conn, settings, periodic)
            try:
                await asyncio.wait_for(wake.wait(), timeout=wait)
            except TimeoutError:
                pass
            wake.clear()
    finally:
        conn.close()


def _round(conn, settings: Settings, periodic) -> float:
    if periodic is not None:
        try:
            periodic(conn)
        except Exception as error:  # a broken note must not stop the mail
            print(f"outcomes desk: reminders and digest not queued: {error}", flush=True)
    deliver_due(conn, settings)
    due = next_due(conn)
    return 60.0 if due is None else min(max(due, 0.5), 60.0)
