"""Publishes the consumer lag of orbitwatch's groups as a gauge, from inside the worker.

Lag is read the way an operator would (committed group offsets against end offsets through
the admin API), not from faust's internals, so the figure matches ``orbitwatch status``.
"""

from __future__ import annotations

import logging

import faust

from orbitwatch.core.lag import topic_statuses
from orbitwatch.core.settings import Settings
from schemas.topics import consumer_groups
from streams import metrics

log = logging.getLogger(__name__)
LAG_EVERY_S = 15.0


def monitor_lag(app: faust.App, settings: Settings, every: float = LAG_EVERY_S) -> None:
    @app.timer(every, name="consumer-lag")
    async def publish_lag() -> None:
        try:
            statuses = await topic_statuses(settings, consumer_groups(settings))
        except Exception as exc:  # lag is a nice-to-have: never let it hurt the worker
            log.warning("consumer lag unavailable: %s", exc)
            return
        for topic in statuses:
            for group, lag in topic.lag.items():
                metrics.CONSUMER_LAG.labels(topic.name, group).set(lag)
