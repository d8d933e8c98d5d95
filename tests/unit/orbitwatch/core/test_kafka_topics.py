"""Topic specs: a raw record the broker accepted must fit every topic it flows into."""

from __future__ import annotations

from orbitwatch.core.kafka import DOWNSTREAM_RECORD_BYTES, pipeline_topics
from orbitwatch.core.settings import Settings
from schemas import Article


def test_downstream_topics_take_more_than_the_largest_raw_record() -> None:
    settings = Settings()
    specs = {spec.name: spec for spec in pipeline_topics(settings)}
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
    specs = {spec.name: spec for spec in pipeline_topics(settings)}
    configs = specs[settings.topic_feed_state].to_new_topic().topic_configs
    assert configs == {"cleanup.policy": "compact"}
