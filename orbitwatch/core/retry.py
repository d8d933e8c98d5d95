"""Capped exponential backoff, and a loop that retries an operation for as long as it runs.

Clock and randomness are injected, so tests run the loop without waiting.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from orbitwatch.core.errors import OrbitwatchError

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
OnRetry = Callable[[BaseException, float, int], None]


@dataclass
class Backoff:
    """Delays ``initial * 2**n`` capped at ``maximum``, each jittered into [d/2, d].

    The jitter keeps several workers that failed together from retrying in lockstep.
    """

    initial: float = 0.5
    maximum: float = 30.0
    multiplier: float = 2.0
    jitter: Callable[[], float] = field(default=random.random, repr=False)
    attempt: int = 0

    def next_delay(self) -> float:
        ceiling = min(self.maximum, self.initial * self.multiplier**self.attempt)
        self.attempt += 1
        return ceiling / 2 + ceiling / 2 * self.jitter()

    def reset(self) -> None:
        self.attempt = 0


def is_retriable(exc: BaseException) -> bool:
    """Ours say so in ``retriable``; anything else (a driver error, a bug) is retried too,
    because giving up would drop events. A bug then shows as a loop of logged tracebacks."""
    if isinstance(exc, OrbitwatchError):
        return exc.retriable
    return isinstance(exc, Exception)


def _log_retry(exc: BaseException, delay: float, attempt: int) -> None:
    if isinstance(exc, OrbitwatchError):
        log.warning("attempt %d failed (%s); retrying in %.1fs", attempt, exc, delay)
    else:
        log.error("attempt %d failed unexpectedly; retrying in %.1fs", attempt, delay, exc_info=exc)


class RetryAbandoned(OrbitwatchError):
    """The caller asked to stop retrying (``give_up``); the operation did not succeed.

    Retriable: whatever the operation was for must be done again later, never skipped.
    """

    retriable = True


async def retry_forever(
    operation: Callable[[], Awaitable[T]],
    backoff: Backoff,
    *,
    sleep: Sleep = asyncio.sleep,
    on_retry: OnRetry = _log_retry,
    give_up: Callable[[], bool] = lambda: False,
) -> T:
    """Await ``operation()`` until it succeeds; raise only what is not retriable.

    Cancellation (the worker stopping) ends the loop at once. The pause is the backoff
    delay, or longer if the error carries a ``retry_after`` the server asked for. After a
    failed attempt, ``give_up()`` returning True ends the loop with :class:`RetryAbandoned`.
    """
    attempt = 0
    while True:
        try:
            result = await operation()
        except Exception as exc:
            if not is_retriable(exc):
                raise
            if give_up():
                raise RetryAbandoned(f"gave up after a failed attempt: {exc}") from exc
            attempt += 1
            asked = getattr(exc, "retry_after", None) or 0.0
            delay = max(backoff.next_delay(), asked)
            on_retry(exc, delay, attempt)
            await sleep(delay)
            continue
        backoff.reset()
        return result
