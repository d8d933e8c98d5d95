"""The indexing agent: ``events.classified`` -> Elasticsearch (event and story documents).

Each batch of events becomes one event document per article (``_id`` = article id, in the
monthly index of the article's own time, so replays overwrite) and one story document per
story touched (``_id`` = story id, written whole from the aggregate kept in a faust table).
Invalid payloads and documents Elasticsearch refuses for good go to ``events.dlq`` with the
reason in headers; everything else is retried until Elasticsearch takes it.

Batching, pinning each batch until Elasticsearch acknowledged it, retries and the abandon
rule are the index stage's batch-sink agent (``streams/index/sink_agent.py``); this module
only turns a batch into bulk operations and handles the answer.

Story aggregates live in a faust table keyed by story id. ``events.classified`` is keyed by
story id, so a story's events arrive on one partition, in order, at one agent. The table is
written with ``use_partitioner=True`` (the changelog partition follows the key's hash, the
same as the topic's) because inside a ``take_events`` batch faust has no current event to
take the partition from. When a story is not in the table (pruned, or the table is new),
its last document is read back from Elasticsearch, which holds the same model.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import faust
from elastic_transport import TransportError
from elasticsearch import ApiError, AsyncElasticsearch, NotFoundError
from faust.types import EventT

from orbitwatch.core.errors import InvalidMessage
from orbitwatch.core.every import Every
from orbitwatch.core.settings import Settings
from schemas import ClassifiedEvent
from schemas.documents import EventDocument, StoryDocument, event_time
from schemas.topics import EVENTS_CLASSIFIED, EVENTS_DLQ
from streams import metrics
from streams.app import raw_topic
from streams.deadletter import DeadLetters
from streams.index import metrics as sink_metrics
from streams.index.bulk import IndexOperation
from streams.index.elasticsearch import Rejection, request_failure
from streams.index.errors import DocumentRejected
from streams.index.sink_agent import BatchSinkAgent

log = logging.getLogger(__name__)

HEADER_ES_STATUS = "orbitwatch.es.status"
HEADER_ES_INDEX = "orbitwatch.es.index"
PRUNE_EVERY_BATCHES = 500

Origin = EventT | None  # the Kafka event behind an event document; None for story documents


class Indexer:
    """Registers the ``index-events`` agent and its story table on a faust app."""

    def __init__(self, app: faust.App, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.classified = raw_topic(app, settings, EVENTS_CLASSIFIED)
        self.dlq = raw_topic(app, settings, EVENTS_DLQ)
        # story id -> StoryDocument JSON (str values: faust restores those from the changelog)
        self.story_table = app.Table(
            "story-documents",
            partitions=settings.topic_partitions,
            key_type=str,
            value_type=str,
            use_partitioner=True,
        )
        # Stories quiet for longer than this cannot gain members any more (the stories stage
        # forgets them after story_window); twice that leaves room for late articles.
        self.story_retention = settings.story_window * 2
        self.watermark: datetime | None = None
        self._prune = Every(PRUNE_EVERY_BATCHES)
        self._parsed: list[ClassifiedEvent] = []  # of the batch being written
        self.sink: BatchSinkAgent[Origin] = BatchSinkAgent(
            app,
            settings,
            self.classified,
            name="index-events",
            to_operations=self.to_operations,
            answered=self.answered,
        )
        self.names = self.sink.names
        # Dead letters are retried like the bulk writes: abandoned with the batch.
        self.dead_letters = DeadLetters(self.dlq, log, retry=self.sink.retry)

    # -- one batch ------------------------------------------------------------------------

    async def to_operations(
        self, events: Sequence[EventT], client: AsyncElasticsearch
    ) -> list[IndexOperation[Origin]]:
        """The event and story documents of one batch; bad payloads are dead-lettered."""
        parsed: list[tuple[EventT, ClassifiedEvent]] = []
        for event in events:
            try:
                parsed.append((event, ClassifiedEvent.from_bytes(event.value)))
            except InvalidMessage as exc:
                await self.dead_letters.send(event, exc)
        self._parsed = [classified for _, classified in parsed]

        # Stories are about space events: an irrelevant article (its own story, see the
        # pipeline) gets no story document, which halves the writes for most of a stream.
        touched = {c.story_id for _, c in parsed if c.classification.relevant}
        stories = await self._load_stories(touched, client)
        operations: list[IndexOperation[Origin]] = []
        for event, classified in parsed:
            try:
                document = EventDocument.from_event(classified)
            except Exception as exc:  # a document-model bug must not stop the stream
                log.exception("cannot build the document of %s", classified.id)
                await self.dead_letters.send(event, exc)
                continue
            index = self.names.events_index(document.timestamp)
            operations.append(IndexOperation(index, classified.id, document.to_bytes(), event))
            at = event_time(classified)
            self.watermark = max(self.watermark or at, at)
            if classified.story_id not in touched:
                continue
            story = stories.get(classified.story_id)
            if story is None:
                stories[classified.story_id] = StoryDocument.start(classified.story_id, classified)
            else:
                story.absorb(classified)  # a known member (replay) changes nothing

        # Every touched story is written, changed or not: after a crash between the table
        # update and Elasticsearch's answer, the replay must still deliver the document.
        # (A story whose only event in the batch was dead-lettered has nothing to write.)
        for story_id in sorted(touched & stories.keys()):
            story = stories[story_id]
            self.story_table[story_id] = story.to_bytes().decode()
            operations.append(
                IndexOperation(self.names.stories_index, story_id, story.to_bytes(), None)
            )
        return operations

    async def answered(
        self, operations: Sequence[IndexOperation[Origin]], rejections: Sequence[Rejection[Origin]]
    ) -> None:
        """Elasticsearch answered for the whole batch: dead-letter refusals, count, prune."""
        for rejection in rejections:
            await self._rejected(rejection)
        for kind, is_kind in (("story", _is_story), ("event", _is_event)):
            sink_metrics.DOCUMENTS_INDEXED.labels(kind).inc(
                sum(1 for op in operations if is_kind(op))
                - sum(1 for r in rejections if is_kind(r.operation))
            )
        acknowledged_at = datetime.now(UTC)
        for classified in self._parsed:
            metrics.observe_since_fetch("indexed", classified.article.fetched_at, acknowledged_at)
        if self._prune.due():
            self._prune_stories()

    # -- stories --------------------------------------------------------------------------

    async def _load_stories(
        self, story_ids: set[str], client: AsyncElasticsearch
    ) -> dict[str, StoryDocument]:
        stories: dict[str, StoryDocument] = {}
        missing: list[str] = []
        for story_id in sorted(story_ids):
            raw = self.story_table.get(story_id)
            try:
                stories[story_id] = StoryDocument.from_bytes(raw)
            except InvalidMessage:  # absent (None) or unreadable: ask Elasticsearch
                missing.append(story_id)
        if missing:
            stories |= await self.sink.retry(lambda: self._fetch_stories(client, missing))
        return stories

    async def _fetch_stories(
        self, client: AsyncElasticsearch, story_ids: list[str]
    ) -> dict[str, StoryDocument]:
        try:
            response = await client.mget(index=self.names.stories_index, ids=story_ids)
        except NotFoundError:
            return {}
        except (ApiError, TransportError) as exc:
            raise request_failure(exc) from exc
        found: dict[str, StoryDocument] = {}
        for doc in response.body.get("docs", []):
            if doc.get("found"):
                try:
                    found[doc["_id"]] = StoryDocument.from_obj(doc["_source"])
                except InvalidMessage as exc:  # an older, incompatible document: start over
                    log.warning("ignoring stored story %s: %s", doc["_id"], exc)
        return found

    def _prune_stories(self) -> None:
        if self.watermark is None:
            return
        horizon = self.watermark - self.story_retention
        for story_id, raw in list(self.story_table.items()):
            try:
                expired = StoryDocument.from_bytes(raw).last_seen < horizon
            except InvalidMessage:
                expired = True
            if expired:
                del self.story_table[story_id]

    # -- failures -------------------------------------------------------------------------

    async def _rejected(self, rejection: Rejection[Origin]) -> None:
        op = rejection.operation
        sink_metrics.DOCUMENTS_REJECTED.labels(
            "event" if op.origin is not None else "story", rejection.error_type
        ).inc()
        if op.origin is None:
            # A story document is derived data: its events are indexed and still on Kafka.
            log.error(
                "Elasticsearch refused story document %s (%s): %s",
                op.doc_id,
                rejection.error_type,
                rejection.reason,
            )
            return
        exc = DocumentRejected(
            rejection.error_type,
            f"{rejection.error_type}: {rejection.reason}",
            rejection.status,
            op.index,
        )
        await self.dead_letters.send(
            op.origin,
            exc,
            extra=[
                (HEADER_ES_STATUS, str(exc.status).encode()),
                (HEADER_ES_INDEX, exc.index.encode()),
            ],
        )


def _is_story(operation: IndexOperation[Origin]) -> bool:
    return operation.origin is None


def _is_event(operation: IndexOperation[Origin]) -> bool:
    return operation.origin is not None
