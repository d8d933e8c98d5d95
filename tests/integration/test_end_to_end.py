"""The whole pipeline on the real Kafka and Elasticsearch, fed by the offline demo feeds.

Demo feed server -> connector (one poll round) -> articles.raw -> worker (in-process:
classify, stories, index, alert) -> Elasticsearch and the ``alerts`` topic. Then the worker
restarts and the connector polls again: nothing is indexed twice and no alert repeats.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from elasticsearch import Elasticsearch

from connectors.demo.server import DemoFeedServer
from connectors.producer import KafkaSink
from connectors.runner import Connector, ConnectorOptions, RoundReport
from connectors.state import FeedStateStore, restore_states
from orbitwatch.core.kafka import ensure_topics, kafka_client_options
from orbitwatch.core.settings import Settings
from orbitwatch.query import EventQuery
from schemas import Alert
from schemas.indices.names import IndexNames
from schemas.topics import topic_specs
from streams.worker import build_worker_app

pytestmark = pytest.mark.integration

LUNAR_URLS = (  # the Russia–China lunar nuclear power plant story, in two demo feeds
    "orbital-herald.example/2025/03/lunar-nuclear-plant",
    "kosmos-vestnik.example/news/lunar-power-plant",
)
ROUTINE_LAUNCH_URLS = (  # routine commercial launches: never alert-worthy
    "orbital-herald.example/2025/03/starlink-batch",
    "tiangong-daily.example/2025/03/commercial-launch",
)

HIGH_SEVERITY_RULE = "high-severity"  # deploy/rules.yaml: every high-severity event


@dataclass
class AlertCollector:
    """Reads the alerts topic from the start in the background, noting arrival times."""

    settings: Settings
    alerts: list[tuple[float, Alert]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> AlertCollector:
        consumer = AIOKafkaConsumer(
            self.settings.topic_alerts,
            **kafka_client_options(self.settings),
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        self._task = asyncio.create_task(self._run(consumer))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self, consumer: AIOKafkaConsumer) -> None:
        try:
            while True:
                batch = await consumer.getmany(timeout_ms=250)
                for records in batch.values():
                    for record in records:
                        self.alerts.append((time.monotonic(), Alert.from_bytes(record.value)))
        finally:
            await consumer.stop()

    def only(self) -> list[Alert]:
        return [alert for _, alert in self.alerts]


async def _poll_once(
    settings: Settings, server: DemoFeedServer, store: FeedStateStore | None = None
) -> RoundReport:
    """One connector poll round, with the feed state restored from its topic."""
    if store is None:
        store = await restore_states(settings)
    options = ConnectorOptions(host_gap=0.0, per_host=4, parser_processes=False)
    async with (
        KafkaSink(settings) as sink,
        Connector(server.feed_configs(), sink, store, options) as connector,
    ):
        return await connector.poll_round()


def _count(es: Elasticsearch, index: str) -> int:
    es.options(ignore_status=404).indices.refresh(index=index)
    return int(es.options(ignore_status=404).count(index=index).body.get("count", 0))


def _events(es: Elasticsearch, names: IndexNames) -> list[dict[str, Any]]:
    es.options(ignore_status=404).indices.refresh(index=names.events_alias)
    response = es.options(ignore_status=404).search(
        index=names.events_alias, size=100, query={"match_all": {}}
    )
    return [hit["_source"] for hit in response.body.get("hits", {}).get("hits", [])]


async def _wait_until(
    check: Callable[[], bool], what: str, limit_s: float = 90.0, every_s: float = 0.5
) -> float:
    """Poll ``check`` until it holds; returns the seconds it took (fails after ``limit_s``)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not check():
        if loop.time() - start > limit_s:
            raise AssertionError(f"timed out after {limit_s:.0f}s waiting for {what}")
        await asyncio.sleep(every_s)
    return loop.time() - start


async def _wait_stable(read: Callable[[], object], quiet_s: float, limit_s: float = 90.0) -> None:
    """Wait until ``read()`` returns the same value for ``quiet_s`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    value, since = read(), loop.time()
    while loop.time() - since < quiet_s:
        if loop.time() > deadline:
            raise AssertionError(f"still changing after {limit_s:.0f}s: {value!r}")
        await asyncio.sleep(0.5)
        current = read()
        if current != value:
            value, since = current, loop.time()


def _matches(url: str | None, fragments: tuple[str, ...]) -> bool:
    return bool(url) and any(fragment in str(url) for fragment in fragments)


async def test_demo_feeds_to_elasticsearch_and_alerts_and_restart(
    isolated_settings: Settings, es_client: Elasticsearch
) -> None:
    settings = isolated_settings
    names = IndexNames(settings.index_prefix)
    await ensure_topics(settings, topic_specs(settings))

    async with AlertCollector(settings) as collector, DemoFeedServer(port=0) as server:
        app, _ = build_worker_app(settings)
        await app.start()
        try:
            started = time.monotonic()
            report = await _poll_once(settings, server)
            assert report.failed == [], [r.feed.id for r in report.failed]
            assert report.produced > 0

            # Both articles of the lunar story indexed, the launches too.
            def indexed_urls() -> set[str]:
                return {str(e.get("url")) for e in _events(es_client, names)}

            await _wait_until(
                lambda: all(
                    any(_matches(u, (frag,)) for u in indexed_urls())
                    for frag in LUNAR_URLS + ROUTINE_LAUNCH_URLS
                ),
                "the lunar story and the launches in the events index",
            )
            events = _events(es_client, names)
            lunar = [e for e in events if _matches(e.get("url"), LUNAR_URLS)]
            lunar_ids = {e["article_id"] for e in lunar}
            lunar_stories = {e["story_id"] for e in lunar}
            assert len(lunar) == 2, lunar
            assert len(lunar_stories) == 1, f"the two feeds' articles are not one story: {lunar}"
            [lunar_story] = lunar_stories
            launches = [e for e in events if _matches(e.get("url"), ROUTINE_LAUNCH_URLS)]
            launch_keys = {e["article_id"] for e in launches} | {e["story_id"] for e in launches}

            # Exactly one alert for the story and the high-severity rule.
            def story_alerts() -> list[Alert]:
                return [
                    a
                    for a in collector.only()
                    if a.rule == HIGH_SEVERITY_RULE and a.story_id == lunar_story
                ]

            await _wait_until(lambda: bool(story_alerts()), "the lunar story's alert")
            first_alert_s = (
                min(t for t, a in collector.alerts if a.story_id == lunar_story) - started
            )
            # Every event of the round has been classified and indexed; alerts settle.
            await _wait_stable(lambda: (len(_events(es_client, names)), len(collector.alerts)), 5)
            events = _events(es_client, names)
            events_before = _count(es_client, names.events_alias)
            stories_before = _count(es_client, names.stories_alias)
            alerts_before = collector.only()
        finally:
            await app.stop()

        [alert] = story_alerts()
        assert alert.severity.value == "high"
        assert lunar_ids <= set(alert.article_ids) or alert.story_id == lunar_story
        assert alert.story_id == lunar_story
        assert "CN-RU" in alert.actor_pairs
        for other in alerts_before:
            assert other.story_id not in launch_keys, f"a routine launch alerted: {other}"
            assert not launch_keys & set(other.article_ids), f"a routine launch alerted: {other}"

        # The project's search request finds the story by actor pair and event type.
        found = es_client.search(
            index=names.events_alias, **EventQuery(pairs=["ru-cn"], event_types=["nuclear"]).body()
        )
        found_ids = {hit["_source"]["article_id"] for hit in found.body["hits"]["hits"]}
        assert lunar_ids <= found_ids, (lunar_ids, found_ids)
        assert not found_ids & launch_keys

        # Restart: a new app with the same settings, and the connector polls again.
        app, _ = build_worker_app(settings)
        await app.start()
        try:
            again = await _poll_once(settings, server)
            assert again.failed == []
            # A connector that lost its state re-sends everything: the worker must drop it.
            resent = await _poll_once(settings, server, FeedStateStore())
            assert resent.produced == report.produced
            await asyncio.sleep(8)  # > the bulk interval and alert tick: anything new shows
            await _wait_stable(lambda: (len(_events(es_client, names)), len(collector.alerts)), 5)
        finally:
            await app.stop()

        events_after = _count(es_client, names.events_alias)
        stories_after = _count(es_client, names.stories_alias)
        alerts_after = collector.only()

    print(
        f"\nproduced={report.produced} (after restart: {again.produced} new,"
        f" {resent.produced} re-sent) events_indexed={events_before} stories={stories_before}"
        f" alerts={len(alerts_before)} ({sorted((a.rule, a.story_id) for a in alerts_before)})"
        f" lunar_alert_lists_both_articles={lunar_ids <= set(alert.article_ids)}"
        f" seconds_to_first_alert={first_alert_s:.2f}"
        f" after_restart: events={events_after} stories={stories_after}"
        f" alerts={len(alerts_after)}"
    )
    assert again.produced == 0
    assert events_after == events_before
    assert stories_after == stories_before
    assert [a.alert_id for a in alerts_after] == [a.alert_id for a in alerts_before]
