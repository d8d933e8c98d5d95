"""Builds :class:`schemas.Alert` messages for each kind, with their deterministic ids.

Id scheme (the parts are hashed, see :func:`schemas.make_alert_id`):

- match:     ``match | rule | story id | sequence | severity`` — sequence counts the alerts
             the rule sent for the story before (0 first, then escalations and re-alerts);
- frequency/spike: ``kind | rule | group | start of the bucket that crossed the threshold``;
- flatline:  ``flatline | rule | target | last activity | sequence``;
- digest:    ``digest | rule | period start``.

None of the parts comes from the wall clock at emission, so the same decision taken again
after a restart yields the same id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from schemas import Alert, AlertKind, ClassifiedEvent, DigestMember, Severity, make_alert_id
from streams.alerting.durations import format_duration
from streams.alerting.rules import FlatlineRule, FrequencyRule, MatchRule, SpikeRule
from streams.alerting.signals import CountedEvent

MAX_LISTED = 50  # titles, ids and URLs listed in one alert


def story_alert(
    rule: MatchRule,
    event: ClassifiedEvent,
    *,
    sequence: int,
    previous_severity: Severity | None,
    article_ids: Sequence[str],
    alerted_at: datetime,
) -> Alert:
    article, c = event.article, event.classification
    escalation = previous_severity is not None and c.severity.rank > previous_severity.rank
    return Alert(
        alert_id=make_alert_id("match", rule.name, event.story_id, str(sequence), c.severity),
        kind=AlertKind.match,
        rule=rule.name,
        rule_description=rule.description,
        severity=c.severity,
        title=article.title or article.url or article.id,
        titles=[article.title] if article.title else [],
        story_id=event.story_id,
        article_ids=list(article_ids)[-MAX_LISTED:],
        actors=c.actors,
        actor_pairs=c.actor_pairs,
        event_types=c.event_types,
        relation=c.relation,
        evidence=c.evidence,
        source_urls=[article.url] if article.url else [],
        feed_ids=[article.feed_id],
        classifier_version=c.classifier_version,
        published_at=article.published_at,
        fetched_at=article.fetched_at,
        classified_at=event.classified_at,
        alerted_at=alerted_at,
        sequence=sequence,
        escalation=escalation,
        previous_severity=previous_severity if escalation else None,
    )


def aggregate_alert(
    rule: FrequencyRule | SpikeRule,
    trigger: CountedEvent,
    *,
    samples: Sequence[CountedEvent],
    window_start: datetime,
    window_end: datetime,
    count: int,
    expected: float | None,
    bucket_start: datetime,
    sequence: int,
    alerted_at: datetime,
) -> Alert:
    kind = AlertKind.frequency if isinstance(rule, FrequencyRule) else AlertKind.spike
    span = _hours(window_end - window_start)
    if expected is None:
        headline = f"{count} {rule.count} on {trigger.group} in {span}"
    else:
        headline = f"{count} {rule.count} on {trigger.group} in {span} (expected {expected:.1f})"
    latest = list(samples)[-MAX_LISTED:]
    return Alert(
        alert_id=make_alert_id(kind, rule.name, trigger.group, bucket_start.isoformat()),
        kind=kind,
        rule=rule.name,
        rule_description=rule.description,
        severity=rule.severity,
        title=headline,
        titles=[s.title for s in latest],
        story_id=None,
        article_ids=[s.article_id for s in latest],
        actors=sorted({a for s in latest for a in s.actors}),
        actor_pairs=[trigger.group] if rule.group_by == "actor_pair" else [],
        event_types=sorted({t for s in latest for t in s.event_types}, key=lambda t: t.value),
        source_urls=[s.url for s in latest if s.url],
        feed_ids=sorted({s.feed_id for s in latest}),
        classified_at=trigger.at,
        alerted_at=alerted_at,
        sequence=sequence,
        group=trigger.group,
        window_start=window_start,
        window_end=window_end,
        count=count,
        expected=expected,
    )


def flatline_alert(
    rule: FlatlineRule,
    *,
    target: str,
    silent_since: datetime,
    silent_for: timedelta,
    sequence: int,
    alerted_at: datetime,
) -> Alert:
    what = "the pipeline" if target == "pipeline" else f"feed {target}"
    return Alert(
        alert_id=make_alert_id(
            "flatline", rule.name, target, silent_since.isoformat(), str(sequence)
        ),
        kind=AlertKind.flatline,
        rule=rule.name,
        rule_description=rule.description,
        severity=rule.severity,
        title=f"nothing from {what} for {_hours(alerted_at - silent_since)} "
        f"(limit {_hours(silent_for)})",
        feed_ids=[] if target == "pipeline" else [target],
        alerted_at=alerted_at,
        sequence=sequence,
        group=target,
        silent_since=silent_since,
        window_start=silent_since,
        window_end=alerted_at,
    )


def digest_alert(
    rule: MatchRule,
    *,
    members: Sequence[Alert],
    period_start: datetime,
    period_end: datetime,
    alerted_at: datetime,
    overflow: int = 0,
) -> Alert:
    """``overflow``: earlier members of the period that were not kept (only counted)."""
    worst = max((m.severity for m in members), key=lambda s: s.rank)
    listed = list(members)[-MAX_LISTED:]
    stories = len({m.story_id for m in members})
    count = len(members) + overflow
    on = f"{stories}+" if overflow else str(stories)
    return Alert(
        alert_id=make_alert_id("digest", rule.name, period_start.isoformat()),
        kind=AlertKind.digest,
        rule=rule.name,
        rule_description=rule.description,
        severity=worst,
        title=f"{rule.name}: {count} alert(s) on {on} story(ies)",
        titles=[m.title for m in listed],
        article_ids=[a for m in listed for a in m.article_ids[-1:]],
        actors=sorted({a for m in members for a in m.actors}),
        actor_pairs=sorted({p for m in members for p in m.actor_pairs}),
        event_types=sorted({t for m in members for t in m.event_types}, key=lambda t: t.value),
        source_urls=[u for m in listed for u in m.source_urls],
        feed_ids=sorted({f for m in members for f in m.feed_ids}),
        alerted_at=alerted_at,
        window_start=period_start,
        window_end=period_end,
        count=count,
        members=[_member(m) for m in listed],
    )


def _member(alert: Alert) -> DigestMember:
    return DigestMember(
        alert_id=alert.alert_id,
        story_id=alert.story_id or "",
        article_id=alert.article_ids[-1] if alert.article_ids else "",
        title=alert.title,
        severity=alert.severity,
        url=alert.source_urls[0] if alert.source_urls else None,
        actors=alert.actors,
        event_types=alert.event_types,
        published_at=alert.published_at,
        escalation=alert.escalation,
    )


def _hours(span: timedelta) -> str:
    return format_duration(timedelta(seconds=round(span.total_seconds() / 60) * 60))
