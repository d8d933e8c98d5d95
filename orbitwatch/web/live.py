"""The desk's consumer of the alerts topic: alerts read from Kafka become pushed cards.

One consumer per process, without a consumer group (every replica of the desk sees every
alert), positioned at the end of the topic when the desk starts. When Kafka goes away the
consumer is closed and started again with bounded backoff, continuing from the offsets it
had reached, so an outage loses nothing; the page is told (a ``status`` event) while Kafka is
away. Records that are not alerts are skipped with one log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, TopicPartition

from orbitwatch.core.errors import OrbitwatchError
from orbitwatch.core.kafka import (
    _quiet_aiokafka,
    ensure_topics_quietly,
    kafka_address,
    kafka_client_options,
    probe_kafka,
)
from orbitwatch.core.outage import Outage
from orbitwatch.core.settings import Settings
from schemas.alert import Alert
from schemas.topics import ALERTS

log = logging.getLogger("orbitwatch.web")

BACKOFF_INITIAL_S = 0.5
BACKOFF_MAX_S = 15.0
PROBE_INTERVAL_S = 5.0
ASSIGNMENT_WAIT_S = 30.0

OnAlert = Callable[[Alert], Awaitable[None]]


class AlertFeed:
    def __init__(self, settings: Settings, on_alert: OnAlert) -> None:
        self.settings = settings
        self.topic = ALERTS.name(settings)
        self.on_alert = on_alert
        self.positioned = asyncio.Event()  # consuming from a known position
        self.kafka_up = False
        self.outage = Outage("Kafka", kafka_address(settings), log, who="web")
        self._offsets: dict[TopicPartition, int] = {}
        self._task: asyncio.Task[None] | None = None
        self._probe: asyncio.Task[None] | None = None
        self._consumer: AIOKafkaConsumer | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="web-alert-feed")
        self._probe = asyncio.create_task(self._watch(), name="web-kafka-probe")

    async def stop(self) -> None:
        for task in (self._task, self._probe):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _run(self) -> None:
        delay = BACKOFF_INITIAL_S
        while True:
            try:
                await self._consume()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._down(exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX_S)
            else:
                delay = BACKOFF_INITIAL_S

    async def _consume(self) -> None:
        await ensure_topics_quietly(self.settings, [ALERTS.spec(self.settings)])
        consumer = AIOKafkaConsumer(
            self.topic,
            **kafka_client_options(self.settings),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
            metadata_max_age_ms=30_000,
        )
        with _quiet_aiokafka():
            await consumer.start()
        self._consumer = consumer
        try:
            await self._position(consumer)
            self._up()
            async for record in consumer:
                tp = TopicPartition(record.topic, record.partition)
                self._offsets[tp] = record.offset + 1
                try:
                    alert = Alert.from_bytes(record.value)
                except OrbitwatchError as exc:
                    log.warning(
                        "skipping an unreadable alert record (partition %s, offset %s): %s",
                        record.partition,
                        record.offset,
                        exc,
                    )
                    continue
                await self.on_alert(alert)
        finally:
            self._consumer = None
            with _quiet_aiokafka(), contextlib.suppress(Exception):
                await consumer.stop()

    async def _position(self, consumer: AIOKafkaConsumer) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ASSIGNMENT_WAIT_S
        while not consumer.assignment():
            if loop.time() > deadline:
                raise TimeoutError(f"no partition of {self.topic} assigned")
            await asyncio.sleep(0.05)
        for tp in consumer.assignment():
            if tp in self._offsets:
                consumer.seek(tp, self._offsets[tp])  # after an outage: where we were
            else:
                # First start: from the end. The position is resolved now, so an alert
                # produced once the desk is ready is never skipped by a late "latest".
                self._offsets[tp] = await consumer.position(tp)
        self.positioned.set()

    async def _watch(self) -> None:
        """The consumer retries quietly on its own; a probe tells the page whether Kafka
        answers meanwhile."""
        while True:
            await asyncio.sleep(PROBE_INTERVAL_S)
            try:
                await probe_kafka(self.settings, timeout=PROBE_INTERVAL_S)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._down(exc)
            else:
                if self._consumer is not None:
                    self._up()

    def _up(self) -> None:
        self.kafka_up = True
        self.outage.succeeded()

    def _down(self, exc: BaseException) -> None:
        self.kafka_up = False
        self.outage.failed(exc)
