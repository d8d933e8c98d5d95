"""Back-off, politeness and outage detection."""

from __future__ import annotations

import asyncio
import itertools
import random
import time

import pytest

from connectors.errors import ConnectionFailed, FetchTimeout, HttpStatusError, NotAFeed
from connectors.schedule import BackoffPolicy, ConcurrencyLimiter, HostGate, is_network_outage

pytestmark = pytest.mark.unit

POLICY = BackoffPolicy(retry_base=60, max_delay=3600, dormant_after=5, jitter=0.2)


def test_transient_failures_back_off_exponentially_with_jitter_and_cap() -> None:
    rng = random.Random(1)
    error = FetchTimeout("slow")
    delays = [POLICY.after_failure(600, n, error, rng) for n in range(1, 10)]
    for n, delay in enumerate(delays[:5], start=1):
        nominal = min(60 * 2 ** (n - 1), 3600)
        assert nominal * 0.8 <= delay <= nominal * 1.2
    assert all(d <= 3600 for d in delays)
    assert delays[-1] > 3600 * 0.79  # stays at the capped, slow pace: re-probed, not dropped


def test_lasting_failures_start_from_the_feed_interval() -> None:
    rng = random.Random(2)
    delay = POLICY.after_failure(600, 1, NotAFeed("html"), rng)
    assert 480 <= delay <= 720


def test_jitter_spreads_feeds_that_failed_together() -> None:
    rng = random.Random(3)
    delays = {round(POLICY.after_failure(600, 3, FetchTimeout("x"), rng), 3) for _ in range(20)}
    assert len(delays) > 15


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_a_floor(status: int) -> None:
    rng = random.Random(4)
    error = HttpStatusError(status, "busy", retry_after=7200)
    assert POLICY.after_failure(600, 1, error, rng) >= 7200
    short = HttpStatusError(status, "busy", retry_after=5)
    assert POLICY.after_failure(600, 1, short, rng) >= 48  # our own back-off still applies


def test_dormancy() -> None:
    assert not POLICY.is_dormant(4)
    assert POLICY.is_dormant(5)


def test_outage_detection() -> None:
    net = [ConnectionFailed("down"), FetchTimeout("slow"), ConnectionFailed("down")]
    assert is_network_outage(net)
    assert not is_network_outage([*net, None])  # one feed worked: the network is fine
    assert not is_network_outage([*net, HttpStatusError(404, "gone")])
    assert not is_network_outage([ConnectionFailed("one feed is not a round")])
    assert not is_network_outage([])


def test_outage_backoff_grows_and_is_capped() -> None:
    rng = random.Random(5)
    policy = BackoffPolicy(outage_base=30, outage_max=600, jitter=0)
    assert [policy.after_outage(n, rng) for n in (1, 2, 3, 10)] == [30, 60, 120, 600]


async def test_host_gate_serialises_one_host_with_a_gap() -> None:
    gate = HostGate(min_gap=0.1)
    starts: list[float] = []
    active = 0
    peak = 0

    async def request() -> None:
        nonlocal active, peak
        async with gate.slot("a.example"):
            starts.append(time.monotonic())
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.01)
            active -= 1

    await asyncio.gather(*(request() for _ in range(4)))
    assert peak == 1
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(gap >= 0.09 for gap in gaps)


async def test_host_gate_keeps_the_gap_when_a_request_wakes_late() -> None:
    # Regression: the gate reserved the next start before sleeping, so when the event loop
    # was busy and one request woke late, the next one ran right after it (gap ~0).
    gate = HostGate(min_gap=0.1)
    starts: list[float] = []

    async def request() -> None:
        async with gate.slot("a.example"):
            starts.append(time.monotonic())

    async def busy_loop() -> None:
        await asyncio.sleep(0.05)
        time.sleep(0.2)  # blocks the whole loop across the second request's planned start

    await asyncio.gather(request(), request(), request(), busy_loop())
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # Lower bounds only: a slower machine makes gaps longer, never shorter.
    assert len(gaps) == 2
    assert all(gap >= 0.099 for gap in gaps), gaps


async def test_limiter_bounds_concurrency_but_runs_hosts_in_parallel() -> None:
    limiter = ConcurrencyLimiter(limit=3, host_gap=0.0)
    active = 0
    peak = 0

    async def work(item: int) -> int:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.02)
        active -= 1
        return item * 2

    results = await limiter.run(range(10), lambda i: f"host{i}", work)
    assert results == [i * 2 for i in range(10)]
    assert peak == 3
