"""``orbitwatch status`` with every server away: the screen says so, without credentials."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from orbitwatch.cli import app
from orbitwatch.core.settings import get_settings


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    for name in list(os.environ):
        if name.startswith("ORBITWATCH_"):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_status_with_servers_down_never_prints_the_password(runner: CliRunner) -> None:
    env = {
        "ORBITWATCH_ES_URL": "http://elastic:PASSWORD@127.0.0.1:1",
        "ORBITWATCH_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
    }
    result = runner.invoke(app, ["status"], env=env)
    assert result.exit_code == 1
    assert "PASSWORD" not in result.output
    assert "http://elastic:***@127.0.0.1:1" in result.output
