"""The whole pipeline in one process on the offline demo feeds: the README's main job.

Demo feed server -> connector (one poll round) -> articles.raw -> worker -> events.classified
-> Elasticsearch and alerts, with the classified events and the alerts shown as they arrive.
It runs in a namespace of its own (topics ``orbitwatch-demo.*``, indices
``orbitwatch-demo-*``), wiped at the start of every run, so each run is a clean end-to-end
pass whose latencies are real, and a real deployment on the same servers is never touched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer

from connectors.demo.server import DemoFeedServer
from connectors.producer import KafkaSink
from connectors.runner import Connector, ConnectorOptions
from connectors.state import restore_states
from orbitwatch.core.elastic import make_client
from orbitwatch.core.kafka import ensure_topics, kafka_client_options
from orbitwatch.core.namespace import namespaced, wipe_namespace
from orbitwatch.core.settings import Settings
from schemas import ClassifiedEvent
from schemas.alert import Alert
from schemas.topics import topic_specs
from streams.worker import build_worker_app

DEMO_NAMESPACE = "orbitwatch-demo"


def demo_settings(settings: Settings) -> Settings:
    return namespaced(settings, DEMO_NAMESPACE, data_dir=settings.infra_home / "demo-worker")


@dataclass
class DemoOutcome:
    settings: Settings
    produced: int = 0
    failed_feeds: list[str] = field(default_factory=list)
    events: list[ClassifiedEvent] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


async def run_demo(
    settings: Settings,
    on_event: Callable[[ClassifiedEvent], None],
    on_alert: Callable[[Alert], None],
    on_progress: Callable[[str], None] = lambda _: None,
    quiet_seconds: float = 5.0,
    limit_seconds: float = 120.0,
    *,
    own_namespace: bool = True,
) -> DemoOutcome:
    """``own_namespace=False`` runs in the namespace ``settings`` already name (a test's,
    which the test wipes), instead of the demo's own, wiped first."""
    if own_namespace:
        settings = demo_settings(settings)
        client = make_client(settings)
        try:
            await wipe_namespace(settings, DEMO_NAMESPACE, client)
        finally:
            client.close()
    outcome = DemoOutcome(settings)
    await ensure_topics(settings, topic_specs(settings))
    app, _ = build_worker_app(settings)
    await app.start()
    try:
        async with DemoFeedServer(port=0) as server:
            feeds = server.feed_configs()
            on_progress(f"demo feeds served at {server.base_url}: {len(feeds)} feeds")
            store = await restore_states(settings, log=on_progress)
            options = ConnectorOptions(host_gap=0.0, per_host=4, parser_processes=False)
            async with KafkaSink(settings) as sink, Connector(feeds, sink, store, options) as conn:
                report = await conn.poll_round()
            outcome.produced = report.produced
            outcome.failed_feeds = [r.feed.id for r in report.failed]
            on_progress(
                f"connector: {report.produced} new article(s) to {settings.topic_articles_raw}"
            )
            demo_feed_ids = {feed.id for feed in feeds}
            await _follow(
                settings, demo_feed_ids, outcome, on_event, on_alert, quiet_seconds, limit_seconds
            )
    finally:
        await app.stop()
    return outcome


async def _follow(
    settings: Settings,
    feed_ids: set[str],
    outcome: DemoOutcome,
    on_event: Callable[[ClassifiedEvent], None],
    on_alert: Callable[[Alert], None],
    quiet_seconds: float,
    limit_seconds: float,
) -> None:
    """Show the demo feeds' events and their alerts until nothing new came for a while."""
    consumer = AIOKafkaConsumer(
        settings.topic_events_classified,
        settings.topic_alerts,
        **kafka_client_options(settings),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_seconds
    last_arrival = loop.time()
    stories: set[str] = set()
    try:
        while loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    if record.topic == settings.topic_alerts:
                        alert = Alert.from_bytes(record.value)
                        if alert.story_id in stories or set(alert.feed_ids) & feed_ids:
                            outcome.alerts.append(alert)
                            on_alert(alert)
                            last_arrival = loop.time()
                        continue
                    event = ClassifiedEvent.from_bytes(record.value)
                    if event.article.feed_id in feed_ids:
                        stories.add(event.story_id)
                        outcome.events.append(event)
                        on_event(event)
                        last_arrival = loop.time()
            expected = outcome.produced if outcome.produced else 1
            if len(outcome.events) >= expected and loop.time() - last_arrival > quiet_seconds:
                break
    finally:
        await consumer.stop()
