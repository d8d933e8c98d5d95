"""``/ready`` follows the servers a running service needs (issue 15): the worker's says false,
with the reason in the body, while Elasticsearch is unreachable for its index stage and true
again once it wrote; the connector's and notifier's Kafka check does the same for Kafka.

The real servers are reached through a TCP relay the test closes and opens again: closed,
connections are refused, as when the server is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from elasticsearch import Elasticsearch

from orbitwatch.core.health_server import HealthServer
from orbitwatch.core.kafka import ensure_topics, kafka_reachable
from orbitwatch.core.settings import Settings
from schemas.indices.names import IndexNames
from schemas.topics import topic_specs
from streams.worker import build_worker_app
from tests.integration.test_es_indexing import ASAT, LUNAR, _count, _produce, _record

pytestmark = pytest.mark.integration


class Relay:
    """Forwards TCP connections on a fixed local port to ``target``; ``close`` refuses new
    connections and cuts the open ones, ``open`` listens again on the same port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()
        self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}


@pytest.fixture
async def es_relay(isolated_settings: Settings) -> AsyncIterator[Relay]:
    host_port = isolated_settings.es_url.split("://", 1)[1].rstrip("/").rsplit("@", 1)[-1]
    host, port = host_port.rsplit(":", 1)
    relay = Relay(host, int(port))
    await relay.open()
    try:
        yield relay
    finally:
        with contextlib.suppress(AssertionError):
            await relay.close()


async def _eventually(check: object, want: object, limit_s: float = 90.0) -> object:
    """Poll ``check()`` until ``want(result)`` holds; the last result otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while True:
        result = await check()  # type: ignore[operator]
        if want(result) or loop.time() > deadline:  # type: ignore[operator]
            return result
        await asyncio.sleep(0.5)


async def _ready_body(check: object) -> tuple[int, dict[str, object]]:
    server = HealthServer("127.0.0.1", 0, {"elasticsearch": check})  # type: ignore[dict-item]
    await server.start()
    try:
        url = f"http://127.0.0.1:{server.bound_port}/ready"
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            return response.status, await response.json()
    finally:
        await server.stop()


async def test_worker_is_not_ready_while_elasticsearch_is_away(
    isolated_settings: Settings, es_client: Elasticsearch, es_relay: Relay
) -> None:
    settings = isolated_settings.model_copy(
        update={
            "es_url": f"http://127.0.0.1:{es_relay.port}",
            "es_retry_initial": timedelta(milliseconds=100),
            "es_retry_max": timedelta(milliseconds=500),
        }
    )
    names = IndexNames(settings.index_prefix)
    await ensure_topics(settings, topic_specs(settings))
    app, stages = build_worker_app(settings)
    await app.start()
    try:
        await _produce(settings, [_record(LUNAR)])
        assert await _eventually(
            lambda: asyncio.to_thread(_count, es_client, names.events_alias), lambda n: n >= 1
        )
        assert await stages.elasticsearch_ready() is True

        await es_relay.close()
        await _produce(settings, [_record(ASAT)])
        reason = await _eventually(stages.elasticsearch_ready, lambda r: r is not True)
        assert isinstance(reason, str), reason
        # Whichever index agent writes first after the outage names it: the events agent
        # for the new article, or the alerts agent for an alert it raised (a race, seen in CI).
        assert re.search(
            rf"Elasticsearch at http://127\.0\.0\.1:{es_relay.port} "
            r"\(index-(events|alerts)\) unavailable",
            reason,
        ), reason
        status, body = await _ready_body(stages.elasticsearch_ready)
        assert status == 503
        assert body["checks"] == {"elasticsearch": False}
        assert "Elasticsearch at http://127.0.0.1" in body["reasons"]["elasticsearch"]  # type: ignore[index]

        await es_relay.open()
        assert await _eventually(stages.elasticsearch_ready, lambda r: r is True) is True
        assert (await _ready_body(stages.elasticsearch_ready))[0] == 200
    finally:
        await app.stop()
    assert _count(es_client, names.events_alias) == 2  # the held event was written once back


async def test_kafka_check_of_connector_and_notifier_follows_kafka(
    isolated_settings: Settings,
) -> None:
    host, port = isolated_settings.kafka_bootstrap_servers.split(",")[0].rsplit(":", 1)
    relay = Relay(host, int(port))
    await relay.open()
    settings = isolated_settings.model_copy(
        update={"kafka_bootstrap_servers": f"127.0.0.1:{relay.port}"}
    )
    check = kafka_reachable(settings)
    try:
        assert await check() is True
        await relay.close()
        assert await check() == f"Kafka at 127.0.0.1:{relay.port} is unreachable"
        await relay.open()
        assert await check() is True
    finally:
        with contextlib.suppress(AssertionError):
            await relay.close()
