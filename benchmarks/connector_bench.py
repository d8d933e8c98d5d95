"""Connector benchmark: 500 local feeds, a few poll rounds, against a naive baseline.

    .venv/bin/python -m benchmarks.connector_bench [--feeds 500] [--rounds 4] [--items 20]

A feed server with ``--feeds`` synthetic RSS documents runs in a separate process on
127.0.0.1 (so the connector's memory is its own). The connector (fetch + parse + normalize,
and produce to Kafka when a broker answers at the configured address) polls them for
``--rounds`` rounds; between rounds 10% of the feeds gain one entry, so later rounds show
how much conditional GET saves. Then a plain sequential loop (urllib + feedparser, no
validators, no dedup) does the same rounds as the baseline, and the two are compared.

All feeds share one host here, so per-host politeness is relaxed to the concurrency limit;
against real sites the per-host gap dominates instead.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import resource
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser

from benchmarks.harness.namespace import run_name
from benchmarks.harness.report import out_path, write_report
from benchmarks.harness.stats import ratio
from benchmarks.harness.table import print_table
from connectors.demo.server import DemoFeedServer
from connectors.feedlist import FeedConfig
from connectors.producer import DeliveryFailed, KafkaSink
from connectors.runner import Connector, ConnectorOptions
from orbitwatch.core.namespace import delete_topics, namespaced
from orbitwatch.core.settings import Settings, get_settings
from schemas import Article, FeedHealth, FeedState

_VOCABULARY = """
orbit launch satellite lunar station reactor agency mission rocket payload booster
constellation navigation ground segment treaty cooperation debris tracking telescope
spacecraft module crew capsule propulsion antenna spectrum frequency defence ministry
"""
WORDS = _VOCABULARY.split()  # in this order: the seeded feeds depend on it


def synthetic_feed(index: int, items: int, rng: random.Random) -> bytes:
    entries = []
    for n in range(items):
        title = " ".join(rng.choice(WORDS) for _ in range(8)).capitalize()
        text = " ".join(rng.choice(WORDS) for _ in range(80))
        entries.append(
            f"<item><title>{escape(title)}</title>"
            f"<link>https://feed{index}.bench.example/a/{n}?utm_source=rss</link>"
            f"<guid isPermaLink='false'>feed{index}-item{n}</guid>"
            f"<pubDate>Tue, 11 Mar 2025 {n % 24:02d}:00:00 +0000</pubDate>"
            f"<description>&lt;p&gt;{escape(text)}&lt;/p&gt;</description></item>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Bench feed {index}</title><link>https://feed{index}.bench.example/</link>"
        f"<language>en</language>{''.join(entries)}</channel></rss>"
    ).encode()


# --- the feed server, in its own process ------------------------------------------------------


def _serve(conn: Connection, feeds: int, items: int, latency: float) -> None:
    async def main() -> None:
        rng = random.Random(42)
        documents = {f"bench-{i}": synthetic_feed(i, items, rng) for i in range(feeds)}
        async with DemoFeedServer(documents, latency=latency) as server:
            conn.send(server.port)
            loop = asyncio.get_running_loop()
            while True:
                command = await loop.run_in_executor(None, conn.recv)
                if command == "stop":
                    return
                # "touch <fraction> <round>": add one entry to that share of the feeds
                _, fraction, round_no = command.split()
                touched = list(server.documents)[: int(len(server.documents) * float(fraction))]
                for name in touched:
                    server.add_entry(
                        name,
                        title=f"Fresh entry of round {round_no}",
                        link=f"https://{name}.bench.example/fresh/{round_no}",
                        summary="A new entry added between rounds.",
                        guid=f"{name}-fresh-{round_no}",
                    )
                conn.send("ok")

    asyncio.run(main())


# --- connector side ---------------------------------------------------------------------------


class CountingSink:
    """Used when no Kafka broker answers: counts instead of producing."""

    async def send_articles(self, articles: Sequence[Article]) -> None:
        pass

    async def send_state(self, state: FeedState) -> None:
        pass

    async def send_health(self, feed_id: str, health: FeedHealth) -> None:
        pass


OUT = out_path("connector")


@dataclass
class RoundStats:
    seconds: float
    feeds: int
    articles: int
    not_modified: int
    failed: int

    @property
    def feeds_per_minute(self) -> float:
        return self.feeds / self.seconds * 60

    @property
    def articles_per_second(self) -> float:
        return self.articles / self.seconds


def bench_settings() -> Settings:
    """Topics of a namespace of their own (the connector writes nothing else)."""
    name = run_name()
    return namespaced(get_settings(), name, Path(tempfile.gettempdir()) / name)


async def run_connector(
    port: int, args: argparse.Namespace, conn: Connection
) -> tuple[list[RoundStats], str]:
    feeds = [
        FeedConfig(
            id=f"bench-{i}",
            name=f"Bench {i}",
            url=f"http://127.0.0.1:{port}/feeds/bench-{i}",
            allow_private=True,
        )
        for i in range(args.feeds)
    ]
    options = ConnectorOptions(
        concurrency=args.concurrency,
        host_gap=0.0,
        per_host=args.concurrency,
        parser_workers=args.parser_workers,
    )
    settings = bench_settings()
    sink: KafkaSink | CountingSink
    kafka = KafkaSink(settings)
    try:
        await asyncio.wait_for(kafka.start(), timeout=15)
        sink, mode = kafka, f"produced to Kafka at {settings.kafka_bootstrap_servers}"
    except (DeliveryFailed, TimeoutError, OSError) as exc:
        sink = CountingSink()
        mode = f"Kafka not reachable ({type(exc).__name__}): producing SKIPPED, articles counted"
    stats: list[RoundStats] = []
    try:
        async with Connector(feeds, sink, options=options) as connector:
            for round_no in range(args.rounds):
                if round_no:
                    conn.send(f"touch 0.1 {round_no}")
                    await asyncio.get_running_loop().run_in_executor(None, conn.recv)
                started = time.perf_counter()
                report = await connector.poll_round()
                stats.append(
                    RoundStats(
                        time.perf_counter() - started,
                        len(report.results),
                        report.produced,
                        report.not_modified,
                        len(report.failed),
                    )
                )
    finally:
        if isinstance(sink, KafkaSink):
            await sink.stop()
            await delete_topics(settings, (f"{settings.index_prefix}.",))
    return stats, mode


# --- baseline ------------------------------------------------------------------------------------


def run_baseline(port: int, args: argparse.Namespace) -> list[RoundStats]:
    stats = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        entries = 0
        for i in range(args.feeds):
            url = f"http://127.0.0.1:{port}/feeds/bench-{i}"
            with urllib.request.urlopen(url, timeout=30) as response:
                body = response.read()
            entries += len(feedparser.parse(body).entries)
        stats.append(RoundStats(time.perf_counter() - started, args.feeds, entries, 0, 0))
    return stats


def _mb(kilobytes: int) -> float:
    return kilobytes / 1024  # ru_maxrss is in KiB on Linux


def _round_figures(stats: RoundStats) -> dict[str, float]:
    return {
        "seconds": round(stats.seconds, 2),
        "feeds_per_minute": round(stats.feeds_per_minute),
        "articles_per_second": round(stats.articles_per_second),
        "not_modified_share": round(stats.not_modified / stats.feeds, 3),
        "failed": stats.failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--items", type=int, default=20, help="entries per feed")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument(
        "--latency", type=float, default=0.0, help="server delay per response, seconds"
    )
    parser.add_argument("--parser-workers", type=int, default=min(4, os.cpu_count() or 2))
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    server = context.Process(
        target=_serve, args=(theirs, args.feeds, args.items, args.latency), daemon=True
    )
    server.start()
    port = ours.recv()
    print(
        f"feed server: {args.feeds} feeds x {args.items} entries on 127.0.0.1:{port}, "
        f"{args.latency * 1000:.0f} ms latency per response, {os.cpu_count()} CPU(s)"
    )

    try:
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        stats, mode = asyncio.run(run_connector(port, args, ours))
        peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak_workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        base = run_baseline(port, args)
        report = {
            "feeds": args.feeds,
            "items_per_feed": args.items,
            "latency_ms": args.latency * 1000,
            "mode": mode,
            "rounds": [_round_figures(s) for s in stats],
            "baseline_rounds": [_round_figures(s) for s in base],
            "ratio_feeds_per_minute_round_1": ratio(
                stats[0].feeds_per_minute, base[0].feeds_per_minute, digits=2
            ),
            "peak_rss_mib": {
                "connector": round(_mb(peak_self)),
                "largest_parser_worker": round(_mb(peak_workers)),
            },
        }
        print(
            f"connector: {mode}; baseline: sequential urllib + feedparser, no validators, no dedup"
        )
        print_table(
            ("", "round", "seconds", "feeds/min", "articles/s", "304 share", "failed"),
            [
                (who, n, *figures.values())
                for who, key in (("connector", "rounds"), ("baseline", "baseline_rounds"))
                for n, figures in enumerate(report[key], 1)
            ],
        )
        later, base_later = stats[1:], base[1:]
        if later:
            share = sum(s.not_modified for s in later) / sum(s.feeds for s in later)
            print(f"conditional-GET hits (304) in rounds 2-{len(stats)}: {share:.0%}")
        print(
            f"peak memory: connector process {_mb(peak_self):.0f} MiB "
            f"(at start {_mb(rss_before):.0f} MiB); "
            f"largest parser worker {_mb(peak_workers):.0f} MiB"
        )
        cold = report["ratio_feeds_per_minute_round_1"]
        print(f"feeds/min ratio, round 1 (everything new): {cold}x")
        if later:
            ours_later = sum(s.feeds for s in later) / sum(s.seconds for s in later)
            theirs_later = sum(s.feeds for s in base_later) / sum(s.seconds for s in base_later)
            warm = ours_later / theirs_later
            print(f"feeds/min ratio, later rounds (mostly unchanged): {warm:.1f}x")
        print(
            "articles/s ratio, round 1: "
            f"{stats[0].articles_per_second / base[0].articles_per_second:.1f}x "
            "(the baseline counts every entry every round; the connector only new ones)"
        )
        write_report(OUT, report)
    finally:
        ours.send("stop")
        server.join(timeout=10)


if __name__ == "__main__":
    main()
