"""Prometheus metrics of the alerting stage."""

from __future__ import annotations

from prometheus_client import Counter

ALERTS_PUBLISHED = Counter(
    "orbitwatch_alerts_published_total",
    "Alerts sent to the alerts topic",
    ["kind", "rule", "severity"],
)
ALERTS_SUPPRESSED = Counter(
    "orbitwatch_alerts_suppressed_total", "Alerts dropped by a silence", ["rule", "scope"]
)
ALERTING_FAILURES = Counter(
    "orbitwatch_alerting_failures_total",
    "Records the alerting stage could not read or evaluate (skipped)",
    ["stage", "reason"],
)
