"""The story's other languages, for messages: read from the events index at delivery time.

An alert names one article (the one that raised it); the same story told by other feeds in
other languages is in Elasticsearch by then, often already when the alert is delivered,
because the worker indexes events while it alerts. The lookup is an enrichment only: when
Elasticsearch is slow or away the message goes out without it (one warning per outage, not
one per alert), never later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from elasticsearch import ApiError, TransportError

from orbitwatch.core.elastic import make_async_client
from orbitwatch.core.redact import redact_text
from orbitwatch.core.settings import Settings
from schemas import Alert
from schemas.indices.names import IndexNames
from streams.notify.render import StoryContext, StoryTitle

log = logging.getLogger(__name__)

MAX_MEMBERS = 50  # story members read per lookup
LOOKUP_TIMEOUT_S = 3.0


def other_languages(alert: Alert, members: Iterable[Mapping[str, Any]]) -> list[StoryTitle]:
    """One title per language the alert's own article is not in, earliest member first.
    The alert's own language is that of the member carrying its headline."""
    members = [m for m in members if m.get("title") and m.get("language")]
    own = {m["language"] for m in members if m["title"] == alert.title}
    seen: set[str] = set(own)
    titles = []
    for member in members:
        language = str(member["language"])
        if language in seen or member["title"] == alert.title:
            continue
        seen.add(language)
        url = member.get("url")
        titles.append(StoryTitle(language, str(member["title"]), str(url) if url else None))
    return titles


class StoryTitles:
    """``await lookup(alert)``: the alert's story in other languages, from the events index."""

    def __init__(self, settings: Settings) -> None:
        self.index = IndexNames(settings.index_prefix).events_alias
        self.client = make_async_client(settings, request_timeout=LOOKUP_TIMEOUT_S)
        self._failing = False

    async def __call__(self, alert: Alert) -> StoryContext:
        if not alert.story_id:
            return StoryContext()
        try:
            response = await self.client.search(
                index=self.index,
                size=MAX_MEMBERS,
                query={"term": {"story_id": alert.story_id}},
                source_includes=["title", "language", "url"],
                sort=[{"fetched_at": "asc"}],
                ignore_unavailable=True,
            )
        except (ApiError, TransportError) as exc:
            if not self._failing:
                log.warning(
                    "story lookup in Elasticsearch failed (%s); messages go out without the "
                    "story's other languages until it answers",
                    redact_text(str(exc)),
                )
            self._failing = True
            return StoryContext()
        if self._failing:
            log.info("story lookup in Elasticsearch answers again")
            self._failing = False
        hits = response.body.get("hits", {}).get("hits", [])
        return StoryContext(tuple(other_languages(alert, (h["_source"] for h in hits))))

    async def close(self) -> None:
        await self.client.close()
