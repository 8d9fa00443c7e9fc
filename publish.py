#!/usr/bin/env python
"""Check every note, then build the database, the Datasette site and the
proceedings into build/ (or --out). With --serve, serve the result.

    python publish.py [--notes DIR] [--out DIR] [--serve] [--lang it|en]
"""

from pathlib import Path

import click

from outcomes.cli import (
    NOTES_DIR, OUT_DIR, full_option, lang_option, pdf_option, proceedings_option, run_build, serve, writes_files,
)


@click.command()
@click.option("--notes", type=click.Path(path_type=Path, file_okay=False), default=NOTES_DIR, show_default=True,
              help="Folder of event folders holding the notes.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=OUT_DIR, show_default=True,
              help="Output folder: outcomes.db, the Datasette configuration and proceedings/.")
@click.option("--serve", "then_serve", is_flag=True, help="Serve the library on localhost after building.")
@click.option("--port", default=8001, show_default=True, type=int, help="Port for --serve.")
@proceedings_option
@pdf_option
@full_option
@lang_option
@writes_files
def main(notes: Path, out: Path, then_serve: bool, port: int, proceedings: bool, pdf: bool, full: bool, lang: str | None):
    """Build the outcomes library from the notes: the same as "outcomes build",
    then, with --serve, "outcomes serve"."""
    run_build(notes, out, lang, proceedings=proceedings, full=full, pdf=pdf)
    if then_serve:
        serve.callback(out=out, host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
