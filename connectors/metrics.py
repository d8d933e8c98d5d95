"""Prometheus metrics of the connector."""

from __future__ import annotations

from prometheus_client import Counter

FEEDS_POLLED = Counter(
    "orbitwatch_feeds_polled_total", "Feed polls by outcome", ["outcome"]
)  # outcome: fetched | not_modified | failed
FETCH_ERRORS = Counter(
    "orbitwatch_fetch_errors_total", "Failed feed polls by named error kind", ["kind"]
)
ARTICLES_PRODUCED = Counter(
    "orbitwatch_articles_produced_total", "New articles produced to articles.raw"
)
