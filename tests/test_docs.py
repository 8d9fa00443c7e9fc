"""The README's command table names every command and every option, as
Datasette's own test_docs does for its documentation: help and README
cannot drift apart."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import click
import pytest

from outcomes.cli import cli
from test_architecture import ROOMS, may_import

ROOT = Path(__file__).resolve().parent.parent


def commands(command: click.Command, path: str) -> list[tuple[str, click.Command]]:
    """Every command and subcommand, by the words that run it."""
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            found += commands(sub, f"{path} {name}")
    return found


def publish_command() -> click.Command:
    return runpy.run_path(str(ROOT / "publish.py"), run_name="publish_docs")["main"]


ALL = commands(cli, "outcomes") + [("python publish.py", publish_command())]


def table() -> dict[str, str]:
    """The "## Commands" section's table: command -> its entry (its line and
    the indented lines under it)."""
    section = ROOT.joinpath("README.md").read_text("utf-8").split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```\n", 2)[1]
    names = sorted((path for path, _ in ALL), key=len, reverse=True)
    entries: dict[str, str] = {}
    current = None
    for line in block.splitlines():
        if line.startswith(" ") and current:
            entries[current] += "\n" + line
            continue
        current = next((name for name in names if line == name or line.startswith(name + " ")), line)
        assert current not in entries, f"{current} twice in the table"
        entries[current] = line
    return entries


def _shown(name: str, entry: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", entry) is not None


def test_the_table_names_only_commands():
    known = {path for path, _ in ALL}
    assert [entry for entry in table() if entry not in known] == []


@pytest.mark.parametrize("path,command", ALL, ids=[path for path, _ in ALL])
def test_every_command_and_option_is_in_the_table(path, command):
    options = [param for param in command.params if isinstance(param, click.Option) and not param.hidden]
    if isinstance(command, click.Group) and not options:
        return  # a group without options of its own is its subcommands
    entry = table().get(path)
    assert entry is not None, f"{path!r} is not in the README's command table"
    missing = [param.opts[-1] for param in options if not any(_shown(name, entry) for name in param.opts + param.secondary_opts)]
    assert missing == [], f"{path}: options missing from the README's table"


def development_map() -> dict[str, str]:
    """The README's development map: room -> what it may import, as written."""
    section = ROOT.joinpath("README.md").read_text("utf-8").split("\n## Development\n", 1)[1]
    rows = section.split("```\n", 2)[1].splitlines()[1:]
    return {re.split(r"\s{2,}", row)[0].removesuffix(".py").strip("/").replace("/", " "): re.split(r"\s{2,}", row)[-1]
            for row in rows}


def _read(cell: str, order: list[str]) -> set[str]:
    """"anything", "nothing", "A, B and below" (A, B and every room listed
    under the lowest of them, down to common), "common's copy, third-party"."""
    if cell == "anything":
        return set(ROOMS) - {"cli"}
    words = [word.strip() for word in re.split(r",| and ", cell)]
    named = {word for word in words if word in ROOMS}
    if "below" in words:
        named |= set(order[max(order.index(room) for room in named) + 1: order.index("common") + 1])
    return named


def test_the_development_map_states_the_import_rules():
    drawn = development_map()
    order = list(drawn)
    assert sorted(drawn) == sorted(ROOMS)
    assert {room: _read(cell, order) for room, cell in drawn.items()} == {room: may_import(room) for room in ROOMS}
