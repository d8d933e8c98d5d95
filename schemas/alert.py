"""An alert, as published on the ``alerts`` topic (keyed by alert id) and indexed by id.

The alert id is deterministic: it is derived from what the alert is about (rule, story or
group, and which alert of that series it is), never from the clock or a random number. A
replay after a crash therefore produces the *same* id again, and every consumer (webhooks,
the alerts index, terminals) can drop a repeat by id.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from schemas.base import Message, UtcDatetime
from schemas.classification import EventType, Evidence, Relation, Severity

ALERT_ID_PREFIX = "al_"


def make_alert_id(*parts: str) -> str:
    """A short stable id from the parts that identify an alert (order matters)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"{ALERT_ID_PREFIX}{digest[:32]}"


class AlertKind(StrEnum):
    match = "match"  # one story matched a rule
    frequency = "frequency"  # at least N matching events within a window
    spike = "spike"  # recent rate far above the baseline rate
    flatline = "flatline"  # a feed or the whole pipeline went silent
    digest = "digest"  # several story alerts of one rule, sent together


class DigestMember(Message):
    """One story alert folded into a digest."""

    alert_id: str = Field(description="Id the alert would have had on its own")
    story_id: str
    article_id: str
    title: str
    severity: Severity
    url: str | None = None
    actors: list[str] = Field(default_factory=list)
    event_types: list[EventType] = Field(default_factory=list)
    published_at: UtcDatetime | None = None
    escalation: bool = False


class Alert(Message):
    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: Literal[1] = 1

    alert_id: str = Field(description="Deterministic id; consumers de-duplicate on it")
    kind: AlertKind
    rule: str = Field(description="Name of the rule that fired")
    rule_description: str = ""
    severity: Severity
    title: str = Field(description="One-line headline for people")
    titles: list[str] = Field(default_factory=list, description="Titles of the articles concerned")
    story_id: str | None = Field(default=None, description="Set for story alerts (match)")
    article_ids: list[str] = Field(default_factory=list, description="Newest last, bounded")
    actors: list[str] = Field(default_factory=list)
    actor_pairs: list[str] = Field(default_factory=list, description="e.g. CN-RU")
    event_types: list[EventType] = Field(default_factory=list)
    relation: Relation | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    source_urls: list[str] = Field(default_factory=list)
    feed_ids: list[str] = Field(default_factory=list)
    classifier_version: str | None = None
    published_at: UtcDatetime | None = Field(default=None, description="Of the triggering article")
    fetched_at: UtcDatetime | None = None
    classified_at: UtcDatetime | None = None
    alerted_at: UtcDatetime
    sequence: int = Field(
        default=0, ge=0, description="How many alerts this rule sent before for the same subject"
    )
    escalation: bool = Field(default=False, description="The story's severity rose")
    previous_severity: Severity | None = Field(
        default=None, description="Severity of the previous alert of this story (escalations)"
    )
    group: str | None = Field(
        default=None, description="What an aggregate counts by (CN-RU, lunar, a feed id, ...)"
    )
    window_start: UtcDatetime | None = None
    window_end: UtcDatetime | None = None
    count: int | None = Field(default=None, description="Events in the window (aggregates)")
    expected: float | None = Field(
        default=None, description="Events the baseline rate predicts for the window (spike)"
    )
    silent_since: UtcDatetime | None = Field(default=None, description="Last activity (flatline)")
    members: list[DigestMember] = Field(default_factory=list, description="Digest contents")

    @property
    def latency(self) -> timedelta | None:
        """Fetch to alert: how long the pipeline took to raise this alert."""
        return self.alerted_at - self.fetched_at if self.fetched_at else None
