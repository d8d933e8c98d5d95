"""Stopping a worker (SIGTERM) while an agent still holds events it has not acknowledged.

faust clears the agents' input buffers on shutdown (and on every rebalance) and then, by
default, waits until every delivered event is acknowledged. An event that is held elsewhere
(the indexer's partial batch, here) is never acknowledged after that, so the wait never ended:
CI once hung for its whole time budget on exactly this. The worker must exit promptly, and
the held events must all be indexed once a worker runs again.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from orbitwatch.core.kafka import ensure_topics
from orbitwatch.core.settings import Settings
from schemas import utc_now
from schemas.indices.names import IndexNames
from schemas.topics import topic_specs
from tests.alert_factories import make_event
from tests.faults.processes import Process, orbitwatch_env
from tests.kafka_io import drain, produce

pytestmark = pytest.mark.integration

EXIT_LIMIT_S = 30.0
# The indexer waits up to two minutes to fill a batch, so it still holds the events when the
# worker is told to stop; alerting handles them at once, which tells the test when.
HOLDING = {"ORBITWATCH_ES_BULK_INTERVAL": "PT120S", "ORBITWATCH_ES_BULK_MAX_DOCS": "1000"}


def _indexed_ids(es: Elasticsearch, settings: Settings) -> set[str]:
    alias = IndexNames(settings.index_prefix).events_alias
    if not es.indices.exists_alias(name=alias):
        return set()
    es.indices.refresh(index=alias)
    hits = es.search(index=alias, size=100, query={"match_all": {}})["hits"]["hits"]
    return {hit["_id"] for hit in hits}


async def test_sigterm_does_not_wait_for_events_held_by_a_batch(
    isolated_settings: Settings, es_client: Elasticsearch, tmp_path: Path
) -> None:
    settings = isolated_settings
    await ensure_topics(settings, topic_specs(settings))
    events = [make_event(f"held-{n}", at=utc_now()) for n in range(3)]
    holding = Process("worker", ["worker"], orbitwatch_env(settings, HOLDING), tmp_path / "a")
    holding.start()
    try:
        await produce(
            settings,
            settings.topic_events_classified,
            [(e.story_id.encode(), e.to_bytes()) for e in events],
        )
        alerts = await drain(settings, settings.topic_alerts, expect=1, quiet_s=1.0)
        assert alerts, f"alerting never saw the events:\n{holding.tail()}"
        took = holding.stop(timeout=EXIT_LIMIT_S)
        assert took is not None, (
            f"the worker did not exit within {EXIT_LIMIT_S:.0f} s of SIGTERM:\n{holding.tail()}"
        )
    finally:
        holding.stop()
    print(f"exited {took:.1f} s after SIGTERM with a batch held")

    # Whatever the first worker managed to write, the next one indexes every held event
    # (and one sent later): nothing held is lost.
    later = make_event("later-1", at=utc_now())
    next_worker = Process("worker", ["worker"], orbitwatch_env(settings), tmp_path / "b")
    next_worker.start()
    try:
        await produce(
            settings,
            settings.topic_events_classified,
            [(later.story_id.encode(), later.to_bytes())],
        )
        wanted = {e.id for e in [*events, later]}
        deadline = time.monotonic() + 120
        while _indexed_ids(es_client, settings) != wanted:
            assert next_worker.alive(), f"the worker exited:\n{next_worker.tail()}"
            assert time.monotonic() < deadline, (
                f"indexed only {sorted(_indexed_ids(es_client, settings))}:\n{next_worker.tail()}"
            )
            await asyncio.sleep(0.5)
    finally:
        next_worker.stop()
