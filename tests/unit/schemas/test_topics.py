"""The topic registry: the one list of topics, their specs, dead-letter headers and readers."""

from __future__ import annotations

import pytest

from orbitwatch.core.kafka import DOWNSTREAM_RECORD_BYTES, TopicSpec
from orbitwatch.core.namespace import topic_fields
from orbitwatch.core.settings import Settings
from schemas import Article
from schemas.topics import (
    ALERTS_DLQ,
    CONNECTOR_TOPICS,
    DEAD_LETTER_HEADERS,
    FEEDBACK,
    TOPICS,
    WEBHOOK_HEADERS,
    consumer_groups,
    topic_names,
    topic_specs,
)

pytestmark = pytest.mark.unit

WIDE = DOWNSTREAM_RECORD_BYTES


def test_specs_are_what_the_pipeline_has_always_created() -> None:
    settings = Settings.model_construct(topic_partitions=6)
    assert topic_specs(settings) == [
        TopicSpec("articles.raw", 6),
        TopicSpec("articles.dlq", 1, max_record_bytes=WIDE),
        TopicSpec("events.classified", 6, max_record_bytes=WIDE),
        TopicSpec("events.dlq", 1, max_record_bytes=WIDE),
        TopicSpec("alerts", 1),
        TopicSpec("alerts.dlq", 1),
        TopicSpec("notify.delivered", 1, compacted=True, retention_ms=30 * 86_400_000),
        TopicSpec("alerts.silences", 1, compacted=True),
        TopicSpec("feedback.verdicts", 1, compacted=True),
        TopicSpec("connector.feed-state", 1, compacted=True),
        TopicSpec("connector.feed-health", 1),
    ]


def test_every_topic_is_replicated_as_the_setting_says() -> None:
    # A Kafka cluster (the Helm chart's Strimzi example) wants 3; one broker needs 1.
    settings = Settings.model_construct(topic_replication_factor=3)
    specs = topic_specs(settings)
    assert {spec.replication for spec in specs} == {3}
    assert {spec.to_new_topic().replication_factor for spec in specs} == {3}
    assert {spec.replication for spec in topic_specs(Settings.model_construct())} == {1}


def test_every_topic_setting_is_in_the_registry_once() -> None:
    settings = [topic.setting for topic in TOPICS]
    assert len(settings) == len(set(settings))
    # A new ORBITWATCH_TOPIC_* setting without an entry (or the reverse) fails here.
    assert set(settings) == set(topic_fields())
    for field in ("channel_id", "message_name"):
        values = [getattr(topic, field) for topic in TOPICS]
        assert len(values) == len(set(values)), field


def test_names_follow_the_settings() -> None:
    settings = Settings.model_construct(topic_articles_raw="news.raw", topic_feedback="fb")
    assert topic_names(settings)[0] == "news.raw"
    assert FEEDBACK.spec(settings) == TopicSpec("fb", 1, compacted=True)


def test_downstream_topics_take_more_than_the_largest_raw_record() -> None:
    settings = Settings()
    specs = {spec.name: spec for spec in topic_specs(settings)}
    assert specs[settings.topic_articles_raw].max_record_bytes is None  # broker default
    for name in (
        settings.topic_articles_dlq,
        settings.topic_events_classified,
        settings.topic_events_dlq,
    ):
        configs = specs[name].to_new_topic().topic_configs
        assert int(configs["max.message.bytes"]) == DOWNSTREAM_RECORD_BYTES
    # The broker's default record limit (1 MiB + overhead) plus headers and classification.
    assert DOWNSTREAM_RECORD_BYTES >= 2 * Article.MAX_BYTES


def test_compacted_topics_keep_their_cleanup_policy() -> None:
    settings = Settings()
    specs = {spec.name: spec for spec in topic_specs(settings)}
    configs = specs[settings.topic_feed_state].to_new_topic().topic_configs
    assert configs == {"cleanup.policy": "compact"}


def test_dead_letter_topics_and_their_headers() -> None:
    dead = {topic.setting: topic for topic in TOPICS if topic.dead_letter}
    assert set(dead) == {"topic_articles_dlq", "topic_events_dlq", "topic_alerts_dlq"}
    assert dead["topic_articles_dlq"].model is None  # the original bytes, whatever they are
    for topic in dead.values():
        assert topic.headers[: len(DEAD_LETTER_HEADERS)] == DEAD_LETTER_HEADERS
    assert ALERTS_DLQ.headers == (*DEAD_LETTER_HEADERS, *WEBHOOK_HEADERS)
    assert not [topic for topic in TOPICS if not topic.dead_letter and topic.headers]
    names = [header.name for header in (*DEAD_LETTER_HEADERS, *WEBHOOK_HEADERS)]
    assert len(names) == len(set(names))
    assert [h.name for h in WEBHOOK_HEADERS if not h.required] == ["orbitwatch.webhook.status"]


def test_the_writers_of_dead_letters_use_the_registry_names() -> None:
    from streams import deadletter
    from streams.notify import notifier

    for module in (deadletter, notifier):
        for header in DEAD_LETTER_HEADERS:
            assert header.name in vars(module).values(), (module.__name__, header.name)
    for header in WEBHOOK_HEADERS:
        assert header.name in vars(notifier).values(), header.name


def test_consumer_groups_for_lag() -> None:
    settings = Settings.model_construct(app_id="ow")
    groups = consumer_groups(settings)
    assert list(groups) == topic_names(settings)  # every topic, in registry order
    assert {name: ids for name, ids in groups.items() if ids} == {
        "articles.raw": ["ow"],
        "events.classified": ["ow"],
        "alerts": ["ow-notifier"],
    }

    from streams.notify.notifier import notifier_group

    assert notifier_group(settings) == "ow-notifier"


def test_the_connector_creates_the_topics_it_writes() -> None:
    from connectors.producer import connector_topics

    settings = Settings.model_construct()
    assert [spec.name for spec in connector_topics(settings)] == [
        "articles.raw",
        "connector.feed-state",
        "connector.feed-health",
    ]
    assert [topic.senders for topic in CONNECTOR_TOPICS] == [("connector",)] * 3
