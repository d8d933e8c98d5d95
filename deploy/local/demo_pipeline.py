"""The whole pipeline in one process on the offline demo feeds: the README's main job.

Demo feed server -> connector (one poll round) -> articles.raw -> worker -> events.classified,
with the classified events shown as they arrive. Re-running it is safe: the connector's state
topic remembers what it already produced, so a second run shows the events of the first
instead of producing duplicates.
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
from orbitwatch.kafka import ensure_topics, kafka_client_options, pipeline_topics
from orbitwatch.settings import Settings
from schemas import ClassifiedEvent
from streams.worker import build_worker_app


@dataclass
class DemoOutcome:
    produced: int = 0
    failed_feeds: list[str] = field(default_factory=list)
    events: list[ClassifiedEvent] = field(default_factory=list)


async def run_demo(
    settings: Settings,
    on_event: Callable[[ClassifiedEvent], None],
    on_progress: Callable[[str], None] = lambda _: None,
    quiet_seconds: float = 5.0,
    limit_seconds: float = 120.0,
) -> DemoOutcome:
    outcome = DemoOutcome()
    await ensure_topics(settings, pipeline_topics(settings))
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
                + (" (the rest were produced by an earlier run)" if report.produced == 0 else "")
            )
            demo_feed_ids = {feed.id for feed in feeds}
            await _follow_events(
                settings, demo_feed_ids, outcome, on_event, quiet_seconds, limit_seconds
            )
    finally:
        await app.stop()
    return outcome


async def _follow_events(
    settings: Settings,
    feed_ids: set[str],
    outcome: DemoOutcome,
    on_event: Callable[[ClassifiedEvent], None],
    quiet_seconds: float,
    limit_seconds: float,
) -> None:
    """Show classified events of the demo feeds until none has come for ``quiet_seconds``."""
    consumer = AIOKafkaConsumer(
        settings.topic_events_classified,
        **kafka_client_options(settings),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_seconds
    last_arrival = loop.time()
    try:
        while loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    event = ClassifiedEvent.from_bytes(record.value)
                    if event.article.feed_id in feed_ids:
                        outcome.events.append(event)
                        on_event(event)
                        last_arrival = loop.time()
            expected = outcome.produced if outcome.produced else 1
            if len(outcome.events) >= expected and loop.time() - last_arrival > quiet_seconds:
                break
    finally:
        await consumer.stop()
