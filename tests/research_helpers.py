"""What the tests of the researchers' pages share (comparing, citing, the
API page): a library built without proceedings, served by Datasette's test
client, read directly, and asked in either language. A module that imports
the fixtures ``client`` and ``db`` defines ``library``, the folder built."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from outcomes.build import build

from test_site import Client

COOKIES = {"it": {}, "en": {"outcomes_lang": "en"}}
PLUGIN = "outcomes_site.py"  # the name Datasette registers the site's plugin by


def built_site(notes: Path, out: Path) -> Path:
    """``notes`` built into ``out`` (the site and its open data, no proceedings)."""
    result = build(notes, out, proceedings=False)
    assert result.ok, [problem.format() for problem in result.problems]
    return out


def site_client(folder: Path):
    """A module's client of the site built in ``folder`` (a fixture's body).
    Datasette registers the site's plugin, loaded from the build's
    ``plugins/``, in its process-wide plugin manager: it is unregistered
    afterwards, or its hooks (its error pages) would answer for the desk's
    Datasette in the modules that follow."""
    from datasette.plugins import pm

    client = Client(folder)
    yield client
    client.close()
    pm.unregister(name=PLUGIN)


def read_only(folder: Path):
    """The built database, read directly, rows by name (a fixture's body)."""
    conn = sqlite3.connect(f"file:{folder / 'outcomes.db'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def get(client, path: str, lang: str = "it"):
    """``path`` asked by a reader who chose ``lang`` (its cookie)."""
    return client.loop.run_until_complete(client.ds.client.get(path, cookies=COOKIES[lang]))


@pytest.fixture(scope="module")
def client(library):
    yield from site_client(library)


@pytest.fixture(scope="module")
def db(library):
    yield from read_only(library)
