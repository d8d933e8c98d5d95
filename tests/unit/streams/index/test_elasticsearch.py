"""The Elasticsearch bulk sink (streams/index/elasticsearch.py) against a real local HTTP server
that answers like an overloaded or failing cluster."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web
from elasticsearch import AsyncElasticsearch

from orbitwatch.core.retry import Backoff
from streams.index.bulk import IndexOperation
from streams.index.elasticsearch import BulkSink
from streams.index.errors import SinkUnavailable

pytestmark = pytest.mark.unit

PRODUCT = {"X-Elastic-Product": "Elasticsearch"}


def _op(doc_id: str, size: int = 10) -> IndexOperation[str]:
    return IndexOperation("idx", doc_id, json.dumps({"pad": "x" * size}).encode(), doc_id)


# -- a sleep that records its delays ---------------------------------------------------------


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


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
