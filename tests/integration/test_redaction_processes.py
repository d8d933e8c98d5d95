"""No password is ever printed (issue 15): each service run as operators run it, in its own
process, with credentials in the URLs it is given; stdout, stderr and the log lines must
name the address without the password. One test per service.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orbitwatch.core.settings import Settings
from tests.faults.processes import notifier_tuning, orbitwatch_env

pytestmark = pytest.mark.integration

PASSWORD = "Pa55-w0rd-xyz"
CLOSED = "127.0.0.1:2"  # nothing listens: every attempt fails at once


def _orbitwatch(*args: str) -> list[str]:
    return [sys.executable, "-m", "orbitwatch.cli", *args]


def _es_with_password(settings: Settings) -> str:
    """The real cluster's URL with credentials in it (the local cluster ignores them)."""
    return settings.es_url.replace("://", f"://elastic:{PASSWORD}@", 1)


def _run_until(args: list[str], env: dict[str, str], log: Path, needle: str, limit_s: float) -> str:
    """Run a long-running service until ``needle`` shows in its output, then stop it."""
    with log.open("wb") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + limit_s
        try:
            while needle not in log.read_text() and time.monotonic() < deadline:
                if process.poll() is not None:
                    break
                time.sleep(0.3)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return log.read_text()


def _clean(text: str, address: str) -> None:
    assert PASSWORD not in text, text[-3000:]
    assert address in text, text[-3000:]


def test_worker(isolated_settings: Settings, tmp_path: Path) -> None:
    env = orbitwatch_env(
        isolated_settings,
        {
            "ORBITWATCH_ES_URL": f"http://elastic:{PASSWORD}@{CLOSED}",
            "ORBITWATCH_LOG_LEVEL": "DEBUG",
        },
    )
    text = _run_until(_orbitwatch("worker"), env, tmp_path / "worker.log", "is unavailable", 120)
    # The outage lines name the server by scheme, host and port only.
    _clean(text, f"Elasticsearch at http://{CLOSED} (index-events) is unavailable")


def test_connector(isolated_settings: Settings, tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(
        f"feeds:\n  - id: private\n    name: Private\n"
        f"    url: http://reader:{PASSWORD}@{CLOSED}/feed.xml\n"
    )
    env = orbitwatch_env(isolated_settings, {"ORBITWATCH_LOG_LEVEL": "DEBUG"})
    result = subprocess.run(
        _orbitwatch("connector", "run", "--once", "--feeds", str(feeds)),
        env=env,
        capture_output=True,
        timeout=120,
    )
    text = result.stdout.decode() + result.stderr.decode()
    assert result.returncode == 0, text
    assert "1 failed" in text
    _clean(text, f"reader:***@{CLOSED}")


def test_notifier(isolated_settings: Settings, tmp_path: Path) -> None:
    url = f"http://hook:{PASSWORD}@{CLOSED}/hook"
    env = orbitwatch_env(
        isolated_settings, {**notifier_tuning(url), "ORBITWATCH_LOG_LEVEL": "DEBUG"}
    )
    text = _run_until(_orbitwatch("notify"), env, tmp_path / "notify.log", "delivering alerts", 90)
    # The endpoint (named after the URL) used to be shown as hook:<password>@host:port.
    _clean(text, f"delivering alerts to {CLOSED} (webhook)")


def test_search(isolated_settings: Settings) -> None:
    env = orbitwatch_env(
        isolated_settings, {"ORBITWATCH_ES_URL": f"http://elastic:{PASSWORD}@{CLOSED}"}
    )
    result = subprocess.run(_orbitwatch("search", "moon"), env=env, capture_output=True, timeout=60)
    text = result.stdout.decode() + result.stderr.decode()
    assert result.returncode == 1, text
    _clean(text, f"Elasticsearch at http://elastic:***@{CLOSED}")


def test_es_status(isolated_settings: Settings) -> None:
    env = orbitwatch_env(
        isolated_settings, {"ORBITWATCH_ES_URL": _es_with_password(isolated_settings)}
    )
    result = subprocess.run(_orbitwatch("es", "status"), env=env, capture_output=True, timeout=60)
    text = result.stdout.decode() + result.stderr.decode()
    assert PASSWORD not in text, text
    env["ORBITWATCH_ES_URL"] = f"http://elastic:{PASSWORD}@{CLOSED}"
    result = subprocess.run(_orbitwatch("es", "status"), env=env, capture_output=True, timeout=60)
    _clean(result.stdout.decode() + result.stderr.decode(), f"http://elastic:***@{CLOSED}")


def test_status(isolated_settings: Settings) -> None:
    env = orbitwatch_env(
        isolated_settings, {"ORBITWATCH_ES_URL": _es_with_password(isolated_settings)}
    )
    result = subprocess.run(_orbitwatch("status"), env=env, capture_output=True, timeout=120)
    assert PASSWORD not in result.stdout.decode() + result.stderr.decode()
    env["ORBITWATCH_ES_URL"] = f"http://elastic:{PASSWORD}@{CLOSED}"
    result = subprocess.run(_orbitwatch("status"), env=env, capture_output=True, timeout=120)
    _clean(result.stdout.decode() + result.stderr.decode(), f"http://elastic:***@{CLOSED}")


def test_json_logs_of_a_service_hold_no_password(
    isolated_settings: Settings, tmp_path: Path
) -> None:
    """The same with the log shipper's format: every line JSON, none with the password."""
    env = orbitwatch_env(
        isolated_settings,
        {
            "ORBITWATCH_ES_URL": f"http://elastic:{PASSWORD}@{CLOSED}",
            "ORBITWATCH_LOG_LEVEL": "DEBUG",
        },
    )
    text = _run_until(_orbitwatch("worker"), env, tmp_path / "worker.log", "is unavailable", 120)
    lines = [line for line in text.splitlines() if line.strip()]
    unavailable = [json.loads(line) for line in lines if "is unavailable" in line]
    assert unavailable, text[-3000:]
    _clean(text, f"Elasticsearch at http://{CLOSED}")
