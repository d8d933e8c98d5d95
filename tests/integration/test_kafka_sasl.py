"""The clients' SASL path against a real broker: the local Kafka has a SASL/PLAIN listener
(port + 2) with one local-only user. A faust agent and plain aiokafka clients configured only
through the settings model must work there, and a wrong password must be refused."""

from __future__ import annotations

import asyncio
import socket

import faust
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError
from pydantic import SecretStr

from deploy.local.kafka_server import LOCAL_SASL_PASSWORD, LOCAL_SASL_USER
from orbitwatch.core.kafka import TopicSpec, ensure_topics, kafka_client_options
from orbitwatch.core.settings import KafkaSecurityProtocol, Settings
from streams.app import create_app

pytestmark = pytest.mark.integration


def _sasl(settings: Settings, password: str = LOCAL_SASL_PASSWORD) -> Settings:
    host, port = settings.kafka_host_port
    with socket.socket() as probe:
        if probe.connect_ex((host, port + 2)) != 0:
            pytest.skip(f"no SASL listener at {host}:{port + 2} (an external broker is in use)")
    return settings.model_copy(
        update={
            "kafka_bootstrap_servers": f"{host}:{port + 2}",
            "kafka_security_protocol": KafkaSecurityProtocol.SASL_PLAINTEXT,
            "kafka_sasl_mechanism": "PLAIN",
            "kafka_sasl_username": LOCAL_SASL_USER,
            "kafka_sasl_password": SecretStr(password),
        }
    )


async def test_faust_and_aiokafka_work_over_sasl(isolated_settings: Settings) -> None:
    settings = _sasl(isolated_settings)
    source, sink = settings.topic_articles_raw, settings.topic_events_classified
    await ensure_topics(settings, [TopicSpec(source, 1), TopicSpec(sink, 1)])

    app = create_app(settings, topic_partitions=1)
    source_topic = app.topic(source, value_serializer="raw")
    sink_topic = app.topic(sink, value_serializer="raw")

    @app.agent(source_topic)
    async def relay(stream: faust.StreamT[bytes]) -> None:
        async for value in stream:
            await sink_topic.send(value=b"seen:" + value)

    await app.start()
    try:
        producer = AIOKafkaProducer(**kafka_client_options(settings), acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(source, b"glonass")
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            sink, **kafka_client_options(settings), auto_offset_reset="earliest"
        )
        await consumer.start()
        try:
            async with asyncio.timeout(60):
                record = await consumer.getone()
        finally:
            await consumer.stop()
    finally:
        await app.stop()
    assert record.value == b"seen:glonass"


async def test_wrong_sasl_password_is_refused(isolated_settings: Settings) -> None:
    settings = _sasl(isolated_settings, password="not-the-password")
    admin = AIOKafkaAdminClient(**kafka_client_options(settings), request_timeout_ms=5000)
    with pytest.raises(KafkaConnectionError):
        await admin.start()
    await admin.close()
