"""The worker as operators run it (``orbitwatch worker`` in its own process): after a small
run, /metrics has the pipeline's metric families with non-zero counts, /ready says ready, and
every log line is JSON without any configured secret."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiokafka import AIOKafkaProducer

from orbitwatch.core.kafka import ensure_topics, kafka_client_options
from orbitwatch.core.namespace import topic_fields
from orbitwatch.core.settings import Settings
from schemas import Article
from schemas.topics import topic_specs

pytestmark = pytest.mark.integration

SECRETS = {
    "ORBITWATCH_WEBHOOK_SECRET": "hook-secret-4711",
    "ORBITWATCH_KAFKA_SASL_PASSWORD": "sasl-secret-0815",
}
NOW = datetime.now(UTC)
ARTICLES = [
    Article(
        id=f"proc-{i}",
        feed_id="wire",
        title=title,
        summary=summary,
        language="en",
        published_at=NOW,
        fetched_at=NOW,
    )
    for i, (title, summary) in enumerate(
        [
            (
                "Russia and China sign deal on a lunar nuclear power station",
                "Roscosmos and CNSA agreed to install a reactor for their lunar base by 2035.",
            ),
            (
                "Falcon 9 launches 24 Starlink satellites",
                "SpaceX sent another batch of broadband satellites to low orbit from Florida.",
            ),
        ]
    )
]
FAMILIES = (
    "orbitwatch_articles_consumed_total",
    "orbitwatch_articles_classified_total",
    "orbitwatch_es_documents_indexed_total",
    "orbitwatch_alerts_published_total",
    "orbitwatch_stage_latency_seconds_count",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(settings: Settings, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORBITWATCH_")}
    for field in [*topic_fields(), "index_prefix", "app_id", "kafka_bootstrap_servers", "es_url"]:
        env[f"ORBITWATCH_{field.upper()}"] = str(getattr(settings, field))
    env |= {
        "ORBITWATCH_DATA_DIR": str(settings.data_dir),
        "ORBITWATCH_TOPIC_PARTITIONS": str(settings.topic_partitions),
        "ORBITWATCH_METRICS_PORT": str(port),
        "ORBITWATCH_LOG_FORMAT": "json",
        **SECRETS,
    }
    return env


async def _produce(settings: Settings) -> None:
    await ensure_topics(settings, topic_specs(settings))
    producer = AIOKafkaProducer(**kafka_client_options(settings))
    await producer.start()
    try:
        for article in ARTICLES:
            await producer.send_and_wait(
                settings.topic_articles_raw, article.to_bytes(), key=article.id.encode()
            )
    finally:
        await producer.stop()


async def _scrape_until_counted(port: int, limit_s: float) -> tuple[dict[str, float], bool]:
    deadline = time.monotonic() + limit_s
    values: dict[str, float] = {}
    ready = False
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"http://127.0.0.1:{port}/ready") as response:
                    ready = response.status == 200
                async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                    text = await response.text()
            except aiohttp.ClientError:
                await asyncio.sleep(0.5)
                continue
            values = {family: 0.0 for family in FAMILIES}
            for line in text.splitlines():
                for family in FAMILIES:
                    if line.startswith(family):
                        values[family] += float(line.rsplit(" ", 1)[1])
            # The lag gauge is refreshed by a timer, so it appears a little later.
            if ready and all(values.values()) and "orbitwatch_consumer_lag{" in text:
                values["orbitwatch_consumer_lag"] = 1.0
                break
            await asyncio.sleep(0.5)
    return values, ready


def test_worker_process_serves_metrics_and_logs_json(
    isolated_settings: Settings, tmp_path: Path
) -> None:
    settings = isolated_settings
    asyncio.run(_produce(settings))
    port = _free_port()
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "orbitwatch.cli", "worker"],
            env=_environment(settings, port),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            values, ready = asyncio.run(_scrape_until_counted(port, limit_s=90))
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)

    print(f"\nworker metrics after a 2-article run: {values}")
    assert ready
    assert all(values[family] > 0 for family in FAMILIES), values
    assert "orbitwatch_consumer_lag" in values, "no consumer lag gauge served"
    lines = log_path.read_text().splitlines()
    assert lines
    for line in lines:
        json.loads(line)  # every line one JSON event
    text = log_path.read_text()
    assert not any(secret in text for secret in SECRETS.values())
