"""Process helpers of the local servers (deploy/local/process.py): free ports, log tails."""

from __future__ import annotations

from pathlib import Path

from deploy.local.process import port_is_free, tail


def test_port_is_free_sees_a_listener(busy_port: int) -> None:
    assert not port_is_free("127.0.0.1", busy_port)


def test_tail_returns_the_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    assert tail(log, 2) == "line 98\nline 99\n"
    assert "no log at" in tail(tmp_path / "missing.log")
