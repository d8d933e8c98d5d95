"""The feed-population simulation drives the connector's decisions honestly: within the
budget, never before a server allows, pushed entries delivered by the push model."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from benchmarks.feed_latency import (
    Costs,
    PushModel,
    Rhythm,
    SimFeed,
    _publication_times,
    build_population,
    simulate,
)

pytestmark = pytest.mark.unit

DAYS = 3.0


def _rhythms() -> list[Rhythm]:
    flat = [1.0] * 24
    return [
        Rhythm("wire", "wire", 6.0, [300.0, 600.0, 60.0, 1200.0], flat, None, None, None),
        Rhythm("daily", "daily", 0.3, [7200.0, 14400.0], flat, "30", None, None),
        Rhythm("quiet", "quiet", 0.005, [86400.0 * 10], flat, None, "hourly", "1"),
    ]


def _population() -> list[SimFeed]:
    return build_population(40, DAYS, random.Random(3), _rhythms())


def test_publication_times_stay_in_the_horizon_and_follow_the_rate() -> None:
    rhythm = _rhythms()[0]
    times = _publication_times(rhythm, 1.0, 86400.0, random.Random(1))
    assert times == sorted(times) and times[0] >= 0 and times[-1] < 86400.0
    assert 24 * 2 < len(times) < 24 * 12  # about 6 an hour (mean gap 540 s)


def test_adaptive_keeps_the_budget_and_the_hints_fixed_polling_breaks() -> None:
    feeds = _population()
    costs = Costs([0.05], [0.1])
    fixed = simulate(feeds, "fixed", DAYS, costs, seed=1)
    adaptive = simulate(feeds, "adaptive", DAYS, costs, seed=1)
    assert adaptive.measured_requests <= fixed.measured_requests
    assert adaptive.hint_violations == 0 and adaptive.skip_violations == 0
    assert fixed.hint_violations > 0  # the daily feeds' ttl of 30 minutes
    wire_fixed = sorted(fixed.by_group["wire"])
    wire_adaptive = sorted(adaptive.by_group["wire"])
    assert wire_adaptive[len(wire_adaptive) // 2] < wire_fixed[len(wire_fixed) // 2]


def test_pushed_entries_come_from_the_push_model(tmp_path: Path) -> None:
    report = tmp_path / "websub.json"
    report.write_text(
        json.dumps({"publish_to_raw": {"n": 9, "p50": 100, "p95": 200, "p99": 300, "max": 400}})
    )
    model = PushModel.from_report(report)
    assert model.points is not None and "n=9" in model.source
    draws = [model.draw(random.Random(i)) for i in range(200)]
    assert min(draws) >= 0.05 and max(draws) <= 0.4
    assert PushModel.from_report(tmp_path / "absent.json").points is None
    feeds = _population()
    for feed in feeds:
        feed.hub = True
    result = simulate(feeds, "adaptive", DAYS, Costs([], [0.1]), seed=2, push=model)
    assert result.pushed_to_alert and max(result.pushed_to_alert) <= 0.4 + 0.1
