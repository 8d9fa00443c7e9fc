"""ruff, with the rules stated in pyproject.toml ([tool.ruff]), passes on
the whole repository: the README's test command checks it too."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REQUIRE_TOOLS

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_passes():
    if importlib.util.find_spec("ruff") is None:
        message = "ruff is not installed: pip install -e '.[test]' -c constraints.txt"
        if REQUIRE_TOOLS:
            pytest.fail(message)
        pytest.skip(message)
    ran = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", str(ROOT)],
                         capture_output=True, text=True, cwd=ROOT)
    assert (ran.returncode, ran.stdout.strip()) == (0, "All checks passed!"), ran.stdout + ran.stderr
