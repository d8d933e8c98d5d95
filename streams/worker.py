"""Builds the worker's faust app: every stage of the pipeline, wired by the topics between them.

articles.raw --classify--> <app>-unclustered --stories--> events.classified
                  \\_______ not relevant: its own story ________/      |
events.classified --index--> Elasticsearch (events, stories)         |
events.classified --alerting--> alerts  <---------------------------'
alerts --index--> Elasticsearch (alerts)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import faust

from orbitwatch.core.kafka import DOWNSTREAM_RECORD_BYTES
from orbitwatch.core.settings import Settings
from schemas.topics import ARTICLES_DLQ, ARTICLES_RAW, EVENTS_CLASSIFIED
from streams.alerting.agent import Alerting
from streams.app import create_app, raw_topic
from streams.classifier.agent import ClassifyStage
from streams.deadletter import DeadLetters
from streams.index.agent import Indexer
from streams.index.alerts import AlertIndexer
from streams.lag_monitor import monitor_lag
from streams.stories.agent import StoriesStage

log = logging.getLogger("streams.worker")


@dataclass(frozen=True)
class Stages:
    classify: ClassifyStage
    stories: StoriesStage
    index: Indexer
    index_alerts: AlertIndexer
    alerting: Alerting

    async def elasticsearch_ready(self) -> bool | str:
        """``/ready``: False, with the reason, while the index stage cannot write to
        Elasticsearch (its outage lines say the same); True again once it wrote."""
        reasons = [
            r for r in (self.index.sink.unavailable(), self.index_alerts.sink.unavailable()) if r
        ]
        return "; ".join(reasons) if reasons else True


def build_worker_app(settings: Settings, **overrides: object) -> tuple[faust.App, Stages]:
    from streams.classifier import Classifier  # loads the gazetteers: only when a worker runs

    app = create_app(settings, **overrides)
    raw = raw_topic(app, settings, ARTICLES_RAW)
    article_dead_letters = DeadLetters(raw_topic(app, settings, ARTICLES_DLQ), log)
    # Between the classify and stories stages: relevant articles only, one partition.
    unclustered = app.topic(
        f"{settings.app_id}-unclustered",
        partitions=1,
        internal=True,
        key_serializer="raw",
        value_serializer="raw",
        config={"max.message.bytes": str(DOWNSTREAM_RECORD_BYTES)},
    )
    classified = raw_topic(app, settings, EVENTS_CLASSIFIED)
    classifier = Classifier(watchlist=settings.watchlist, model_path=settings.classifier_model)
    stages = Stages(
        classify=ClassifyStage(
            app,
            settings,
            classifier,
            raw=raw,
            dead_letters=article_dead_letters,
            unclustered=unclustered,
            classified=classified,
        ),
        stories=StoriesStage(
            app,
            settings,
            unclustered=unclustered,
            dead_letters=article_dead_letters,
            classified=classified,
        ),
        index=Indexer(app, settings),  # events.classified -> Elasticsearch (events, stories)
        alerting=Alerting(app, settings),  # events.classified -> rules -> alerts
        index_alerts=AlertIndexer(app, settings),  # alerts -> Elasticsearch (alerts)
    )
    monitor_lag(app, settings)  # orbitwatch_consumer_lag gauge
    return app, stages
