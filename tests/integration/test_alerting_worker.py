"""The alerting stage on the real Kafka: one alert per story and rule, escalation, restart
without repeats, silences, and the alerts index."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from elasticsearch import Elasticsearch

from orbitwatch.core.kafka import ensure_topics, kafka_client_options
from orbitwatch.core.settings import Settings
from schemas import (
    Alert,
    AlertKind,
    Article,
    Classification,
    ClassifiedEvent,
    EventType,
    Relation,
    Severity,
    Silence,
    SilenceScope,
    utc_now,
)
from schemas.indices.names import IndexNames
from schemas.topics import topic_specs
from streams.alerting.silences import publish_silence
from streams.worker import build_worker_app
from tests.kafka_io import drain

pytestmark = pytest.mark.integration


def lunar_event(
    article_id: str, story_id: str, severity: Severity, title: str | None = None
) -> ClassifiedEvent:
    now = utc_now()
    return ClassifiedEvent(
        article=Article(
            id=article_id,
            feed_id="wire-a",
            url=f"https://news.example.org/{article_id}",
            title=title or "Russia and China to build a nuclear power plant on the Moon",
            summary="Roscosmos said the reactor would power the International Lunar Research "
            "Station that Russia and China are building together.",
            language="en",
            published_at=now - timedelta(minutes=5),
            fetched_at=now - timedelta(seconds=30),
        ),
        classification=Classification(
            relevant=True,
            relation=Relation.cooperation,
            actors=["RU", "CN"],
            event_types=[EventType.lunar, EventType.nuclear],
            severity=severity,
            score=0.9,
            classifier_version="test-1",
        ),
        story_id=story_id,
        classified_at=now,
    )


async def produce_events(settings: Settings, events: list[ClassifiedEvent]) -> None:
    producer = AIOKafkaProducer(**kafka_client_options(settings), acks="all")
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                settings.topic_events_classified, event.to_bytes(), key=event.story_id.encode()
            )
    finally:
        await producer.stop()


async def alerts_on_topic(settings: Settings, expect: int, quiet_s: float = 4.0) -> list[Alert]:
    records = await drain(settings, settings.topic_alerts, expect=expect, quiet_s=quiet_s)
    return [Alert.from_bytes(r.value) for r in records]


def summary(alerts: list[Alert]) -> list[tuple[str, str | None, str, bool]]:
    return sorted((a.rule, a.story_id, a.severity.value, a.escalation) for a in alerts)


async def test_one_alert_per_story_and_rule_escalation_restart_and_index(
    isolated_settings: Settings, es_client: Elasticsearch
) -> None:
    settings = isolated_settings
    await ensure_topics(settings, topic_specs(settings))
    app, _ = build_worker_app(settings)
    await app.start()
    try:
        await produce_events(
            settings,
            [
                lunar_event("moon-1", "moon-1", Severity.medium),
                lunar_event("moon-2", "moon-1", Severity.medium),  # same story: no new alert
                lunar_event("moon-3", "moon-1", Severity.high),  # escalation
            ],
        )
        first = await alerts_on_topic(settings, expect=3)
    finally:
        await app.stop()

    assert summary(first) == [
        ("high-severity", "moon-1", "high", False),
        ("ru-cn-lunar-nuclear", "moon-1", "high", True),
        ("ru-cn-lunar-nuclear", "moon-1", "medium", False),
    ]
    escalation = next(a for a in first if a.escalation)
    assert escalation.previous_severity is Severity.medium
    assert escalation.article_ids == ["moon-1", "moon-2", "moon-3"]
    assert escalation.kind is AlertKind.match
    assert len({a.alert_id for a in first}) == 3
    assert all(a.latency is not None and a.latency > timedelta(0) for a in first)

    # A restarted worker recovers its tables: another member of the story adds nothing.
    second_app, _ = build_worker_app(settings)
    await second_app.start()
    try:
        await produce_events(settings, [lunar_event("moon-4", "moon-1", Severity.high)])
        after_restart = await alerts_on_topic(settings, expect=3, quiet_s=8.0)
    finally:
        await second_app.stop()
    assert sorted(a.alert_id for a in after_restart) == sorted(a.alert_id for a in first)

    alias = IndexNames(settings.index_prefix).alerts_alias
    es_client.indices.refresh(index=alias)
    indexed = es_client.search(index=alias, size=10, query={"match_all": {}})
    assert sorted(hit["_id"] for hit in indexed["hits"]["hits"]) == sorted(
        a.alert_id for a in first
    )


async def test_a_silenced_story_does_not_alert(isolated_settings: Settings) -> None:
    settings = isolated_settings
    await ensure_topics(settings, topic_specs(settings))
    now = utc_now()
    await publish_silence(
        settings,
        Silence(
            scope=SilenceScope.story,
            target="muted-1",
            until=now + timedelta(hours=1),
            reason="known story",
            created_at=now,
        ),
    )
    app, _ = build_worker_app(settings)
    await app.start()
    try:
        await produce_events(
            settings,
            [
                lunar_event("muted-1", "muted-1", Severity.high),
                lunar_event("loud-1", "loud-1", Severity.high),
            ],
        )
        alerts = await alerts_on_topic(settings, expect=2)
    finally:
        await app.stop()
    assert {a.story_id for a in alerts} == {"loud-1"}
    assert sorted(a.rule for a in alerts) == ["high-severity", "ru-cn-lunar-nuclear"]
    await asyncio.sleep(0)


AGGREGATE_RULES = """
rules:
  - name: pair-burst
    kind: frequency
    when: {actor_pairs: [CN-RU]}
    group_by: actor_pair
    window: 1h
    threshold: 2
  - name: moon-digest
    kind: match
    when: {query: moon}
    digest: 10s
  - name: quiet-pipeline
    kind: flatline
    target: pipeline
    silent_for: 4s
"""


async def test_windowed_counts_digests_and_flatline(
    isolated_settings: Settings, tmp_path: Path
) -> None:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(AGGREGATE_RULES, encoding="utf-8")
    settings = isolated_settings.model_copy(
        update={"alert_rules_file": rules_file, "alert_tick_interval": timedelta(seconds=1)}
    )
    await ensure_topics(settings, topic_specs(settings))
    app, _ = build_worker_app(settings)
    await app.start()
    try:
        await produce_events(
            settings,
            [
                lunar_event("agg-1", "agg-1", Severity.medium),
                lunar_event("agg-2", "agg-2", Severity.medium),
                lunar_event("agg-3", "agg-3", Severity.medium),
            ],
        )
        alerts = await alerts_on_topic(settings, expect=3, quiet_s=6.0)
    finally:
        await app.stop()

    by_kind = {kind: [a for a in alerts if a.kind is kind] for kind in AlertKind}
    [burst] = by_kind[AlertKind.frequency]  # once per realert window, not at 2 and again at 3
    assert burst.rule == "pair-burst" and burst.group == "CN-RU" and burst.count == 2
    digests = by_kind[AlertKind.digest]
    assert sorted(m.article_id for d in digests for m in d.members) == ["agg-1", "agg-2", "agg-3"]
    [flat] = by_kind[AlertKind.flatline]
    assert flat.rule == "quiet-pipeline" and flat.group == "pipeline"
    assert by_kind[AlertKind.match] == []  # the digest rule sends no single alerts
