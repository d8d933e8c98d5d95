"""Publication -> ``articles.raw`` through a real WebSub hub (flask-websub), p50/p95/p99.

    .venv/bin/python -m benchmarks.websub_latency [--count 200] [--topics 5] [--gap 0.1]

Uses its own topics (``websubbench-<random>``, removed at the end). The connector runs as its
own process (``orbitwatch connector run``, log: ``benchmarks/out/websub-connector.log``) with
``ORBITWATCH_WEBSUB_CALLBACK_URL`` set; flask-websub's hub runs as another
(:mod:`benchmarks.harness.websub_hub`); the publisher serves ``--topics`` Atom feeds naming the
hub. The connector polls each feed once, discovers the hub, subscribes; once every feed
reports its subscription active (the health topic), ``--count`` entries are published, one
every ``--gap`` seconds, round-robin over the feeds, each followed by the publisher's ping to
the hub (``hub.mode=publish``).

For each entry, time zero is the moment it appears in its feed (the publication), the end is
when a consumer of ``articles.raw`` in this process fetched its article (same clock). The
path: the ping, the hub fetching the topic and signing it, the push to the callback, the
signature check, parse (worker process), normalize, de-duplicate, produce and Kafka's
acknowledgement, the consumer's fetch. The hub's share is shown beside it: the time its
publish request took (in eager mode it answers once every push was answered).

:func:`measure` is reusable (the population benchmark takes its WebSub figure from it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

import yaml
from aiokafka.structs import ConsumerRecord

from benchmarks.harness.namespace import bench_namespace
from benchmarks.harness.observe import assigned_consumer, each_record
from benchmarks.harness.processes import check_alive, start_orbitwatch, stop_process
from benchmarks.harness.report import OUT_DIR, finish, out_path
from benchmarks.harness.stats import summary
from benchmarks.harness.table import print_table
from benchmarks.harness.websub_hub import Publisher, WebSubHub, free_port
from orbitwatch.core.kafka import read_topic_latest
from orbitwatch.core.settings import get_settings
from schemas import Article, FeedHealth, utc_now

OUT = out_path("websub")
CONNECTOR_LOG = OUT_DIR / "websub-connector.log"
SUBSCRIBE_TIMEOUT_S = 120.0
ARRIVAL_TIMEOUT_S = 30.0


async def _wait_subscribed(settings: Any, feed_ids: set[str], connector: Any) -> float:
    """Seconds until every feed's health says its subscription is active."""
    started = time.monotonic()
    while time.monotonic() - started < SUBSCRIBE_TIMEOUT_S:
        check_alive({"connector": connector})
        health = await read_topic_latest(
            settings, settings.topic_feed_health, FeedHealth.from_bytes, timeout=10
        )
        active = {f for f, h in health.items() if h.websub == "active"}
        if feed_ids <= active:
            return time.monotonic() - started
        await asyncio.sleep(0.5)
    raise SystemExit(f"subscriptions not active after {SUBSCRIBE_TIMEOUT_S:.0f} s (see the log)")


async def measure(count: int, topics: int, gap: float) -> dict[str, Any]:
    """Publish ``count`` entries over ``topics`` feeds; latencies in ms and what was missed."""
    async with (
        bench_namespace(get_settings(), "websubbench") as run,
        WebSubHub(min_lease=3600) as hub,
        Publisher(hub.url) as publisher,
    ):
        port = free_port()
        settings = run.settings.model_copy(
            update={
                "websub_callback_url": f"http://127.0.0.1:{port}/websub",
                "websub_bind_port": port,
            }
        )
        feeds: list[dict[str, Any]] = []
        for n in range(topics):
            name = f"{run.name}-t{n}"
            url = publisher.add_topic(name, f"WebSub benchmark feed {n}")
            publisher.add_entry(name, f"{name}-seed", f"Seed entry of feed {n}")
            # Fixed and slow: every entry after the first poll arrives by push.
            feeds.append({"id": name, "name": name, "url": url, "allow_private": True})
        feed_file = Path(run.work) / "feeds.yaml"
        body = {"defaults": {"polling": "fixed", "poll_interval": "1h"}, "feeds": feeds}
        feed_file.write_text(yaml.safe_dump(body))
        connector = start_orbitwatch(
            ["connector", "run", "--feeds", str(feed_file), "--parser-workers", "1"],
            settings,
            CONNECTOR_LOG,
        )
        arrived: dict[str, float] = {}
        try:
            feed_ids = [str(f["id"]) for f in feeds]
            subscribe_s = await _wait_subscribed(settings, set(feed_ids), connector)
            consumer = await assigned_consumer(settings, settings.topic_articles_raw, "latest")

            def seen(record: ConsumerRecord[Any, Any], _: float) -> None:
                article = Article.from_bytes(record.value)
                arrived.setdefault(article.url or article.id, time.time())

            watcher = asyncio.create_task(each_record(consumer, seen))
            published: dict[str, float] = {}
            hub_ms: list[float] = []
            statuses: dict[int, int] = {}
            for n in range(count):
                name = feed_ids[n % topics]
                entry_id = f"{name}-e{n}"
                publisher.add_entry(name, entry_id, f"Benchmark entry {n} of {run.name}")
                published[f"http://127.0.0.1:{publisher.port}/articles/{entry_id}"] = time.time()
                ping = time.perf_counter()
                status = await hub.publish(publisher.url_for(name))
                hub_ms.append((time.perf_counter() - ping) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
                await asyncio.sleep(gap)
            deadline = time.monotonic() + ARRIVAL_TIMEOUT_S
            while time.monotonic() < deadline and not set(published) <= set(arrived):
                await asyncio.sleep(0.1)
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        finally:
            stop_process(connector)
    latencies = [(arrived[u] - t) * 1000 for u, t in published.items() if u in arrived]
    return {
        "count": count,
        "topics": topics,
        "gap_s": gap,
        "hub": "flask-websub 0.4.1 (celery eager), signatures sha512",
        "subscribe_s": round(subscribe_s, 2),
        "publish_to_raw": summary(latencies),
        "hub_publish_request": summary(hub_ms),
        "hub_statuses": {str(k): v for k, v in statuses.items()},
        "missed": len(published) - len(latencies),
        "measured": utc_now().strftime("%Y-%m-%d %H:%M UTC"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="entries published (>= 100)")
    parser.add_argument("--topics", type=int, default=5, help="feeds (WebSub topics)")
    parser.add_argument("--gap", type=float, default=0.1, help="seconds between publications")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    started = time.perf_counter()
    report = asyncio.run(measure(args.count, args.topics, args.gap))
    rows = [
        ("publication -> articles.raw", report["publish_to_raw"]),
        ("hub's publish request (fetch + sign + push)", report["hub_publish_request"]),
    ]
    print_table(
        ("path", "n", "p50 ms", "p95 ms", "p99 ms", "max ms"),
        [(name, s["n"], s["p50"], s["p95"], s["p99"], s["max"]) for name, s in rows],
    )
    print(f"missed: {report['missed']}; all subscribed after {report['subscribe_s']} s")
    finish(report, args.out, started)


if __name__ == "__main__":
    main()
