"""What ``orbitwatch status`` shows, gathered in one place: Kafka, topics and consumer lag,
Elasticsearch, feed health and the latest alerts. Each part fails on its own, so one server
being down still leaves the rest of the screen useful."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from connectors.state import read_topic_latest
from orbitwatch.core.elastic import make_client
from orbitwatch.core.kafka import kafka_client_options, pipeline_topics
from orbitwatch.core.settings import Settings
from orbitwatch.es_status import ClusterStatus, cluster_status
from schemas import FeedHealth
from schemas.alert import Alert
from schemas.indices.names import IndexNames


@dataclass(frozen=True)
class TopicStatus:
    name: str
    partitions: int
    messages: int  # sum of end offsets: what has ever been written (before retention)
    lag: dict[str, int] = field(default_factory=dict)  # consumer group -> records behind


@dataclass
class Status:
    kafka_error: str | None = None
    topics: list[TopicStatus] = field(default_factory=list)
    es_error: str | None = None
    es_health: str | None = None
    indices: ClusterStatus | None = None
    feeds: dict[str, FeedHealth] = field(default_factory=dict)
    feeds_error: str | None = None
    alerts: list[Alert] = field(default_factory=list)


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


def gather(settings: Settings, alerts: int = 5) -> Status:
    status = Status()
    try:
        status.topics = asyncio.run(asyncio.wait_for(topic_statuses(settings), 20))
    except Exception as exc:
        status.kafka_error = f"{type(exc).__name__}: {exc}"
    try:
        status.feeds = asyncio.run(
            read_topic_latest(settings, settings.topic_feed_health, FeedHealth, timeout=10)
        )
    except Exception as exc:
        status.feeds_error = f"{type(exc).__name__}: {exc}"
    client = make_client(settings, request_timeout=5, max_retries=0)
    try:
        status.es_health = client.cluster.health(timeout="3s")["status"]
        names = IndexNames(settings.index_prefix)
        status.indices = cluster_status(client, names)
        found = client.options(ignore_status=404).search(
            index=names.alerts_alias, size=alerts, sort=[{"alerted_at": "desc"}]
        )
        hits = found.body.get("hits", {}).get("hits", []) if found.meta.status == 200 else []
        status.alerts = [Alert.model_validate(hit["_source"]) for hit in hits]
    except Exception as exc:
        status.es_error = f"{type(exc).__name__}: {exc}"
    finally:
        client.close()
    return status
