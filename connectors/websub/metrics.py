"""Prometheus metrics of WebSub push (beside the connector's own, connectors/metrics.py)."""

from __future__ import annotations

from prometheus_client import Counter

PUSHES = Counter(
    "orbitwatch_websub_pushes_total", "Pushed bodies received by outcome", ["outcome"]
)  # outcome: accepted | bad_signature | too_large | unknown | unreadable | failed
VERIFICATIONS = Counter(
    "orbitwatch_websub_verifications_total",
    "Hub verification requests by mode and answer",
    ["mode", "answer"],
)  # answer: confirmed | refused
HUB_REQUESTS = Counter(
    "orbitwatch_websub_hub_requests_total",
    "Subscribe/unsubscribe requests sent to hubs by mode and outcome",
    ["mode", "outcome"],
)  # outcome: accepted | refused | failed
