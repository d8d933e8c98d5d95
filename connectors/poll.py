"""One poll of one feed: fetch, parse, normalize. No Kafka, no state writes.

The result says what happened; deciding what to emit and remember is the runner's job.
The same function serves ``orbitwatch feeds check`` and the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from connectors.errors import FeedError
from connectors.feedlist import FeedConfig
from connectors.fetch import Fetcher, FetchResult, Validators
from connectors.normalize import normalize_feed
from connectors.parse import ParsedFeed, ParserPool
from schemas import Article, utc_now


@dataclass
class PollResult:
    feed: FeedConfig
    started_at: datetime
    fetch: FetchResult | None = None
    parsed: ParsedFeed | None = None
    articles: list[Article] = field(default_factory=list)
    error: FeedError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def not_modified(self) -> bool:
        return self.fetch is not None and self.fetch.not_modified

    @property
    def status(self) -> int | None:
        if self.fetch is not None:
            return self.fetch.status
        return getattr(self.error, "status", None)

    @property
    def entries(self) -> int:
        return len(self.parsed.entries) if self.parsed else 0

    @property
    def problems(self) -> list[str]:
        problems = list(self.parsed.problems) if self.parsed else []
        if self.fetch is not None and self.fetch.permanent_redirect:
            problems.append(f"permanently moved to {self.fetch.permanent_redirect}")
        return problems


async def poll_feed(
    feed: FeedConfig,
    fetcher: Fetcher,
    parsers: ParserPool,
    validators: Validators | None = None,
) -> PollResult:
    """Fetch, parse and normalize one feed. Feed failures end up in ``result.error``;
    anything else (a bug) propagates."""
    result = PollResult(feed=feed, started_at=utc_now())
    try:
        result.fetch = await fetcher.fetch(
            feed.url, validators=validators, allow_private=feed.allow_private
        )
        if result.fetch.not_modified:
            return result
        result.parsed = await parsers.parse(
            result.fetch.body,
            url=result.fetch.url,
            content_type=result.fetch.content_type,
            content_language=result.fetch.content_language,
        )
        result.articles = normalize_feed(
            result.parsed,
            feed,
            fetched_at=result.started_at,
            document_url=result.fetch.url,
            content_language=result.fetch.content_language,
        )
    except FeedError as exc:
        result.error = exc
    return result
