"""Flatline decisions (streams/alerting/flatline.py) with an injected clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from schemas import Alert, AlertKind, Silence, SilenceScope
from streams.alerting.flatline import FlatlineState, evaluate_flatline, flatline_targets
from streams.alerting.rules import FlatlineRule
from streams.alerting.silences import SilenceBook
from tests.alert_factories import T0, rule_set

pytestmark = pytest.mark.unit

NO_SILENCES = SilenceBook()


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
