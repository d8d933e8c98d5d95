"""The pydantic messages every stage agrees on. Each carries a ``schema_version``."""

from schemas.article import Article, FeedRef
from schemas.base import Message, UtcDatetime, utc_now
from schemas.classification import (
    Classification,
    ClassifiedEvent,
    EventType,
    Evidence,
    Relation,
    Severity,
)
from schemas.feed_state import FeedHealth, FeedState

__all__ = [
    "Article",
    "Classification",
    "ClassifiedEvent",
    "EventType",
    "Evidence",
    "FeedHealth",
    "FeedRef",
    "FeedState",
    "Message",
    "Relation",
    "Severity",
    "UtcDatetime",
    "utc_now",
]
