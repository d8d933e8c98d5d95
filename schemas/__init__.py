"""The pydantic messages every stage agrees on. Each carries a ``schema_version``."""

from schemas.alert import Alert, AlertKind, DigestMember, make_alert_id
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
from schemas.feed_state import FeedHealth, FeedHints, FeedSchedule, FeedState
from schemas.silence import Silence, SilenceScope

__all__ = [
    "Alert",
    "AlertKind",
    "Article",
    "Classification",
    "ClassifiedEvent",
    "DigestMember",
    "EventType",
    "Evidence",
    "FeedHealth",
    "FeedHints",
    "FeedRef",
    "FeedSchedule",
    "FeedState",
    "Message",
    "Relation",
    "Severity",
    "Silence",
    "SilenceScope",
    "UtcDatetime",
    "make_alert_id",
    "utc_now",
]
