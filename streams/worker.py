"""Builds the worker's faust app: the pipeline agents with the real classifier."""

from __future__ import annotations

import faust

from orbitwatch.settings import Settings
from streams.app import create_app
from streams.pipeline import Pipeline


def build_worker_app(settings: Settings, **overrides: object) -> tuple[faust.App, Pipeline]:
    from streams.classifier import Classifier  # loads the gazetteers: only when a worker runs

    app = create_app(settings, **overrides)
    pipeline = Pipeline(app, settings, Classifier(watchlist=settings.watchlist))
    return app, pipeline
