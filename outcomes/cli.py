"""The ``outcomes`` command: check notes, build the library, serve it.

Problems in notes are printed on standard error, one per line, as
``path:line:col: error: field: message``, and the command exits 1. A
mistake in a note is never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import load
from .load import Problems
from .messages import current_lang

NOTES_DIR = Path("notes")
OUT_DIR = Path("build")

# Singular and plural of what a summary counts.
NOUNS = {
    "it": {"events": ("evento", "eventi"), "sessions": ("sessione", "sessioni"), "outcomes": ("esito", "esiti")},
    "en": {"events": ("event", "events"), "sessions": ("session", "sessions"), "outcomes": ("outcome", "outcomes")},
}
INTERNAL = {
    "it": (" ({} interno, non pubblicato)", " ({} interni, non pubblicati)"),
    "en": (" ({} internal, not published)", " ({} internal, not published)"),
}
TEXTS = {
    "valid": {"it": "Note valide: {summary}.", "en": "Notes valid: {summary}."},
    "invalid": {
        "it": "{errors} nelle note: nulla è stato pubblicato in {out}.",
        "en": "{errors} in the notes: nothing was published in {out}.",
    },
    "invalid_check": {"it": "{errors} nelle note.", "en": "{errors} in the notes."},
    "built": {"it": "Pubblicato in {out}: {summary}.", "en": "Published in {out}: {summary}."},
    "waiting": {
        "it": "Un'altra build sta scrivendo in {out}: attendo che finisca…",
        "en": "Another build is writing to {out}: waiting for it to finish…",
    },
}


ERRORS = {"it": ("errore", "errori"), "en": ("error", "errors")}


def say(key: str, lang: str, **values) -> str:
    return TEXTS[key][lang].format(**values)


def errors(problems: Problems, lang: str) -> str:
    """``1 errore``, ``3 errori``."""
    count = len(problems.errors)
    return f"{count} {ERRORS[lang][count != 1]}"


def summary(counts: dict, lang: str) -> str:
    """``1 evento, 3 sessioni, 96 esiti (4 interni, non pubblicati)``."""
    text = ", ".join(
        f"{counts[key]} {forms[0] if counts[key] == 1 else forms[1]}" for key, forms in NOUNS[lang].items()
    )
    if counts.get("internal"):
        text += INTERNAL[lang][counts["internal"] != 1].format(counts["internal"])
    return text


def report(problems: Problems, lang: str) -> None:
    """Every problem on stderr, one per line, warnings included, by position."""
    for problem in sorted(problems, key=lambda p: (p.path, p.line, p.column)):
        click.echo(problem.format(lang), err=True)


lang_option = click.option(
    "--lang",
    type=click.Choice(["it", "en"]),
    default=None,
    help="Language of messages: it (default, or $OUTCOMES_LANG) or en.",
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
@lang_option
def check(paths: tuple[Path, ...], lang: str | None):
    """Validate notes without building anything.

    PATHS may be the notes folder (the default, notes/), event folders or
    single note files. Exit status 0 if every note is valid, 1 otherwise.
    """
    lang = current_lang(lang)
    problems = Problems()
    counts = load.check_paths(paths or (NOTES_DIR,), problems)
    report(problems, lang)
    if problems.errors:
        click.echo(say("invalid_check", lang, errors=errors(problems, lang)), err=True)
        sys.exit(1)
    click.echo(say("valid", lang, summary=summary(counts, lang)))


def run_build(notes: Path, out: Path, lang: str | None) -> None:
    """Build and report; exit 1 when a note is invalid."""
    from .build import build

    lang = current_lang(lang)
    result = build(notes, out, on_wait=lambda: click.echo(say("waiting", lang, out=out), err=True))
    report(result.problems, lang)
    if not result.ok:
        click.echo(say("invalid", lang, errors=errors(result.problems, lang), out=out), err=True)
        sys.exit(1)
    click.echo(say("built", lang, out=out, summary=summary(result.counts, lang)))


@cli.command(name="build")
@click.option("--notes", type=click.Path(path_type=Path, file_okay=False), default=NOTES_DIR, show_default=True,
              help="Folder of event folders holding the notes.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=OUT_DIR, show_default=True,
              help="Output folder: outcomes.db, the Datasette configuration and proceedings/.")
@lang_option
def build_command(notes: Path, out: Path, lang: str | None):
    """Check every note, then build the database, the site and the proceedings.

    Outputs are written to a staging folder and replace the previous ones
    only when everything succeeded: with an invalid note, nothing in OUT
    changes.
    """
    run_build(notes, out, lang)


@cli.command()
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=OUT_DIR, show_default=True,
              help="The output folder of a build.")
@click.option("-h", "--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("-p", "--port", default=8001, show_default=True, type=int, help="Port to listen on.")
def serve(out: Path, host: str, port: int):
    """Serve the built library with Datasette, read-only, on localhost."""
    import subprocess

    if not (out / "outcomes.db").exists():
        raise click.ClickException(f"{out / 'outcomes.db'} does not exist: run 'outcomes build' first")
    command = [sys.executable, "-m", "datasette", "serve", str(out), "--host", host, "--port", str(port)]
    click.echo(f"http://{host}:{port}/")
    sys.exit(subprocess.call(command))
