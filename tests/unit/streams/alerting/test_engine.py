"""Story alert decisions: one per story and rule, escalation, realert, silences, digests,
replays, deterministic ids."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schemas import AlertKind, Severity, Silence, SilenceScope
from streams.alerting.engine import Outcome, StoryAlerter, StoryAlertState
from streams.alerting.silences import SilenceBook
from tests.alert_factories import T0, make_event, rule_set

pytestmark = pytest.mark.unit

RULES = rule_set(
    {"name": "ru-cn", "kind": "match", "when": {"actors_all": ["RU", "CN"]}, "realert": "6h"},
    {"name": "high", "kind": "match", "when": {"min_severity": "high"}},
    {"name": "later", "kind": "match", "when": {"query": "moon"}, "digest": "1h"},
    {"name": "off", "kind": "match", "enabled": False},
    realert=timedelta(hours=24),
)
NO_SILENCES = SilenceBook()


class Story:
    """Feeds events through the engine the way the agent does, keeping the state."""

    def __init__(self, silences: SilenceBook = NO_SILENCES) -> None:
        self.engine = StoryAlerter(RULES)
        self.state: StoryAlertState | None = None
        self.silences = silences

    def feed(self, *args: object, now_offset: timedelta = timedelta(0), **kw: object) -> Outcome:
        event = make_event(*args, **kw)  # type: ignore[arg-type]
        outcome = self.engine.on_event(
            event, self.state, self.silences, event.classified_at + now_offset
        )
        if outcome.state is not None:
            # Through JSON text, as in the faust table.
            self.state = StoryAlertState.from_bytes(outcome.state.to_bytes())
        return outcome


def names(outcome: Outcome) -> list[str]:
    return sorted(a.rule for a in outcome.alerts)


def test_first_match_alerts_once_per_rule_and_later_members_only_join() -> None:
    story = Story()
    first = story.feed("moon-1", severity=Severity.medium)
    assert names(first) == ["ru-cn"]
    [alert] = first.alerts
    assert alert.kind is AlertKind.match and alert.sequence == 0 and not alert.escalation
    assert alert.story_id == "moon-1" and alert.article_ids == ["moon-1"]
    assert alert.source_urls == ["https://news.example.org/moon-1"]
    assert alert.latency == timedelta(minutes=1)
    # the digest rule matched as well: it goes to the digest, not out on its own
    assert [e.alert.rule for e in first.digest_entries] == ["later"]

    second = story.feed("moon-2", "moon-1", severity=Severity.medium, at=T0 + timedelta(hours=1))
    assert second.alerts == [] and second.digest_entries == []
    assert story.state is not None
    assert story.state.rules["ru-cn"].article_ids == ["moon-1", "moon-2"]


def test_a_rise_in_severity_escalates_with_a_new_alert() -> None:
    story = Story()
    first = story.feed("moon-1", severity=Severity.medium)
    story.feed("moon-2", "moon-1", severity=Severity.medium, at=T0 + timedelta(minutes=5))
    third = story.feed("moon-3", "moon-1", severity=Severity.high, at=T0 + timedelta(minutes=9))
    assert names(third) == ["high", "ru-cn"]
    escalation = next(a for a in third.alerts if a.rule == "ru-cn")
    assert escalation.escalation and escalation.previous_severity is Severity.medium
    assert escalation.sequence == 1
    assert escalation.article_ids == ["moon-1", "moon-2", "moon-3"]
    assert escalation.alert_id != first.alerts[0].alert_id
    high = next(a for a in third.alerts if a.rule == "high")
    assert not high.escalation and high.previous_severity is None  # first alert of that rule
    # a digest rule escalates too, into its digest
    assert [e.alert.escalation for e in third.digest_entries] == [True]


def test_realert_after_the_window_only() -> None:
    story = Story()
    story.feed("moon-1", severity=Severity.medium)
    within = story.feed("moon-2", "moon-1", severity=Severity.medium, at=T0 + timedelta(hours=5))
    assert names(within) == []
    after = story.feed("moon-3", "moon-1", severity=Severity.low, at=T0 + timedelta(hours=6))
    assert names(after) == ["ru-cn"]
    assert after.alerts[0].sequence == 1 and not after.alerts[0].escalation
    # a lower re-alert does not make the next medium member an "escalation"
    again = story.feed("moon-4", "moon-1", severity=Severity.medium, at=T0 + timedelta(hours=7))
    assert names(again) == []


def test_a_replayed_trigger_re_emits_the_same_alert_and_changes_nothing() -> None:
    story = Story()
    first = story.feed("moon-1", severity=Severity.high)
    state_before = story.state
    replay = story.feed("moon-1", severity=Severity.high, now_offset=timedelta(minutes=3))
    assert [a.alert_id for a in replay.alerts] == [a.alert_id for a in first.alerts]
    assert [a.alerted_at for a in replay.alerts] == [a.alerted_at for a in first.alerts]
    assert replay.state is None and story.state == state_before


def test_alert_ids_are_deterministic_across_engines() -> None:
    one, two = Story(), Story()
    a = one.feed("moon-1", severity=Severity.high)
    b = two.feed("moon-1", severity=Severity.high, now_offset=timedelta(seconds=7))
    assert [x.alert_id for x in a.alerts] == [x.alert_id for x in b.alerts]
    other_story = Story().feed("moon-9", severity=Severity.high)
    assert {x.alert_id for x in a.alerts}.isdisjoint(x.alert_id for x in other_story.alerts)


def test_silences_by_rule_and_by_story() -> None:
    book = SilenceBook(
        [
            Silence(
                scope=SilenceScope.rule,
                target="high",
                until=T0 + timedelta(hours=6),
                created_at=T0,
            ),
            Silence(
                scope=SilenceScope.story,
                target="quiet-1",
                until=T0 + timedelta(hours=1),
                created_at=T0,
            ),
        ]
    )
    loud = Story(book).feed("loud-1", severity=Severity.high)
    assert names(loud) == ["ru-cn"]
    assert [rule for rule, _ in loud.suppressed] == ["high"]

    quiet = Story(book)
    muted = quiet.feed("quiet-1", severity=Severity.high)
    assert names(muted) == [] and muted.digest_entries == []
    assert sorted(rule for rule, _ in muted.suppressed) == ["high", "later", "ru-cn"]
    assert muted.state is None  # nothing recorded: the story alerts once the silence ends
    later = quiet.feed("quiet-2", "quiet-1", at=T0 + timedelta(hours=2))
    assert names(later) == ["ru-cn"]


def test_lifted_and_expired_silences_do_not_mute() -> None:
    lifted = Silence(
        scope=SilenceScope.rule,
        target="ru-cn",
        until=T0 + timedelta(hours=6),
        created_at=T0,
        lifted_at=T0,
    )
    expired = Silence(
        scope=SilenceScope.story, target="moon-1", until=T0, created_at=T0 - timedelta(hours=1)
    )
    outcome = Story(SilenceBook([lifted, expired])).feed("moon-1")
    assert names(outcome) == ["high", "ru-cn"]


def test_events_matching_no_rule_leave_no_state() -> None:
    outcome = Story().feed("other-1", actors=("US",), severity=Severity.low, title="Artemis")
    assert outcome.alerts == [] and outcome.state is None
