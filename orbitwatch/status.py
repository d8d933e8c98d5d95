"""What ``orbitwatch status`` shows, gathered in one place: Kafka, topics and consumer lag,
Elasticsearch, feed health, the latest alerts and the notification endpoints (URLs with
credentials and tokens masked). Each part fails on its own, so one server
being down still leaves the rest of the screen useful."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from orbitwatch.core import lag
from orbitwatch.core.elastic import make_client
from orbitwatch.core.errors import ConfigError
from orbitwatch.core.kafka import read_topic_latest
from orbitwatch.core.lag import TopicStatus
from orbitwatch.core.redact import redact_text, redact_url
from orbitwatch.core.settings import Settings
from orbitwatch.es_status import ClusterStatus, cluster_status
from schemas import FeedHealth
from schemas.alert import Alert
from schemas.indices.names import IndexNames
from schemas.topics import consumer_groups
from streams.notify.endpoints import load_endpoints


@dataclass
class Status:
    kafka_error: str | None = None
    topics: list[TopicStatus] = field(default_factory=list)
    es_error: str | None = None
    es_health: str | None = None
    indices: ClusterStatus | None = None
    feeds: dict[str, FeedHealth] = field(default_factory=dict)
    feeds_error: str | None = None
    alerts: list[Alert] = field(default_factory=list)
    endpoints: list[EndpointStatus] = field(default_factory=list)
    endpoints_error: str | None = None


@dataclass(frozen=True)
class EndpointStatus:
    name: str
    channel: str
    url: str  # masked: never the password or a token
    filters: str


def endpoint_statuses(settings: Settings) -> list[EndpointStatus]:
    """The configured notification endpoints (none when nothing is configured)."""
    if not settings.webhook_urls and settings.webhook_endpoints_file is None:
        return []
    shown = []
    for endpoint in load_endpoints(settings):
        filters = (
            [f"severity >= {endpoint.min_severity.value}"] if endpoint.min_severity.rank else []
        )
        filters += [
            f"{what}: {', '.join(values)}"
            for what, values in (
                ("rules", endpoint.rules),
                ("actors", endpoint.actors),
                ("types", [t.value for t in endpoint.types]),
            )
            if values
        ]
        shown.append(
            EndpointStatus(
                endpoint.name, endpoint.channel.value, endpoint.shown_url, "; ".join(filters)
            )
        )
    return shown


async def topic_statuses(settings: Settings) -> list[TopicStatus]:
    """Every topic of the registry that exists, with the lag of our groups that read it."""
    return await lag.topic_statuses(settings, consumer_groups(settings))


def gather(settings: Settings, alerts: int = 5) -> Status:
    status = Status()
    try:
        status.topics = asyncio.run(asyncio.wait_for(topic_statuses(settings), 20))
    except Exception as exc:
        status.kafka_error = redact_text(f"{type(exc).__name__}: {exc}")
    try:
        status.feeds = asyncio.run(
            read_topic_latest(
                settings, settings.topic_feed_health, FeedHealth.from_bytes, timeout=10
            )
        )
    except Exception as exc:
        status.feeds_error = redact_text(f"{type(exc).__name__}: {exc}")
    client = make_client(settings, request_timeout=5, max_retries=0)
    try:
        status.es_health = client.cluster.health(timeout="3s")["status"]
        names = IndexNames(settings.index_prefix)
        status.indices = cluster_status(client, names)
        found = client.options(ignore_status=404).search(
            index=names.alerts_alias, size=alerts, sort=[{"alerted_at": "desc"}]
        )
        hits = found.body.get("hits", {}).get("hits", []) if found.meta.status == 200 else []
        status.alerts = [Alert.model_validate(hit["_source"]) for hit in hits]
    except Exception as exc:
        status.es_error = redact_text(f"{redact_url(settings.es_url)}: {type(exc).__name__}: {exc}")
    finally:
        client.close()
    try:
        status.endpoints = endpoint_statuses(settings)
    except ConfigError as exc:
        status.endpoints_error = redact_text(str(exc))
    return status
