"""What the desk reads from Elasticsearch: alert pages, stories, aggregations, searches.

Every read is bounded: alert pages are ``PAGE_SIZE`` long and walk back with
``search_after`` (never ``from`` deep into the index, never a full load), a story page reads
at most ``MAX_STORY_ARTICLES`` articles, searches at most ``MAX_SEARCH`` hits. A missing
index (nothing indexed yet) reads as empty; a cluster that does not answer raises
:class:`StoreUnavailable` with a message naming the address without credentials.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, AsyncElasticsearch, NotFoundError

from connectors.normalize import detect_language
from orbitwatch.core.errors import OrbitwatchError
from orbitwatch.core.redact import redact_text, redact_url
from orbitwatch.core.settings import Settings
from orbitwatch.query import EventQuery
from orbitwatch.web.views import PAGE_SIZE, AlertFilters
from schemas.alert import Alert
from schemas.base import utc_now
from schemas.documents import EventDocument, StoryDocument
from schemas.indices.names import IndexNames

MAX_STORY_ARTICLES = 500
MAX_STORY_ALERTS = 100
MAX_SEARCH = 200
TOP_PAIRS = 10
RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
INTERVALS = {"24h": "1h", "7d": "6h", "30d": "1d"}


class StoreUnavailable(OrbitwatchError):
    """Elasticsearch did not answer (or refused): the page says so and carries on."""


@dataclass
class AlertPage:
    alerts: list[Alert]
    languages: dict[str, list[str]]  # alert id -> languages of its story's articles
    next_cursor: str | None  # older alerts, or None at the end
    total: int


@dataclass
class Story:
    story_id: str
    document: StoryDocument | None
    articles: list[EventDocument]
    alerts: list[Alert] = field(default_factory=list)


def encode_cursor(sort: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(sort).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    """A cursor from a link, or None when absent or not ours (a hand-edited URL)."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except ValueError:
        return None
    ok = isinstance(value, list) and len(value) == 2
    return value if ok and all(isinstance(v, int | str) for v in value) else None


# The detector names Chinese varieties (Wu, Cantonese) where feeds say "zh".
_DETECTED_AS = {"wuu": "zh", "yue": "zh"}


def fallback_languages(alert: Alert) -> list[str]:
    """The languages detected in the alert's titles, when its story is not indexed yet."""
    titles = alert.titles or [alert.title]
    codes = {detect_language(title) for title in titles}
    return sorted({_DETECTED_AS.get(code, code) for code in codes if code})


class Store:
    def __init__(self, settings: Settings, client: AsyncElasticsearch) -> None:
        self.settings = settings
        self.client = client
        self.names = IndexNames(settings.index_prefix)

    async def _search(self, index: str, **body: Any) -> dict[str, Any]:
        try:
            response = await self.client.search(index=index, **body)
        except NotFoundError:
            return {"hits": {"hits": [], "total": {"value": 0}}, "aggregations": {}}
        except (ApiError, TransportError) as exc:
            raise StoreUnavailable(self._describe(exc)) from exc
        return dict(response.body)

    def _describe(self, exc: BaseException) -> str:
        text = " ".join(str(exc).split())[:200]
        return f"Elasticsearch at {redact_url(self.settings.es_url)}: {redact_text(text)}"

    async def ping(self) -> bool:
        try:
            # Cluster health, not ping(): the minimal server has no GET or HEAD on /.
            health = await self.client.cluster.health(timeout="2s")
            return str(health.body.get("status")) in ("green", "yellow")
        except (ApiError, TransportError):
            return False

    # -- alerts --------------------------------------------------------------------------------

    async def alert_page(
        self, filters: AlertFilters, cursor: str | None = None, size: int = PAGE_SIZE
    ) -> AlertPage:
        """Newest first, ``size`` at a time; ``cursor`` continues after the previous page."""
        after = decode_cursor(cursor)
        body: dict[str, Any] = {
            "query": {"bool": {"filter": filters.es_filters()}},
            "size": size + 1,  # one more: is there an older page?
            "sort": [{"alerted_at": {"order": "desc"}}, {"alert_id": {"order": "asc"}}],
            "track_total_hits": 100_000,
        }
        if after is not None:
            body["search_after"] = after
        result = await self._search(self.names.alerts_alias, **body)
        hits = result["hits"]["hits"]
        alerts = [Alert.from_obj(hit["_source"]) for hit in hits[:size]]
        next_cursor = encode_cursor(hits[size - 1]["sort"]) if len(hits) > size else None
        languages = await self.languages(alerts)
        return AlertPage(alerts, languages, next_cursor, int(result["hits"]["total"]["value"]))

    async def languages(self, alerts: Iterable[Alert]) -> dict[str, list[str]]:
        """The languages of each alert's story (from the stories index), else of its titles
        (the story may not be indexed yet when the alert is pushed)."""
        alerts = list(alerts)
        story_ids = sorted({a.story_id for a in alerts if a.story_id})
        by_story: dict[str, list[str]] = {}
        if story_ids:
            try:
                response = await self.client.mget(
                    index=self.names.stories_alias, ids=story_ids, source_includes=["languages"]
                )
                for doc in response.body.get("docs", []):
                    if doc.get("found"):
                        by_story[doc["_id"]] = list(doc["_source"].get("languages") or [])
            except NotFoundError:
                pass
            except (ApiError, TransportError) as exc:
                raise StoreUnavailable(self._describe(exc)) from exc
        found: dict[str, list[str]] = {}
        for alert in alerts:
            found[alert.alert_id] = by_story.get(alert.story_id or "") or fallback_languages(alert)
        return found

    # -- stories -------------------------------------------------------------------------------

    async def story(self, story_id: str) -> Story:
        document_task = asyncio.create_task(self._story_document(story_id))
        articles = await self._search(
            self.names.events_alias,
            query={"term": {"story_id": story_id}},
            size=MAX_STORY_ARTICLES,
            sort=[{"@timestamp": {"order": "asc"}}, {"article_id": {"order": "asc"}}],
        )
        alerts = await self._search(
            self.names.alerts_alias,
            query={"term": {"story_id": story_id}},
            size=MAX_STORY_ALERTS,
            sort=[{"alerted_at": {"order": "desc"}}],
        )
        return Story(
            story_id,
            await document_task,
            [EventDocument.from_obj(h["_source"]) for h in articles["hits"]["hits"]],
            [Alert.from_obj(h["_source"]) for h in alerts["hits"]["hits"]],
        )

    async def _story_document(self, story_id: str) -> StoryDocument | None:
        result = await self._search(
            self.names.stories_alias, query={"term": {"story_id": story_id}}, size=1
        )
        hits = result["hits"]["hits"]
        return StoryDocument.from_obj(hits[0]["_source"]) if hits else None

    # -- overview and search ---------------------------------------------------------------------

    async def overview(
        self, range_name: str, now: datetime | None = None
    ) -> tuple[list[datetime], dict[str, list[int]], list[tuple[str, int]], int]:
        """Relevant events per type per bucket, and the top actor pairs, over the range."""
        now = now or utc_now()
        span = RANGES.get(range_name, RANGES["7d"])
        interval = INTERVALS.get(range_name, INTERVALS["7d"])
        result = await self._search(
            self.names.events_alias,
            size=0,
            query={
                "bool": {
                    "filter": [
                        {"term": {"relevant": True}},
                        {"range": {"@timestamp": {"gte": (now - span).isoformat()}}},
                    ]
                }
            },
            aggs={
                "over_time": {
                    "date_histogram": {
                        "field": "@timestamp",
                        "fixed_interval": interval,
                        "min_doc_count": 0,
                        "extended_bounds": {
                            "min": (now - span).isoformat(),
                            "max": now.isoformat(),
                        },
                    },
                    "aggs": {"types": {"terms": {"field": "event_types", "size": 20}}},
                },
                "pairs": {"terms": {"field": "actor_pairs", "size": TOP_PAIRS}},
            },
        )
        aggregations = result.get("aggregations") or {}
        buckets_raw = (aggregations.get("over_time") or {}).get("buckets", [])
        buckets = [datetime.fromisoformat(b["key_as_string"]) for b in buckets_raw]
        names = sorted({t["key"] for b in buckets_raw for t in b["types"]["buckets"]})
        series = {
            name: [
                next((t["doc_count"] for t in b["types"]["buckets"] if t["key"] == name), 0)
                for b in buckets_raw
            ]
            for name in names
        }
        pairs = [
            (p["key"], int(p["doc_count"]))
            for p in (aggregations.get("pairs") or {}).get("buckets", [])
        ]
        total = int(result["hits"]["total"]["value"])
        return buckets, series, pairs, total

    async def search(self, query: EventQuery) -> tuple[list[EventDocument], int]:
        """The hits of the same request ``orbitwatch search`` sends (:mod:`orbitwatch.query`)."""
        body = query.body()
        result = await self._search(self.names.events_alias, **body)
        docs = [EventDocument.from_obj(h["_source"]) for h in result["hits"]["hits"]]
        return docs, int(result["hits"]["total"]["value"])
