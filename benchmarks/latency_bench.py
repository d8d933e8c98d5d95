"""End-to-end latency: feed publish and arrival in articles.raw -> alert, -> searchable.

    .venv/bin/python -m benchmarks.latency_bench [--rates 10,50,200] [--seconds 20]

Uses its own topics, indices and consumer group on the local Kafka and Elasticsearch
(``bench-<random>``, see ``orbitwatch.core.namespace``), all removed at the end. ``orbitwatch
worker`` and ``orbitwatch connector run`` run as separate processes (``benchmarks/harness/``),
as in production, so the benchmark's own producer, feed servers and pollers do not share
their CPU or event loop. Their logs: ``benchmarks/out/latency-worker.log`` and
``latency-connector.log``.

At each rate, one after the other, articles from ``benchmarks/articles.py`` (en/ru/zh, about
40% relevant, each relevant one raising alerts of its own) go through two paths:

- **raw**: produced straight to articles.raw at the rate; time zero is the produce call.
- **publish**: added to RSS feeds (``DemoFeedServer.add_entry``) at the rate, which the
  connector polls; time zero is the moment the entry appears in the feed. This path adds
  the connector: the wait for its next poll, fetch, parse, normalize, produce.

For every relevant article it records the time until

- its alert arrives on the alerts topic (matched by story id / triggering article id), and
- its event is found by ``_search`` on the events alias, polled every 100 ms *without*
  forcing a refresh, i.e. with the index's normal refresh interval;

and for every feed entry the time until the connector's record of it is on articles.raw.
The baseline, at the same rate and before both paths: produce -> consume on a plain topic
(the raw Kafka round trip), for at most ``BASELINE_MAX_S``.

The feeds, and why:

- Poll interval 1 s, the least a feed list accepts (``MIN_POLL_INTERVAL``). The connector
  reschedules a feed one interval after a poll's articles are acknowledged, so a feed is
  polled every 1 s plus the poll's own duration, and an entry waits half of that on
  average before anything else happens. That wait dominates publish -> alert; with a
  production interval of minutes it is all that matters.
- One feed per host (``127.0.0.2``, ``127.0.0.3``, ...: all of 127/8 is loopback on Linux):
  the connector's politeness lets one request start per host per second
  (``ConnectorOptions.host_gap``), so feeds sharing a host would be polled in turn, every
  ``1 s x feeds`` at best.
- Six feeds, two per language, each with its language in the channel (as real feeds do; the
  connector then skips language detection). Entries go to a feed of their language in turn.
- Each feed lists its newest ``FEED_WINDOW`` (100) entries, as a real feed lists its latest
  few dozen: an entry pushed out before a poll saw it is lost, as it would be in the wild
  (``publish -> articles.raw`` counts it as missed). At 200/s one feed would need 200-300
  new entries per poll cycle, more than it lists, and the connector parses every listed
  entry on every poll; with six feeds the busiest (en, about 42% of articles) gets about 50.

A backlog is reported, not hidden. Per path: the achieved rate; how many articles had not yet
reached articles.raw / alerted / become searchable when sending stopped; the worker's
consumer lag then and after the drain (committed offsets: faust commits every 2.8 s, so a
worker that keeps up still shows a few seconds of records); the alert p50 of the first and
the last fifth of the path (latency growing during a path is a queue building up); the CPU
the worker, the connector, this process and the whole machine used while sending (the
machine is shared: other runs show up there); and how late this process's event loop woke
up, since every time stamp, publication included, is taken on it. After sending, a path
waits (``--drain``, at most) until its relevant articles are alerted and searchable and the
worker's lag is zero, so that the next path starts on an idle worker; articles not alerted
or not searchable by then are counted as missed, and percentiles cover the rest.

Results: one table on stdout and ``benchmarks/out/latency.json``. To make every relevant
article raise its own alert (the default rules alert once per story and rule), the worker runs
with ``ORBITWATCH_STORY_WINDOW=60s`` and relevant articles get ``published_at`` times two
minutes apart, so none joins an earlier story.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from aiokafka import ConsumerRecord
from elasticsearch import Elasticsearch

from benchmarks.articles import STORY_WINDOW, ArticleFactory
from benchmarks.harness.cpu import CpuMeter
from benchmarks.harness.namespace import bench_namespace
from benchmarks.harness.observe import (
    SearchWatch,
    Watchers,
    assigned_consumer,
    each_record,
    wait_until,
    worker_lag,
)
from benchmarks.harness.processes import (
    Process,
    check_alive,
    live_pid,
    server_pids,
    start_connector,
    start_worker,
    stop_process,
)
from benchmarks.harness.produce import Sent, at_fixed_rate, produce_at_rate, produce_until
from benchmarks.harness.report import (
    add_rate_options,
    display_path,
    finish,
    out_path,
    parse_rates,
)
from benchmarks.harness.stats import elapsed_ms, percentile, summary
from benchmarks.harness.table import cell, print_table
from connectors.demo.server import DemoFeedServer
from connectors.feedlist import MIN_POLL_INTERVAL
from connectors.normalize import article_id, canonical_url, identity_key
from connectors.parse import RawEntry
from connectors.runner import ConnectorOptions
from orbitwatch.core.settings import Settings, get_settings
from schemas import Alert, Article
from schemas.indices.names import IndexNames

OUT = out_path("latency")
SEARCH_POLL_S = 0.1
BASELINE_MAX_S = 10.0
POLL_INTERVAL_S = MIN_POLL_INTERVAL
FEEDS = 6
FEED_WINDOW = 100
LANGUAGES = ("en", "ru", "zh")

Processes = dict[str, Process]


@dataclass
class Published(Sent):
    """A feed entry; ``sent_at`` is when it appeared in its feed."""

    raw_at: float | None = None  # first seen on articles.raw, i.e. produced by the connector


def settled(sent: Sent) -> bool:
    return sent.alerted_at is not None and sent.searchable_at is not None


class Tracker:
    """First-seen times of what was sent: the alert of a relevant article (alerts topic),
    its search hit (events alias) and, for a feed entry, its record on articles.raw (only
    record keys are read: the connector keys each record by article id)."""

    def __init__(self, settings: Settings, es: Elasticsearch) -> None:
        self.settings = settings
        self.pending: dict[str, Sent] = {}  # relevant articles not yet alerted or searchable
        self.arriving: dict[str, Published] = {}  # feed entries not yet on articles.raw
        index = IndexNames(settings.index_prefix).events_alias
        self.search = SearchWatch(es, index, self._found, SEARCH_POLL_S)
        self.watchers = Watchers()
        self.alerts = 0

    def track(self, sent: Sent) -> None:
        if isinstance(sent, Published):
            self.arriving[sent.article_id] = sent
        if sent.relevant:
            self.pending[sent.article_id] = sent
            self.search.watch(sent.article_id)

    def forget(self, sent: Sequence[Sent]) -> None:
        for s in sent:
            self.pending.pop(s.article_id, None)
            self.search.forget(s.article_id)

    async def start(self) -> None:
        settings = self.settings
        alerts = await assigned_consumer(settings, settings.topic_alerts, "earliest")
        raw = await assigned_consumer(settings, settings.topic_articles_raw, "latest")
        self.watchers.run(
            each_record(alerts, self._alert), each_record(raw, self._arrival), self.search.run()
        )

    def _alert(self, record: ConsumerRecord[Any, Any], now: float) -> None:
        alert = Alert.from_bytes(record.value)
        self.alerts += 1
        for key in [alert.story_id, *alert.article_ids[-1:]]:
            sent = self.pending.get(key or "")
            if sent is not None and sent.alerted_at is None:
                sent.alerted_at = now
                self._settle(sent)
                break

    def _found(self, doc_id: str, now: float) -> None:
        sent = self.pending.get(doc_id)
        if sent is not None and sent.searchable_at is None:
            sent.searchable_at = now
            self._settle(sent)

    def _arrival(self, record: ConsumerRecord[Any, Any], now: float) -> None:
        entry = self.arriving.pop((record.key or b"").decode(), None)
        if entry is not None:
            entry.raw_at = now

    def _settle(self, sent: Sent) -> None:
        if settled(sent):
            self.pending.pop(sent.article_id, None)


# -- the feeds ---------------------------------------------------------------------------------


def empty_feed(title: str, language: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://bench.example/</link>"
        f"<description>orbitwatch latency benchmark</description><language>{language}</language>"
        "\n</channel></rss>\n"
    ).encode()


def check_feeds(feeds: int) -> None:
    if feeds < len(LANGUAGES):
        raise SystemExit(f"--feeds: at least {len(LANGUAGES)}, one per language")
    if feeds > 250:
        raise SystemExit("--feeds: at most 250 (127.0.0.2 to 127.0.0.251)")


class FeedPublisher:
    """RSS feeds on :class:`DemoFeedServer` s, one feed per loopback address, one language
    per feed; each keeps its newest ``window`` entries."""

    def __init__(self, run: str, feeds: int, window: int = FEED_WINDOW) -> None:
        check_feeds(feeds)
        self.window = window
        self.servers: list[DemoFeedServer] = []
        self.by_language: dict[str, list[tuple[DemoFeedServer, str]]] = {
            language: [] for language in LANGUAGES
        }
        self.listed: dict[str, int] = {}  # feed -> entries it lists now
        self.published: dict[str, int] = {}  # feed -> entries ever added
        for i in range(feeds):
            language = LANGUAGES[i % len(LANGUAGES)]
            name = f"{run}-{language}-{i // len(LANGUAGES) + 1}"
            server = DemoFeedServer({name: empty_feed(name, language)}, host=f"127.0.0.{i + 2}")
            self.servers.append(server)
            self.by_language[language].append((server, name))
            self.listed[name] = self.published[name] = 0

    async def start(self) -> None:
        for server in self.servers:
            await server.start()

    async def stop(self) -> None:
        for server in self.servers:
            await server.stop()

    def write_feed_list(self, path: Path, poll_interval: float) -> None:
        feeds = [
            c.model_dump(mode="json")
            for server in self.servers
            for c in server.feed_configs(poll_interval)
        ]
        path.write_text(yaml.safe_dump({"feeds": feeds}, allow_unicode=True), encoding="utf-8")

    def publish(self, article: Article) -> str:
        """Add ``article`` to the next feed of its language; returns the id the connector
        will give it (worked out with the connector's own identity functions)."""
        feeds = self.by_language[article.language or LANGUAGES[0]]
        server, name = min(feeds, key=lambda feed: self.published[feed[1]])
        link = article.url or f"https://bench.example/{article.id}"
        server.add_entry(
            name,
            title=article.title,
            link=link,
            summary=article.summary,
            guid=link,
            published=article.published_at,
        )
        self.published[name] += 1
        self._trim(server, name)
        return article_id(identity_key(RawEntry(guid=link, link=link), name, canonical_url(link)))

    def _trim(self, server: DemoFeedServer, name: str) -> None:
        # Without a window the document, and the parsing of it on every poll, would grow
        # with the whole run. The oldest entry goes in the same step as the new one arrives
        # (no await between), so no poll sees both and add_entry's Last-Modified stays right.
        self.listed[name] += 1
        if self.listed[name] <= self.window:
            return
        document = server.documents[name]
        body = document.body
        start = body.rfind(b"<item>")
        end = body.rfind(b"</item>") + len(b"</item>")
        server.documents[name] = replace(document, body=body[:start].rstrip() + body[end:])
        self.listed[name] -= 1


def publish_entry(
    publisher: FeedPublisher, tracker: Tracker, factory: ArticleFactory, share: float = 0.4
) -> Published:
    article, relevant = factory.make(relevant_share=share)
    entry = Published(publisher.publish(article), relevant, time.perf_counter())
    tracker.track(entry)
    return entry


async def warm_up(
    tracker: Tracker,
    settings: Settings,
    publisher: FeedPublisher,
    factory: ArticleFactory,
    processes: Processes,
) -> tuple[float, float]:
    """Relevant articles onto articles.raw until one is alerted and searchable; then one
    relevant entry on every feed, until all are: by then the connector has started its parser
    processes and polls every feed. The seconds each took."""
    warm: list[Sent] = []

    def sent(s: Sent) -> None:
        tracker.track(s)
        warm.append(s)

    worker_s = await produce_until(
        settings,
        lambda: factory.make(relevant_share=1.0),
        lambda: any(map(settled, warm)),
        processes,
        limit_s=150.0,
        wait_each_s=10.0,
        on_sent=sent,
    )
    if worker_s is None:
        alerted = sum(1 for s in warm if s.alerted_at is not None)
        searchable = sum(1 for s in warm if s.searchable_at is not None)
        raise SystemExit(
            f"no article alerted and searchable within 150 s: of {len(warm)}, {alerted} "
            f"alerted, {searchable} searchable; {tracker.alerts} alerts seen in all, "
            f"{tracker.search.errors} failed searches (last: {tracker.search.last_error}); "
            "see the worker log"
        )
    tracker.forget(warm)
    start = time.perf_counter()
    entries: list[Published] = []
    while min(publisher.published.values()) == 0:
        entries.append(publish_entry(publisher, tracker, factory, share=1.0))
    ready = await wait_until(lambda: all(map(settled, entries)), 90.0, processes)
    tracker.forget(entries)
    if not ready:
        on_raw = sum(1 for e in entries if e.raw_at is not None)
        raise SystemExit(
            f"feed entries not alerted and searchable within 90 s ({on_raw} of "
            f"{len(entries)} reached articles.raw; see the connector and worker logs)"
        )
    return worker_s, time.perf_counter() - start


# -- one rate --------------------------------------------------------------------------------


async def baseline(
    settings: Settings, topic: str, rate: int, seconds: float, factory: ArticleFactory
) -> dict[str, Any]:
    """Produce -> consume on a plain topic at ``rate``: the raw Kafka round trip, in ms."""
    sent: dict[str, float] = {}
    latencies: list[float] = []

    def arrived(record: ConsumerRecord[Any, Any], now: float) -> None:
        key = (record.key or b"").decode()
        if key in sent:
            latencies.append((now - sent.pop(key)) * 1000)

    watchers = Watchers()
    watchers.run(each_record(await assigned_consumer(settings, topic, "latest"), arrived))
    try:
        achieved = await produce_at_rate(
            settings,
            topic,
            rate,
            seconds,
            factory.make,
            lambda s: sent.update({s.article_id: s.sent_at}),
        )
        await wait_until(lambda: not sent, 15, every=0.1)
    finally:
        await watchers.stop()
    return {"achieved_rate": round(achieved, 1), "seconds": seconds, **summary(latencies)}


def _latencies(sent: Sequence[Sent], attr: str) -> list[float]:
    return elapsed_ms((s.sent_at, getattr(s, attr)) for s in sent)


def _alert_p50(sent: Sequence[Sent]) -> float | None:
    """Median time to alert, an article never alerted counting as slower than any; None
    when more than half of them had no alert by the end of the drain."""
    values = [math.inf if s.alerted_at is None else (s.alerted_at - s.sent_at) * 1000 for s in sent]
    p50 = percentile(values, 50)
    return None if p50 is None or math.isinf(p50) else round(p50, 1)


async def settle(
    settings: Settings,
    tracker: Tracker,
    meter: CpuMeter,
    sent: Sequence[Sent],
    achieved: float,
    drain_s: float,
    backlog: dict[str, int],
) -> dict[str, Any]:
    """Called as sending stops: what is still on its way then, then a wait (at most
    ``drain_s``) for the relevant articles of the path; the path's figures."""
    usage = meter.read()
    relevant = [s for s in sent if s.relevant]
    backlog |= {
        "alert": sum(1 for s in relevant if s.alerted_at is None),
        "searchable": sum(1 for s in relevant if s.searchable_at is None),
    }
    lag_at_end = await worker_lag(settings)
    # Until the worker is idle too, not just done with the relevant articles: the irrelevant
    # ones still queued for indexing would otherwise delay the next path's articles.
    started = time.perf_counter()
    lag_after: dict[str, int] = {}
    while time.perf_counter() - started < drain_s:
        if not all(map(settled, relevant)):
            await asyncio.sleep(0.2)
            continue
        lag_after = await worker_lag(settings)
        if not any(lag_after.values()):
            break
        await asyncio.sleep(0.5)
    drained = time.perf_counter() - started
    if drained >= drain_s:
        lag_after = await worker_lag(settings)
    tracker.forget(relevant)
    alert, search = _latencies(relevant, "alerted_at"), _latencies(relevant, "searchable_at")
    fifth = max(1, len(relevant) // 5)
    return {
        "achieved_rate": round(achieved, 1),
        "sent": len(sent),
        "relevant": len(relevant),
        "alert": {**summary(alert), "missed": len(relevant) - len(alert)},
        "searchable": {**summary(search), "missed": len(relevant) - len(search)},
        "alert_p50_first_vs_last_fifth_ms": [
            _alert_p50(relevant[:fifth]),
            _alert_p50(relevant[-fifth:]),
        ],
        "not_yet_at_end_of_sending": backlog,
        "worker_lag_at_end_of_sending": lag_at_end,
        "while_sending": usage,
        "drain_s": round(drained, 1),
        "worker_lag_after_drain": lag_after,
    }


async def raw_path(
    settings: Settings,
    tracker: Tracker,
    meter: CpuMeter,
    factory: ArticleFactory,
    rate: int,
    seconds: float,
    drain_s: float,
) -> dict[str, Any]:
    sent: list[Sent] = []

    def on_sent(s: Sent) -> None:
        sent.append(s)
        tracker.track(s)

    meter.reset()
    achieved = await produce_at_rate(
        settings, settings.topic_articles_raw, rate, seconds, factory.make, on_sent
    )
    return await settle(settings, tracker, meter, sent, achieved, drain_s, {})


async def publish_path(
    settings: Settings,
    tracker: Tracker,
    meter: CpuMeter,
    publisher: FeedPublisher,
    factory: ArticleFactory,
    rate: int,
    seconds: float,
    drain_s: float,
) -> dict[str, Any]:
    entries: list[Published] = []

    async def publish_one() -> None:
        entries.append(publish_entry(publisher, tracker, factory))

    meter.reset()
    achieved = await at_fixed_rate(rate, seconds, publish_one)
    backlog = {"articles_raw": sum(1 for e in entries if e.raw_at is None)}
    figures = await settle(settings, tracker, meter, entries, achieved, drain_s, backlog)
    pickup = _latencies(entries, "raw_at")
    # Still missing after the drain: pushed out of its feed's window before a poll saw it
    # (or the connector fell that far behind).
    figures["to_articles_raw"] = {**summary(pickup), "missed": len(entries) - len(pickup)}
    # The worker's share for the connector's records, comparable with the raw path: they
    # arrive in bursts (a poll's worth at once) instead of evenly spaced.
    worker_share = elapsed_ms(
        (e.raw_at, e.alerted_at) for e in entries if e.relevant and e.raw_at is not None
    )
    figures["articles_raw_to_alert"] = summary(worker_share)
    figures["feeds"] = len(publisher.servers)
    return figures


# -- the run ---------------------------------------------------------------------------------


async def run_async(
    settings: Settings | None = None,
    rates: Sequence[int] = (10, 50, 200),
    seconds: float = 20.0,
    drain_s: float = 20.0,
    feeds: int = FEEDS,
    poll_interval: float = POLL_INTERVAL_S,
    out: Path | None = OUT,
) -> dict[str, Any]:
    """Run the benchmark; returns the report (also written to ``out`` unless None)."""
    if poll_interval < MIN_POLL_INTERVAL:
        raise SystemExit(f"the connector's feed lists allow {MIN_POLL_INTERVAL:g} s at least")
    base = settings or get_settings()
    check_feeds(feeds)
    logs = (out or OUT).parent
    worker_log, connector_log = logs / "latency-worker.log", logs / "latency-connector.log"
    baseline_s = min(seconds, BASELINE_MAX_S)
    started = time.perf_counter()
    async with bench_namespace(base, extra_topics=["baseline"], story_window=STORY_WINDOW) as run:
        ns, name = run.settings, run.name
        publisher = FeedPublisher(name, feeds)
        factory = ArticleFactory(name)
        tracker = Tracker(ns, run.es)
        processes: Processes = {}
        meter = CpuMeter(server_pids(base))
        try:
            await publisher.start()
            feeds_file = run.work / "feeds.yaml"
            publisher.write_feed_list(feeds_file, poll_interval)
            processes["the worker"] = worker = start_worker(ns, worker_log)
            processes["the connector"] = connector = start_connector(ns, feeds_file, connector_log)
            meter.sources = {
                "worker": live_pid(worker),
                "connector": live_pid(connector),
                **meter.sources,
            }
            print(
                f"run {name}: worker pid {worker.pid}, connector pid {connector.pid} polling "
                f"{feeds} feeds every {poll_interval:g} s (logs {display_path(worker_log)}, "
                f"{display_path(connector_log)})",
                flush=True,
            )
            await tracker.start()
            meter.start()
            worker_s, feeds_s = await warm_up(tracker, ns, publisher, factory, processes)
            print(f"worker ready after {worker_s:.1f}s, feeds after {feeds_s:.1f}s", flush=True)
            rows = []
            for rate in rates:
                print(
                    f"rate {rate}/s: Kafka baseline {baseline_s:.0f}s, articles.raw "
                    f"{seconds:.0f}s, feeds {seconds:.0f}s ...",
                    flush=True,
                )
                row: dict[str, Any] = {"rate": rate}
                row["baseline_kafka_round_trip_ms"] = await baseline(
                    ns, f"{name}.baseline", rate, baseline_s, factory
                )
                row["raw"] = await raw_path(ns, tracker, meter, factory, rate, seconds, drain_s)
                check_alive(processes)
                row["publish"] = await publish_path(
                    ns, tracker, meter, publisher, factory, rate, seconds, drain_s
                )
                check_alive(processes)
                rows.append(row)
        finally:
            await meter.stop()
            await tracker.watchers.stop()
            # The connector first, so that nothing new reaches articles.raw while the worker
            # shuts down and the namespace is wiped.
            for label in ("the connector", "the worker"):
                if label in processes:
                    stop_process(processes[label])
            await publisher.stop()
    report = {
        "run": name,
        "seconds_per_rate": seconds,
        "baseline_seconds": baseline_s,
        "workers": "orbitwatch worker and orbitwatch connector run, one process each",
        "warmup_s": {"worker": round(worker_s, 1), "feeds": round(feeds_s, 1)},
        "partitions": ns.topic_partitions,
        "search_poll_ms": SEARCH_POLL_S * 1000,
        "feeds": {
            "count": feeds,
            "hosts": [server.host for server in publisher.servers],
            "poll_interval_s": poll_interval,
            "host_gap_s": ConnectorOptions().host_gap,
            "window_entries": FEED_WINDOW,
        },
        "alerts_seen": tracker.alerts,
        "failed_searches": tracker.search.errors,
        "last_failed_search": tracker.search.last_error,
        "note": "raw: from the produce call to articles.raw; publish: from the entry "
        "appearing in its feed; searchable = first _search hit by id, no forced refresh; "
        "baseline = produce->consume on a plain topic at the same rate",
        "rates": rows,
    }
    print_report(report)
    finish(report, out, started)
    return report


# -- output ------------------------------------------------------------------------------------


def _pairs(values: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items()) or "unknown"


def _notes(label: str, figures: dict[str, Any], rate: int, extra: str = "") -> list[str]:
    """What stands behind a path's percentiles: rate, backlog, CPU, trends, misses."""
    indent = f"  {label}: "
    first, last = figures["alert_p50_first_vs_last_fifth_ms"]
    usage = figures["while_sending"]
    notes = [
        f"{indent}sent {figures['sent']} at {figures['achieved_rate']}/s{extra}; when sending "
        f"stopped, not yet {_pairs(figures['not_yet_at_end_of_sending'])}; worker lag "
        f"{_pairs(figures['worker_lag_at_end_of_sending'])}; drained in {figures['drain_s']}s, "
        f"lag then {_pairs(figures['worker_lag_after_drain'])}",
        f"{indent}CPU cores while sending {_pairs(usage['cpu_cores'])} (of "
        f"{usage['machine_cores']}); this process's loop lag p99 "
        f"{cell(usage['benchmark_loop_lag_ms']['p99'])} ms; alert p50 first fifth "
        f"{cell(first)} ms, last fifth {'not alerted' if last is None else f'{cell(last)} ms'}",
    ]
    if figures["achieved_rate"] < 0.95 * rate:
        notes.append(f"{indent}the sender fell behind the target rate")
    if first is not None and (last is None or last > 2 * first + 500):
        notes.append(f"{indent}latency grew during the run: a queue built up")
    if figures["alert"]["missed"] + figures["searchable"]["missed"]:
        notes.append(
            f"{indent}{figures['alert']['missed']} of {figures['relevant']} not alerted, "
            f"{figures['searchable']['missed']} not searchable by the end of the drain; the "
            "percentiles cover only the rest"
        )
    return notes


def print_report(report: dict[str, Any]) -> None:
    quantiles = ("p50", "p95", "p99", "max")
    for row in report["rates"]:
        raw, pub = row["raw"], row["publish"]
        lines = {
            "kafka round trip": row["baseline_kafka_round_trip_ms"],
            "articles.raw -> alert": raw["alert"],
            "articles.raw -> search": raw["searchable"],
            "publish -> articles.raw": pub["to_articles_raw"],
            "  then articles.raw -> alert": pub["articles_raw_to_alert"],
            "publish -> alert": pub["alert"],
            "publish -> search": pub["searchable"],
        }
        print(f"\nat {row['rate']} articles/s:")
        print_table(
            ("path", "n", "missed", *(f"{q} ms" for q in quantiles)),
            [(k, v["n"], v.get("missed"), *(v[q] for q in quantiles)) for k, v in lines.items()],
        )
        for note in [
            *_notes("raw", raw, row["rate"]),
            *_notes("publish", pub, row["rate"], f" on {pub['feeds']} feeds"),
        ]:
            print(note)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_rate_options(parser, "10,50,200", seconds=20.0, drain=20.0, out=OUT)
    parser.add_argument("--feeds", type=int, default=FEEDS, help="feeds (one host each)")
    parser.add_argument(
        "--poll-interval", type=float, default=POLL_INTERVAL_S, help="feed poll interval (s)"
    )
    args = parser.parse_args(argv)
    rates = parse_rates(args.rates)
    asyncio.run(
        run_async(None, rates, args.seconds, args.drain, args.feeds, args.poll_interval, args.out)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
