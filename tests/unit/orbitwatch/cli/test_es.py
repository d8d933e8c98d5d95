"""``orbitwatch es``: failures name the cluster without its password."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from orbitwatch.cli import app


@pytest.mark.parametrize("command", [["es", "status"], ["es", "setup"]])
def test_an_unreachable_cluster_is_named_without_the_password(
    runner: CliRunner, command: list[str]
) -> None:
    env = {"ORBITWATCH_ES_URL": "http://elastic:PASSWORD@127.0.0.1:1"}
    result = runner.invoke(app, command, env=env)
    assert result.exit_code == 1
    assert "PASSWORD" not in result.output
    assert result.stderr.startswith("error: Elasticsearch at http://elastic:***@127.0.0.1:1: ")


def test_reindex_on_an_unreachable_cluster_is_one_line_without_the_password(
    runner: CliRunner,
) -> None:
    env = {"ORBITWATCH_ES_URL": "http://elastic:PASSWORD@127.0.0.1:1"}
    result = runner.invoke(app, ["es", "reindex"], env=env)
    assert result.exit_code == 1
    assert "PASSWORD" not in result.output
    assert result.stderr.startswith("error: cannot reach Elasticsearch at http://127.0.0.1:1 (")
    assert len(result.stderr.strip().splitlines()) == 1
