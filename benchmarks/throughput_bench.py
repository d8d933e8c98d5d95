"""Sustained throughput, articles.raw -> indexed in Elasticsearch, against three baselines.

    .venv/bin/python -m benchmarks.throughput_bench [--count 100000] [--relevant-share 0.05]

One run, one machine, the local Kafka and Elasticsearch, each phase on the same articles
(see ``corpus.py``: real-news lengths and languages, a controlled share of relevant items):

- (a) raw consume: a bare aiokafka consumer reading the preloaded topic;
- (b) raw bulk: the documents orbitwatch would write, built beforehand, sent with
  elasticsearch-py's ``async_streaming_bulk`` helper;
- (c) hand loop: the least a working pipeline must do - aiokafka consume, parse, classify,
  build the document, ``async_streaming_bulk`` - in one process, no state, no stories, no
  alerts, no delivery guarantees;
- orbitwatch: ``orbitwatch worker`` as its own process (dedupe, classify, stories, events and
  story documents, alert rules), from a topic holding every article already, so the figure
  is the worker's sustained rate, not the producer's.

Every phase writes to its own indices (same templates), all removed at the end. The rate of
a phase is articles over the time from its start until Elasticsearch had acknowledged the last
one (for orbitwatch: until a ``_count`` finds them all, polled every 0.5 s; the rate from the
first indexed document on is reported too, to separate start-up). Peak memory of the worker,
Kafka, Elasticsearch and the benchmark itself is sampled throughout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from elasticsearch import AsyncElasticsearch, Elasticsearch
from elasticsearch.helpers import async_streaming_bulk

from benchmarks.corpus import generate, load_seeds
from benchmarks.memory import PeakMemory, pid_from_file
from benchmarks.processes import child_env, live_pid, tree_cpu_seconds
from benchmarks.report_file import write_report
from deploy.local.layout import InfraLayout
from orbitwatch.core.elastic import make_async_client, make_client
from orbitwatch.core.kafka import ensure_topics, kafka_client_options, pipeline_topics
from orbitwatch.core.namespace import namespaced, wipe_namespace
from orbitwatch.core.settings import PROJECT_ROOT, Settings, get_settings
from schemas import Article, ClassifiedEvent, utc_now
from schemas.documents import EventDocument
from schemas.indices.names import IndexNames
from schemas.indices.setup import setup_indices

OUT = PROJECT_ROOT / "benchmarks" / "out" / "throughput.json"
BULK_CHUNK = 500


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def _phase(articles: int, seconds: float, cpu_seconds: float) -> dict[str, float]:
    """Wall-clock rate, and CPU time per article: the latter does not depend on what else
    the machine is running, so it compares phases even on a busy host."""
    rate = _rate(articles, seconds)
    return {
        "articles": articles,
        "seconds": round(seconds, 2),
        "per_second": rate,
        "cpu_ms_per_article": round(cpu_seconds * 1000 / articles, 3) if articles else 0.0,
    }


def _cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


# -- setup ------------------------------------------------------------------------------------


async def preload(settings: Settings, articles: list[Article]) -> float:
    """Every article onto articles.raw (keyed by id, as the connector does); seconds taken."""
    producer = AIOKafkaProducer(
        **kafka_client_options(settings), acks="all", linger_ms=20, max_batch_size=512 * 1024
    )
    await producer.start()
    started = time.perf_counter()
    try:
        pending = []
        for article in articles:
            pending.append(
                await producer.send(
                    settings.topic_articles_raw, article.to_bytes(), key=article.id.encode()
                )
            )
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return time.perf_counter() - started


async def _records(settings: Settings, count: int) -> AsyncIterator[list[bytes]]:
    """The topic's values in batches, from the beginning, until ``count`` were read."""
    consumer = AIOKafkaConsumer(
        settings.topic_articles_raw,
        **kafka_client_options(settings),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    await consumer.start()
    try:
        seen = 0
        while seen < count:
            batch = await consumer.getmany(timeout_ms=1000, max_records=BULK_CHUNK)
            values = [r.value for records in batch.values() for r in records if r.value]
            seen += len(values)
            if values:
                yield values
    finally:
        await consumer.stop()


def _document(classifier: Any, raw: bytes) -> tuple[str, str, bytes]:
    article = Article.from_bytes(raw)
    event = ClassifiedEvent(
        article=article,
        classification=classifier.classify(article),
        story_id=article.id,
        classified_at=utc_now(),
    )
    document = EventDocument.from_event(event)
    return article.id, document.timestamp.isoformat(), document.to_bytes()


def _actions(names: IndexNames, docs: list[tuple[str, str, bytes]]) -> Iterator[dict[str, Any]]:
    for doc_id, timestamp, body in docs:
        index = names.events_index(datetime.fromisoformat(timestamp))
        yield {"_index": index, "_id": doc_id, "_source": body.decode()}


async def _bulk(
    client: AsyncElasticsearch, names: IndexNames, docs: list[tuple[str, str, bytes]]
) -> int:
    indexed = 0
    async for ok, _ in async_streaming_bulk(
        client, _actions(names, docs), chunk_size=BULK_CHUNK, raise_on_error=True
    ):
        indexed += ok
    return indexed


# -- phases -----------------------------------------------------------------------------------


async def raw_consume(settings: Settings, count: int) -> dict[str, float]:
    started, cpu = time.perf_counter(), _cpu_seconds()
    read = 0
    async for values in _records(settings, count):
        read += len(values)
    return _phase(read, time.perf_counter() - started, _cpu_seconds() - cpu)


async def raw_bulk(
    settings: Settings, names: IndexNames, docs: list[tuple[str, str, bytes]]
) -> dict[str, float]:
    client = make_async_client(settings)
    started, cpu = time.perf_counter(), _cpu_seconds()
    try:
        indexed = await _bulk(client, names, docs)
    finally:
        await client.close()
    return _phase(indexed, time.perf_counter() - started, _cpu_seconds() - cpu)


async def hand_loop(
    settings: Settings, names: IndexNames, count: int, classifier: Any
) -> dict[str, float]:
    client = make_async_client(settings)
    started, cpu = time.perf_counter(), _cpu_seconds()
    indexed = 0
    try:
        async for values in _records(settings, count):
            docs = [_document(classifier, raw) for raw in values]
            indexed += await _bulk(client, names, docs)
    finally:
        await client.close()
    return _phase(indexed, time.perf_counter() - started, _cpu_seconds() - cpu)


def _count(es: Elasticsearch, names: IndexNames) -> int:
    # 404 before the first index exists, 503 while its shard is still starting.
    response = es.options(ignore_status=(404, 503)).count(index=names.events_alias)
    return int(response.body.get("count", 0)) if response.meta.status == 200 else 0


def orbitwatch_worker(
    settings: Settings,
    es: Elasticsearch,
    count: int,
    memory: PeakMemory,
    limit_s: float,
    metrics_port: int = 0,
    processes: int = 1,
) -> dict[str, Any]:
    """``processes`` workers in one consumer group (how orbitwatch scales out)."""
    names = IndexNames(settings.index_prefix)
    started = time.perf_counter()
    workers: list[subprocess.Popen[bytes]] = []
    for n in range(processes):
        own = settings.model_copy(update={"data_dir": Path(settings.data_dir) / f"w{n}"})
        own.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **child_env(own),
            "ORBITWATCH_METRICS_PORT": str(metrics_port + n if metrics_port else 0),
        }
        log = own.data_dir / "worker.log"
        with log.open("wb") as sink:
            worker = subprocess.Popen(
                [sys.executable, "-m", "orbitwatch.cli", "worker"],
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        workers.append(worker)
        print(f"worker pid {worker.pid}, log {log}", flush=True)
        memory.watch(f"worker_{n + 1}", live_pid(worker))
    first_at: float | None = None
    first_count = 0
    indexed = 0
    try:
        while time.perf_counter() - started < limit_s:
            time.sleep(0.5)
            for worker in workers:
                if worker.poll() is not None:
                    raise RuntimeError(f"a worker exited ({worker.returncode}); see its log")
            indexed = _count(es, names)
            if indexed and first_at is None:
                first_at, first_count = time.perf_counter(), indexed
            if indexed >= count:
                break
    finally:
        cpu = sum(tree_cpu_seconds(w.pid) for w in workers if w.poll() is None)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
    done = time.perf_counter()
    total = done - started
    steady = done - first_at if first_at else 0.0
    return {
        "processes": processes,
        "articles": indexed,
        "seconds": round(total, 2),
        "per_second": _rate(indexed, total),
        "first_indexed_after_s": round(first_at - started, 2) if first_at else None,
        "per_second_after_first": _rate(indexed - first_count, steady),
        "complete": indexed >= count,
        "cpu_ms_per_article": round(cpu * 1000 / indexed, 3) if indexed else 0.0,
    }


# -- the run ----------------------------------------------------------------------------------


def run(
    base: Settings,
    count: int,
    relevant_share: float = 0.05,
    limit_s: float = 600,
    baselines: bool = True,
    metrics_port: int = 0,
    processes: int = 1,
) -> dict[str, Any]:
    run_id = f"bench-{uuid.uuid4().hex[:8]}"
    workdir = Path(tempfile.mkdtemp(prefix=f"{run_id}-"))
    settings = namespaced(base, run_id, workdir / "worker")
    settings.data_dir.mkdir(parents=True)
    bulk_names = IndexNames(f"{run_id}-bulk")
    loop_names = IndexNames(f"{run_id}-loop")
    es = make_client(settings)
    layout = InfraLayout.from_settings(base)
    memory = PeakMemory()
    memory.watch("kafka", lambda: pid_from_file(layout.kafka.pidfile))
    memory.watch("elasticsearch", lambda: pid_from_file(layout.elasticsearch.pidfile))
    memory.watch("benchmark", os.getpid)
    report: dict[str, Any] = {"run": run_id, "articles": count, "relevant_share": relevant_share}
    try:
        _, sources = load_seeds()
        articles = generate(count, relevant_share=relevant_share)
        sizes = sorted(len(a.to_bytes()) for a in articles)
        report["corpus"] = {
            "sources": sources,
            "languages": len({a.language for a in articles}),
            "bytes_median": sizes[len(sizes) // 2],
            "bytes_p95": sizes[int(len(sizes) * 0.95)],
            "bytes_max": sizes[-1],
        }
        asyncio.run(ensure_topics(settings, pipeline_topics(settings)))
        for names in (bulk_names, loop_names):
            for _ in setup_indices(es, names, retention_days=settings.es_retention_days):
                pass
        print(f"producing {count} articles to {settings.topic_articles_raw} ...", flush=True)
        report["preload_seconds"] = round(asyncio.run(preload(settings, articles)), 2)
        memory.start()

        print("(a) raw aiokafka consume ...", flush=True)
        report["raw_consume"] = asyncio.run(raw_consume(settings, count))
        print("orbitwatch worker ...", flush=True)
        report["orbitwatch"] = orbitwatch_worker(
            settings, es, count, memory, limit_s, metrics_port, processes
        )
        if not baselines:
            return report
        print("(c) hand-written consume -> classify -> bulk loop ...", flush=True)
        # One classifier for both baselines, built outside the timed phases.
        from streams.classifier import Classifier

        classifier = Classifier(watchlist=settings.watchlist)
        report["hand_loop"] = asyncio.run(hand_loop(settings, loop_names, count, classifier))
        print("(b) raw bulk helper ...", flush=True)
        docs = [_document(classifier, a.to_bytes()) for a in articles]
        report["raw_bulk"] = asyncio.run(raw_bulk(settings, bulk_names, docs))
    finally:
        report["memory"] = memory.stop()
        asyncio.run(wipe_namespace(settings, run_id, es))
        es.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return _with_ratios(report)


def _with_ratios(report: dict[str, Any]) -> dict[str, Any]:
    if "raw_bulk" not in report:
        return report
    ours = report["orbitwatch"]["per_second"]
    report["ratios"] = {
        "orbitwatch_vs_hand_loop": round(ours / report["hand_loop"]["per_second"], 3),
        "orbitwatch_vs_raw_consume": round(ours / report["raw_consume"]["per_second"], 3),
        "orbitwatch_vs_raw_bulk": round(ours / report["raw_bulk"]["per_second"], 3),
    }
    report["ratios"]["hand_loop_cpu_over_orbitwatch_cpu"] = round(
        report["hand_loop"]["cpu_ms_per_article"] / report["orbitwatch"]["cpu_ms_per_article"], 3
    )
    report["targets"] = {
        "articles_per_second_2000": ours >= 2000,
        "at_least_0.7_of_hand_loop": report["ratios"]["orbitwatch_vs_hand_loop"] >= 0.7,
    }
    return report


def print_report(report: dict[str, Any]) -> None:
    languages = report["corpus"]["languages"]
    print(f"\nthroughput, {report['articles']} articles ({languages} languages)")
    print(f"{'phase':<34} {'articles/s':>11} {'seconds':>8} {'CPU ms/article':>15}")
    phases = (
        ("raw_consume", "(a) raw aiokafka consume"),
        ("raw_bulk", "(b) raw ES bulk helper"),
        ("hand_loop", "(c) hand-written loop"),
        ("orbitwatch", "orbitwatch worker"),
    )
    for key, label in phases:
        if key not in report:
            continue
        phase = report[key]
        cpu = phase.get("cpu_ms_per_article", 0.0)
        print(f"{label:<34} {phase['per_second']:>11,.0f} {phase['seconds']:>8} {cpu:>15.3f}")
    steady = report["orbitwatch"]["per_second_after_first"]
    print(f"orbitwatch after its first document: {steady:,.0f}/s")
    print("ratios:", json.dumps(report.get("ratios")))
    print("memory (MiB):", json.dumps(report["memory"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--relevant-share", type=float, default=0.05)
    parser.add_argument("--limit", type=float, default=600, help="give the worker at most N s")
    parser.add_argument(
        "--no-baselines", action="store_true", help="measure the worker only (profiling)"
    )
    parser.add_argument(
        "--metrics-port", type=int, default=0, help="expose the worker's /metrics here"
    )
    parser.add_argument(
        "--processes", type=int, default=1, help="worker processes in one consumer group"
    )
    args = parser.parse_args()
    report = run(
        get_settings(),
        args.count,
        args.relevant_share,
        args.limit,
        baselines=not args.no_baselines,
        metrics_port=args.metrics_port,
        processes=args.processes,
    )
    print_report(report)
    write_report(OUT, report)


if __name__ == "__main__":
    main()
