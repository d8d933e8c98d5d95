"""The index stage's batch-sink agent without servers: one batch goes through
``to_operations``, the bulk sink and ``answered`` in that order, and the alerts documents'
operations (streams/index/sink_agent.py, streams/index/alerts.py)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from orbitwatch.core.retry import RetryAbandoned
from orbitwatch.core.settings import Settings
from schemas import Alert, AlertKind, Severity
from schemas.indices.names import IndexNames
from streams.index.alerts import alert_operations
from streams.index.bulk import IndexOperation
from streams.index.elasticsearch import Rejection
from streams.index.errors import SinkUnavailable
from streams.index.sink_agent import BatchSinkAgent, RetryReporter, pin, release

pytestmark = pytest.mark.unit

AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class FakeSink:
    def __init__(self, refuse: frozenset[str] = frozenset(), fail: bool = False) -> None:
        self.added: list[IndexOperation[Any]] = []
        self.refuse = refuse
        self.fail = fail

    def add(self, operation: IndexOperation[Any]) -> None:
        self.added.append(operation)

    async def flush(self) -> list[Rejection[Any]]:
        if self.fail:
            raise RetryAbandoned("stopping")
        return [
            Rejection(op, 400, "mapper_parsing_exception", "no")
            for op in self.added
            if op.doc_id in self.refuse
        ]


def _agent(calls: list[str]) -> BatchSinkAgent[str]:
    async def to_operations(events: Sequence[Any], client: Any) -> list[IndexOperation[str]]:
        calls.append("to_operations")
        return [IndexOperation("idx", e.value.decode(), e.value, "origin") for e in events]

    async def answered(ops: Sequence[Any], rejections: Sequence[Rejection[str]]) -> None:
        calls.append(f"answered {len(ops)} ops, refused {[r.operation.doc_id for r in rejections]}")

    agent = BatchSinkAgent.__new__(BatchSinkAgent)
    agent.to_operations = to_operations
    agent.answered = answered
    return agent


async def test_a_batch_is_turned_into_operations_flushed_then_answered() -> None:
    calls: list[str] = []
    sink = FakeSink(refuse=frozenset({"b"}))
    events = [SimpleNamespace(value=b"a"), SimpleNamespace(value=b"b")]
    write: Any = _agent(calls).write  # fakes stand in for the events, sink and client
    await write(events, sink, client=None)
    assert [op.doc_id for op in sink.added] == ["a", "b"]
    assert calls == ["to_operations", "answered 2 ops, refused ['b']"]


async def test_an_abandoned_flush_is_never_answered() -> None:
    calls: list[str] = []
    with pytest.raises(RetryAbandoned):
        write: Any = _agent(calls).write
        await write([SimpleNamespace(value=b"a")], FakeSink(fail=True), client=None)
    assert calls == ["to_operations"]


def test_pin_takes_a_reference_and_release_acks() -> None:
    log: list[str] = []
    message = SimpleNamespace(incref=lambda: log.append("incref"))
    event = SimpleNamespace(message=message, ack=lambda: log.append("ack"))
    pin([event])  # type: ignore[list-item]
    release([event])  # type: ignore[list-item]
    assert log == ["incref", "ack"]


def test_alert_operations_skip_unreadable_alerts_and_use_the_alert_id() -> None:
    alert = Alert(
        alert_id="al_x",
        kind=AlertKind.match,
        rule="r",
        severity=Severity.high,
        title="t",
        article_ids=["a"],
        story_id="s",
        alerted_at=AT,
    )
    names = IndexNames("ow")
    events = [SimpleNamespace(value=b"not json"), SimpleNamespace(value=alert.to_bytes())]
    (op,) = alert_operations(events, names)  # type: ignore[arg-type]
    assert (op.index, op.doc_id, op.origin) == (names.alerts_index(AT), "al_x", "r")
    assert op.source == alert.to_bytes()


def test_retry_reporter_names_elasticsearch_and_summarises_an_outage(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(es_url="http://elastic:hunter2@es.example:9200")
    report = RetryReporter(settings, "index-events")
    clock = [0.0]
    report.outage.clock = lambda: clock[0]
    report.held = 40
    failure = SinkUnavailable("Elasticsearch is unreachable: ConnectionError: refused")
    with caplog.at_level(logging.INFO, logger="streams.index.sink_agent"):
        for attempt in range(1, 200):  # one attempt a second for 199 s
            clock[0] = float(attempt)
            report(failure, 1.0, attempt)
        report.answered()
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert lines == [
        "Elasticsearch at http://es.example:9200 (index-events) is unavailable: "
        "SinkUnavailable: Elasticsearch is unreachable: ConnectionError: refused",
        *[
            f"Elasticsearch at http://es.example:9200 (index-events) still unavailable after "
            f"{seconds}s: {seconds + 1} failed attempts, 40 events held; last error: "
            "SinkUnavailable: Elasticsearch is unreachable: ConnectionError: refused"
            for seconds in (60, 120, 180)
        ],
        "Elasticsearch at http://es.example:9200 (index-events) is back after 198s "
        "(199 failed attempts)",
    ]
    assert "hunter2" not in caplog.text
