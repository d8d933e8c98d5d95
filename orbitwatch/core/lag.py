"""How far behind the pipeline's consumer groups are, topic by topic.

Read by ``orbitwatch status`` and by the worker's lag gauge, so both report one figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from orbitwatch.core.kafka import kafka_client_options, pipeline_topics
from orbitwatch.core.settings import Settings


@dataclass(frozen=True)
class TopicStatus:
    name: str
    partitions: int
    messages: int  # sum of end offsets: what has ever been written (before retention)
    lag: dict[str, int] = field(default_factory=dict)  # consumer group -> records behind


def consumer_groups(settings: Settings) -> dict[str, list[str]]:
    """Which of our consumer groups read which topic (lag is reported for these)."""
    return {
        settings.topic_articles_raw: [settings.app_id],
        settings.topic_events_classified: [settings.app_id],
        settings.topic_alerts: [f"{settings.app_id}-notifier"],
    }


async def topic_statuses(settings: Settings) -> list[TopicStatus]:
    """Partitions, messages and per-group lag of every pipeline topic that exists."""
    options = kafka_client_options(settings)
    admin = AIOKafkaAdminClient(**options, request_timeout_ms=5000)
    consumer = AIOKafkaConsumer(**options, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        existing = set(await admin.list_topics())
        groups = consumer_groups(settings)
        committed: dict[str, dict[TopicPartition, int]] = {}
        for group in {g for gs in groups.values() for g in gs}:
            offsets = await admin.list_consumer_group_offsets(group)
            committed[group] = {tp: meta.offset for tp, meta in offsets.items()}
        result = []
        for spec in pipeline_topics(settings):
            if spec.name not in existing:
                continue
            parts = consumer.partitions_for_topic(spec.name) or set()
            if not parts:
                await consumer._client.force_metadata_update()  # first lookup of this topic
                parts = consumer.partitions_for_topic(spec.name) or set()
            tps = [TopicPartition(spec.name, p) for p in sorted(parts)]
            ends = await consumer.end_offsets(tps) if tps else {}
            lag = {
                group: sum(
                    max(0, end - max(committed[group].get(tp, 0), 0)) for tp, end in ends.items()
                )
                for group in groups.get(spec.name, [])
                if committed.get(group)
            }
            result.append(TopicStatus(spec.name, len(tps), sum(ends.values()), lag))
        return result
    finally:
        await consumer.stop()
        await admin.close()
