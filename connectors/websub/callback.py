"""The callback server hubs talk to (WebSub 5.3 verification, 7 content distribution).

One aiohttp server; the last path segment of a request names the subscription (a random
token per subscription), so a reverse proxy may serve it under any prefix. What to answer
is decided by the :class:`CallbackHandler` (the subscriber); this module only speaks HTTP:

* ``GET ?hub.mode=subscribe|unsubscribe&hub.topic&hub.challenge[&hub.lease_seconds]``:
  echo the challenge (200) only for a request we are waiting on, else 404.
* ``GET ?hub.mode=denied&hub.topic[&hub.reason]``: 200 for a subscription we have.
* ``POST`` (a push): refused unread with 413 when larger than the limit; a missing or
  wrong ``X-Hub-Signature`` is acknowledged (2xx, as the spec requires: the hub must not
  learn anything) and dropped; a good one is handed on and acknowledged only once handled,
  so a push that could not reach Kafka (503) is sent again by the hub.
"""

from __future__ import annotations

from typing import Protocol

import structlog
from aiohttp import web

from connectors.errors import TooLarge
from connectors.websub import metrics
from connectors.websub.signature import SignatureInvalid, verify_signature
from orbitwatch.core.errors import OrbitwatchError

log = structlog.get_logger("orbitwatch.connector.websub")
_CHUNK = 64 * 1024
SHUTDOWN_GRACE = 3.0


class CallbackHandler(Protocol):
    def verify(self, token: str, mode: str, topic: str, lease_seconds: int | None) -> bool: ...

    def deny(self, token: str, topic: str, reason: str | None) -> bool: ...

    def secret(self, token: str) -> str | None: ...

    def rejected(self, token: str) -> None: ...

    async def deliver(self, token: str, body: bytes, content_type: str | None) -> None: ...


class CallbackServerError(OrbitwatchError):
    """The callback server cannot listen where the settings say (port taken, bad address)."""


class DeliveryError(Exception):
    """The push was fine but could not be handled now (Kafka away): the hub should retry."""


def _lease(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class CallbackServer:
    def __init__(self, handler: CallbackHandler, host: str, port: int, max_body: int) -> None:
        self.handler = handler
        self.host = host
        self.port = port
        self.max_body = max_body
        self._runner: web.AppRunner | None = None

    @property
    def bound_port(self) -> int:
        if self._runner is None:
            raise RuntimeError("callback server not started")
        for address in self._runner.addresses:
            return int(address[1])
        raise RuntimeError("callback server has no listening socket")

    async def start(self) -> None:
        # client_max_size is a second fence behind our own streamed limit.
        app = web.Application(client_max_size=self.max_body + 1)
        app.router.add_get("/{path:.*}", self._get)
        app.router.add_post("/{path:.*}", self._post)
        # A push in flight gets a moment to finish on shutdown; the hub retries the rest.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            raise CallbackServerError(
                f"the WebSub callback server cannot listen on {self.host}:{self.port}"
                f" ({exc.strerror or exc}); see ORBITWATCH_WEBSUB_BIND_HOST and _BIND_PORT"
            ) from exc

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @staticmethod
    def _token(request: web.Request) -> str:
        return request.path.rstrip("/").rpartition("/")[2]

    async def _get(self, request: web.Request) -> web.Response:
        query = request.query
        token, mode, topic = self._token(request), query.get("hub.mode"), query.get("hub.topic")
        if not mode or not topic:
            return web.Response(status=400, text="hub.mode and hub.topic are required\n")
        if mode == "denied":
            known = self.handler.deny(token, topic, query.get("hub.reason"))
            metrics.VERIFICATIONS.labels(mode, "confirmed" if known else "refused").inc()
            return web.Response(status=200 if known else 404, text="ok\n" if known else "")
        challenge = query.get("hub.challenge")
        if mode not in ("subscribe", "unsubscribe") or not challenge:
            metrics.VERIFICATIONS.labels("other", "refused").inc()
            return web.Response(status=404)
        accepted = self.handler.verify(token, mode, topic, _lease(query.get("hub.lease_seconds")))
        metrics.VERIFICATIONS.labels(mode, "confirmed" if accepted else "refused").inc()
        if not accepted:
            log.info("verification refused: not a request of ours", mode=mode, topic=topic)
            return web.Response(status=404)
        return web.Response(status=200, text=challenge, content_type="text/plain")

    async def _read_limited(self, request: web.Request) -> bytes:
        declared = request.content_length
        if declared is not None and declared > self.max_body:
            raise TooLarge(f"Content-Length {declared} exceeds {self.max_body} bytes")
        chunks, size = [], 0
        async for chunk in request.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > self.max_body:
                raise TooLarge(f"body exceeds {self.max_body} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _post(self, request: web.Request) -> web.Response:
        token = self._token(request)
        secret = self.handler.secret(token)
        if secret is None:
            metrics.PUSHES.labels("unknown").inc()
            return web.Response(status=404)
        try:
            body = await self._read_limited(request)
        except TooLarge as exc:
            metrics.PUSHES.labels("too_large").inc()
            log.warning("push dropped: too large", token=token[:8], error=str(exc))
            # Connection: close: the rest of an oversized body is never read.
            return web.Response(status=413, headers={"Connection": "close"})
        try:
            verify_signature(request.headers.get("X-Hub-Signature"), body, secret)
        except SignatureInvalid as exc:
            metrics.PUSHES.labels("bad_signature").inc()
            self.handler.rejected(token)
            log.warning("push dropped: bad signature", token=token[:8], error=str(exc))
            return web.Response(status=202)
        try:
            await self.handler.deliver(token, body, request.headers.get("Content-Type"))
        except DeliveryError as exc:
            metrics.PUSHES.labels("failed").inc()
            log.warning("push not handled now; the hub will retry", error=str(exc))
            return web.Response(status=503, headers={"Retry-After": "5"})
        return web.Response(status=202)
