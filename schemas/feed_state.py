"""Per-feed connector state: HTTP validators, recently seen ids, and health.

Kept in a compacted Kafka topic keyed by feed id, so a restarted connector resumes where it
stopped: it neither re-emits entries it already produced nor misses new ones.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from schemas.base import Message, UtcDatetime


class FeedHealth(Message):
    feed_id: str | None = Field(default=None, description="Set when published on its own")
    feed_name: str | None = None
    last_attempt_at: UtcDatetime | None = None
    last_success_at: UtcDatetime | None = None
    last_error_at: UtcDatetime | None = None
    last_error_kind: str | None = Field(default=None, description="Named error, e.g. timeout")
    last_error: str | None = None
    consecutive_failures: int = 0
    entries_seen: int = Field(default=0, description="Entries parsed over the feed's lifetime")
    articles_produced: int = 0
    last_status: int | None = Field(default=None, description="Last HTTP status")
    problems: list[str] = Field(default_factory=list, description="Parser warnings (bozo)")
    next_poll_at: UtcDatetime | None = None
    dormant: bool = Field(
        default=False, description="Failing for long: re-probed at the slowest pace, not dropped"
    )
    articles_last_poll: int = Field(default=0, description="New articles in the last poll")


class FeedState(Message):
    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: Literal[1] = 1

    feed_id: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    seen_ids: list[str] = Field(
        default_factory=list, description="Most recent article ids, newest last, bounded"
    )
    health: FeedHealth = Field(default_factory=FeedHealth)
    updated_at: UtcDatetime
