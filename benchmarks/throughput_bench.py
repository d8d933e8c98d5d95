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
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer
from elasticsearch import AsyncElasticsearch, Elasticsearch
from elasticsearch.helpers import async_streaming_bulk

from benchmarks.corpus import generate, load_seeds
from benchmarks.harness.cpu import own_cpu_seconds, tree_cpu_seconds
from benchmarks.harness.memory import PeakMemory
from benchmarks.harness.namespace import bench_namespace
from benchmarks.harness.processes import live_pid, server_pids, start_worker, stop_process
from benchmarks.harness.produce import preload
from benchmarks.harness.report import out_path, write_report
from benchmarks.harness.stats import per_second, ratio
from benchmarks.harness.table import print_table
from orbitwatch.core.elastic import make_async_client
from orbitwatch.core.kafka import kafka_client_options
from orbitwatch.core.settings import Settings, get_settings
from schemas import Article, ClassifiedEvent, utc_now
from schemas.documents import EventDocument
from schemas.indices.names import IndexNames
from schemas.indices.setup import setup_indices

OUT = out_path("throughput")
BULK_CHUNK = 500


def _phase(articles: int, seconds: float, cpu_seconds: float) -> dict[str, float]:
    """Wall-clock rate, and CPU time per article: the latter does not depend on what else
    the machine is running, so it compares phases even on a busy host."""
    return {
        "articles": articles,
        "seconds": round(seconds, 2),
        "per_second": per_second(articles, seconds),
        "cpu_ms_per_article": round(cpu_seconds * 1000 / articles, 3) if articles else 0.0,
    }


class Timed:
    """Wall-clock and CPU time of this process since it was made."""

    def __init__(self) -> None:
        self.started, self.cpu = time.perf_counter(), own_cpu_seconds()

    def phase(self, articles: int) -> dict[str, float]:
        return _phase(articles, time.perf_counter() - self.started, own_cpu_seconds() - self.cpu)


# -- the baselines' building blocks -----------------------------------------------------------


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
    timed = Timed()
    read = 0
    async for values in _records(settings, count):
        read += len(values)
    return timed.phase(read)


async def raw_bulk(
    settings: Settings, names: IndexNames, docs: list[tuple[str, str, bytes]]
) -> dict[str, float]:
    client = make_async_client(settings)
    timed = Timed()
    try:
        indexed = await _bulk(client, names, docs)
    finally:
        await client.close()
    return timed.phase(indexed)


async def hand_loop(
    settings: Settings, names: IndexNames, count: int, classifier: Any
) -> dict[str, float]:
    client = make_async_client(settings)
    timed = Timed()
    indexed = 0
    try:
        async for values in _records(settings, count):
            docs = [_document(classifier, raw) for raw in values]
            indexed += await _bulk(client, names, docs)
    finally:
        await client.close()
    return timed.phase(indexed)


def _count(es: Elasticsearch, names: IndexNames) -> int:
    # 404 before the first index exists, 503 while its shard is still starting.
    response = es.options(ignore_status=(404, 503)).count(index=names.events_alias)
    return int(response.body.get("count", 0)) if response.meta.status == 200 else 0


async def orbitwatch_worker(
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
    workers = []
    for n in range(processes):
        own = settings.model_copy(update={"data_dir": settings.data_dir / f"w{n}"})
        own.data_dir.mkdir(parents=True, exist_ok=True)
        log = own.data_dir / "worker.log"
        worker = start_worker(own, log, metrics_port + n if metrics_port else 0)
        workers.append(worker)
        print(f"worker pid {worker.pid}, log {log}", flush=True)
        memory.watch(f"worker_{n + 1}", live_pid(worker))
    first_at: float | None = None
    first_count = 0
    indexed = 0
    try:
        while time.perf_counter() - started < limit_s:
            await asyncio.sleep(0.5)
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
            stop_process(worker)
    done = time.perf_counter()
    total = done - started
    steady = done - first_at if first_at else 0.0
    return {
        "processes": processes,
        "articles": indexed,
        "seconds": round(total, 2),
        "per_second": per_second(indexed, total),
        "first_indexed_after_s": round(first_at - started, 2) if first_at else None,
        "per_second_after_first": per_second(indexed - first_count, steady),
        "complete": indexed >= count,
        "cpu_ms_per_article": round(cpu * 1000 / indexed, 3) if indexed else 0.0,
    }


# -- the run ----------------------------------------------------------------------------------


def corpus_figures(articles: list[Article]) -> dict[str, Any]:
    sizes = sorted(len(a.to_bytes()) for a in articles)
    return {
        "sources": load_seeds()[1],
        "languages": len({a.language for a in articles}),
        "bytes_median": sizes[len(sizes) // 2],
        "bytes_p95": sizes[int(len(sizes) * 0.95)],
        "bytes_max": sizes[-1],
    }


async def run(
    base: Settings,
    count: int,
    relevant_share: float = 0.05,
    limit_s: float = 600,
    baselines: bool = True,
    metrics_port: int = 0,
    processes: int = 1,
) -> dict[str, Any]:
    memory = PeakMemory()
    for name, pid in server_pids(base).items():
        memory.watch(name, pid)
    memory.watch("benchmark", os.getpid)
    report: dict[str, Any] = {"articles": count, "relevant_share": relevant_share}
    async with bench_namespace(base) as bench:
        settings, es = bench.settings, bench.es
        report = {"run": bench.name, **report}
        bulk_names, loop_names = IndexNames(f"{bench.name}-bulk"), IndexNames(f"{bench.name}-loop")
        try:
            articles = generate(count, relevant_share=relevant_share)
            report["corpus"] = corpus_figures(articles)
            for names in (bulk_names, loop_names):
                for _ in setup_indices(es, names, retention_days=settings.es_retention_days):
                    pass
            print(f"producing {count} articles to {settings.topic_articles_raw} ...", flush=True)
            report["preload_seconds"] = round(await preload(settings, articles), 2)
            memory.start()

            print("(a) raw aiokafka consume ...", flush=True)
            report["raw_consume"] = await raw_consume(settings, count)
            print("orbitwatch worker ...", flush=True)
            report["orbitwatch"] = await orbitwatch_worker(
                settings, es, count, memory, limit_s, metrics_port, processes
            )
            if not baselines:
                return report
            print("(c) hand-written consume -> classify -> bulk loop ...", flush=True)
            # One classifier for both baselines, built outside the timed phases.
            from streams.classifier import Classifier

            classifier = Classifier(watchlist=settings.watchlist)
            report["hand_loop"] = await hand_loop(settings, loop_names, count, classifier)
            print("(b) raw bulk helper ...", flush=True)
            docs = [_document(classifier, a.to_bytes()) for a in articles]
            report["raw_bulk"] = await raw_bulk(settings, bulk_names, docs)
        finally:
            report["memory"] = memory.stop()
            # Context for the rates: other work on the machine slows every phase.
            report["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return _with_ratios(report)


def _with_ratios(report: dict[str, Any]) -> dict[str, Any]:
    ours = report["orbitwatch"]["per_second"]
    report["ratios"] = {
        f"orbitwatch_vs_{phase}": ratio(ours, report[phase]["per_second"])
        for phase in ("hand_loop", "raw_consume", "raw_bulk")
    }
    report["ratios"]["hand_loop_cpu_over_orbitwatch_cpu"] = ratio(
        report["hand_loop"]["cpu_ms_per_article"], report["orbitwatch"]["cpu_ms_per_article"]
    )
    report["targets"] = {
        "articles_per_second_2000": ours >= 2000,
        "at_least_0.7_of_hand_loop": (report["ratios"]["orbitwatch_vs_hand_loop"] or 0) >= 0.7,
    }
    return report


def print_report(report: dict[str, Any]) -> None:
    print(
        f"\nthroughput, {report['articles']} articles ({report['corpus']['languages']} languages)"
    )
    phases = {
        "raw_consume": "(a) raw aiokafka consume",
        "raw_bulk": "(b) raw ES bulk helper",
        "hand_loop": "(c) hand-written loop",
        "orbitwatch": "orbitwatch worker",
    }
    print_table(
        ("phase", "articles/s", "seconds", "CPU ms/article"),
        [
            (
                label,
                report[key]["per_second"],
                report[key]["seconds"],
                report[key]["cpu_ms_per_article"],
            )
            for key, label in phases.items()
            if key in report
        ],
    )
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
    report = asyncio.run(
        run(
            get_settings(),
            args.count,
            args.relevant_share,
            args.limit,
            baselines=not args.no_baselines,
            metrics_port=args.metrics_port,
            processes=args.processes,
        )
    )
    print_report(report)
    write_report(OUT, report)


if __name__ == "__main__":
    main()
