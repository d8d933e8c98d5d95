"""``orbitwatch status`` against the real servers: every panel filled, lag counted."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaProducer
from typer.testing import CliRunner

from orbitwatch.cli import app
from orbitwatch.core.kafka import ensure_topics, kafka_client_options
from orbitwatch.core.namespace import topic_fields
from orbitwatch.core.settings import Settings, get_settings
from orbitwatch.status import gather
from schemas.topics import topic_specs

pytestmark = pytest.mark.integration


async def _produce_three(settings: Settings) -> None:
    await ensure_topics(settings, topic_specs(settings))
    producer = AIOKafkaProducer(**kafka_client_options(settings))
    await producer.start()
    try:
        for i in range(3):
            await producer.send_and_wait(settings.topic_articles_raw, b"{}", key=str(i).encode())
    finally:
        await producer.stop()


# Synchronous on purpose: status runs its own event loops, as the CLI entry point it is.
def test_status_counts_messages_and_shows_every_part(
    isolated_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = isolated_settings
    asyncio.run(_produce_three(settings))

    state = gather(settings)
    raw = next(t for t in state.topics if t.name == settings.topic_articles_raw)
    assert raw.messages == 3
    assert state.kafka_error is None and state.es_health in ("green", "yellow")

    for field in [*topic_fields(), "index_prefix", "app_id"]:
        monkeypatch.setenv(f"ORBITWATCH_{field.upper()}", str(getattr(settings, field)))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["status"], env={"COLUMNS": "160"})
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    for title in ("Kafka topics", "Elasticsearch", "Feeds", "Latest alerts"):
        assert title in result.output
    assert settings.topic_articles_raw in result.output
