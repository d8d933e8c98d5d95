"""``orbitwatch worker``: the faust worker that de-duplicates, classifies and clusters."""

from __future__ import annotations

import asyncio

import faust
import typer

from orbitwatch.kafka import ensure_topics, pipeline_topics
from orbitwatch.settings import get_settings


def worker(
    loglevel: str = typer.Option("info", help="faust log level: debug, info, warning, error"),
) -> None:
    """Run the stream worker: articles.raw -> classify -> stories -> events.classified."""
    from streams.worker import build_worker_app

    settings = get_settings()
    # The worker's tables are partitioned like articles.raw, so the topic must exist with the
    # configured partition count before faust declares its changelogs.
    asyncio.run(ensure_topics(settings, pipeline_topics(settings)))
    app, _ = build_worker_app(settings)
    faust.Worker(app, loglevel=loglevel).execute_from_commandline()
