"""Frequency and spike decisions with an injected clock (streams/alerting/aggregates.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from schemas import Alert, AlertKind, Severity, Silence, SilenceScope
from streams.alerting.aggregates import (
    AggregateState,
    Samples,
    bucket_start,
    evaluate_aggregate,
)
from streams.alerting.engine import StoryAlerter
from streams.alerting.rules import FrequencyRule, SpikeRule
from streams.alerting.signals import CountedEvent
from streams.alerting.silences import SilenceBook
from tests.alert_factories import T0, make_event, rule_set

pytestmark = pytest.mark.unit

NO_SILENCES = SilenceBook()


class Counter:
    """Bucketed counts as the windowed table holds them, read relative to one event."""

    def __init__(self, size: timedelta) -> None:
        self.size = size
        self.buckets: dict[datetime, int] = {}
        self.at = T0

    def add(self, at: datetime) -> None:
        key = bucket_start(at, self.size)
        self.buckets[key] = self.buckets.get(key, 0) + 1
        self.at = at

    def bucket(self, back: int) -> int:
        return self.buckets.get(bucket_start(self.at, self.size) - back * self.size, 0)


class Aggregator:
    """Counts events and evaluates a rule the way the global agent does."""

    def __init__(self, rule: FrequencyRule | SpikeRule, realert: timedelta) -> None:
        self.rule = rule
        self.realert = realert
        self.counter = Counter(rule.bucket_size)
        self.state: AggregateState | None = None
        self.samples = Samples()
        self.silences = NO_SILENCES

    def count(self, article_id: str, at: datetime, group: str = "CN-RU") -> Alert | None:
        counted = CountedEvent(
            rule=self.rule.name,
            group=group,
            at=at,
            story_id=article_id,
            article_id=article_id,
            title=f"title {article_id}",
            severity=Severity.medium,
            feed_id="wire-a",
        )
        self.counter.add(at)
        self.samples = self.samples.plus(counted)
        outcome = evaluate_aggregate(
            self.rule,
            counted,
            self.counter,
            state=self.state,
            samples=self.samples,
            silences=self.silences,
            realert=self.realert,
            now=at + timedelta(seconds=2),
        )
        if outcome.state is not None:
            self.state = outcome.state
        return outcome.alert


def frequency(threshold: int = 3) -> Aggregator:
    rules = rule_set(
        {
            "name": "burst",
            "kind": "frequency",
            "group_by": "actor_pair",
            "window": "6h",
            "threshold": threshold,
            "realert": "6h",
        }
    )
    [rule] = rules.aggregate
    return Aggregator(rule, rules.realert(rule))


def test_frequency_fires_at_the_threshold_within_the_window_once() -> None:
    agg = frequency()
    assert agg.count("a", T0) is None
    assert agg.count("b", T0 + timedelta(hours=2)) is None
    alert = agg.count("c", T0 + timedelta(hours=4))
    assert alert is not None and alert.kind is AlertKind.frequency
    assert alert.count == 3 and alert.group == "CN-RU" and alert.actor_pairs == ["CN-RU"]
    assert alert.article_ids == ["a", "b", "c"]
    assert alert.window_end is not None and alert.window_start is not None
    assert alert.window_end - alert.window_start == timedelta(hours=6)
    # more events inside the realert window: no second alert
    assert agg.count("d", T0 + timedelta(hours=5)) is None


def test_frequency_forgets_events_that_left_the_window() -> None:
    agg = frequency()
    agg.count("a", T0)
    agg.count("b", T0 + timedelta(minutes=30))
    assert agg.count("c", T0 + timedelta(hours=7)) is None  # "a" and "b" are 7 h old


def test_frequency_alerts_again_after_realert_with_another_id() -> None:
    agg = frequency(threshold=1)
    first = agg.count("a", T0)
    second = agg.count("b", T0 + timedelta(hours=6, minutes=1))
    assert first is not None and second is not None
    assert first.alert_id != second.alert_id and second.sequence == 1


def test_a_replayed_trigger_gives_the_same_alert() -> None:
    agg = frequency(threshold=1)
    first = agg.count("a", T0)
    again = agg.count("a", T0)
    assert first is not None and again is not None and again.alert_id == first.alert_id


def test_silenced_aggregate_rule_does_not_alert() -> None:
    agg = frequency(threshold=1)
    agg.silences = SilenceBook(
        [
            Silence(
                scope=SilenceScope.rule,
                target="burst",
                until=T0 + timedelta(hours=1),
                created_at=T0,
            )
        ]
    )
    assert agg.count("a", T0) is None
    agg.silences = NO_SILENCES
    assert agg.count("b", T0 + timedelta(minutes=1)) is not None


def spike() -> Aggregator:
    rules = rule_set(
        {
            "name": "surge",
            "kind": "spike",
            "group_by": "actor_pair",
            "window": "6h",
            "baseline": "7d",
            "factor": 3,
            "min_count": 3,
        }
    )
    [rule] = rules.aggregate
    assert isinstance(rule, SpikeRule) and rule.bucket_size == timedelta(hours=1)
    return Aggregator(rule, rules.realert(rule))


def test_spike_compares_the_window_with_the_baseline_rate() -> None:
    agg = spike()
    start = T0 - timedelta(days=7)
    # a steady baseline: one event every 4 hours for a week -> 1.5 expected per 6 h
    for i in range(42):
        agg.count(f"base-{i}", start + timedelta(hours=4 * i))
    now = T0 + timedelta(hours=1)
    fired = [agg.count(f"now-{i}", now + timedelta(minutes=10 * i)) for i in range(5)]
    alerts = [a for a in fired if a is not None]
    assert len(alerts) == 1
    [alert] = alerts
    assert alert.kind is AlertKind.spike
    assert alert.expected is not None and 1.0 < alert.expected < 2.0
    assert alert.count is not None and alert.count >= 3 * alert.expected


def test_spike_needs_min_count_even_without_baseline() -> None:
    agg = spike()
    assert agg.count("a", T0) is None
    assert agg.count("b", T0 + timedelta(minutes=5)) is None
    alert = agg.count("c", T0 + timedelta(minutes=10))
    assert alert is not None and alert.expected == 0.0


def test_counting_rules_pick_groups_and_units() -> None:
    rules = rule_set(
        {
            "name": "pairs",
            "kind": "frequency",
            "window": "1h",
            "threshold": 2,
            "group_by": "actor_pair",
            "when": {"actor_pairs": ["CN-RU"]},
        },
        {
            "name": "stories",
            "kind": "frequency",
            "window": "1h",
            "threshold": 2,
            "group_by": "event_type",
            "count": "stories",
        },
    )
    engine = StoryAlerter(rules)
    trio = make_event("t-1", actors=("RU", "CN", "IN"))
    counted = engine.on_event(trio, None, NO_SILENCES, T0).counted
    assert sorted((c.rule, c.group) for c in counted) == [
        ("pairs", "CN-RU"),
        ("stories", "lunar"),
        ("stories", "nuclear"),
    ]
    member = make_event("t-2", "t-1")  # a later member: not a new story
    copy = make_event("t-3", "t-1", duplicate_of="t-1")  # a near-duplicate in the story
    assert [c.rule for c in engine.on_event(member, None, NO_SILENCES, T0).counted] == ["pairs"]
    assert engine.on_event(copy, None, NO_SILENCES, T0).counted == []
