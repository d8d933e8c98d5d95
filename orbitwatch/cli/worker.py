"""``orbitwatch worker``: the faust worker that de-duplicates, classifies and clusters."""

from __future__ import annotations

import asyncio
import logging

import faust
import typer

from orbitwatch.kafka import ensure_topics, pipeline_topics
from orbitwatch.logs import configure_logging
from orbitwatch.settings import Settings, get_settings


class _Worker(faust.Worker):
    """faust's worker with orbitwatch's log format instead of faust's own handlers."""

    def __init__(self, app: faust.App, settings: Settings) -> None:
        self.settings = settings
        super().__init__(app, loglevel=settings.log_level.lower())

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        super().on_setup_root_logger(logger, level)
        configure_logging(self.settings)


def worker() -> None:
    """Run the stream worker: articles.raw -> classify -> stories -> events.classified."""
    from streams.worker import build_worker_app

    settings = get_settings()
    # The worker's tables are partitioned like articles.raw, so the topic must exist with the
    # configured partition count before faust declares its changelogs.
    asyncio.run(ensure_topics(settings, pipeline_topics(settings)))
    app, _ = build_worker_app(settings)
    _Worker(app, settings).execute_from_commandline()
