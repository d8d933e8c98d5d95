"""Builds the worker's faust app: the pipeline agents with the real classifier."""

from __future__ import annotations

import faust

from orbitwatch.core.settings import Settings
from streams.alerting.agent import Alerting
from streams.app import create_app
from streams.indexing import Indexer
from streams.lag_monitor import monitor_lag
from streams.pipeline import Pipeline


def build_worker_app(settings: Settings, **overrides: object) -> tuple[faust.App, Pipeline]:
    from streams.classifier import Classifier  # loads the gazetteers: only when a worker runs

    app = create_app(settings, **overrides)
    pipeline = Pipeline(
        app,
        settings,
        Classifier(watchlist=settings.watchlist, model_path=settings.classifier_model),
    )
    Indexer(app, settings)  # events.classified -> Elasticsearch (events, stories)
    Alerting(app, settings)  # events.classified -> rules -> alerts topic and alerts index
    monitor_lag(app, settings)  # orbitwatch_consumer_lag gauge
    return app, pipeline
