"""``orbitwatch status`` with every server away: the screen says so, without credentials."""

from __future__ import annotations

from typer.testing import CliRunner

from orbitwatch.cli import app


def test_status_with_servers_down_never_prints_the_password(runner: CliRunner) -> None:
    env = {
        "ORBITWATCH_ES_URL": "http://elastic:PASSWORD@127.0.0.1:1",
        "ORBITWATCH_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
    }
    result = runner.invoke(app, ["status"], env=env)
    assert result.exit_code == 1
    assert "PASSWORD" not in result.output
    assert "http://elastic:***@127.0.0.1:1" in result.output
