"""deploy/: what its files name exists. The units' commands are commands of
this version of ``outcomes``, with options it has; the container installs
the versions the tests pass with. (tests/test_deploy_nginx.py runs the
nginx site file.)"""

from __future__ import annotations

import re
import shlex

import pytest

from conftest import ROOT

DEPLOY = ROOT / "deploy"


def _exec_start(unit: str) -> list[str]:
    line = next(line for line in (DEPLOY / "systemd" / unit).read_text().splitlines() if line.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart="))


@pytest.mark.parametrize("unit", ["outcomes-site.service", "outcomes-desk.service", "outcomes-desk-backup.service"])
def test_each_unit_runs_an_outcomes_command_with_options_it_has(unit):
    import click

    from outcomes.cli import cli

    program, *arguments = _exec_start(unit)
    assert program == "/srv/outcomes/venv/bin/outcomes"
    command = cli
    while isinstance(command, click.Group):  # outcomes desk serve ...
        command = command.commands[arguments.pop(0)]
    command.make_context(command.name, arguments)  # an unknown option or a bad value raises here


def test_the_timer_starts_the_backup_and_the_units_agree_on_ports():
    timer = (DEPLOY / "systemd" / "outcomes-desk-backup.timer").read_text()
    assert "OnCalendar=hourly" in timer and "Persistent=true" in timer
    site, desk = _exec_start("outcomes-site.service"), _exec_start("outcomes-desk.service")
    nginx = (DEPLOY / "nginx" / "outcomes.conf").read_text()
    assert f"server 127.0.0.1:{site[site.index('--port') + 1]};" in nginx
    assert f"server 127.0.0.1:{desk[desk.index('--port') + 1]};" in nginx


def test_the_container_installs_the_locked_versions():
    pins = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    installed = re.findall(r"([A-Za-z0-9_.\-]+)==([^\s\\]+)", (DEPLOY / "site.Dockerfile").read_text())
    assert len(installed) >= 11
    assert [(name, version) for name, version in installed if pins.get(name) != version] == []
