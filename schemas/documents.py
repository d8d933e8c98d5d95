"""The documents orbitwatch writes to Elasticsearch, built from the messages on Kafka.

Every JSON document in Elasticsearch comes from one of these models (``to_bytes``), never
from a hand-built dict, and the index mappings are generated from them
(:mod:`schemas.indices.mapping`), so a field cannot exist in one and not the other.

- :class:`EventDocument`: one per classified article, ``_id`` = article id.
- Both carry ``search_text``, computed from their text and its language
  (:mod:`schemas.indices.search_text`): what free-text search looks in, whatever the
  language and whatever analyzers the cluster lacks. Computed, never read back: a document
  re-parsed and written again (``orbitwatch es reindex``) gets the current normalization.
- :class:`StoryDocument`: one per story, ``_id`` = story id, rewritten whole as articles
  join. It doubles as the indexing worker's aggregate state (a faust table holds its JSON),
  so it carries the bounded list of member article ids that keeps replays from inflating
  the counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field, computed_field

from schemas.base import Message, UtcDatetime
from schemas.classification import (
    Classification,
    ClassifiedEvent,
    EventType,
    Evidence,
    Relation,
    Severity,
)
from schemas.indices.search_text import document_search_text

MAX_STORY_MEMBERS = 500
MAX_STORY_URLS = 50
MAX_STORY_SOURCES = 100


class FullText:
    """Field marker: analysed text with an exact ``.keyword`` sub-field, not just a keyword."""

    def __repr__(self) -> str:
        return "FullText()"


SearchableText = Annotated[str, FullText()]


class SearchTokens:
    """Field marker: normalized tokens (:mod:`schemas.indices.search_text`), indexed as
    they are (the ``whitespace`` analyzer, present on every cluster)."""

    def __repr__(self) -> str:
        return "SearchTokens()"


NormalizedText = Annotated[str, SearchTokens()]


class Document(Message):
    """A document body. Field aliases (``@timestamp``) are the names in Elasticsearch."""

    model_config = ConfigDict(serialize_by_alias=True)


class EventDocument(Document):
    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: Literal[1] = 1

    timestamp: UtcDatetime = Field(
        alias="@timestamp", description="Published time, else fetched time; picks the index"
    )
    article_id: str
    story_id: str
    duplicate_of: str | None = None
    title: SearchableText = ""
    summary: SearchableText = ""
    url: str | None = None
    feed_id: str
    feed_name: str
    language: str | None = None
    published_at: UtcDatetime | None = None
    fetched_at: UtcDatetime
    classified_at: UtcDatetime
    relevant: bool
    relation: Relation
    actors: list[str] = Field(default_factory=list)
    actor_pairs: list[str] = Field(default_factory=list, description="e.g. CN-RU")
    event_types: list[EventType] = Field(default_factory=list)
    severity: Severity
    score: float
    evidence: list[Evidence] = Field(default_factory=list)
    classifier_version: str

    @computed_field(description="Title and summary normalized for search (stems, bigrams)")
    def search_text(self) -> NormalizedText:
        return document_search_text((self.title, self.summary), self.language)

    @classmethod
    def from_event(cls, event: ClassifiedEvent) -> EventDocument:
        article, classification = event.article, event.classification
        return cls(
            timestamp=event_time(event),
            article_id=article.id,
            story_id=event.story_id,
            duplicate_of=event.duplicate_of,
            title=article.title,
            summary=article.summary,
            url=article.url,
            feed_id=article.feed_id,
            feed_name=article.source.name if article.source else article.feed_id,
            language=article.language,
            published_at=article.published_at,
            fetched_at=article.fetched_at,
            classified_at=event.classified_at,
            **classification_fields(classification),
        )


def classification_fields(classification: Classification) -> dict[str, Any]:
    """The fields of an event document that the classification decides (and a
    re-classification replaces)."""
    return {
        "relevant": classification.relevant,
        "relation": classification.relation,
        "actors": classification.actors,
        "actor_pairs": classification.actor_pairs,
        "event_types": classification.event_types,
        "severity": classification.severity,
        "score": classification.score,
        "evidence": classification.evidence,
        "classifier_version": classification.classifier_version,
    }


def event_time(event: ClassifiedEvent) -> datetime:
    """When the event happened as far as we know: fixed per article, so replays agree."""
    return event.article.published_at or event.article.fetched_at


class ClassificationSummary(Message):
    """A story's latest classification, without the evidence (that stays on the events)."""

    article_id: str
    relevant: bool
    relation: Relation
    actors: list[str] = Field(default_factory=list)
    event_types: list[EventType] = Field(default_factory=list)
    severity: Severity
    score: float
    classifier_version: str
    classified_at: UtcDatetime

    @classmethod
    def of(cls, event: ClassifiedEvent) -> ClassificationSummary:
        c: Classification = event.classification
        return cls(
            article_id=event.article.id,
            relevant=c.relevant,
            relation=c.relation,
            actors=c.actors,
            event_types=c.event_types,
            severity=c.severity,
            score=c.score,
            classifier_version=c.classifier_version,
            classified_at=event.classified_at,
        )


class StoryDocument(Document):
    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: Literal[1] = 1

    timestamp: UtcDatetime = Field(alias="@timestamp", description="Last seen: latest activity")
    story_id: str
    title: SearchableText = Field(default="", description="Title of the earliest article")
    title_language: str | None = Field(default=None, description="Language of the title")
    first_article_id: str
    first_seen: UtcDatetime
    last_seen: UtcDatetime
    updated_at: UtcDatetime = Field(description="classified_at of the newest member")
    article_count: int = 0
    article_ids: list[str] = Field(default_factory=list, description="Newest last, bounded")
    feed_ids: list[str] = Field(default_factory=list)
    feed_names: list[str] = Field(default_factory=list)
    urls: list[str] = Field(default_factory=list, description="Newest last, bounded")
    languages: list[str] = Field(default_factory=list)
    relevant: bool = False
    actors: list[str] = Field(default_factory=list)
    actor_pairs: list[str] = Field(default_factory=list)
    event_types: list[EventType] = Field(default_factory=list)
    max_severity: Severity = Severity.none
    latest_classification: ClassificationSummary

    @computed_field(description="The title normalized for search (stems, bigrams)")
    def search_text(self) -> NormalizedText:
        return document_search_text((self.title,), self.title_language)

    @classmethod
    def start(cls, story_id: str, event: ClassifiedEvent) -> StoryDocument:
        """An empty story seeded from its first member; :meth:`absorb` then counts it."""
        at = event_time(event)
        story = cls(
            timestamp=at,
            story_id=story_id,
            title=event.article.title,
            title_language=event.article.language,
            first_article_id=event.article.id,
            first_seen=at,
            last_seen=at,
            updated_at=event.classified_at,
            latest_classification=ClassificationSummary.of(event),
        )
        story.absorb(event)
        return story

    def absorb(self, event: ClassifiedEvent) -> bool:
        """Add one member article. Returns False (and changes nothing) for a known member."""
        article, classification = event.article, event.classification
        if article.id in self.article_ids:
            return False
        at = event_time(event)
        if at < self.first_seen:
            self.first_seen, self.title, self.first_article_id = at, article.title, article.id
            self.title_language = article.language
        if at >= self.last_seen:
            self.last_seen = at
            self.latest_classification = ClassificationSummary.of(event)
        self.timestamp = self.last_seen
        self.updated_at = max(self.updated_at, event.classified_at)
        self.article_count += 1
        self.article_ids = [*self.article_ids, article.id][-MAX_STORY_MEMBERS:]
        feed_name = article.source.name if article.source else article.feed_id
        self.feed_ids = _union(self.feed_ids, [article.feed_id])[:MAX_STORY_SOURCES]
        self.feed_names = _union(self.feed_names, [feed_name])[:MAX_STORY_SOURCES]
        if article.url and article.url not in self.urls:
            self.urls = [*self.urls, article.url][-MAX_STORY_URLS:]
        if article.language:
            self.languages = _union(self.languages, [article.language])
        self.relevant = self.relevant or classification.relevant
        self.actors = _union(self.actors, classification.actors)
        self.actor_pairs = _union(self.actor_pairs, classification.actor_pairs)
        self.event_types = sorted(set(self.event_types) | set(classification.event_types))
        if classification.severity.rank > self.max_severity.rank:
            self.max_severity = classification.severity
        return True


def _union(current: list[str], new: list[str]) -> list[str]:
    return sorted(set(current) | set(new))
