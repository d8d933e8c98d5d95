"""Prometheus metrics of the connector."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import Counter, Gauge

FEEDS_POLLED = Counter(
    "orbitwatch_feeds_polled_total", "Feed polls by outcome", ["outcome"]
)  # outcome: fetched | not_modified | failed
FETCH_ERRORS = Counter(
    "orbitwatch_fetch_errors_total", "Failed feed polls by named error kind", ["kind"]
)
ARTICLES_PRODUCED = Counter(
    "orbitwatch_articles_produced_total", "New articles produced to articles.raw"
)
FEED_REQUESTS = Counter(
    "orbitwatch_feed_requests_total", "Requests made to each feed (any outcome)", ["feed"]
)
FEED_REQUESTS_PER_HOUR = Gauge(
    "orbitwatch_feed_requests_per_hour",
    "Recent requests per hour to each feed (decayed average, as feeds health shows)",
    ["feed"],
)
FEED_INTERVAL = Gauge(
    "orbitwatch_feed_poll_interval_seconds", "Seconds until each feed's next poll", ["feed"]
)
FEED_PUSHED = Gauge(
    "orbitwatch_feed_pushed", "1 while the feed's push subscription is active", ["feed"]
)
POLL_BUDGET = Gauge(
    "orbitwatch_poll_budget_requests_per_hour",
    "Requests per hour the adaptive feeds may make in all (fixed 15-minute polling's)",
)
POLL_PLANNED = Gauge(
    "orbitwatch_poll_planned_requests_per_hour",
    "Requests per hour the adaptive feeds' current intervals add up to",
)


def observe_schedule(feed_id: str, fields: Mapping[str, object]) -> None:
    """One request made to ``feed_id`` and its schedule as decided after it."""
    FEED_REQUESTS.labels(feed_id).inc()
    interval = fields.get("poll_interval_s")
    if isinstance(interval, int | float):
        FEED_INTERVAL.labels(feed_id).set(interval)
    rate = fields.get("requests_per_hour")
    if isinstance(rate, int | float):
        FEED_REQUESTS_PER_HOUR.labels(feed_id).set(rate)
    FEED_PUSHED.labels(feed_id).set(1.0 if fields.get("pushed") else 0.0)
