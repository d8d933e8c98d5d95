"""Producing an article stream at a steady rate, as a connector under load would."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer

from orbitwatch.core.kafka import kafka_client_options
from orbitwatch.core.settings import Settings
from schemas import Article

ACK_EVERY = 200  # wait for Kafka's acknowledgements this often: bounded memory, real pace


@dataclass
class Progress:
    acknowledged: int = 0
    seconds: float = 0.0


async def produce_steadily(
    settings: Settings, articles: Sequence[Article], rate: float, progress: Progress
) -> None:
    """Send every article to ``articles.raw`` (keyed by id) at ``rate`` per second."""
    producer = AIOKafkaProducer(
        **kafka_client_options(settings), acks="all", enable_idempotence=True, linger_ms=5
    )
    await producer.start()
    began = time.monotonic()
    try:
        pending: list[asyncio.Future[object]] = []
        for i, article in enumerate(articles):
            ahead = began + i / rate - time.monotonic()
            if ahead > 0:
                await asyncio.sleep(ahead)
            pending.append(
                await producer.send(
                    settings.topic_articles_raw, article.to_bytes(), key=article.id.encode()
                )
            )
            if len(pending) >= ACK_EVERY:
                await asyncio.gather(*pending)
                progress.acknowledged += len(pending)
                pending = []
        await asyncio.gather(*pending)
        progress.acknowledged += len(pending)
    finally:
        await producer.stop()
        progress.seconds = time.monotonic() - began
