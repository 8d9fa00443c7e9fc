"""``outcomes schema``: JSON Schema files for editors, from the models.

yaml-language-server (VS Code's YAML extension and others) reads the
``# yaml-language-server: $schema=...`` line at the top of each note and then
completes field names, offers the allowed values with their Italian labels,
and underlines mistakes as the facilitator types.

The files are generated, never edited: ``outcomes schema`` rewrites them and
a test fails when they differ from what the models say. They describe the
YAML as an editor parses it (YAML 1.2 core schema), which is stricter than our
loader on one point: values that YAML reads as numbers (``10.7``, ``17.10``)
must be written as quoted strings where the note wants a code.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from .. import models

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMAS_DIR = Path("schemas")

# file name (without .schema.json) -> the model of that kind of note
SCHEMAS: dict[str, type[BaseModel]] = {
    "event": models.Event,
    "session": models.Session,
    "registrations": models.Registrations,
    "followup": models.FollowUp,
}


def json_schema(model: type[BaseModel]) -> dict:
    """The model's JSON Schema, declaring its draft (yaml-language-server
    only applies 2020-12 keywords when ``$schema`` says so)."""
    schema = model.model_json_schema(mode="validation")
    return {"$schema": DRAFT, **schema}


def render(model: type[BaseModel]) -> str:
    """Stable text: the same models always give the same bytes."""
    return json.dumps(json_schema(model), ensure_ascii=False, indent=2) + "\n"


def write_schemas(out: Path = SCHEMAS_DIR) -> list[Path]:
    """Write ``<out>/<name>.schema.json`` for every kind of note."""
    from ..common.files import write_atomic

    paths = []
    for name, model in SCHEMAS.items():
        path = out / f"{name}.schema.json"
        write_atomic(path, render(model))
        paths.append(path)
    return paths


def stale_schemas(out: Path = SCHEMAS_DIR) -> list[Path]:
    """The schema files in ``out`` that are missing or differ from the models."""
    stale = []
    for name, model in SCHEMAS.items():
        path = out / f"{name}.schema.json"
        if not path.exists() or path.read_text(encoding="utf-8") != render(model):
            stale.append(path)
    return stale
