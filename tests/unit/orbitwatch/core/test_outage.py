"""Waiting for a server and logging an outage (orbitwatch/core/outage.py), on a fake clock."""

from __future__ import annotations

import asyncio
import logging

import pytest

from orbitwatch.core.outage import (
    Outage,
    Unreachable,
    describe_error,
    server_address,
    wait_for,
)
from orbitwatch.core.retry import Backoff

log = logging.getLogger("test.outage")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.now += delay


def no_jitter() -> Backoff:
    return Backoff(initial=1.0, maximum=8.0, jitter=lambda: 1.0)


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("http://elastic:s3cret@es.example:9200/path?token=abc", "http://es.example:9200"),
        ("https://TOKEN@es.example", "https://es.example"),
        ("kafka1:9092, kafka2:9093", "kafka1:9092,kafka2:9093"),
        ("127.0.0.1:1", "127.0.0.1:1"),
        ("http://[::1]:9200", "http://[::1]:9200"),
    ],
)
def test_server_address_keeps_host_and_port_only(address: str, shown: str) -> None:
    assert server_address(address) == shown


def test_describe_error_is_one_bounded_line_without_a_repeated_type() -> None:
    assert describe_error(ConnectionError("ConnectionError: a\nb")) == "ConnectionError: a b"
    assert describe_error(TimeoutError()) == "TimeoutError"
    assert len(describe_error(OSError("x" * 1000))) == 300


def test_wait_for_logs_one_line_per_wait_naming_the_server_then_returns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    calls = 0

    async def connect() -> str:
        nonlocal calls
        calls += 1
        if calls < 4:
            raise ConnectionRefusedError("refused")
        return "connected"

    with caplog.at_level(logging.INFO, logger="test.outage"):
        result = asyncio.run(
            wait_for(
                connect,
                "Kafka",
                "127.0.0.1:1",
                log=log,
                backoff=no_jitter(),
                sleep=clock.sleep,
                clock=clock,
            )
        )
    assert result == "connected"  # the "then starts" path: the caller goes on
    lines = [r.getMessage() for r in caplog.records]
    assert lines[:3] == [
        "waiting for Kafka at 127.0.0.1:1: attempt 1 failed "
        "(ConnectionRefusedError: refused); next attempt in 1.0s",
        "waiting for Kafka at 127.0.0.1:1: attempt 2 failed "
        "(ConnectionRefusedError: refused); next attempt in 2.0s",
        "waiting for Kafka at 127.0.0.1:1: attempt 3 failed "
        "(ConnectionRefusedError: refused); next attempt in 4.0s",
    ]
    assert lines[3] == "Kafka at 127.0.0.1:1 answered after 7s"
    assert len(lines) == 4


def test_wait_for_backoff_is_bounded() -> None:
    clock = FakeClock()
    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)
        await clock.sleep(delay)

    async def never() -> None:
        raise ConnectionRefusedError("refused")

    with pytest.raises(Unreachable, match=r"Kafka at h:1 is unreachable \(ConnectionRefused"):
        asyncio.run(
            wait_for(
                never,
                "Kafka",
                "h:1",
                log=log,
                backoff=no_jitter(),
                sleep=sleep,
                clock=clock,
                timeout=60,
            )
        )
    assert delays[:5] == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert max(delays) == 8.0
    assert sum(delays) == 60.0


def test_wait_for_raises_what_is_not_worth_waiting_for() -> None:
    async def broken() -> None:
        raise ValueError("bad credentials")

    with pytest.raises(ValueError):
        asyncio.run(
            wait_for(
                broken,
                "Kafka",
                "h:1",
                log=log,
                retriable=lambda exc: isinstance(exc, OSError),
            )
        )


def test_outage_went_away_still_away_back(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    outage = Outage("Elasticsearch", "http://127.0.0.1:2", log, who="index-events", clock=clock)
    error = ConnectionRefusedError("refused")
    with caplog.at_level(logging.INFO, logger="test.outage"):
        assert outage.succeeded() is None  # nothing to say while it answers
        went = outage.failed(error, held=10)
        quiet = []
        for _ in range(100):  # attempts within the first minute: silent
            clock.now += 0.5
            quiet.append(outage.failed(error, held=12))
        clock.now += 10  # 60 s after it went away
        summary = outage.failed(error, held=15)
        clock.now += 30
        between = outage.failed(error, held=15)
        clock.now += 5
        back = outage.succeeded()
        again = outage.succeeded()
    assert went == (
        "Elasticsearch at http://127.0.0.1:2 (index-events) is unavailable: "
        "ConnectionRefusedError: refused"
    )
    assert quiet == [None] * 100
    assert summary == (
        "Elasticsearch at http://127.0.0.1:2 (index-events) still unavailable after 60s: "
        "102 failed attempts, 15 events held; last error: ConnectionRefusedError: refused"
    )
    assert between is None
    assert back == (
        "Elasticsearch at http://127.0.0.1:2 (index-events) is back after 95s (103 failed attempts)"
    )
    assert again is None
    # Exactly the three lines above were logged (the traceback only at DEBUG).
    assert [r.getMessage() for r in caplog.records] == [went, summary, back]
    assert not any(r.exc_info for r in caplog.records)


def test_outage_starts_afresh_after_it_is_back() -> None:
    clock = FakeClock()
    outage = Outage("Elasticsearch", "es:9200", log, clock=clock)
    outage.failed(OSError("down"))
    outage.succeeded()
    assert not outage.away
    assert outage.failed(OSError("down again")) == (
        "Elasticsearch at es:9200 is unavailable: OSError: down again"
    )
    assert outage.attempts == 1
