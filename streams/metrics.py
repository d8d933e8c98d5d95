"""Prometheus metrics shared by the worker's stages; each stage folder has its own too."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import Counter, Gauge, Histogram

DEAD_LETTERS = Counter(
    "orbitwatch_dead_letters_total", "Records sent to a dead-letter topic", ["topic", "reason"]
)

# Seconds from the connector fetching an article to each later stage, observed once per
# article (per alert for the alert stage): where the time goes between a feed and a person.
STAGE_LATENCY = Histogram(
    "orbitwatch_stage_latency_seconds",
    "Seconds from fetch to the end of a stage: classified, indexed, alerted",
    ["stage"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600),
)


def observe_since_fetch(
    stage: str, fetched_at: datetime | None, now: datetime | None = None
) -> None:
    if fetched_at is None:
        return
    elapsed = ((now or datetime.now(UTC)) - fetched_at).total_seconds()
    # A negative figure means clocks disagree between hosts; it is not a latency.
    if elapsed >= 0:
        STAGE_LATENCY.labels(stage).observe(elapsed)


CONSUMER_LAG = Gauge(
    "orbitwatch_consumer_lag",
    "Records written to a topic that a consumer group has not committed yet",
    ["topic", "group"],
)
