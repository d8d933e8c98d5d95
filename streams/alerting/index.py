"""The ``index-alerts`` agent: ``alerts`` -> the alerts index, one document per alert id.

Uses the indexing stage's bulk sink (``streams/index``) and index names: an alert goes to
``<prefix>-alerts-YYYY.MM`` (month of ``alerted_at``, behind the ``<prefix>-alerts`` alias)
with ``_id`` = alert id. A repeated alert (a replay re-emits the stored alert, same id and
same ``alerted_at``) overwrites its document instead of adding one.

As in ``streams/index/agent.py``, each event of a batch is pinned (``incref``) until
Elasticsearch answered for the whole batch, so a worker stopping mid-flush does not commit
offsets of alerts that were never indexed. Alerts Elasticsearch refuses for good are logged
and counted; they remain on the ``alerts`` topic.
"""

from __future__ import annotations

import asyncio
import logging
from typing import cast

import faust
from faust.streams import Stream
from faust.types import StreamT

from orbitwatch.core.elastic import make_async_client, make_client
from orbitwatch.core.errors import InvalidMessage
from orbitwatch.core.retry import Backoff, retry_forever
from orbitwatch.core.settings import Settings
from schemas import Alert
from schemas.indices.names import IndexNames
from schemas.indices.setup import setup_indices
from streams.index import metrics as sink_metrics
from streams.index.bulk import IndexOperation
from streams.index.elasticsearch import BulkSink

log = logging.getLogger(__name__)


class AlertIndexer:
    def __init__(self, app: faust.App, settings: Settings, alerts: faust.TopicT) -> None:
        self.settings = settings
        self.names = IndexNames(settings.index_prefix)
        app.agent(alerts, name="index-alerts")(self._index_agent)

    def _backoff(self) -> Backoff:
        return Backoff(
            initial=self.settings.es_retry_initial.total_seconds(),
            maximum=self.settings.es_retry_max.total_seconds(),
        )

    def _install_indices(self) -> None:
        # Idempotent and shared with the events indexer: whichever agent starts first
        # installs the templates, so an alert never lands in an index without our mapping.
        client = make_client(self.settings)
        try:
            setup_indices(client, self.names, retention_days=self.settings.es_retention_days)
        finally:
            client.close()

    async def _index_agent(self, stream: StreamT[bytes]) -> None:
        client = make_async_client(self.settings, max_retries=0, retry_on_timeout=False)
        try:
            await retry_forever(lambda: asyncio.to_thread(self._install_indices), self._backoff())
            sink: BulkSink[str] = BulkSink(
                client,
                max_docs=self.settings.es_bulk_max_docs,
                max_bytes=self.settings.es_bulk_max_bytes,
                backoff=self._backoff(),
            )
            batches = cast(Stream[bytes], stream).take_events(
                self.settings.es_bulk_max_docs,
                within=self.settings.es_bulk_interval.total_seconds(),
            )
            async for events in batches:
                for event in events:  # pinned until Elasticsearch answered (see docstring)
                    event.message.incref()
                for event in events:
                    try:
                        alert = Alert.from_bytes(event.value)
                    except InvalidMessage as exc:
                        log.warning("not indexing an unreadable alert: %s", exc)
                        continue
                    index = self.names.alerts_index(alert.alerted_at)
                    sink.add(IndexOperation(index, alert.alert_id, alert.to_bytes(), alert.rule))
                for rejection in await sink.flush():
                    sink_metrics.DOCUMENTS_REJECTED.labels("alert", rejection.error_type).inc()
                    log.error(
                        "Elasticsearch refused alert %s (%s): %s",
                        rejection.operation.doc_id,
                        rejection.error_type,
                        rejection.reason,
                    )
                for event in events:
                    event.ack()
        finally:
            await client.close()
