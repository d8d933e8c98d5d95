"""Every command validates the settings once, first, and ends on bad ones the same way:
one ``error:`` line per problem, exit code 2, no traceback unless asked for."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from orbitwatch.cli import app


@pytest.mark.parametrize(
    "command",
    [["search", "moon"], ["es", "status"], ["status"], ["worker"], ["alerts", "tail"]],
)
@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        (
            "ORBITWATCH_WATCHLIST",
            "RU,CN",
            "error: ORBITWATCH_WATCHLIST: expected a JSON list of country codes such as "
            '["RU","CN"], got RU,CN',
        ),
        (
            "ORBITWATCH_TOPIC_PARTITIONS",
            "0",
            "error: ORBITWATCH_TOPIC_PARTITIONS: expected a number >= 1, got 0",
        ),
    ],
)
def test_a_bad_setting_ends_any_command_in_one_line_and_exit_2(
    runner: CliRunner, command: list[str], name: str, value: str, line: str
) -> None:
    result = runner.invoke(app, command, env={name: value})
    assert result.exit_code == 2
    assert result.stderr.strip() == line
    assert "Traceback" not in result.output


def test_debug_adds_the_traceback(runner: CliRunner) -> None:
    env = {"ORBITWATCH_STORY_WINDOW": "P0D"}
    result = runner.invoke(app, ["--debug", "search", "moon"], env=env)
    assert result.exit_code == 2
    assert "Traceback" in result.stderr
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("error: ORBITWATCH_STORY_WINDOW: expected a positive duration")
    )


def test_log_level_debug_adds_the_traceback(runner: CliRunner) -> None:
    env = {"ORBITWATCH_LOG_LEVEL": "DEBUG", "ORBITWATCH_ES_URL": "not a url"}
    result = runner.invoke(app, ["es", "status"], env=env)
    assert result.exit_code == 2
    assert "Traceback" in result.stderr


def test_help_and_version_need_no_valid_settings(runner: CliRunner) -> None:
    env = {"ORBITWATCH_TOPIC_PARTITIONS": "0"}
    assert runner.invoke(app, ["--version"], env=env).exit_code == 0
    assert runner.invoke(app, ["search", "--help"], env=env).exit_code == 0
