"""A feed's publication rhythm, learned from what it served. Pure functions, no IO.

The state (:class:`schemas.FeedSchedule`, persisted with the feed's state) holds
exponentially decayed counts: new entries, hours observed, requests made, and new entries
by UTC hour of publication. Why this estimator:

* A rate of new entries per hour is what the interval decision needs (the expected delay
  an entry waits is half the interval, so the cost of an interval is rate x interval / 2).
* Exponential decay (half-life :attr:`RhythmPolicy.half_life_hours`, 3 days by default)
  forgets a feed's old habits within days, yet spans weekends: a shorter half-life made
  wire services look quiet every Sunday, a longer one took a week to notice a blog that
  woke up. It is one float per count: no history to store or trim.
* The first successful poll seeds the counts from the entry dates the feed lists (as if
  we had been watching for that long), so a feed gets a sensible interval at once, not
  after days of observation. Later polls count only the entries that were new.
* A weak prior (an entry every two days, worth half an hour of observation) keeps the
  rate defined before any evidence; a seed of a few hours already outweighs it.
* Entries by hour of day (UTC) let a feed be polled more in its busy hours and less at
  night (the benchmark measures what that earns; it can be turned off).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from schemas import FeedSchedule

HOURS = 24


@dataclass(frozen=True)
class RhythmPolicy:
    half_life_hours: float = 72.0
    prior_entries: float = 0.01  # pseudo-observation: an entry every two days, worth ...
    prior_hours: float = 0.5  # ... half an hour of watching: any real evidence outweighs it
    seed_window_hours: float = 7 * 24.0  # entry dates older than this say little
    time_of_day: bool = True
    hour_prior: float = 1.0  # pseudo-entries per hour of day: few entries, flat profile

    @property
    def memory_hours(self) -> float:
        """Hours of observation the decayed exposure converges to."""
        return self.half_life_hours / math.log(2)


def _decay(hours: float, policy: RhythmPolicy) -> float:
    return 0.5 ** (max(hours, 0.0) / policy.half_life_hours)


def _exposure(hours: float, policy: RhythmPolicy) -> float:
    """Decayed weight of ``hours`` of continuous observation ending now."""
    return policy.memory_hours * (1.0 - _decay(hours, policy))


def _hours_between(earlier: datetime, later: datetime) -> float:
    return max((later - earlier).total_seconds() / 3600.0, 0.0)


def record_attempt(schedule: FeedSchedule, now: datetime, policy: RhythmPolicy) -> FeedSchedule:
    """The state after one request, whatever its outcome: the request counts are decayed
    to ``now`` and this request added. (The first request only starts the clock: n
    requests span n - 1 intervals.)"""
    if schedule.last_request_at is None:
        return schedule.model_copy(update={"last_request_at": now})
    elapsed = _hours_between(schedule.last_request_at, now)
    factor = _decay(elapsed, policy)
    return schedule.model_copy(
        update={
            "requests": schedule.requests * factor + 1.0,
            "requested_hours": schedule.requested_hours * factor + _exposure(elapsed, policy),
            "last_request_at": now,
        }
    )


def _observe(schedule: FeedSchedule, now: datetime, policy: RhythmPolicy) -> FeedSchedule:
    """Entry counts decayed to ``now``, the time since the last successful poll counted as
    observed. Entries published while polls failed are found, and counted, by the next
    successful one, so failures need no observation of their own."""
    assert schedule.last_observed_at is not None
    elapsed = _hours_between(schedule.last_observed_at, now)
    factor = _decay(elapsed, policy)
    return schedule.model_copy(
        update={
            "new_entries": schedule.new_entries * factor,
            "observed_hours": schedule.observed_hours * factor + _exposure(elapsed, policy),
            "by_hour": [count * factor for count in schedule.by_hour],
            "last_observed_at": now,
        }
    )


def _seed(
    schedule: FeedSchedule, now: datetime, listed: Sequence[datetime], policy: RhythmPolicy
) -> FeedSchedule:
    """First sight of a feed: read its rhythm from the dates of the entries it lists.

    The window starts at the oldest listed date (or a week ago): a feed listing 20 entries
    from the last two hours publishes about 10 an hour; one whose newest entry is three
    weeks old is quiet. The oldest entry only marks the window's start (n entries span
    n - 1 gaps). Future dates (bad clocks) count as now."""
    dates = sorted(min(d, now) for d in listed)
    window_start = now - timedelta(hours=policy.seed_window_hours)
    if dates and dates[0] > window_start:
        window_start = dates[0]
        dates = dates[1:]
    by_hour = [0.0] * HOURS
    entries = 0.0
    for date in dates:
        if date <= window_start:
            continue
        weight = _decay(_hours_between(date, now), policy)
        entries += weight
        by_hour[date.hour] += weight
    return schedule.model_copy(
        update={
            "new_entries": entries,
            "observed_hours": _exposure(_hours_between(window_start, now), policy),
            "by_hour": by_hour,
            "last_observed_at": now,
        }
    )


def record_poll(
    schedule: FeedSchedule,
    now: datetime,
    *,
    new_dates: Sequence[datetime | None],
    listed_dates: Sequence[datetime | None],
    policy: RhythmPolicy,
) -> FeedSchedule:
    """The state after a successful poll (a 304 is one with nothing new).

    ``new_dates``: publication dates of the entries not seen before (None when undated);
    ``listed_dates``: of every entry the document listed (used on first sight only)."""
    schedule = record_attempt(schedule, now, policy)
    if schedule.last_observed_at is None:
        return _seed(schedule, now, [d for d in listed_dates if d is not None], policy)
    schedule = _observe(schedule, now, policy)
    by_hour = list(schedule.by_hour)
    for date in new_dates:
        # Undated entries, and dates that cannot be when it was published (older than the
        # previous poll by more than a day: a feed re-listing old items), count at the poll.
        hour = date.hour if date is not None and now - date < timedelta(days=1) else now.hour
        by_hour[hour] += 1.0
    return schedule.model_copy(
        update={"new_entries": schedule.new_entries + len(new_dates), "by_hour": by_hour}
    )


def entries_per_hour(schedule: FeedSchedule, policy: RhythmPolicy) -> float:
    """The learned publication rate (new entries per hour), prior included."""
    return (schedule.new_entries + policy.prior_entries) / (
        schedule.observed_hours + policy.prior_hours
    )


def requests_per_hour(schedule: FeedSchedule, policy: RhythmPolicy) -> float | None:
    """Recent requests per hour; None until requests span an hour."""
    if schedule.requested_hours < 1.0:
        return None
    return schedule.requests / schedule.requested_hours


def hour_factor(
    schedule: FeedSchedule, start: datetime, seconds: float, policy: RhythmPolicy
) -> float:
    """How busy the hours from ``start`` over ``seconds`` are, relative to the feed's
    average hour (1.0 = average; 1.0 when time-of-day awareness is off)."""
    if not policy.time_of_day:
        return 1.0
    counts = schedule.by_hour if len(schedule.by_hour) == HOURS else [0.0] * HOURS
    mean = sum(counts) / HOURS + policy.hour_prior
    spanned = max(1, min(HOURS, math.ceil(seconds / 3600.0)))
    hours = [(start.hour + i) % HOURS for i in range(spanned)]
    return sum(counts[h] + policy.hour_prior for h in hours) / (len(hours) * mean)
