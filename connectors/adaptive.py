"""When to poll an adaptive feed next, within a request budget. Pure functions, no IO.

The connector (connectors/runner.py) and the benchmark (benchmarks/feed_latency.py) call
the same functions: :func:`budget_scale` for the whole population now and then, and
:func:`decide` after every poll of a feed.

**Spending the budget.** An entry waits on average half the interval of its feed, so with
rate ``r_i`` (entries per hour) and interval ``T_i`` the population's total wait is
``sum(r_i * T_i / 2)``. For a fixed number of requests per hour ``sum(1 / T_i)`` that total
is smallest when ``T_i = k / sqrt(r_i)`` (Lagrange): a feed publishing 100 times more is
polled 10 times more often, not 100. :func:`budget_scale` finds the smallest ``k`` whose
requests fit the budget, after the bounds, the server hints and the pushed feeds' slower
pace are applied, so the budget is spent where the news is and never raised. The default
budget is what fixed 15-minute polling would spend on the same feeds.

**Order of the rules** in :func:`decide`, each one able only to lengthen the interval
except the bounds:

1. learned: ``k / sqrt(rate x time-of-day factor)``;
2. the feed's bounds (``min_interval`` .. ``max_interval``);
3. pushed (a WebSub subscription is active): polling is a safety net, ``x4``, at most the
   maximum bound;
4. server hints are floors: the freshness from ``Cache-Control: max-age``/``Expires``/RSS
   ``ttl`` (never before the response is stale) and ``sy:updatePeriod`` (unless the
   feed's own entries show it publishes far more often: WordPress writes "hourly" on every
   feed, busy or not);
5. ``skipHours``/``skipDays``: the poll moves to the first hour the server allows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from connectors.feedlist import DEFAULT_MAX_INTERVAL, DEFAULT_MIN_INTERVAL, FeedConfig
from connectors.hints import HINT_CAP, read_hints
from connectors.parse import ParsedFeed
from connectors.rhythm import (
    RhythmPolicy,
    entries_per_hour,
    hour_factor,
    record_poll,
    requests_per_hour,
)
from schemas import FeedSchedule

PUSHED_FACTOR = 4.0
# sy:updatePeriod is ignored once the feed published this many entries per declared period
# (with enough evidence): the declaration is then evidently a template default. (In the
# benchmark's population, fitted from real feeds, wire services declaring "hourly" publish
# 2-6 entries an hour; at 3 the hint still held for the slower ones and gave them an hour's
# wait, the largest share of the adaptive p95.)
CONTRADICTED_AFTER = 1.5
MIN_EVIDENCE_ENTRIES = 5.0


@dataclass(frozen=True)
class Bounds:
    min_interval: float = DEFAULT_MIN_INTERVAL
    max_interval: float = DEFAULT_MAX_INTERVAL

    def clamp(self, seconds: float) -> float:
        return min(max(seconds, self.min_interval), self.max_interval)

    @classmethod
    def of(cls, feed: FeedConfig) -> Bounds:
        return cls(feed.min_interval, feed.max_interval)


@dataclass(frozen=True)
class AdaptivePolicy:
    rhythm: RhythmPolicy = field(default_factory=RhythmPolicy)
    budget_interval: float = 900.0  # average interval the budget allows per adaptive feed
    pushed_factor: float = PUSHED_FACTOR

    @property
    def budget_per_feed_hour(self) -> float:
        return 3600.0 / self.budget_interval


@dataclass(frozen=True)
class PollDecision:
    """The next poll of one feed: after ``delay`` seconds, because ``reason``.

    ``kind`` names the rule that decided: ``learned``, ``min_bound``, ``max_bound``,
    ``pushed``, ``hint``, ``skip`` (and, from the runner, ``fixed`` and ``backoff``)."""

    delay: float
    kind: str
    reason: str


def _duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 < 60:
        return f"{seconds / 3600:.0f}h"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f}h"
    if seconds >= 60:
        return f"{seconds / 60:.0f}m"
    return f"{seconds:.0f}s"


def learned_interval(rate: float, scale: float) -> float:
    """``scale / sqrt(rate)`` seconds (infinite for a zero rate; the bounds clamp it)."""
    if rate <= 0:
        return math.inf
    return scale / math.sqrt(rate)


def hint_floor(schedule: FeedSchedule, now: datetime, rate: float) -> tuple[float, str] | None:
    """The longest wait the server's hints ask for, from ``now``, with its reason."""
    hints = schedule.hints
    floors: list[tuple[float, str]] = []
    if hints.not_before is not None:
        wait = min((hints.not_before - now).total_seconds(), HINT_CAP)
        if wait > 0:
            floors.append((wait, hints.not_before_reason or "server hint"))
    period = hints.update_period_s
    if period is not None and period > 0:
        evidence = schedule.new_entries >= MIN_EVIDENCE_ENTRIES
        contradicted = evidence and rate * period / 3600.0 >= CONTRADICTED_AFTER
        if not contradicted:
            floors.append((min(period, HINT_CAP), f"sy:updatePeriod {_duration(period)}"))
    return max(floors) if floors else None


def skip_until(schedule: FeedSchedule, when: datetime) -> datetime:
    """``when``, or the start of the first hour after it that skipHours/skipDays allow.
    The parser already dropped lists that skip every hour or every day."""
    hours = set(schedule.hints.skip_hours)
    days = set(schedule.hints.skip_days)
    if not hours and not days:
        return when
    candidate = when
    for _ in range(24 * 8):
        if candidate.hour not in hours and candidate.weekday() not in days:
            return candidate
        candidate = candidate.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return when  # cannot happen with a partial list; never stop polling because of it


def _base(
    schedule: FeedSchedule,
    bounds: Bounds,
    scale: float,
    pushed: bool,
    policy: AdaptivePolicy,
    factor: float = 1.0,
) -> tuple[float, str, str, float]:
    rate = entries_per_hour(schedule, policy.rhythm)
    raw = learned_interval(rate * factor, scale)
    interval = bounds.clamp(raw)
    if raw <= bounds.min_interval:
        kind, reason = "min_bound", f"learned {rate:.2f} new/h; at the minimum bound"
    elif raw >= bounds.max_interval:
        kind, reason = "max_bound", f"learned {rate:.2f} new/h; at the maximum bound"
    else:
        kind, reason = "learned", f"learned {rate:.2f} new/h"
    if pushed:
        interval = min(interval * policy.pushed_factor, bounds.max_interval)
        kind, reason = "pushed", f"pushed: safety-net poll ({reason})"
    return interval, kind, reason, rate


def decide(
    schedule: FeedSchedule,
    bounds: Bounds,
    *,
    now: datetime,
    scale: float,
    pushed: bool = False,
    policy: AdaptivePolicy | None = None,
) -> PollDecision:
    """The next poll of one adaptive feed.

    ``pushed`` is the hook for push delivery (WebSub): True while the feed's subscription
    is active (verified, lease valid, content arriving); then polling only guards against
    a silent hub, at ``pushed_factor`` (x4) the learned interval, capped at the maximum
    bound. False (no hub, subscription pending, denied, expired or silent) means normal
    adaptive polling. ``scale`` comes from :func:`budget_scale`."""
    policy = policy or AdaptivePolicy()
    guess, *_ = _base(schedule, bounds, scale, pushed, policy)
    factor = hour_factor(schedule, now, guess if math.isfinite(guess) else 3600.0, policy.rhythm)
    interval, kind, reason, rate = _base(schedule, bounds, scale, pushed, policy, factor)
    floor = hint_floor(schedule, now, rate)
    if floor is not None and floor[0] > interval:
        interval = floor[0]
        kind, reason = "hint", f"server hint: {floor[1]} (learned {rate:.2f} new/h)"
    when = now + timedelta(seconds=interval)
    allowed = skip_until(schedule, when)
    if allowed > when:
        interval = (allowed - now).total_seconds()
        kind, reason = "skip", f"skipHours/skipDays: waits until {allowed:%a %H:%M} UTC"
    return PollDecision(interval, kind, f"{_duration(interval)}: {reason}")


@dataclass(frozen=True)
class FeedPlan:
    """What :func:`budget_scale` needs of one adaptive feed."""

    schedule: FeedSchedule
    bounds: Bounds
    pushed: bool = False


@dataclass(frozen=True)
class _Terms:
    """What one plan's interval depends on, apart from the scale."""

    rate: float
    bounds: Bounds
    factor: float  # 1, or the pushed factor
    floor: float  # the hints' floor, 0 for none

    def interval(self, scale: float) -> float:
        bounds = self.bounds
        interval = bounds.clamp(learned_interval(self.rate, scale))
        if self.factor != 1.0:
            interval = min(interval * self.factor, bounds.max_interval)
        return max(interval, self.floor)


def _terms(plan: FeedPlan, now: datetime, policy: AdaptivePolicy) -> _Terms:
    rate = entries_per_hour(plan.schedule, policy.rhythm)
    # The floor as long as it was when the server said it (at the feed's last poll), not
    # what is left of it now: the budget is about the intervals, poll after poll.
    floor = hint_floor(plan.schedule, plan.schedule.last_observed_at or now, rate)
    return _Terms(
        rate,
        plan.bounds,
        policy.pushed_factor if plan.pushed else 1.0,
        floor[0] if floor is not None else 0.0,
    )


def _requests(terms: Sequence[_Terms], scale: float) -> float:
    return sum(3600.0 / t.interval(scale) for t in terms)


def requests_per_hour_at(
    plans: Sequence[FeedPlan], scale: float, now: datetime, policy: AdaptivePolicy
) -> float:
    """Requests per hour the plans make at ``scale`` (time of day and skip hours aside)."""
    return _requests([_terms(p, now, policy) for p in plans], scale)


def budget_scale(
    plans: Sequence[FeedPlan], now: datetime, policy: AdaptivePolicy | None = None
) -> float:
    """The smallest scale ``k`` whose requests per hour fit the budget
    (``len(plans) x 3600 / budget_interval``). Requests only fall as ``k`` grows, so a
    bisection on ``log k`` finds it; 0 when even every feed at its fastest fits.

    Time-of-day factors are left out: they average to 1 over a day, and since the
    interval goes with ``1 / sqrt(factor)``, they can only lower the day's requests."""
    policy = policy or AdaptivePolicy()
    if not plans:
        return 0.0
    terms = [_terms(p, now, policy) for p in plans]
    budget = len(plans) * policy.budget_per_feed_hour
    if _requests(terms, 0.0) <= budget:
        return 0.0
    low, high = 1.0, 1e7  # seconds x sqrt(entries per hour)
    if _requests(terms, high) > budget:
        return high  # bounds and hints alone exceed the budget: every feed at its slowest
    while high / low > 1.001:
        middle = math.sqrt(low * high)
        if _requests(terms, middle) > budget:
            low = middle
        else:
            high = middle
    return high


def after_poll(
    schedule: FeedSchedule,
    bounds: Bounds,
    *,
    now: datetime,
    new_dates: Sequence[datetime | None],
    listed_dates: Sequence[datetime | None],
    headers: Mapping[str, str],
    parsed: ParsedFeed | None,
    scale: float,
    pushed: bool = False,
    policy: AdaptivePolicy | None = None,
) -> tuple[FeedSchedule, PollDecision]:
    """Learn from one successful poll (``parsed`` None for a 304), read the server's
    hints, and decide the next poll: the one step the connector takes per poll."""
    policy = policy or AdaptivePolicy()
    schedule = record_poll(
        schedule, now, new_dates=new_dates, listed_dates=listed_dates, policy=policy.rhythm
    )
    schedule = schedule.model_copy(
        update={"hints": read_hints(headers, now, parsed, schedule.hints)}
    )
    return schedule, decide(schedule, bounds, now=now, scale=scale, pushed=pushed, policy=policy)


def health_fields(
    schedule: FeedSchedule, decision: PollDecision, pushed: bool, policy: AdaptivePolicy
) -> dict[str, object]:
    """What ``orbitwatch feeds health`` shows of the schedule (FeedHealth fields)."""
    rate = requests_per_hour(schedule, policy.rhythm)
    return {
        "poll_interval_s": round(decision.delay, 1),
        "interval_reason": decision.reason,
        "pushed": pushed,
        "requests_per_hour": round(rate, 2) if rate is not None else None,
        "entries_per_hour": round(entries_per_hour(schedule, policy.rhythm), 3),
    }
