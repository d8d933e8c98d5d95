"""Produce to and drain topics of the real Kafka in integration tests."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord

from orbitwatch.core.kafka import kafka_client_options
from orbitwatch.core.settings import Settings


async def produce(settings: Settings, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    """Send (key, value) records in order, each acknowledged by all replicas."""
    producer = AIOKafkaProducer(**kafka_client_options(settings), acks="all")
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def drain(
    settings: Settings, topic: str, expect: int, quiet_s: float = 3.0, limit_s: float = 90.0
) -> list[ConsumerRecord]:
    """Read until ``expect`` records arrived and then nothing more for ``quiet_s``."""
    consumer = AIOKafkaConsumer(
        topic, **kafka_client_options(settings), auto_offset_reset="earliest"
    )
    await consumer.start()
    seen: list[ConsumerRecord] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    quiet_until = None
    try:
        while loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            fresh = [r for records in batch.values() for r in records]
            seen.extend(fresh)
            if len(seen) >= expect:
                if fresh or quiet_until is None:
                    quiet_until = loop.time() + quiet_s
                elif loop.time() >= quiet_until:
                    break
    finally:
        await consumer.stop()
    return seen


async def committed_offsets(settings: Settings, topic: str) -> dict[int, int]:
    """Partition -> offset the worker group has committed on ``topic`` (only those above 0)."""
    admin = AIOKafkaAdminClient(**kafka_client_options(settings))
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(settings.app_id)
    finally:
        await admin.close()
    return {
        tp.partition: meta.offset
        for tp, meta in offsets.items()
        if tp.topic == topic and meta.offset > 0
    }
