"""Frequency, spike, digest and flatline decisions with an injected clock."""

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
from streams.alerting.digest import DigestLedger, add_to_digest, due_digests
from streams.alerting.engine import StoryAlerter
from streams.alerting.flatline import FlatlineState, evaluate_flatline, flatline_targets
from streams.alerting.rules import FlatlineRule, FrequencyRule, MatchRule, SpikeRule
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


# -- digests ------------------------------------------------------------------------------


def digest_rule() -> tuple[MatchRule, timedelta]:
    rules = rule_set({"name": "daily", "kind": "match", "digest": "1h"})
    [rule] = rules.match
    interval = rules.digest_interval(rule)
    assert interval is not None
    return rule, interval


def story_alert(article_id: str, at: datetime) -> Alert:
    rules = rule_set({"name": "daily", "kind": "match", "digest": "1h"})
    outcome = StoryAlerter(rules).on_event(make_event(article_id, at=at), None, NO_SILENCES, at)
    [entry] = outcome.digest_entries
    return entry.alert


def test_digest_collects_a_period_and_sends_it_at_the_first_tick_after() -> None:
    rule, interval = digest_rule()
    ledger = DigestLedger()
    for minute, article in ((5, "a"), (20, "b"), (50, "c")):
        sent, ledger = add_to_digest(
            ledger, rule, story_alert(article, T0 + timedelta(minutes=minute)), interval, T0
        )
        assert sent == []
    sent, updated = due_digests(ledger, rule, interval, T0 + timedelta(minutes=59))
    assert sent == [] and updated is None
    sent, updated = due_digests(ledger, rule, interval, T0 + timedelta(minutes=61))
    [digest] = sent
    assert digest.kind is AlertKind.digest and digest.count == 3
    assert [m.article_id for m in digest.members] == ["a", "b", "c"]
    assert digest.window_start == T0 and digest.window_end == T0 + timedelta(hours=1)
    assert updated is not None and updated.members == [] and updated.sent_until == digest.window_end

    # a replayed entry after sending is recognised; a late one joins the next period
    again, updated = add_to_digest(
        updated, rule, story_alert("a", T0 + timedelta(minutes=5)), interval, T0
    )
    assert again == [] and updated.members == []
    _, updated = add_to_digest(
        updated, rule, story_alert("late", T0 + timedelta(minutes=58)), interval, T0
    )
    assert updated.period_start == T0 + timedelta(hours=1)


def test_an_entry_for_a_later_period_sends_the_open_digest() -> None:
    rule, interval = digest_rule()
    _, ledger = add_to_digest(DigestLedger(), rule, story_alert("a", T0), interval, T0)
    sent, ledger = add_to_digest(
        ledger, rule, story_alert("b", T0 + timedelta(hours=2)), interval, T0
    )
    assert [d.count for d in sent] == [1]
    assert ledger.period_start == T0 + timedelta(hours=2)
    assert [m.article_ids for m in ledger.members] == [["b"]]
    # the digest id depends only on rule and period
    again, _ = add_to_digest(DigestLedger(), rule, story_alert("x", T0), interval, T0)
    assert again == []


# -- flatline ----------------------------------------------------------------------------


def flatline_rule(**extra: object) -> tuple[FlatlineRule, timedelta, timedelta]:
    rules = rule_set({"name": "quiet", "kind": "flatline", "silent_for": "2h", **extra})
    [rule] = rules.flatline
    return rule, rules.silent_for(rule), rules.realert(rule)


def test_flatline_alerts_once_per_silence_then_every_realert() -> None:
    rule, silent_for, realert = flatline_rule(target="pipeline", realert="6h")
    last = T0
    state: FlatlineState | None = None

    def tick(at: datetime) -> Alert | None:
        nonlocal state
        outcome = evaluate_flatline(
            rule,
            "pipeline",
            last,
            state=state,
            silences=NO_SILENCES,
            silent_for=silent_for,
            realert=realert,
            now=at,
        )
        state = outcome.state or state
        return outcome.alert

    assert tick(T0 + timedelta(hours=1, minutes=59)) is None
    first = tick(T0 + timedelta(hours=2))
    assert first is not None and first.kind is AlertKind.flatline
    assert first.silent_since == T0 and first.title.startswith("nothing from the pipeline")
    assert tick(T0 + timedelta(hours=5)) is None
    reminder = tick(T0 + timedelta(hours=8))
    assert reminder is not None and reminder.sequence == 1
    assert reminder.alert_id != first.alert_id
    # activity ends the stretch; the next one is a new episode with sequence 0 again
    last = T0 + timedelta(hours=9)
    assert tick(T0 + timedelta(hours=10)) is None
    episode = tick(T0 + timedelta(hours=11))
    assert episode is not None and episode.sequence == 0 and episode.silent_since == last


def test_flatline_targets() -> None:
    rule, _, _ = flatline_rule(target="feed")
    assert flatline_targets(rule, ["b", "a"]) == ["a", "b"]
    listed, _, _ = flatline_rule(target="feed", feeds=["tass-en"])
    assert flatline_targets(listed, ["a"]) == ["tass-en"]
    pipeline, _, _ = flatline_rule(target="pipeline")
    assert flatline_targets(pipeline, ["a"]) == ["pipeline"]


def test_flatline_feed_default_limit_and_silence() -> None:
    rules = rule_set({"name": "feeds", "kind": "flatline", "target": "feed"})
    [rule] = rules.flatline
    assert rules.silent_for(rule) == timedelta(hours=24)
    book = SilenceBook(
        [
            Silence(
                scope=SilenceScope.rule,
                target="feeds",
                until=T0 + timedelta(days=3),
                created_at=T0,
            )
        ]
    )
    outcome = evaluate_flatline(
        rule,
        "tass-en",
        T0,
        state=None,
        silences=book,
        silent_for=rules.silent_for(rule),
        realert=rules.realert(rule),
        now=T0 + timedelta(days=2),
    )
    assert outcome.alert is None and outcome.suppressed is not None
