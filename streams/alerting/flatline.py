"""Flatline decisions (pure): a feed, or the whole pipeline, silent for too long.

Activity is the time something last arrived: any classified event for the pipeline; an
article from the feed (seen in events or in the connector's feed health reports) for a feed.
A watched target with no activity at all is silent since the watch started. One silent
stretch alerts once when it exceeds the limit, then again every realert window while it
lasts; new activity ends it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel

from schemas import Alert, Silence
from schemas.base import UtcDatetime
from streams.alerting.build import flatline_alert
from streams.alerting.rules import FlatlineRule
from streams.alerting.silences import SilenceBook

PIPELINE = "pipeline"


class FlatlineState(BaseModel):
    silent_since: UtcDatetime
    sequence: int
    last_alerted_at: UtcDatetime


@dataclass
class FlatlineOutcome:
    alert: Alert | None = None
    state: FlatlineState | None = None  # store when not None
    suppressed: Silence | None = None


def flatline_targets(rule: FlatlineRule, known_feeds: Iterable[str]) -> list[str]:
    if rule.target == "pipeline":
        return [PIPELINE]
    return sorted(rule.feeds) if rule.feeds else sorted(known_feeds)


def evaluate_flatline(
    rule: FlatlineRule,
    target: str,
    last_activity: datetime,
    *,
    state: FlatlineState | None,
    silences: SilenceBook,
    silent_for: timedelta,
    realert: timedelta,
    now: datetime,
) -> FlatlineOutcome:
    if now - last_activity < silent_for:
        return FlatlineOutcome()
    same_stretch = state is not None and state.silent_since == last_activity
    if state is not None and same_stretch and now - state.last_alerted_at < realert:
        return FlatlineOutcome()
    silence = silences.silencing(rule.name, None, now)
    if silence is not None:
        return FlatlineOutcome(suppressed=silence)
    sequence = state.sequence if state is not None and same_stretch else 0
    alert = flatline_alert(
        rule,
        target=target,
        silent_since=last_activity,
        silent_for=silent_for,
        sequence=sequence,
        alerted_at=now,
    )
    return FlatlineOutcome(
        alert=alert,
        state=FlatlineState(silent_since=last_activity, sequence=sequence + 1, last_alerted_at=now),
    )
