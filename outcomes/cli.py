"""The ``outcomes`` command: check notes, build the library, serve it.

Problems in notes are printed on standard error, one per line, as
``path:line:col: error: field: message``, and the command exits 1. A
mistake in a note is never a traceback.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .common.text import LANGUAGES
from .messages import current_lang, errors, message, printable, summary

if TYPE_CHECKING:  # each command imports what it uses: "outcomes --help" reads no note
    from .load import Problems

NOTES_DIR = Path("notes")
OUT_DIR = Path("build")

def say(kind: str, lang: str, **values) -> str:
    """A sentence of ``outcomes.messages``, in ``lang``."""
    return message(kind, lang, **values)


def report(problems: Problems, lang: str) -> None:
    """Every problem on stderr, one per line, warnings included, by position;
    what comes from the files (paths, values) is shown escaped and cut."""
    from .yamltext import report_order

    for problem in sorted(problems, key=report_order):
        click.echo(printable(problem.format(lang), limit=None), err=True)


def writes_files(command):
    """A command whose outputs cannot be written (a read-only or full disk,
    a file where a folder should be) says so in one line and exits 1, rather
    than with a traceback; what was published before stays as it was."""

    @functools.wraps(command)
    def guarded(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except OSError as error:
            lang = current_lang(kwargs.get("lang"))
            path = error.filename if error.filename is not None else ""
            _fail("cannot_write", lang, path=path, detail=error.strerror or str(error))

    return guarded


lang_option = click.option(
    "--lang",
    type=click.Choice(list(LANGUAGES)),
    default=None,
    help="Language of messages: it (default, or $OUTCOMES_LANG) or en.",
)


proceedings_option = click.option(
    "--proceedings/--no-proceedings",
    default=True,
    show_default=True,
    help="Also write proceedings/<event-id>.docx for every event.",
)
pdf_option = click.option(
    "--pdf/--no-pdf",
    default=True,
    show_default=True,
    help="Also make each document's PDF edition (<event-id>.pdf) with LibreOffice, if installed. "
         "It takes a few seconds: skip it while working on notes.",
)
full_option = click.option(
    "--full", is_flag=True, help="Rebuild everything, even if only some notes changed since the last build."
)


@click.group()
@click.version_option(package_name="outcomes")
def cli():
    """Workshop outcomes: facilitators' notes to a searchable library.

    \b
    Notes live in notes/<event-id>/event.yaml and notes/<event-id>/<session-id>.yaml.
    Start with "outcomes check", then "outcomes build" (or "python publish.py").
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--publication", is_flag=True,
              help="Before a build for publication: also warn about the site's settings still holding "
                   "the example's values (the open data's publisher and rights holder).")
@lang_option
def check(paths: tuple[Path, ...], publication: bool, lang: str | None):
    """Validate notes without building anything.

    PATHS may be the notes folder (the default, notes/), event folders or
    single note files. Exit status 0 if every note is valid, 1 otherwise.
    """
    from . import load

    lang = current_lang(lang)
    problems = load.Problems()
    counts = load.check_paths(paths or (NOTES_DIR,), problems)
    report(problems, lang)
    if publication:
        from . import publisher

        for warning in publisher.example_warnings(lang):
            click.echo(warning, err=True)
    if problems.errors:
        click.echo(say("notes_invalid_check", lang, errors=errors(problems, lang)), err=True)
        sys.exit(1)
    click.echo(say("notes_valid", lang, summary=summary(counts, lang)))


def run_build(notes: Path, out: Path, lang: str | None, proceedings: bool = True, full: bool = False,
              pdf: bool = True) -> None:
    """Build and report; exit 1 when a note is invalid or a PDF could not be made."""
    from .build import build

    pdf_errors = ()  # the proceedings (python-docx, lxml...) are imported only by a build that writes them
    if proceedings and pdf:
        from .proceedings.pdf import PdfError

        pdf_errors = (PdfError,)
    lang = current_lang(lang)
    try:
        result = build(notes, out, proceedings=proceedings, full=full, pdf=pdf,
                       on_wait=lambda: click.echo(say("build_waiting", lang, out=out), err=True))
    except pdf_errors as error:
        _fail("pdf_failed", lang, reason=error.reason(lang), out=out)
    for notice in result.notices:
        click.echo(say(notice, lang), err=True)
    report(result.problems, lang)
    if not result.ok:
        click.echo(say("notes_invalid", lang, errors=errors(result.problems, lang), out=out), err=True)
        sys.exit(1)
    click.echo(say("published", lang, out=out, summary=summary(result.counts, lang)))


@cli.command(name="build")
@click.option("--notes", type=click.Path(path_type=Path, file_okay=False), default=NOTES_DIR, show_default=True,
              help="Folder of event folders holding the notes.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=OUT_DIR, show_default=True,
              help="Output folder: outcomes.db, the Datasette configuration and proceedings/.")
@proceedings_option
@pdf_option
@full_option
@click.option("--deploy", is_flag=True,
              help="After a good build, run the deploy command in $OUTCOMES_DEPLOY (e.g. an rsync to the web host).")
@lang_option
@writes_files
def build_command(notes: Path, out: Path, proceedings: bool, pdf: bool, full: bool, lang: str | None,
                  deploy: bool = False):
    """Check every note, then build the database, the site and the proceedings.

    Outputs are written to a staging folder and replace the previous ones
    only when everything succeeded: with an invalid note, nothing in OUT
    changes. When OUT holds a previous build of the same notes folder, only
    the notes that changed are read again (the same rows and search index as
    a full build, not the same bytes; --full forces one).
    """
    if deploy:
        _deploy_command(lang)  # before building: a missing command is said at once
    run_build(notes, out, lang, proceedings=proceedings, full=full, pdf=pdf)
    if deploy:
        run_deploy(out, current_lang(lang))


def _deploy_command(lang: str | None) -> str:
    from . import deploy
    from .common.text import text

    command = deploy.configured()
    if command is None:
        _fail_text(text("deploy.none", current_lang(lang)))
    return command


def run_deploy(out: Path, lang: str) -> None:
    """The configured deploy command, its output shown as it comes; exit 1
    if it fails (the build stays published)."""
    from . import deploy
    from .common.text import text

    command = _deploy_command(lang)
    click.echo(text("deploy.running", lang, command=command))
    deployed = deploy.run(out, command, lang, echo=click.echo)
    if not deployed.ok:
        _fail_text(deployed.summary(out, lang))
    click.echo(deployed.summary(out, lang))


@cli.command()
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=OUT_DIR, show_default=True,
              help="The output folder of a build.")
@click.option("-h", "--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("-p", "--port", default=8001, show_default=True, type=int, help="Port to listen on.")
@click.option("--public-url", default=None,
              help="The site's public address, behind a reverse proxy (e.g. https://esiti.example.org/)  "
                   "[default: this local address, a preview]")
@lang_option
def serve(out: Path, host: str, port: int, public_url: str | None = None, lang: str | None = None):
    """Serve the built library with Datasette, read-only, and keep serving
    each new build of OUT as soon as it is published (no restart).

    One process: SIGTERM or Ctrl+C stops it, after the requests in flight
    (exit status 143 or 130); a port in use is said in one line (exit 1).
    """
    from .common.text import text
    from .live import PortInUse, listen, serve as serve_live, teller

    lang = current_lang(lang)
    if not (out / "outcomes.db").exists():
        raise click.ClickException(say("not_built", lang, path=out / "outcomes.db"))
    try:
        sock = listen(host, port)
    except PortInUse:
        _fail_text(text("serve.port_in_use", lang, host=host, port=port))
    except OSError as error:
        _fail_text(text("serve.cannot_listen", lang, host=host, port=port, detail=error.strerror or error))
    url = f"http://{host}:{port}/"
    # Absolute links point at this preview, unless told the public address.
    os.environ["OUTCOMES_PUBLIC_URL"] = public_url or url
    click.echo(text("serve.serving", lang, url=url, out=out))
    try:
        sys.exit(serve_live(out, sock, teller(lang)))
    except KeyboardInterrupt:  # uvicorn stopped on Ctrl+C and raised it again, once stopped
        sys.exit(130)


def _fail_text(line: str) -> None:
    click.echo(line, err=True)
    sys.exit(1)


# --- Intake: templates, JSON Schema, Word forms, registrations (outcomes.intake) ---------


def _fail(kind: str, lang: str, **context) -> None:
    """A request that cannot be carried out: one line on stderr, exit 1."""
    click.echo(say(kind, lang, **context), err=True)
    sys.exit(1)


def _check_ids(lang: str, **ids: str) -> None:
    """Ids from the command line become folder and file names: exit 1 unless
    each is one (a slug, not a reserved name, never a path)."""
    from .intake import IntakeError, check_id

    try:
        for what, value in ids.items():
            check_id(value, what)
    except IntakeError as error:
        _fail(error.kind, lang, **error.context)


notes_option = click.option(
    "--notes", type=click.Path(path_type=Path, file_okay=False), default=NOTES_DIR, show_default=True,
    help="Folder of event folders holding the notes.",
)
kind_option = click.option(
    "--kind", type=click.Choice(["workshop", "plenary"]), default=None,
    help="Kind of session: workshop (laboratorio) or plenary (plenaria, with speakers).",
)


@cli.command()
@click.argument("event")
@click.argument("session")
@notes_option
@kind_option
@lang_option
@writes_files
def new(event: str, session: str, notes: Path, kind: str | None, lang: str | None):
    """Write a commented note template to fill in.

    The note is NOTES/EVENT/SESSION.yaml. EVENT and SESSION are ids: lowercase letters, digits and hyphens (they
    become the folder and file names; not event, registrations or followup). If the event has no event.yaml yet,
    its template is written too. Comments in Italian explain each field and
    list the allowed values; required values are left empty, so "outcomes
    check" points at each one until it is filled. An existing note is never
    overwritten.

    \b
    Example:
      outcomes new sguardi-2019 migrazione-cooperazione --kind workshop
    """
    from .intake import IntakeError
    from .intake.template import new_note

    lang = current_lang(lang)
    _check_ids(lang, event=event, session=session)
    try:
        created = new_note(notes, event, session, kind or "workshop")
    except IntakeError as error:
        _fail(error.kind, lang, **error.context)
    for path in created.paths:
        click.echo(say("created", lang, path=path))
    if len(created.paths) > 1:
        click.echo(say("fill_event_first", lang, path=created.paths[0]))
    click.echo(say("fill_then_check", lang, path=created.session))


@cli.command()
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("schemas"), show_default=True,
              help="Folder for event.schema.json, session.schema.json, registrations.schema.json.")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 if the files in OUT differ from the models.")
@lang_option
@writes_files
def schema(out: Path, check_only: bool, lang: str | None):
    """Write the JSON Schema files of the notes, from the models.

    Editors with yaml-language-server (VS Code's YAML extension) read the
    "# yaml-language-server: $schema=..." line that starts every note and
    template, then complete field names, offer the allowed values with their
    Italian labels and underline mistakes while typing. The files are
    generated: never edit them, run this command after changing the models
    or the vocabularies.
    """
    from .intake.schema import stale_schemas, write_schemas

    lang = current_lang(lang)
    if check_only:
        stale = stale_schemas(out)
        for path in stale:
            click.echo(say("schemas_stale", lang, path=path), err=True)
        if stale:
            sys.exit(1)
        click.echo(say("schemas_fresh", lang, out=out))
        return
    paths = write_schemas(out)
    click.echo(say("schemas_written", lang, paths=", ".join(str(p) for p in paths)))


@cli.command()
@click.argument("event")
@click.argument("session")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Where to write the form  [default: scheda-SESSION.docx]")
@notes_option
@kind_option
@lang_option
@writes_files
def form(event: str, session: str, output: Path | None, notes: Path, kind: str | None, lang: str | None):
    """Write a Word form (scheda di restituzione) for a session.

    Facilitators who prefer Word or LibreOffice to YAML fill it in: one box
    per field, drop-down lists for kinds, types and statuses, a date picker
    for dates, twelve outcome blocks (blank ones are ignored) and an annex
    listing every allowed value. "outcomes import" turns the filled form into
    a note. The event's title and dates are printed on the form when
    NOTES/EVENT/event.yaml exists. With --kind workshop the form has no
    speakers' table.
    """
    from . import load as loader
    from .intake.form import FormRequest, write_form

    lang = current_lang(lang)
    _check_ids(lang, event=event, session=session)
    folder = notes / event
    note = loader.load_event(folder, loader.Problems()) if (folder / loader.EVENT_FILE).exists() else None
    path = output or Path(f"scheda-{session}.docx")
    write_form(path, FormRequest(event, session, note.event if note else None, kind))
    click.echo(say("form_written", lang, path=path))


@cli.command(name="import")
@click.argument("form_file", metavar="FILE.docx", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@notes_option
@click.option("--event", default=None, help="Event id, if not the one printed on the form.")
@click.option("--session", default=None, help="Session id, if not the one printed on the form.")
@click.option("--force", is_flag=True, help="Replace the session's note if it exists.")
@lang_option
@writes_files
def import_command(form_file: Path, notes: Path, event: str | None, session: str | None, force: bool,
                   lang: str | None):
    """Turn a filled Word form into a checked note.

    The note, NOTES/EVENT/SESSION.yaml, is checked like any other before it is written; if anything is
    wrong, each problem is printed with the form's section and field
    ("scheda.docx: sezione «Esito 3», campo «Target SDG»: ...") and nothing is
    written (exit status 1). Smart quotes around codes, soft line breaks and
    control characters pasted from other programs are handled. An existing
    note is replaced only with --force.
    """
    from .intake.wordimport import import_form

    lang = current_lang(lang)
    result = import_form(form_file, notes, event, session, force)
    for problem in result.problems:
        click.echo(printable(problem.format(lang), limit=None), err=True)
    if result.note is None:
        if any(problem.section for problem in result.errors):
            errors = len(result.errors)
            click.echo(say("import_failed" if errors > 1 else "import_failed_one", lang, errors=errors), err=True)
        sys.exit(1)
    if result.event_created:
        click.echo(say("created", lang, path=result.event_created))
        click.echo(say("fill_event_first", lang, path=result.event_created))
    click.echo(say("imported", lang, path=result.note, outcomes=result.outcomes))


@cli.command()
@click.argument("event")
@click.argument("export_file", metavar="FILE", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--map", "map_file", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              help="Mapping file (YAML) adding column names, organisation types and session options to the default ones.")
@notes_option
@lang_option
@writes_files
def registrations(event: str, export_file: Path, map_file: Path | None, notes: Path, lang: str | None):
    """Count registrations by actor type, for the event and each session.

    FILE is the export of the registration form, CSV or XLSX, recognised by
    itself: SurveyMonkey ("All individual responses", expanded columns,
    actual answer text, in English or Italian), Google Forms, Microsoft
    Forms, or a spreadsheet (comma or semicolon separated, UTF-8 or Windows
    encoding). The organisation type of each person is mapped to an actor
    type; a person registered twice (same e-mail) counts once. The question
    listing the sessions is found by matching its options to the session
    titles of the notes (printed, to check). Only the counts are written, to
    NOTES/EVENT/registrations.yaml: never a name, an e-mail address, an
    organisation or a free text.

    \b
    The default mapping (outcomes/templates/registrations-map.yaml) knows
    common column names and organisation types; --map adds yours:
      organisation_type_column: [Tipologia del tuo ente]
      values:
        Comune capofila: local_authority
        Privato cittadino: ~        # counted as unclassified, silently
      sessions_column: [Quali laboratori seguirai?]
      sessions:
        Laboratorio A: migrazione-cooperazione-internazionale
    """
    from .intake.registrations import import_registrations

    lang = current_lang(lang)
    _check_ids(lang, event=event)
    result = import_registrations(notes, event, export_file, map_file)
    report(result.problems, lang)
    if result.problems.errors:
        sys.exit(1)
    from .intake.summary import registrations_report

    for line in registrations_report(result, event, lang):
        click.echo(line)


# --- Proceedings (outcomes.proceedings) ---------------------------------------------------

@cli.command(name="proceedings")
@click.argument("event")
@notes_option
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=OUT_DIR, show_default=True,
              help="Output folder: the document goes to OUT/proceedings/EVENT.docx (EVENT.en.docx in "
                   "another language than the event's).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the document to this file instead (and its PDF beside it).")
@click.option("--lang", type=click.Choice(["it", "en"]), default=None,
              help="Language of the document and of messages (default: the event's language, it or en).")
@click.option("--internal", is_flag=True,
              help="Include internal sessions and outcomes. Never for publication: the default file name "
                   "is EVENT-interno.docx.")
@pdf_option
@writes_files
def proceedings_command(event: str, notes: Path, out: Path, output: Path | None, lang: str | None, internal: bool,
                        pdf: bool):
    """Write the proceedings of EVENT ("Atti del convegno") as a Word document.

    EVENT is the id of an event: its folder in NOTES. Its notes are checked
    first; if any is invalid, every problem is printed, nothing is written
    and the exit status is 1.

    \b
    The document holds a title page, the contents, the programme, a chapter
    per session (facilitation by role and organisation, participants, the
    summary, the outcomes by type with their SDG targets, GCM objectives,
    countries and actors), the commitments, where they stand (with the
    event's followup.yaml, and for each earlier event named in its
    "follows:"), participants by actor type as a table and a chart, and an
    index by SDG target, GCM objective and country.
    People appear by role and organisation only, never by name.

    Each edition has its own file: EVENT.docx in the event's language,
    EVENT.en.docx in English, EVENT-interno.docx with --internal; with
    LibreOffice installed, a tagged PDF beside it (EVENT.pdf...), whose page
    numbers are written into the Word document's contents and index. Without
    it, Word asks to update fields to show them. The same notes always give
    the same file, byte for byte.
    """
    from . import load, proceedings

    messages = current_lang(lang)
    _check_ids(messages, event=event)
    problems = load.Problems()
    note = load.event_or_its_problems(notes / event, problems)
    sessions = list(note.sessions(problems)) if note else []
    followup = load.event_followup(note, sessions, problems) if note and not problems.errors else None
    if problems.errors:
        report(problems, messages)
        click.echo(say("notes_invalid_check", messages, errors=errors(problems, messages)), err=True)
        sys.exit(1)
    document_lang = lang or proceedings.default_language(note)
    path = output or out / "proceedings" / proceedings.file_name(note, document_lang, internal)
    earlier = load.followed_events(note)
    problems.extend(proceedings.write(note, sessions, path, followup=followup, earlier=earlier, lang=document_lang, internal=internal))
    report(problems, messages)
    made = _pdf_editions([path], messages) if pdf else []
    chapters = proceedings.chapters(sessions, internal)
    click.echo(say(
        "proceedings_written", messages,
        path=path, sessions=len(chapters), outcomes=sum(len(c.entries) for c in chapters),
        internal=say("proceedings_internal", messages) if internal else "",
    ))
    for made_pdf in made:
        click.echo(say("pdf_written", messages, path=made_pdf))


def _pdf_editions(documents: list[Path], lang: str) -> list[Path]:
    """The PDF editions of ``documents``, or a notice if LibreOffice is missing."""
    from . import proceedings
    from .proceedings import pdf

    if pdf.soffice() is None:
        click.echo(say("pdf_unavailable", lang), err=True)
        return []
    try:
        return proceedings.add_pdfs(documents)
    except pdf.PdfError as error:
        _fail("pdf_failed_document", lang, reason=error.reason(lang), path=documents[0])


# --- The desk (outcomes.desk) ----------------------------------------------------------


DESK_PORT = 8002
data_option = click.option(
    "--data", type=click.Path(path_type=Path, file_okay=False), default=Path("desk"), show_default=True,
    help="The desk's own folder: desk.db (drafts, reviews, invites, accounts) and its signing secret. Never public.",
)


@cli.group()
def desk():
    """The facilitators' desk: a small web application the office runs.

    Facilitators open a personal link (no account), fill in their session's
    note in the browser, save drafts and submit; the office logs in, reviews,
    returns, rejects or accepts (which writes NOTES/EVENT/SESSION.yaml) and
    publishes. Its state lives in --data (default desk/), never in a public
    output. See the README, "The desk".
    """


@desk.command(name="serve")
@notes_option
@data_option
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=OUT_DIR, show_default=True,
              help="Where the desk's Publish button builds the library (as python publish.py).")
@click.option("-h", "--host", default="127.0.0.1", show_default=True,
              help="Address to listen on: keep 127.0.0.1 behind a reverse proxy that adds HTTPS.")
@click.option("-p", "--port", default=DESK_PORT, show_default=True, type=int, help="Port to listen on.")
@click.option("--trusted-proxy", default=None, metavar="ADDRESSES",
              help="The reverse proxy's addresses (comma-separated, or networks): only from these are "
                   "X-Forwarded-For and X-Forwarded-Proto believed  [default: $FORWARDED_ALLOW_IPS, else 127.0.0.1]")
def desk_serve(notes: Path, data: Path, out: Path, host: str, port: int, trusted_proxy: str | None = None):
    """Serve the desk. Its signing secret is $OUTCOMES_DESK_SECRET or DATA/secret
    (created on first run, readable by its owner only)."""
    import uvicorn

    from .desk.app import make_datasette
    from .desk.backup import serving

    datasette = make_datasette(notes, data, out, address=f"http://{host}:{port}", send_mail=True)
    click.echo(say("desk_serving", current_lang(), url=f"http://{host}:{port}/", notes=notes, data=data))
    with serving(data):  # a restore waits for the desk to stop
        uvicorn.run(datasette.app(), host=host, port=port, log_level="warning", proxy_headers=True,
                    forwarded_allow_ips=trusted_proxy)


@desk.command(name="invite")
@click.argument("event")
@click.argument("session")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 366), help="Days the link stays valid.")
@click.option("--base-url", envvar="OUTCOMES_DESK_URL", default=f"http://127.0.0.1:{DESK_PORT}", show_default=True,
              help="The desk's public address, as facilitators reach it (e.g. https://schede.example.org); "
                   "default $OUTCOMES_DESK_URL.")
@click.option("--email", default=None, metavar="ADDRESS",
              help="Mail the link to this address (through the desk's outbox; needs $OUTCOMES_SMTP_URL).")
@notes_option
@data_option
@lang_option
def desk_invite(event: str, session: str, days: int, base_url: str, email: str | None, notes: Path, data: Path,
                lang: str | None):
    """Print a personal link to fill in the note of EVENT/SESSION (last line).

    The link is signed, expires after --days and opens that session only;
    send it to the facilitator, or let the desk mail it (--email), in --lang.
    "outcomes desk revoke EVENT SESSION" cancels it.
    """
    from . import load
    from .desk import state
    from .desk.facilitator import signed_link

    if email:
        _desk_invite_mailed(event, session, days, base_url, email, notes, data, current_lang(lang))
        return

    lang = current_lang(lang)
    _check_ids(lang, event=event, session=session)
    event_file = notes / event / load.EVENT_FILE
    if not event_file.exists():
        _fail("desk_no_event", lang, event=event, path=event_file)
    conn = state.connect(data / state.DATABASE)
    invite = state.add_invite(conn, event, session, days)
    conn.close()
    expires = invite.expires[:16].replace("T", " ") + " UTC"
    click.echo(say("desk_invited", lang, event=event, session=session, expires=expires))
    click.echo(signed_link(data, invite, base_url))


def _desk_invite_mailed(event: str, session: str, days: int, base_url: str, email: str, notes: Path, data: Path,
                        lang: str) -> None:
    """The invite and its mail in one transaction, then delivered at once if
    the mail server answers (else the running desk retries it)."""
    import dataclasses

    from . import load
    from .desk import invites, mail, notices, state
    from .desk.app import make_datasette
    from .desk.web import invite_link

    _check_ids(lang, event=event, session=session)
    if not invites.EMAIL.match(email):
        _fail("desk_bad_email", lang, value=email)
    event_file = notes / event / load.EVENT_FILE
    if not event_file.exists():
        _fail("desk_no_event", lang, event=event, path=event_file)
    datasette = make_datasette(notes, data)
    desk = datasette._outcomes_desk
    desk.mail = dataclasses.replace(desk.mail, desk_url=base_url.rstrip("/"))
    conn = state.connect(data / state.DATABASE)
    try:
        invite = state.add_invite(conn, event, session, days, email=email, lang=lang,
                                  mails=notices.invitation(datasette, desk))
        mail.deliver_due(conn, desk.mail)
        sent = conn.execute("select state, answer from outbox where kind = 'invite' and recipient = ?"
                            " order by id desc limit 1", (email,)).fetchone()
    finally:
        conn.close()
    expires = invite.expires[:16].replace("T", " ") + " UTC"
    click.echo(say("desk_invited", lang, event=event, session=session, expires=expires))
    if not desk.mail.enabled:
        click.echo(say("invite_mail_off", lang, email=email))
    elif sent and sent[0] == "sent":
        click.echo(say("invite_mailed", lang, email=email, answer=sent[1]))
    else:
        click.echo(say("invite_queued", lang, email=email, answer=sent[1] if sent else ""))
    click.echo(invite_link(datasette, invite, base_url))


@desk.command(name="revoke")
@click.argument("event")
@click.argument("session")
@data_option
@lang_option
def desk_revoke(event: str, session: str, data: Path, lang: str | None):
    """Revoke every link to EVENT/SESSION: they answer 403 from now on.
    The session's drafts and history are kept; invite again for a new link."""
    from .desk import state

    conn = state.connect(data / state.DATABASE)
    count = state.revoke(conn, event, session)
    conn.close()
    click.echo(say("desk_revoked", current_lang(lang), count=count))


@desk.command(name="user")
@click.argument("username")
@data_option
@click.password_option(help="The password (asked twice if not given; at least 10 characters).")
@lang_option
def desk_user(username: str, data: Path, password: str, lang: str | None):
    """Create an office account, or set its password if it exists.
    Passwords are stored hashed (PBKDF2-SHA256)."""
    from .desk import state

    lang = current_lang(lang)
    if len(password) < 10:
        _fail("desk_password_short", lang, length=10)
    conn = state.connect(data / state.DATABASE)
    state.set_user(conn, username, password)
    conn.close()
    click.echo(say("desk_user_saved", lang, username=username))


@desk.command(name="backup")
@data_option
@click.option("--to", "to_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder of the copies, best on another disk  [default: DATA/backups]")
@click.option("--keep", default=30, show_default=True, type=click.IntRange(1), help="How many copies to keep.")
@lang_option
def desk_backup(data: Path, to_dir: Path | None, keep: int, lang: str | None):
    """Copy the desk's state (DATA/desk.db: every draft, revision and
    decision) into TO/desk-<UTC time>.db while the desk runs, check the copy
    (integrity_check) and keep the last --keep copies."""
    from .common.text import text
    from .desk import backup

    lang = current_lang(lang)
    if not (data / "desk.db").is_file():
        _fail_text(text("backup.missing", lang, path=data / "desk.db"))
    made = backup.backup(data, to_dir or data / "backups", keep)
    click.echo(text("backup.written", lang, source=data / "desk.db", path=made.path,
                    versions=text("backup.versions", lang, count=made.revisions), seconds=f"{made.seconds:.2f}"))
    if made.removed:
        click.echo(text("backup.removed", lang, count=len(made.removed),
                        names=", ".join(path.name for path in made.removed)))


@desk.command(name="restore")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@data_option
@lang_option
def desk_restore(file: Path, data: Path, lang: str | None):
    """Put a copy made by "outcomes desk backup" in place of DATA/desk.db.
    The desk must be stopped; the copy is checked first (integrity_check);
    the state it replaces is kept beside it (desk.db.before-restore-...)."""
    from .common.text import text
    from .desk import backup

    lang = current_lang(lang)
    try:
        restored, aside = backup.restore(file, data)
    except backup.NotADesk as error:
        _fail_text(text("backup.restore_bad", lang, path=file, detail=error))
    except backup.DeskRunning:
        _fail_text(text("backup.restore_running", lang, data=data))
    click.echo(text("backup.restore_done", lang, data=data, path=file, aside=aside.name,
                    versions=text("backup.versions", lang, count=restored.revisions),
                    invitations=text("backup.invitations", lang, count=restored.invites)))


if __name__ == "__main__":
    cli()
