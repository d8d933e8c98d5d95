"""The container healthcheck of the orbitwatch processes (deploy/healthcheck.py)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from deploy.healthcheck import (
    NotServed,
    ask_ready,
    check,
    connected_to_kafka,
    established_remote_ports,
    kafka_ports,
)
from orbitwatch.core.settings import Settings

pytestmark = pytest.mark.unit

HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid"
# 172.18.0.5:41234 -> 172.18.0.2:9092 established; a listener on :9400; a closing socket.
TCP = "\n".join(
    [
        HEADER,
        "   0: 050012AC:A0F2 020012AC:2384 01 00000000:00000000 00:00000000 00000000 10001",
        "   1: 00000000:24B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001",
        "   2: 050012AC:A0F4 020012AC:0050 06 00000000:00000000 00:00000000 00000000 10001",
    ]
)


def settings(bootstrap: str = "kafka:9092", metrics_port: int = 0) -> Settings:
    return Settings.model_construct(kafka_bootstrap_servers=bootstrap, metrics_port=metrics_port)


def test_established_connections_are_read_from_the_socket_table() -> None:
    assert established_remote_ports(TCP) == {9092}
    assert established_remote_ports(HEADER) == set()


def test_kafka_ports_come_from_the_bootstrap_list() -> None:
    assert kafka_ports(settings("a:9092, b:19092,[::1]:9093")) == {
        9092,
        19092,
        9093,
    }


def test_kafka_connection_check(tmp_path: Path) -> None:
    table = tmp_path / "tcp"
    table.write_text(TCP)
    assert connected_to_kafka(settings(), [table, tmp_path / "absent"])[0] is True
    other = settings("kafka:19092")
    healthy, reason = connected_to_kafka(other, [table])
    assert healthy is False and "19092" in reason


class Ready(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b'{"status":"not_ready","checks":{"kafka":false}}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def ready_server() -> Iterator[HTTPServer]:
    server = HTTPServer(("127.0.0.1", 0), Ready)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_ready_endpoint_decides_when_served(
    ready_server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = ready_server.server_address[1]
    assert ask_ready(port)[0] is True
    monkeypatch.setattr(Ready, "status", 503)
    healthy, reason = ask_ready(port)
    assert healthy is False and "not_ready" in reason
    # A 503 is final: the Kafka fallback must not paper over it.
    assert check(settings(metrics_port=port), tables=[])[0] is False


def test_falls_back_to_kafka_when_nothing_serves_ready(tmp_path: Path) -> None:
    port = free_port()
    with pytest.raises(NotServed):
        ask_ready(port)
    table = tmp_path / "tcp"
    table.write_text(TCP)
    assert check(settings(metrics_port=port), [table])[0] is True
    assert check(settings(metrics_port=port), [])[0] is False
    assert check(settings(metrics_port=0), [table])[0] is True
