"""Bulk batching, item classification, the retry loop, and the Elasticsearch bulk sink
against a real local HTTP server that answers like an overloaded or failing cluster."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web
from elasticsearch import AsyncElasticsearch

from orbitwatch.core.errors import ConfigError
from orbitwatch.core.retry import Backoff, RetryAbandoned, retry_forever
from streams.index.bulk import IndexOperation, Outcome, chunks, item_outcome
from streams.index.elasticsearch import BulkSink
from streams.index.errors import SinkBackpressure, SinkUnavailable

pytestmark = pytest.mark.unit

PRODUCT = {"X-Elastic-Product": "Elasticsearch"}


def _op(doc_id: str, size: int = 10) -> IndexOperation[str]:
    return IndexOperation("idx", doc_id, json.dumps({"pad": "x" * size}).encode(), doc_id)


# -- chunking ---------------------------------------------------------------------------------


def test_chunks_respect_the_count_bound() -> None:
    ops = [_op(str(i)) for i in range(7)]
    assert [len(c) for c in chunks(ops, max_docs=3, max_bytes=10**6)] == [3, 3, 1]


def test_chunks_respect_the_byte_bound() -> None:
    ops = [_op(str(i), size=100) for i in range(5)]
    per_op = ops[0].size
    sizes = [len(c) for c in chunks(ops, max_docs=100, max_bytes=per_op * 2 + 1)]
    assert sizes == [2, 2, 1]
    for chunk in chunks(ops, max_docs=100, max_bytes=per_op * 2 + 1):
        assert sum(op.size for op in chunk) <= per_op * 2 + 1


def test_an_operation_larger_than_the_byte_bound_goes_alone() -> None:
    ops = [_op("small"), _op("huge", size=5000), _op("small2")]
    assert [[o.doc_id for o in c] for c in chunks(ops, 10, 1000)] == [
        ["small"],
        ["huge"],
        ["small2"],
    ]


def test_operation_size_counts_both_lines_and_newlines() -> None:
    op = _op("a")
    assert op.size == len(op.action_line) + len(op.source) + 2
    assert json.loads(op.action_line) == {"index": {"_index": "idx", "_id": "a"}}


# -- item outcomes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "outcome"),
    [
        ({"index": {"status": 201, "result": "created"}}, Outcome.acknowledged),
        ({"index": {"status": 200, "result": "updated"}}, Outcome.acknowledged),
        (
            {"index": {"status": 429, "error": {"type": "es_rejected_execution_exception"}}},
            Outcome.retry,
        ),
        (
            {"index": {"status": 503, "error": {"type": "unavailable_shards_exception"}}},
            Outcome.retry,
        ),
        ({"index": {"status": 403, "error": {"type": "cluster_block_exception"}}}, Outcome.retry),
        (
            {"index": {"status": 400, "error": {"type": "document_parsing_exception"}}},
            Outcome.rejected,
        ),
        (
            {"index": {"status": 400, "error": {"type": "mapper_parsing_exception"}}},
            Outcome.rejected,
        ),
    ],
)
def test_item_outcome(item: dict[str, Any], outcome: Outcome) -> None:
    assert item_outcome(item).outcome is outcome


def test_rejection_reason_includes_the_cause() -> None:
    result = item_outcome(
        {
            "index": {
                "status": 400,
                "error": {
                    "type": "document_parsing_exception",
                    "reason": "failed to parse field [x]",
                    "caused_by": {"type": "illegal_argument_exception", "reason": "bad number"},
                },
            }
        }
    )
    assert result.error_type == "document_parsing_exception"
    assert "failed to parse field [x]" in result.reason and "bad number" in result.reason


# -- retry loop -------------------------------------------------------------------------------


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def test_backoff_grows_exponentially_is_capped_and_jittered() -> None:
    top = Backoff(initial=1, maximum=8, jitter=lambda: 1.0)
    assert [top.next_delay() for _ in range(6)] == [1, 2, 4, 8, 8, 8]
    bottom = Backoff(initial=1, maximum=8, jitter=lambda: 0.0)
    assert [bottom.next_delay() for _ in range(4)] == [0.5, 1, 2, 4]
    top.reset()
    assert top.next_delay() == 1


async def test_retry_forever_retries_until_success_and_honours_retry_after() -> None:
    failures: list[Exception] = [
        SinkUnavailable("down", status=503),
        SinkBackpressure("slow down", retry_after=7.0),
        ConnectionResetError("reset"),  # not ours: retried too
    ]

    async def operation() -> str:
        if failures:
            raise failures.pop(0)
        return "done"

    sleep = RecordingSleep()
    result = await retry_forever(
        operation, Backoff(initial=1, maximum=4, jitter=lambda: 1.0), sleep=sleep
    )
    assert result == "done"
    assert sleep.delays == [1, 7.0, 4]


async def test_retry_forever_raises_what_is_not_retriable() -> None:
    async def operation() -> None:
        raise ConfigError("bad settings")

    with pytest.raises(ConfigError):
        await retry_forever(operation, Backoff(), sleep=RecordingSleep())


async def test_retry_forever_gives_up_when_asked() -> None:
    async def operation() -> None:
        raise SinkUnavailable("down")

    with pytest.raises(RetryAbandoned):
        await retry_forever(operation, Backoff(), sleep=RecordingSleep(), give_up=lambda: True)


# -- the sink against a local HTTP server -----------------------------------------------------

Responder = Callable[[list[dict[str, Any]]], web.Response]


class FakeCluster:
    """Answers ``_bulk`` with the next scripted responder; records every request's ids."""

    def __init__(self, script: list[Responder]) -> None:
        self.script = script
        self.requests: list[list[str]] = []

    async def handle(self, request: web.Request) -> web.Response:
        lines = [json.loads(line) for line in (await request.read()).splitlines() if line]
        actions = lines[0::2]
        self.requests.append([a["index"]["_id"] for a in actions])
        return self.script.pop(0)(actions)


def status(code: int, headers: dict[str, str] | None = None) -> Responder:
    def respond(actions: list[dict[str, Any]]) -> web.Response:
        return web.json_response(
            {"error": {"type": "injected", "reason": "injected"}, "status": code},
            status=code,
            headers={**PRODUCT, **(headers or {})},
        )

    return respond


def items(per_id: dict[str, tuple[int, str]]) -> Responder:
    """200 with one item per action; ids not listed are created."""

    def respond(actions: list[dict[str, Any]]) -> web.Response:
        out = []
        for action in actions:
            doc_id = action["index"]["_id"]
            code, error_type = per_id.get(doc_id, (201, ""))
            item: dict[str, Any] = {"_id": doc_id, "status": code}
            if error_type:
                item["error"] = {"type": error_type, "reason": f"{error_type} on {doc_id}"}
            out.append({"index": item})
        return web.json_response(
            {"took": 1, "errors": any("error" in i["index"] for i in out), "items": out},
            headers=PRODUCT,
        )

    return respond


async def _sink(cluster: FakeCluster, **options: Any) -> tuple[BulkSink[str], RecordingSleep]:
    app = web.Application()
    app.router.add_route("*", "/_bulk", cluster.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    cluster.runner = runner  # type: ignore[attr-defined]
    port = runner.addresses[0][1]
    client = AsyncElasticsearch(f"http://127.0.0.1:{port}", max_retries=0)
    sleep = RecordingSleep()
    sink: BulkSink[str] = BulkSink(
        client,
        max_docs=options.get("max_docs", 100),
        max_bytes=options.get("max_bytes", 10**6),
        backoff=Backoff(initial=1, maximum=30, jitter=lambda: 1.0),
        sleep=sleep,
        on_retry=lambda exc, delay, attempt: None,
    )
    return sink, sleep


async def _close(sink: BulkSink[str], cluster: FakeCluster) -> None:
    await sink.client.close()
    await cluster.runner.cleanup()  # type: ignore[attr-defined]


async def test_sink_retries_503_and_429_then_settles_every_document() -> None:
    cluster = FakeCluster(
        [
            status(503),
            status(429, {"Retry-After": "5"}),
            items(
                {
                    "b": (429, "es_rejected_execution_exception"),
                    "c": (400, "document_parsing_exception"),
                }
            ),
            items({}),
        ]
    )
    sink, sleep = await _sink(cluster)
    try:
        for doc_id in ("a", "b", "c", "d"):
            sink.add(_op(doc_id))
        rejected = await sink.flush()
    finally:
        await _close(sink, cluster)
    assert cluster.requests == [["a", "b", "c", "d"]] * 3 + [["b"]]
    assert sleep.delays == [1, 5.0, 4]  # backoff, Retry-After, backoff
    assert [(r.operation.doc_id, r.status, r.error_type) for r in rejected] == [
        ("c", 400, "document_parsing_exception")
    ]
    assert sink.pending == 0


async def test_sink_sends_chunks_and_stops_at_the_first_failed_request() -> None:
    cluster = FakeCluster([items({}), status(502), items({}), items({})])
    sink, _ = await _sink(cluster, max_docs=2)
    try:
        for doc_id in "abcdef":
            sink.add(_op(doc_id))
        with pytest.raises(SinkUnavailable) as failure:
            await sink.write_once()
        assert failure.value.status == 502 and failure.value.retriable
        assert sink.pending == 4  # c..f: the failed chunk and the one never sent
        await sink.write_once()
        assert sink.pending == 0
    finally:
        await _close(sink, cluster)
    assert cluster.requests == [["a", "b"], ["c", "d"], ["c", "d"], ["e", "f"]]


async def test_sink_treats_an_unreachable_cluster_as_retriable() -> None:
    client = AsyncElasticsearch("http://127.0.0.1:9", max_retries=0, request_timeout=2)
    sink: BulkSink[str] = BulkSink(client, max_docs=10, max_bytes=10**6)
    sink.add(_op("a"))
    try:
        with pytest.raises(SinkUnavailable) as failure:
            await sink.write_once()
    finally:
        await client.close()
    assert failure.value.retriable and failure.value.status is None
    assert sink.pending == 1
