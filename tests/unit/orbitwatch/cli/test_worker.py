"""``orbitwatch worker``'s start-up: wait for Kafka, then create the topics and go on."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiokafka.errors import KafkaConnectionError

from orbitwatch.cli import worker as worker_cli
from orbitwatch.core.kafka import TopicSpec
from orbitwatch.core.settings import Settings

pytestmark = pytest.mark.unit


def test_waits_while_kafka_is_away_then_creates_the_topics(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[list[str]] = []

    async def ensure(settings: Settings, specs: list[TopicSpec]) -> list[str]:
        calls.append([spec.name for spec in specs])
        if len(calls) < 3:
            raise KafkaConnectionError("Unable to bootstrap from [('kafka.example', 9092)]")
        return [spec.name for spec in specs]

    slept: list[float] = []

    async def sleep(delay: float) -> None:
        slept.append(delay)

    monkeypatch.setattr(worker_cli, "ensure_topics_quietly", ensure)
    settings = Settings(kafka_bootstrap_servers="kafka.example:9092")
    with caplog.at_level(logging.INFO, logger="orbitwatch.worker"):
        asyncio.run(worker_cli.wait_then_create_topics(settings, sleep=sleep))
    assert len(calls) == 3  # the third attempt answered: the worker goes on to start
    assert settings.topic_articles_raw in calls[-1]
    assert len(slept) == 2
    waits = [r.getMessage() for r in caplog.records if "waiting for Kafka" in r.getMessage()]
    assert len(waits) == 2
    assert all(line.startswith("waiting for Kafka at kafka.example:9092: ") for line in waits)
    assert "Kafka at kafka.example:9092 answered after" in caplog.text


def test_an_error_that_is_not_an_outage_ends_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    async def ensure(settings: Settings, specs: list[TopicSpec]) -> list[str]:
        raise ValueError("not a retriable problem")

    monkeypatch.setattr(worker_cli, "ensure_topics_quietly", ensure)
    with pytest.raises(ValueError):
        asyncio.run(worker_cli.wait_then_create_topics(Settings()))
