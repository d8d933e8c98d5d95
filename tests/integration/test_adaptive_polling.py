"""Adaptive polling on the real Kafka against a local feed server.

The connector runs on its own schedule (``Connector.run``) with short bounds: a feed that
keeps publishing is polled more often than one that never does, a feed answering with
``Cache-Control: max-age`` is never asked again before the answer is stale, the learned
rhythm survives a restart through the compacted state topic, and ``orbitwatch feeds
health`` shows each feed's interval, why, and whether it is pushed.

No assertion depends on the machine being fast: a slow machine only lengthens the gaps
between requests, and the busy feed is compared with feeds held at 20 s and more.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from connectors.adaptive import AdaptivePolicy
from connectors.demo.server import DemoFeedServer
from connectors.feedlist import FeedConfig
from connectors.producer import KafkaSink
from connectors.runner import Connector, ConnectorOptions
from connectors.state import restore_states
from orbitwatch.cli.main import app
from orbitwatch.core.kafka import read_topic_latest
from orbitwatch.core.namespace import topic_fields
from orbitwatch.core.settings import Settings, get_settings
from schemas import FeedHealth

pytestmark = pytest.mark.integration

MAX_AGE = 20
RUN_SECONDS = 12.0


def _rss(title: str, newest: datetime, spacing: timedelta, items: int = 3) -> bytes:
    entries = "".join(
        f"<item><title>{title} {i}</title><link>https://{title}.example/{i}</link>"
        f"<pubDate>{(newest - spacing * i).strftime('%a, %d %b %Y %H:%M:%S +0000')}"
        "</pubDate></item>"
        for i in range(items)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://{title}.example/</link>{entries}</channel></rss>"
    ).encode()


def _feeds(server: DemoFeedServer) -> list[FeedConfig]:
    return [
        f.model_copy(update={"polling": "adaptive", "min_interval": 1.0, "max_interval": 60.0})
        for f in server.feed_configs()
    ]


async def _publish_busily(server: DemoFeedServer, stop: asyncio.Event) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        server.add_entry(
            "busy",
            title=f"Launch update {n}",
            link=f"https://busy.example/news/{n}",
            summary="Another entry from a busy wire service.",
        )
        await asyncio.sleep(0.3)


async def _run_connector(settings: Settings, server: DemoFeedServer) -> None:
    options = ConnectorOptions(
        host_gap=0.0,
        per_host=4,
        parser_workers=1,
        # A budget for this small population: an average feed may be polled every 10 s.
        adaptive=AdaptivePolicy(budget_interval=10.0),
    )
    store = await restore_states(settings)
    stop = asyncio.Event()
    async with KafkaSink(settings) as sink, Connector(_feeds(server), sink, store, options) as conn:
        publisher = asyncio.create_task(_publish_busily(server, stop))
        runner = asyncio.create_task(conn.run(stop))
        await asyncio.sleep(RUN_SECONDS)
        stop.set()
        await asyncio.gather(publisher, runner)


def _gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


async def test_intervals_follow_the_rhythm_and_hints_are_honoured(
    isolated_settings: Settings,
) -> None:
    settings = isolated_settings
    now = datetime.now(UTC)
    documents = {
        "busy": _rss("busy", now, timedelta(minutes=10)),  # and more during the test
        "quiet": _rss("quiet", now - timedelta(days=60), timedelta(days=30)),
        "cached": _rss("cached", now, timedelta(minutes=1)),  # busy, but says max-age
    }
    async with DemoFeedServer(documents) as server:
        server.headers["cached"] = {"Cache-Control": f"max-age={MAX_AGE}"}
        await _run_connector(settings, server)
        busy, quiet, cached = (server.request_times.get(n, []) for n in documents)

        assert len(busy) >= 3 and len(busy) > len(quiet)
        assert all(gap >= MAX_AGE - 0.05 for gap in _gaps(cached))  # never before stale
        assert len(cached) <= 1 + RUN_SECONDS / MAX_AGE + 1

        health = await read_topic_latest(
            settings, settings.topic_feed_health, FeedHealth.from_bytes, timeout=30
        )
        assert health["busy"].interval_reason and "learned" in health["busy"].interval_reason
        assert health["quiet"].poll_interval_s == 60.0
        assert "maximum bound" in (health["quiet"].interval_reason or "")
        assert f"max-age={MAX_AGE}" in (health["cached"].interval_reason or "")
        assert not any(h.pushed for h in health.values())

        # The learned rhythm is on the compacted state topic: a restarted connector has it.
        store = await restore_states(settings)
        busy_schedule = store.states["busy"].schedule
        assert busy_schedule.new_entries > 3 > store.states["quiet"].schedule.new_entries
        assert busy_schedule.last_observed_at is not None
        assert store.states["cached"].schedule.hints.not_before is not None


# Synchronous: the command runs its own event loop, as the CLI entry point it is.
def test_feeds_health_shows_interval_reason_and_pushed(
    isolated_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = isolated_settings

    async def one_round() -> None:
        async with DemoFeedServer() as server:
            # Longer than the maximum bound: the hint decides whatever the feed's rhythm.
            server.headers["orbital-herald"] = {"Cache-Control": "max-age=30000"}
            options = ConnectorOptions(host_gap=0.0, per_host=4, parser_workers=1)
            feeds = [f.model_copy(update={"polling": "adaptive"}) for f in server.feed_configs()]
            async with KafkaSink(settings) as sink, Connector(feeds, sink, None, options) as conn:
                conn.set_pushed("kosmos-vestnik", True)
                await conn.poll_round()

    asyncio.run(one_round())
    for field in topic_fields():
        monkeypatch.setenv(f"ORBITWATCH_{field.upper()}", str(getattr(settings, field)))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["feeds", "health"], env={"COLUMNS": "250"})
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    output = result.output
    assert "8.3h" in output and "max-age=30000" in output  # interval and why
    assert "safety-net" in output and "yes" in output  # the pushed feed
    for column in ("pushed", "interval", "why", "req/h", "new/h"):
        assert column in output
