"""Frequency and spike decisions over bucketed counts (pure; the counts come from faust
windowed tables in the worker and from a dict in tests).

Counts live in fixed buckets (tumbling windows of ``rule.bucket_size``). "The last W" is the
``W / bucket`` buckets ending with the bucket of the event being counted, so the window
covers between ``W - bucket`` and ``W`` of real time.

- frequency: at least ``threshold`` events in the window;
- spike: at least ``min_count`` events in the window, and at least ``factor`` times what the
  baseline rate predicts (the ``baseline`` span right before the window, scaled to the
  window's length). With an empty baseline, ``min_count`` alone decides.

A group alerts at most once per realert window. Counts are at-least-once: an event replayed
after a crash may be counted twice (a slightly early alert, never a lost one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, Field

from schemas import Alert, Silence
from schemas.base import UtcDatetime
from streams.alerting.build import aggregate_alert
from streams.alerting.rules import FrequencyRule, SpikeRule
from streams.alerting.signals import CountedEvent
from streams.alerting.silences import SilenceBook

MAX_SAMPLES = 20
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BucketCounts(Protocol):
    def bucket(self, back: int) -> int:
        """Events in the bucket ``back`` buckets before the current one (0: current)."""
        ...


def bucket_start(at: datetime, size: timedelta) -> datetime:
    return EPOCH + ((at - EPOCH) // size) * size


class AggregateState(BaseModel):
    """Per rule and group: the last alert, so a group alerts once per realert window."""

    sequence: int
    last_alerted_at: UtcDatetime = Field(description="Event time of the triggering event")
    trigger_article_id: str
    last_alert: Alert


class Samples(BaseModel):
    """The latest events counted for a rule and group, listed in its alerts."""

    items: list[CountedEvent] = Field(default_factory=list)

    def plus(self, event: CountedEvent) -> Samples:
        kept = [s for s in self.items if s.article_id != event.article_id]
        return Samples(items=[*kept, event][-MAX_SAMPLES:])


@dataclass
class AggregateOutcome:
    alert: Alert | None = None
    state: AggregateState | None = None  # store when not None
    suppressed: Silence | None = None
    count: int = 0
    expected: float | None = None


def evaluate_aggregate(
    rule: FrequencyRule | SpikeRule,
    trigger: CountedEvent,
    counts: BucketCounts,
    *,
    state: AggregateState | None,
    samples: Samples,
    silences: SilenceBook,
    realert: timedelta,
    now: datetime,
) -> AggregateOutcome:
    """Decide after ``trigger`` has been counted (its bucket includes it)."""
    if state is not None and state.trigger_article_id == trigger.article_id:
        return AggregateOutcome(alert=state.last_alert)  # a replay: same alert, same id
    size = rule.bucket_size
    current = bucket_start(trigger.at, size)
    recent_buckets = round(rule.window / size)
    count = sum(counts.bucket(k) for k in range(recent_buckets))
    expected: float | None = None
    if isinstance(rule, FrequencyRule):
        fires = count >= rule.threshold
    else:
        baseline_buckets = round(rule.baseline / size)
        base = sum(
            counts.bucket(k) for k in range(recent_buckets, recent_buckets + baseline_buckets)
        )
        expected = base * recent_buckets / baseline_buckets
        fires = count >= rule.min_count and count >= rule.factor * expected
    outcome = AggregateOutcome(count=count, expected=expected)
    if not fires:
        return outcome
    if state is not None and trigger.at - state.last_alerted_at < realert:
        return outcome
    silence = silences.silencing(rule.name, None, now)
    if silence is not None:
        outcome.suppressed = silence
        return outcome
    window_end = current + size
    alert = aggregate_alert(
        rule,
        trigger,
        samples=samples.items,
        window_start=window_end - rule.window,
        window_end=window_end,
        count=count,
        expected=expected,
        bucket_start=current,
        sequence=state.sequence + 1 if state else 0,
        alerted_at=now,
    )
    outcome.alert = alert
    outcome.state = AggregateState(
        sequence=alert.sequence,
        last_alerted_at=trigger.at,
        trigger_article_id=trigger.article_id,
        last_alert=alert,
    )
    return outcome
