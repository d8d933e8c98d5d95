"""Silences: which rules and stories must not alert right now, and their Kafka topic.

:class:`SilenceBook` is the in-memory view (pure, unit-tested). Silences travel on a
compacted topic keyed by ``rule:<name>`` / ``story:<id>``; every worker reads the whole topic
(no consumer group: each one needs every silence, whatever partitions it processes) and the
CLI writes to it. A worker starts alerting only after it has read the topic to its end, so
a restart cannot let a silenced alert slip out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from orbitwatch.core.errors import InvalidMessage
from orbitwatch.core.kafka import kafka_client_options
from orbitwatch.core.settings import Settings
from schemas import Silence, SilenceScope, utc_now
from schemas.silence import silence_key

log = logging.getLogger(__name__)

ASSIGNMENT_WAIT_S = 10.0


class SilenceBook:
    """The latest silence per target."""

    def __init__(self, silences: Iterable[Silence] = ()) -> None:
        self._by_key: dict[str, Silence] = {}
        self.ready = asyncio.Event()
        for silence in silences:
            self.apply(silence)

    def apply(self, silence: Silence) -> None:
        self._by_key[silence.key] = silence

    def forget(self, key: str) -> None:
        self._by_key.pop(key, None)

    def silencing(self, rule: str, story_id: str | None, at: datetime) -> Silence | None:
        """The silence that mutes ``rule`` (for ``story_id``) at ``at``, if any."""
        keys = [silence_key(SilenceScope.rule, rule)]
        if story_id is not None:
            keys.append(silence_key(SilenceScope.story, story_id))
        for key in keys:
            silence = self._by_key.get(key)
            if silence is not None and silence.active_at(at):
                return silence
        return None

    def active(self, at: datetime) -> list[Silence]:
        return sorted((s for s in self._by_key.values() if s.active_at(at)), key=lambda s: s.until)

    def get(self, scope: SilenceScope, target: str) -> Silence | None:
        return self._by_key.get(silence_key(scope, target))


async def silence_for(
    settings: Settings,
    scope: SilenceScope,
    target: str,
    duration: timedelta,
    *,
    reason: str = "",
    created_by: str = "",
    now: datetime | None = None,
) -> Silence:
    """Silence a rule or a story from now for ``duration`` and publish it: the one path
    behind ``orbitwatch alerts silence`` and the desk's silence button."""
    at = now or utc_now()
    record = Silence(
        scope=scope,
        target=target,
        until=at + duration,
        reason=reason,
        created_at=at,
        created_by=created_by,
    )
    await publish_silence(settings, record)
    return record


async def publish_silence(settings: Settings, silence: Silence) -> None:
    producer = AIOKafkaProducer(**kafka_client_options(settings), acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            settings.topic_alert_silences, silence.to_bytes(), key=silence.key.encode()
        )
    finally:
        await producer.stop()


def _apply_record(book: SilenceBook, key: bytes | None, value: bytes | None) -> None:
    if value is None:  # a tombstone (e.g. written by an operator) removes the silence
        if key is not None:
            book.forget(key.decode("utf-8", "replace"))
        return
    try:
        book.apply(Silence.from_bytes(value))
    except InvalidMessage as exc:
        log.warning("ignoring an unreadable silence record: %s", exc)


async def _start_reader(settings: Settings) -> tuple[AIOKafkaConsumer, list[TopicPartition]]:
    """A consumer of every partition of the silence topic from its beginning (no group)."""
    consumer = AIOKafkaConsumer(
        settings.topic_alert_silences,
        **kafka_client_options(settings),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ASSIGNMENT_WAIT_S
    while not consumer.assignment() and loop.time() < deadline:
        await asyncio.sleep(0.05)  # the assignment follows the first metadata answer
    return consumer, sorted(consumer.assignment())


async def _read_to_end(
    consumer: AIOKafkaConsumer, assigned: list[TopicPartition], book: SilenceBook
) -> None:
    if not assigned:
        return
    ends = await consumer.end_offsets(assigned)
    while [tp for tp in assigned if await consumer.position(tp) < ends[tp]]:
        batch = await consumer.getmany(timeout_ms=500)
        for records in batch.values():
            for record in records:
                _apply_record(book, record.key, record.value)


async def read_silences(settings: Settings) -> SilenceBook:
    """Every silence on the topic now (for the CLI)."""
    book = SilenceBook()
    consumer, assigned = await _start_reader(settings)
    try:
        await _read_to_end(consumer, assigned, book)
    finally:
        await consumer.stop()
    return book


async def follow_silences(settings: Settings, book: SilenceBook) -> None:
    """Keep ``book`` up to date for as long as the worker runs; sets ``book.ready`` once
    everything that was on the topic at start-up has been applied."""
    consumer, assigned = await _start_reader(settings)
    try:
        if not assigned:
            log.warning("topic %s not found: no silences yet", settings.topic_alert_silences)
        await _read_to_end(consumer, assigned, book)
        book.ready.set()
        log.info("silences loaded: %d active", len(book.active(utc_now())))
        while True:
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    _apply_record(book, record.key, record.value)
    finally:
        book.ready.set()  # never leave the alerting agent waiting on a reader that stopped
        await consumer.stop()
