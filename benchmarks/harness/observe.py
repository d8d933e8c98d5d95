"""Watching the pipeline's outputs: records on a topic, documents found by search, the
worker's consumer lag, and the background tasks that do the watching."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from elasticsearch import ApiError, Elasticsearch, TransportError

from benchmarks.harness.processes import Process, check_alive
from orbitwatch.core.kafka import kafka_client_options
from orbitwatch.core.settings import Settings
from orbitwatch.status import topic_statuses


async def assigned_consumer(settings: Settings, topic: str, reset: str) -> AIOKafkaConsumer:
    """A group-less consumer of every partition of ``topic``, its positions already fixed."""
    consumer = AIOKafkaConsumer(
        topic,
        **kafka_client_options(settings),
        enable_auto_commit=False,
        group_id=None,
        auto_offset_reset=reset,
    )
    await consumer.start()
    deadline = time.perf_counter() + 30
    while not consumer.assignment():
        if time.perf_counter() > deadline:
            await consumer.stop()
            raise SystemExit(f"no partitions of {topic} assigned")
        await asyncio.sleep(0.1)
    for tp in consumer.assignment():
        await consumer.position(tp)  # resolve "latest" now, before anything is produced
    return consumer


async def each_record(
    consumer: AIOKafkaConsumer, handle: Callable[[ConsumerRecord[Any, Any], float], None]
) -> None:
    """``handle(record, seen_at)`` for every record until cancelled; then the consumer stops.
    ``seen_at`` is taken once per fetched batch, right after it arrived."""
    try:
        while True:
            batch = await consumer.getmany(timeout_ms=200)
            now = time.perf_counter()
            for records in batch.values():
                for record in records:
                    handle(record, now)
    finally:
        await consumer.stop()


def found_ids(es: Elasticsearch, index: str, ids: list[str]) -> list[str]:
    """Which of ``ids`` a ``_search`` on ``index`` finds now (no forced refresh)."""
    response = es.options(ignore_status=404).search(
        index=index, query={"ids": {"values": ids}}, size=len(ids), source=False
    )
    return [hit["_id"] for hit in response.body.get("hits", {}).get("hits", [])]


class SearchWatch:
    """Stamps when ``_search`` on ``index`` first finds each watched id, polling every
    ``every`` seconds *without* forcing a refresh, i.e. with the index's normal refresh
    interval; ``on_found(id, seen_at)`` is told of each."""

    def __init__(
        self,
        es: Elasticsearch,
        index: str,
        on_found: Callable[[str, float], None] = lambda _id, _at: None,
        every: float = 0.1,
    ) -> None:
        self.es, self.index, self.on_found, self.every = es, index, on_found, every
        self.pending: dict[str, None] = {}  # ids not found yet, in the order watched
        self.found: dict[str, float] = {}
        self.errors = 0
        self.last_error: str | None = None

    def watch(self, doc_id: str) -> None:
        self.pending[doc_id] = None

    def forget(self, doc_id: str) -> None:
        self.pending.pop(doc_id, None)

    async def run(self) -> None:
        while True:
            if self.pending:
                try:
                    hits = await asyncio.to_thread(
                        found_ids, self.es, self.index, [*self.pending][:2000]
                    )
                except (ApiError, TransportError) as exc:
                    # Right after the worker creates the indices a search can fail (shards
                    # not started yet); one failure must not end the polling for the run.
                    self.errors += 1
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    hits = []
                now = time.perf_counter()
                for doc_id in hits:
                    if doc_id in self.pending:
                        del self.pending[doc_id]
                        self.found[doc_id] = now
                        self.on_found(doc_id, now)
            await asyncio.sleep(self.every)


async def worker_lag(settings: Settings) -> dict[str, int]:
    """Records of each input topic the worker's group has not committed yet."""
    try:
        statuses = await asyncio.wait_for(topic_statuses(settings), 10)
    except Exception:  # the figure is context for the latencies, not worth failing a run for
        return {}
    prefix = f"{settings.index_prefix}."
    return {
        status.name.removeprefix(prefix): status.lag[settings.app_id]
        for status in statuses
        if settings.app_id in status.lag
    }


async def wait_until(
    done: Callable[[], bool],
    limit_s: float,
    processes: Mapping[str, Process] | None = None,
    every: float = 0.2,
) -> bool:
    """Poll ``done`` until it holds (True) or ``limit_s`` passed (False); a watched process
    that exits ends the run."""
    deadline = time.perf_counter() + limit_s
    while time.perf_counter() < deadline:
        if processes:
            check_alive(processes)
        if done():
            return True
        await asyncio.sleep(every)
    return False


class Watchers:
    """Background tasks that run until :meth:`stop` cancels them."""

    def __init__(self) -> None:
        self.tasks: list[asyncio.Task[None]] = []

    def run(self, *coroutines: Coroutine[Any, Any, None]) -> None:
        self.tasks += [asyncio.create_task(c) for c in coroutines]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()
