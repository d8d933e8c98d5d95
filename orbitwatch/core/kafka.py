"""Kafka plumbing shared by every stage: client options from settings, topic creation."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from orbitwatch.core.settings import KafkaSecurityProtocol, Settings


def kafka_client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for any aiokafka client (producer, consumer, admin)."""
    opts: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "security_protocol": settings.kafka_security_protocol.value,
    }
    if settings.kafka_security_protocol in (
        KafkaSecurityProtocol.SSL,
        KafkaSecurityProtocol.SASL_SSL,
    ):
        opts["ssl_context"] = build_ssl_context(settings)
    if settings.kafka_security_protocol in (
        KafkaSecurityProtocol.SASL_PLAINTEXT,
        KafkaSecurityProtocol.SASL_SSL,
    ):
        opts["sasl_mechanism"] = settings.kafka_sasl_mechanism or "PLAIN"
        opts["sasl_plain_username"] = settings.kafka_sasl_username
        opts["sasl_plain_password"] = (
            settings.kafka_sasl_password.get_secret_value()
            if settings.kafka_sasl_password
            else None
        )
    return opts


def build_ssl_context(settings: Settings) -> ssl.SSLContext:
    context = ssl.create_default_context(
        cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
    )
    if settings.kafka_ssl_certfile:
        context.load_cert_chain(
            str(settings.kafka_ssl_certfile),
            str(settings.kafka_ssl_keyfile) if settings.kafka_ssl_keyfile else None,
        )
    return context


# Room for any raw record plus what the pipeline adds to it; the worker's producer may send
# requests this large (faust's producer_max_request_size).
DOWNSTREAM_RECORD_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    compacted: bool = False
    max_record_bytes: int | None = None  # None: the broker's default (about 1 MiB)

    def to_new_topic(self) -> NewTopic:
        configs = {"cleanup.policy": "compact"} if self.compacted else {}
        if self.max_record_bytes is not None:
            configs["max.message.bytes"] = str(self.max_record_bytes)
        return NewTopic(self.name, self.partitions, 1, topic_configs=configs)


async def ensure_topics(settings: Settings, specs: Iterable[TopicSpec]) -> list[str]:
    """Create the topics that do not exist yet; returns the names created. Idempotent."""
    admin = AIOKafkaAdminClient(**kafka_client_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [spec for spec in specs if spec.name not in existing]
        if not missing:
            return []
        # Another process may win the race; the topic is then there, which is all we need.
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics([spec.to_new_topic() for spec in missing])
        return [spec.name for spec in missing]
    finally:
        await admin.close()


def pipeline_topics(settings: Settings) -> list[TopicSpec]:
    """Every topic the pipeline uses, with its partitioning and cleanup policy."""
    p = settings.topic_partitions
    # A raw record the broker accepted (up to about 1 MiB) must fit downstream too: as a
    # classified event (article + classification) or as a dead letter (bytes + headers).
    wide = DOWNSTREAM_RECORD_BYTES
    return [
        TopicSpec(settings.topic_articles_raw, p),
        TopicSpec(settings.topic_articles_dlq, 1, max_record_bytes=wide),
        TopicSpec(settings.topic_events_classified, p, max_record_bytes=wide),
        TopicSpec(settings.topic_events_dlq, 1, max_record_bytes=wide),
        TopicSpec(settings.topic_alerts, 1),
        TopicSpec(settings.topic_alerts_dlq, 1),
        TopicSpec(settings.topic_alert_silences, 1, compacted=True),
        # One partition: verdicts are few, and export then reads them in recording order.
        TopicSpec(settings.topic_feedback, 1, compacted=True),
        TopicSpec(settings.topic_feed_state, 1, compacted=True),
        TopicSpec(settings.topic_feed_health, 1),
    ]
