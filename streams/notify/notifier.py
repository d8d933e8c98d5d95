"""The notifier loop: a plain aiokafka consumer group on ``alerts``, one queue per endpoint.

Each alert is handed to the queue of every endpoint that accepts it; each endpoint has its
own task working through its queue in order, so an endpoint that is slow or down (retrying
with backoff) never delays another. An alert's offset is committed once every endpoint's
delivery of it (and of every alert before it on the partition) has ended: delivered, or
written to ``alerts.dlq`` with the reason in headers after the retries ran out or a
permanent refusal. An unreadable record goes to the dead-letter topic and is committed.

Delivered-id memory. A worker may re-emit an alert after a crash (same deterministic id), and
chat rooms and mailboxes do not de-duplicate. Every finished delivery is recorded on the
compacted topic ``notify.delivered`` (key ``<alert id>:<endpoint>``), read back whole when
the notifier starts; the in-memory set answers on the hot path. The order per delivery is:
send, then record, then (when the partition's earlier alerts are done too) commit. So:

- a crash between record and commit re-reads the alert, and the record makes it a skip;
- a crash between a successful send and its record (one produce round trip, milliseconds)
  leaves the delivery unrecorded: it is sent again after the restart. Recording before
  sending would close that window but lose the alert when the send then fails or the
  process dies mid-send, so delivery stays at-least-once, with this window as the only
  source of a duplicate. Webhook receivers still get the ``Idempotency-Key`` header.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord, TopicPartition

from orbitwatch.core.errors import ConfigError, InvalidMessage
from orbitwatch.core.kafka import ensure_topics, kafka_client_options, read_topic_latest
from orbitwatch.core.retry import Sleep
from orbitwatch.core.settings import Settings
from schemas import Alert, utc_now
from schemas.delivery import Delivery, DeliveryOutcome, delivery_key
from schemas.topics import (
    HEADER_ERROR_MESSAGE,
    HEADER_ERROR_TYPE,
    HEADER_SOURCE,
    HEADER_WEBHOOK_ATTEMPTS,
    HEADER_WEBHOOK_ENDPOINT,
    HEADER_WEBHOOK_STATUS,
    HEADER_WEBHOOK_URL,
    MAX_ERROR_MESSAGE_CHARS,
    NOTIFIER_GROUP,
    NOTIFIER_TOPICS,
    topic_specs,
)
from streams.notify.channels import AppriseSender, StoryLookup, no_story
from streams.notify.delivery import DeliveryResult, RetryPolicy, Sender, WebhookClient, deliver
from streams.notify.endpoints import Channel, Endpoint, load_endpoints
from streams.notify.render import Renderer
from streams.notify.story import StoryTitles

log = logging.getLogger(__name__)

REMEMBERED_IDS = 100_000  # delivery keys kept in memory (the topic keeps 30 days)
MAX_IN_FLIGHT = 1_000  # alerts read but not finished; polling waits beyond this


def notifier_group(settings: Settings) -> str:
    return NOTIFIER_GROUP.group_id(settings)


@dataclass
class _Pending:
    """One alert record until every endpoint it went to has finished with it."""

    offset: int
    remaining: int


@dataclass
class _Job:
    record: ConsumerRecord
    alert: Alert
    pending: _Pending


@dataclass
class _Partition:
    pending: deque[_Pending] = field(default_factory=deque)
    last_read: int = -1


class Notifier:
    def __init__(
        self,
        settings: Settings,
        endpoints: Sequence[Endpoint] | None = None,
        *,
        from_beginning: bool = False,
        sleep: Sleep = asyncio.sleep,
        story: StoryLookup | None = None,
    ) -> None:
        self.settings = settings
        self.endpoints = list(endpoints) if endpoints is not None else load_endpoints(settings)
        if not self.endpoints:
            raise ConfigError(
                "no notification endpoints: set ORBITWATCH_WEBHOOK_URLS "
                "or ORBITWATCH_WEBHOOK_ENDPOINTS_FILE"
            )
        webhooks = [e for e in self.endpoints if e.channel is Channel.webhook]
        if webhooks and settings.webhook_secret is None:
            raise ConfigError(
                "ORBITWATCH_WEBHOOK_SECRET is required: webhook deliveries are signed"
            )
        self.secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        self.renderer = Renderer(settings, self.endpoints)  # templates checked here, at start
        self.policy = RetryPolicy(
            max_attempts=settings.webhook_max_attempts,
            initial_delay=settings.webhook_backoff_initial.total_seconds(),
            max_delay=settings.webhook_backoff_max.total_seconds(),
        )
        # A new group starts at the end (no flood of old alerts) unless asked otherwise.
        self.from_beginning = from_beginning
        self.sleep = sleep
        self.story = story
        self._delivered: OrderedDict[str, None] = OrderedDict()
        self._queues: dict[str, asyncio.Queue[_Job]] = {}
        self._partitions: dict[TopicPartition, _Partition] = {}
        self._committed: dict[TopicPartition, int] = {}
        self._story_titles: StoryTitles | None = None
        self._in_flight = 0
        self._progress = asyncio.Event()  # set whenever a delivery ends
        self.ready = asyncio.Event()  # set once the group has its partitions (for tests)

    @property
    def committed(self) -> dict[TopicPartition, int]:
        """Offsets committed so far by this run, per partition."""
        return dict(self._committed)

    # -- delivered-id memory --------------------------------------------------------------

    async def load_delivered(self) -> int:
        """Read ``notify.delivered`` to its end into memory; returns how many were read."""
        latest = await read_topic_latest(
            self.settings, self.settings.topic_notify_delivered, Delivery.from_bytes
        )
        for record in sorted(latest.values(), key=lambda d: d.finished_at):
            self._remember(record.key)
        return len(latest)

    def _remember(self, key: str) -> None:
        self._delivered[key] = None
        self._delivered.move_to_end(key)
        while len(self._delivered) > REMEMBERED_IDS:
            self._delivered.popitem(last=False)

    # -- the loop -------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        # The topics it writes, compacted and kept as the registry says, even when the
        # notifier starts before any worker or setup created them (a broker that creates
        # topics on first write would make a plain, never-compacted one).
        await ensure_topics(self.settings, topic_specs(self.settings, NOTIFIER_TOPICS))
        remembered = await self.load_delivered()
        log.info("notifier: %d finished deliveries remembered", remembered)
        retry_window = self.policy.max_delay * self.policy.max_attempts
        consumer = AIOKafkaConsumer(
            self.settings.topic_alerts,
            **kafka_client_options(self.settings),
            group_id=notifier_group(self.settings),
            enable_auto_commit=False,
            auto_offset_reset="earliest" if self.from_beginning else "latest",
            # Polling pauses while MAX_IN_FLIGHT alerts wait for a slow endpoint.
            max_poll_interval_ms=int((retry_window + 300) * 1000),
        )
        producer = AIOKafkaProducer(**kafka_client_options(self.settings), acks="all")
        senders = self._senders()
        await consumer.start()
        await producer.start()
        self._queues = {e.name: asyncio.Queue() for e in self.endpoints}
        workers = [
            asyncio.create_task(self._endpoint_worker(e, senders[e.channel], producer))
            for e in self.endpoints
        ]
        try:
            while not stop.is_set():
                for task in workers:
                    if task.done():
                        task.result()  # an endpoint task died: fail loudly, never hang
                await self._wait_for_room(stop)
                batch = await consumer.getmany(timeout_ms=500, max_records=MAX_IN_FLIGHT)
                if consumer.assignment():
                    self.ready.set()
                for tp, records in batch.items():
                    for record in records:
                        await self._dispatch(tp, record, producer)
                await self._commit(consumer)
            # Stopping: let what was read finish, so its offsets are committed.
            await self._drain(consumer)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            for sender in senders.values():
                if isinstance(sender, WebhookClient):
                    await sender.close()
            if self._story_titles is not None:
                await self._story_titles.close()
            await producer.stop()
            await consumer.stop()

    def _senders(self) -> dict[Channel, Sender]:
        story = self.story
        if story is None and any(e.channel is not Channel.webhook for e in self.endpoints):
            self._story_titles = StoryTitles(self.settings)
            story = self._story_titles
        timeout = self.settings.webhook_timeout.total_seconds()
        webhook = WebhookClient(
            self.secret, timeout=timeout, allow_private=self.settings.webhook_allow_private
        )
        apprise = AppriseSender(
            self.endpoints,
            self.renderer,
            timeout=timeout,
            story=story or no_story,
            debug=self.settings.log_level == "DEBUG",
        )
        return {Channel.webhook: webhook, Channel.email: apprise, Channel.chat: apprise}

    async def _wait_for_room(self, stop: asyncio.Event) -> None:
        while self._in_flight >= MAX_IN_FLIGHT and not stop.is_set():
            self._progress.clear()
            await asyncio.wait(
                [asyncio.create_task(self._progress.wait()), asyncio.create_task(stop.wait())],
                return_when=asyncio.FIRST_COMPLETED,
                timeout=1.0,
            )

    async def _drain(self, consumer: AIOKafkaConsumer) -> None:
        while self._in_flight:
            self._progress.clear()
            await self._progress.wait()
        await self._commit(consumer)

    async def _dispatch(
        self, tp: TopicPartition, record: ConsumerRecord, producer: AIOKafkaProducer
    ) -> None:
        partition = self._partitions.setdefault(tp, _Partition())
        partition.last_read = record.offset
        source = f"{record.topic}/{record.partition}/{record.offset}"
        try:
            alert = Alert.from_bytes(record.value)
        except InvalidMessage as exc:
            log.warning("dead-lettering unreadable alert %s: %s", source, exc)
            await self._dead_letter(producer, record, exc.reason, str(exc), [])
            return
        targets = []
        for endpoint in self.endpoints:
            if not endpoint.accepts(alert):
                continue
            key = delivery_key(endpoint.name, alert.alert_id)
            if key in self._delivered:
                log.info(
                    "alert %s went to %s already; skipping the repeat",
                    alert.alert_id,
                    endpoint.name,
                )
                continue
            # Claimed now, so a repeat read while this delivery is queued is skipped too.
            self._remember(key)
            targets.append(endpoint)
        if not targets:
            return
        pending = _Pending(record.offset, len(targets))
        partition.pending.append(pending)
        self._in_flight += 1
        for endpoint in targets:
            self._queues[endpoint.name].put_nowait(_Job(record, alert, pending))

    async def _commit(self, consumer: AIOKafkaConsumer) -> None:
        """Commit, per partition, past every alert whose deliveries have all ended."""
        offsets = {}
        for tp, partition in self._partitions.items():
            while partition.pending and partition.pending[0].remaining == 0:
                partition.pending.popleft()
            # Everything before the oldest unfinished alert is done (or needed no delivery).
            done = partition.pending[0].offset if partition.pending else partition.last_read + 1
            if done > 0:
                offsets[tp] = done
        committable = {tp: o for tp, o in offsets.items() if o > self._committed.get(tp, -1)}
        if committable:
            await consumer.commit(committable)
            self._committed.update(committable)

    async def _endpoint_worker(
        self, endpoint: Endpoint, sender: Sender, producer: AIOKafkaProducer
    ) -> None:
        queue = self._queues[endpoint.name]
        while True:
            job = await queue.get()
            result = await deliver(sender, endpoint, job.alert, self.policy, self.sleep)
            if result.delivered:
                log.info("delivered %s to %s", job.alert.alert_id, endpoint.name)
            else:
                await self._dead_letter_delivery(producer, job.record, result)
            await self._record(producer, endpoint, job.alert, result)
            job.pending.remaining -= 1
            if job.pending.remaining == 0:
                self._in_flight -= 1
            self._progress.set()

    async def _record(
        self,
        producer: AIOKafkaProducer,
        endpoint: Endpoint,
        alert: Alert,
        result: DeliveryResult,
    ) -> None:
        """The durable half of the delivered-id memory (see the module docstring for why it
        comes after the send and before the commit)."""
        record = Delivery(
            endpoint=endpoint.name,
            alert_id=alert.alert_id,
            outcome=DeliveryOutcome.delivered
            if result.delivered
            else DeliveryOutcome.dead_lettered,
            attempts=result.attempts,
            finished_at=utc_now(),
        )
        await producer.send_and_wait(
            self.settings.topic_notify_delivered, record.to_bytes(), key=record.key.encode()
        )

    async def _dead_letter_delivery(
        self, producer: AIOKafkaProducer, record: ConsumerRecord, result: DeliveryResult
    ) -> None:
        error = result.error
        assert error is not None
        log.error(
            "giving up on %s after %d attempt(s): %s", result.endpoint.name, result.attempts, error
        )
        extra = [
            (HEADER_WEBHOOK_ENDPOINT, result.endpoint.name.encode()),
            (HEADER_WEBHOOK_URL, result.endpoint.shown_url.encode()),
            (HEADER_WEBHOOK_ATTEMPTS, str(result.attempts).encode()),
        ]
        if error.status is not None:
            extra.append((HEADER_WEBHOOK_STATUS, str(error.status).encode()))
        await self._dead_letter(producer, record, error.reason, str(error), extra)

    async def _dead_letter(
        self,
        producer: AIOKafkaProducer,
        record: ConsumerRecord,
        reason: str,
        message: str,
        extra: list[tuple[str, bytes]],
    ) -> None:
        headers = [
            (HEADER_ERROR_TYPE, reason.encode()),
            (HEADER_ERROR_MESSAGE, message[:MAX_ERROR_MESSAGE_CHARS].encode("utf-8", "replace")),
            (HEADER_SOURCE, f"{record.topic}/{record.partition}/{record.offset}".encode()),
            *extra,
        ]
        await producer.send_and_wait(
            self.settings.topic_alerts_dlq, record.value, key=record.key, headers=headers
        )
