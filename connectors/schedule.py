"""When to poll each feed, and how many requests may run at once.

* Success: poll again after the feed's interval.
* 429/503 with Retry-After: never before the server asked.
* Other failures: exponential back-off with jitter, from one minute for transient errors
  (timeouts, 5xx) and from the feed's interval for lasting ones (404, not a feed), capped.
* A feed failing ``dormant_after`` times in a row is *dormant*: re-probed at the capped,
  slowest pace and shown as such, never dropped.
* Network outage: when every feed polled in a round fails with a network error, the
  failures say nothing about the feeds. They are not counted; the round is retried with an
  outage back-off of its own.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from connectors.errors import ConnectionFailed, FeedError, FetchTimeout, HttpStatusError

R = TypeVar("R")
T = TypeVar("T")

NETWORK_ERRORS = (ConnectionFailed, FetchTimeout)


@dataclass(frozen=True)
class BackoffPolicy:
    retry_base: float = 60.0  # first retry after a transient failure
    max_delay: float = 6 * 3600.0  # slowest pace, also for dormant feeds
    dormant_after: int = 8
    jitter: float = 0.2  # +-20%: feeds that failed together do not retry together
    outage_base: float = 30.0
    outage_max: float = 600.0

    def _jittered(self, delay: float, rng: random.Random) -> float:
        return delay * (1 + rng.uniform(-self.jitter, self.jitter))

    def after_success(self, interval: float, rng: random.Random) -> float:
        # A little jitter here too: feeds started together should drift apart.
        return self._jittered(interval, rng) if interval > 60 else interval

    def after_failure(
        self, interval: float, failures: int, error: FeedError, rng: random.Random
    ) -> float:
        """Seconds until the next attempt after the ``failures``-th consecutive failure."""
        base = self.retry_base if error.retriable else max(interval, self.retry_base)
        exponent = min(max(failures - 1, 0), 30)
        delay = min(self._jittered(min(base * 2**exponent, self.max_delay), rng), self.max_delay)
        if isinstance(error, HttpStatusError) and error.retry_after is not None:
            delay = max(delay, error.retry_after)  # the server's word is a floor, not a cap
        return delay

    def is_dormant(self, failures: int) -> bool:
        return failures >= self.dormant_after

    def after_outage(self, outage_rounds: int, rng: random.Random) -> float:
        exponent = min(max(outage_rounds - 1, 0), 30)
        return self._jittered(min(self.outage_base * 2**exponent, self.outage_max), rng)


def is_network_outage(errors: Sequence[FeedError | None]) -> bool:
    """True when a round of at least two feeds failed entirely with network errors: more
    likely our network than all of those sites at once."""
    return len(errors) >= 2 and all(isinstance(e, NETWORK_ERRORS) for e in errors)


class HostGate:
    """Politeness per host: at most ``per_host`` requests at once (one, by default) and at
    least ``min_gap`` seconds between the starts of two requests."""

    def __init__(
        self,
        min_gap: float = 1.0,
        per_host: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.min_gap = min_gap
        self.per_host = max(1, per_host)
        self._clock = clock
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        semaphore = self._slots.setdefault(host, asyncio.Semaphore(self.per_host))
        async with semaphore:
            # The gap is kept between actual starts: a start planned ahead and reserved
            # before sleeping let two requests run closer than min_gap whenever the first
            # woke late (a busy event loop), which is exactly when a site is least glad of it.
            while True:
                now = self._clock()
                start = self._next_start.get(host, now)
                if start <= now:
                    self._next_start[host] = now + self.min_gap
                    break
                await asyncio.sleep(start - now)
            yield


class ConcurrencyLimiter:
    """At most ``limit`` polls in flight, each holding its host's politeness slot."""

    def __init__(self, limit: int = 20, host_gap: float = 1.0, per_host: int = 1) -> None:
        self.limit = max(1, limit)
        self._semaphore = asyncio.Semaphore(self.limit)
        self.hosts = HostGate(host_gap, per_host)

    async def run(
        self, items: Iterable[T], host_of: Callable[[T], str], work: Callable[[T], Awaitable[R]]
    ) -> list[R]:
        """Run ``work`` for every item; results in item order."""

        async def one(item: T) -> R:
            # Host slot first, then the global slot: a poll queued behind a busy host
            # must not hold one of the global slots while it waits.
            async with self.hosts.slot(host_of(item)), self._semaphore:
                return await work(item)

        return list(await asyncio.gather(*(one(item) for item in items)))
