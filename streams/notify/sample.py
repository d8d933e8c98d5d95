"""The sample alert: what ``orbitwatch notify test`` sends and what every template is
rendered with at start-up. It looks like a real story alert (actors, types, evidence, a
source, the story in two other languages) so a template is exercised as it will be."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas import Alert, AlertKind, EventType, Evidence, Relation, Severity, make_alert_id
from streams.notify.render import StoryContext, StoryTitle

SAMPLE_STORY_ID = "sample-story"
_AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def sample_alert() -> Alert:
    title = "Sample alert: two states agree to build a power station on the Moon"
    return Alert(
        alert_id=make_alert_id("sample", "orbitwatch notify test"),
        kind=AlertKind.match,
        rule="notify-test",
        rule_description="A sample sent by orbitwatch notify test",
        severity=Severity.high,
        title=title,
        titles=[title],
        story_id=SAMPLE_STORY_ID,
        actors=["CN", "RU"],
        actor_pairs=["CN-RU"],
        event_types=[EventType.lunar, EventType.nuclear],
        relation=Relation.cooperation,
        evidence=[
            Evidence(
                kind="event_type", value="lunar", term="Moon", field="title", start=63, end=67
            ),
            Evidence(
                kind="event_type",
                value="nuclear",
                term="power station",
                field="title",
                start=42,
                end=55,
            ),
        ],
        source_urls=["https://news.example.org/sample-lunar-power-station"],
        feed_ids=["sample"],
        alerted_at=_AT,
        fetched_at=_AT,
    )


def sample_story() -> StoryContext:
    return StoryContext(
        other_languages=(
            StoryTitle("ru", "Пример: лунная электростанция к 2035 году"),
            StoryTitle("zh", "示例：月球电站将于2035年前建成"),
        )
    )
