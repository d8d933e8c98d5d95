"""The subscriber inside a real connector, over HTTP on 127.0.0.1: the hostile cases.

The hub here only records what it is asked (or never answers); the test plays the hub's
side of the callback itself, which is what lets it forge, replay and oversize. The real
hub (flask-websub) is exercised in tests/integration/test_websub_hub.py.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web

from benchmarks.harness.websub_hub import Publisher, free_port
from connectors.feedlist import FeedConfig
from connectors.runner import Connector, ConnectorOptions
from connectors.state import FeedStateStore
from connectors.websub import metrics
from connectors.websub.callback import CallbackServerError
from connectors.websub.signature import sign
from connectors.websub.subscriber import WebSubConfig
from connectors.websub.subscription import WebSubPolicy
from schemas import utc_now
from schemas.feed_state import WebSubSubscription
from tests.unit.connectors.test_runner import RecordingSink

pytestmark = pytest.mark.unit

OPTIONS = ConnectorOptions(host_gap=0.0, per_host=4, parser_processes=False)
MAX_BODY = 64 * 1024


@dataclass
class RecordingHub:
    """Takes subscription requests (202) and remembers them; answers nothing else."""

    requests: list[dict[str, str]] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def _hub(self, request: web.Request) -> web.Response:
        self.requests.append(dict(await request.post()))  # type: ignore[arg-type]
        return web.Response(status=202)

    async def __aenter__(self) -> RecordingHub:
        app = web.Application()
        app.router.add_post("/hub", self._hub)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hub"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


async def _eventually(condition: Callable[[], bool], limit_s: float = 10.0) -> bool:
    for _ in range(int(limit_s / 0.02)):
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


def _config(policy: WebSubPolicy | None = None) -> WebSubConfig:
    port = free_port()
    return WebSubConfig(
        callback_url=f"http://127.0.0.1:{port}/push",
        bind_port=port,
        max_body=MAX_BODY,
        policy=policy or WebSubPolicy(),
    )


@dataclass
class Rig:
    hub: RecordingHub
    publisher: Publisher
    connector: Connector
    sink: RecordingSink
    feed: FeedConfig
    http: aiohttp.ClientSession

    @property
    def sub(self) -> WebSubSubscription:
        sub = self.connector.store.states[self.feed.id].websub
        assert sub is not None
        return sub

    @property
    def callback(self) -> str:
        return self.hub.requests[-1]["hub.callback"]

    async def verify(self, mode: str, topic: str, lease: int = 3600) -> tuple[int, str]:
        params = {
            "hub.mode": mode,
            "hub.topic": topic,
            "hub.challenge": "c-123",
            "hub.lease_seconds": str(lease),
        }
        async with self.http.get(self.callback, params=params) as response:
            return response.status, await response.text()

    async def push(self, body: bytes, signature: str | None) -> int:
        headers = {"Content-Type": "application/atom+xml"}
        if signature is not None:
            headers["X-Hub-Signature"] = signature
        async with self.http.post(self.callback, data=body, headers=headers) as response:
            return response.status


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with (
        RecordingHub() as hub,
        Publisher(hub.url) as publisher,
        aiohttp.ClientSession() as http,
    ):
        url = publisher.add_topic("news", "News")
        publisher.add_entry("news", "e1", "first")
        feed = FeedConfig(id="news", name="News", url=url, allow_private=True)
        sink = RecordingSink()
        async with Connector([feed], sink, options=OPTIONS, websub=_config()) as connector:
            rig = Rig(hub, publisher, connector, sink, feed, http)
            await connector.poll_round()
            assert await _eventually(lambda: bool(hub.requests))
            yield rig


async def test_subscribe_request_carries_a_secret_and_a_callback_of_its_own(rig: Rig) -> None:
    request = rig.hub.requests[0]
    assert request["hub.mode"] == "subscribe"
    assert request["hub.topic"] == rig.feed.url
    assert request["hub.secret"] == rig.sub.secret and len(rig.sub.secret) >= 32
    assert request["hub.callback"].endswith("/push/" + rig.sub.token)
    # The record (with its secret) was written before the hub was asked.
    assert rig.sink.states["news"].websub is not None
    assert rig.sink.health["news"].websub == "pending"


async def test_verification_only_for_the_topic_and_mode_we_asked(rig: Rig) -> None:
    assert await rig.verify("subscribe", "http://127.0.0.1:1/never-requested") == (404, "")
    assert (await rig.verify("unsubscribe", rig.feed.url))[0] == 404
    assert rig.sub.status == "requested"
    assert await rig.verify("subscribe", rig.feed.url) == (200, "c-123")
    assert rig.sub.status == "active" and rig.sub.lease_seconds == 3600
    assert (await rig.verify("subscribe", rig.feed.url))[0] == 404  # a replay
    async with rig.http.get(
        rig.callback.rpartition("/")[0] + "/unknown-token",
        params={"hub.mode": "subscribe", "hub.topic": rig.feed.url, "hub.challenge": "x"},
    ) as response:
        assert response.status == 404
    assert await _eventually(lambda: rig.sink.health["news"].websub == "active")


async def test_a_forged_signature_is_acknowledged_and_dropped(rig: Rig) -> None:
    await rig.verify("subscribe", rig.feed.url)
    rig.publisher.add_entry("news", "e2", "forged entry")
    body = rig.publisher.document("news")
    before = metrics.PUSHES.labels("bad_signature")._value.get()
    assert await rig.push(body, sign(body, "not the secret", "sha256")) == 202
    assert await rig.push(body, None) == 202
    assert [a.title for a in rig.sink.articles] == ["first"]
    assert metrics.PUSHES.labels("bad_signature")._value.get() == before + 2
    assert await _eventually(lambda: rig.sub.rejected_pushes == 2)


async def test_a_signed_push_is_produced_once_even_when_a_poll_carries_it_too(rig: Rig) -> None:
    await rig.verify("subscribe", rig.feed.url)
    rig.publisher.add_entry("news", "e2", "second")
    body = rig.publisher.document("news")
    assert await rig.push(body, sign(body, rig.sub.secret, "sha384")) == 202
    assert await rig.push(body, sign(body, rig.sub.secret, "sha1")) == 202  # a hub's retry
    report = await rig.connector.poll_round()  # the poll sees the same entries
    assert report.produced == 0
    assert [a.title for a in rig.sink.articles] == ["first", "second"]
    assert rig.sub.pushes == 2 and rig.sink.health["news"].websub == "active"


async def test_an_oversized_push_is_refused_unread(rig: Rig) -> None:
    await rig.verify("subscribe", rig.feed.url)
    big = b"<feed>" + b"x" * (MAX_BODY + 1) + b"</feed>"
    assert await rig.push(big, sign(big, rig.sub.secret)) == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
        for _ in range(4):
            yield b"y" * (MAX_BODY // 2)

    headers = {"X-Hub-Signature": sign(b"", rig.sub.secret)}
    async with rig.http.post(rig.callback, data=chunks(), headers=headers) as response:
        assert response.status == 413
    assert [a.title for a in rig.sink.articles] == ["first"]


async def test_a_denial_is_recorded_and_the_feed_is_polled_as_before(rig: Rig) -> None:
    params = {"hub.mode": "denied", "hub.topic": rig.feed.url, "hub.reason": "closed"}
    async with rig.http.get(rig.callback, params=params) as response:
        assert response.status == 200
    assert rig.sub.status == "denied"
    assert rig.connector.websub is not None and not rig.connector.websub.is_pushed("news")
    await _eventually(lambda: rig.sink.health["news"].websub == "denied")
    other = {**params, "hub.topic": "http://127.0.0.1:1/other"}
    async with rig.http.get(rig.callback, params=other) as response:
        assert response.status == 404


async def test_restart_mid_lease_keeps_answering_without_subscribing_again(rig: Rig) -> None:
    await rig.verify("subscribe", rig.feed.url)
    assert await _eventually(lambda: rig.sink.states["news"].websub.status == "active")  # type: ignore[union-attr]
    saved = dict(rig.sink.states)
    requests_before = len(rig.hub.requests)
    await rig.connector.aclose()
    config = _config()  # a new port: the hub keeps the old callback, ours is re-bound
    sink = RecordingSink()
    store = FeedStateStore(saved)
    async with Connector([rig.feed], sink, store, OPTIONS, websub=config) as connector:
        sub = connector.store.states["news"].websub
        assert sub is not None and sub.status == "active"
        assert connector.websub is not None and connector.websub.is_pushed("news")
        rig.publisher.add_entry("news", "e2", "after restart")
        body = rig.publisher.document("news")
        url = f"{config.callback_url}/{sub.token}"
        async with rig.http.post(
            url, data=body, headers={"X-Hub-Signature": sign(body, sub.secret)}
        ) as response:
            assert response.status == 202
        assert [a.title for a in sink.articles] == ["after restart"]
        assert len(rig.hub.requests) == requests_before  # no new subscribe mid-lease


async def test_a_feed_removed_from_the_list_is_unsubscribed(rig: Rig) -> None:
    await rig.verify("subscribe", rig.feed.url)
    assert await _eventually(lambda: rig.sink.states["news"].websub.status == "active")  # type: ignore[union-attr]
    saved = dict(rig.sink.states)
    await rig.connector.aclose()
    config = _config()
    async with Connector([], RecordingSink(), FeedStateStore(saved), OPTIONS, websub=config):
        assert await _eventually(lambda: rig.hub.requests[-1]["hub.mode"] == "unsubscribe")
        assert rig.hub.requests[-1]["hub.topic"] == rig.feed.url


async def test_a_hub_that_never_answers_leaves_push_pending_and_polling_on() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never answers
    hub_url = f"http://127.0.0.1:{silent.getsockname()[1]}/hub"
    try:
        async with Publisher(hub_url) as publisher:
            url = publisher.add_topic("quiet", "Quiet")
            publisher.add_entry("quiet", "q1", "one")
            feed = FeedConfig(id="quiet", name="Quiet", url=url, allow_private=True)
            sink = RecordingSink()
            async with Connector([feed], sink, options=OPTIONS, websub=_config()) as connector:
                await connector.poll_round()
                assert connector.websub is not None
                assert await _eventually(lambda: connector.websub.status("quiet") == "pending")  # type: ignore[union-attr]
                publisher.add_entry("quiet", "q2", "two")
                report = await connector.poll_round()  # polling goes on meanwhile
                assert report.produced == 1 and not connector.websub.is_pushed("quiet")
                assert [a.title for a in sink.articles] == ["one", "two"]
    finally:
        silent.close()


async def test_a_poll_first_then_the_push_of_the_same_entry_produces_it_once(rig: Rig) -> None:
    await rig.verify("subscribe", rig.feed.url)
    rig.publisher.add_entry("news", "e2", "polled first")
    assert (await rig.connector.poll_round()).produced == 1
    body = rig.publisher.document("news")
    assert await rig.push(body, sign(body, rig.sub.secret, "sha512")) == 202
    assert [a.title for a in rig.sink.articles] == ["first", "polled first"]


async def test_the_lease_is_renewed_at_the_hub_before_it_ends(rig: Rig) -> None:
    await rig.verify("subscribe", rig.feed.url, lease=3600)
    subscriber = rig.connector.websub
    assert subscriber is not None
    verified_at = rig.sub.verified_at
    assert verified_at is not None
    asked = len(rig.hub.requests)
    # Nothing is due before the renewal time (6 minutes before the end of a 1-hour lease).
    due = await subscriber.tick(verified_at + timedelta(minutes=50))
    assert len(rig.hub.requests) == asked and due == verified_at + timedelta(minutes=54)
    await subscriber.tick(verified_at + timedelta(minutes=54))
    assert len(rig.hub.requests) == asked + 1
    renewal = rig.hub.requests[-1]
    assert renewal["hub.mode"] == "subscribe" and renewal["hub.secret"] == rig.sub.secret
    assert rig.sub.status == "active" and rig.sub.awaiting == "subscribe"
    assert subscriber.is_pushed("news")  # pushes are relied on while the renewal is verified
    assert await rig.verify("subscribe", rig.feed.url, lease=7200) == (200, "c-123")
    assert rig.sub.awaiting is None and rig.sub.lease_seconds == 7200


async def test_a_taken_callback_port_is_one_clear_error(busy_port: int) -> None:
    config = WebSubConfig(callback_url="https://ow.example/websub", bind_port=busy_port)
    with pytest.raises(CallbackServerError, match=f"cannot listen on 127.0.0.1:{busy_port}"):
        async with Connector([], RecordingSink(), options=OPTIONS, websub=config):
            pass


async def test_a_feed_pushed_when_the_connector_stopped_is_polled_at_restart(rig: Rig) -> None:
    """Pushes sent while the connector was down are lost to it: the restart polls the feed
    at once instead of after its long safety-net wait (server hints still honoured)."""
    await rig.verify("subscribe", rig.feed.url)
    assert await _eventually(lambda: rig.sink.states["news"].websub.status == "active")  # type: ignore[union-attr]
    await rig.connector.aclose()
    later = utc_now() + timedelta(hours=5)
    state = rig.sink.states["news"]
    saved = {
        "news": state.model_copy(
            update={"health": state.health.model_copy(update={"next_poll_at": later})}
        )
    }
    async with Connector([rig.feed], RecordingSink(), FeedStateStore(saved), OPTIONS) as plain:
        plain.resume_schedule()
        assert plain.due_feeds() == []  # push off: the saved schedule stands
    async with Connector(
        [rig.feed], RecordingSink(), FeedStateStore(saved), OPTIONS, websub=_config()
    ) as connector:
        connector.resume_schedule()
        connector.catch_up_pushed()
        assert [f.id for f in connector.due_feeds()] == ["news"]
        hinted = saved["news"].model_copy(deep=True)
        hinted.schedule.hints.not_before = later
        connector.store.states["news"] = hinted
        connector.resume_schedule()
        connector.catch_up_pushed()
        assert connector.due_feeds() == []  # the server's hint is still a floor
