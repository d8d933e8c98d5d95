"""Stopping a worker while an agent still holds events it has not acknowledged.

faust clears the agents' input buffers on shutdown (and on every rebalance) and then, by
default, waits until every delivered event is acknowledged. An event that is held elsewhere
(the indexer's partial batch, here) is never acknowledged after that, so the wait never ends:
CI once hung for its whole time budget on exactly this. The worker must stop promptly, and
the held events must all be indexed and committed once it runs again.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from elasticsearch import Elasticsearch

from orbitwatch.indices.names import IndexNames
from orbitwatch.kafka import ensure_topics, kafka_client_options, pipeline_topics
from orbitwatch.settings import Settings
from schemas import Alert, utc_now
from streams.worker import build_worker_app
from tests.alert_factories import make_event
from tests.kafka_io import drain, produce

pytestmark = pytest.mark.integration

STOP_LIMIT_S = 60.0


async def _stop_within(app: object, limit_s: float) -> float:
    """Seconds ``app.stop()`` took; fails (after unblocking it) when it exceeds the limit."""
    started = time.monotonic()
    task = asyncio.ensure_future(app.stop())  # type: ignore[attr-defined]
    done, _ = await asyncio.wait({task}, timeout=limit_s)
    if not done:
        # Let the test end: forget the unacknowledged events faust is waiting for.
        app.consumer._unacked_messages.clear()  # type: ignore[attr-defined]
        await task
        pytest.fail(f"the worker did not stop within {limit_s:.0f} s")
    return time.monotonic() - started


async def _committed_count(settings: Settings) -> int:
    """Records of ``events.classified`` the worker group has committed past."""
    admin = AIOKafkaAdminClient(**kafka_client_options(settings))
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(settings.app_id)
    finally:
        await admin.close()
    return sum(
        max(meta.offset, 0)
        for tp, meta in offsets.items()
        if tp.topic == settings.topic_events_classified
    )


def _indexed_ids(es: Elasticsearch, settings: Settings) -> set[str]:
    alias = IndexNames(settings.index_prefix).events_alias
    if not es.indices.exists_alias(name=alias):
        return set()
    es.indices.refresh(index=alias)
    hits = es.search(index=alias, size=100, query={"match_all": {}})["hits"]["hits"]
    return {hit["_id"] for hit in hits}


async def test_stop_does_not_wait_for_events_held_by_a_batch(
    isolated_settings: Settings, es_client: Elasticsearch
) -> None:
    # The indexer waits up to a minute to fill a batch, so it is holding the events when
    # the worker is asked to stop; alerting handles them at once, which tells us when.
    settings = isolated_settings.model_copy(
        update={"es_bulk_interval": timedelta(seconds=60), "es_bulk_max_docs": 1000}
    )
    await ensure_topics(settings, pipeline_topics(settings))
    now = utc_now()
    events = [make_event(f"held-{n}", at=now) for n in range(3)]
    app, _ = build_worker_app(settings)
    await app.start()
    try:
        await produce(
            settings,
            settings.topic_events_classified,
            [(e.story_id.encode(), e.to_bytes()) for e in events],
        )
        alerts = await drain(settings, settings.topic_alerts, expect=1, quiet_s=1.0)
        assert alerts, "alerting never saw the events"
        assert [Alert.from_bytes(r.value) for r in alerts]
    finally:
        took = await _stop_within(app, STOP_LIMIT_S)
    print(f"stopped in {took:.1f} s with a batch held")

    # Whatever the first worker managed to write, a restarted one indexes every event and
    # commits past them: nothing is lost and nothing is left to be read again.
    quick = settings.model_copy(update={"es_bulk_interval": timedelta(seconds=1)})
    second, _ = build_worker_app(quick)
    await second.start()
    try:
        deadline = time.monotonic() + 90
        while _indexed_ids(es_client, settings) != {e.id for e in events} or await _committed_count(
            settings
        ) < len(events):
            assert time.monotonic() < deadline, "held events were not indexed and committed"
            await asyncio.sleep(0.5)
    finally:
        await _stop_within(second, STOP_LIMIT_S)
