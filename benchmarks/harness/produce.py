"""Articles onto Kafka: all at once (a preloaded topic) or on a fixed schedule (a rate)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer

from benchmarks.harness.observe import wait_until
from benchmarks.harness.processes import Process
from orbitwatch.core.kafka import kafka_client_options
from orbitwatch.core.settings import Settings
from schemas import Article


@dataclass
class Sent:
    """An article sent into the pipeline and when its outputs were first seen
    (``time.perf_counter()`` clock throughout)."""

    article_id: str
    relevant: bool
    sent_at: float
    alerted_at: float | None = None
    searchable_at: float | None = None


@asynccontextmanager
async def kafka_producer(settings: Settings, **options: Any) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(**kafka_client_options(settings), acks="all", **options)
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()


async def produce_until(
    settings: Settings,
    make: Callable[[], tuple[Article, bool]],
    ready: Callable[[], bool],
    processes: Mapping[str, Process],
    limit_s: float,
    wait_each_s: float,
    on_sent: Callable[[Sent], None] = lambda _sent: None,
) -> float | None:
    """A warm-up: one article at a time onto articles.raw, each acknowledged, then up to
    ``wait_each_s`` for ``ready()``; the seconds it took, or None after ``limit_s``."""
    start = time.perf_counter()
    async with kafka_producer(settings) as producer:
        while time.perf_counter() - start < limit_s:
            article, relevant = make()
            await producer.send_and_wait(
                settings.topic_articles_raw, article.to_bytes(), key=article.id.encode()
            )
            on_sent(Sent(article.id, relevant, time.perf_counter()))
            if await wait_until(ready, wait_each_s, processes, every=0.5):
                return time.perf_counter() - start
    return None


async def at_fixed_rate(rate: int, seconds: float, step: Callable[[], Awaitable[None]]) -> float:
    """Run ``step`` ``rate * seconds`` times, each at its slot of a fixed schedule; returns
    the achieved rate. A late step is not dropped: the ones behind it follow at once, so a
    slow sender shows as an achieved rate below the target."""
    total = int(rate * seconds)
    start = time.perf_counter()
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await step()
    # The schedule spans total / rate (the last step's slot ends there); counting only up to
    # the last step's start would report a little more than the target.
    elapsed = max(time.perf_counter() - start, total / rate)
    return total / elapsed if elapsed else 0.0


async def produce_at_rate(
    settings: Settings,
    topic: str,
    rate: int,
    seconds: float,
    make: Callable[[], tuple[Article, bool]],
    on_sent: Callable[[Sent], None],
) -> float:
    """Produce ``rate * seconds`` articles of ``make`` (article, relevant) on a fixed
    schedule; time zero of each is its produce call. Returns the achieved rate."""
    async with kafka_producer(settings, linger_ms=0) as producer:

        async def produce_one() -> None:
            article, relevant = make()
            value = article.to_bytes()
            sent_at = time.perf_counter()
            await producer.send(topic, value=value, key=article.id.encode())
            on_sent(Sent(article.id, relevant, sent_at))

        achieved = await at_fixed_rate(rate, seconds, produce_one)
        await producer.flush()
    return achieved


async def preload(settings: Settings, articles: Iterable[Article]) -> float:
    """Every article onto articles.raw (keyed by id, as the connector does); seconds taken."""
    async with kafka_producer(settings, linger_ms=20, max_batch_size=512 * 1024) as producer:
        started = time.perf_counter()
        pending = []
        for article in articles:
            pending.append(
                await producer.send(
                    settings.topic_articles_raw, article.to_bytes(), key=article.id.encode()
                )
            )
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        return time.perf_counter() - started
