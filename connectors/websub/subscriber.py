"""The WebSub subscriber: asks hubs for subscriptions, answers them, renews, unsubscribes.

It owns the callback server and an HTTP client for hubs; the decisions are
:mod:`connectors.websub.subscription`'s, the records live with each feed's state (the
:class:`SubscriptionHost`, the connector, persists them on the compacted feed-state topic
and turns pushed bodies into articles exactly as it does polled ones).

Order that makes restarts exact: a subscription record (with its new secret) is written
*before* the request goes to the hub, so whatever the hub verifies or pushes after a crash
is recognised by the restarted connector.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import aiohttp
import structlog

from connectors.websub import metrics
from connectors.websub import subscription as machine
from connectors.websub.callback import CallbackServer
from connectors.websub.discovery import Discovery
from connectors.websub.subscription import Action, WebSubPolicy
from orbitwatch.core.addresses import PublicOnlyResolver, UnsafeUrl, check_http_url
from orbitwatch.core.redact import redact_url
from orbitwatch.core.settings import Settings
from schemas import utc_now
from schemas.feed_state import WebSubSubscription

log = structlog.get_logger("orbitwatch.connector.websub")

HUB_TIMEOUT = 30.0  # a hub that verifies synchronously answers after calling us back
TICK_MAX = 60.0  # longest sleep of the renewal loop (a new subscription wakes it sooner)


class SubscriptionHost(Protocol):
    """What the subscriber needs from the connector."""

    def subscription(self, feed_id: str) -> WebSubSubscription | None: ...

    def subscriptions(self) -> dict[str, WebSubSubscription]: ...

    def put_subscription(self, feed_id: str, sub: WebSubSubscription) -> None:
        """In memory, at once (a push may follow a verification immediately)."""

    async def persist(self, feed_id: str) -> None:
        """The feed's state (with its subscription) to the compacted topic."""

    async def ingest_push(self, feed_id: str, body: bytes, content_type: str | None) -> int: ...


@dataclass(frozen=True)
class WebSubConfig:
    callback_url: str  # public base; each subscription appends /<token>
    bind_host: str = "127.0.0.1"
    bind_port: int = 8089
    max_body: int = 4 * 1024 * 1024
    policy: WebSubPolicy = field(default_factory=WebSubPolicy)

    @classmethod
    def from_settings(cls, settings: Settings) -> WebSubConfig | None:
        """None when push is off (no public callback URL)."""
        if not settings.websub_callback_url:
            return None
        return cls(
            callback_url=settings.websub_callback_url,
            bind_host=settings.websub_bind_host,
            bind_port=settings.websub_bind_port,
            max_body=settings.websub_max_body,
            policy=WebSubPolicy(
                lease_seconds=int(settings.websub_lease.total_seconds()),
                verify_timeout=settings.websub_verify_timeout.total_seconds(),
                silent_after=settings.websub_silent_after.total_seconds(),
            ),
        )


class Subscriber:
    def __init__(self, config: WebSubConfig, host: SubscriptionHost) -> None:
        self.config = config
        self.host = host
        self.server = CallbackServer(self, config.bind_host, config.bind_port, config.max_body)
        self._by_token: dict[str, str] = {}
        self._allow_private: dict[str, bool] = {}
        self._sessions: dict[bool, aiohttp.ClientSession] = {}
        self._wake = asyncio.Event()
        self._persisting: set[asyncio.Task[None]] = set()
        self._requests: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None

    # --- life ----------------------------------------------------------------------------

    async def start(self, retired: Iterable[str] = ()) -> None:
        """Serve the callback, renew what the restored state holds, and unsubscribe the
        feeds that left the list (``retired``)."""
        for feed_id, sub in self.host.subscriptions().items():
            self._by_token[sub.token] = feed_id
        await self.server.start()
        self._loop_task = asyncio.create_task(self._renewal_loop())
        retired = list(retired)
        if retired:
            self._spawn(self.forget(retired))
        log.info(
            "websub callback server listening",
            address=f"{self.config.bind_host}:{self.server.bound_port}",
            public=redact_url(self.config.callback_url),
            subscriptions=len(self._by_token),
        )

    async def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
            self._loop_task = None
        requests = list(self._requests)
        for task in requests:
            task.cancel()
        await asyncio.gather(*requests, return_exceptions=True)
        await self.server.stop()
        if self._persisting:  # verifications answered: their records reach Kafka
            await asyncio.gather(*list(self._persisting), return_exceptions=True)
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()

    async def __aenter__(self) -> Subscriber:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def callback_for(self, token: str) -> str:
        return f"{self.config.callback_url.rstrip('/')}/{token}"

    # --- what the connector tells us -------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._requests.add(task)
        task.add_done_callback(self._requests.discard)

    def notice(self, feed_id: str, found: Discovery, allow_private: bool) -> None:
        """:meth:`observe` in the background: a slow hub must not hold up the poll."""
        self._spawn(self.observe(feed_id, found, allow_private))

    async def observe(self, feed_id: str, found: Discovery, allow_private: bool) -> None:
        """After a poll: subscribe when the feed names a hub we are not subscribed at."""
        self._allow_private[feed_id] = allow_private
        if not found.pushable:
            return
        assert found.hub is not None and found.self_url is not None
        current = self.host.subscription(feed_id)
        if (
            current is not None
            and current.status != "unsubscribed"
            and current.hub in found.hubs
            and current.topic == found.self_url
        ):
            return
        sub = machine.new_subscription(
            found.hub,
            found.self_url,
            token=secrets.token_urlsafe(18),
            secret=secrets.token_hex(32),
            now=utc_now(),
        )
        if current is not None:
            self._by_token.pop(current.token, None)
        self._by_token[sub.token] = feed_id
        await self._save(feed_id, sub)  # before the hub can call back
        await self._send(feed_id, sub, "subscribe")

    async def forget(self, feed_ids: Iterable[str]) -> None:
        """Unsubscribe feeds that left the feed list."""
        for feed_id in feed_ids:
            sub = self.host.subscription(feed_id)
            if sub is None or sub.status in ("unsubscribed", "denied"):
                continue
            self._by_token[sub.token] = feed_id
            sub = machine.requested(sub, "unsubscribe", utc_now())
            await self._save(feed_id, sub)
            await self._send(feed_id, sub, "unsubscribe")

    def is_pushed(self, feed_id: str) -> bool:
        return machine.is_pushed(self.host.subscription(feed_id), utc_now(), self.config.policy)

    def status(self, feed_id: str) -> str | None:
        return machine.status_text(self.host.subscription(feed_id), utc_now(), self.config.policy)

    # --- the hub -----------------------------------------------------------------------------

    def _session(self, allow_private: bool) -> aiohttp.ClientSession:
        if allow_private not in self._sessions:
            self._sessions[allow_private] = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    resolver=None if allow_private else PublicOnlyResolver()
                ),
                timeout=aiohttp.ClientTimeout(total=HUB_TIMEOUT),
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
            )
        return self._sessions[allow_private]

    async def _send(self, feed_id: str, sub: WebSubSubscription, mode: Action) -> None:
        """POST one request to the hub. The answer only says the hub took it; the
        verification of intent, on the callback, is what changes the subscription."""
        form = {
            "hub.mode": mode,
            "hub.topic": sub.topic,
            "hub.callback": self.callback_for(sub.token),
        }
        if mode == "subscribe":
            form["hub.lease_seconds"] = str(self.config.policy.lease_seconds)
            form["hub.secret"] = sub.secret
        # An unsubscribe goes to a hub we subscribed at; a removed feed's address rule is
        # no longer known, and that hub passed it when we subscribed.
        allow_private = self._allow_private.get(feed_id, mode == "unsubscribe")
        error: str | None = None
        try:
            check_http_url(sub.hub, allow_private)
            async with self._session(allow_private).post(sub.hub, data=form) as response:
                if not 200 <= response.status < 300:
                    text = (await response.text(errors="replace"))[:200].strip()
                    error = f"hub answered {mode} with HTTP {response.status} {text}".strip()
                    metrics.HUB_REQUESTS.labels(mode, "refused").inc()
                else:
                    metrics.HUB_REQUESTS.labels(mode, "accepted").inc()
        except UnsafeUrl as exc:
            error = f"hub address refused: {exc}"
            metrics.HUB_REQUESTS.labels(mode, "refused").inc()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            error = f"hub unreachable: {type(exc).__name__}: {exc}"
            metrics.HUB_REQUESTS.labels(mode, "failed").inc()
        if error is None:
            log.info("websub request sent", feed=feed_id, mode=mode, hub=redact_url(sub.hub))
            return
        log.warning("websub request failed", feed=feed_id, mode=mode, error=redact_url(error))
        latest = self.host.subscription(feed_id)
        if latest is not None and latest.token == sub.token:
            await self._save(feed_id, machine.request_failed(latest, error))

    async def _renewal_loop(self) -> None:
        while True:
            wake_at = await self.tick(utc_now())
            delay = TICK_MAX
            if wake_at is not None:
                delay = min(max((wake_at - utc_now()).total_seconds(), 0.05), TICK_MAX)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()

    async def tick(self, now: datetime) -> datetime | None:
        """Send what is due (renewals, unanswered requests, retries after a denial);
        return when something next falls due."""
        soonest: datetime | None = None
        for feed_id, sub in list(self.host.subscriptions().items()):
            # Re-recorded every tick: a lease running out or a hub falling silent changes
            # what the feed's polling may rely on without any event to say so.
            self.host.put_subscription(feed_id, sub)
            action, when = machine.next_action(sub, now, self.config.policy)
            if action is not None:
                sub = machine.requested(sub, action, now)
                self._by_token[sub.token] = feed_id
                await self._save(feed_id, sub)
                log.info("websub request due", feed=feed_id, mode=action, attempt=sub.attempts)
                await self._send(feed_id, sub, action)
            elif when is not None and (soonest is None or when < soonest):
                soonest = when
        return soonest

    # --- the callback server's questions (CallbackHandler) -----------------------------------

    def _feed_sub(self, token: str) -> tuple[str, WebSubSubscription] | None:
        feed_id = self._by_token.get(token)
        if feed_id is None:
            return None
        sub = self.host.subscription(feed_id)
        if sub is None or sub.token != token:
            return None
        return feed_id, sub

    async def _save(self, feed_id: str, sub: WebSubSubscription) -> None:
        self.host.put_subscription(feed_id, sub)
        await self.host.persist(feed_id)

    def _save_soon(self, feed_id: str, sub: WebSubSubscription) -> None:
        self.host.put_subscription(feed_id, sub)
        task = asyncio.ensure_future(self.host.persist(feed_id))
        self._persisting.add(task)
        task.add_done_callback(self._persisting.discard)

    def verify(self, token: str, mode: str, topic: str, lease_seconds: int | None) -> bool:
        found = self._feed_sub(token)
        if found is None:
            return False
        feed_id, sub = found
        updated = machine.answer_verification(
            sub, mode, topic, lease_seconds, utc_now(), self.config.policy.lease_seconds
        )
        if updated is None:
            return False
        # In memory at once (a push may follow immediately), on Kafka right after.
        self._save_soon(feed_id, updated)
        self._wake.set()
        log.info("websub verified", feed=feed_id, mode=mode, lease_seconds=updated.lease_seconds)
        return True

    def deny(self, token: str, topic: str, reason: str | None) -> bool:
        found = self._feed_sub(token)
        if found is None:
            return False
        feed_id, sub = found
        updated = machine.denied(sub, topic, reason, utc_now())
        if updated is None:
            return False
        self._save_soon(feed_id, updated)
        log.warning("websub subscription denied", feed=feed_id, reason=(reason or "")[:200])
        return True

    def secret(self, token: str) -> str | None:
        found = self._feed_sub(token)
        if found is None or found[1].status == "unsubscribed":
            return None
        return found[1].secret

    def rejected(self, token: str) -> None:
        found = self._feed_sub(token)
        if found is not None:
            self._save_soon(found[0], machine.push_rejected(found[1]))

    async def deliver(self, token: str, body: bytes, content_type: str | None) -> None:
        found = self._feed_sub(token)
        if found is None:
            return
        feed_id, sub = found
        # Counted before the articles go out, so the state written with them carries it.
        self.host.put_subscription(feed_id, machine.pushed(sub, utc_now()))
        await self.host.ingest_push(feed_id, body, content_type)
