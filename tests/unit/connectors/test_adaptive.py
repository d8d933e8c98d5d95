"""Adaptive polling decisions: learning a rhythm, the interval, hints, pushed, budget."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from connectors.adaptive import (
    AdaptivePolicy,
    Bounds,
    FeedPlan,
    budget_scale,
    decide,
    requests_per_hour_at,
)
from connectors.rhythm import (
    RhythmPolicy,
    entries_per_hour,
    hour_factor,
    record_attempt,
    record_poll,
    requests_per_hour,
)
from schemas import FeedHints, FeedSchedule, FeedState

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
RHYTHM = RhythmPolicy()
POLICY = AdaptivePolicy()
BOUNDS = Bounds(60.0, 6 * 3600.0)


def _seeded(dates: list[datetime]) -> FeedSchedule:
    return record_poll(FeedSchedule(), NOW, new_dates=dates, listed_dates=dates, policy=RHYTHM)


def _busy() -> FeedSchedule:
    # 20 entries over the last two hours: about ten an hour.
    return _seeded([NOW - timedelta(minutes=6 * i) for i in range(20)])


def _quiet() -> FeedSchedule:
    # Ten posts, one a month, the newest three weeks old.
    return _seeded([NOW - timedelta(days=21 + 30 * i) for i in range(10)])


def test_first_poll_reads_the_rate_from_the_listed_dates() -> None:
    assert 7.0 < entries_per_hour(_busy(), RHYTHM) < 11.0
    assert entries_per_hour(_quiet(), RHYTHM) < 0.001  # nothing in the last week


def test_undated_and_future_dates_do_not_break_the_seed() -> None:
    schedule = record_poll(
        FeedSchedule(),
        NOW,
        new_dates=[],
        listed_dates=[None, NOW + timedelta(days=400), NOW - timedelta(hours=1)],
        policy=RHYTHM,
    )
    assert 0 < entries_per_hour(schedule, RHYTHM) < 2.0


def test_later_polls_learn_from_what_was_new() -> None:
    schedule = _quiet()
    before = entries_per_hour(schedule, RHYTHM)
    now = NOW
    for _ in range(24):  # a day of hourly polls, each finding three new entries
        now += timedelta(hours=1)
        schedule = record_poll(schedule, now, new_dates=[now] * 3, listed_dates=[], policy=RHYTHM)
    assert entries_per_hour(schedule, RHYTHM) > 10 * before
    assert entries_per_hour(schedule, RHYTHM) < 3.0
    quiet_again = schedule
    for _ in range(14):  # two weeks of nothing
        now += timedelta(days=1)
        quiet_again = record_poll(quiet_again, now, new_dates=[], listed_dates=[], policy=RHYTHM)
    assert entries_per_hour(quiet_again, RHYTHM) < entries_per_hour(schedule, RHYTHM) / 10


def test_requests_per_hour_counts_every_attempt() -> None:
    schedule = _busy()
    now = NOW
    for _ in range(48):  # every 15 minutes for half a day, failures included
        now += timedelta(minutes=15)
        schedule = record_attempt(schedule, now, RHYTHM)
    rate = requests_per_hour(schedule, RHYTHM)
    assert rate is not None and 3.5 < rate < 4.5
    assert requests_per_hour(FeedSchedule(), RHYTHM) is None


def test_busy_feeds_are_polled_more_often_by_the_square_root_rule() -> None:
    scale = 3000.0
    busy = decide(
        _busy(),
        BOUNDS,
        now=NOW,
        scale=scale,
        policy=AdaptivePolicy(RhythmPolicy(time_of_day=False)),
    )
    quiet = decide(_quiet(), BOUNDS, now=NOW, scale=scale)
    assert busy.kind == "learned" and busy.delay < 1200
    assert quiet.kind == "max_bound" and quiet.delay == BOUNDS.max_interval
    ratio = entries_per_hour(_busy(), RHYTHM) / 0.25
    one_quarter = FeedSchedule(new_entries=0.0, observed_hours=1.0, last_observed_at=NOW)
    slow = decide(
        one_quarter,
        Bounds(1, 10**6),
        now=NOW,
        scale=scale,
        policy=AdaptivePolicy(
            RhythmPolicy(prior_entries=0.25 * 25, prior_hours=24.0, time_of_day=False)
        ),
    )
    assert slow.delay == pytest.approx(busy.delay * ratio**0.5, rel=0.05)


def test_bounds_clamp_both_ways() -> None:
    assert decide(_busy(), BOUNDS, now=NOW, scale=1.0).delay == 60.0
    fast = decide(_busy(), Bounds(300.0, 600.0), now=NOW, scale=1.0)
    assert fast.delay == 300.0 and fast.kind == "min_bound"


def test_pushed_feeds_are_polled_four_times_slower_capped_at_the_maximum() -> None:
    flat = AdaptivePolicy(RhythmPolicy(time_of_day=False))
    normal = decide(_busy(), BOUNDS, now=NOW, scale=3000.0, policy=flat)
    pushed = decide(_busy(), BOUNDS, now=NOW, scale=3000.0, pushed=True, policy=flat)
    assert pushed.kind == "pushed" and pushed.delay == pytest.approx(4 * normal.delay)
    assert "pushed" in pushed.reason
    capped = decide(_quiet(), BOUNDS, now=NOW, scale=3000.0, pushed=True)
    assert capped.delay == BOUNDS.max_interval


def _with_hints(schedule: FeedSchedule, **hints: object) -> FeedSchedule:
    return schedule.model_copy(update={"hints": FeedHints.model_validate(hints)})


def test_a_server_hint_is_a_floor_not_a_ceiling() -> None:
    busy = _busy()
    learned = decide(busy, BOUNDS, now=NOW, scale=3000.0).delay
    long_hint = _with_hints(
        busy, not_before=NOW + timedelta(seconds=learned * 3), not_before_reason="RSS ttl=60"
    )
    decision = decide(long_hint, BOUNDS, now=NOW, scale=3000.0)
    assert decision.kind == "hint" and decision.delay == pytest.approx(learned * 3)
    assert "RSS ttl=60" in decision.reason
    short_hint = _with_hints(busy, not_before=NOW + timedelta(seconds=5))
    assert decide(short_hint, BOUNDS, now=NOW, scale=3000.0).delay == pytest.approx(learned)
    # A hint beyond the maximum bound still holds (the server's word is a floor).
    day = _with_hints(busy, not_before=NOW + timedelta(hours=20))
    assert decide(day, BOUNDS, now=NOW, scale=3000.0).delay == pytest.approx(20 * 3600)


def test_a_template_update_period_is_ignored_when_the_entries_contradict_it() -> None:
    busy_hourly = _with_hints(_busy(), update_period_s=3600.0)  # ten an hour, "hourly"
    assert decide(busy_hourly, BOUNDS, now=NOW, scale=3000.0).kind != "hint"
    calm = _seeded([NOW - timedelta(hours=5 * i) for i in range(8)])  # one every 5 h
    calm_hourly = _with_hints(calm, update_period_s=3600.0)
    decision = decide(calm_hourly, BOUNDS, now=NOW, scale=100.0)
    assert decision.kind == "hint" and decision.delay == 3600.0
    assert "sy:updatePeriod 1h" in decision.reason


def test_skip_hours_and_days_move_the_poll() -> None:
    schedule = _with_hints(_busy(), skip_hours=[12, 13])
    decision = decide(schedule, BOUNDS, now=NOW, scale=1.0)  # due at 12:01, skipped
    assert decision.kind == "skip" and decision.delay == pytest.approx(2 * 3600.0)
    thursday = _with_hints(_busy(), skip_days=[3])  # NOW is a Thursday
    assert decide(thursday, BOUNDS, now=NOW, scale=1.0).delay == pytest.approx(12 * 3600.0)


def test_time_of_day_factor_follows_the_busy_hours() -> None:
    counts = [0.0] * 24
    counts[9] = 50.0
    schedule = FeedSchedule(new_entries=50.0, observed_hours=60.0, by_hour=counts)
    assert hour_factor(schedule, NOW.replace(hour=9), 600, RHYTHM) > 5
    assert hour_factor(schedule, NOW.replace(hour=3), 600, RHYTHM) < 0.5
    off = RhythmPolicy(time_of_day=False)
    assert hour_factor(schedule, NOW.replace(hour=9), 600, off) == 1.0


def test_the_budget_is_never_exceeded_and_goes_where_the_news_is() -> None:
    plans = [FeedPlan(_busy(), BOUNDS) for _ in range(5)] + [
        FeedPlan(_quiet(), BOUNDS) for _ in range(95)
    ]
    scale = budget_scale(plans, NOW, POLICY)
    total = requests_per_hour_at(plans, scale, NOW, POLICY)
    assert total <= 100 * 4 * 1.001
    assert total > 100 * 4 * 0.9  # and spent, not hoarded
    busy = decide(
        _busy(),
        BOUNDS,
        now=NOW,
        scale=scale,
        policy=AdaptivePolicy(RhythmPolicy(time_of_day=False)),
    )
    assert busy.delay < 300  # far more often than every 15 minutes


def test_pushed_feeds_free_budget_for_the_others() -> None:
    plans = [FeedPlan(_busy(), BOUNDS) for _ in range(20)]
    pushed = [FeedPlan(_busy(), BOUNDS, pushed=i < 10) for i in range(20)]
    assert budget_scale(pushed, NOW, POLICY) < budget_scale(plans, NOW, POLICY)


def test_hints_alone_over_budget_leave_every_feed_at_its_slowest() -> None:
    hinted = _with_hints(_busy(), not_before=NOW + timedelta(seconds=30))
    plans = [FeedPlan(hinted, Bounds(1.0, 10.0))]
    assert budget_scale(plans, NOW, POLICY) == 1e7
    assert budget_scale([], NOW, POLICY) == 0.0


def test_old_state_records_without_a_schedule_still_read() -> None:
    old = {
        "schema_version": 1,
        "feed_id": "f",
        "url": "https://example.org/feed",
        "seen_ids": ["a"],
        "health": {"consecutive_failures": 2},
        "updated_at": "2026-11-01T00:00:00Z",
    }
    state = FeedState.from_bytes(json.dumps(old).encode())
    assert state.schedule == FeedSchedule() and state.health.pushed is False
    decision = decide(state.schedule, BOUNDS, now=NOW, scale=3000.0)
    assert BOUNDS.min_interval <= decision.delay <= BOUNDS.max_interval
