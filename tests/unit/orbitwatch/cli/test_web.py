from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog
from typer.testing import CliRunner

from orbitwatch.cli import app

pytestmark = pytest.mark.unit


def test_exposed_without_credentials_is_one_line_and_exit_2(runner: CliRunner) -> None:
    result = runner.invoke(app, ["web", "--host", "0.0.0.0"], env={"ORBITWATCH_WEB_TOKEN": ""})
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ORBITWATCH_WEB_HOST=0.0.0.0 ")


def test_the_password_is_never_printed(runner: CliRunner) -> None:
    result = runner.invoke(app, ["web"], env={"ORBITWATCH_WEB_PASSWORD": "hunter2-secret"})
    assert result.exit_code == 2
    assert "go together" in result.output and "hunter2-secret" not in result.output


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The command configures logging for its process: undo it for the next tests."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    quieted = {name: logging.getLogger(name).level for name in ("elastic_transport", "aiokafka")}
    yield
    root.handlers, root.level = handlers, level
    for name, saved in quieted.items():
        logging.getLogger(name).setLevel(saved)
    structlog.reset_defaults()


@pytest.mark.usefixtures("restore_logging")
def test_a_taken_port_is_one_error_line_not_a_traceback(runner: CliRunner, busy_port: int) -> None:
    result = runner.invoke(
        app,
        ["web", "--port", str(busy_port)],
        env={"ORBITWATCH_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9"},
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("error: the desk could not start")
