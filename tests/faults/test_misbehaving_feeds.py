"""``orbitwatch connector run`` (its own process) polling healthy feeds next to feeds that hang,
reset the connection, answer 500, send garbage, send 50 MB, or send a billion-laughs bomb.

The connector runs twice on the same machine: a baseline with only the healthy feeds, then
with the misbehaving ones added. Healthy articles must arrive as fast as in the baseline:
"on time" is within one poll interval (plus slack) of a new entry appearing, which is what a
healthy feed polled every ``POLL_S`` gets when nothing else holds it up. Each misbehaving feed
must be reported on the health topic with its specific error kind; the process must stay up,
and its memory bounded while the 50 MB body is on offer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from aiokafka import AIOKafkaConsumer, TopicPartition

from connectors.demo.server import DemoFeedServer, demo_documents
from connectors.feedlist import FeedConfig
from connectors.fetch import FetchLimits
from orbitwatch.core.kafka import (
    ensure_topics,
    kafka_client_options,
    topic_partitions,
)
from orbitwatch.core.settings import Settings
from schemas import Article, FeedHealth
from schemas.topics import topic_specs
from tests.faults.conftest import Figures
from tests.faults.feed_servers import MisbehavingFeeds, rss_document
from tests.faults.processes import Process, orbitwatch_env

POLL_S = 2.0
# A new entry is on time when it arrives within one poll interval of the next poll, plus
# slack for the fetch, the parse in a worker process and Kafka's acknowledgement.
ON_TIME_S = 2 * POLL_S + 2.0
EXPECTED_KINDS = {
    "hang": "timeout",
    "reset": "connection",
    "error500": "http_status",
    "garbage": "not_a_feed",
    "huge": "too_large",
    "laughs": "unsafe_xml",
}
# The connector's own read timeout decides when the hanging feed is given up.
HANG_LIMIT_S = FetchLimits().read_timeout + 30.0
# Room above the baseline's peak: the 8 MB body limit, its join and the parser's copy.
MEMORY_HEADROOM_MIB = 64.0
GENERATED = {
    f"wire-{n}": [
        (f"wire-{n}-{i}", f"Wire {n} report {i}: satellite operators meet", "Routine news.")
        for i in range(5)
    ]
    for n in range(3)
}


@dataclass
class Observed:
    """What the connector put on Kafka, with the test's clock at arrival."""

    articles: dict[str, tuple[Article, float]] = field(default_factory=dict)
    health: dict[str, list[tuple[FeedHealth, float]]] = field(default_factory=dict)

    def of_feeds(self, prefix: str) -> dict[str, tuple[Article, float]]:
        return {k: v for k, v in self.articles.items() if v[0].feed_id.startswith(prefix)}


async def _tail(settings: Settings, observed: Observed) -> None:
    """Follow articles.raw and the health topic from their beginning, forever."""
    topics = (settings.topic_articles_raw, settings.topic_feed_health)
    partitions = [
        TopicPartition(topic, p)
        for topic in topics
        for p in await topic_partitions(settings, topic)
    ]
    consumer = AIOKafkaConsumer(**kafka_client_options(settings), group_id=None)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        while True:
            batches = await consumer.getmany(timeout_ms=200)
            now = time.monotonic()
            for tp, records in batches.items():
                for record in records:
                    if tp.topic == settings.topic_articles_raw:
                        article = Article.from_bytes(record.value)
                        # By feed too: the demo documents are served to both runs, and
                        # URL-based article ids are the same across feeds.
                        key = f"{article.feed_id}/{article.id}"
                        observed.articles.setdefault(key, (article, now))
                    else:
                        health = FeedHealth.from_bytes(record.value)
                        observed.health.setdefault(record.key.decode(), []).append((health, now))
    finally:
        await consumer.stop()


def _reported(observed: Observed, feed_id: str, process: Process) -> Callable[[], bool]:
    return lambda: feed_id in observed.health or not process.alive()


async def _until(condition: Callable[[], bool], limit_s: float, what: str) -> float:
    """Wait (checking every 50 ms) until ``condition()`` is true; returns the seconds taken."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > limit_s:
            raise AssertionError(f"timed out after {limit_s:g}s waiting for {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def _status_kib(pid: int, name: str) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # the process is gone
        return 0
    for line in text.splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class MemoryWatch:
    """Samples a process's resident memory plus its children's. ``VmHWM`` is the kernel's
    own high-water mark, so a spike shorter than the sampling interval still counts."""

    def __init__(self, pid: int, interval_s: float = 0.05) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.peak_tree_mib = 0.0
        self._task: asyncio.Task[None] | None = None

    @property
    def peak_hwm_mib(self) -> float:
        return _status_kib(self.pid, "VmHWM") / 1024

    async def _sample(self) -> None:
        while True:
            pids = [self.pid, *_children(self.pid)]
            tree = sum(_status_kib(pid, "VmRSS") for pid in pids) / 1024
            self.peak_tree_mib = max(self.peak_tree_mib, tree)
            await asyncio.sleep(self.interval_s)

    def start(self) -> None:
        self._task = asyncio.create_task(self._sample())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


class HealthyFeeds:
    """The three demo documents and three generated RSS feeds, each on its own address."""

    def __init__(self, network: str, prefix: str) -> None:
        self.prefix = prefix
        documents = demo_documents() | {
            name: rss_document(name, items, f"{name}.example") for name, items in GENERATED.items()
        }
        self.servers = {
            f"{prefix}{name}": DemoFeedServer({f"{prefix}{name}": body}, host=f"{network}.{i + 1}")
            for i, (name, body) in enumerate(documents.items())
        }
        self.expected_initial = 10 + sum(len(items) for items in GENERATED.values())

    @asynccontextmanager
    async def running(self) -> AsyncIterator[HealthyFeeds]:
        async with AsyncExitStack() as stack:
            for server in self.servers.values():
                await stack.enter_async_context(server)
            yield self

    def feed_configs(self) -> list[FeedConfig]:
        return [c for s in self.servers.values() for c in s.feed_configs(poll_interval=POLL_S)]

    def add_fresh_entries(self, tag: str) -> list[str]:
        """A new entry in every feed; returns their links (the articles' canonical URLs)."""
        links = []
        for name, server in self.servers.items():
            link = f"https://{name}.example/news/fresh-{tag}"
            server.add_entry(
                name,
                title=f"Fresh {tag}: a new launch date announced by {name}",
                link=link,
                summary="The agency confirmed the new date on Tuesday.",
            )
            links.append(link)
        return links


@dataclass
class Run:
    initial_s: float = 0.0  # connector start -> every initial healthy article on Kafka
    fresh_s: float = 0.0  # new entries published -> all of them on Kafka
    hwm_mib: float = 0.0  # the connector process's own peak resident memory
    tree_mib: float = 0.0  # peak of the connector and its parser processes together
    health_s: dict[str, float] = field(default_factory=dict)
    kinds: dict[str, str | None] = field(default_factory=dict)
    alive: bool = False
    exit_code: int | None = None


async def _run_connector(
    settings: Settings,
    healthy: HealthyFeeds,
    bad: MisbehavingFeeds | None,
    observed: Observed,
    tmp_path: Path,
    label: str,
) -> Run:
    feeds = healthy.feed_configs() + (bad.feed_configs(POLL_S) if bad else [])
    feeds_file = tmp_path / f"feeds-{label}.yaml"
    feeds_file.write_text(
        yaml.safe_dump({"feeds": [feed.model_dump() for feed in feeds]}, allow_unicode=True)
    )
    run = Run()
    process = Process(
        f"connector-{label}",
        ["connector", "run", "--feeds", str(feeds_file)],
        orbitwatch_env(settings),
        tmp_path / label,
    )
    started = time.monotonic()
    process.start()
    assert process.popen is not None
    watch = MemoryWatch(process.popen.pid)
    watch.start()
    try:
        await _until(
            lambda: (
                len(observed.of_feeds(healthy.prefix)) >= healthy.expected_initial
                or not process.alive()
            ),
            limit_s=60,
            what=f"{healthy.expected_initial} initial articles ({label})",
        )
        run.initial_s = time.monotonic() - started
        assert len(observed.of_feeds(healthy.prefix)) == healthy.expected_initial, process.tail()

        # New entries while the misbehaving feeds' first polls may still be in flight.
        links = set(healthy.add_fresh_entries(label))
        added = time.monotonic()
        await _until(
            lambda: (
                links <= {a.url for a, _ in observed.of_feeds(healthy.prefix).values()}
                or not process.alive()
            ),
            limit_s=HANG_LIMIT_S + 30,
            what=f"the fresh entries ({label})",
        )
        arrivals = [t for a, t in observed.of_feeds(healthy.prefix).values() if a.url in links]
        run.fresh_s = max(arrivals) - added

        if bad is not None:
            for name in bad.feeds:
                feed_id = f"bad-{name}"
                await _until(
                    _reported(observed, feed_id, process),
                    limit_s=HANG_LIMIT_S,
                    what=f"the health record of {feed_id}",
                )
                records = observed.health.get(feed_id, [])
                run.health_s[name] = records[0][1] - started if records else float("nan")
                run.kinds[name] = records[0][0].last_error_kind if records else None
        run.alive = process.alive()
        run.hwm_mib = watch.peak_hwm_mib
        run.tree_mib = watch.peak_tree_mib
    finally:
        await watch.stop()
        await asyncio.to_thread(process.stop, 30.0)
        run.exit_code = process.returncode
    return run


async def test_misbehaving_feeds_do_not_hold_up_healthy_ones(
    isolated_settings: Settings, tmp_path: Path, figures: Figures
) -> None:
    settings = isolated_settings
    await ensure_topics(settings, topic_specs(settings))
    observed = Observed()
    tail = asyncio.create_task(_tail(settings, observed))
    try:
        baseline_feeds = HealthyFeeds("127.77.0", "base-")
        async with baseline_feeds.running():
            baseline = await _run_connector(
                settings, baseline_feeds, None, observed, tmp_path, "baseline"
            )
        healthy = HealthyFeeds("127.77.1", "live-")
        async with healthy.running(), MisbehavingFeeds("127.77.2") as bad:
            faulty = await _run_connector(settings, healthy, bad, observed, tmp_path, "faults")
    finally:
        tail.cancel()
        await asyncio.gather(tail, return_exceptions=True)

    arrived = len(observed.of_feeds("live-"))
    # Healthy feeds must not be blamed for their neighbours: no failure on their record.
    blamed = sorted(
        feed_id
        for feed_id, records in observed.health.items()
        if feed_id.startswith("live-") and records[-1][0].consecutive_failures
    )
    expected = healthy.expected_initial + len(healthy.servers)
    figures.add("healthy articles arrived", f"{arrived}/{expected}")
    figures.add("initial articles after", faulty.initial_s, "s")
    figures.add("initial articles after, baseline", baseline.initial_s, "s")
    figures.add("initial articles, ratio to baseline", faulty.initial_s / baseline.initial_s)
    figures.add("fresh entries after", faulty.fresh_s, f"s (on time: <= {ON_TIME_S:g}s)")
    figures.add("fresh entries after, baseline", baseline.fresh_s, "s")
    figures.add("fresh entries, ratio to baseline", faulty.fresh_s / baseline.fresh_s)
    for name, kind in faulty.kinds.items():
        feed = bad.feeds[name]
        figures.add(
            f"error kind of {name}",
            f"{kind} (expected {EXPECTED_KINDS[name]}; reported after "
            f"{faulty.health_s[name]:.1f}s; {feed.requests} request(s), "
            f"{feed.bytes_sent / 1e6:.1f} MB sent)",
        )
    figures.add("peak RSS with the 50 MB feed", faulty.hwm_mib, " MiB")
    figures.add("peak RSS, baseline", baseline.hwm_mib, " MiB")
    figures.add("peak RSS with parser processes", faulty.tree_mib, " MiB")
    figures.add("connector alive until stopped", faulty.alive)
    figures.add("exit codes (baseline, faults)", (baseline.exit_code, faulty.exit_code))

    assert baseline.alive and faulty.alive, "the connector process died"
    assert baseline.exit_code == 0 and faulty.exit_code == 0
    assert arrived == expected
    assert faulty.kinds == EXPECTED_KINDS
    assert len([f for f in observed.health if f.startswith("live-")]) == len(healthy.servers)
    assert not blamed, f"healthy feeds reported as failing: {blamed}"
    assert baseline.fresh_s <= ON_TIME_S, f"even the baseline is late: {baseline.fresh_s:.1f}s"
    assert faulty.fresh_s <= ON_TIME_S, (
        f"healthy feeds were held up by misbehaving ones: fresh entries after "
        f"{faulty.fresh_s:.1f}s, baseline {baseline.fresh_s:.1f}s"
    )
    assert bad.huge_completed == 0, "the connector read the whole 50 MB body"
    assert faulty.hwm_mib <= baseline.hwm_mib + MEMORY_HEADROOM_MIB
