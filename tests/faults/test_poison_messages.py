"""Poison on articles.raw: 1,000 unreadable records mixed into 5,000 valid articles, read by
``orbitwatch worker`` running as its own process.

Every poison record must reach articles.dlq byte-exact, keyed as it came, with the specific
reason, the error message and its source offset in headers; every valid article must be
indexed in Elasticsearch exactly once. The pipeline's own size limit is
``schemas.base.Message.MAX_BYTES``: "oversized" records are larger than that but still under
the broker's maximum message size, so a real producer can put them on the topic.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord
from elasticsearch import Elasticsearch

from orbitwatch.core.kafka import (
    ensure_topics,
    kafka_client_options,
    topic_partitions,
)
from orbitwatch.core.settings import Settings
from schemas import Article
from schemas.base import Message
from schemas.indices.names import IndexNames
from schemas.topics import topic_specs
from streams.deadletter import HEADER_ERROR_MESSAGE, HEADER_ERROR_TYPE, HEADER_SOURCE
from tests.faults.conftest import Figures
from tests.faults.processes import Process, orbitwatch_env

VALID = 5_000
# category -> (how many, the reason the DLQ header must name)
POISON: dict[str, tuple[int, str]] = {
    "invalid_json": (300, "invalid_json"),
    "wrong_schema": (288, "schema"),
    "future_schema": (50, "schema_version"),
    "encoding": (300, "encoding"),
    # Few, because each is ~1 MB on the topic twice (raw and DLQ).
    "oversized": (12, "oversized"),
    "tombstone": (50, "empty"),
}
assert sum(n for n, _ in POISON.values()) == 1_000
# The broker's default message.max.bytes is 1,048,588 for a whole record batch; an oversized
# record must stay below it (with key, headers and batch overhead) to be producible at all.
BROKER_MAX_MESSAGE = 1_048_588
OVERSIZED_RANGE = (Message.MAX_BYTES + 1, BROKER_MAX_MESSAGE - 8_000)
# About the largest value the broker takes with a short key and no headers (measured on the
# local broker: 1,048,450 bytes pass, 1,048,500 do not). Its dead-letter copy carries reason
# headers on top, so the DLQ must accept more than articles.raw does.
LARGEST_PRODUCIBLE = 1_048_400
SHARED_DATA = Path(__file__).resolve().parents[1] / "data" / "holdout-synthetic.jsonl"
NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Record:
    key: bytes
    value: bytes | None
    category: str | None  # None: a valid article


def _texts() -> list[dict[str, str]]:
    rows = [json.loads(line) for line in SHARED_DATA.read_text().splitlines() if line.strip()]
    return [{"title": r["title"], "text": r["text"], "lang": r["lang"]} for r in rows]


def _article(index: int, text: dict[str, str], **update: object) -> Article:
    article = Article(
        id=f"valid-{index:05d}",
        feed_id=f"feed-{index % 17}",
        title=f"{text['title']} [{index}]",
        summary=text["text"],
        language=text["lang"],
        published_at=NOW - timedelta(seconds=index),
        fetched_at=NOW,
    )
    return article.model_copy(update=update) if update else article


def _poison(category: str, n: int, rng: random.Random, text: dict[str, str]) -> bytes | None:
    """The ``n``-th poison payload of ``category``: several variants per category."""
    good = json.loads(_article(90_000 + n, text).to_bytes())
    good["id"] = f"poison-{category}-{n}"
    variant = n % 5
    if category == "invalid_json":
        body = json.dumps(good).encode()
        return [
            body[: rng.randrange(5, len(body) - 1)],  # truncated
            b"{this is not json",
            b"",  # zero bytes (not a tombstone)
            body + b"}trailing",
            "плохой JSON: ".encode() + body,
        ][variant]
    if category == "wrong_schema":
        wrong = [
            {"id": good["id"], "title": 5},
            {**good, "fetched_at": "yesterday-ish"},
            {**good, "id": "x" * 300},  # longer than the id limit
            [good],  # an array, not an object
            {**{k: v for k, v in good.items() if k != "feed_id"}},
        ][variant]
        return json.dumps(wrong).encode()
    if category == "future_schema":
        return json.dumps({**good, "schema_version": 2 + variant}).encode()
    if category == "encoding":
        good["title"] = "Télécommunications spatiales: lancement réussi à Kourou"
        good["summary"] = "Роскосмос и CNSA: 国际月球科研站"
        as_text = json.dumps(good, ensure_ascii=False)
        return [
            as_text.replace(good["summary"], "Roscosmos").encode("latin-1"),
            as_text.encode("utf-16"),  # with a BOM, as Windows tools write it
            as_text.replace(good["title"], "Роскосмос").encode("cp1251", "replace"),
            as_text.replace(good["title"], "月球").encode("gbk", "replace"),
            as_text.encode() + b"\xc3\x28\xa0\xa1",  # invalid UTF-8 sequences
        ][variant]
    if category == "oversized":
        size = LARGEST_PRODUCIBLE if n % 4 == 0 else rng.randint(*OVERSIZED_RANGE)
        good["summary"] = ""
        padding = size - len(json.dumps(good).encode())
        good["summary"] = "x" * padding
        body = json.dumps(good).encode()
        assert len(body) == size and size > Message.MAX_BYTES
        return body
    if category == "tombstone":
        return None
    raise AssertionError(category)


def _records(seed: int = 20261124) -> list[Record]:
    rng = random.Random(seed)
    texts = _texts()
    records = [
        Record(f"valid-{i:05d}".encode(), _article(i, texts[i % len(texts)]).to_bytes(), None)
        for i in range(VALID)
    ]
    for category, (count, _reason) in POISON.items():
        for n in range(count):
            value = _poison(category, n, rng, texts[n % len(texts)])
            records.append(Record(f"poison-{category}-{n}".encode(), value, category))
    rng.shuffle(records)  # poison everywhere: first, last, in runs and alone
    return records


async def _produce(settings: Settings, records: list[Record]) -> dict[bytes, str]:
    """Send every record; returns key -> "topic/partition/offset" as Kafka acknowledged it."""
    producer = AIOKafkaProducer(
        **kafka_client_options(settings),
        acks="all",
        linger_ms=10,
        max_request_size=BROKER_MAX_MESSAGE,
    )
    await producer.start()
    try:
        futures = [
            await producer.send(settings.topic_articles_raw, r.value, key=r.key) for r in records
        ]
        sent = await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return {
        r.key: f"{meta.topic}/{meta.partition}/{meta.offset}"
        for r, meta in zip(records, sent, strict=True)
    }


async def _read_to_end(settings: Settings, topic: str) -> list[ConsumerRecord]:
    """Every record of ``topic``, from the beginning to the end offsets of now."""
    partitions = [TopicPartition(topic, p) for p in await topic_partitions(settings, topic)]
    assert partitions, f"{topic} does not exist"
    consumer = AIOKafkaConsumer(
        **kafka_client_options(settings),
        group_id=None,
        enable_auto_commit=False,
        max_partition_fetch_bytes=2 * BROKER_MAX_MESSAGE,
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        seen: list[ConsumerRecord] = []
        async with asyncio.timeout(60):
            while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
                batches = await consumer.getmany(*partitions, timeout_ms=500)
                seen += [r for records in batches.values() for r in records]
        return seen
    finally:
        await consumer.stop()


async def _unconsumed(settings: Settings, group: str, topic: str) -> int:
    """Records of ``topic`` after the offsets ``group`` committed: 0 once the worker read,
    handled and committed everything (faust commits only what its agents acknowledged)."""
    partitions = [TopicPartition(topic, p) for p in await topic_partitions(settings, topic)]
    admin = AIOKafkaAdminClient(**kafka_client_options(settings))
    consumer = AIOKafkaConsumer(**kafka_client_options(settings), group_id=None)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
        end = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
        await admin.close()
    done = {tp: meta.offset for tp, meta in committed.items() if meta.offset >= 0}
    return sum(end[tp] - done.get(tp, 0) for tp in partitions)


def _indexed_count(es: Elasticsearch, alias: str) -> int:
    if not es.indices.exists_alias(name=alias):
        return 0
    es.indices.refresh(index=alias)
    return int(es.count(index=alias)["count"])


def _indexed_versions(es: Elasticsearch, alias: str) -> dict[str, int]:
    """article id -> the document's _version (1: written once, never overwritten)."""
    page = es.search(
        index=alias,
        size=10_000,
        version=True,
        source=False,
        query={"match_all": {}},
        sort=[{"_doc": "asc"}],
    )
    return {hit["_id"]: int(hit["_version"]) for hit in page["hits"]["hits"]}


def _worker_log_events(log_path: Path, needle: str) -> list[str]:
    """The worker's log events whose message contains ``needle``."""
    found = []
    for line in log_path.read_text(errors="replace").splitlines():
        try:
            event = str(json.loads(line).get("event", ""))
        except (json.JSONDecodeError, AttributeError):
            continue
        if needle in event:
            found.append(event)
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_until_ready(port: int, limit_s: float) -> float:
    """Poll the worker's ``/ready`` until it answers 200 (tables recovered, no rebalance)."""
    started = time.monotonic()
    async with aiohttp.ClientSession() as http:
        while time.monotonic() - started < limit_s:
            try:
                async with http.get(f"http://127.0.0.1:{port}/ready") as response:
                    if response.status == 200:
                        return time.monotonic() - started
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.25)
    raise AssertionError(f"the worker was not ready within {limit_s:g}s")


async def _settle(
    settings: Settings,
    es: Elasticsearch,
    alias: str,
    worker: Process,
    limit_s: float,
) -> float:
    """Wait until the worker committed every raw record and Elasticsearch holds every valid
    article (or the worker died, or time ran out); returns the seconds waited."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while loop.time() - started < limit_s and worker.alive():
        left = await _unconsumed(settings, settings.app_id, settings.topic_articles_raw)
        if left == 0 and await asyncio.to_thread(_indexed_count, es, alias) >= VALID:
            break
        await asyncio.sleep(1.0)
    return loop.time() - started


def test_poison_is_dead_lettered_and_valid_articles_indexed_once(
    isolated_settings: Settings,
    es_client: Elasticsearch,
    tmp_path: Path,
    figures: Figures,
) -> None:
    settings = isolated_settings
    records = _records()
    poison = {r.key: r for r in records if r.category is not None}
    valid_ids = {r.key.decode() for r in records if r.category is None}
    alias = IndexNames(settings.index_prefix).events_alias
    asyncio.run(ensure_topics(settings, topic_specs(settings)))

    port = _free_port()
    worker = Process(
        "worker",
        ["worker"],
        orbitwatch_env(settings, {"ORBITWATCH_METRICS_PORT": str(port)}),
        tmp_path / "worker",
    )
    worker.start()
    try:
        ready_s = asyncio.run(_wait_until_ready(port, limit_s=90))
        started = time.monotonic()
        sources = asyncio.run(_produce(settings, records))
        produced_s = time.monotonic() - started
        asyncio.run(_settle(settings, es_client, alias, worker, limit_s=240))
        duration = time.monotonic() - started
        alive = worker.alive()
    finally:
        worker.stop()
    exit_code = worker.returncode

    dead = asyncio.run(_read_to_end(settings, settings.topic_articles_dlq))
    classified = asyncio.run(_read_to_end(settings, settings.topic_events_classified))
    classified_ids = Counter(json.loads(r.value)["article"]["id"] for r in classified)
    indexed = _indexed_count(es_client, alias)
    versions = _indexed_versions(es_client, alias) if indexed else {}
    # faust logs an agent that raised and was restarted, and a send the broker refused.
    crashes = _worker_log_events(worker.log, "Crashed reason=")
    lost_sends = _worker_log_events(worker.log, "_on_published error")

    by_key: dict[bytes, list[ConsumerRecord]] = {}
    for record in dead:
        by_key.setdefault(record.key, []).append(record)
    per_category: dict[str, Counter[str]] = {c: Counter() for c in POISON}
    problems: list[str] = []
    for key, original in poison.items():
        assert original.category is not None
        expected_reason = POISON[original.category][1]
        copies = by_key.get(key, [])
        if len(copies) != 1:
            problems.append(f"{key!r}: {len(copies)} copies in the DLQ")
            per_category[original.category]["<missing>" if not copies else "<duplicated>"] += 1
            continue
        headers = {name: value.decode() for name, value in copies[0].headers}
        reason = headers.get(HEADER_ERROR_TYPE, "<none>")
        per_category[original.category][reason] += 1
        if reason != expected_reason:
            problems.append(f"{key!r}: reason {reason!r}, expected {expected_reason!r}")
        if not headers.get(HEADER_ERROR_MESSAGE):
            problems.append(f"{key!r}: no error message header")
        if headers.get(HEADER_SOURCE) != sources[key]:
            problems.append(f"{key!r}: source {headers.get(HEADER_SOURCE)} != {sources[key]}")
        if copies[0].value != original.value:
            problems.append(f"{key!r}: dead-lettered payload is not the original bytes")
    strays = [r.key for r in dead if r.key not in poison]

    figures.add("worker ready after", ready_s, "s")
    figures.add("records produced", f"{len(records)} ({VALID} valid + {len(poison)} poison)")
    figures.add("produce time", produced_s, "s")
    for category, (count, reason) in POISON.items():
        got = per_category[category]
        landed = sum(n for r, n in got.items() if not r.startswith("<"))
        figures.add(
            f"poison {category}",
            f"sent {count}, dead-lettered {landed} (expected reason {reason}; seen {dict(got)})",
        )
    once = sum(1 for v in versions.values() if v == 1)
    figures.add("valid on events.classified", f"{len(valid_ids & set(classified_ids))}/{VALID}")
    figures.add("records on events.classified", sum(classified_ids.values()))
    figures.add("valid indexed", f"{indexed}/{VALID} ({once} written once, _version 1)")
    figures.add("duration, produce -> all committed and indexed", duration, "s")
    figures.add("agent crashes (worker log)", len(crashes))
    figures.add("sends refused by Kafka (worker log)", len(lost_sends))
    figures.add("worker alive until stopped", alive)

    assert alive, f"the worker died (exit {worker.returncode})"
    assert exit_code == 0, f"worker exit code {exit_code}"
    assert not strays, f"valid articles in the DLQ: {strays[:10]}"
    assert set(classified_ids) == valid_ids and set(classified_ids.values()) == {1}
    assert set(versions) == valid_ids, (
        f"{len(valid_ids - set(versions))} valid article(s) missing from Elasticsearch, "
        f"{len(set(versions) - valid_ids)} unexpected"
    )
    assert once == VALID, f"{VALID - once} document(s) written more than once"
    # Last, so that a dead-letter failure still shows whether the valid articles came through.
    assert not crashes, f"{len(crashes)} agent crash(es), first: {crashes[0][:400]}"
    assert not lost_sends, f"{len(lost_sends)} send(s) refused, first: {lost_sends[0][:400]}"
    assert not problems, f"{len(problems)} dead-letter problem(s), first: {problems[:10]}"
    assert len(dead) == len(poison)
