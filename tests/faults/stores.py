"""What the pipeline's stores hold, read from outside: Elasticsearch documents, Kafka records.

Counts are exact (ids are listed, never estimated), so one lost or duplicated article shows.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from elasticsearch import Elasticsearch
from elasticsearch.helpers import scan

from orbitwatch.core.kafka import kafka_client_options, topic_partitions
from orbitwatch.core.settings import Settings
from schemas import Alert


def doc_count(es: Elasticsearch, alias: str) -> int:
    """Documents behind ``alias`` now (after a refresh); 0 while it does not exist."""
    quiet = es.options(ignore_status=404, request_timeout=30)
    quiet.indices.refresh(index=alias)
    return int(quiet.count(index=alias).body.get("count", 0))


def doc_ids(es: Elasticsearch, alias: str) -> Counter[str]:
    """Every document id behind ``alias`` with how many indices hold it (exact, not HLL)."""
    es.options(ignore_status=404).indices.refresh(index=alias)
    hits = scan(es, index=alias, query={"query": {"match_all": {}}, "_source": False}, size=2000)
    return Counter(hit["_id"] for hit in hits)


def field_values(
    es: Elasticsearch, alias: str, field: str, query: dict[str, Any] | None = None
) -> Counter[str]:
    """How many documents behind ``alias`` (matching ``query``) carry each value of ``field``."""
    es.options(ignore_status=404).indices.refresh(index=alias)
    body = {"query": query or {"match_all": {}}, "_source": [field]}
    return Counter(str(hit["_source"].get(field)) for hit in scan(es, index=alias, query=body))


async def end_offsets_total(settings: Settings, topic: str) -> int:
    """Records ever written to ``topic`` (sum of its partitions' end offsets)."""
    partitions = await topic_partitions(settings, topic)
    consumer = AIOKafkaConsumer(**kafka_client_options(settings), enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
        return sum(ends.values())
    finally:
        await consumer.stop()


@dataclass(frozen=True)
class Tally:
    """What a store holds compared with what it should: each expected id exactly once."""

    expected: int
    stored: int  # documents (or deliveries)
    distinct: int
    lost: int
    duplicated: int  # copies beyond the first
    unexpected: int

    @classmethod
    def of(cls, expected: Iterable[str], found: Counter[str]) -> Tally:
        wanted = set(expected)
        return cls(
            expected=len(wanted),
            stored=sum(found.values()),
            distinct=len(found),
            lost=len(wanted - found.keys()),
            duplicated=sum(n - 1 for n in found.values() if n > 1),
            unexpected=len(found.keys() - wanted),
        )

    @property
    def exact(self) -> bool:
        return self.lost == self.duplicated == self.unexpected == 0


class AlertTopic:
    """Reads the alerts topic from its start in the background: every record, re-emits too."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.records: list[Alert] = []

    def distinct(self) -> dict[str, Alert]:
        return {alert.alert_id: alert for alert in list(self.records)}

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AlertTopic]:
        consumer = AIOKafkaConsumer(
            self.settings.topic_alerts,
            **kafka_client_options(self.settings),
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        task = asyncio.create_task(self._run(consumer))
        try:
            yield self
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await consumer.stop()

    async def _run(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batch = await consumer.getmany(timeout_ms=250)
            for records in batch.values():
                self.records.extend(Alert.from_bytes(r.value) for r in records)


def repeated_decisions(alerts: Iterable[Alert]) -> list[tuple[str, str, int]]:
    """Story alerts raised twice under different ids for the same rule, triggering article
    and sequence: what a replay would produce if it re-decided instead of re-emitting."""
    ids: dict[tuple[str, str, int], set[str]] = {}
    for alert in alerts:
        if alert.kind.value == "match" and alert.article_ids:
            key = (alert.rule, alert.article_ids[-1], alert.sequence)
            ids.setdefault(key, set()).add(alert.alert_id)
    return sorted(key for key, found in ids.items() if len(found) > 1)
