"""The index stage's one agent shape: a topic -> Elasticsearch documents, in batches, each
batch pinned until Elasticsearch acknowledged it.

A document stream plugs in two callbacks and nothing else:

- ``to_operations(events, client)``: the bulk operations of one batch (deterministic
  ``_id``s, so a replay overwrites); it may dead-letter events it cannot turn into
  documents, and read from Elasticsearch through ``client``;
- ``answered(operations, rejections)``: called once Elasticsearch answered for every
  operation, with the documents it refused for good (to dead-letter, log or count).

The loop around them (:class:`BatchSinkAgent`) owns the rest: the client, installing the
index templates, batching, retries with backoff, pinning and the abandon rule below. The
layers under it are :class:`streams.index.elasticsearch.BulkSink` (flush until answered)
and :mod:`streams.index.bulk` (cut requests, read items).

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
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar, cast

import faust
from elastic_transport import TransportError
from elasticsearch import ApiError, AsyncElasticsearch
from faust.streams import Stream
from faust.types import EventT, StreamT, TopicT

from orbitwatch.core.elastic import make_async_client, make_client
from orbitwatch.core.errors import OrbitwatchError
from orbitwatch.core.outage import Outage, server_address
from orbitwatch.core.retry import Backoff, RetryAbandoned, retry_forever
from orbitwatch.core.settings import Settings
from schemas.indices.names import IndexNames
from schemas.indices.setup import setup_indices
from streams.index import metrics as sink_metrics
from streams.index.bulk import IndexOperation
from streams.index.elasticsearch import BulkSink, Rejection

log = logging.getLogger(__name__)

OUTAGE_SUMMARY_SECONDS = 60.0

O = TypeVar("O")  # noqa: E741 - the caller's handle on a document's origin
T = TypeVar("T")

ToOperations = Callable[
    [Sequence[EventT], AsyncElasticsearch], Awaitable[Sequence[IndexOperation[O]]]
]
Answered = Callable[[Sequence[IndexOperation[O]], Sequence[Rejection[O]]], Awaitable[None]]


def es_backoff(settings: Settings) -> Backoff:
    return Backoff(
        initial=settings.es_retry_initial.total_seconds(),
        maximum=settings.es_retry_max.total_seconds(),
    )


class RetryReporter:
    """What the sink's retries tell the operator: each failed attempt is counted in the
    metrics and fed to an :class:`~orbitwatch.core.outage.Outage`, which logs one line when
    Elasticsearch goes away (where, the error), a summary per minute while it stays away
    (attempts, events held) and one line when it is back. Every attempt is logged at DEBUG.

    An error that is not an outage we know (not an ``OrbitwatchError``: probably a bug)
    keeps its traceback, once per outage, in the first line's DEBUG companion and here at
    ERROR the first time it is seen.
    """

    def __init__(self, settings: Settings, who: str) -> None:
        self.outage = Outage(
            "Elasticsearch",
            server_address(settings.es_url),
            log,
            who=who,
            summary_every=OUTAGE_SUMMARY_SECONDS,
        )
        self.held = 0  # events of the batch being written
        self._unexpected: set[str] = set()

    def __call__(self, exc: BaseException, delay: float, attempt: int) -> None:
        sink_metrics.BULK_RETRIES.labels(type(exc).__name__).inc()
        log.debug("attempt %d failed (%s); retrying in %.1fs", attempt, exc, delay)
        kind = type(exc).__name__
        expected = isinstance(exc, OrbitwatchError | ApiError | TransportError)
        if not expected and kind not in self._unexpected:
            self._unexpected.add(kind)
            log.error("unexpected %s while writing to Elasticsearch", kind, exc_info=exc)
        self.outage.failed(exc, held=self.held)

    def answered(self) -> None:
        self.outage.succeeded()


def install_indices(settings: Settings, names: IndexNames) -> None:
    """Templates, aliases and first indices; idempotent, so every sink agent runs it before
    its first write (whichever starts first installs) and no document lands unmapped."""
    client = make_client(settings)
    try:
        for step in setup_indices(client, names, retention_days=settings.es_retention_days):
            log.info("es setup: %s", step)
    finally:
        client.close()


def pin(events: Sequence[EventT]) -> None:
    """Hold the batch's offsets back (see the module docstring); call before any await."""
    for event in events:
        event.message.incref()


def release(events: Sequence[EventT]) -> None:
    for event in events:
        event.ack()


class BatchSinkAgent(Generic[O]):
    """Registers agent ``name`` on ``topic``: batches -> ``to_operations`` -> Elasticsearch
    -> ``answered``, offsets released only after that (see the module docstring)."""

    def __init__(
        self,
        app: faust.App,
        settings: Settings,
        topic: TopicT,
        *,
        name: str,
        to_operations: ToOperations[O],
        answered: Answered[O],
    ) -> None:
        self.app = app
        self.settings = settings
        self.names = IndexNames(settings.index_prefix)
        self.to_operations = to_operations
        self.answered = answered
        self.report = RetryReporter(settings, name)
        app.agent(topic, name=name)(self._agent)

    async def _agent(self, stream: StreamT[bytes]) -> None:
        # The transport's own retries are off: the sink's loop retries, with backoff, forever.
        client = make_async_client(self.settings, max_retries=0, retry_on_timeout=False)
        try:
            # No events are in flight yet: nothing to abandon; cancellation ends the wait.
            await self.retry(
                lambda: asyncio.to_thread(install_indices, self.settings, self.names),
                abandonable=False,
            )
            self.report.answered()
            sink: BulkSink[O] = BulkSink(
                client,
                max_docs=self.settings.es_bulk_max_docs,
                max_bytes=self.settings.es_bulk_max_bytes,
                backoff=es_backoff(self.settings),
                on_retry=self.report,
                on_chunk=lambda docs, size: sink_metrics.BULK_REQUESTS.inc(),
                give_up=self.must_yield,
            )
            # take_events is on the concrete Stream, which faust hands every agent.
            batches = cast(Stream[bytes], stream).take_events(
                self.settings.es_bulk_max_docs,
                within=self.settings.es_bulk_interval.total_seconds(),
            )
            async for events in batches:
                pin(events)  # no await before this
                log.debug("batch of %d events", len(events))
                started = time.monotonic()
                self.report.held = len(events)
                try:
                    await self.write(events, sink, client)
                except RetryAbandoned as exc:
                    sink.clear()
                    log.warning("abandoned a batch of %d events: %s", len(events), exc)
                    continue
                self.report.answered()
                release(events)
                sink_metrics.BATCH_SECONDS.observe(time.monotonic() - started)
        finally:
            await client.close()

    async def write(
        self, events: Sequence[EventT], sink: BulkSink[O], client: AsyncElasticsearch
    ) -> None:
        """Write one batch; returns when Elasticsearch answered for all of it."""
        operations = await self.to_operations(events, client)
        for operation in operations:
            sink.add(operation)
        rejections = await sink.flush()
        await self.answered(operations, rejections)

    def unavailable(self) -> str | None:
        """Why this agent cannot write (Elasticsearch away), None while it can."""
        return self.report.outage.reason()

    # -- retries --------------------------------------------------------------------------

    def must_yield(self) -> bool:
        """faust is stopping or moving partitions: a batch still failing is given up."""
        return bool(self.app.should_stop or self.app.rebalancing)

    async def retry(self, operation: Callable[[], Awaitable[T]], *, abandonable: bool = True) -> T:
        """Retry an Elasticsearch or Kafka call of a batch like its bulk writes."""
        return await retry_forever(
            operation,
            es_backoff(self.settings),
            on_retry=self.report,
            give_up=self.must_yield if abandonable else lambda: False,
        )
