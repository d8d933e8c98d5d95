"""What a rolling update of workers costs: the rebalance pause, measured with 2 worker processes.

    .venv/bin/python -m benchmarks.scaling_bench [--rate 40] [--cycles 3]

On the local Kafka and Elasticsearch, in a namespace of its own (4 partitions): articles go
onto ``articles.raw`` at a fixed rate, spread evenly over the partitions, while worker A
runs alone. Then, ``--cycles`` times, what a Kubernetes rolling update with ``maxSurge 1``
does to one replica: a second worker **joins** the group, and once every partition flows
again the older one **leaves** (SIGTERM, a graceful stop). The roles swap each cycle.

The pause is read from the pipeline's output: every classified event on
``events.classified`` names its article, hence the input partition it came from. For each
join and each leave, the figure per partition is the longest gap between two consecutive
outputs of that partition from the event until all partitions flow again; the pause of the
event is the largest of these (and the smallest is reported too: faust's rebalances stop
every partition, not only the ones that move). At ``--rate`` 40/s a partition's normal gap
is about 0.1 s.

Peak resident memory of each worker, of an ``orbitwatch notify`` delivering the run's alerts
to a local webhook receiver, and of an ``orbitwatch web`` desk following them, is sampled
throughout: the figures the Helm chart's memory requests come from.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr

from benchmarks.corpus import generate
from benchmarks.harness.memory import PeakMemory
from benchmarks.harness.namespace import bench_namespace
from benchmarks.harness.observe import assigned_consumer, each_record
from benchmarks.harness.processes import (
    Process,
    live_pid,
    start_orbitwatch,
    start_worker,
    stop_process,
)
from benchmarks.harness.produce import kafka_producer
from benchmarks.harness.report import display_path, out_path, write_report
from benchmarks.harness.table import print_table
from benchmarks.results_page import replace_scaling_section, scaling_section
from orbitwatch.core.settings import PROJECT_ROOT, Settings, get_settings
from schemas import Article

OUT = out_path("scaling")
DOCS = PROJECT_ROOT / "docs" / "benchmarks.md"
PARTITIONS = 4
FLOWING_WINDOW_S = 1.0  # every partition had an output this recently: the group works
SETTLE_MIN_S = 5.0
SETTLE_LIMIT_S = 180.0


@dataclass
class Outputs:
    """Arrival times of classified events, by the input partition of their article."""

    partition_of: dict[str, int] = field(default_factory=dict)
    arrivals: dict[int, list[float]] = field(default_factory=dict)

    def record(self, article_id: str, at: float) -> None:
        partition = self.partition_of.get(article_id)
        if partition is not None:
            self.arrivals.setdefault(partition, []).append(at)

    def flowing(self, now: float) -> bool:
        return len(self.arrivals) == PARTITIONS and all(
            times and now - times[-1] <= FLOWING_WINDOW_S for times in self.arrivals.values()
        )

    def longest_gaps(self, start: float, end: float) -> dict[int, float]:
        """Per partition, the longest gap between outputs spanning [start, end]: the last
        output before ``start`` counts, so a pause that began at the event is whole."""
        gaps = {}
        for partition, times in sorted(self.arrivals.items()):
            before = [t for t in times if t < start][-1:]
            inside = [t for t in times if start <= t <= end]
            if not inside:  # it never came back: paused from its last output to the end
                gaps[partition] = end - (before[0] if before else start)
                continue
            gaps[partition] = max(
                (b - a for a, b in itertools.pairwise(before + inside)), default=0.0
            )
        return gaps


@dataclass
class Event:
    kind: str  # "join" or "leave"
    cycle: int
    gaps: dict[int, float]
    settled_after_s: float
    stop_s: float | None = None  # leave: SIGTERM until the process exited

    def row(self) -> dict[str, Any]:
        values = list(self.gaps.values())
        return {
            "kind": self.kind,
            "cycle": self.cycle,
            "pause_max_s": round(max(values), 2),
            "pause_min_s": round(min(values), 2),
            "gaps_s": {str(p): round(g, 2) for p, g in self.gaps.items()},
            "settled_after_s": round(self.settled_after_s, 2),
            "stop_s": round(self.stop_s, 2) if self.stop_s is not None else None,
        }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def webhook_receiver(received: list[float]) -> tuple[web.AppRunner, str]:
    async def deliver(request: web.Request) -> web.Response:
        await request.read()
        received.append(time.perf_counter())
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", deliver)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}/hook"


async def produce_forever(
    settings: Settings, articles: list[Article], rate: float, outputs: Outputs, stop: asyncio.Event
) -> int:
    """Articles onto articles.raw at ``rate``/s, partition n % PARTITIONS, until ``stop``
    (the corpus again and again, each time with fresh ids)."""
    sent = 0
    async with kafka_producer(settings, linger_ms=0) as producer:
        start = time.perf_counter()
        while not stop.is_set():
            delay = start + sent / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            seed = articles[sent % len(articles)]
            article = seed.model_copy(update={"id": f"{seed.id}-{sent}"})
            partition = sent % PARTITIONS
            outputs.partition_of[article.id] = partition
            await producer.send(
                settings.topic_articles_raw,
                article.to_bytes(),
                key=article.id.encode(),
                partition=partition,
            )
            sent += 1
    return sent


async def ready(port: int) -> bool:
    """The worker's /ready: tables recovered and no rebalance running."""
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session,
            session.get(f"http://127.0.0.1:{port}/ready") as response,
        ):
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


async def settle(
    outputs: Outputs, since: float, alive: Callable[[], None], ports: list[int]
) -> float:
    """Seconds from ``since`` until every running worker is ready (it joined, the rebalance
    is over, its tables are recovered) and every partition flows again; SETTLE_MIN_S at
    least, so a leave's rebalance has begun."""
    while True:
        await asyncio.sleep(0.2)
        alive()
        now = time.perf_counter()
        if now - since < SETTLE_MIN_S or not outputs.flowing(now):
            continue
        if all(await asyncio.gather(*(ready(port) for port in ports))):
            return time.perf_counter() - since
        if now - since > SETTLE_LIMIT_S:
            raise SystemExit(f"the group did not settle within {SETTLE_LIMIT_S:.0f} s")


async def run(base: Settings, rate: float, cycles: int) -> dict[str, Any]:
    memory = PeakMemory()
    received: list[float] = []
    receiver, hook_url = await webhook_receiver(received)
    report: dict[str, Any] = {"rate": rate, "cycles": cycles, "partitions": PARTITIONS}
    load_before = os.getloadavg()
    async with bench_namespace(base, prefix="scale", topic_partitions=PARTITIONS) as bench:
        settings = bench.settings
        # 5% relevant, as real news; reused with fresh ids as long as the run lasts.
        articles = generate(4000, seed=11)
        outputs = Outputs()
        consumer = await assigned_consumer(settings, settings.topic_events_classified, "latest")

        def seen(record: Any, at: float) -> None:
            outputs.record(json.loads(record.value)["article"]["id"], at)

        watcher = asyncio.create_task(each_record(consumer, seen))
        stop_producing = asyncio.Event()
        producer = asyncio.create_task(
            produce_forever(settings, articles, rate, outputs, stop_producing)
        )
        workers: dict[str, Process] = {}
        ports: dict[str, int] = {}
        others: dict[str, Process] = {}

        def start(name: str) -> Process:
            own = settings.model_copy(update={"data_dir": bench.work / name})
            own.data_dir.mkdir(parents=True, exist_ok=True)
            ports[name] = free_port()
            process = start_worker(own, own.data_dir / "worker.log", ports[name])
            memory.watch(f"worker_{name}", live_pid(process))
            workers[name] = process
            return process

        def running() -> list[int]:
            return [ports[name] for name in workers]

        def alive() -> None:
            for label, process in {**workers, **others}.items():
                if process.poll() is not None:
                    raise SystemExit(f"{label} exited with {process.returncode}")

        helpers = settings.model_copy(
            update={
                "webhook_urls": [hook_url],
                "webhook_allow_private": True,
                "webhook_secret": SecretStr("scaling-bench-signing-key"),
                "web_host": "127.0.0.1",
                "web_port": free_port(),
            }
        )
        events: list[Event] = []
        try:
            others["notifier"] = start_orbitwatch(["notify"], helpers, bench.work / "notify.log")
            others["web"] = start_orbitwatch(["web"], helpers, bench.work / "web.log")
            for label, process in others.items():
                memory.watch(label, live_pid(process))
            memory.start()
            started = time.perf_counter()
            start("a")
            first = await settle(outputs, started, alive, running())
            report["first_start_settled_s"] = round(first, 2)
            old, new = "a", "b"
            for cycle in range(1, cycles + 1):
                t0 = time.perf_counter()
                start(new)
                settled = await settle(outputs, t0, alive, running())
                events.append(Event("join", cycle, outputs.longest_gaps(t0, t0 + settled), settled))
                print(f"cycle {cycle}: join  {events[-1].row()}", flush=True)
                t0 = time.perf_counter()
                leaving = workers.pop(old)
                await asyncio.to_thread(stop_process, leaving, 60.0)
                stop_s = time.perf_counter() - t0
                settled = await settle(outputs, t0, alive, running())
                gaps = outputs.longest_gaps(t0, t0 + settled)
                events.append(Event("leave", cycle, gaps, settled, stop_s))
                print(f"cycle {cycle}: leave {events[-1].row()}", flush=True)
                old, new = new, old
        finally:
            stop_producing.set()
            report["articles_sent"] = await producer
            for process in [*workers.values(), *others.values()]:
                await asyncio.to_thread(stop_process, process)
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
            report["memory"] = memory.stop()
            await receiver.cleanup()
    report["webhook_deliveries"] = len(received)
    report["events"] = [event.row() for event in events]
    report["summary"] = summary(events)
    report["load_average_before"] = [round(x, 2) for x in load_before]
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return report


def summary(events: list[Event]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for kind in ("join", "leave"):
        pauses = [max(e.gaps.values()) for e in events if e.kind == kind]
        if pauses:
            result[kind] = {
                "n": len(pauses),
                "pause_median_s": round(statistics.median(pauses), 2),
                "pause_min_s": round(min(pauses), 2),
                "pause_max_s": round(max(pauses), 2),
            }
    stops = [e.stop_s for e in events if e.stop_s is not None]
    if stops:
        result["stop_median_s"] = round(statistics.median(stops), 2)
    return result


def print_report(report: dict[str, Any]) -> None:
    print(f"\nrebalance pauses, 2 workers, {report['partitions']} partitions, {report['rate']}/s")
    print_table(
        ("event", "cycle", "longest gap s", "shortest gap s", "settled after s", "stop s"),
        [
            (
                e["kind"],
                e["cycle"],
                e["pause_max_s"],
                e["pause_min_s"],
                e["settled_after_s"],
                e["stop_s"] if e["stop_s"] is not None else "-",
            )
            for e in report["events"]
        ],
    )
    print("summary:", json.dumps(report["summary"]))
    print("memory (MiB):", json.dumps(report["memory"]))
    print(f"webhook deliveries: {report['webhook_deliveries']}")
    before, after = report["load_average_before"], report["load_average_after"]
    print(f"load average before/after: {before} / {after}")


def write_docs(reports: list[dict[str, Any]], throughput_files: list[Path]) -> None:
    """Rewrite the scaling section of docs/benchmarks.md (the rest of the page stays)."""
    runs = [json.loads(path.read_text(encoding="utf-8")) for path in throughput_files]
    section = scaling_section(reports, runs)
    DOCS.write_text(replace_scaling_section(DOCS.read_text(encoding="utf-8"), section))
    print(f"wrote the scaling section of {display_path(DOCS)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=40.0, help="articles per second")
    parser.add_argument("--cycles", type=int, default=3, help="joins and leaves, one each")
    parser.add_argument(
        "--write-docs", action="store_true", help="rewrite the scaling section of the page"
    )
    parser.add_argument(
        "--throughput",
        type=Path,
        nargs="*",
        default=[],
        help="throughput_bench reports to list beside it (with --write-docs)",
    )
    parser.add_argument(
        "--earlier",
        type=Path,
        nargs="*",
        default=[],
        help="reports of earlier scaling runs to show (and pool) with this one",
    )
    parser.add_argument(
        "--render-only", action="store_true", help="use the last report instead of running"
    )
    args = parser.parse_args()
    if args.render_only:
        report = json.loads(OUT.read_text(encoding="utf-8"))
    else:
        report = asyncio.run(run(get_settings(), args.rate, args.cycles))
        write_report(OUT, report)
    print_report(report)
    if args.write_docs:
        earlier = [json.loads(path.read_text(encoding="utf-8")) for path in args.earlier]
        write_docs([*earlier, report], args.throughput)


if __name__ == "__main__":
    main()
