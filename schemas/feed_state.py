"""Per-feed connector state: HTTP validators, recently seen ids, and health.

Kept in a compacted Kafka topic keyed by feed id, so a restarted connector resumes where it
stopped: it neither re-emits entries it already produced nor misses new ones.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, Field

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
    poll_interval_s: float | None = Field(
        default=None, description="Seconds until the next poll, as last decided"
    )
    interval_reason: str | None = Field(
        default=None,
        description="Why that interval: learned rate, server hint, back-off, pushed, fixed",
    )
    pushed: bool = Field(
        default=False, description="A push subscription is active: polling is a safety net"
    )
    requests_per_hour: float | None = Field(
        default=None, description="Requests to this feed per hour (recent, decayed average)"
    )
    entries_per_hour: float | None = Field(
        default=None, description="Learned publication rate, new entries per hour"
    )

    websub: str | None = Field(
        default=None,
        description=(
            "WebSub push: active, pending, renewing, denied, silent, expired or unsubscribed;"
            " none when the feed names no hub or push is off"
        ),
    )


class FeedHints(BaseModel):
    """What the server last said about how often to ask (connectors/hints.py reads them).
    Absolute times, so that they still hold after a restart."""

    not_before: UtcDatetime | None = Field(
        default=None, description="No request before this time (max-age, Expires, ttl)"
    )
    not_before_reason: str | None = None
    ttl_s: float | None = Field(default=None, description="RSS ttl, in seconds")
    update_period_s: float | None = Field(
        default=None, description="sy:updatePeriod / sy:updateFrequency, in seconds"
    )
    skip_hours: list[int] = Field(default_factory=list, description="RSS skipHours (UTC)")
    skip_days: list[int] = Field(
        default_factory=list, description="RSS skipDays, 0 = Monday ... 6 = Sunday"
    )


class FeedSchedule(BaseModel):
    """The learned publication rhythm of one feed (connectors/rhythm.py).

    Counts decay exponentially with time, so they describe the recent past; absent from
    records written before adaptive polling, which then start from nothing."""

    new_entries: float = Field(default=0.0, description="Decayed count of new entries seen")
    observed_hours: float = Field(default=0.0, description="Decayed hours of observation")
    requests: float = Field(default=0.0, description="Decayed count of requests made")
    requested_hours: float = Field(
        default=0.0, description="Decayed hours since the first request (requests' exposure)"
    )
    by_hour: list[float] = Field(
        default_factory=lambda: [0.0] * 24,
        description="Decayed new entries by UTC hour of publication",
    )
    last_observed_at: UtcDatetime | None = Field(
        default=None, description="Last successful poll (entries' clock)"
    )
    last_request_at: UtcDatetime | None = Field(
        default=None, description="Last request (requests' clock)"
    )
    hints: FeedHints = Field(default_factory=FeedHints)


WebSubStatus = Literal["requested", "active", "denied", "unsubscribed"]


class WebSubSubscription(Message):
    """One WebSub subscription of the connector (the subscriber) at a hub, kept with the
    feed's state so that a restart neither forgets a lease nor answers a hub blindly."""

    hub: str = Field(description="Hub URL the subscription was asked of")
    topic: str = Field(description="Topic (self) URL the hub distributes")
    token: str = Field(description="Random path segment of this subscription's callback URL")
    secret: str = Field(
        repr=False, description="HMAC key given to the hub as hub.secret (never logged)"
    )
    status: WebSubStatus = "requested"
    awaiting: Literal["subscribe", "unsubscribe"] | None = Field(
        default=None, description="The request whose verification of intent we would answer"
    )
    requested_at: UtcDatetime | None = None
    attempts: int = Field(default=0, description="Requests since the last verified one")
    verified_at: UtcDatetime | None = None
    lease_seconds: int | None = None
    expires_at: UtcDatetime | None = None
    last_push_at: UtcDatetime | None = None
    pushes: int = 0
    rejected_pushes: int = 0
    last_error: str | None = Field(default=None, description="Hub refusal, denial reason ...")


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
    schedule: FeedSchedule = Field(
        default_factory=FeedSchedule, description="Learned rhythm and server hints"
    )
    updated_at: UtcDatetime
    websub: WebSubSubscription | None = Field(
        default=None, description="The feed's WebSub subscription, when it has a hub"
    )
