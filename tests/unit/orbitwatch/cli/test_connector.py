"""`orbitwatch connector run` options refused before any server is contacted."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from orbitwatch.cli import app

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "message"),
    [("soon", "expected seconds or a duration"), ("0", "at least 1s"), ("-5m", "expected")],
)
def test_a_bad_poll_budget_is_one_line_and_exit_2(
    runner: CliRunner, value: str, message: str
) -> None:
    result = runner.invoke(app, ["connector", "run", "--once", "--poll-budget", value])
    assert result.exit_code == 2, result.output
    assert "--poll-budget" in result.output and message in result.output
    assert "Traceback" not in result.output
