"""The indexing agent: ``events.classified`` -> Elasticsearch (event and story documents).

Each batch of events becomes one event document per article (``_id`` = article id, in the
monthly index of the article's own time, so replays overwrite) and one story document per
story touched (``_id`` = story id, written whole from the aggregate kept in a faust table).
Invalid payloads and documents Elasticsearch refuses for good go to ``events.dlq`` with the
reason in headers; everything else is retried until Elasticsearch takes it.

Offsets are committed only after Elasticsearch acknowledged the batch
---------------------------------------------------------------------------
faust commits, per partition, the offset after the highest *contiguous* run of acked
messages (``Consumer._new_offset``), and a message counts as acked when its reference count
drops to zero (``Message.ack`` -> ``Consumer.ack``). ``Stream.take_events(n, within)``
buffers events with the stream's own acks turned off and acks the buffer itself in the
``finally`` block around its ``yield``: in normal operation that is when the agent asks for
the next batch, i.e. after this agent finished the previous one. But the same ``finally``
also runs when the generator is *closed*, and ``Stream.on_stop`` closes it when the worker
stops or the agent is cancelled mid-batch (say while Elasticsearch is down and the flush is
retrying). The consumer then commits those acked offsets on its way out, and the batch would
be lost.

So every event is pinned: the agent takes one extra reference (``message.incref()``) as soon
as the batch is handed over, before anything can be awaited, and releases it
(``event.ack()``) only after Elasticsearch answered for every document of the batch and the
dead letters were delivered. ``take_events``' own ack then merely drops the other reference;
whichever comes last makes the offset committable. A batch interrupted anywhere keeps its
pins, its offsets stay uncommitted, and the events are consumed again after a restart; the
deterministic ids make that second indexing an overwrite.

A batch that cannot be written is never skipped, but it may be *abandoned*: when a write
fails while the app is stopping or moving partitions (rebalance), the agent stops retrying
and drops the batch without acking it, so its offsets are not committed and the events are
read and indexed again after the rebalance or restart. faust does not wait for such
unacked events (``stream_wait_empty`` is off, see ``streams/app.py``), so an Elasticsearch
outage never holds up a shutdown or a rebalance.

Story aggregates live in a faust table keyed by story id. ``events.classified`` is keyed by
story id, so a story's events arrive on one partition, in order, at one agent. The table is
written with ``use_partitioner=True`` (the changelog partition follows the key's hash, the
same as the topic's) because inside a ``take_events`` batch faust has no current event to
take the partition from. When a story is not in the table (pruned, or the table is new),
its last document is read back from Elasticsearch, which holds the same model.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import TypeVar, cast

import faust
from elastic_transport import TransportError
from elasticsearch import ApiError, AsyncElasticsearch, NotFoundError
from faust.streams import Stream
from faust.types import EventT, StreamT

from orbitwatch.core.elastic import make_async_client, make_client
from orbitwatch.core.errors import InvalidMessage, OrbitwatchError
from orbitwatch.core.retry import Backoff, RetryAbandoned, retry_forever
from orbitwatch.core.settings import Settings
from schemas import ClassifiedEvent
from schemas.documents import EventDocument, StoryDocument, event_time
from schemas.indices.names import IndexNames
from schemas.indices.setup import setup_indices
from streams import metrics
from streams.deadletter import dead_letter_headers, deliver_dead_letter, error_type
from streams.index import metrics as sink_metrics
from streams.index.bulk import IndexOperation
from streams.index.elasticsearch import BulkSink, Rejection, request_failure
from streams.index.errors import DocumentRejected

log = logging.getLogger(__name__)

HEADER_ES_STATUS = "orbitwatch.es.status"
HEADER_ES_INDEX = "orbitwatch.es.index"
PRUNE_EVERY_BATCHES = 500

T = TypeVar("T")
Origin = EventT | None  # the Kafka event behind an event document; None for story documents


class Indexer:
    """Registers the ``index-events`` agent and its story table on a faust app."""

    def __init__(self, app: faust.App, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.names = IndexNames(settings.index_prefix)
        self.classified = app.topic(
            settings.topic_events_classified, key_serializer="raw", value_serializer="raw"
        )
        self.dlq = app.topic(
            settings.topic_events_dlq, key_serializer="raw", value_serializer="raw"
        )
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
        self._batches = 0
        app.agent(self.classified, name="index-events")(self._index_agent)

    # -- the agent ------------------------------------------------------------------------

    async def _index_agent(self, stream: StreamT[bytes]) -> None:
        # The transport's own retries are off: the sink's loop retries, with backoff, forever.
        client = make_async_client(self.settings, max_retries=0, retry_on_timeout=False)
        try:
            # No events are in flight yet: nothing to abandon; cancellation ends the wait.
            await self._retry(lambda: asyncio.to_thread(self._install_indices), abandonable=False)
            sink: BulkSink[Origin] = BulkSink(
                client,
                max_docs=self.settings.es_bulk_max_docs,
                max_bytes=self.settings.es_bulk_max_bytes,
                backoff=self._backoff(),
                on_retry=_count_retry,
                on_chunk=lambda docs, size: sink_metrics.BULK_REQUESTS.inc(),
                give_up=self._must_yield,
            )
            # take_events is on the concrete Stream, which faust hands every agent.
            batches = cast(Stream[bytes], stream).take_events(
                self.settings.es_bulk_max_docs,
                within=self.settings.es_bulk_interval.total_seconds(),
            )
            async for events in batches:
                for event in events:  # pin: see the module docstring; no await before this
                    event.message.incref()
                log.debug("batch of %d events", len(events))
                started = time.monotonic()
                try:
                    await self.index_batch(events, sink, client)
                except RetryAbandoned as exc:
                    sink.clear()
                    log.warning("abandoned a batch of %d events: %s", len(events), exc)
                    continue
                for event in events:
                    event.ack()
                sink_metrics.BATCH_SECONDS.observe(time.monotonic() - started)
        finally:
            await client.close()

    def _install_indices(self) -> None:
        client = make_client(self.settings)
        try:
            for step in setup_indices(
                client, self.names, retention_days=self.settings.es_retention_days
            ):
                log.info("es setup: %s", step)
        finally:
            client.close()

    async def index_batch(
        self, events: Iterable[EventT], sink: BulkSink[Origin], client: AsyncElasticsearch
    ) -> None:
        """Index one batch; returns when Elasticsearch answered for all of it."""
        parsed: list[tuple[EventT, ClassifiedEvent]] = []
        for event in events:
            try:
                parsed.append((event, ClassifiedEvent.from_bytes(event.value)))
            except InvalidMessage as exc:
                await self._dead_letter(event, exc)

        # Stories are about space events: an irrelevant article (its own story, see the
        # pipeline) gets no story document, which halves the writes for most of a stream.
        touched = {c.story_id for _, c in parsed if c.classification.relevant}
        stories = await self._load_stories(touched, client)
        for event, classified in parsed:
            try:
                document = EventDocument.from_event(classified)
            except Exception as exc:  # a document-model bug must not stop the stream
                log.exception("cannot build the document of %s", classified.id)
                await self._dead_letter(event, exc)
                continue
            index = self.names.events_index(document.timestamp)
            sink.add(IndexOperation(index, classified.id, document.to_bytes(), event))
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
        written = sorted(touched & stories.keys())
        for story_id in written:
            story = stories[story_id]
            self.story_table[story_id] = story.to_bytes().decode()
            sink.add(IndexOperation(self.names.stories_index, story_id, story.to_bytes(), None))

        pending = sink.pending
        rejections = await sink.flush()
        for rejection in rejections:
            await self._rejected(rejection)
        stories_count = len(written)
        sink_metrics.DOCUMENTS_INDEXED.labels("story").inc(
            stories_count - sum(1 for r in rejections if r.operation.origin is None)
        )
        sink_metrics.DOCUMENTS_INDEXED.labels("event").inc(
            pending - stories_count - sum(1 for r in rejections if r.operation.origin is not None)
        )
        acknowledged_at = datetime.now(UTC)
        for _, classified in parsed:
            metrics.observe_since_fetch("indexed", classified.article.fetched_at, acknowledged_at)
        self._batches += 1
        if self._batches % PRUNE_EVERY_BATCHES == 0:
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
            stories |= await self._retry(lambda: self._fetch_stories(client, missing))
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
        await self._dead_letter(
            op.origin,
            exc,
            extra=[
                (HEADER_ES_STATUS, str(exc.status).encode()),
                (HEADER_ES_INDEX, exc.index.encode()),
            ],
        )

    async def _dead_letter(
        self, event: EventT, exc: BaseException, extra: Iterable[tuple[str, bytes]] = ()
    ) -> None:
        """Publish the original record with the reason, and wait until Kafka has it."""
        headers = [*dead_letter_headers(event, exc), *extra]

        await self._retry(lambda: deliver_dead_letter(self.dlq, event, headers))
        metrics.DEAD_LETTERS.labels(self.dlq.get_topic_name(), error_type(exc)).inc()
        log.warning(
            "dead-lettered %s/%s/%s: %s",
            event.message.topic,
            event.message.partition,
            event.message.offset,
            exc,
        )

    # -- retries --------------------------------------------------------------------------

    def _backoff(self) -> Backoff:
        return Backoff(
            initial=self.settings.es_retry_initial.total_seconds(),
            maximum=self.settings.es_retry_max.total_seconds(),
        )

    def _must_yield(self) -> bool:
        """faust is stopping or moving partitions: a batch still failing is given up."""
        return bool(self.app.should_stop or self.app.rebalancing)

    async def _retry(self, operation: Callable[[], Awaitable[T]], *, abandonable: bool = True) -> T:
        return await retry_forever(
            operation,
            self._backoff(),
            on_retry=_count_retry,
            give_up=self._must_yield if abandonable else lambda: False,
        )


def _count_retry(exc: BaseException, delay: float, attempt: int) -> None:
    sink_metrics.BULK_RETRIES.labels(type(exc).__name__).inc()
    if isinstance(exc, OrbitwatchError):
        log.warning("attempt %d failed (%s); retrying in %.1fs", attempt, exc, delay)
    else:  # not an outage we know: keep the traceback, it is probably a bug
        log.error("attempt %d failed; retrying in %.1fs", attempt, delay, exc_info=exc)
