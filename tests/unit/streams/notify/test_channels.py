"""Apprise endpoints against a real local receiver (streams/notify/channels.py)."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from orbitwatch.core.settings import Settings
from streams.notify.channels import AppriseSender
from streams.notify.delivery import DeliveryError
from streams.notify.endpoints import Endpoint
from streams.notify.render import Renderer, StoryContext, StoryTitle
from streams.notify.sample import sample_alert

pytestmark = pytest.mark.unit


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[int, list[dict[str, str]]]]:
    bodies: list[dict[str, str]] = []

    async def handle(request: web.Request) -> web.Response:
        bodies.append(json.loads(await request.read()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/in", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield site._server.sockets[0].getsockname()[1], bodies  # type: ignore[union-attr]
    await runner.cleanup()


async def test_a_rendered_alert_reaches_a_json_receiver_with_its_story(
    receiver: tuple[int, list[dict[str, str]]],
) -> None:
    port, bodies = receiver
    endpoint = Endpoint(name="local", url=f"json://127.0.0.1:{port}/in")
    story = StoryContext((StoryTitle("ru", "Лунная станция"),))

    async def lookup(alert: object) -> StoryContext:
        lookups.append(alert)
        return story

    lookups: list[object] = []
    renderer = Renderer(Settings(web_public_url="https://desk.example.org"), [endpoint])
    sender = AppriseSender([endpoint], renderer, timeout=10, story=lookup)
    await sender.send(endpoint, sample_alert(), 1)
    await sender.send(endpoint, sample_alert(), 2)  # a retry: the story is looked up once
    assert len(bodies) == 2 and len(lookups) == 1
    assert bodies[0]["title"] == f"[HIGH] {sample_alert().title}"
    assert "- ru: Лунная станция" in bodies[0]["message"]
    assert "https://desk.example.org/stories/sample-story" in bodies[0]["message"]


async def test_a_failure_is_a_retriable_delivery_error_logged_once_by_us() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    endpoint = Endpoint(name="gone", url=f"json://user:Secret5@127.0.0.1:{port}/in/tok-9")
    sender = AppriseSender([endpoint], Renderer(Settings(), [endpoint]), timeout=10)
    with pytest.raises(DeliveryError) as caught:
        await sender.send(endpoint, sample_alert(), 1)
    assert caught.value.retriable and caught.value.reason == "apprise_failed"
    assert "Connection error" in str(caught.value)
    assert "Secret5" not in str(caught.value) and "tok-9" not in str(caught.value)
    # Apprise's own warning for the attempt stays out of the service log: ours has it.
    assert logging.getLogger("apprise").propagate is False
