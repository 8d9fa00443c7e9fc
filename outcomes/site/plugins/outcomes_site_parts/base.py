"""What every part of the plugin reads: the database's name, the plugin's
configuration, the site's public address and small query helpers."""

from __future__ import annotations

import json
import os

from datasette.utils import tilde_encode

DATABASE = "outcomes"
PLUGIN = "outcomes-site"
# A local preview (``outcomes serve``, the tests' servers) names its own address here.
PUBLIC_URL_VARIABLE = "OUTCOMES_PUBLIC_URL"


def config(datasette) -> dict:
    # Top level only: a table's own ``plugins`` would hide it.
    return datasette.plugin_config(PLUGIN) or {}


def array_columns(datasette) -> dict[str, str]:
    """JSON-array column of ``outcomes`` -> the lookup table of its codes."""
    return config(datasette).get("vocabularies") or {}

def markdown_columns(datasette) -> dict[str, list[str]]:
    return config(datasette).get("markdown") or {}


def public_url(datasette) -> str:
    """The site's public address, ending in ``/``: a fixed setting
    (``public_url`` in the plugin's configuration), never the request's
    Host header, so that absolute links cannot be rewritten by a client."""
    url = os.environ.get(PUBLIC_URL_VARIABLE) or config(datasette).get("public_url") or "http://localhost:8001/"
    return url.rstrip("/") + "/"


def absolute_url(datasette, path: str) -> str:
    return public_url(datasette) + path.lstrip("/")


def outcome_url(datasette, outcome_id: str) -> str:
    return datasette.urls.row(DATABASE, "outcomes", tilde_encode(outcome_id))


async def one_row(db, sql: str, params: dict) -> dict | None:
    row = (await db.execute(sql, params)).first()
    return dict(row) if row else None


async def all_rows(db, sql: str, params: dict | None = None) -> list[dict]:
    return [dict(row) for row in await db.execute(sql, params or {})]


def json_codes(value: str | None) -> list:
    return json.loads(value or "[]")
