"""``orbitwatch worker``: the faust worker that de-duplicates, classifies and clusters."""

from __future__ import annotations

import asyncio
import logging
from typing import cast

import faust
from faust.tables.manager import TableManager

from orbitwatch.core.health_server import HealthServer
from orbitwatch.core.kafka import ensure_topics
from orbitwatch.core.logs import configure_logging
from orbitwatch.core.settings import Settings, get_settings
from schemas.topics import topic_specs


class _Worker(faust.Worker):
    """faust's worker with orbitwatch's log format and /metrics, /health, /ready."""

    def __init__(self, app: faust.App, settings: Settings) -> None:
        self.settings = settings
        self.health = HealthServer(
            settings.metrics_host, settings.metrics_port, {"tables_recovered": self._recovered}
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


def worker() -> None:
    """Run the stream worker: articles.raw -> classify -> stories -> events.classified."""
    from streams.worker import build_worker_app

    settings = get_settings()
    # The worker's tables are partitioned like articles.raw, so the topic must exist with the
    # configured partition count before faust declares its changelogs.
    asyncio.run(ensure_topics(settings, topic_specs(settings)))
    app, _ = build_worker_app(settings)
    _Worker(app, settings).execute_from_commandline()
