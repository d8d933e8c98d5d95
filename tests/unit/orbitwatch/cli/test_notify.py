"""``orbitwatch notify test ENDPOINT``: a sample alert to one endpoint, one line, exit code."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from orbitwatch.cli import app

pytestmark = pytest.mark.unit


class _Receiver(BaseHTTPRequestHandler):
    bodies: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        type(self).bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[int, list[dict[str, str]]]]:
    _Receiver.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _Receiver.bodies
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def endpoints_file(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "endpoints.yaml"
    path.write_text(
        "endpoints:\n"
        "  - name: local-json\n"
        f"    url: json://hook:HookPass@127.0.0.1:{port}/in/secret-path-77\n",
        encoding="utf-8",
    )
    return path


def env(path: Path) -> dict[str, str]:
    return {
        "ORBITWATCH_WEBHOOK_ENDPOINTS_FILE": str(path),
        "ORBITWATCH_WEBHOOK_ALLOW_PRIVATE": "true",
        "ORBITWATCH_WEB_PUBLIC_URL": "https://desk.example.org",
    }


def test_a_sample_alert_is_sent_and_reported_in_one_line(
    runner: CliRunner, tmp_path: Path, receiver: tuple[int, list[dict[str, str]]]
) -> None:
    port, bodies = receiver
    result = runner.invoke(
        app, ["notify", "test", "local-json"], env=env(endpoints_file(tmp_path, port))
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == [
        f"sent a sample alert to local-json (json://hook:***@127.0.0.1:{port}/***/***)"
    ]
    [body] = bodies
    assert body["title"].startswith("[HIGH] Sample alert")
    assert "- ru: " in body["message"] and "- zh: " in body["message"]
    assert "Story: https://desk.example.org/stories/sample-story" in body["message"]


def test_a_failure_is_one_line_and_exit_1(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["notify", "test", "local-json"], env=env(endpoints_file(tmp_path, closed_port()))
    )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("failed: local-json (json://hook:***@127.0.0.1:")
    assert "HookPass" not in result.output and "secret-path-77" not in result.output


def test_an_unknown_endpoint_names_the_configured_ones(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["notify", "test", "nope"], env=env(endpoints_file(tmp_path, 1)))
    assert result.exit_code == 2
    assert "no endpoint named 'nope' (endpoints: local-json)" in result.output
