"""``kill -9`` of the worker in the middle of a 20,000-article stream, then a restart.

The worker runs as ``orbitwatch worker`` in its own process and the notifier as
``orbitwatch notify``, delivering to a webhook receiver in this test. Articles arrive at a
steady rate; once a third of them is in Elasticsearch the worker is killed with SIGKILL (no
shutdown code, no last commit) and started again at once. Afterwards every article id must be
in Elasticsearch exactly once, and every alert delivered exactly once and indexed once,
although the restarted worker replays what the dead one had not committed.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from elasticsearch import Elasticsearch

from orbitwatch.core.elastic import make_client
from orbitwatch.core.kafka import ensure_topics
from orbitwatch.core.settings import Settings
from schemas.indices.names import IndexNames
from schemas.topics import topic_specs
from tests.faults.articles import ArticleStream
from tests.faults.conftest import Figures
from tests.faults.processes import (
    WEBHOOK_SECRET,
    WORKER_TUNING,
    Process,
    notifier_tuning,
    orbitwatch_env,
)
from tests.faults.produce import Progress, produce_steadily
from tests.faults.stores import (
    AlertTopic,
    Tally,
    doc_count,
    doc_ids,
    field_values,
    repeated_decisions,
)
from tests.faults.waits import Settled, wait_for
from tests.faults.webhook import WebhookReceiver

HIGH_SEVERITY_RULE = "high-severity"  # deploy/rules.yaml: one alert per high-severity story
ARTICLES = 20_000
RATE = 200  # per second: production outlasts the kill, so the worker dies mid-stream
KILL_AT = ARTICLES // 3


async def test_worker_killed_mid_stream_loses_and_repeats_nothing(
    fault_settings: Settings, figures: Figures, tmp_path: Path
) -> None:
    settings = fault_settings
    names = IndexNames(settings.index_prefix)
    await ensure_topics(settings, topic_specs(settings))
    articles = list(ArticleStream(settings.index_prefix, ARTICLES))
    es = make_client(settings)
    progress = Progress()

    def indexed() -> int:
        return doc_count(es, names.events_alias)

    with WebhookReceiver(WEBHOOK_SECRET) as hook:
        worker = Process("worker", ["worker"], orbitwatch_env(settings, WORKER_TUNING), tmp_path)
        notifier = Process(
            "notifier",
            ["notify", "--from-beginning"],
            orbitwatch_env(settings, notifier_tuning(hook.url)),
            tmp_path,
        )
        async with AlertTopic(settings).reading() as topic:
            worker.start()
            notifier.start()
            try:
                producing = asyncio.create_task(
                    produce_steadily(settings, articles, RATE, progress)
                )
                await wait_for(
                    lambda: indexed() >= KILL_AT,
                    f"{KILL_AT} events indexed",
                    limit_s=240,
                    alive=[worker, notifier],
                )
                worker.kill_hard()
                at_kill, produced_at_kill = indexed(), progress.acknowledged
                worker.start()
                restarted = time.monotonic()
                await wait_for(
                    lambda: indexed() > at_kill, "indexing to resume", limit_s=180, alive=[worker]
                )
                resumed_s = time.monotonic() - restarted
                await asyncio.wait_for(producing, timeout=240)
                await wait_for(
                    Settled(indexed, lambda: indexed() >= ARTICLES, quiet_s=3),
                    f"all {ARTICLES} events indexed",
                    limit_s=300,
                    alive=[worker, notifier],
                )
                caught_up_s = time.monotonic() - restarted
                await _alerts_settled(topic, hook, es, names, [worker, notifier])
            finally:
                worker.stop()
                notifier.stop()
        events = Tally.of((a.id for a in articles), doc_ids(es, names.events_alias))
        alerts = topic.distinct()
        deliveries = Tally.of(alerts, hook.snapshot())
        alert_docs = Tally.of(alerts, doc_ids(es, names.alerts_alias))
        repeats = repeated_decisions(topic.records)
        high_stories = field_values(
            es, names.events_alias, "story_id", {"term": {"severity": "high"}}
        ).keys()
    unalerted = high_stories - {a.story_id for a in alerts.values() if a.rule == HIGH_SEVERITY_RULE}
    es.close()

    figures.add("articles produced", ARTICLES)
    figures.add("killed after events indexed", at_kill)
    figures.add("articles acknowledged by Kafka when killed", produced_at_kill)
    figures.add("events lost", events.lost)
    figures.add("events duplicated", events.duplicated)
    figures.add("seconds from restart to indexing again", resumed_s, " s")
    figures.add("seconds from restart to all indexed", caught_up_s, " s")
    figures.add("alerts (distinct ids)", len(alerts))
    figures.add("alert records re-emitted by the replay", len(topic.records) - len(alerts))
    figures.add("high-severity stories", len(high_stories))
    figures.add("high-severity stories without their alert", len(unalerted))
    figures.add("alert deliveries lost", deliveries.lost)
    figures.add("alert deliveries duplicated", deliveries.duplicated)
    figures.add("alert documents duplicated", alert_docs.duplicated)
    assert events.exact, events
    assert events.stored == ARTICLES
    assert high_stories, "no high-severity story: the alert checks would prove nothing"
    assert not unalerted, f"high-severity stories never alerted: {sorted(unalerted)[:10]}"
    assert deliveries.exact, deliveries
    assert alert_docs.exact, alert_docs
    assert repeats == [], f"alerts re-decided under new ids by the replay: {repeats[:10]}"
    assert hook.bad_signatures == 0 and hook.mismatched_keys == 0


async def _alerts_settled(
    topic: AlertTopic,
    hook: WebhookReceiver,
    es: Elasticsearch,
    names: IndexNames,
    alive: list[Process],
) -> None:
    """Every alert raised so far delivered and indexed, and no new one for a while."""

    def complete() -> bool:
        ids = topic.distinct().keys()
        return ids <= hook.snapshot().keys() and doc_count(es, names.alerts_alias) >= len(ids)

    await wait_for(
        Settled(lambda: len(topic.records), complete, quiet_s=5),
        "every alert delivered and indexed",
        limit_s=180,
        alive=alive,
    )
