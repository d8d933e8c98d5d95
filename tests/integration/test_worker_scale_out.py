"""Two ``orbitwatch worker`` processes started together in one consumer group (a new
deployment with two replicas) index every article of the stream, none lost.

faust 0.15.3 let the worker that joins second skip the first fetched batch (about a
megabyte) of each partition it was handed that the group had never committed; see
``streams.consumer``. The stream here is a few megabytes per partition, so
a skipped batch is hundreds of articles, and ids are checked one by one.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from elasticsearch import Elasticsearch

from orbitwatch.core.kafka import ensure_topics, kafka_client_options
from orbitwatch.core.settings import Settings
from schemas import Article
from schemas.indices.names import IndexNames
from schemas.topics import topic_specs

pytestmark = pytest.mark.integration

ARTICLES = 6000
PARTITIONS = 4
LIMIT_S = 150.0
NOW = datetime.now(UTC)
# Mostly ordinary news (straight to events.classified) and some space events (through the
# stories stage), at real-article sizes so one fetch holds a batch of a thousand or so.
TEXTS = [
    (
        "Russia and China sign deal on a lunar nuclear power station",
        "Roscosmos and CNSA agreed to install a reactor for their lunar base by 2035. ",
    ),
    (
        "City council approves new budget for schools",
        "The council voted to raise spending on school buildings and teachers next year. ",
    ),
    (
        "Local team wins the regional football cup",
        "Fans celebrated in the streets after a late goal decided the final on Sunday. ",
    ),
]


def _articles() -> list[Article]:
    articles = []
    for i in range(ARTICLES):
        title, summary = TEXTS[0] if i % 20 == 0 else TEXTS[1 + i % 2]
        articles.append(
            Article(
                id=f"scale-{i}",
                feed_id=f"feed-{i % 50}",
                title=f"{title} ({i})",
                summary=summary * 10,
                language="en",
                published_at=NOW - timedelta(seconds=i),
                fetched_at=NOW,
            )
        )
    return articles


async def _produce(settings: Settings, articles: list[Article]) -> None:
    await ensure_topics(settings, topic_specs(settings))
    producer = AIOKafkaProducer(
        **kafka_client_options(settings), acks="all", linger_ms=20, max_batch_size=512 * 1024
    )
    await producer.start()
    try:
        pending = [
            await producer.send(
                settings.topic_articles_raw, article.to_bytes(), key=article.id.encode()
            )
            for article in articles
        ]
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


def _indexed_ids(es: Elasticsearch, names: IndexNames, ids: list[str]) -> set[str]:
    es.options(ignore_status=404).indices.refresh(index=names.events_alias)
    found: set[str] = set()
    for start in range(0, len(ids), 1000):
        response = es.mget(index=names.events_alias, ids=ids[start : start + 1000])
        found |= {doc["_id"] for doc in response.body["docs"] if doc.get("found")}
    return found


def _count(es: Elasticsearch, names: IndexNames) -> int:
    response = es.options(ignore_status=(404, 503)).count(index=names.events_alias)
    return int(response.body.get("count", 0)) if response.meta.status == 200 else 0


@pytest.fixture
def scale_settings(isolated_settings: Settings) -> Settings:
    # The shared fixture's two partitions would hand the joining worker one partition per
    # topic; four make the hand-over cover more of the stream.
    return isolated_settings.model_copy(update={"topic_partitions": PARTITIONS})


def test_two_workers_started_together_index_every_article_once(
    scale_settings: Settings, es_client: Elasticsearch, tmp_path: Path
) -> None:
    settings = scale_settings
    articles = _articles()
    asyncio.run(_produce(settings, articles))
    names = IndexNames(settings.index_prefix)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        for n in range(2):
            own = settings.model_copy(update={"data_dir": tmp_path / f"w{n}"})
            own.data_dir.mkdir(parents=True)
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("ORBITWATCH_")},
                **own.environment(),
                "ORBITWATCH_METRICS_PORT": "0",
            }
            with (tmp_path / f"w{n}.log").open("wb") as log:
                workers.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "orbitwatch.cli", "worker"],
                        env=env,
                        cwd=tmp_path,  # no project .env filling in unset fields
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        deadline = time.monotonic() + LIMIT_S
        while time.monotonic() < deadline and _count(es_client, names) < ARTICLES:
            assert all(w.poll() is None for w in workers), "a worker exited; see its log"
            time.sleep(1)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(60)
            except subprocess.TimeoutExpired:
                worker.kill()

    ids = [article.id for article in articles]
    found = _indexed_ids(es_client, names, ids)
    missing = sorted(set(ids) - found, key=lambda i: int(i.rsplit("-", 1)[1]))
    print(f"\ntwo workers: {len(found)} of {ARTICLES} articles indexed")
    assert not missing, f"{len(missing)} articles never indexed, e.g. {missing[:5]}"
    # One document per article: replays after the rebalance overwrite, never add.
    assert _count(es_client, names) == ARTICLES
