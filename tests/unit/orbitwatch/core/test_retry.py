"""The back-off and the retry loop (orbitwatch/core/retry.py)."""

from __future__ import annotations

import pytest

from orbitwatch.core.errors import ConfigError
from orbitwatch.core.retry import Backoff, RetryAbandoned, retry_forever
from streams.index.errors import SinkBackpressure, SinkUnavailable

pytestmark = pytest.mark.unit


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def test_backoff_grows_exponentially_is_capped_and_jittered() -> None:
    top = Backoff(initial=1, maximum=8, jitter=lambda: 1.0)
    assert [top.next_delay() for _ in range(6)] == [1, 2, 4, 8, 8, 8]
    bottom = Backoff(initial=1, maximum=8, jitter=lambda: 0.0)
    assert [bottom.next_delay() for _ in range(4)] == [0.5, 1, 2, 4]
    top.reset()
    assert top.next_delay() == 1


async def test_retry_forever_retries_until_success_and_honours_retry_after() -> None:
    failures: list[Exception] = [
        SinkUnavailable("down", status=503),
        SinkBackpressure("slow down", retry_after=7.0),
        ConnectionResetError("reset"),  # not ours: retried too
    ]

    async def operation() -> str:
        if failures:
            raise failures.pop(0)
        return "done"

    sleep = RecordingSleep()
    result = await retry_forever(
        operation, Backoff(initial=1, maximum=4, jitter=lambda: 1.0), sleep=sleep
    )
    assert result == "done"
    assert sleep.delays == [1, 7.0, 4]


async def test_retry_forever_raises_what_is_not_retriable() -> None:
    async def operation() -> None:
        raise ConfigError("bad settings")

    with pytest.raises(ConfigError):
        await retry_forever(operation, Backoff(), sleep=RecordingSleep())


async def test_retry_forever_gives_up_when_asked() -> None:
    async def operation() -> None:
        raise SinkUnavailable("down")

    with pytest.raises(RetryAbandoned):
        await retry_forever(operation, Backoff(), sleep=RecordingSleep(), give_up=lambda: True)
