"""Event and story documents built from classified events; monthly index names."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from schemas import (
    Article,
    Classification,
    ClassifiedEvent,
    EventType,
    Evidence,
    FeedRef,
    Relation,
    Severity,
)
from schemas.documents import MAX_STORY_MEMBERS, EventDocument, StoryDocument
from schemas.indices.names import IndexNames

pytestmark = pytest.mark.unit

AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _event(
    aid: str,
    at: datetime = AT,
    actors: tuple[str, ...] = ("CN", "RU"),
    types: tuple[EventType, ...] = (EventType.lunar,),
    severity: Severity = Severity.medium,
    feed: str = "wire-a",
    published: bool = True,
) -> ClassifiedEvent:
    return ClassifiedEvent(
        article=Article(
            id=aid,
            feed_id=feed,
            url=f"https://news.example/{aid}",
            title=f"title of {aid}",
            summary="summary",
            language="en",
            published_at=at if published else None,
            fetched_at=at + timedelta(hours=1),
            source=FeedRef(feed_id=feed, name=f"Feed {feed}", url="https://news.example/rss"),
        ),
        classification=Classification(
            relevant=True,
            relation=Relation.cooperation,
            actors=list(actors),
            event_types=list(types),
            severity=severity,
            score=0.8,
            evidence=[Evidence(kind="actor", value="RU", term="Russia", start=0, end=6)],
            classifier_version="v1",
        ),
        story_id="story-1",
        classified_at=at + timedelta(hours=2),
    )


def test_event_document_carries_facets_and_serializes_timestamp_by_alias() -> None:
    document = EventDocument.from_event(_event("a1"))
    body = json.loads(document.to_bytes())
    assert body["@timestamp"] == "2026-11-24T09:00:00Z"
    assert "timestamp" not in body
    assert body["actor_pairs"] == ["CN-RU"]
    assert body["feed_name"] == "Feed wire-a"
    assert body["evidence"][0]["value"] == "RU"
    assert body["story_id"] == "story-1" and body["article_id"] == "a1"
    # What Elasticsearch hands back parses into the same model.
    assert EventDocument.from_obj(body) == document


def test_event_time_falls_back_to_fetch_time() -> None:
    document = EventDocument.from_event(_event("a1", published=False))
    assert document.timestamp == AT + timedelta(hours=1)


def test_index_name_is_the_month_of_the_event_in_utc() -> None:
    names = IndexNames("ow")
    assert names.events_index(AT) == "ow-events-2026.11"
    # 00:30 on 1 December in UTC+2 is still November in UTC.
    local = datetime(2026, 12, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    assert names.events_index(local) == "ow-events-2026.11"
    assert names.events_alias == "ow-events" and names.events_pattern == "ow-events-*"
    assert names.stories_index.startswith(names.stories_alias + "-")
    # Replays recompute the same index from the same event.
    event = _event("a1")
    first = names.events_index(EventDocument.from_event(event).timestamp)
    again = names.events_index(EventDocument.from_event(event.model_copy()).timestamp)
    assert first == again


def test_story_aggregates_members_and_ignores_replays() -> None:
    first = _event("a1", at=AT, severity=Severity.medium)
    later = _event(
        "a2",
        at=AT + timedelta(hours=3),
        actors=("CN", "RU", "US"),
        types=(EventType.nuclear,),
        severity=Severity.high,
        feed="wire-b",
    )
    story = StoryDocument.start("story-1", first)
    assert story.article_count == 1
    assert story.absorb(later)
    assert not story.absorb(later)  # replay
    assert not story.absorb(first)
    assert story.article_count == 2
    assert story.article_ids == ["a1", "a2"]
    assert story.title == "title of a1" and story.first_article_id == "a1"
    assert story.first_seen == AT and story.last_seen == AT + timedelta(hours=3)
    assert story.timestamp == story.last_seen
    assert story.max_severity is Severity.high
    assert story.actors == ["CN", "RU", "US"]
    assert story.actor_pairs == ["CN-RU", "CN-US", "RU-US"]
    assert story.event_types == [EventType.lunar, EventType.nuclear]
    assert story.feed_ids == ["wire-a", "wire-b"]
    assert story.feed_names == ["Feed wire-a", "Feed wire-b"]
    assert story.urls == ["https://news.example/a1", "https://news.example/a2"]
    assert story.latest_classification.article_id == "a2"


def test_an_earlier_member_arriving_late_becomes_the_title() -> None:
    story = StoryDocument.start("story-1", _event("late", at=AT))
    story.absorb(_event("early", at=AT - timedelta(hours=5), severity=Severity.low))
    assert story.title == "title of early" and story.first_article_id == "early"
    assert story.first_seen == AT - timedelta(hours=5)
    assert story.latest_classification.article_id == "late"  # still the newest
    assert story.max_severity is Severity.medium


def test_story_member_list_is_bounded_and_round_trips() -> None:
    story = StoryDocument.start("story-1", _event("m0"))
    for i in range(1, MAX_STORY_MEMBERS + 10):
        story.absorb(_event(f"m{i}", at=AT + timedelta(minutes=i)))
    assert len(story.article_ids) == MAX_STORY_MEMBERS
    assert story.article_ids[-1] == f"m{MAX_STORY_MEMBERS + 9}"
    assert story.article_count == MAX_STORY_MEMBERS + 10
    assert StoryDocument.from_bytes(story.to_bytes()) == story


def _in_russian(event: ClassifiedEvent, title: str, at: datetime) -> ClassifiedEvent:
    article = event.article.model_copy(
        update={"title": title, "summary": "", "language": "ru", "published_at": at}
    )
    return event.model_copy(update={"article": article})


def test_documents_carry_search_text_computed_in_their_language() -> None:
    event = _in_russian(_event("ru-1"), "Наземные станции ГЛОНАСС", AT)
    document = EventDocument.from_event(event)
    assert document.search_text == "наземн станц глонасс"
    body = json.loads(document.to_bytes())
    assert body["search_text"] == "наземн станц глонасс"
    # computed, never read back: a stale stored value is replaced on the next write
    reread = EventDocument.from_obj(body | {"search_text": "stale"})
    assert reread.search_text == "наземн станц глонасс"


def test_a_story_searches_its_title_in_the_title_language() -> None:
    story = StoryDocument.start("story-1", _event("en-1", at=AT + timedelta(hours=1)))
    assert story.title_language == "en"
    earlier = _in_russian(_event("ru-1"), "Станции ГЛОНАСС", AT)
    story.absorb(earlier)  # an earlier member becomes the title, with its language
    assert (story.title, story.title_language) == ("Станции ГЛОНАСС", "ru")
    assert story.search_text == "станц глонасс"
