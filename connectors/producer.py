"""Writes the connector's messages to Kafka: articles, feed state, feed health.

One idempotent producer (``enable_idempotence=True``, ``acks="all"``): retries inside a
session cannot duplicate or reorder messages. Every send is awaited until Kafka
acknowledged it, which is what lets the runner write state only after the articles are
safe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from orbitwatch.core.errors import OrbitwatchError
from orbitwatch.core.kafka import TopicSpec, ensure_topics, kafka_client_options
from orbitwatch.core.settings import Settings
from schemas import Article, FeedHealth, FeedState
from schemas.topics import CONNECTOR_TOPICS, topic_specs


class DeliveryFailed(OrbitwatchError):
    """Kafka did not acknowledge a message. Not the feed's fault: it is polled again."""

    retriable = True


def connector_topics(settings: Settings) -> list[TopicSpec]:
    """The topics the connector writes, as the registry defines them."""
    return topic_specs(settings, CONNECTOR_TOPICS)


class KafkaSink:
    """Use as an async context manager (starts and flushes/stops the producer)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._producer = AIOKafkaProducer(
            **kafka_client_options(settings),
            enable_idempotence=True,
            acks="all",
            linger_ms=20,
            request_timeout_ms=30_000,
        )

    async def __aenter__(self) -> KafkaSink:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        try:
            await ensure_topics(self.settings, connector_topics(self.settings))
            await self._producer.start()
        except KafkaError as exc:
            await self._producer.stop()
            raise DeliveryFailed(f"cannot start the Kafka producer: {exc}") from exc

    async def stop(self) -> None:
        await self._producer.stop()  # flushes what is pending

    async def _send_all(self, topic: str, messages: Sequence[tuple[str, bytes]]) -> None:
        try:
            futures = [
                await self._producer.send(topic, value=value, key=key.encode("utf-8"))
                for key, value in messages
            ]
            await asyncio.gather(*futures)
        except KafkaError as exc:
            raise DeliveryFailed(f"Kafka did not acknowledge {topic}: {exc}") from exc

    async def send_articles(self, articles: Sequence[Article]) -> None:
        """Keyed by article id, so every copy of an article lands on one partition."""
        await self._send_all(
            self.settings.topic_articles_raw, [(a.id, a.to_bytes()) for a in articles]
        )

    async def send_state(self, state: FeedState) -> None:
        await self._send_all(self.settings.topic_feed_state, [(state.feed_id, state.to_bytes())])

    async def send_health(self, feed_id: str, health: FeedHealth) -> None:
        await self._send_all(self.settings.topic_feed_health, [(feed_id, health.to_bytes())])
