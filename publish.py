#!/usr/bin/env python
"""Check every note, then build the database, the Datasette site and the
proceedings into build/ (or --out). With --serve, serve the result.

    python publish.py [--notes DIR] [--out DIR] [--serve] [--lang it|en]
"""

import click

from outcomes.cli import NOTES_DIR, OUT_DIR, run_build, serve


@click.command()
@click.option("--notes", type=click.Path(file_okay=False), default=str(NOTES_DIR), show_default=True,
              help="Folder of event folders holding the notes.")
@click.option("--out", type=click.Path(file_okay=False), default=str(OUT_DIR), show_default=True,
              help="Output folder.")
@click.option("--serve", "then_serve", is_flag=True, help="Serve the library on localhost after building.")
@click.option("--port", default=8001, show_default=True, type=int, help="Port for --serve.")
@click.option("--lang", type=click.Choice(["it", "en"]), default=None, help="Language of messages.")
def main(notes, out, then_serve, port, lang):
    """Build the outcomes library from the notes."""
    from pathlib import Path

    run_build(Path(notes), Path(out), lang)
    if then_serve:
        serve.callback(out=Path(out), host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
