"""Alert on Kafka -> card visible on an open page of the analyst's desk, in a real browser.

    .venv/bin/python -m benchmarks.web_latency [--count 60] [--gap 0.2] [--chromium PATH]

Uses its own topics and indices (``webbench-<random>``, removed at the end). ``orbitwatch
web`` runs as its own process (as in production; log: ``benchmarks/out/web-desk.log``);
headless Chromium (Debian's ``chromium``, driven by Playwright) opens the live page and waits
until its event stream is open. Then ``--count`` alerts are produced to the alerts topic, one
every ``--gap`` seconds (alerts are rare events: this measures the path, not a flood).

For each alert, time zero is its record's timestamp on Kafka (CreateTime, set by the producer
when it sends), and the end is when the page's script inserted the card (``Date.now()``, in
``window.deskReceived``), all on this machine's clock. The desk's path: its consumer fetch,
de-duplication, the story-language look-up (at most 0.3 s), rendering the card, the SSE
frame, the browser parsing it and inserting the card.

Baseline, same records at the same time: a plain group-less aiokafka consumer in this
process (what any Kafka reader pays), so the desk's own share is visible.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiokafka.structs import ConsumerRecord

from benchmarks.harness.namespace import bench_namespace
from benchmarks.harness.observe import assigned_consumer, each_record
from benchmarks.harness.processes import start_orbitwatch, stop_process
from benchmarks.harness.produce import kafka_producer
from benchmarks.harness.report import OUT_DIR, display_path, finish, out_path
from benchmarks.harness.stats import ratio, summary
from benchmarks.harness.table import print_table
from orbitwatch.core.settings import get_settings
from schemas import Alert, AlertKind, EventType, Relation, Severity, utc_now

OUT = out_path("web")
DESK_LOG = OUT_DIR / "web-desk.log"
READY_TIMEOUT_S = 90.0
ARRIVAL_TIMEOUT_S = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_alert(n: int, run: str) -> Alert:
    now = utc_now()
    return Alert(
        alert_id=f"al_{run}-{n:06d}",
        kind=AlertKind.match,
        rule="high-severity",
        severity=Severity.high,
        title=f"Benchmark alert {n}: Russia and China plan a nuclear power plant on the Moon",
        titles=[f"Benchmark alert {n}: Russia and China plan a nuclear power plant on the Moon"],
        story_id=f"{run}-story-{n}",
        article_ids=[f"{run}-article-{n}"],
        actors=["CN", "RU"],
        event_types=[EventType.lunar, EventType.nuclear],
        relation=Relation.cooperation,
        published_at=now - timedelta(minutes=2),
        fetched_at=now - timedelta(seconds=1),
        alerted_at=now,
    )


async def wait_ready(base: str, desk: Any) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if desk.poll() is not None:
            raise SystemExit(f"the desk exited with {desk.returncode}: see {DESK_LOG}")
        try:
            with urllib.request.urlopen(base + "/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        await asyncio.sleep(0.2)
    raise SystemExit(f"the desk was not ready within {READY_TIMEOUT_S:.0f} s: see {DESK_LOG}")


async def measure(count: int, gap: float, chromium: str) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    port = free_port()
    async with bench_namespace(get_settings(), "webbench", web_port=port) as run:
        settings = run.settings
        desk = start_orbitwatch(["web"], settings, DESK_LOG)
        base = f"http://127.0.0.1:{port}"
        baseline_at: dict[str, float] = {}
        try:
            await wait_ready(base, desk)
            consumer = await assigned_consumer(settings, settings.topic_alerts, "latest")

            def seen(record: ConsumerRecord[Any, Any], _: float) -> None:
                baseline_at[record.key.decode()] = time.time()

            watcher = asyncio.create_task(each_record(consumer, seen))
            async with async_playwright() as driver:
                args = ["--no-sandbox"] if os.geteuid() == 0 else []
                browser = await driver.chromium.launch(executable_path=chromium, args=args)
                page = await browser.new_page()
                await page.goto(base + "/")
                await page.wait_for_function("document.body.dataset.stream === 'open'")
                on_kafka: dict[str, float] = {}
                async with kafka_producer(settings) as producer:
                    for n in range(count):
                        alert = bench_alert(n, run.name)
                        meta = await producer.send_and_wait(
                            settings.topic_alerts, alert.to_bytes(), key=alert.alert_id.encode()
                        )
                        on_kafka[alert.alert_id] = meta.timestamp / 1000
                        await asyncio.sleep(gap)
                deadline = time.monotonic() + ARRIVAL_TIMEOUT_S
                shown: dict[str, float] = {}
                while time.monotonic() < deadline:
                    entries = await page.evaluate("window.deskReceived")
                    shown = {e["id"]: e["at"] / 1000 for e in entries}
                    if set(on_kafka) <= set(shown):
                        break
                    await asyncio.sleep(0.2)
                await browser.close()
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        finally:
            stop_process(desk)
    page_ms = [(shown[k] - t) * 1000 for k, t in on_kafka.items() if k in shown]
    kafka_ms = [(baseline_at[k] - t) * 1000 for k, t in on_kafka.items() if k in baseline_at]
    on_page, plain = summary(page_ms), summary(kafka_ms)
    return {
        "measured": f"{utc_now():%Y-%m-%d %H:%M} UTC",
        "count": count,
        "gap_s": gap,
        "chromium": chromium,
        "page": on_page,
        "plain_consumer": plain,
        "missed": count - len(page_ms),
        "p95_over_plain": ratio(on_page["p95"], plain["p95"]),
        "target_p95_ms": 1000,
        "desk_log": display_path(DESK_LOG),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=60, help="alerts to produce (>= 50)")
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between two alerts")
    parser.add_argument("--chromium", default=shutil.which("chromium"), help="browser binary")
    parser.add_argument("--out", type=Path, default=OUT, help="JSON report file")
    args = parser.parse_args()
    if not args.chromium:
        raise SystemExit("no Chromium: apt-get install chromium, or pass --chromium PATH")
    started = time.perf_counter()
    report = asyncio.run(measure(args.count, args.gap, args.chromium))
    rows = [
        ("alert on Kafka -> card on the open page", report["page"]),
        ("alert on Kafka -> plain aiokafka consumer", report["plain_consumer"]),
    ]
    print_table(
        ("path", "n", "p50 ms", "p95 ms", "p99 ms", "max ms"),
        [(name, s["n"], s["p50"], s["p95"], s["p99"], s["max"]) for name, s in rows],
    )
    print(f"missed: {report['missed']} of {report['count']}; target p95 < 1000 ms")
    finish(report, args.out, started)


if __name__ == "__main__":
    main()
