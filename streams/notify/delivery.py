"""Delivering one alert to one endpoint, retried with backoff when it may work later and
given up on at once when it cannot.

:func:`deliver` runs the attempts for any :class:`Sender`: the :class:`WebhookClient` here
(a signed POST; connection errors, timeouts, 408, 429 and 5xx are retried, ``Retry-After``
honoured; other 4xx, redirects and forbidden addresses are final) or the Apprise channels of
:mod:`streams.notify.channels`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import aiohttp

from orbitwatch.core import __version__
from orbitwatch.core.addresses import ForbiddenResolution, PublicOnlyResolver
from orbitwatch.core.errors import OrbitwatchError
from orbitwatch.core.http import parse_retry_after
from orbitwatch.core.retry import Backoff, Sleep
from schemas import Alert
from streams.notify.endpoints import Endpoint
from streams.notify.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, sign

log = logging.getLogger(__name__)

RETRIABLE_STATUSES = frozenset({408, 429})


class DeliveryError(OrbitwatchError):
    """One attempt failed. ``reason`` is short and machine-friendly (``http_503``,
    ``connection``, ``timeout``, ``forbidden_address``); it goes into dead-letter headers."""

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        retriable: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.retriable = retriable
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    initial_delay: float
    max_delay: float  # also caps what Retry-After may ask for

    def backoff(self) -> Backoff:
        return Backoff(initial=self.initial_delay, maximum=self.max_delay)


@dataclass(frozen=True)
class DeliveryResult:
    endpoint: Endpoint
    delivered: bool
    attempts: int
    error: DeliveryError | None = None


class Sender(Protocol):
    async def send(self, endpoint: Endpoint, alert: Alert, attempt: int) -> None:
        """One attempt: returns when delivered, raises :class:`DeliveryError` otherwise."""


class WebhookClient:
    """Signed POSTs over one HTTP session. Non-public addresses are refused at connect time
    unless allowed (the resolver checks the address actually connected to)."""

    def __init__(
        self,
        secret: str,
        *,
        timeout: float,
        allow_private: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.secret = secret
        self.clock = clock
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                resolver=None if allow_private else PublicOnlyResolver()
            ),
            timeout=aiohttp.ClientTimeout(total=timeout),
            headers={"User-Agent": f"orbitwatch-notifier/{__version__}"},
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )

    async def close(self) -> None:
        await self._session.close()

    async def send(self, endpoint: Endpoint, alert: Alert, attempt: int) -> None:
        await self.post(endpoint, alert.alert_id, alert.to_bytes(), attempt)

    async def post(self, endpoint: Endpoint, alert_id: str, body: bytes, attempt: int) -> int:
        """One attempt; returns the 2xx status or raises :class:`DeliveryError`."""
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self.secret, body, int(self.clock())),
            IDEMPOTENCY_HEADER: alert_id,
            "X-Orbitwatch-Delivery-Attempt": str(attempt),
        }
        try:
            async with self._session.post(
                endpoint.url, data=body, headers=headers, allow_redirects=False
            ) as response:
                await response.read()
                status = response.status
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, ForbiddenResolution):
                raise DeliveryError(
                    "forbidden_address", str(exc.os_error), retriable=False
                ) from exc
            raise DeliveryError("connection", f"cannot connect: {exc}", retriable=True) from exc
        except TimeoutError as exc:
            raise DeliveryError("timeout", "no answer in time", retriable=True) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise DeliveryError(
                "connection", f"{type(exc).__name__}: {exc}", retriable=True
            ) from exc
        if 200 <= status < 300:
            return status
        retriable = status >= 500 or status in RETRIABLE_STATUSES
        raise DeliveryError(
            f"http_{status}",
            f"{endpoint.name} answered HTTP {status}",
            retriable=retriable,
            status=status,
            retry_after=retry_after,
        )


async def deliver(
    sender: Sender,
    endpoint: Endpoint,
    alert: Alert,
    policy: RetryPolicy,
    sleep: Sleep = asyncio.sleep,
) -> DeliveryResult:
    """Attempt until delivered, a permanent failure, or ``policy.max_attempts``."""
    backoff = policy.backoff()
    for attempt in range(1, policy.max_attempts + 1):
        try:
            await sender.send(endpoint, alert, attempt)
        except DeliveryError as exc:
            if not exc.retriable or attempt == policy.max_attempts:
                return DeliveryResult(endpoint, False, attempt, exc)
            delay = backoff.next_delay()
            if exc.retry_after is not None:
                delay = max(delay, min(exc.retry_after, policy.max_delay))
            log.warning(
                "endpoint %s: attempt %d for %s failed (%s); retrying in %.1fs",
                endpoint.name,
                attempt,
                alert.alert_id,
                exc,
                delay,
            )
            await sleep(delay)
            continue
        return DeliveryResult(endpoint, True, attempt)
    raise AssertionError("unreachable: max_attempts >= 1")
