"""Webhook deliveries against a real local HTTP server (streams/notify/delivery.py)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from schemas import Alert, Severity
from streams.alerting.engine import StoryAlerter
from streams.alerting.silences import SilenceBook
from streams.notify.delivery import RetryPolicy, WebhookClient, deliver
from streams.notify.endpoints import Endpoint
from streams.notify.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, verify_signature
from tests.alert_factories import T0, make_event, rule_set

pytestmark = pytest.mark.unit

SECRET = "test-secret"


def an_alert(severity: Severity = Severity.high) -> Alert:
    rules = rule_set({"name": "all", "kind": "match", "when": {"relevant": None}})
    [alert] = (
        StoryAlerter(rules).on_event(make_event(severity=severity), None, SilenceBook(), T0).alerts
    )
    return alert


# -- deliveries against a real server -----------------------------------------------------


@dataclass
class Receiver:
    """A local webhook receiver answering from a script, then 200."""

    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((dict(request.headers), await request.read()))
        status, headers = self.script.pop(0) if self.script else (200, {})
        return web.Response(status=status, headers=headers, text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()
    app = web.Application()
    app.router.add_post("/hook", state.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}/hook"
    yield state
    await runner.cleanup()


@pytest.fixture
async def client() -> AsyncIterator[WebhookClient]:
    c = WebhookClient(SECRET, timeout=5.0, allow_private=True)
    yield c
    await c.close()


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


POLICY = RetryPolicy(max_attempts=4, initial_delay=0.01, max_delay=5.0)


async def test_a_500_is_retried_then_delivered_with_valid_signatures(
    receiver: Receiver, client: WebhookClient
) -> None:
    receiver.script = [(500, {})]
    alert = an_alert()
    sleeps = Sleeps()
    result = await deliver(client, Endpoint(name="r", url=receiver.url), alert, POLICY, sleeps)
    assert result.delivered and result.attempts == 2
    assert len(sleeps.delays) == 1 and 0.005 <= sleeps.delays[0] <= 0.01
    for headers, body in receiver.requests:
        assert body == alert.to_bytes()
        assert headers[IDEMPOTENCY_HEADER] == alert.alert_id
        assert verify_signature(SECRET, headers[SIGNATURE_HEADER], body)
        assert headers["Content-Type"] == "application/json"
    assert [h["X-Orbitwatch-Delivery-Attempt"] for h, _ in receiver.requests] == ["1", "2"]
    assert Alert.from_bytes(receiver.requests[-1][1]) == alert


async def test_429_honours_retry_after_within_the_cap(
    receiver: Receiver, client: WebhookClient
) -> None:
    receiver.script = [(429, {"Retry-After": "2"}), (503, {"Retry-After": "3600"})]
    sleeps = Sleeps()
    result = await deliver(client, Endpoint(name="r", url=receiver.url), an_alert(), POLICY, sleeps)
    assert result.delivered and result.attempts == 3
    assert sleeps.delays[0] == 2.0
    assert sleeps.delays[1] == POLICY.max_delay  # an hour asked, capped


async def test_real_sleep_waits_for_retry_after(receiver: Receiver, client: WebhookClient) -> None:
    receiver.script = [(429, {"Retry-After": "1"})]
    started = time.monotonic()
    result = await deliver(client, Endpoint(name="r", url=receiver.url), an_alert(), POLICY)
    assert result.delivered and time.monotonic() - started >= 1.0


async def test_permanent_refusal_is_not_retried(receiver: Receiver, client: WebhookClient) -> None:
    receiver.script = [(404, {})]
    result = await deliver(client, Endpoint(name="r", url=receiver.url), an_alert(), POLICY)
    assert not result.delivered and result.attempts == 1
    assert result.error is not None and result.error.reason == "http_404"
    assert not result.error.retriable and result.error.status == 404


async def test_persistent_failure_gives_up_after_max_attempts(
    receiver: Receiver, client: WebhookClient
) -> None:
    receiver.script = [(502, {})] * 10
    sleeps = Sleeps()
    result = await deliver(client, Endpoint(name="r", url=receiver.url), an_alert(), POLICY, sleeps)
    assert not result.delivered and result.attempts == POLICY.max_attempts
    assert result.error is not None and result.error.reason == "http_502"
    assert len(receiver.requests) == POLICY.max_attempts and len(sleeps.delays) == 3
    assert sleeps.delays == sorted(sleeps.delays)  # exponential (jittered within [d/2, d])


async def test_connection_errors_are_retried(client: WebhookClient) -> None:
    sleeps = Sleeps()
    closed = Endpoint(name="closed", url="http://127.0.0.1:9/hook")  # discard port: refused
    result = await deliver(client, closed, an_alert(), POLICY, sleeps)
    assert not result.delivered and result.attempts == POLICY.max_attempts
    assert result.error is not None and result.error.reason == "connection"


async def test_names_resolving_to_loopback_are_refused_at_connect_time(
    receiver: Receiver,
) -> None:
    strict = WebhookClient(SECRET, timeout=5.0, allow_private=False)
    try:
        url = receiver.url.replace("127.0.0.1", "localhost")
        result = await deliver(strict, Endpoint(name="local", url=url), an_alert(), POLICY)
    finally:
        await strict.close()
    assert not result.delivered and result.attempts == 1
    assert result.error is not None and result.error.reason == "forbidden_address"
    assert receiver.requests == []
