"""``orbitwatch feedback``: the command refuses mistakes before any I/O."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from orbitwatch.cli import app as cli

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["a b", "--relevant"], "error: not an article or alert id: 'a b'"),
        (["", "--relevant"], "error: empty id"),
        (["a1", "--relevant", "--types", "moon"], "error: unknown event type 'moon'"),
        (["a1", "--relevant", "--actors", "Russia"], "error: not an actor code: 'Russia'"),
        (["a1", "--relevant", "--relation", "hostile"], "error: unknown relation 'hostile'"),
        (["a1", "--not-relevant", "--actors", "RU"], "error: --actors contradict(s)"),
    ],
)
def test_cli_mistakes_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["feedback", *args])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(message), result.output
    assert result.output.count("\n") == 1  # one line, no traceback


def test_cli_record_is_the_default_subcommand() -> None:
    result = CliRunner().invoke(cli, ["feedback", "--help"], env={"COLUMNS": "160"})
    assert result.exit_code == 0
    assert "record" in result.output and "export" in result.output
    explicit = CliRunner().invoke(cli, ["feedback", "record", "a b", "--relevant"])
    assert explicit.exit_code == 2 and "not an article or alert id" in explicit.output
