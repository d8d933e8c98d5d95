"""The ``index-alerts`` agent: ``alerts`` -> the alerts index, one document per alert id.

The alerting stage publishes alerts on the ``alerts`` topic; this stage indexes them with
the same batch-sink agent as events and stories (``streams/index/sink_agent.py``: each
batch pinned until Elasticsearch answered for the whole of it). An alert goes to
``<prefix>-alerts-YYYY.MM`` (month of ``alerted_at``, behind the ``<prefix>-alerts``
alias) with ``_id`` = alert id. A repeated alert (a replay re-emits the stored alert, same
id and same ``alerted_at``) overwrites its document instead of adding one.

Unreadable alerts are logged and skipped; alerts Elasticsearch refuses for good are logged
and counted. Both remain on the ``alerts`` topic.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import faust
from elasticsearch import AsyncElasticsearch
from faust.types import EventT

from orbitwatch.core.errors import InvalidMessage
from orbitwatch.core.settings import Settings
from schemas import Alert
from schemas.indices.names import IndexNames
from schemas.topics import ALERTS
from streams.app import raw_topic
from streams.index import metrics as sink_metrics
from streams.index.bulk import IndexOperation
from streams.index.elasticsearch import Rejection
from streams.index.sink_agent import BatchSinkAgent

log = logging.getLogger(__name__)


def alert_operations(events: Sequence[EventT], names: IndexNames) -> list[IndexOperation[str]]:
    """One index operation per readable alert; its origin is the alert's rule."""
    operations = []
    for event in events:
        try:
            alert = Alert.from_bytes(event.value)
        except InvalidMessage as exc:
            log.warning("not indexing an unreadable alert: %s", exc)
            continue
        index = names.alerts_index(alert.alerted_at)
        operations.append(IndexOperation(index, alert.alert_id, alert.to_bytes(), alert.rule))
    return operations


class AlertIndexer:
    """Registers the ``index-alerts`` agent on the alerts topic."""

    def __init__(self, app: faust.App, settings: Settings) -> None:
        self.alerts = raw_topic(app, settings, ALERTS)
        self.sink: BatchSinkAgent[str] = BatchSinkAgent(
            app,
            settings,
            self.alerts,
            name="index-alerts",
            to_operations=self.to_operations,
            answered=self.answered,
        )

    async def to_operations(
        self, events: Sequence[EventT], client: AsyncElasticsearch
    ) -> list[IndexOperation[str]]:
        return alert_operations(events, self.sink.names)

    async def answered(
        self, operations: Sequence[IndexOperation[str]], rejections: Sequence[Rejection[str]]
    ) -> None:
        for rejection in rejections:
            sink_metrics.DOCUMENTS_REJECTED.labels("alert", rejection.error_type).inc()
            log.error(
                "Elasticsearch refused alert %s (%s): %s",
                rejection.operation.doc_id,
                rejection.error_type,
                rejection.reason,
            )
