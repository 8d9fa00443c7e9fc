"""The facilitator's pages: the invite link, the form, saving and submitting,
uploading a Word form or a YAML note."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

from datasette.app import Datasette
from datasette.utils.asgi import NotFound, Response
from itsdangerous import BadSignature

from .. import load
from ..common.text import text
from ..intake import IntakeError
from ..messages import message
from . import fields, notices, state
from .web import (
    INVITE_NAMESPACE, KIT, MAX_POST_BYTES, MAX_UPLOAD_BYTES, STATIC, STATIC_TYPES, Desk, _csrf_ok, _cut, _data_of, _desk, _facilitator_of,
    _forbidden, _office, _posted, _read, _render, _when, _write, _conflict_text, invite_link, language,
)  # fmt: skip

UPLOAD_SECONDS = 20  # reading an upload and checking it


# --- Pages ---------------------------------------------------------------------------------


async def home(datasette, request):
    return Response.redirect("/office" if _office(request) else "/office/login")


async def static(datasette, request):
    """The desk's own CSS and JavaScript, and the Designers Italia kit's
    (``/desk-static/kit/...``): every file from the desk's origin, none from a CDN."""
    if "kit" in request.url_vars:
        path, cache = KIT / request.url_vars["kit"], "max-age=86400"  # the kit changes with its vendored version
    else:
        path, cache = STATIC / request.url_vars["name"], "max-age=300"
    if not path.is_file() or path.suffix not in STATIC_TYPES:
        raise NotFound(request.path)
    return Response(path.read_bytes(), content_type=STATIC_TYPES[path.suffix], headers={"Cache-Control": cache})


async def privacy(datasette, request):
    """The desk's privacy notice for facilitators (GDPR art. 13): what the desk
    keeps about them, why, for how long, who sees it; from the office's legal settings."""
    return await _render(datasette, request, "desk_privacy.html", {"title": text("desk.privacy.title", language(request))})


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
    lang = language(request)
    desk = _desk(datasette)
    event = desk.event(invite.event)
    history = await _read(datasette, lambda conn: state.revisions(conn, invite.event, invite.session))
    current_state = page.latest.state if page.latest else "invited"
    # The office's comment stays in view while it is being answered: after a
    # return, through the drafts saved, until the note is submitted again.
    decided = state.last_decision(history)
    office_comment = decided if decided and decided.action in ("return", "reject") else None
    published = await _read(datasette, lambda conn: state.publication(conn, invite.event, invite.session))
    lang = language(request)
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
        "published": {"at": published[1], "links": json.loads(published[2])}
        if published and page.latest and page.latest.state == "accepted" else None,
        "t": lambda key, **values: text(key, lang, **values),
        "unknown": fields.unknown(page.data),
        "notice": page.notice,
        "error": page.error,
        "controls": fields.session_controls(),
        "f": fields,
        "terms": fields.terms,
        "when": lambda iso: _when(iso, lang),
        "messages": lambda kind, **kw: message(kind, lang, **kw),
        "action_url": f"/s/{request.url_vars['token']}",
        "max_upload_mb": MAX_UPLOAD_BYTES // 2**20,
        "undo": page.latest.number - 1 if page.latest and page.latest.action == "import" and page.latest.number > 1
        and current_state in state.ALLOWED_FROM["save"] else None,
        "confirm": None,
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
    if not rows and key == "facilitators":  # the form always shows one, blank
        rows = [{}]
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
    lang = language(request)
    invite = await _invite(datasette, request)
    if isinstance(invite, str):
        return await _forbidden(datasette, request, invite)
    desk = _desk(datasette)
    event = desk.event(invite.event)
    current = await _read(datasette, lambda conn: state.latest(conn, invite.event, invite.session))
    if request.method != "POST":
        data = _data_of(current.yaml) if current else _starting_data(desk, invite)
        checked = fields.check(data, event, invite.event, invite.session, lang) if current else None
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
            error=message(error.kind, lang, place=fields.place(error.name, lang), limit=error.limit)), status=413)
    if action == "check":  # as the facilitator types, with JavaScript
        checked = fields.check(data, event, invite.event, invite.session, lang)
        return Response.json({"errors": checked.by_control,
                              "summary": [{"anchor": a, "place": p, "message": m} for a, p, m in checked.summary]})
    if action.startswith("restore:"):
        return await _restore(datasette, request, invite, current, action, base)
    if action not in ("save", "submit"):
        # A row added, removed or moved is saved too (a phone's page comes back at the row,
        # desk.js swaps the group in place). Checked before a row is added (a blank row is
        # not yet a mistake), after one is moved.
        checked = fields.check(data, event, invite.event, invite.session, lang) if action.startswith("add:") else None
        data = _apply(action, data)
        checked = checked or fields.check(data, event, invite.event, invite.session, lang)
        action = "save"
    else:
        checked = fields.check(data, event, invite.event, invite.session, lang)
    if action == "submit" and not checked.ok:
        return await _facilitator_page(datasette, request, invite, _Page(
            data, checked, current, base, error=message("desk_cannot_submit", lang)), status=422)
    try:
        saved = await _save(datasette, invite, data, checked, base, action, posted.get("comment") or None)
    except state.Conflict as conflict:
        return await _facilitator_page(datasette, request, invite, _Page(
            data, checked, conflict.latest, base, error=_conflict_text(conflict, lang)), status=409)
    notice = message("desk_submitted" if action == "submit" else "desk_saved", lang, number=saved.number, when=_when(saved.at, lang))
    dropped = fields.unknown(_data_of(current.yaml)) if current else []
    if dropped:  # said once, after the page had shown them with a warning
        notice += " " + message("desk_unknown_dropped", lang, fields=", ".join(f"«{u.where}»" for u in dropped))
    return await _facilitator_page(datasette, request, invite, _Page(data, checked, saved, saved.number, notice=notice))


async def _save(datasette, invite: state.Invite, data: dict, checked: fields.Checked, base: int, action: str,
                comment: str | None, text: str | None = None) -> state.Revision:
    """A facilitator's revision (save, submit or import) of the note ``checked``
    was made from (or of ``text``, an earlier revision's own); raises ``state.Conflict``."""
    desk = _desk(datasette)
    organisation, role = _facilitator_of(data)
    disk = state.file_digest(desk.note_path(invite.event, invite.session))
    mails = notices.decision(datasette, desk, action, invite)
    return await _write(datasette, lambda conn: state.add_revision(
        conn, invite.event, invite.session, base=base, action=action, yaml=text or checked.text, author="facilitatore",
        organisation=organisation, role=role, disk_digest=disk, comment=comment, mails=mails))



def _starting_data(desk: Desk, invite: state.Invite) -> dict:
    """A new draft starts from the session's note if there is one already."""
    path = desk.note_path(invite.event, invite.session)
    if path.exists():
        return _data_of(path.read_text("utf-8"))
    return {"title": invite.title} if invite.title else {}  # the title the office gave a new session


async def _too_large(datasette, request, invite, current, limit: int = MAX_POST_BYTES) -> Response:
    lang = language(request)
    data = _data_of(current.yaml) if current else {}
    return await _facilitator_page(datasette, request, invite, _Page(
        data, None, current, current.number if current else 0,
        error=message("desk_too_large", lang, limit=f"{limit / 2**20:.0f}")), status=413)


async def upload(datasette, request):
    """A filled Word form or a YAML note, read by the same code as
    ``outcomes import`` and the loader, becomes a revision of the draft."""
    lang = language(request)
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
    if form.get("confirm") == "1":  # "Sostituisci la bozza": the note the confirmation carried
        name, content, kind = form.get("name", ""), form.get("yaml", "").encode("utf-8"), "yaml"
    else:
        upload_file = files.get("file")
        if upload_file is None or not upload_file[1]:
            return await _upload_error(datasette, request, invite, current, message("desk_upload_empty", lang))
        name, content = upload_file
        if len(content) > MAX_UPLOAD_BYTES:
            return await _too_large(datasette, request, invite, current, MAX_UPLOAD_BYTES)
        kind = _file_kind(name, content)
        if kind is None:
            return await _upload_error(datasette, request, invite, current, message("desk_upload_kind", lang, file=name))
    event = desk.event(invite.event)
    try:
        data, text, checked = await asyncio.wait_for(asyncio.to_thread(
            _read_upload, kind, name, content, desk.note_path(invite.event, invite.session), current, event, lang), UPLOAD_SECONDS)
    except TimeoutError:
        return await _upload_error(datasette, request, invite, current, message(
            "limits.desk_upload_slow", lang, file=name, limit=UPLOAD_SECONDS), status=413)
    except IntakeError as error:
        return await _upload_error(datasette, request, invite, current, message(error.kind, lang, **error.context))
    except fields.TooLong as error:
        return await _upload_error(datasette, request, invite, current, message(
            error.kind, lang, place=fields.place(error.name, lang), limit=error.limit), status=413)
    base = int(form["base"]) if form.get("base", "").isdigit() else -1
    draft = _data_of(current.yaml) if current else {}
    if draft and form.get("confirm") != "1":  # a filled draft is replaced only when the facilitator says so
        confirm = {"file": name, "yaml": text, "number": current.number,
                   "changes": _changes(draft, data, lang) or message("desk_upload_same_fields", lang)}
        return await _facilitator_page(datasette, request, invite, _Page(
            draft, fields.check(draft, event, invite.event, invite.session, lang), current, base, extra={"confirm": confirm}))
    try:
        saved = await _save(datasette, invite, data, checked, base, "import",
                            message("desk_imported_from", lang, file=name))
    except state.Conflict as conflict:
        return await _upload_error(datasette, request, invite, conflict.latest, _conflict_text(conflict, lang))
    notice = message("desk_uploaded", lang, file=name, number=saved.number)
    return await _facilitator_page(datasette, request, invite, _Page(data, checked, saved, saved.number, notice=notice))


async def word_form(datasette, request):
    """The session's Word form (``outcomes form``), for filling in offline and uploading back."""
    from ..intake.form import FormRequest, write_form

    invite = await _invite(datasette, request)
    if isinstance(invite, str):
        return await _forbidden(datasette, request, invite)
    event = _desk(datasette).event(invite.event)
    kind = _data_of(current.yaml).get("kind") if (current := await _read(
        datasette, lambda conn: state.latest(conn, invite.event, invite.session))) else None
    with tempfile.TemporaryDirectory() as folder:
        path = write_form(Path(folder) / "scheda.docx", FormRequest(
            invite.event, invite.session, event.event if event else None, kind if kind in ("plenary", "workshop") else None))
        content = path.read_bytes()
    return Response(content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": f'attachment; filename="scheda-{invite.session}.docx"',
                             "Cache-Control": "no-store"})


def _file_kind(name: str, content: bytes) -> str | None:
    """``word`` (a .docx: a zip), ``yaml`` (a .yaml/.yml that is text), or None:
    a PDF, an old .doc, a .txt... are not read as YAML and emptied into the draft."""
    suffix = Path(name).suffix.lower()
    if suffix == ".docx" and content[:4] == b"PK\x03\x04":
        return "word"
    if suffix in (".yaml", ".yml") and not content.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        return "yaml"
    return None


def _changes(draft: dict, data: dict, lang: str) -> str:
    """What replacing ``draft`` by ``data`` changes, in the form's words: the
    title, and how many rows each list (facilitators, outcomes...) holds."""
    said = []
    title = fields.session_controls()[0]
    if draft.get(title.key) != data.get(title.key):
        said.append(f"{fields.label(title, lang)}: «{fields.display(draft.get(title.key))}» → «{fields.display(data.get(title.key))}»")
    for control in fields.session_controls():
        if isinstance(control, fields.Group) or control.widget == "counts":
            count = fields.rows if isinstance(control, fields.Group) else fields.count_rows
            before, after = len(count(draft, control.key)), len(count(data, control.key))
            if before != after:
                said.append(f"{fields.label(control, lang)}: {before} → {after}")
    return "; ".join(said)


async def _restore(datasette, request, invite: state.Invite, current, action: str, base: int) -> Response:
    """Undo an upload: an earlier revision of this session's note is the draft again, as a new revision."""
    lang = language(request)
    history = await _read(datasette, lambda conn: state.revisions(conn, invite.event, invite.session))
    number = action.partition(":")[2]
    earlier = next((r for r in history if str(r.number) == number), None)
    if earlier is None:
        return await _upload_error(datasette, request, invite, current, message("desk_not_editable", lang), status=409)
    desk = _desk(datasette)
    data = _data_of(earlier.yaml)
    checked = fields.check(data, desk.event(invite.event), invite.event, invite.session, lang)
    try:
        saved = await _save(datasette, invite, data, checked, base, "save",
                            message("desk_restored_comment", lang, old=earlier.number), text=earlier.yaml)
    except state.Conflict as conflict:
        return await _upload_error(datasette, request, invite, conflict.latest, _conflict_text(conflict, lang), status=409)
    notice = message("desk_restored", lang, old=earlier.number, number=saved.number, when=_when(saved.at, lang))
    return await _facilitator_page(datasette, request, invite, _Page(data, checked, saved, saved.number, notice=notice))


async def _upload_error(datasette, request, invite, current, text: str, status: int = 422) -> Response:
    data = _data_of(current.yaml) if current else {}
    return await _facilitator_page(datasette, request, invite, _Page(data, None, current, current.number if current else 0, error=text),
                                   status=status)


def _read_upload(kind: str, name: str, content: bytes, note_path: Path, current: state.Revision | None,
                 event, lang: str) -> tuple[dict, str, fields.Checked]:
    """An uploaded file's note data, within the form's limits, its YAML text
    and its check: run in a thread, so that the desk serves everyone else
    meanwhile (a 189 KB note once froze every page for 12 s). A thread past
    the time limit is left to finish (the loader is linear in an upload of
    at most ``MAX_UPLOAD_BYTES``), its result unused."""
    data, text = _uploaded_data(kind, name, content, note_path, current, lang)
    fields.check_limits(data)
    return data, text, fields.check(data, event, note_path.parent.name, note_path.stem, lang)


def _uploaded_data(kind: str, name: str, content: bytes, note_path: Path,
                   current: state.Revision | None, lang: str) -> tuple[dict, str]:
    """The note data of an uploaded file (a Word form or YAML) and its YAML text."""
    from ..intake.wordimport import note_from_form, outcome_ids, printed_ids, read_form

    if kind == "word":
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
        return data, fields.note_text(data)
    problems = load.Problems()
    parsed = load.parse_note(Path(name), problems, content)
    if parsed is None:
        raise IntakeError("desk_upload_unreadable", problem=problems[0].message(lang) if problems else "")
    return parsed[0], content.decode("utf-8", "replace")


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
