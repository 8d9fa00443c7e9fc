"""The desk's state: ``desk.db``, an SQLite database in the ``--data`` folder.

Nothing here is ever overwritten or deleted. Every save of a draft and every
step of the review is a new row of ``revisions`` (who, when, the comment and
the note's YAML text as it was then); a session's state is that of its latest
revision. Invites and office accounts are rows too; revoking an invite dates
it, it does not remove it.

WAL mode and one short transaction per change: a committed save survives a
closed browser, a restart and a ``kill -9`` of the server. A save names the
revision it was made from; if another save came first, it is refused
(``Conflict``) rather than silently replacing the other one.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..common.files import digest

DATA_DIR = Path("desk")
DATABASE = "desk.db"
SECRET_FILE = "secret"
SECRET_VARIABLE = "OUTCOMES_DESK_SECRET"

# Facilitators and the office move a session through these states.
STATES = ("invited", "draft", "submitted", "returned", "accepted", "rejected")
# The steps that move a note between the facilitator and the office (a save does not).
DECISIONS = ("submit", "return", "reject", "accept")
STATE_AFTER = {"save": "draft", "import": "draft", "submit": "submitted", "return": "returned",
               "reject": "rejected", "accept": "accepted"}
# Which states each action may start from.
ALLOWED_FROM = {
    "save": ("invited", "draft", "returned"),
    "import": ("invited", "draft", "returned"),
    "submit": ("invited", "draft", "returned"),
    "return": ("submitted",),
    "reject": ("submitted",),
    "accept": ("submitted",),
}

PBKDF2_ITERATIONS = 480_000  # Django's and datasette-auth-passwords' choice
LOGIN_WINDOW = 15 * 60  # seconds
LOGIN_FAILURES_ALLOWED = 5

SCHEMA = """
create table if not exists invites (
    id integer primary key,
    event text not null,
    session text not null,
    created text not null,
    expires text not null,
    revoked text,
    email text,
    organisation text,
    lang text,
    title text
);
create table if not exists revisions (
    id integer primary key,
    event text not null,
    session text not null,
    number integer not null,
    action text not null,
    state text not null,
    yaml text not null,
    author text not null,
    organisation text,
    role text,
    at text not null,
    comment text,
    disk_digest text not null,
    unique (event, session, number)
);
create table if not exists users (
    username text primary key,
    password_hash text not null,
    created text not null,
    session_version integer not null default 0
);
create table if not exists outbox (
    id integer primary key,
    kind text not null,
    event text,
    session text,
    recipient text not null,
    lang text not null,
    subject text not null,
    body_text text not null,
    body_html text not null,
    created text not null,
    state text not null default 'queued',
    attempts integer not null default 0,
    next_attempt text not null,
    sent text,
    answer text,
    key text unique
);
create index if not exists outbox_due on outbox (state, next_attempt);
create table if not exists publications (
    id integer primary key,
    event text not null,
    session text not null,
    number integer not null,
    at text not null,
    links text not null,
    unique (event, session, number)
);
create table if not exists login_failures (
    id integer primary key,
    username text not null,
    at real not null,
    address text
);
"""


class Conflict(Exception):
    """A save made from a revision that is no longer the latest, or an action
    the session's state does not allow."""

    def __init__(self, kind: str, latest: Revision | None):
        super().__init__(kind)
        self.kind, self.latest = kind, latest


@dataclass(frozen=True)
class Revision:
    id: int
    event: str
    session: str
    number: int
    action: str
    state: str
    yaml: str
    author: str
    organisation: str | None
    role: str | None
    at: str
    comment: str | None
    disk_digest: str


@dataclass(frozen=True)
class Invite:
    id: int
    event: str
    session: str
    created: str
    expires: str
    revoked: str | None
    email: str | None = None
    organisation: str | None = None
    lang: str | None = None
    title: str | None = None

    def usable(self, now: dt.datetime | None = None) -> bool:
        now = now or utcnow()
        return self.revoked is None and now < dt.datetime.fromisoformat(self.expires)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


# --- The database ----------------------------------------------------------------------


def private_folder(folder: Path) -> None:
    """``folder`` (made if needed) and what it holds, its owner's only: the
    desk's state names facilitators and holds drafts and password hashes."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)


def connect(path: Path) -> sqlite3.Connection:
    """A connection to ``desk.db`` (created if needed, its owner's only, as
    are its WAL files, which SQLite makes with the database's mode) in WAL mode."""
    private_folder(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            file.chmod(0o600)
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    prepare(conn)
    return conn


def prepare(conn: sqlite3.Connection) -> None:
    """WAL, a wait instead of "database is locked", and the tables."""
    conn.execute("pragma journal_mode = wal")
    conn.execute("pragma synchronous = normal")  # in WAL: durable across process crashes
    conn.execute("pragma busy_timeout = 30000")
    conn.executescript(SCHEMA)
    _add_columns(conn, "login_failures", ["address"])  # a desk.db from before failures were counted by address
    _add_columns(conn, "invites", INVITE_EXTRA)  # ... from before invites were mailed
    if "session_version" not in {row[1] for row in conn.execute("pragma table_info(users)")}:  # from before logouts ended sessions
        conn.execute("alter table users add column session_version integer not null default 0")


INVITE_EXTRA = ("email", "organisation", "lang", "title")


def _add_columns(conn: sqlite3.Connection, table: str, names) -> None:
    """The text columns ``names`` that an older ``desk.db`` lacks."""
    columns = {row[1] for row in conn.execute(f"pragma table_info({table})")}
    for name in names:
        if name not in columns:
            conn.execute(f"alter table {table} add column {name} text")


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``: the write lock is taken before the
    revision number is read, so two saves cannot both see themselves as next."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("begin immediate")
        return self.conn

    def __exit__(self, kind, value, traceback):
        self.conn.execute("commit" if kind is None else "rollback")


# --- Revisions -------------------------------------------------------------------------


def _revision(row) -> Revision:
    return Revision(*row)


_REVISION_COLUMNS = "id, event, session, number, action, state, yaml, author, organisation, role, at, comment, disk_digest"


def latest(conn: sqlite3.Connection, event: str, session: str) -> Revision | None:
    row = conn.execute(
        f"select {_REVISION_COLUMNS} from revisions where event = ? and session = ? order by number desc limit 1",
        (event, session),
    ).fetchone()
    return _revision(row) if row else None


def revisions(conn: sqlite3.Connection, event: str, session: str) -> list[Revision]:
    rows = conn.execute(
        f"select {_REVISION_COLUMNS} from revisions where event = ? and session = ? order by number", (event, session)
    ).fetchall()
    return [_revision(row) for row in rows]


def revision(conn: sqlite3.Connection, event: str, session: str, number: int) -> Revision | None:
    row = conn.execute(
        f"select {_REVISION_COLUMNS} from revisions where event = ? and session = ? and number = ?",
        (event, session, number),
    ).fetchone()
    return _revision(row) if row else None


def add_revision(
    conn: sqlite3.Connection,
    event: str,
    session: str,
    *,
    base: int,
    action: str,
    yaml: str,
    author: str,
    disk_digest: str,
    organisation: str | None = None,
    role: str | None = None,
    comment: str | None = None,
    mails=None,
) -> Revision:
    """Append a revision made from revision ``base`` (0: none yet), and queue
    the mails ``mails(revision)`` gives, in the same transaction.

    Raises ``Conflict("stale")`` if another revision came after ``base``,
    ``Conflict("state")`` if the session's state does not allow ``action``.
    ``disk_digest`` is the digest of ``notes/<event>/<session>.yaml`` when
    this submission started: kept from the previous revision unless given.
    """
    with _Transaction(conn):
        current = latest(conn, event, session)
        number = current.number if current else 0
        if number != base:
            raise Conflict("stale", current)
        if (current.state if current else "invited") not in ALLOWED_FROM[action]:
            raise Conflict("state", current)
        digest = disk_digest if (current is None or action == "accept") else current.disk_digest
        conn.execute(
            "insert into revisions (event, session, number, action, state, yaml, author, organisation, role, at,"
            " comment, disk_digest) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (event, session, number + 1, action, STATE_AFTER[action], yaml, author, organisation, role,
             utcnow().isoformat(), comment, digest),
        )
        made = latest(conn, event, session)
        queue(conn, mails(made) if mails else [])
        return made


@dataclass(frozen=True)
class SessionState:
    """A row of the office's list."""

    event: str
    session: str
    state: str
    number: int
    at: str | None
    submitted_by: str | None  # organisation, role
    submitted_at: str | None
    invited: bool
    correcting: bool = False  # a draft saved after the office returned it


def last_decision(history: list[Revision]) -> Revision | None:
    """The latest submit, return, reject or accept of a session's history."""
    return next((r for r in reversed(history) if r.action in DECISIONS), None)


def correcting(current_state: str, decided: str | None) -> bool:
    """A draft saved after the office returned the note: it is being corrected."""
    return current_state == "draft" and decided == "return"


def sessions(conn: sqlite3.Connection) -> list[SessionState]:
    """Every session invited or with revisions, by event and session."""
    keys = conn.execute(
        "select event, session from invites union select event, session from revisions order by 1, 2"
    ).fetchall()
    result = []
    for event, session in keys:
        current = latest(conn, event, session)
        submitted = conn.execute(
            "select organisation, role, at from revisions where event = ? and session = ? and action = 'submit'"
            " order by number desc limit 1",
            (event, session),
        ).fetchone()
        invited = conn.execute("select 1 from invites where event = ? and session = ?", (event, session)).fetchone()
        decided = conn.execute(
            f"select action from revisions where event = ? and session = ? and action in ({', '.join('?' * len(DECISIONS))})"
            " order by number desc limit 1",
            (event, session, *DECISIONS),
        ).fetchone()
        by = ", ".join(part for part in submitted[:2] if part) if submitted else None
        result.append(SessionState(
            event, session, current.state if current else "invited", current.number if current else 0,
            current.at if current else None, by, submitted[2] if submitted else None, bool(invited),
            correcting=bool(current and correcting(current.state, decided[0] if decided else None)),
        ))
    return result


def file_digest(path: Path) -> str:
    return digest(path.read_bytes()) if path.exists() else digest(None)


# --- Invites ---------------------------------------------------------------------------------


def add_invite(conn: sqlite3.Connection, event: str, session: str, days: int, email: str | None = None,
               organisation: str | None = None, lang: str | None = None, title: str | None = None,
               mails=None) -> Invite:
    """A new link to ``event``/``session``; ``mails(invite)`` gives the mails
    it causes (``Mail``), queued in the same transaction."""
    now = utcnow()
    with _Transaction(conn):
        cursor = conn.execute(
            "insert into invites (event, session, created, expires, email, organisation, lang, title)"
            " values (?, ?, ?, ?, ?, ?, ?, ?)",
            (event, session, now.isoformat(), (now + dt.timedelta(days=days)).isoformat(), email, organisation, lang,
             title),
        )
        made = invite(conn, cursor.lastrowid)
        queue(conn, mails(made) if mails else [])
    return made


_INVITE_COLUMNS = "id, event, session, created, expires, revoked, email, organisation, lang, title"


def invite(conn: sqlite3.Connection, invite_id: int) -> Invite | None:
    row = conn.execute(f"select {_INVITE_COLUMNS} from invites where id = ?", (invite_id,)).fetchone()
    return Invite(*row) if row else None


def invites(conn: sqlite3.Connection, event: str, session: str) -> list[Invite]:
    """The session's links, newest first."""
    rows = conn.execute(f"select {_INVITE_COLUMNS} from invites where event = ? and session = ? order by id desc",
                        (event, session)).fetchall()
    return [Invite(*row) for row in rows]


def addressed_invite(conn: sqlite3.Connection, event: str, session: str) -> Invite | None:
    """The newest usable link of the session that has an e-mail address: whom
    the office's decisions are told to."""
    return next((i for i in invites(conn, event, session) if i.email and i.usable()), None)


def extend(conn: sqlite3.Connection, invite_id: int, days: int, mails=None) -> Invite | None:
    """The link valid for ``days`` more days, from its expiry or from now if
    it has expired (a revoked one stays revoked)."""
    with _Transaction(conn):
        made = invite(conn, invite_id)
        if made is None:
            return None
        start = max(utcnow(), dt.datetime.fromisoformat(made.expires))
        conn.execute("update invites set expires = ? where id = ? and revoked is null",
                     ((start + dt.timedelta(days=days)).isoformat(), invite_id))
        made = invite(conn, invite_id)
        if made and made.usable():
            queue(conn, mails(made) if mails else [])
    return made


def resend(conn: sqlite3.Connection, invite_id: int, mails) -> Invite | None:
    """The invitation mailed again (the link is the same)."""
    with _Transaction(conn):
        made = invite(conn, invite_id)
        if made and made.usable():
            queue(conn, mails(made))
    return made


# --- The outbox: mails written with the change that causes them -------------------------------


@dataclass(frozen=True)
class Mail:
    """One mail to one recipient, as queued; ``key`` makes a periodic mail
    (a reminder, a digest) queued once however often it is looked for."""

    kind: str
    recipient: str
    lang: str
    subject: str
    text: str
    html: str
    event: str | None = None
    session: str | None = None
    key: str | None = None


def queue(conn: sqlite3.Connection, mails) -> int:
    """Add ``mails`` to the outbox (inside the caller's transaction); a
    mail whose ``key`` is already there is not queued again."""
    now = utcnow().isoformat()
    count = 0
    for mail in mails:
        count += conn.execute(
            "insert or ignore into outbox (kind, event, session, recipient, lang, subject, body_text, body_html, created,"
            " next_attempt, key) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (mail.kind, mail.event, mail.session, mail.recipient, mail.lang, mail.subject, mail.text, mail.html, now,
             now, mail.key),
        ).rowcount
    return count


def queue_now(conn: sqlite3.Connection, mails) -> int:
    with _Transaction(conn):
        return queue(conn, mails)


def record_publication(conn: sqlite3.Connection, event: str, session: str, number: int, links: str, mails) -> bool:
    """Revision ``number`` of the session is on the public site, with
    ``links``; False (and nothing queued) if that was known already."""
    with _Transaction(conn):
        added = conn.execute(
            "insert or ignore into publications (event, session, number, at, links) values (?, ?, ?, ?, ?)",
            (event, session, number, utcnow().isoformat(), links)).rowcount
        if added:
            queue(conn, mails)
        return bool(added)


def publication(conn: sqlite3.Connection, event: str, session: str) -> tuple[int, str, str] | None:
    """The latest publication of the session: revision number, when, links (JSON)."""
    return conn.execute("select number, at, links from publications where event = ? and session = ?"
                        " order by number desc limit 1", (event, session)).fetchone()


def revoke(conn: sqlite3.Connection, event: str, session: str, invite_id: int | None = None) -> int:
    """Revoke the session's links (or the one ``invite_id``); how many were revoked."""
    sql = "update invites set revoked = ? where event = ? and session = ? and revoked is null"
    params: list = [utcnow().isoformat(), event, session]
    if invite_id is not None:
        sql += " and id = ?"
        params.append(invite_id)
    with _Transaction(conn):
        return conn.execute(sql, params).rowcount


# --- Office accounts -------------------------------------------------------------------------


def hash_password(password: str, salt: str | None = None, iterations: int = PBKDF2_ITERATIONS) -> str:
    """``pbkdf2_sha256$iterations$salt$hash``, the format of Django and
    datasette-auth-passwords, with the standard library's PBKDF2."""
    salt = salt or secrets.token_hex(12)
    key = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(key).decode('ascii')}"


def password_matches(password: str, stored: str) -> bool:
    algorithm, iterations, salt, _ = stored.split("$", 3)
    if algorithm != "pbkdf2_sha256":
        return False
    return hmac.compare_digest(hash_password(password, salt, int(iterations)), stored)


def set_user(conn: sqlite3.Connection, username: str, password: str) -> None:
    with _Transaction(conn):
        conn.execute(
            "insert into users (username, password_hash, created) values (?, ?, ?)"
            " on conflict (username) do update set password_hash = excluded.password_hash,"
            " session_version = users.session_version + 1",  # a new password ends every session
            (username, hash_password(password), utcnow().isoformat()),
        )


def session_version(conn: sqlite3.Connection, username: str) -> int | None:
    """The version an office cookie must carry: logging out and a new
    password move it on, so every earlier cookie stops working."""
    row = conn.execute("select session_version from users where username = ?", (username,)).fetchone()
    return row[0] if row else None


def end_sessions(conn: sqlite3.Connection, username: str) -> None:
    with _Transaction(conn):
        conn.execute("update users set session_version = session_version + 1 where username = ?", (username,))


def locked(conn: sqlite3.Connection, address: str, now: float | None = None) -> bool:
    """Too many failed logins from this client address in the last quarter of
    an hour: then even the right password waits. Counted by address, not by
    account, so that someone guessing cannot lock the office out."""
    now = time.time() if now is None else now
    failures = conn.execute(
        "select count(*) from login_failures where address = ? and at > ?", (address, now - LOGIN_WINDOW)
    ).fetchone()[0]
    return failures >= LOGIN_FAILURES_ALLOWED


def password_hash(conn: sqlite3.Connection, username: str) -> str | None:
    row = conn.execute("select password_hash from users where username = ?", (username,)).fetchone()
    return row[0] if row else None


def verify(password: str, stored: str | None) -> bool:
    """Slow on purpose (PBKDF2), so run it away from the database's writer;
    an unknown name takes as long, so the time does not tell which names exist."""
    matches = password_matches(password, stored or _unknown_user())
    return matches and stored is not None


@cache
def _unknown_user() -> str:
    return hash_password("", "unknown-user")


def begin_attempt(conn: sqlite3.Connection, username: str, address: str, now: float | None = None) -> int | None:
    """A login attempt counted as failed before its password is checked
    (None if the address is locked), in one transaction: twenty at once
    from one address meet the lockout after five, not after all are checked."""
    now = time.time() if now is None else now
    with _Transaction(conn):
        if locked(conn, address, now):
            return None
        return conn.execute("insert into login_failures (username, at, address) values (?, ?, ?)",
                            (username, now, address)).lastrowid


def forget_attempt(conn: sqlite3.Connection, attempt: int) -> None:
    """The attempt succeeded: it is no failure."""
    with _Transaction(conn):
        conn.execute("delete from login_failures where id = ?", (attempt,))


# --- The signing secret ------------------------------------------------------------------------


def secret(data_dir: Path) -> str:
    """``$OUTCOMES_DESK_SECRET``, or ``<data>/secret`` (made on first use,
    readable by its owner only): it signs links and the office's cookie, so
    a new one invalidates them all."""
    if os.environ.get(SECRET_VARIABLE):
        return os.environ[SECRET_VARIABLE]
    path = data_dir / SECRET_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text("ascii").strip()
    with os.fdopen(handle, "w") as file:
        file.write(secrets.token_hex(32) + "\n")
    return path.read_text("ascii").strip()
