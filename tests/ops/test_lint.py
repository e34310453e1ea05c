"""The whole repository passes ruff's lint and format checks (configured in pyproject.toml)."""

from pathlib import Path

import pytest

from tests.ops.helpers import PYTHON, run

pytestmark = pytest.mark.slow

RUFF = str(Path(PYTHON).with_name("ruff"))


def test_ruff_finds_no_lint_errors():
    result = run([RUFF, "check", "--no-cache", "--output-format", "concise", "."])
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_nothing_to_reformat():
    result = run([RUFF, "format", "--no-cache", "--check", "."])
    assert result.returncode == 0, result.stdout + result.stderr
