"""What the worker remembers about a story: enough to recognise later members of it.

Stored in a faust table (changelog-backed) keyed by ``story:<id>``; the alerting and
indexing stages read the same model to build one story document per story id.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from schemas.base import Message, UtcDatetime
from schemas.classification import Severity


class StoryRecord(Message):
    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: Literal[1] = 1

    story_id: str
    first_seen: UtcDatetime
    last_seen: UtcDatetime
    article_ids: list[str] = Field(default_factory=list, description="Newest last, bounded")
    article_count: int = 0
    signatures: dict[str, list[int]] = Field(
        default_factory=dict, description="MinHash signature per recent member article, bounded"
    )
    concepts: list[str] = Field(
        default_factory=list, description="Language-independent cues, e.g. actor:RU, type:lunar"
    )
    actors: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    feeds: list[str] = Field(default_factory=list)
    max_severity: Severity = Severity.none


class StoryPointers(Message):
    """Story ids filed under one lookup key (a fingerprint band or an actor set)."""

    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: Literal[1] = 1

    story_ids: list[str] = Field(default_factory=list, description="Newest last, bounded")
