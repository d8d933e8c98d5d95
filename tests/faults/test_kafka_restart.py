"""The Kafka broker is stopped and started again while the connector and the worker run.

Feeds keep publishing throughout (``wire_feeds``); the connector (``orbitwatch connector run``)
polls them and the worker (``orbitwatch worker``) processes what it produces, both in their
own processes. Neither is restarted: both must ride out the broker's absence by themselves,
and afterwards every entry the feeds published is in Elasticsearch exactly once.
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
from tests.faults.conftest import Figures
from tests.faults.private_infra import PrivateInfra
from tests.faults.processes import WORKER_TUNING, Process, orbitwatch_env
from tests.faults.stores import Tally, doc_count, end_offsets_total, field_values
from tests.faults.waits import Settled, Watchdog, wait_for, wait_until
from tests.faults.wire_feeds import WireFeeds

PUBLISH_EVERY_S = 0.1  # ten new entries a second across the feeds
BEFORE_STOP = 300  # entries indexed before the broker is stopped
DOWN_S = 20.0  # the broker stays stopped this long (stopping and starting take more)
AFTER_BACK_S = 20.0  # feeds keep publishing this long after the broker is back


async def test_kafka_restart_connector_and_worker_recover_by_themselves(
    fault_settings: Settings, private_infra: PrivateInfra, figures: Figures, tmp_path: Path
) -> None:
    settings = fault_settings
    names = IndexNames(settings.index_prefix)
    await ensure_topics(settings, topic_specs(settings))
    es = make_client(settings, max_retries=0)

    def indexed() -> int:
        return doc_count(es, names.events_alias)

    async with WireFeeds(settings.index_prefix).serving() as wire:
        feeds = wire.write_feed_list(tmp_path / "feeds.yaml")
        connector = Process(
            "connector",
            ["connector", "run", "--feeds", str(feeds), "--parser-workers", "1"],
            orbitwatch_env(settings),
            tmp_path,
        )
        worker = Process("worker", ["worker"], orbitwatch_env(settings, WORKER_TUNING), tmp_path)
        watchdog = Watchdog([connector, worker])
        stop_publishing = asyncio.Event()
        connector.start()
        worker.start()
        try:
            async with watchdog.watching():
                publishing = asyncio.create_task(
                    wire.publish_every(PUBLISH_EVERY_S, stop_publishing)
                )
                await wait_for(
                    lambda: indexed() >= BEFORE_STOP,
                    f"{BEFORE_STOP} entries indexed",
                    limit_s=120,
                    alive=[connector, worker],
                )
                raw_at_stop = await end_offsets_total(settings, settings.topic_articles_raw)
                went_down = time.monotonic()
                await asyncio.to_thread(private_infra.stop_kafka)
                await asyncio.sleep(DOWN_S)
                await asyncio.to_thread(private_infra.start_kafka)
                back = time.monotonic()
                indexed_at_back = indexed()
                connector_s, worker_s = await asyncio.gather(
                    wait_until(
                        lambda: _raw_grew_beyond(settings, raw_at_stop),
                        "the connector producing after the restart",
                        limit_s=240,
                        alive=[connector],
                    ),
                    wait_for(
                        lambda: indexed() > indexed_at_back,
                        "indexing after the restart",
                        limit_s=240,
                        alive=[worker],
                    ),
                )
                await asyncio.sleep(max(0.0, back + AFTER_BACK_S - time.monotonic()))
                stop_publishing.set()
                await publishing
                published = list(wire.links)
                last_published = time.monotonic()
                await wait_for(
                    Settled(indexed, lambda: indexed() >= len(published), quiet_s=3),
                    f"all {len(published)} entries indexed",
                    limit_s=240,
                    alive=[connector, worker],
                )
                caught_up_s = time.monotonic() - back
                drained_s = time.monotonic() - last_published
        finally:
            stop_publishing.set()
            connector.stop()
            worker.stop()
    by_url = Tally.of(published, field_values(es, names.events_alias, "url"))
    by_id = field_values(es, names.events_alias, "article_id")
    es.close()

    figures.add("entries published", len(published))
    figures.add("broker down (stop to ready again)", back - went_down, " s")
    figures.add("seconds from broker back to connector producing", connector_s, " s")
    figures.add("seconds from broker back to worker indexing", worker_s, " s")
    figures.add("seconds from broker back to all indexed", caught_up_s, " s")
    figures.add("seconds from the last entry published to all indexed", drained_s, " s")
    figures.add("entries lost", by_url.lost)
    figures.add("entries duplicated", by_url.duplicated)
    figures.add("process exits", len(watchdog.exits))
    assert watchdog.exits == [], watchdog.exits
    assert connector.starts == 1 and worker.starts == 1
    assert by_url.exact, by_url
    assert all(n == 1 for n in by_id.values()) and len(by_id) == len(published)


async def _raw_grew_beyond(settings: Settings, offsets: int) -> bool:
    return await end_offsets_total(settings, settings.topic_articles_raw) > offsets
