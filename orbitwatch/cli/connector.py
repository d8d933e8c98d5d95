"""``orbitwatch connector``: run the RSS/Atom connector (feeds -> ``articles.raw``)."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

import typer
from rich.console import Console

from connectors.adaptive import AdaptivePolicy
from connectors.feedlist import (
    MIN_POLL_INTERVAL,
    FeedConfig,
    FeedListError,
    load_feed_list,
    parse_duration,
)
from connectors.producer import DeliveryFailed, KafkaSink
from connectors.runner import Connector, ConnectorOptions, RoundReport
from connectors.state import restore_states
from connectors.websub.callback import CallbackServerError
from connectors.websub.subscriber import WebSubConfig
from orbitwatch.cli.failure import fail
from orbitwatch.core.health_server import HealthServer
from orbitwatch.core.kafka import (
    TopicReadFailed,
    kafka_address,
    kafka_reachable,
    kafka_unreachable,
    probe_kafka,
    wait_for_kafka,
)
from orbitwatch.core.logs import configure_logging
from orbitwatch.core.settings import PROJECT_ROOT, Settings, get_settings

DEFAULT_FEEDS = PROJECT_ROOT / "deploy" / "feeds.yaml"

app = typer.Typer(help="The RSS/Atom connector: polls feeds and produces new articles to Kafka.")
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)
log = logging.getLogger("orbitwatch.connector")


def load_feeds_or_exit(path: Path, settings: Settings | None = None) -> list[FeedConfig]:
    """The feed list, or one line per problem (JSON with JSON logs) and exit 2."""
    try:
        return load_feed_list(path)
    except FeedListError as exc:
        fail(settings, str(exc), 2, logger=log.name)


def _summary(report: RoundReport) -> str:
    failed = report.failed
    kinds = sorted({r.error.kind for r in failed if r.error})
    text = (
        f"polled {len(report.results)} feed(s): {report.produced} new article(s), "
        f"{report.not_modified} unchanged (304), {len(failed)} failed"
    )
    if kinds:
        text += f" ({', '.join(kinds)})"
    if report.outage:
        text += "; every feed failed on the network: counted as an outage, not against feeds"
    return text


async def _run(
    settings: Settings, feeds: list[FeedConfig], once: bool, options: ConnectorOptions
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    ready = asyncio.Event()

    async def is_ready() -> bool:
        return ready.is_set()

    health = HealthServer(
        settings.metrics_host,
        settings.metrics_port,
        {"connector": is_ready, "kafka_reachable": kafka_reachable(settings)},
    )
    if settings.metrics_port and not once:
        await health.start()
    try:
        if once:
            await probe_kafka(settings)  # one line and exit 1 when it does not answer
        elif not await wait_for_kafka(settings, log, stop):  # /ready stays false meanwhile
            return
        store = await restore_states(settings, log=lambda line: err_console.print(line))
        # Push needs a server that outlives one round: --once only polls.
        websub = None if once else WebSubConfig.from_settings(settings)
        async with (
            KafkaSink(settings) as sink,
            Connector(feeds, sink, store, options, websub=websub) as conn,
        ):
            ready.set()  # state restored and producer connected: polls can go out
            if once:
                report = await conn.poll_round()
                console.print(_summary(report), highlight=False)
            else:
                await conn.run(stop)
    finally:
        await health.stop()


@app.command()
def run(
    feeds: Path = typer.Option(DEFAULT_FEEDS, "--feeds", help="Feed-list YAML file."),
    once: bool = typer.Option(False, "--once", help="Poll every feed once, then exit."),
    concurrency: int = typer.Option(20, help="Feeds polled at the same time."),
    parser_workers: int = typer.Option(2, help="Processes parsing feed documents."),
    poll_budget: str = typer.Option(
        "15m",
        "--poll-budget",
        help="Adaptive feeds together make at most as many requests as polling each one "
        "this often would (90s, 15m, 1h).",
    ),
) -> None:
    """Poll the feeds and produce new articles to the raw-articles topic (Ctrl-C stops)."""
    try:
        budget = float(parse_duration(poll_budget))
    except ValueError as exc:
        err_console.print(f"[red]error:[/red] --poll-budget: {exc}", highlight=False)
        raise typer.Exit(2) from exc
    if budget < MIN_POLL_INTERVAL:
        err_console.print(
            f"[red]error:[/red] --poll-budget: at least {MIN_POLL_INTERVAL:g}s", highlight=False
        )
        raise typer.Exit(2)
    settings = get_settings()
    configure_logging(settings)
    feed_list = load_feeds_or_exit(feeds, settings)
    options = ConnectorOptions(
        concurrency=concurrency,
        parser_workers=parser_workers,
        adaptive=AdaptivePolicy(budget_interval=budget),
    )
    try:
        asyncio.run(_run(settings, feed_list, once, options))
    except (DeliveryFailed, TopicReadFailed, CallbackServerError) as exc:
        fail(settings, str(exc), 1, logger=log.name)
    except Exception as exc:
        if not kafka_unreachable(exc):
            raise
        fail(settings, f"Kafka at {kafka_address(settings)} is unreachable", 1, logger=log.name)
