"""The article as the connector publishes it on ``articles.raw``."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from schemas.base import Message, UtcDatetime


class FeedRef(Message):
    """Where an article came from: enough to show and group by source without a lookup."""

    feed_id: str
    name: str
    url: str
    site_url: str | None = None
    language: str | None = None
    tags: list[str] = Field(default_factory=list)


class Article(Message):
    """One news item, normalized: clean text, UTC dates, canonical URL, stable id."""

    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: Literal[1] = 1

    id: str = Field(
        min_length=1,
        max_length=128,
        description="Stable id: derived from the GUID, else the canonical URL, else a content hash",
    )
    feed_id: str = Field(min_length=1, max_length=200)
    url: str | None = Field(default=None, description="Canonical URL (tracking params removed)")
    title: str = ""
    summary: str = Field(default="", description="Clean text, no markup")
    content: str | None = Field(default=None, description="Clean full text when the feed has it")
    published_at: UtcDatetime | None = Field(
        default=None, description="Publication time in UTC; falls back to fetched_at"
    )
    fetched_at: UtcDatetime
    language: str | None = Field(default=None, description="ISO 639-1 code, e.g. en, ru, zh")
    authors: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    source: FeedRef | None = None

    @property
    def text(self) -> str:
        """Title and lead, the input the classifier reads."""
        return f"{self.title}\n{self.summary}".strip()
