"""Demo feed server -> connector -> the real Kafka, across a restart.

Every article reaches ``articles.raw`` exactly once: a restarted connector restores its
state from the compacted topic and produces nothing old; an entry added later is produced,
alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from connectors.demo.server import DemoFeedServer
from connectors.producer import KafkaSink
from connectors.runner import Connector, ConnectorOptions, RoundReport
from connectors.state import restore_states
from orbitwatch.core.kafka import kafka_client_options, read_topic_latest, topic_partitions
from orbitwatch.core.settings import Settings
from schemas import Article, FeedHealth

pytestmark = pytest.mark.integration

OPTIONS = ConnectorOptions(host_gap=0.0, per_host=4, parser_workers=1)
DEMO_ARTICLES = 10


async def _all_articles(settings: Settings) -> list[tuple[str, Article]]:
    """Every (key, article) on the raw topic, from the beginning to the current end."""
    topic = settings.topic_articles_raw
    consumer = AIOKafkaConsumer(
        **kafka_client_options(settings), group_id=None, enable_auto_commit=False
    )
    partitions = [TopicPartition(topic, p) for p in await topic_partitions(settings, topic)]
    assert partitions, f"{topic} does not exist"
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        records: list[tuple[str, Article]] = []
        async with asyncio.timeout(30):
            while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
                batches = await consumer.getmany(*partitions, timeout_ms=500)
                for batch in batches.values():
                    records += [(r.key.decode(), Article.from_bytes(r.value)) for r in batch]
        return records
    finally:
        await consumer.stop()


async def _one_round(settings: Settings, server: DemoFeedServer) -> RoundReport:
    """A fresh connector process, in miniature: restore state, poll once, shut down."""
    store = await restore_states(settings)
    async with (
        KafkaSink(settings) as sink,
        Connector(server.feed_configs(), sink, store, OPTIONS) as connector,
    ):
        return await connector.poll_round()


@pytest.fixture
async def server() -> AsyncIterator[DemoFeedServer]:
    async with DemoFeedServer() as srv:
        yield srv


async def test_restart_produces_nothing_twice_and_new_entries_once(
    isolated_settings: Settings, server: DemoFeedServer
) -> None:
    settings = isolated_settings

    first = await _one_round(settings, server)
    assert not first.failed and first.produced == DEMO_ARTICLES
    records = await _all_articles(settings)
    assert len(records) == DEMO_ARTICLES
    assert all(key == article.id for key, article in records)
    assert {a.language for _, a in records} == {"en", "ru", "zh"}

    # Restart with unchanged feeds: the restored validators make every poll a 304.
    second = await _one_round(settings, server)
    assert second.not_modified == 3 and second.produced == 0

    # Restart after the publisher re-served the same entries with new validators: the
    # restored seen ids, not HTTP caching, must keep them from being produced again.
    for name, document in list(server.documents.items()):
        server.set_document(name, document.body + b"\n")
    third = await _one_round(settings, server)
    assert third.not_modified == 0 and not third.failed and third.produced == 0
    assert len(await _all_articles(settings)) == DEMO_ARTICLES

    server.add_entry(
        "kosmos-vestnik",
        title="Роскосмос сообщил о новом испытании противоспутникового оружия",
        link="https://kosmos-vestnik.example/news/asat-test",
        summary="Испытание провели на низкой околоземной орбите.",
    )
    fourth = await _one_round(settings, server)
    assert fourth.produced == 1
    records = await _all_articles(settings)
    assert len(records) == DEMO_ARTICLES + 1
    assert len({article.id for _, article in records}) == DEMO_ARTICLES + 1
    new = [a for _, a in records if a.url == "https://kosmos-vestnik.example/news/asat-test"]
    assert len(new) == 1 and new[0].language == "ru"


async def test_state_and_health_topics_describe_every_feed(
    isolated_settings: Settings, server: DemoFeedServer
) -> None:
    await _one_round(isolated_settings, server)
    store = await restore_states(isolated_settings)
    assert set(store.states) == set(server.documents)
    for state in store.states.values():
        assert state.etag and len(state.seen_ids) >= 3
        assert state.health.last_success_at is not None
    health = await read_topic_latest(
        isolated_settings, isolated_settings.topic_feed_health, FeedHealth.from_bytes
    )
    assert set(health) == set(server.documents)
    assert sum(h.articles_produced for h in health.values()) == DEMO_ARTICLES
