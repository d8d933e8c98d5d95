"""The notifier loop: a plain aiokafka consumer group on ``alerts``.

Each alert is offered to every endpoint that accepts it (concurrently), and its offset is
committed only once every delivery has ended: delivered, or written to ``alerts.dlq`` with
the reason in headers after the retries ran out or a permanent refusal. A crash before the
commit re-delivers; receivers de-duplicate on the ``Idempotency-Key`` header (the alert id).
The notifier also skips an alert id it has delivered recently (the worker may re-emit an
alert after a crash). An unreadable record goes to the dead-letter topic and is committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from orbitwatch.core.errors import ConfigError, InvalidMessage
from orbitwatch.core.kafka import kafka_client_options
from orbitwatch.core.retry import Sleep
from orbitwatch.core.settings import Settings
from schemas import Alert
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
)
from streams.notify.delivery import DeliveryResult, RetryPolicy, WebhookClient, deliver
from streams.notify.endpoints import Endpoint, load_endpoints

log = logging.getLogger(__name__)

REMEMBERED_IDS = 10_000


def notifier_group(settings: Settings) -> str:
    return NOTIFIER_GROUP.group_id(settings)


class Notifier:
    def __init__(
        self,
        settings: Settings,
        endpoints: Sequence[Endpoint] | None = None,
        *,
        from_beginning: bool = False,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if settings.webhook_secret is None:
            raise ConfigError("ORBITWATCH_WEBHOOK_SECRET is required: deliveries are signed")
        self.settings = settings
        self.endpoints = list(endpoints) if endpoints is not None else load_endpoints(settings)
        if not self.endpoints:
            raise ConfigError(
                "no webhook endpoints: set ORBITWATCH_WEBHOOK_URLS "
                "or ORBITWATCH_WEBHOOK_ENDPOINTS_FILE"
            )
        self.secret = settings.webhook_secret.get_secret_value()
        self.policy = RetryPolicy(
            max_attempts=settings.webhook_max_attempts,
            initial_delay=settings.webhook_backoff_initial.total_seconds(),
            max_delay=settings.webhook_backoff_max.total_seconds(),
        )
        # A new group starts at the end (no flood of old alerts) unless asked otherwise.
        self.from_beginning = from_beginning
        self.sleep = sleep
        self._delivered: OrderedDict[str, None] = OrderedDict()
        self.ready = asyncio.Event()  # set once the group has its partitions (for tests)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        retry_window = self.policy.max_delay * self.policy.max_attempts
        consumer = AIOKafkaConsumer(
            self.settings.topic_alerts,
            **kafka_client_options(self.settings),
            group_id=notifier_group(self.settings),
            enable_auto_commit=False,
            auto_offset_reset="earliest" if self.from_beginning else "latest",
            # One alert may wait through all its retries before the next poll.
            max_poll_interval_ms=int((retry_window + 300) * 1000),
        )
        producer = AIOKafkaProducer(**kafka_client_options(self.settings), acks="all")
        client = WebhookClient(
            self.secret,
            timeout=self.settings.webhook_timeout.total_seconds(),
            allow_private=self.settings.webhook_allow_private,
        )
        await consumer.start()
        await producer.start()
        try:
            while not stop.is_set():
                batch = await consumer.getmany(timeout_ms=500)
                if consumer.assignment():
                    self.ready.set()
                for tp, records in batch.items():
                    for record in records:
                        await self._handle(record, client, producer)
                        await consumer.commit({tp: record.offset + 1})
        finally:
            await client.close()
            await producer.stop()
            await consumer.stop()

    async def _handle(
        self, record: ConsumerRecord, client: WebhookClient, producer: AIOKafkaProducer
    ) -> None:
        source = f"{record.topic}/{record.partition}/{record.offset}"
        try:
            alert = Alert.from_bytes(record.value)
        except InvalidMessage as exc:
            log.warning("dead-lettering unreadable alert %s: %s", source, exc)
            await self._dead_letter(producer, record, exc.reason, str(exc), [])
            return
        if alert.alert_id in self._delivered:
            log.info("alert %s was delivered already; skipping the repeat", alert.alert_id)
            return
        targets = [e for e in self.endpoints if e.accepts(alert)]
        results = await asyncio.gather(
            *(deliver(client, e, alert, self.policy, self.sleep) for e in targets)
        )
        for result in results:
            if result.delivered:
                log.info("delivered %s to %s", alert.alert_id, result.endpoint.name)
            else:
                await self._dead_letter_delivery(producer, record, result)
        self._remember(alert.alert_id)

    def _remember(self, alert_id: str) -> None:
        self._delivered[alert_id] = None
        while len(self._delivered) > REMEMBERED_IDS:
            self._delivered.popitem(last=False)

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
            (HEADER_WEBHOOK_URL, result.endpoint.url.encode()),
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
