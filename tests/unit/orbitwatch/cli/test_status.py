"""``orbitwatch status`` with every server away: the screen says so, without credentials."""

from __future__ import annotations

from pathlib import Path

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


def test_status_lists_notification_endpoints_with_their_tokens_masked(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "endpoints.yaml"
    path.write_text(
        "endpoints:\n"
        "  - name: ops-chat\n"
        "    url: slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ\n"
        "    min_severity: high\n"
        "  - name: desk-mail\n"
        "    url: mailtos://alerts:MailPass9@smtp.example.org?to=desk@example.org\n"
        "    actors: [RU, CN]\n",
        encoding="utf-8",
    )
    env = {
        "ORBITWATCH_ES_URL": "http://127.0.0.1:1",
        "ORBITWATCH_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
        "ORBITWATCH_WEBHOOK_ENDPOINTS_FILE": str(path),
        "COLUMNS": "200",  # one table row per endpoint, URLs not wrapped
    }
    result = runner.invoke(app, ["status"], env=env)
    for secret in ("T1JJ3T3L2", "A1BRTD4JD", "TIiajkdnlazkcOXrIdevi7FQ", "MailPass9"):
        assert secret not in result.output
    assert "slack://***/***/***" in result.output
    assert "mailtos://alerts:***@smtp.example.org" in result.output
    assert "severity >= high" in result.output and "actors: RU, CN" in result.output
