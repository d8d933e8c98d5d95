"""Proof that the test run talks to the real Kafka and Elasticsearch."""

from __future__ import annotations

import asyncio

import faust
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from elasticsearch import Elasticsearch

from orbitwatch.core.kafka import TopicSpec, ensure_topics, kafka_client_options
from orbitwatch.core.settings import Settings

pytestmark = pytest.mark.integration


async def test_aiokafka_produce_then_consume(isolated_settings: Settings) -> None:
    topic = isolated_settings.topic_articles_raw
    await ensure_topics(isolated_settings, [TopicSpec(topic, 2)])
    producer = AIOKafkaProducer(
        **kafka_client_options(isolated_settings), acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        for i in range(20):
            await producer.send_and_wait(topic, f"message {i}".encode(), key=str(i).encode())
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        **kafka_client_options(isolated_settings),
        group_id=isolated_settings.app_id,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    received: set[bytes] = set()
    try:
        async with asyncio.timeout(30):
            while len(received) < 20:
                batch = await consumer.getmany(timeout_ms=1000)
                for records in batch.values():
                    received.update(r.value for r in records if r.value is not None)
    finally:
        await consumer.stop()
    assert received == {f"message {i}".encode() for i in range(20)}


async def test_faust_agent_reads_one_topic_and_writes_another(
    isolated_settings: Settings,
) -> None:
    source_name = isolated_settings.topic_articles_raw
    sink_name = isolated_settings.topic_events_classified
    await ensure_topics(isolated_settings, [TopicSpec(source_name, 1), TopicSpec(sink_name, 1)])

    app = faust.App(
        isolated_settings.app_id,
        broker=f"kafka://{isolated_settings.kafka_bootstrap_servers}",
        store="memory://",
        web_enabled=False,
        datadir=str(isolated_settings.data_dir),
        topic_partitions=1,
        consumer_auto_offset_reset="earliest",
    )
    source = app.topic(source_name, value_serializer="raw")
    sink = app.topic(sink_name, value_serializer="raw")

    @app.agent(source)
    async def shout(stream: faust.StreamT[bytes]) -> None:
        async for value in stream:
            await sink.send(value=value.upper())

    await app.start()
    try:
        producer = AIOKafkaProducer(**kafka_client_options(isolated_settings))
        await producer.start()
        try:
            for word in (b"luna", b"beidou", b"glonass"):
                await producer.send_and_wait(source_name, word)
        finally:
            await producer.stop()

        consumer = AIOKafkaConsumer(
            sink_name, **kafka_client_options(isolated_settings), auto_offset_reset="earliest"
        )
        await consumer.start()
        seen: list[bytes] = []
        try:
            async with asyncio.timeout(60):
                while len(seen) < 3:
                    batch = await consumer.getmany(timeout_ms=1000)
                    for records in batch.values():
                        seen.extend(r.value for r in records if r.value is not None)
        finally:
            await consumer.stop()
    finally:
        await app.stop()
    assert sorted(seen) == [b"BEIDOU", b"GLONASS", b"LUNA"]


def test_elasticsearch_index_refresh_search(
    isolated_settings: Settings, es_client: Elasticsearch
) -> None:
    index = f"{isolated_settings.index_prefix}-proof"
    es_client.index(
        index=index,
        id="lunar-1",
        document={"title": "Joint lunar station agreement", "actors": ["CN", "RU"]},
    )
    es_client.indices.refresh(index=index)
    hits = es_client.search(index=index, query={"match": {"title": "lunar"}})["hits"]
    assert hits["total"]["value"] == 1
    assert hits["hits"][0]["_id"] == "lunar-1"
    assert hits["hits"][0]["_source"]["actors"] == ["CN", "RU"]
