"""Kafka plumbing shared by every stage: client options from settings, topic creation."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from orbitwatch.core.errors import InvalidMessage, OrbitwatchError
from orbitwatch.core.outage import server_address, wait_for
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
# requests this large (faust's producer_max_request_size). The topics that need it say so in
# the topic registry (schemas/topics.py), which builds the TopicSpecs below.
DOWNSTREAM_RECORD_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class TopicSpec:
    """How to create one topic. The pipeline's come from the registry, schemas/topics.py."""

    name: str
    partitions: int
    compacted: bool = False
    max_record_bytes: int | None = None  # None: the broker's default (about 1 MiB)
    # Compacted topics keep every key forever unless told: records older than this go too.
    retention_ms: int | None = None
    # One broker (local, compose) needs 1; a cluster wants 3, or a broker's loss takes its
    # partitions offline (and acks=all producers fail when min.insync.replicas exceeds it).
    replication: int = 1

    def to_new_topic(self) -> NewTopic:
        configs = {"cleanup.policy": "compact"} if self.compacted else {}
        if self.retention_ms is not None:
            configs["retention.ms"] = str(self.retention_ms)
            if self.compacted:
                configs["cleanup.policy"] = "compact,delete"
        if self.max_record_bytes is not None:
            configs["max.message.bytes"] = str(self.max_record_bytes)
        return NewTopic(self.name, self.partitions, self.replication, topic_configs=configs)


async def ensure_topics(settings: Settings, specs: Iterable[TopicSpec]) -> list[str]:
    """Create the topics that do not exist yet; returns the names created. Idempotent."""
    admin = AIOKafkaAdminClient(**kafka_client_options(settings))
    try:
        await admin.start()
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


T = TypeVar("T")


class TopicReadFailed(OrbitwatchError):
    """A topic could not be read to its end (the broker is away, or too slow)."""

    retriable = True


async def read_topic_latest(
    settings: Settings,
    topic: str,
    decode: Callable[[bytes], T],
    *,
    timeout: float = 60.0,
    on_invalid: Callable[[bytes | None, InvalidMessage], None] | None = None,
) -> dict[str, T]:
    """Read ``topic`` from the beginning to its current end; the latest value per key.

    Tombstones (null values) delete the key; values ``decode`` refuses (``InvalidMessage``)
    are passed to ``on_invalid`` and skipped.
    """
    consumer = AIOKafkaConsumer(
        **kafka_client_options(settings),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    latest: dict[str, T] = {}
    deadline = time.monotonic() + timeout
    try:
        partitions = await topic_partitions(settings, topic)
        if not partitions:
            return latest
        await consumer.start()
        tps = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        pending = {tp for tp in tps if end[tp] > 0}
        while pending:
            if time.monotonic() > deadline:
                raise TopicReadFailed(f"reading {topic} did not reach its end in {timeout:g}s")
            batches = await consumer.getmany(*pending, timeout_ms=500)
            for records in batches.values():
                for record in records:
                    key = record.key.decode("utf-8", "replace") if record.key else None
                    if key is None:
                        continue
                    if record.value is None:
                        latest.pop(key, None)
                        continue
                    try:
                        latest[key] = decode(record.value)
                    except InvalidMessage as exc:
                        if on_invalid is not None:
                            on_invalid(record.value, exc)
            for tp in list(pending):
                if await consumer.position(tp) >= end[tp]:
                    pending.discard(tp)
    except KafkaError as exc:
        raise TopicReadFailed(f"cannot read {topic}: {exc}") from exc
    finally:
        await consumer.stop()
    return latest


async def topic_partitions(settings: Settings, topic: str) -> list[int]:
    """Partition ids of ``topic``; empty when it does not exist. Asks only about existing
    topics, so a broker with auto-creation never creates one with the wrong settings."""
    admin = AIOKafkaAdminClient(**kafka_client_options(settings))
    await admin.start()
    try:
        if topic not in await admin.list_topics():
            return []
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(p["partition"] for t in described if t["topic"] == topic for p in t["partitions"])


def kafka_address(settings: Settings) -> str:
    """The bootstrap servers as a log line may name them (host:port, nothing else)."""
    return server_address(settings.kafka_bootstrap_servers)


def kafka_unreachable(exc: BaseException) -> bool:
    """True for the errors that mean "the broker does not answer" (worth waiting for)."""
    from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError

    return isinstance(
        exc,
        KafkaConnectionError
        | KafkaTimeoutError
        | NodeNotReadyError
        | ConnectionError
        | socket.gaierror  # a name that does not resolve (yet, in compose)
        | TimeoutError,
    )


@contextlib.contextmanager
def _quiet_aiokafka() -> Iterator[None]:
    # aiokafka logs an error line of its own for every refused connection; the caller
    # reports the outcome once, naming the server.
    logger = logging.getLogger("aiokafka")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


async def probe_kafka(settings: Settings, timeout: float = 10.0) -> None:
    """Connect to the bootstrap servers and disconnect; raises if none answers in time."""
    admin = AIOKafkaAdminClient(**kafka_client_options(settings))
    with _quiet_aiokafka():
        try:
            await asyncio.wait_for(admin.start(), timeout)
        finally:
            await admin.close()


def kafka_reachable(
    settings: Settings, timeout: float = 1.5
) -> Callable[[], Awaitable[bool | str]]:
    """A ``/ready`` check of a running service: connects to Kafka each time it is asked
    (an orchestrator asks every few seconds), so it turns false, with the reason, as soon
    as Kafka goes away after the start, and true again when it is back."""

    async def check() -> bool | str:
        try:
            await probe_kafka(settings, timeout=timeout)
        except Exception as exc:
            if isinstance(exc, TimeoutError) or kafka_unreachable(exc):
                return f"Kafka at {kafka_address(settings)} is unreachable"
            raise
        return True

    return check


async def ensure_topics_quietly(settings: Settings, specs: Iterable[TopicSpec]) -> list[str]:
    """:func:`ensure_topics` without aiokafka's own connection-error lines."""
    with _quiet_aiokafka():
        return await ensure_topics(settings, specs)


async def wait_for_kafka(
    settings: Settings, log: logging.Logger, stop: asyncio.Event | None = None
) -> bool:
    """Until Kafka answers: bounded backoff, one line per wait naming the servers.

    Returns False if ``stop`` was set first (the process is asked to end while waiting).
    """
    waiting = asyncio.ensure_future(
        wait_for(
            lambda: probe_kafka(settings),
            "Kafka",
            kafka_address(settings),
            log=log,
            retriable=kafka_unreachable,
        )
    )
    if stop is None:
        await waiting
        return True
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([waiting, stopped], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (waiting, stopped):
            task.cancel()
    if waiting.done() and not waiting.cancelled():
        waiting.result()  # raises what the wait could not get past
        return True
    return False
