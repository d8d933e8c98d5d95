"""``orbitwatch status``: one screen with the state of the whole pipeline."""

from __future__ import annotations

import typer
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from orbitwatch.core.settings import get_settings
from orbitwatch.status import Status, gather

console = Console()


def _kafka_panel(status: Status) -> Panel:
    if status.kafka_error:
        return Panel(f"[red]unreachable[/red]: {status.kafka_error}", title="Kafka")
    table = Table("topic", "partitions", "messages", "consumer lag")
    for topic in status.topics:
        lag = ", ".join(f"{group}: {n}" for group, n in topic.lag.items()) or "-"
        table.add_row(topic.name, str(topic.partitions), str(topic.messages), lag)
    return Panel(table, title="Kafka topics")


def _es_panel(status: Status) -> Panel:
    if status.es_error and status.es_health is None:
        return Panel(f"[red]unreachable[/red]: {status.es_error}", title="Elasticsearch")
    table = Table("index", "health", "documents", "aliases")
    for index in status.indices.indices if status.indices else []:
        table.add_row(index.name, index.health, str(index.docs), ", ".join(index.aliases))
    color = {"green": "green", "yellow": "yellow"}.get(status.es_health or "", "red")
    return Panel(table, title=f"Elasticsearch: [{color}]{status.es_health}[/{color}]")


def _feeds_panel(status: Status) -> Panel:
    if status.feeds_error:
        return Panel(f"[red]{status.feeds_error}[/red]", title="Feeds")
    dormant = [f for f, h in status.feeds.items() if h.dormant]
    failing = [f for f, h in status.feeds.items() if h.consecutive_failures and not h.dormant]
    ok = len(status.feeds) - len(dormant) - len(failing)
    lines = [
        f"{len(status.feeds)} feeds reporting: {ok} ok, {len(failing)} failing, "
        f"{len(dormant)} dormant"
    ]
    for feed_id in sorted(failing + dormant)[:10]:
        health = status.feeds[feed_id]
        lines.append(f"  {feed_id}: {health.last_error_kind} ({health.consecutive_failures}x)")
    return Panel("\n".join(lines), title="Feeds")


def _alerts_panel(status: Status) -> Panel:
    if not status.alerts:
        return Panel("no alerts indexed yet", title="Latest alerts")
    table = Table("alerted", "severity", "rule", "title")
    for alert in status.alerts:
        table.add_row(
            alert.alerted_at.strftime("%Y-%m-%d %H:%M:%S"),
            alert.severity.value,
            alert.rule,
            alert.title[:70],
        )
    return Panel(table, title="Latest alerts")


def _endpoints_panel(status: Status) -> Panel:
    if status.endpoints_error:
        return Panel(f"[red]{status.endpoints_error}[/red]", title="Notification endpoints")
    if not status.endpoints:
        return Panel("none configured", title="Notification endpoints")
    table = Table("name", "channel", "url", "filters")
    for endpoint in status.endpoints:
        table.add_row(endpoint.name, endpoint.channel, endpoint.url, endpoint.filters or "-")
    return Panel(table, title="Notification endpoints")


def status(
    alerts: int = typer.Option(5, help="How many of the latest alerts to show."),
) -> None:
    """Kafka, topics and consumer lag, Elasticsearch, feed health, the latest alerts and the
    notification endpoints."""
    state = gather(get_settings(), alerts=alerts)
    console.print(
        Group(
            _kafka_panel(state),
            _es_panel(state),
            _feeds_panel(state),
            _alerts_panel(state),
            _endpoints_panel(state),
        )
    )
    if state.kafka_error or state.es_health is None:
        raise typer.Exit(1)
