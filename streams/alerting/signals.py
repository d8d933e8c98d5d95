"""Records on the alerting stage's internal single-partition topic.

The story stage (partitioned like ``events.classified``) forwards what needs a global view to
one partition: events to count for frequency/spike rules, story alerts to fold into digests,
and activity for flatline rules. A timer adds ticks, so time-driven decisions (a digest
period ended, a feed went silent) are taken inside the stream, where faust tables may change.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field

from schemas import Alert, EventType, Severity
from schemas.base import Message, UtcDatetime


class CountedEvent(BaseModel):
    """One event counted by an aggregate rule for one group."""

    type: Literal["counted"] = "counted"
    rule: str
    group: str
    at: UtcDatetime = Field(description="When the event was classified")
    story_id: str
    article_id: str
    title: str
    severity: Severity
    url: str | None = None
    actors: list[str] = Field(default_factory=list)
    event_types: list[EventType] = Field(default_factory=list)
    feed_id: str


class DigestEntry(BaseModel):
    """A story alert of a digest rule, to be sent as part of the rule's next digest."""

    type: Literal["digest_entry"] = "digest_entry"
    alert: Alert


class Activity(BaseModel):
    """Something arrived: the pipeline (``feed_id`` None) or one feed is alive at ``at``.

    ``produced`` is False for a feed health report without new articles: the feed is known
    (so it can be watched) but that report is no sign of life.
    """

    type: Literal["activity"] = "activity"
    feed_id: str | None = None
    at: UtcDatetime
    produced: bool = True


class Tick(BaseModel):
    type: Literal["tick"] = "tick"
    at: UtcDatetime


Signal = Annotated[CountedEvent | DigestEntry | Activity | Tick, Field(discriminator="type")]


class AlertSignal(Message):
    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: Literal[1] = 1

    signal: Signal
