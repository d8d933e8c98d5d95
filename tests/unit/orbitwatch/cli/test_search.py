"""``orbitwatch search``: filters that can only match nothing are refused before the search
is sent; the Elasticsearch address is printed without its password."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from orbitwatch.cli import app

# Nothing listens here: a test that got past validation would fail to connect, not hang.
NO_SERVER = {"ORBITWATCH_ES_URL": "http://elastic:PASSWORD@127.0.0.1:1"}


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["nosuchfield:moon"], "error: unknown field 'nosuchfield' in the query (known: "),
        (
            ["--severity", "critical", "moon"],
            "error: --severity: expected one of high, medium, low, none, got critical",
        ),
        (["--type", "telepathy", "moon"], "error: --type: expected one of lunar, nuclear, "),
        (["--since", "1h", "--until", "7d", "moon"], "error: --since ("),
        (["--actor", "R1", "moon"], "error: --actor: expected an ISO 3166-1 alpha-2 code"),
    ],
)
def test_a_filter_that_can_match_nothing_is_one_line_and_exit_2(
    runner: CliRunner, args: list[str], start: str
) -> None:
    result = runner.invoke(app, ["search", *args], env=NO_SERVER)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(start)


def test_unknown_fields_list_the_mapping_fields(runner: CliRunner) -> None:
    result = runner.invoke(app, ["search", "nosuchfield:moon"], env=NO_SERVER)
    for field in ("title", "summary", "actors", "event_types", "severity", "feed_id"):
        assert field in result.stderr


def test_the_password_in_the_elasticsearch_url_is_never_printed(runner: CliRunner) -> None:
    result = runner.invoke(app, ["search", "title:moon"], env=NO_SERVER)
    assert result.exit_code == 1
    assert "PASSWORD" not in result.output
    assert result.stderr.startswith("error: Elasticsearch at http://elastic:***@127.0.0.1:1: ")
