"""``orbitwatch connector run`` (its own process) killed mid-lease while a real WebSub hub
(flask-websub) pushes to it: nothing is lost and nothing is produced twice.

The connector subscribes at the hub; a publication arrives by push; the process is then
killed with SIGKILL (no shutdown code runs) and an entry is published while it is down: the
hub's pushes fail and it gives up. The restarted connector reads its subscription back from
the feed-state topic (same token and secret: the hub's next push is accepted without a new
subscription), polls the feed at once because pushes may have been missed, and so produces
the entry published while it was down; the next publication arrives by push again. Every
entry reaches ``articles.raw`` exactly once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
import yaml

from benchmarks.harness.websub_hub import Publisher, WebSubHub, free_port
from orbitwatch.core.kafka import read_topic_latest
from orbitwatch.core.settings import Settings
from schemas import FeedHealth, FeedState
from tests.faults.conftest import Figures
from tests.faults.processes import Process, orbitwatch_env
from tests.integration.test_connector_kafka import _all_articles

pytestmark = pytest.mark.faults

FEED = "pushed-feed"


async def _until(
    what: str, check: Callable[[], Coroutine[Any, Any, bool]], process: Process, limit: float
) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if await check():
            return time.monotonic() - started
        assert process.alive(), f"{process.name} exited:\n{process.tail()}"
        await asyncio.sleep(0.25)
    raise AssertionError(f"not within {limit:.0f} s: {what}\n{process.tail()}")


async def test_connector_killed_mid_lease_loses_nothing_and_produces_nothing_twice(
    fault_settings: Settings, tmp_path: Path, figures: Figures
) -> None:
    settings = fault_settings
    port = free_port()
    async with WebSubHub() as hub, Publisher(hub.url) as publisher:
        url = publisher.add_topic(FEED, "Pushed feed")
        publisher.add_entry(FEED, "p-1", "Satellite launched into a polar orbit")
        feeds = tmp_path / "feeds.yaml"
        # Fixed and hourly: within the test, anything after the first poll comes by push,
        # or by the poll a restart makes.
        feeds.write_text(
            yaml.safe_dump(
                {
                    "feeds": [
                        {
                            "id": FEED,
                            "name": "Pushed feed",
                            "url": url,
                            "polling": "fixed",
                            "poll_interval": "1h",
                            "allow_private": True,
                        }
                    ]
                }
            )
        )
        env = orbitwatch_env(
            settings,
            {
                "ORBITWATCH_WEBSUB_CALLBACK_URL": f"http://127.0.0.1:{port}/websub",
                "ORBITWATCH_WEBSUB_BIND_PORT": str(port),
            },
        )
        connector = Process(
            "connector",
            ["connector", "run", "--feeds", str(feeds), "--parser-workers", "1"],
            env,
            tmp_path / "connector",
        )

        async def titles() -> list[str]:
            return sorted(a.title for _, a in await _all_articles(settings))

        async def active() -> bool:
            health = await read_topic_latest(
                settings, settings.topic_feed_health, FeedHealth.from_bytes, timeout=10
            )
            return FEED in health and health[FEED].websub == "active"

        def has(title: str) -> Callable[[], Coroutine[Any, Any, bool]]:
            async def check() -> bool:
                return title in await titles()

            return check

        connector.start()
        try:
            await _until("the subscription is active", active, connector, 120)
            publisher.add_entry(FEED, "p-2", "Inspector satellite nears a target")
            assert await hub.publish(url) == 202
            push_s = await _until(
                "the pushed entry on articles.raw",
                has("Inspector satellite nears a target"),
                connector,
                30,
            )
            states = await read_topic_latest(
                settings, settings.topic_feed_state, FeedState.from_bytes
            )
            before = states[FEED].websub
            assert before is not None and before.status == "active"

            connector.kill_hard()
            publisher.add_entry(FEED, "p-3", "Debris tracked after a breakup")
            await hub.publish(url)  # every push fails: nobody listens on the callback

            connector.start()
            missed_s = await _until(
                "the entry published while the connector was down",
                has("Debris tracked after a breakup"),
                connector,
                120,
            )
            publisher.add_entry(FEED, "p-4", "Launch window opens for a relay satellite")
            assert await hub.publish(url) == 202
            await _until(
                "the next push after the restart",
                has("Launch window opens for a relay satellite"),
                connector,
                30,
            )
            states = await read_topic_latest(
                settings, settings.topic_feed_state, FeedState.from_bytes
            )
            after = states[FEED].websub
            assert after is not None and after.status == "active"
            # The same subscription, not a new one: the hub kept pushing to the old token.
            assert (after.token, after.secret, after.verified_at) == (
                before.token,
                before.secret,
                before.verified_at,
            )
        finally:
            connector.stop()

    records = await _all_articles(settings)
    assert sorted(a.title for _, a in records) == [
        "Debris tracked after a breakup",
        "Inspector satellite nears a target",
        "Launch window opens for a relay satellite",
        "Satellite launched into a polar orbit",
    ]
    assert len({key for key, _ in records}) == len(records) == 4
    figures.add("publication -> articles.raw by push (one entry)", push_s, " s")
    figures.add("restart -> entry published while down on articles.raw", missed_s, " s")
