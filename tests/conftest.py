"""Shared fixtures: the example notes, a built library, the CLI, tools."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_NOTES = ROOT / "notes"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLE_EVENT = "sguardi-cooperazione-migrazione-2019"

# In CI (.ci/run sets this) a missing program is a failure, not a skip.
REQUIRE_TOOLS = os.environ.get("OUTCOMES_REQUIRE_TOOLS") == "1"


def need_program(name: str, why: str) -> str:
    """The path of ``name``, or skip (fail in CI) with the reason."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed: {why}"
        if REQUIRE_TOOLS:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(autouse=True)
def _italian_messages(monkeypatch):
    """Tests see the default language whatever the developer's shell says."""
    monkeypatch.delenv("OUTCOMES_LANG", raising=False)
    monkeypatch.delenv("OUTCOMES_PUBLIC_URL", raising=False)  # the site's own address, from its metadata


@pytest.fixture(params=["libyaml", "pure-python"])
def yaml_parser(request, monkeypatch) -> str:
    """Run the test with PyYAML's libyaml parser and again without it, as on
    an installation built without libyaml: results must not differ."""
    from outcomes import yamltext

    if request.param == "pure-python":
        monkeypatch.setattr(yamltext, "_TextParser", yamltext._PureTextParser)
    return request.param


@pytest.fixture
def cli_runner():
    return CliRunner()


@pytest.fixture
def run(cli_runner):
    """Run ``outcomes ARGS`` in-process; returns the click Result."""
    from outcomes.cli import cli

    def invoke(*args: str):
        return cli_runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The example notes built once into a fresh output folder, proceedings included."""
    from outcomes.build import build

    out = tmp_path_factory.mktemp("build")
    result = build(EXAMPLE_NOTES, out)
    assert result.ok, [p.format() for p in result.problems]
    return out


@pytest.fixture(scope="session")
def built_with_pdf(tmp_path_factory) -> Path:
    """The same, with the PDF edition of the proceedings if LibreOffice is
    installed: LibreOffice converts the example once for the whole session."""
    from outcomes.build import build

    out = tmp_path_factory.mktemp("build-pdf")
    result = build(EXAMPLE_NOTES, out, pdf=True)
    assert result.ok, [p.format() for p in result.problems]
    return out


@pytest.fixture
def notes(tmp_path) -> Path:
    """A writable copy of the example notes."""
    target = tmp_path / "notes"
    shutil.copytree(EXAMPLE_NOTES, target)
    return target
