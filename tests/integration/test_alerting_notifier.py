"""The webhook notifier on the real Kafka: signed deliveries, dead letters, commits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web
from aiokafka import AIOKafkaProducer
from pydantic import SecretStr

from orbitwatch.core.kafka import ensure_topics, kafka_client_options
from orbitwatch.core.settings import Settings
from schemas import Alert
from schemas.topics import (
    HEADER_ERROR_TYPE,
    HEADER_WEBHOOK_ATTEMPTS,
    HEADER_WEBHOOK_ENDPOINT,
    topic_specs,
)
from streams.alerting.engine import StoryAlerter
from streams.alerting.silences import SilenceBook
from streams.notify.endpoints import Endpoint
from streams.notify.notifier import Notifier
from streams.notify.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, verify_signature
from tests.alert_factories import T0, make_event, rule_set
from tests.kafka_io import drain

pytestmark = pytest.mark.integration

SECRET = "integration-secret"


class Receiver:
    def __init__(self, status: int) -> None:
        self.status = status
        self.bodies: list[tuple[dict[str, str], bytes]] = []
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.bodies.append((dict(request.headers), await request.read()))
        self.arrived.set()
        return web.Response(status=self.status)


@pytest.fixture
async def receivers() -> AsyncIterator[tuple[str, Receiver, Receiver]]:
    good, broken = Receiver(200), Receiver(503)
    app = web.Application()
    app.router.add_post("/good", good.handle)
    app.router.add_post("/broken", broken.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", good, broken
    await runner.cleanup()


def alerts() -> list[Alert]:
    rules = rule_set({"name": "all", "kind": "match"})
    engine = StoryAlerter(rules)
    return [
        *engine.on_event(make_event("one"), None, SilenceBook(), T0).alerts,
        *engine.on_event(make_event("two"), None, SilenceBook(), T0).alerts,
    ]


async def test_notifier_signs_delivers_commits_and_dead_letters(
    isolated_settings: Settings, receivers: tuple[str, Receiver, Receiver]
) -> None:
    base, good, broken = receivers
    settings = isolated_settings.model_copy(
        update={
            "webhook_secret": SecretStr(SECRET),
            "webhook_allow_private": True,
            "webhook_max_attempts": 3,
            "webhook_backoff_initial": timedelta(milliseconds=20),
            "webhook_backoff_max": timedelta(milliseconds=100),
        }
    )
    await ensure_topics(settings, topic_specs(settings))
    endpoints = [
        Endpoint(name="good", url=f"{base}/good"),
        Endpoint(name="broken", url=f"{base}/broken"),
    ]
    sent = alerts()
    producer = AIOKafkaProducer(**kafka_client_options(settings), acks="all")
    await producer.start()
    try:
        for alert in [*sent, sent[0]]:  # the first alert twice: a re-emission after a crash
            await producer.send_and_wait(
                settings.topic_alerts, alert.to_bytes(), key=alert.alert_id.encode()
            )
        await producer.send_and_wait(settings.topic_alerts, b"not json", key=b"junk")
    finally:
        await producer.stop()

    stop = asyncio.Event()
    notifier = Notifier(settings, endpoints, from_beginning=True)
    task = asyncio.create_task(notifier.run(stop))
    dead = await drain(settings, settings.topic_alerts_dlq, expect=3, quiet_s=2.0)
    stop.set()
    await asyncio.wait_for(task, 30)

    # good: each alert once, signed, with its id as idempotency key
    assert [h[IDEMPOTENCY_HEADER] for h, _ in good.bodies] == [a.alert_id for a in sent]
    for headers, body in good.bodies:
        assert verify_signature(SECRET, headers[SIGNATURE_HEADER], body)
    assert [Alert.from_bytes(b) for _, b in good.bodies] == sent
    # broken: every attempt made, then one dead letter per alert, plus the unreadable record
    assert len(broken.bodies) == 3 * len(sent)
    dead_headers = [dict(r.headers) for r in dead]
    assert sorted(h[HEADER_ERROR_TYPE].decode() for h in dead_headers) == [
        "http_503",
        "http_503",
        "invalid_json",
    ]
    delivery_failures = [
        (r, h) for r, h in zip(dead, dead_headers, strict=True) if HEADER_WEBHOOK_ENDPOINT in h
    ]
    assert {h[HEADER_WEBHOOK_ENDPOINT] for _, h in delivery_failures} == {b"broken"}
    assert {h[HEADER_WEBHOOK_ATTEMPTS] for _, h in delivery_failures} == {b"3"}
    assert sorted(r.value for r, _ in delivery_failures) == sorted(a.to_bytes() for a in sent)

    # offsets were committed: a new run of the same group delivers nothing again
    again = Notifier(settings, endpoints, from_beginning=True)
    stop_again = asyncio.Event()
    second = asyncio.create_task(again.run(stop_again))
    await asyncio.wait_for(again.ready.wait(), 60)  # the group has its partition
    await asyncio.sleep(3)
    stop_again.set()
    await asyncio.wait_for(second, 30)
    assert len(good.bodies) == len(sent)
