"""Start-up with Kafka away (issue 15, item 3), as operators run the commands: each in its own
process, pointed at a closed port (the shared local servers keep running).

- the worker checks its files before touching a server, then waits for Kafka: one line per
  wait naming the server (never its credentials), ``/ready`` false meanwhile;
- ``alerts tail`` and ``alerts silence`` say in one line that Kafka is unreachable, exit 1;
- the notifier waits like the worker.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

CLOSED_KAFKA = "127.0.0.1:1"
CLOSED_ES = "http://elastic:hunter2@127.0.0.1:2"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORBITWATCH_")}
    env |= {
        "ORBITWATCH_KAFKA_BOOTSTRAP_SERVERS": CLOSED_KAFKA,
        "ORBITWATCH_ES_URL": CLOSED_ES,
        "ORBITWATCH_DATA_DIR": str(tmp_path / "data"),
        "ORBITWATCH_APP_ID": "startup-without-kafka",
        **extra,
    }
    return env


def _orbitwatch(*args: str) -> list[str]:
    return [sys.executable, "-m", "orbitwatch.cli", *args]


def _ready(port: int) -> tuple[int, dict[str, object]] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    except OSError:
        return None


def _wait_lines(log_path: Path, needle: str, count: int, limit_s: float) -> list[str]:
    deadline = time.monotonic() + limit_s
    lines: list[str] = []
    while time.monotonic() < deadline:
        lines = [line for line in log_path.read_text().splitlines() if needle in line]
        if len(lines) >= count:
            break
        time.sleep(0.2)
    return lines


def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


@pytest.mark.parametrize("command", [("worker",), ("notify",)])
def test_service_waits_for_kafka_naming_the_server_and_is_not_ready(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    port = _free_port()
    log_path = tmp_path / "service.log"
    env = _environment(
        tmp_path,
        ORBITWATCH_METRICS_PORT=str(port),
        ORBITWATCH_LOG_FORMAT="json",
        ORBITWATCH_WEBHOOK_URLS='["http://127.0.0.1:9/hook"]',
        ORBITWATCH_WEBHOOK_SECRET="a-webhook-secret-of-some-length",
        ORBITWATCH_WEBHOOK_ALLOW_PRIVATE="true",
    )
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            _orbitwatch(*command), env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
        try:
            waits = _wait_lines(log_path, "waiting for Kafka", 3, limit_s=30)
            ready = _ready(port)
            still_running = process.poll() is None
        finally:
            _stop(process)
    text = log_path.read_text()
    assert still_running, text
    assert len(waits) >= 3, text
    for line in waits:
        event = json.loads(line)  # one JSON event per wait
        assert event["level"] == "warning"
        assert event["event"].startswith("waiting for Kafka at 127.0.0.1:1: attempt ")
    assert ready is not None and ready[0] == 503, ready
    assert ready[1]["status"] == "not_ready"
    assert "Traceback" not in text
    assert "Unable connect" not in text  # aiokafka's own per-attempt line is kept quiet
    assert "hunter2" not in text


def test_worker_checks_its_rules_file_before_any_server(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: x\n    kind: nosuch\n")
    env = _environment(tmp_path, ORBITWATCH_ALERT_RULES_FILE=str(rules))
    # A worker that tried Kafka first would wait for it forever: the timeout catches that,
    # and the absence of any Kafka line below proves it; no wall-clock bound is asserted.
    result = subprocess.run(_orbitwatch("worker"), env=env, capture_output=True, timeout=180)
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert "Kafka" not in stderr  # no server was touched, not even tried
    assert f"error: {rules}: 1 problem(s) in the alert rules" in stderr
    assert "kind: must be one of match, frequency, spike, flatline" in stderr
    assert "Traceback" not in stderr


def test_worker_start_up_failure_is_json_with_json_logs(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: x\n    kind: nosuch\n")
    env = _environment(
        tmp_path, ORBITWATCH_ALERT_RULES_FILE=str(rules), ORBITWATCH_LOG_FORMAT="json"
    )
    result = subprocess.run(_orbitwatch("worker"), env=env, capture_output=True, timeout=60)
    assert result.returncode == 2
    events = [json.loads(line) for line in result.stderr.decode().splitlines()]
    assert events and all(event["level"] == "error" for event in events)
    assert "alert rules" in events[0]["event"]


@pytest.mark.parametrize(
    "args", [("alerts", "tail"), ("alerts", "silence", "--rule", "r", "--for", "1h")]
)
def test_alerts_commands_say_kafka_is_unreachable_in_one_line(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = subprocess.run(
        _orbitwatch(*args), env=_environment(tmp_path), capture_output=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.decode() == "error: Kafka at 127.0.0.1:1 is unreachable\n"


def test_alerts_tail_waits_with_wait(tmp_path: Path) -> None:
    log_path = tmp_path / "tail.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            _orbitwatch("alerts", "tail", "--wait"),
            env=_environment(tmp_path),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            waits = _wait_lines(log_path, "waiting for Kafka at 127.0.0.1:1", 2, limit_s=30)
            still_running = process.poll() is None
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=20)
    assert still_running, log_path.read_text()
    assert len(waits) >= 2
