"""Prometheus metrics of the Elasticsearch indexing stage."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

DOCUMENTS_INDEXED = Counter(
    "orbitwatch_es_documents_indexed_total", "Documents Elasticsearch acknowledged", ["kind"]
)
DOCUMENTS_REJECTED = Counter(
    "orbitwatch_es_documents_rejected_total",
    "Documents Elasticsearch refused for good",
    ["kind", "error_type"],
)
BULK_REQUESTS = Counter("orbitwatch_es_bulk_requests_total", "_bulk requests sent")
BULK_RETRIES = Counter(
    "orbitwatch_es_retries_total", "Elasticsearch calls retried after a failure", ["error"]
)
BATCH_SECONDS = Histogram(
    "orbitwatch_es_batch_seconds",
    "Time from receiving a batch of events to Elasticsearch acknowledging all of it",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
