"""Apprise channels on real local servers: json:// to an HTTP receiver, a failing endpoint
dead-lettered, a stuck endpoint that delays no other, and no repeat across a restart."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web
from aiokafka import AIOKafkaProducer
from aiokafka.structs import TopicPartition

from orbitwatch.core.kafka import ensure_topics, kafka_client_options
from orbitwatch.core.settings import Settings
from schemas import Alert
from schemas.topics import (
    HEADER_ERROR_TYPE,
    HEADER_WEBHOOK_ENDPOINT,
    HEADER_WEBHOOK_URL,
    topic_specs,
)
from streams.alerting.engine import StoryAlerter
from streams.alerting.silences import SilenceBook
from streams.notify.endpoints import Endpoint
from streams.notify.notifier import Notifier
from tests.alert_factories import T0, make_event, rule_set
from tests.integration.test_feedback_recording import _cleanup_policy
from tests.kafka_io import drain

pytestmark = pytest.mark.integration


class Receivers:
    """json:// receivers: ``good`` answers at once, ``stuck`` holds every request until
    released, ``down`` always answers 503."""

    def __init__(self) -> None:
        self.good: list[dict[str, str]] = []
        self.stuck_arrived: list[dict[str, str]] = []
        self.stuck_done: list[dict[str, str]] = []
        self.down = 0
        self.release = asyncio.Event()
        self.base = ""

    async def on_good(self, request: web.Request) -> web.Response:
        self.good.append(json.loads(await request.read()))
        return web.Response(text="ok")

    async def on_stuck(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        self.stuck_arrived.append(body)
        await self.release.wait()
        self.stuck_done.append(body)
        return web.Response(text="ok")

    async def on_down(self, request: web.Request) -> web.Response:
        self.down += 1
        return web.Response(status=503)


@pytest.fixture
async def receivers() -> AsyncIterator[Receivers]:
    state = Receivers()
    app = web.Application()
    app.router.add_post("/good", state.on_good)
    app.router.add_post("/stuck", state.on_stuck)
    app.router.add_post("/down/secret-token-42", state.on_down)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.base = f"127.0.0.1:{port}"
    yield state
    state.release.set()
    await runner.cleanup()


def three_alerts() -> list[Alert]:
    engine = StoryAlerter(rule_set({"name": "all", "kind": "match"}))
    return [
        alert
        for name in ("one", "two", "three")
        for alert in engine.on_event(
            make_event(name, title=f"Headline {name}"), None, SilenceBook(), T0
        ).alerts
    ]


async def produce(settings: Settings, alerts: list[Alert]) -> None:
    producer = AIOKafkaProducer(**kafka_client_options(settings), acks="all")
    await producer.start()
    try:
        for alert in alerts:
            await producer.send_and_wait(
                settings.topic_alerts, alert.to_bytes(), key=alert.alert_id.encode()
            )
    finally:
        await producer.stop()


async def until(check: object, what: str, limit_s: float = 90.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not check():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def titles(bodies: list[dict[str, str]]) -> list[str]:
    return [b["title"] for b in bodies]


async def test_json_channel_independence_dead_letters_and_no_repeat_after_restart(
    isolated_settings: Settings, receivers: Receivers
) -> None:
    settings = isolated_settings.model_copy(
        update={
            "webhook_allow_private": True,
            "webhook_max_attempts": 3,
            "webhook_timeout": timedelta(seconds=60),
            "webhook_backoff_initial": timedelta(milliseconds=20),
            "webhook_backoff_max": timedelta(milliseconds=100),
        }
    )
    await ensure_topics(settings, topic_specs(settings))
    base = receivers.base
    endpoints = [
        Endpoint(name="good", url=f"json://{base}/good"),
        Endpoint(name="stuck", url=f"json://{base}/stuck?rto=120"),
        Endpoint(name="down", url=f"json://{base}/down/secret-token-42"),
    ]
    sent = three_alerts()
    expected = [f"[{a.severity.value.upper()}] {a.title}" for a in sent]
    await produce(settings, sent)

    stop = asyncio.Event()
    notifier = Notifier(settings, endpoints, from_beginning=True)
    task = asyncio.create_task(notifier.run(stop))
    try:
        # The good endpoint gets every alert while the stuck one still holds its first.
        await until(lambda: len(receivers.good) == len(sent), "all alerts at the good endpoint")
        assert titles(receivers.good) == expected
        assert receivers.stuck_done == []
        assert titles(receivers.stuck_arrived) == expected[:1]
        # The failing endpoint dead-letters each alert after its attempts, meanwhile too.
        dead = await drain(settings, settings.topic_alerts_dlq, expect=3, quiet_s=1.0)
        assert receivers.stuck_done == []
        receivers.release.set()
        await until(lambda: len(receivers.stuck_done) == len(sent), "the stuck endpoint")
        assert titles(receivers.stuck_done) == expected
        await until(lambda: sum(notifier.committed.values()) == len(sent), "the commit")
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)
    headers = [dict(r.headers) for r in dead]
    assert {h[HEADER_WEBHOOK_ENDPOINT] for h in headers} == {b"down"}
    assert {h[HEADER_ERROR_TYPE] for h in headers} == {b"apprise_failed"}
    assert {h[HEADER_WEBHOOK_URL] for h in headers} == {f"json://{base}/***/***".encode()}
    assert sorted(r.value for r in dead) == sorted(a.to_bytes() for a in sent)
    assert receivers.down == 3 * len(sent)

    # The worker re-emits the first alert after a crash, and the notifier restarts: the
    # re-emitted record is past the committed offset, so only the durable memory stops it.
    await produce(settings, sent[:1])
    again = Notifier(settings, endpoints, from_beginning=True)
    stop_again = asyncio.Event()
    second = asyncio.create_task(again.run(stop_again))
    tp = TopicPartition(settings.topic_alerts, 0)
    try:
        await until(lambda: again.committed.get(tp) == len(sent) + 1, "the repeat's commit")
    finally:
        stop_again.set()
        await asyncio.wait_for(second, 60)
    assert titles(receivers.good) == expected
    assert titles(receivers.stuck_done) == expected
    assert receivers.down == 3 * len(sent)  # dead-lettered ones are remembered too

    # Without the memory (a notifier on a fresh delivered topic, which it creates itself,
    # compacted as the registry says) the repeat would go out.
    fresh = settings.model_copy(
        update={"topic_notify_delivered": f"{settings.topic_notify_delivered}.x"}
    )
    await produce(fresh, sent[:1])
    third = Notifier(fresh, endpoints[:1], from_beginning=True)
    stop_third = asyncio.Event()
    run3 = asyncio.create_task(third.run(stop_third))
    try:
        await until(lambda: len(receivers.good) == len(sent) + 1, "the unremembered repeat")
    finally:
        stop_third.set()
        await asyncio.wait_for(run3, 60)
    assert await _cleanup_policy(fresh, fresh.topic_notify_delivered) == "compact,delete"
