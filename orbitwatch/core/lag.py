"""How far behind the pipeline's consumer groups are, topic by topic.

Read by ``orbitwatch status`` and by the worker's lag gauge, so both report one figure. Which
topics and groups to look at is the caller's to say: both pass the topic registry's
(``schemas.topics.consumer_groups``), which the core cannot import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from orbitwatch.core.kafka import kafka_client_options
from orbitwatch.core.settings import Settings


@dataclass(frozen=True)
class TopicStatus:
    name: str
    partitions: int
    messages: int  # sum of end offsets: what has ever been written (before retention)
    lag: dict[str, int] = field(default_factory=dict)  # consumer group -> records behind


async def topic_statuses(
    settings: Settings, topics: Mapping[str, Sequence[str]]
) -> list[TopicStatus]:
    """Partitions, messages and per-group lag of each of ``topics`` that exists, in the
    order given. ``topics`` maps a topic name to the consumer groups whose lag is wanted."""
    options = kafka_client_options(settings)
    admin = AIOKafkaAdminClient(**options, request_timeout_ms=5000)
    consumer = AIOKafkaConsumer(**options, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        existing = set(await admin.list_topics())
        committed: dict[str, dict[TopicPartition, int]] = {}
        for group in {g for gs in topics.values() for g in gs}:
            offsets = await admin.list_consumer_group_offsets(group)
            committed[group] = {tp: meta.offset for tp, meta in offsets.items()}
        result = []
        for name, groups in topics.items():
            if name not in existing:
                continue
            parts = consumer.partitions_for_topic(name) or set()
            if not parts:
                await consumer._client.force_metadata_update()  # first lookup of this topic
                parts = consumer.partitions_for_topic(name) or set()
            tps = [TopicPartition(name, p) for p in sorted(parts)]
            ends = await consumer.end_offsets(tps) if tps else {}
            lag = {
                group: sum(
                    max(0, end - max(committed[group].get(tp, 0), 0)) for tp, end in ends.items()
                )
                for group in groups
                if committed.get(group)
            }
            result.append(TopicStatus(name, len(tps), sum(ends.values()), lag))
        return result
    finally:
        await consumer.stop()
        await admin.close()
