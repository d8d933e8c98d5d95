"""The story stage's decisions, as a pure function: (event, state, silences, now) -> outcome.

For every enabled match rule whose conditions the event meets, per story:

- the first match alerts (sequence 0);
- a later member with a **higher severity** than the last alert escalates: a new alert with
  ``escalation`` and ``previous_severity``, whatever the realert window;
- a later member after the rule's **realert** window (event time) alerts again;
- any other member is only recorded (its article id joins the next alert's list);
- a **silence** on the rule or the story drops the alert and records nothing, so the story
  can alert once the silence ends;
- a rule with **digest** does not publish the alert; it goes to the rule's next digest;
- the event that triggered the last alert coming again (a replay after a crash, before its
  offset was committed) re-emits that same alert, same id: if the first copy was lost with
  the crash it is delivered now; if not, consumers drop the repeat by id.

Aggregate rules get a :class:`CountedEvent` per group the event counts towards. Time in the
realert rule is event time (``classified_at``), so a replay decides exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, Field

from schemas import Alert, ClassifiedEvent, Severity, Silence
from schemas.base import Message, UtcDatetime
from streams.alerting.build import MAX_LISTED, story_alert
from streams.alerting.query import QueryDocument
from streams.alerting.rules import MatchRule, RuleSet, When
from streams.alerting.signals import CountedEvent, DigestEntry
from streams.alerting.silences import SilenceBook


class RuleStoryState(BaseModel):
    """What one rule remembers about one story."""

    sequence: int = Field(description="Alerts sent so far for this story and rule")
    alerted_severity: Severity
    last_alerted_at: UtcDatetime = Field(description="Event time of the last alert")
    trigger_article_id: str
    article_ids: list[str] = Field(default_factory=list, description="Members matched, bounded")
    last_alert: Alert


class StoryAlertState(Message):
    """Table value (JSON text) per story id: the state of every rule that matched it."""

    story_id: str
    last_event_at: UtcDatetime
    rules: dict[str, RuleStoryState] = Field(default_factory=dict)


@dataclass
class Outcome:
    alerts: list[Alert] = field(default_factory=list)  # publish now
    digest_entries: list[DigestEntry] = field(default_factory=list)
    counted: list[CountedEvent] = field(default_factory=list)
    suppressed: list[tuple[str, Silence]] = field(default_factory=list)  # (rule, silence)
    state: StoryAlertState | None = None  # store when not None


class StoryAlerter:
    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules

    def on_event(
        self,
        event: ClassifiedEvent,
        state: StoryAlertState | None,
        silences: SilenceBook,
        now: datetime,
    ) -> Outcome:
        outcome = Outcome()
        # Built only for a rule whose structured conditions passed and that has a query:
        # folding an article's text costs more than every other check together.
        document: QueryDocument | None = None

        def matches(when: When) -> bool:
            nonlocal document
            if not when.prefilter(event):
                return False
            if when.query is None:
                return True
            if document is None:
                document = QueryDocument.from_event(event)
            return when.matches_query(document)

        rules_state = dict(state.rules) if state else {}
        changed = False
        for rule in self.rules.match:
            if not matches(rule.when):
                continue
            previous = rules_state.get(rule.name)
            updated = self._decide(rule, event, previous, silences, now, outcome)
            if updated is not None:
                rules_state[rule.name] = updated
                changed = True
        for aggregate in self.rules.aggregate:
            if aggregate.counts(event) and matches(aggregate.when):
                outcome.counted.extend(
                    _counted(aggregate.name, group, event) for group in aggregate.groups_of(event)
                )
        if changed:
            outcome.state = StoryAlertState(
                story_id=event.story_id, last_event_at=event.classified_at, rules=rules_state
            )
        return outcome

    def _decide(
        self,
        rule: MatchRule,
        event: ClassifiedEvent,
        previous: RuleStoryState | None,
        silences: SilenceBook,
        now: datetime,
        outcome: Outcome,
    ) -> RuleStoryState | None:
        """Adds to ``outcome``; returns the rule's new state for the story (None: unchanged)."""
        article_id, severity = event.article.id, event.classification.severity
        if previous is not None and previous.trigger_article_id == article_id:
            self._emit(rule, previous.last_alert, outcome)
            return None
        silence = silences.silencing(rule.name, event.story_id, now)
        if silence is not None:
            outcome.suppressed.append((rule.name, silence))
            return None
        members = [*(previous.article_ids if previous else []), article_id][-MAX_LISTED:]
        if previous is not None:
            escalates = severity.rank > previous.alerted_severity.rank
            due = event.classified_at - previous.last_alerted_at >= self.rules.realert(rule)
            if not (escalates or due):
                if article_id in previous.article_ids:
                    return None
                return previous.model_copy(update={"article_ids": members})
        alert = story_alert(
            rule,
            event,
            sequence=previous.sequence if previous else 0,
            previous_severity=previous.alerted_severity if previous else None,
            article_ids=members,
            alerted_at=now,
        )
        self._emit(rule, alert, outcome)
        # The highest severity alerted so far: a re-alert at a lower severity must not make
        # the next high member look like an escalation.
        highest = (
            severity
            if previous is None
            else max(severity, previous.alerted_severity, key=lambda s: s.rank)
        )
        return RuleStoryState(
            sequence=alert.sequence + 1,
            alerted_severity=highest,
            last_alerted_at=event.classified_at,
            trigger_article_id=article_id,
            article_ids=members,
            last_alert=alert,
        )

    def _emit(self, rule: MatchRule, alert: Alert, outcome: Outcome) -> None:
        if self.rules.digest_interval(rule) is None:
            outcome.alerts.append(alert)
        else:
            outcome.digest_entries.append(DigestEntry(alert=alert))


def _counted(rule: str, group: str, event: ClassifiedEvent) -> CountedEvent:
    article, c = event.article, event.classification
    return CountedEvent(
        rule=rule,
        group=group,
        at=event.classified_at,
        story_id=event.story_id,
        article_id=article.id,
        title=article.title,
        severity=c.severity,
        url=article.url,
        actors=c.actors,
        event_types=c.event_types,
        feed_id=article.feed_id,
    )
