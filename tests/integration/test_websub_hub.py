"""WebSub end to end with a hub nobody here wrote (flask-websub) and the real Kafka.

publisher -> hub (flask-websub, a child process) -> the connector's callback -> parse,
normalize, de-duplicate -> ``articles.raw``. The subscription is discovered, asked for,
verified and signed by the hub's own code; a poll carrying the pushed entries produces
nothing again; a connector restarted mid-lease keeps receiving without subscribing anew.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from typer.testing import CliRunner

from benchmarks.harness.websub_hub import Publisher, WebSubHub, free_port
from connectors.feedlist import FeedConfig
from connectors.producer import KafkaSink
from connectors.runner import Connector, ConnectorOptions
from connectors.state import restore_states
from connectors.websub.subscriber import WebSubConfig
from orbitwatch.cli import feeds as feeds_cli
from orbitwatch.cli.main import app
from orbitwatch.core.kafka import read_topic_latest
from orbitwatch.core.settings import Settings, get_settings
from schemas import Article, FeedState
from tests.integration.test_connector_kafka import _all_articles

pytestmark = pytest.mark.integration

OPTIONS = ConnectorOptions(host_gap=0.0, per_host=4, parser_workers=1)


async def _eventually(condition: Callable[[], bool], limit_s: float = 20.0) -> bool:
    for _ in range(int(limit_s / 0.05)):
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


@pytest.fixture
async def hub() -> AsyncIterator[WebSubHub]:
    async with WebSubHub() as real_hub:
        yield real_hub


def _titles(records: list[tuple[str, Article]]) -> list[str]:
    return sorted(article.title for _, article in records)


async def test_publish_hub_callback_to_articles_raw_once_with_poll_overlap_and_restart(
    isolated_settings: Settings, hub: WebSubHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = isolated_settings
    port = free_port()  # one public callback address across the restart, as in production
    config = WebSubConfig(callback_url=f"http://127.0.0.1:{port}/websub", bind_port=port)
    async with Publisher(hub.url) as publisher:
        url = publisher.add_topic("launches", "Launch reports")
        publisher.add_entry("launches", "l-1", "Rocket lifts off with a relay satellite")
        feed = FeedConfig(id="launches", name="Launches", url=url, allow_private=True)

        store = await restore_states(settings)
        async with (
            KafkaSink(settings) as sink,
            Connector([feed], sink, store, OPTIONS, websub=config) as connector,
        ):
            assert (await connector.poll_round()).produced == 1
            assert connector.websub is not None
            assert await _eventually(lambda: connector.websub.is_pushed("launches"))  # type: ignore[union-attr]

            publisher.add_entry("launches", "l-2", "Inspector satellite approaches a target")
            assert await hub.publish(url) == 202  # eager hub: pushed by the time it answers
            assert await _eventually(lambda: connector.store.states["launches"].websub.pushes == 1)  # type: ignore[union-attr]
            titles = _titles(await _all_articles(settings))
            assert titles == sorted(
                [
                    "Rocket lifts off with a relay satellite",
                    "Inspector satellite approaches a target",
                ]
            )
            # The safety-net poll carries the pushed entry too: nothing is produced again.
            assert (await connector.poll_round()).produced == 0
            token = connector.store.states["launches"].websub.token  # type: ignore[union-attr]

        # Restart mid-lease: the state topic gives the subscription back, secret included.
        states = await read_topic_latest(settings, settings.topic_feed_state, FeedState.from_bytes)
        restored = states["launches"].websub
        assert restored is not None and restored.status == "active" and restored.token == token

        store = await restore_states(settings)
        async with (
            KafkaSink(settings) as sink,
            Connector([feed], sink, store, OPTIONS, websub=config) as connector,
        ):
            assert connector.websub is not None and connector.websub.is_pushed("launches")
            publisher.add_entry("launches", "l-3", "Debris cloud tracked after a breakup")
            assert await hub.publish(url) == 202
            assert await _eventually(lambda: connector.store.states["launches"].websub.pushes == 2)  # type: ignore[union-attr]
            assert connector.store.states["launches"].websub.token == token  # type: ignore[union-attr]

    records = await _all_articles(settings)
    assert len(records) == 3 and len({key for key, _ in records}) == 3
    assert "Debris cloud tracked after a breakup" in _titles(records)

    # orbitwatch feeds health says the feed is pushed.
    for name, value in settings.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(feeds_cli.console, "width", 200)  # the whole table, unwrapped
    get_settings.cache_clear()
    try:
        result = await asyncio.to_thread(CliRunner().invoke, app, ["feeds", "health"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    header, row = result.output.splitlines()[1], result.output.splitlines()[3]
    assert header.split("┃")[3].strip() == "pushed"
    assert row.split("│")[3].strip() == "yes (active)"
