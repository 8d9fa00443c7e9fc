"""The JSON Schema files in schemas/: fresh, complete, and in step with the models.

Editors (yaml-language-server) check notes against these files while the
facilitator types; ``outcomes check`` checks them with the models. The two
must agree wherever JSON Schema can say the rule. Where it cannot, or where
the schema deliberately asks for more than the loader, the cases are listed
below with the reason, so a disagreement is always a decision.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import FIXTURES, ROOT
from outcomes import load, models, vocab
from outcomes.intake.schema import SCHEMAS, render

AGREEMENT = FIXTURES / "intake" / "agreement"

# Valid notes the schema refuses on purpose: an editor parses YAML 1.2, where
# these values are numbers (or text) of the wrong type, and telling the user
# to quote codes (and not to quote numbers) is the point. The loader reads
# every value as the text typed, so it accepts them.
SCHEMA_STRICTER = {
    "sessions/valid/unquoted-sdg.yaml": "10.7 and 17.10 unquoted are numbers (17.10 is 17.1): targets must be quoted",
    "sessions/valid/quoted-count.yaml": 'a count in quotes ("12") is text to an editor',
    "sessions/valid/quoted-gcm.yaml": 'a GCM objective in quotes ("19") is text to an editor',
    "sessions/valid/numeric-title.yaml": "a title that YAML reads as a number (2030) must be quoted for an editor",
}

# Invalid notes the schema accepts: rules JSON Schema cannot express, or
# mistakes the YAML 1.2 parser hides from it. Only the models catch these.
MODELS_ONLY = {
    "sessions/invalid/end-before-start.yaml": "end after start compares two fields' times",
    "sessions/invalid/date-outside-event.yaml": "the session's date must fall within another file's dates",
    "sessions/invalid/duplicate-outcome-id.yaml": "unique ids: uniqueItems compares whole outcomes, not one field",
    "sessions/invalid/duplicate-key.yaml": "a key written twice: the YAML parser keeps the last, silently",
    "sessions/invalid/thousands-separator.yaml": "1.000 is the number 1.0 to YAML 1.2, an integer to JSON Schema",
    "events/invalid/end-before-start.yaml": "end after start compares two fields' dates",
}


# --- Staleness -------------------------------------------------------------------------------


def test_schemas_are_up_to_date(tmp_path, run):
    result = run("schema", "--out", tmp_path)
    assert result.exit_code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["event.schema.json", "followup.schema.json", "registrations.schema.json", "session.schema.json"]
    for name in names:
        assert (ROOT / "schemas" / name).read_bytes() == (tmp_path / name).read_bytes(), (
            f"schemas/{name} is stale: run 'outcomes schema'"
        )


def test_schema_check_option_reports_a_stale_file(tmp_path, run):
    run("schema", "--out", tmp_path)
    assert run("schema", "--check", "--out", tmp_path).stdout == f"Gli schemi in {tmp_path} corrispondono ai modelli.\n"
    stale = tmp_path / "session.schema.json"
    stale.write_text(stale.read_text().replace("Titolo della sessione", "Titolo"))
    result = run("schema", "--check", "--out", tmp_path)
    assert (result.exit_code, result.stderr) == (
        1, f"{stale} non corrisponde ai modelli: rigeneralo con «outcomes schema»\n"
    )


def test_schema_files_are_deterministic():
    for model in SCHEMAS.values():
        assert render(model) == render(model)
        assert render(model).endswith("}\n")


# --- Content ---------------------------------------------------------------------------------


def _schema(name: str) -> dict:
    return json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))


def test_schemas_declare_draft_2020_12_and_are_valid():
    for name in SCHEMAS:
        schema = _schema(name)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)


def test_titles_and_descriptions_are_italian():
    session = _schema("session")
    assert session["title"] == "Sessione"
    assert session["description"].startswith("notes/<evento>/<sessione>.yaml: una plenaria o un laboratorio")
    assert session["properties"]["summary"]["title"] == "Sintesi"
    outcome = session["$defs"]["Outcome"]
    assert (outcome["title"], outcome["properties"]["sdg_targets"]["title"]) == ("Esito", "Target SDG")
    assert _schema("event")["properties"]["start_date"] == {
        "description": "AAAA-MM-GG", "format": "date", "pattern": models.DATE_PATTERN,
        "title": "Data di inizio", "type": "string",
    }
    assert _schema("registrations")["title"] == "Iscrizioni"
    followup = _schema("followup")
    assert (followup["title"], followup["type"], followup["minItems"]) == ("Seguito degli impegni", "array", 1)
    update = followup["$defs"]["Update"]
    assert update["required"] == ["commitment", "date", "status", "text"]
    assert update["properties"]["status"]["enum"] == vocab.statuses().ids
    assert update["properties"]["progress"]["anyOf"][0] == {"type": "integer", "minimum": 0, "maximum": 100}


def test_every_vocabulary_is_an_enum():
    session = _schema("session")
    outcome = session["$defs"]["Outcome"]["properties"]
    assert session["properties"]["kind"]["enum"] == vocab.session_kinds().ids
    assert session["properties"]["visibility"]["enum"] == vocab.visibilities().ids
    assert session["properties"]["participants"]["propertyNames"]["enum"] == vocab.actor_types().ids
    assert session["$defs"]["Quote"]["properties"]["actor"]["enum"] == vocab.actor_types().ids
    assert outcome["type"]["enum"] == vocab.outcome_types().ids
    assert outcome["actors"]["items"]["enum"] == vocab.actor_types().ids
    assert outcome["themes"]["items"]["enum"] == vocab.themes().ids
    assert outcome["status"]["anyOf"][0]["enum"] == vocab.statuses().ids
    targets = outcome["sdg_targets"]["items"]
    assert (targets["type"], len(targets["enum"])) == ("string", 169)
    assert targets["enum"][:8] == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.a", "1.b", "2.1"]
    assert "17.10" in targets["enum"] and "7.4" not in targets["enum"]
    assert targets["markdownEnumDescriptions"][0].startswith("**1.1** — Entro il 2030, sradicare la povertà estrema")
    assert outcome["gcm_objectives"]["items"]["enum"] == list(range(1, 24))
    countries = outcome["countries"]["items"]["enum"]
    assert len(countries) == len(vocab.countries()) == 249 and {"SN", "MA", "NO", "IT"} <= set(countries)
    assert session["properties"]["language"]["enum"] == vocab.languages().ids
    assert _schema("registrations")["properties"]["registered"]["propertyNames"]["enum"] == vocab.actor_types().ids


def test_the_countries_are_pycountrys():
    """countries.csv holds what the pinned pycountry gives (scripts/lock
    writes it again with each pin): codes, Italian and English names."""
    import importlib.metadata

    pinned = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().split() if "==" in line)
    installed = importlib.metadata.version("pycountry")
    if installed != pinned["pycountry"]:
        pytest.skip(f"countries.csv was written from pycountry {pinned['pycountry']}, this is {installed}")
    assert [dict(term.labels, id=term.id, **term.extra) for term in vocab.countries()] == [
        {"id": row["id"], "it": row["label_it"], "en": row["label_en"], "alpha_3": row["alpha_3"]}
        for row in vocab.countries_from_pycountry()
    ]
    assert vocab.countries().label("CI", "it") == "Costa d'Avorio" and vocab.suggest_country("SEN") == "SN"


# --- Agreement with the models ------------------------------------------------------------------


class Yaml12CoreLoader(yaml.SafeLoader):
    """YAML as an editor reads it (1.2 core schema): only true/false are
    booleans, 10:30 and 2019-10-15 are text, 0012 is 12, NO is text."""


Yaml12CoreLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in [
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     list("-+0123456789.")),
]:
    Yaml12CoreLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), _first)


def _core_int(loader, node):
    text = node.value
    base = 16 if text.startswith("0x") else 8 if text.startswith("0o") else 10
    return int(text[2:] if base != 10 else text, base)


def _core_bool(loader, node):
    return node.value.lower() == "true"


Yaml12CoreLoader.add_constructor("tag:yaml.org,2002:int", _core_int)
Yaml12CoreLoader.add_constructor("tag:yaml.org,2002:bool", _core_bool)


def test_the_editor_view_of_yaml():
    assert yaml.load("a: 10:30\nb: 2019-10-15\nc: NO\nd: 17.10\ne: 0012\nf:\ng: true\n", Yaml12CoreLoader) == {
        "a": "10:30", "b": "2019-10-15", "c": "NO", "d": 17.1, "e": 12, "f": None, "g": True,
    }


_MODELS = {"sessions": "session", "events": "event", "registrations": "registrations", "followup": "followup"}


def _loader_problems(path: Path, kind: str) -> load.Problems:
    problems = load.Problems()
    if kind == "sessions":
        event = load.load_event(AGREEMENT, load.Problems())
        assert event is not None
        load.load_session(path, event, problems)
    else:
        parsed = load.parse_note(path, problems)
        if parsed is not None:
            load.validate(SCHEMAS[_MODELS[kind]], parsed[0], parsed[1], path, problems, {})
    return problems


def _schema_errors(path: Path, kind: str) -> list[str]:
    data = yaml.load(path.read_text(encoding="utf-8"), Yaml12CoreLoader)
    validator = jsonschema.Draft202012Validator(_schema(_MODELS[kind]), format_checker=jsonschema.FormatChecker())
    return [error.message for error in validator.iter_errors(data)]


def _cases(validity: str) -> list[str]:
    return sorted(p.relative_to(AGREEMENT).as_posix() for p in AGREEMENT.glob(f"*/{validity}/*.yaml"))


@pytest.mark.parametrize("case", _cases("valid"))
def test_valid_notes_pass_both(case):
    kind = case.split("/")[0]
    path = AGREEMENT / case
    assert [p.format() for p in _loader_problems(path, kind).errors] == []
    errors = _schema_errors(path, kind)
    if case in SCHEMA_STRICTER:
        assert errors, f"{case} is listed as refused by the schema, but it passes"
    else:
        assert errors == []


@pytest.mark.parametrize("case", _cases("invalid"))
def test_invalid_notes_fail_both(case):
    kind = case.split("/")[0]
    path = AGREEMENT / case
    expected = re.match(r"# loader: (.+)", path.read_text(encoding="utf-8")).group(1).split()
    assert [p.kind for p in _loader_problems(path, kind).errors] == expected
    errors = _schema_errors(path, kind)
    if case in MODELS_ONLY:
        assert errors == [], f"{case} is listed as a models-only rule, but the schema refuses it: {errors}"
    else:
        assert errors, f"the schema accepts {case}"


def test_the_lists_of_deliberate_differences_name_real_cases():
    cases = set(_cases("valid")) | set(_cases("invalid"))
    assert set(SCHEMA_STRICTER) <= cases and set(MODELS_ONLY) <= cases
    assert len(_cases("invalid")) - len(MODELS_ONLY) >= 25  # most rules are checked by both


@pytest.mark.parametrize("path", sorted((ROOT / "notes").glob("*/*.yaml")), ids=lambda p: p.name)
def test_the_example_notes_pass_the_schema_too(path):
    kind = {"event.yaml": "events", "registrations.yaml": "registrations", "followup.yaml": "followup"}.get(path.name, "sessions")
    assert _schema_errors(path, kind) == []
