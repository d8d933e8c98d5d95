"""Classified events and rule sets for the alerting tests (unit and integration)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from schemas import (
    Article,
    Classification,
    ClassifiedEvent,
    EventType,
    FeedRef,
    Relation,
    Severity,
)
from streams.alerting.rules import RuleDefaults, RuleSet, parse_rules

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

LUNAR_TITLE = "Russia and China to build a nuclear power plant on the Moon by 2035"
LUNAR_SUMMARY = (
    "Roscosmos said the reactor would power the International Lunar Research Station "
    "that Russia and China are building together."
)


def make_event(
    article_id: str = "moon-1",
    story_id: str | None = None,
    *,
    severity: Severity = Severity.high,
    at: datetime = T0,
    title: str = LUNAR_TITLE,
    summary: str = LUNAR_SUMMARY,
    actors: tuple[str, ...] = ("RU", "CN"),
    event_types: tuple[EventType, ...] = (EventType.lunar, EventType.nuclear),
    relation: Relation = Relation.cooperation,
    relevant: bool = True,
    feed_id: str = "wire-a",
    language: str = "en",
    duplicate_of: str | None = None,
) -> ClassifiedEvent:
    return ClassifiedEvent(
        article=Article(
            id=article_id,
            feed_id=feed_id,
            url=f"https://news.example.org/{article_id}",
            title=title,
            summary=summary,
            language=language,
            published_at=at - timedelta(minutes=10),
            fetched_at=at - timedelta(minutes=1),
            source=FeedRef(feed_id=feed_id, name="Example Wire", url="https://example.org/f"),
        ),
        classification=Classification(
            relevant=relevant,
            relation=relation,
            actors=list(actors),
            event_types=list(event_types),
            severity=severity,
            score=0.9,
            classifier_version="test-1",
        ),
        story_id=story_id or article_id,
        duplicate_of=duplicate_of,
        classified_at=at,
    )


def rule_set(*rules: dict[str, Any], **defaults: Any) -> RuleSet:
    return parse_rules({"rules": list(rules)}, "<test>", RuleDefaults(**defaults))
