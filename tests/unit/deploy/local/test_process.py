"""Local-infrastructure logic that needs no server: ports, Java detection, CLI errors."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deploy.local import kafka_server
from deploy.local.errors import JavaMissing, PortInUse
from deploy.local.java import find_jdk
from deploy.local.manager import LocalInfra
from deploy.local.process import port_is_free, tail
from orbitwatch.cli import app
from orbitwatch.core.settings import Settings, get_settings


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def test_port_is_free_sees_a_listener(busy_port: int) -> None:
    assert not port_is_free("127.0.0.1", busy_port)


def test_kafka_refuses_a_taken_port_before_downloading(busy_port: int, tmp_path: Path) -> None:
    settings = Settings(
        kafka_bootstrap_servers=f"127.0.0.1:{busy_port}", infra_home=tmp_path / "infra"
    )
    with pytest.raises(PortInUse, match=f"127.0.0.1:{busy_port} is already in use"):
        LocalInfra(settings).up()
    assert not (tmp_path / "infra" / "downloads").exists()


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


def test_find_jdk_rejects_a_too_high_minimum() -> None:
    with pytest.raises(JavaMissing, match="Java 99\\+ is required"):
        find_jdk(minimum=99)


def test_find_jdk_finds_java_17_or_newer() -> None:
    jdk = find_jdk()
    assert jdk.major >= 17
    assert jdk.java.exists()


def test_tail_returns_the_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    assert tail(log, 2) == "line 98\nline 99\n"
    assert "no log at" in tail(tmp_path / "missing.log")


def test_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    # 0xF8 encodes to "-" in URL-safe base64: the storage tool took such an id for an option
    # and refused to format (a 1-in-64 start-up failure seen in CI).
    draws = iter([uuid.UUID(bytes=b"\xf8" + b"\x01" * 15), uuid.UUID(bytes=b"\x10" * 16)])
    monkeypatch.setattr(kafka_server.uuid, "uuid4", lambda: next(draws))
    cluster_id = kafka_server.new_cluster_id()
    assert cluster_id == "EBAQEBAQEBAQEBAQEBAQEA"
    assert len(cluster_id) == 22 and not cluster_id.startswith("-")
