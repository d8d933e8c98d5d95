"""End-to-end latency benchmark: articles.raw -> worker -> alerts topic and Elasticsearch.

    .venv/bin/python -m benchmarks.latency_bench [--rates 50] [--seconds 30]

Uses its own topics, index prefix and consumer group on the local Kafka and Elasticsearch
(``bench-<random>``), all removed at the end. The worker runs as a separate process
(``orbitwatch worker``, configured through ``ORBITWATCH_*`` variables), as in production, so
the benchmark's own producer and pollers do not share its CPU or event loop.

For each rate, articles (``benchmarks/articles.py``: en/ru/zh, about 40% relevant) are
produced to articles.raw at a fixed rate. For every relevant article it records the time from
its produce call to

- its alert arriving on the alerts topic (matched by story id / triggering article id), and
- its event being found by ``_search`` on the events alias, polled every 100 ms *without*
  forcing a refresh, i.e. with the index's normal refresh interval.

Baseline, in the same run and at the same rate: produce -> consume on a plain topic (the raw
Kafka round trip). Results: p50/p95/p99 per rate on stdout and ``benchmarks/out/latency.json``.

To make every relevant article raise its own alert (the default rules alert once per story
and rule), the worker runs with ``ORBITWATCH_STORY_WINDOW=60s`` and relevant articles get
``published_at`` times two minutes apart, so none joins an earlier article's story.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from elasticsearch import Elasticsearch

from benchmarks.articles import ArticleFactory, Sent, produce_at_rate
from orbitwatch.elastic import make_client
from orbitwatch.indices.names import IndexNames
from orbitwatch.kafka import TopicSpec, ensure_topics, kafka_client_options, pipeline_topics
from orbitwatch.settings import Settings, get_settings
from schemas import Alert

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out" / "latency.json"
STORY_WINDOW_S = 60


@dataclass
class RateResult:
    rate: int
    produced: int = 0
    relevant: int = 0
    alert_ms: list[float] = field(default_factory=list)
    search_ms: list[float] = field(default_factory=list)
    baseline_ms: list[float] = field(default_factory=list)
    achieved_rate: float = 0.0
    alert_p50_first_last_fifth: tuple[float | None, float | None] = (None, None)
    missing_alerts: int = 0
    missing_search: int = 0


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def stats(values: list[float]) -> dict[str, float | int | None]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values) if values else None,
    }


def bench_settings(run: str, data_dir: Path) -> Settings:
    base = get_settings()
    topic_fields = [n for n in Settings.model_fields if n.startswith("topic_")]
    topic_fields.remove("topic_partitions")
    updates: dict[str, object] = {n: f"{run}.{getattr(base, n)}" for n in topic_fields}
    updates |= {
        "index_prefix": run,
        "app_id": f"orbitwatch-{run}",
        "data_dir": data_dir,
        "story_window": timedelta(seconds=STORY_WINDOW_S),
    }
    return base.model_copy(update=updates)


def worker_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    for name in Settings.model_fields:
        if name.startswith("topic_"):
            env[f"ORBITWATCH_{name.upper()}"] = str(getattr(settings, name))
    env |= {
        "ORBITWATCH_INDEX_PREFIX": settings.index_prefix,
        "ORBITWATCH_APP_ID": settings.app_id,
        "ORBITWATCH_DATA_DIR": str(settings.data_dir),
        "ORBITWATCH_STORY_WINDOW": f"PT{STORY_WINDOW_S}S",
        "ORBITWATCH_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "ORBITWATCH_ES_URL": settings.es_url,
        "ORBITWATCH_METRICS_PORT": "0",
        "ORBITWATCH_LOG_LEVEL": "INFO",
    }
    return env


class Tracker:
    """Consumes alerts and polls Elasticsearch, stamping first-seen times on ``Sent``."""

    def __init__(self, settings: Settings, es: Elasticsearch) -> None:
        self.settings = settings
        self.es = es
        self.names = IndexNames(settings.index_prefix)
        self.pending: dict[str, Sent] = {}  # relevant articles not yet alerted or searchable
        self.tasks: list[asyncio.Task[None]] = []
        self.alerts = 0

    def track(self, sent: Sent) -> None:
        self.pending[sent.article_id] = sent

    async def start(self) -> None:
        consumer = await assigned_consumer(self.settings, self.settings.topic_alerts, "earliest")
        self.tasks = [
            asyncio.create_task(self._alerts(consumer)),
            asyncio.create_task(self._search()),
        ]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def _alerts(self, consumer: AIOKafkaConsumer) -> None:
        try:
            while True:
                batch = await consumer.getmany(timeout_ms=200)
                now = time.perf_counter()
                for records in batch.values():
                    for record in records:
                        alert = Alert.from_bytes(record.value)
                        self.alerts += 1
                        keys = [alert.story_id, *alert.article_ids[-1:]]
                        for key in keys:
                            sent = self.pending.get(key or "")
                            if sent is not None and sent.alerted_at is None:
                                sent.alerted_at = now
                                self._settle(sent)
                                break
        finally:
            await consumer.stop()

    async def _search(self) -> None:
        while True:
            waiting = [s.article_id for s in self.pending.values() if s.searchable_at is None]
            if waiting:
                found = await asyncio.to_thread(self._found, waiting[:2000])
                now = time.perf_counter()
                for article_id in found:
                    sent = self.pending.get(article_id)
                    if sent is not None and sent.searchable_at is None:
                        sent.searchable_at = now
                        self._settle(sent)
            await asyncio.sleep(0.1)

    def _found(self, ids: list[str]) -> list[str]:
        response = self.es.options(ignore_status=404).search(
            index=self.names.events_alias,
            query={"ids": {"values": ids}},
            size=len(ids),
            source=False,
        )
        return [hit["_id"] for hit in response.body.get("hits", {}).get("hits", [])]

    def _settle(self, sent: Sent) -> None:
        if sent.alerted_at is not None and sent.searchable_at is not None:
            self.pending.pop(sent.article_id, None)


async def assigned_consumer(settings: Settings, topic: str, reset: str) -> AIOKafkaConsumer:
    """A group-less consumer of every partition of ``topic``, its positions already fixed."""
    consumer = AIOKafkaConsumer(
        topic,
        **kafka_client_options(settings),
        enable_auto_commit=False,
        group_id=None,
        auto_offset_reset=reset,
    )
    await consumer.start()
    deadline = time.perf_counter() + 30
    while not consumer.assignment():
        if time.perf_counter() > deadline:
            await consumer.stop()
            raise SystemExit(f"no partitions of {topic} assigned")
        await asyncio.sleep(0.1)
    for tp in consumer.assignment():
        await consumer.position(tp)  # resolve "latest" now, before anything is produced
    return consumer


async def baseline(
    settings: Settings, topic: str, rate: int, seconds: float, factory: ArticleFactory
) -> list[float]:
    """Produce -> consume on a plain topic at ``rate``: the raw Kafka round trip, in ms."""
    consumer = await assigned_consumer(settings, topic, "latest")
    sent: dict[str, float] = {}
    latencies: list[float] = []

    async def consume() -> None:
        while True:
            batch = await consumer.getmany(timeout_ms=200)
            now = time.perf_counter()
            for records in batch.values():
                for record in records:
                    key = (record.key or b"").decode()
                    if key in sent:
                        latencies.append((now - sent.pop(key)) * 1000)

    task = asyncio.create_task(consume())
    try:
        await produce_at_rate(
            settings,
            topic,
            rate,
            seconds,
            factory,
            lambda s: sent.__setitem__(s.article_id, s.sent_at),
        )
        deadline = time.perf_counter() + 15
        while sent and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await consumer.stop()
    return latencies


async def wait_ready(
    tracker: Tracker,
    settings: Settings,
    factory: ArticleFactory,
    worker: subprocess.Popen[bytes],
) -> float:
    """Warm up: produce relevant articles until one is alerted and searchable."""
    start = time.perf_counter()
    producer = AIOKafkaProducer(**kafka_client_options(settings), acks="all")
    await producer.start()
    warm: list[Sent] = []
    try:
        while time.perf_counter() - start < 150:
            article, relevant = factory.make(relevant_share=1.0)
            await producer.send_and_wait(
                settings.topic_articles_raw, article.to_bytes(), key=article.id.encode()
            )
            sent = Sent(article.id, relevant, time.perf_counter())
            tracker.track(sent)
            warm.append(sent)
            for _ in range(20):
                await asyncio.sleep(0.5)
                if worker.poll() is not None:
                    raise SystemExit(f"the worker exited with {worker.returncode} (see its log)")
                if any(s.alerted_at and s.searchable_at for s in warm):
                    for s in warm:
                        tracker.pending.pop(s.article_id, None)
                    return time.perf_counter() - start
    finally:
        await producer.stop()
    raise SystemExit("the worker produced no alert within 150 s (see the worker log)")


async def run_rate(
    settings: Settings,
    tracker: Tracker,
    factory: ArticleFactory,
    rate: int,
    seconds: float,
    drain_s: float,
) -> RateResult:
    result = RateResult(rate=rate)
    baseline_topic = f"{settings.index_prefix}.baseline"
    result.baseline_ms = await baseline(settings, baseline_topic, rate, seconds, factory)

    sent_all: list[Sent] = []

    def on_sent(sent: Sent) -> None:
        sent_all.append(sent)
        if sent.relevant:
            tracker.track(sent)

    result.achieved_rate = await produce_at_rate(
        settings, settings.topic_articles_raw, rate, seconds, factory, on_sent
    )
    relevant = [s for s in sent_all if s.relevant]
    deadline = time.perf_counter() + drain_s
    while time.perf_counter() < deadline and any(
        s.alerted_at is None or s.searchable_at is None for s in relevant
    ):
        await asyncio.sleep(0.2)
    for s in relevant:
        tracker.pending.pop(s.article_id, None)
    result.produced = len(sent_all)
    result.relevant = len(relevant)
    result.alert_ms = [(s.alerted_at - s.sent_at) * 1000 for s in relevant if s.alerted_at]
    result.search_ms = [(s.searchable_at - s.sent_at) * 1000 for s in relevant if s.searchable_at]
    # A backlog shows as latency growing from the first fifth of the run to the last.
    fifth = max(1, len(relevant) // 5)
    result.alert_p50_first_last_fifth = (
        percentile(
            [(s.alerted_at - s.sent_at) * 1000 for s in relevant[:fifth] if s.alerted_at], 50
        ),
        percentile(
            [(s.alerted_at - s.sent_at) * 1000 for s in relevant[-fifth:] if s.alerted_at], 50
        ),
    )
    result.missing_alerts = result.relevant - len(result.alert_ms)
    result.missing_search = result.relevant - len(result.search_ms)
    return result


def start_worker(settings: Settings, log_path: Path) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("wb")
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "orbitwatch"), "worker"],
        env=worker_env(settings),
        cwd=tempfile.gettempdir(),  # no project .env file overriding the variables
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is not None:
        return
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


async def cleanup(settings: Settings, es: Elasticsearch) -> None:
    admin = AIOKafkaAdminClient(**kafka_client_options(settings))
    await admin.start()
    try:
        doomed = [
            t
            for t in await admin.list_topics()
            if t.startswith(settings.index_prefix + ".") or t.startswith(settings.app_id)
        ]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()
    quiet = es.options(ignore_status=[400, 404, 405])
    quiet.indices.delete(index=f"{settings.index_prefix}-*", expand_wildcards="all")
    quiet.indices.delete_index_template(name=f"{settings.index_prefix}-*")
    quiet.ilm.delete_lifecycle(name=IndexNames(settings.index_prefix).ilm_policy)


def fmt(value: float | int | None) -> str:
    return "-" if value is None else f"{value:8.0f}"


def report(results: list[RateResult], meta: dict[str, Any]) -> dict[str, Any]:
    rows = []
    print()
    print(
        f"{'rate/s':>7} {'what':<20} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'p50 x base':>10} {'p99 x base':>10}"
    )
    for r in results:
        base = stats(r.baseline_ms)
        row: dict[str, Any] = {
            "rate": r.rate,
            "achieved_rate": round(r.achieved_rate, 1),
            "produced": r.produced,
            "relevant": r.relevant,
            "missing_alerts": r.missing_alerts,
            "missing_searchable": r.missing_search,
            "alert_p50_ms_first_vs_last_fifth": r.alert_p50_first_last_fifth,
            "baseline_kafka_round_trip_ms": base,
        }
        for label, values in (("to_alert_ms", r.alert_ms), ("to_searchable_ms", r.search_ms)):
            s = stats(values)
            ratio = {
                q: (s[q] / base[q]) if s[q] is not None and base[q] else None  # type: ignore[operator]
                for q in ("p50", "p99")
            }
            row[label] = s
            row[label.replace("_ms", "_vs_baseline")] = ratio
            print(
                f"{r.rate:>7} {label:<20} {s['n']:>6} {fmt(s['p50'])} {fmt(s['p95'])} "
                f"{fmt(s['p99'])} {_ratio(ratio['p50']):>10} {_ratio(ratio['p99']):>10}"
            )
        print(
            f"{r.rate:>7} {'kafka round trip':<20} {base['n']:>6} {fmt(base['p50'])} "
            f"{fmt(base['p95'])} {fmt(base['p99'])}"
        )
        print(
            f"{'':>7} produced {r.produced} at {r.achieved_rate:.1f}/s, relevant {r.relevant}, "
            f"no alert {r.missing_alerts}, not searchable {r.missing_search}; alert p50 first "
            f"fifth {fmt(r.alert_p50_first_last_fifth[0]).strip()} ms, last fifth "
            f"{fmt(r.alert_p50_first_last_fifth[1]).strip()} ms"
        )
        rows.append(row)
    return {**meta, "rates": rows}


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}x"


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rates", default="50", help="comma-separated articles/s (default 50)")
    parser.add_argument("--seconds", type=float, default=30.0, help="produce time per rate")
    parser.add_argument("--drain", type=float, default=20.0, help="wait for stragglers (s)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rates = [int(r) for r in args.rates.split(",") if r.strip()]

    run = f"bench-{uuid.uuid4().hex[:8]}"
    data_dir = Path(tempfile.mkdtemp(prefix=f"{run}-"))
    settings = bench_settings(run, data_dir)
    es = make_client(settings)
    factory = ArticleFactory(run)
    worker: subprocess.Popen[bytes] | None = None
    tracker = Tracker(settings, es)
    started = time.perf_counter()
    try:
        await ensure_topics(
            settings,
            [
                *pipeline_topics(settings),
                TopicSpec(f"{run}.baseline", settings.topic_partitions),
            ],
        )
        log_path = args.out.parent / "latency-worker.log"
        worker = start_worker(settings, log_path)
        print(f"run {run}: worker pid {worker.pid} (log {log_path})", flush=True)
        await tracker.start()
        warmup_s = await wait_ready(tracker, settings, factory, worker)
        print(f"worker ready after {warmup_s:.1f}s", flush=True)
        results = []
        for rate in rates:
            print(f"rate {rate}/s for {args.seconds:.0f}s (baseline first) ...", flush=True)
            results.append(
                await run_rate(settings, tracker, factory, rate, args.seconds, args.drain)
            )
            if worker.poll() is not None:
                raise SystemExit(f"the worker exited with {worker.returncode}")
        meta = {
            "run": run,
            "seconds_per_rate": args.seconds,
            "worker": "subprocess (orbitwatch worker)",
            "warmup_s": round(warmup_s, 1),
            "partitions": settings.topic_partitions,
            "search_poll_interval_ms": 100,
            "alerts_seen": tracker.alerts,
            "note": "times from the produce call; searchable = first _search hit by id, no "
            "forced refresh; baseline = produce->consume on a plain topic at the same rate",
        }
        document = report(results, meta)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"\nreport: {args.out} ({time.perf_counter() - started:.0f}s in all)")
    finally:
        await tracker.stop()
        if worker is not None:
            stop_worker(worker)
        await cleanup(settings, es)
        es.close()
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
