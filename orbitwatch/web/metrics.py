"""Prometheus metrics of the desk (served on its own port at ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

REQUESTS = Counter(
    "orbitwatch_web_requests_total", "HTTP requests answered by the desk", ["route", "status"]
)
SSE_CLIENTS = Gauge("orbitwatch_web_sse_clients", "Pages connected to the live alert stream")
ALERTS_PUSHED = Counter("orbitwatch_web_alerts_received_total", "Alerts read from Kafka, new ids")
ALERT_REPEATS = Counter(
    "orbitwatch_web_alert_repeats_total", "Alerts read again with an id already shown (dropped)"
)
POSTS = Counter(
    "orbitwatch_web_actions_total", "Verdicts and silences recorded from the desk", ["action"]
)
REFUSED = Counter(
    "orbitwatch_web_refused_total", "Requests refused (authentication, CSRF)", ["reason"]
)
KAFKA_UP = Gauge("orbitwatch_web_kafka_up", "1 while the desk's alert consumer reaches Kafka")
