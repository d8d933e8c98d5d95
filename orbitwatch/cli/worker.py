"""``orbitwatch worker``: the faust worker that de-duplicates, classifies and clusters."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, cast

import faust
import typer
from faust.tables.manager import TableManager

from orbitwatch.cli.failure import fail
from orbitwatch.cli.settings import check_watchlist, exit_on_settings_error
from orbitwatch.core.errors import ConfigError, SettingsError
from orbitwatch.core.health_server import HealthServer
from orbitwatch.core.kafka import ensure_topics_quietly, kafka_address, kafka_unreachable
from orbitwatch.core.logs import configure_logging
from orbitwatch.core.outage import describe_error, wait_for
from orbitwatch.core.retry import Sleep
from orbitwatch.core.settings import Settings, get_settings
from schemas.topics import topic_specs

if TYPE_CHECKING:
    from streams.worker import Stages

log = logging.getLogger("orbitwatch.worker")

# Clients whose own per-failure lines would repeat what the outage lines already say.
CHATTY_CLIENT_LOGGERS = ("elastic_transport",)


class _Worker(faust.Worker):
    """faust's worker with orbitwatch's log format and /metrics, /health, /ready."""

    def __init__(self, app: faust.App, settings: Settings, stages: Stages) -> None:
        self.settings = settings
        self.health = HealthServer(
            settings.metrics_host,
            settings.metrics_port,
            {"tables_recovered": self._recovered, "elasticsearch": stages.elasticsearch_ready},
        )
        super().__init__(app, loglevel=settings.log_level.lower())

    async def _recovered(self) -> bool:
        # Ready once the tables are rebuilt from their changelogs and no rebalance is running:
        # before that, the worker would decide on incomplete dedupe, story and alert state.
        recovery = cast(TableManager, self.app.tables).recovery
        return recovery.completed.is_set() and not self.app.rebalancing

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        super().on_setup_root_logger(logger, level)
        configure_logging(self.settings)

    async def on_start(self) -> None:
        # Started before recovery, so liveness answers while tables are being rebuilt.
        if self.settings.metrics_port:
            await self.health.start()
        await super().on_start()

    async def on_stop(self) -> None:
        await self.health.stop()
        await super().on_stop()


async def wait_then_create_topics(settings: Settings, sleep: Sleep = asyncio.sleep) -> None:
    """Wait until Kafka answers (``/ready`` says not ready meanwhile), then create the
    topics that are missing."""
    health = HealthServer(
        settings.metrics_host, settings.metrics_port, {"kafka_connected": _not_yet}
    )
    if settings.metrics_port:
        await health.start()
    try:
        # The worker's tables are partitioned like articles.raw, so the topic must exist
        # with the configured partition count before faust declares its changelogs.
        await wait_for(
            lambda: ensure_topics_quietly(settings, topic_specs(settings)),
            "Kafka",
            kafka_address(settings),
            log=log,
            retriable=kafka_unreachable,
            sleep=sleep,
        )
    finally:
        await health.stop()


async def _not_yet() -> bool:
    return False


def worker() -> None:
    """Run the stream worker: articles.raw -> classify -> stories -> events.classified."""
    from streams.worker import build_worker_app

    settings = get_settings()
    try:
        check_watchlist(settings)
    except SettingsError as exc:
        exit_on_settings_error(exc)
    configure_logging(settings)
    for name in CHATTY_CLIENT_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    # Files first (alert rules, classifier model, gazetteers): a bad file is reported before
    # any server is touched.
    try:
        app, stages = build_worker_app(settings)
    except ConfigError as exc:
        fail(settings, str(exc), 2, logger=log.name)
    try:
        asyncio.run(wait_then_create_topics(settings))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as exc:
        log.debug("start-up failed", exc_info=exc)
        fail(
            settings,
            f"Kafka at {kafka_address(settings)}: {describe_error(exc)}",
            1,
            logger=log.name,
        )
    _Worker(app, settings, stages).execute_from_commandline()
