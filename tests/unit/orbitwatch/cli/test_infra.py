"""``orbitwatch infra`` errors without a server: a taken port in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from orbitwatch.cli import app
from orbitwatch.core.settings import get_settings


def test_cli_reports_a_taken_port_in_one_line(
    busy_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORBITWATCH_KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{busy_port}")
    monkeypatch.setenv("ORBITWATCH_INFRA_HOME", str(tmp_path))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["infra", "up"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    error_lines = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
    assert len(error_lines) == 1
    assert "already in use" in result.output
