"""Elasticsearch goes away for about 35 s in the middle of a stream, then comes back.

The worker (``orbitwatch worker``, its own process) must neither exit nor skip anything: it
keeps consuming and classifying, retries its bulk requests until Elasticsearch answers again,
and only then commits. Afterwards every article is in Elasticsearch exactly once, and every
alert raised is in the alerts index once.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from orbitwatch.core.elastic import make_client
from orbitwatch.core.kafka import ensure_topics
from orbitwatch.core.settings import Settings
from schemas.indices.names import IndexNames
from schemas.topics import topic_specs
from tests.faults.articles import ArticleStream
from tests.faults.conftest import Figures
from tests.faults.private_infra import PrivateInfra
from tests.faults.processes import WORKER_TUNING, Process, orbitwatch_env
from tests.faults.produce import Progress, produce_steadily
from tests.faults.stores import AlertTopic, Tally, doc_count, doc_ids
from tests.faults.waits import Settled, Watchdog, wait_for

ARTICLES = 8_000
RATE = 150  # per second: about 50 s of production, so articles keep coming during the outage
STOP_AT = ARTICLES // 4
OUTAGE_S = 35.0  # Elasticsearch stays stopped this long (then needs a few seconds to start)


async def test_elasticsearch_outage_loses_nothing_and_the_worker_stays_up(
    fault_settings: Settings, private_infra: PrivateInfra, figures: Figures, tmp_path: Path
) -> None:
    settings = fault_settings
    names = IndexNames(settings.index_prefix)
    await ensure_topics(settings, topic_specs(settings))
    articles = list(ArticleStream(settings.index_prefix, ARTICLES))
    es = make_client(settings, max_retries=0)
    progress = Progress()

    def indexed() -> int:
        return doc_count(es, names.events_alias)

    worker = Process("worker", ["worker"], orbitwatch_env(settings, WORKER_TUNING), tmp_path)
    watchdog = Watchdog([worker])
    worker.start()
    try:
        async with AlertTopic(settings).reading() as topic, watchdog.watching():
            producing = asyncio.create_task(produce_steadily(settings, articles, RATE, progress))
            await wait_for(
                lambda: indexed() >= STOP_AT,
                f"{STOP_AT} events indexed",
                limit_s=180,
                alive=[worker],
            )
            before_outage, produced_when_down = indexed(), progress.acknowledged
            went_down = time.monotonic()
            await asyncio.to_thread(private_infra.stop_elasticsearch)
            await asyncio.sleep(OUTAGE_S)
            produced_when_back = progress.acknowledged
            await asyncio.to_thread(private_infra.start_elasticsearch)
            back = time.monotonic()
            await asyncio.wait_for(producing, timeout=120)
            await wait_for(
                Settled(indexed, lambda: indexed() >= ARTICLES, quiet_s=3),
                f"all {ARTICLES} events indexed",
                limit_s=240,
                alive=[worker],
            )
            caught_up_s = time.monotonic() - back
            await wait_for(
                Settled(
                    lambda: len(topic.records),
                    lambda: doc_count(es, names.alerts_alias) >= len(topic.distinct()),
                    quiet_s=5,
                ),
                "every alert indexed",
                limit_s=120,
                alive=[worker],
            )
    finally:
        worker.stop()
    events = Tally.of((a.id for a in articles), doc_ids(es, names.events_alias))
    alerts = topic.distinct()
    alert_docs = Tally.of(alerts, doc_ids(es, names.alerts_alias))
    es.close()

    figures.add("articles produced", ARTICLES)
    figures.add("events indexed when Elasticsearch stopped", before_outage)
    figures.add("articles produced while it was stopped", produced_when_back - produced_when_down)
    figures.add("outage length (stop to ready again)", back - went_down, " s")
    figures.add("seconds from Elasticsearch back to all indexed", caught_up_s, " s")
    figures.add("events lost", events.lost)
    figures.add("events duplicated", events.duplicated)
    figures.add("alerts indexed (distinct ids)", len(alerts))
    figures.add("alert documents lost", alert_docs.lost)
    figures.add("alert documents duplicated", alert_docs.duplicated)
    figures.add("worker exits", len(watchdog.exits))
    assert watchdog.exits == [], watchdog.exits
    assert watchdog.checks > (back - went_down) / watchdog.every_s / 2  # it really watched
    assert events.exact, events
    assert events.stored == ARTICLES
    assert alert_docs.exact, alert_docs
