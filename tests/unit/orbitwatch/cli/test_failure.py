"""Start-up failures of the services (worker, connector, notifier) follow
ORBITWATCH_LOG_FORMAT: one JSON event per problem with ``json``, even when the settings are
what failed, so a log shipper reading JSON sees why a service did not start. Checked before
any server is touched: none of these runs reaches Kafka."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orbitwatch.cli.main import app

SERVICES = [("worker",), ("connector", "run"), ("notify",)]
PASSWORD = "s3cret-pw"


@pytest.fixture(autouse=True)
def _root_logger_restored() -> Iterator[None]:
    """Commands that get past the settings configure the root logger onto the runner's
    stderr, closed after the test: later tests' log lines must not go there."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers, root.level = handlers, level


def _events(stderr: str) -> list[dict[str, str]]:
    events = [json.loads(line) for line in stderr.splitlines()]  # every line is JSON
    assert events
    for event in events:
        assert event["level"] == "error"
        assert set(event) >= {"event", "level", "logger", "timestamp"}
    return events


@pytest.mark.parametrize("command", SERVICES)
def test_bad_settings_are_json_events_with_json_logs(
    runner: CliRunner, command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORBITWATCH_LOG_FORMAT", "json")
    monkeypatch.setenv("ORBITWATCH_WATCHLIST", "RU,CN")
    monkeypatch.setenv("ORBITWATCH_ES_URL", f"http://elastic:{PASSWORD}@es.example:9200 x")
    result = runner.invoke(app, list(command))
    assert result.exit_code == 2, result.stderr
    events = _events(result.stderr)
    text = " ".join(event["event"] for event in events)
    assert "ORBITWATCH_WATCHLIST: expected a JSON list" in text
    assert "ORBITWATCH_ES_URL" in text
    assert PASSWORD not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", SERVICES)
def test_json_asked_in_the_env_file_is_followed_when_another_setting_is_bad(
    runner: CliRunner,
    command: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("ORBITWATCH_LOG_FORMAT=json\nORBITWATCH_TOPIC_PARTITIONS=0\n")
    result = runner.invoke(app, list(command))
    assert result.exit_code == 2, result.stderr
    assert "ORBITWATCH_TOPIC_PARTITIONS" in _events(result.stderr)[0]["event"]


def test_console_logs_keep_error_lines(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORBITWATCH_WATCHLIST", "RU,CN")
    result = runner.invoke(app, ["worker"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ORBITWATCH_WATCHLIST: expected a JSON list")


def test_connector_bad_feed_list_is_json(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORBITWATCH_LOG_FORMAT", "json")
    monkeypatch.setenv("ORBITWATCH_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n  - id: x\n    url: not a url\n")
    result = runner.invoke(app, ["connector", "run", "--once", "--feeds", str(feeds)])
    assert result.exit_code == 2, result.stderr
    events = _events(result.stderr)
    assert str(feeds) in events[0]["event"]
    assert all(event["logger"] == "orbitwatch.connector" for event in events)
    assert "Kafka" not in result.stderr  # the file is checked before any server


def test_notifier_without_endpoints_is_json(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORBITWATCH_LOG_FORMAT", "json")
    monkeypatch.setenv("ORBITWATCH_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("ORBITWATCH_WEBHOOK_SECRET", "a-webhook-secret-of-some-length")
    result = runner.invoke(app, ["notify"])
    assert result.exit_code == 2, result.stderr
    assert _events(result.stderr)[0]["event"].startswith("no notification endpoints")
