"""Publication -> articles.raw and -> alert over a feed population: adaptive vs fixed polling.

    .venv/bin/python -m benchmarks.feed_latency [--feeds 300] [--days 10] [--real-entries 40]

Days of polling cannot run in real time, so the benchmark has two parts:

1. **Simulated days, real scheduling code.** A population of ``--feeds`` feeds publishes
   for ``--days`` on a virtual clock; the connector's own decision functions
   (``connectors.adaptive.after_poll``, ``budget_scale``; ``BackoffPolicy.after_success``
   for the fixed interval) decide every poll, exactly as ``connectors/runner.py`` calls
   them, with each simulated response's headers and feed hints. An entry's wait is the
   time from its publication to the first poll that sees it (or to its push, for feeds
   with a WebSub hub). The first ``WARMUP_DAYS`` are learning time and are not measured.
2. **Real per-article costs.** A short real-time run on 127.0.0.1 through the real path:
   feed server -> ``orbitwatch connector run`` -> Kafka -> ``orbitwatch worker`` -> alert
   (the latency benchmark's feeds and tracker). For each entry: from the start of the poll
   that fetched it (the feed server's request log) to its record on articles.raw (fetch,
   parse, normalize, produce), and from there to its alert. Each simulated entry gets one
   sample of each, drawn at random, added to its simulated wait.

**The population** is fitted from the real feed documents in ``../shared/data/feeds/``:
every document with at least ``MIN_DATES`` dated entries spanning an hour or more gives a
*rhythm*: its gaps between entries (resampled, so bursts stay bursts), its entries by
hour of day (so nights stay quiet), and its own ``<ttl>``/``sy:updatePeriod``. Rhythms are
grouped by rate into wire services (>= 1 entry/h), daily agency and news feeds, and quiet
feeds (< 0.02/h: blogs silent for weeks); each simulated feed takes one rhythm of its
group with its rate scaled by a random factor (log-normal, sigma 0.5). On top, as a
sample of real servers answers: ``CACHE_SHARE`` of the feeds send ``Cache-Control:
max-age`` (1-10 minutes, as CDNs do), ``EXPIRES_SHARE`` an ``Expires`` 5 minutes ahead,
and ``HUB_SHARE`` have a WebSub hub.

**Pushed feeds.** Publication -> articles.raw of a pushed entry is drawn from what
``benchmarks.websub_latency`` measured (a real hub, flask-websub, on 127.0.0.1 pushing to
the connector's callback; its report ``--websub-report``, written earlier in the same
``run_all``): a hub across the internet adds its own delay, which this does not include.
Without that report the push is *modelled* (log-normal, median ``HUB_MEDIAN_S``, p99 near
5 s, plus the fetch-and-produce sample) and the page says so. Pushed feeds are still polled
as a safety net (``pushed=True``).

Each feed lists its newest ``WINDOW`` entries; an entry pushed out of the listing before a
poll saw it is counted as missed. Per-host politeness (one request at a time, a one-second
gap) is not simulated: every simulated feed has its own host.

Results: a table on stdout and ``benchmarks/out/feed_latency.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import heapq
import itertools
import json
import math
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from benchmarks.articles import STORY_WINDOW, ArticleFactory
from benchmarks.harness.namespace import bench_namespace
from benchmarks.harness.observe import wait_until
from benchmarks.harness.processes import (
    Process,
    check_alive,
    start_connector,
    start_worker,
    stop_process,
)
from benchmarks.harness.report import display_path, finish, out_path
from benchmarks.harness.stats import percentile, ratio, summary
from benchmarks.harness.table import print_table
from benchmarks.latency_bench import FeedPublisher, Published, Tracker, publish_entry, warm_up
from connectors.adaptive import AdaptivePolicy, Bounds, FeedPlan, after_poll, budget_scale
from connectors.errors import FeedError
from connectors.hints import http_freshness, rss_ttl, update_period
from connectors.parse import ParsedFeed, parse_document
from connectors.rhythm import RhythmPolicy
from connectors.schedule import BackoffPolicy
from orbitwatch.core.settings import PROJECT_ROOT, get_settings
from schemas import FeedSchedule

OUT = out_path("feed_latency")
WEBSUB_REPORT = out_path("websub")  # benchmarks.websub_latency runs before this in run_all
FEEDS_DIR = PROJECT_ROOT.parent / "shared" / "data" / "feeds"
MIN_DATES = 5
WIRE_RATE = 1.0  # entries per hour and more
QUIET_RATE = 0.02  # less than about one entry every two days
MIX = {"wire": 0.15, "daily": 0.50, "quiet": 0.35}
CACHE_SHARE = 0.30
CACHE_MAX_AGES = (60, 120, 300, 600)
EXPIRES_SHARE = 0.10
HUB_SHARE = 0.20
HUB_MEDIAN_S = 1.0
HUB_SIGMA = 0.7  # log-normal: p99 = median x e^(2.33 sigma), about 5 s
WINDOW = 20
WARMUP_DAYS = 2.0
FIXED_INTERVAL = 900.0
BUDGET_EVERY_S = 900.0
START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday

# -- the population ------------------------------------------------------------------------


@dataclass
class Rhythm:
    """One real feed's publication habits."""

    source: str
    group: str
    rate: float  # entries per hour
    gaps: list[float]  # seconds between consecutive entries
    profile: list[float]  # relative activity by UTC hour, mean 1
    ttl: str | None
    period: str | None
    frequency: str | None


def fit_rhythms(folder: Path = FEEDS_DIR) -> list[Rhythm]:
    rhythms = []
    for path in sorted(folder.glob("*")):
        if path.suffix not in (".xml", ".rss", ".atom"):
            continue
        try:
            parsed = parse_document(path.read_bytes())
        except FeedError:
            continue
        dates = sorted({d for e in parsed.entries if (d := e.published or e.updated)})
        if len(dates) < MIN_DATES:
            continue
        span = (dates[-1] - dates[0]).total_seconds()
        if span < 3600:
            continue  # a snapshot of one moment, not a rhythm
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(dates)]
        rate = (len(dates) - 1) / (span / 3600)
        counts = [0.0] * 24
        for date in dates:
            counts[date.hour] += 1
        # Halfway to flat: a few dozen dates say something about the hours, not everything.
        smooth = len(dates) / 24
        profile = [(c + smooth) / (2 * smooth) for c in counts]
        group = "wire" if rate >= WIRE_RATE else "quiet" if rate < QUIET_RATE else "daily"
        rhythms.append(
            Rhythm(
                path.name,
                group,
                rate,
                gaps,
                profile,
                parsed.ttl,
                parsed.update_period,
                parsed.update_frequency,
            )
        )
    return rhythms


@dataclass
class SimFeed:
    index: int
    rhythm: Rhythm
    scale: float  # rate multiplier of this feed
    published: list[float]  # seconds since START, sorted
    max_age: int | None = None
    expires: bool = False
    hub: bool = False
    # per run
    schedule: FeedSchedule = field(default_factory=FeedSchedule)
    last_poll: float = -math.inf
    fresh_until: float = -math.inf  # the server's word: no request before this

    @property
    def group(self) -> str:
        return self.rhythm.group

    def headers(self, t: float) -> dict[str, str]:
        now = START + timedelta(seconds=t)
        headers = {"Date": format_datetime(now, usegmt=True)}
        if self.max_age is not None:
            headers["Cache-Control"] = f"max-age={self.max_age}"
        if self.expires:
            headers["Expires"] = format_datetime(now + timedelta(minutes=5), usegmt=True)
        return headers

    def document(self) -> ParsedFeed:
        rhythm = self.rhythm
        return ParsedFeed(
            version="rss20",
            ttl=rhythm.ttl,
            update_period=rhythm.period,
            update_frequency=rhythm.frequency,
        )

    def server_floor(self, t: float) -> float:
        """Seconds the server asked us to wait after a response at ``t`` (the same
        freshness a cache would compute; ttl and sy:updatePeriod included)."""
        now = START + timedelta(seconds=t)
        fresh = http_freshness(self.headers(t), now)
        floors = [fresh[0] if fresh else 0.0, rss_ttl(self.rhythm.ttl) or 0.0]
        return max(floors)


def _publication_times(
    rhythm: Rhythm, scale: float, horizon: float, rng: random.Random
) -> list[float]:
    """A renewal process of the rhythm's own gaps (divided by ``scale``), run in
    "activity time" and mapped to clock time through the hour-of-day profile."""
    times: list[float] = []
    clock = -rng.uniform(0, 7 * 86400)  # start anywhere in the cycle
    budget = 0.0  # activity-seconds still to spend before the next entry
    while clock < horizon:
        budget = rng.choice(rhythm.gaps) / scale
        while budget > 0 and clock < horizon:
            hour = START + timedelta(seconds=clock)
            weight = rhythm.profile[hour.hour]
            until_next_hour = (math.floor(clock / 3600) + 1) * 3600 - clock
            if until_next_hour < 1e-3:  # rounding at an hour's edge: step over it
                clock += 1e-3
                continue
            if budget <= until_next_hour * weight:
                clock += budget / weight
                budget = 0
            else:
                budget -= until_next_hour * weight
                clock += until_next_hour
        if clock >= 0 and clock < horizon:
            times.append(clock)
    return times


def build_population(
    count: int, days: float, rng: random.Random, rhythms: Sequence[Rhythm]
) -> list[SimFeed]:
    by_group: dict[str, list[Rhythm]] = {}
    for rhythm in rhythms:
        by_group.setdefault(rhythm.group, []).append(rhythm)
    groups = [g for g in MIX if g in by_group]
    weights = [MIX[g] for g in groups]
    horizon = days * 86400
    feeds = []
    for index in range(count):
        group = rng.choices(groups, weights)[0]
        rhythm = rng.choice(by_group[group])
        scale = math.exp(rng.gauss(0, 0.5))
        feed = SimFeed(index, rhythm, scale, _publication_times(rhythm, scale, horizon, rng))
        if rng.random() < CACHE_SHARE:
            feed.max_age = rng.choice(CACHE_MAX_AGES)
        elif rng.random() < EXPIRES_SHARE / (1 - CACHE_SHARE):
            feed.expires = True
        feed.hub = rng.random() < HUB_SHARE
        feeds.append(feed)
    return feeds


# -- the simulation --------------------------------------------------------------------------


@dataclass
class PushModel:
    """Seconds from publication to articles.raw for a pushed entry.

    Measured: drawn from the percentiles that ``benchmarks.websub_latency`` measured in
    this run (a real hub on 127.0.0.1 through the connector's callback, parse and
    produce), by linear interpolation between them; below the median, down to half of
    it (the report has no lower percentiles). Otherwise modelled: log-normal, median
    ``HUB_MEDIAN_S``, p99 about 5 s."""

    points: list[tuple[float, float]] | None = None  # (quantile, seconds), ascending
    source: str = "modelled"

    @classmethod
    def from_report(cls, path: Path) -> PushModel:
        try:
            figures = json.loads(path.read_text())["publish_to_raw"]
            points = [
                (0.0, figures["p50"] / 2000),
                (0.5, figures["p50"] / 1000),
                (0.95, figures["p95"] / 1000),
                (0.99, figures["p99"] / 1000),
                (1.0, figures["max"] / 1000),
            ]
        except (OSError, ValueError, KeyError, TypeError):
            return cls()
        return cls(points, f"{display_path(path)}, n={figures.get('n')}")

    def draw(self, rng: random.Random) -> float:
        if self.points is None:
            return HUB_MEDIAN_S * math.exp(rng.gauss(0, HUB_SIGMA))
        q = rng.random()
        for (q0, v0), (q1, v1) in itertools.pairwise(self.points):
            if q <= q1:
                return v0 + (v1 - v0) * (q - q0) / (q1 - q0)
        return self.points[-1][1]


@dataclass
class Costs:
    """Real per-article costs in seconds (empty: not measured, counted as zero)."""

    fetch_produce: list[float]
    raw_to_alert: list[float]

    def draw(self, samples: list[float], rng: random.Random) -> float:
        return rng.choice(samples) if samples else 0.0


@dataclass
class SimResult:
    mode: str
    to_raw: list[float] = field(default_factory=list)
    to_alert: list[float] = field(default_factory=list)
    by_group: dict[str, list[float]] = field(default_factory=dict)
    pushed_to_alert: list[float] = field(default_factory=list)
    missed: int = 0
    requests: int = 0
    measured_requests: int = 0
    hint_violations: int = 0
    skip_violations: int = 0
    intervals: dict[str, list[float]] = field(default_factory=dict)


def simulate(
    feeds: Sequence[SimFeed],
    mode: str,
    days: float,
    costs: Costs,
    seed: int,
    policy: AdaptivePolicy | None = None,
    push: PushModel | None = None,
) -> SimResult:
    """Poll ``feeds`` for ``days`` on a virtual clock: ``fixed`` (today's 15 minutes) or
    ``adaptive`` (the connector's decisions; pushed feeds delivered by their hub)."""
    rng = random.Random(seed)
    policy = policy or AdaptivePolicy()
    backoff = BackoffPolicy()
    bounds = Bounds()
    horizon = days * 86400
    warmup = WARMUP_DAYS * 86400
    result = SimResult(mode)
    push_model = push or PushModel()
    queue: list[tuple[float, int]] = []
    for feed in feeds:
        feed.schedule, feed.last_poll, feed.fresh_until = FeedSchedule(), -math.inf, -math.inf
        # Everything starts at once, as a connector does; the fixed poller's jitter and the
        # adaptive decisions spread the feeds from there.
        heapq.heappush(queue, (rng.uniform(0, 60), feed.index))
    scale, scale_at = 0.0, -math.inf

    def record(feed: SimFeed, published: float, wait: float, pushed: bool) -> None:
        if published < warmup:
            return
        # A measured push already includes parse and produce; a poll adds its fetch too.
        measured_push = pushed and push_model.points is not None
        to_raw = wait + (0.0 if measured_push else costs.draw(costs.fetch_produce, rng))
        to_alert = to_raw + costs.draw(costs.raw_to_alert, rng)
        result.to_raw.append(to_raw)
        result.to_alert.append(to_alert)
        result.by_group.setdefault(feed.group, []).append(to_alert)
        if pushed:
            result.pushed_to_alert.append(to_alert)

    pushed_feeds = {f.index for f in feeds if f.hub} if mode != "fixed" else set()
    for feed in feeds:
        if feed.index in pushed_feeds:
            for published in feed.published:
                record(feed, published, push_model.draw(rng), pushed=True)

    while queue:
        t, index = heapq.heappop(queue)
        if t >= horizon:
            break
        feed = feeds[index]
        result.requests += 1
        if t >= warmup:
            result.measured_requests += 1
        if t < feed.fresh_until - 1e-6:
            result.hint_violations += 1
        now = START + timedelta(seconds=t)
        if mode != "fixed" and now.hour in feed.schedule.hints.skip_hours:
            result.skip_violations += 1
        low = bisect.bisect_right(feed.published, feed.last_poll)
        high = bisect.bisect_right(feed.published, t)
        new = feed.published[low:high]
        listed = feed.published[max(0, high - WINDOW) : high]
        seen = new[-WINDOW:]
        result.missed += sum(1 for p in new[:-WINDOW] if p >= warmup) if len(new) > WINDOW else 0
        if feed.index not in pushed_feeds:
            for published in seen:
                record(feed, published, t - published, pushed=False)
        feed.last_poll = t
        feed.fresh_until = t + feed.server_floor(t)
        if mode == "fixed":
            delay = backoff.after_success(FIXED_INTERVAL, rng)
            interval_key = "fixed"
        else:
            if t - scale_at >= BUDGET_EVERY_S:
                plans = [FeedPlan(f.schedule, bounds, f.index in pushed_feeds) for f in feeds]
                scale, scale_at = budget_scale(plans, now, policy), t
            feed.schedule, decision = after_poll(
                feed.schedule,
                bounds,
                now=now,
                new_dates=[START + timedelta(seconds=p) for p in seen],
                listed_dates=[START + timedelta(seconds=p) for p in listed],
                headers=feed.headers(t),
                parsed=feed.document() if new or feed.schedule.last_observed_at is None else None,
                scale=scale,
                pushed=feed.index in pushed_feeds,
                policy=policy,
            )
            delay = decision.delay
            interval_key = decision.kind
        if t >= warmup:
            result.intervals.setdefault(feed.group, []).append(delay)
            result.intervals.setdefault(f"why:{interval_key}", []).append(delay)
        heapq.heappush(queue, (t + delay, index))
    return result


def _figures(result: SimResult, feeds: int, days: float) -> dict[str, Any]:
    hours = (days - WARMUP_DAYS) * 24
    per_feed_hour = result.measured_requests / feeds / hours
    groups = {
        group: {**summary(values), "share_of_entries": round(len(values) / len(result.to_alert), 3)}
        for group, values in sorted(result.by_group.items())
    }
    kinds = {
        key.removeprefix("why:"): len(values)
        for key, values in sorted(result.intervals.items())
        if key.startswith("why:")
    }
    return {
        "publish_to_articles_raw_s": summary(result.to_raw),
        "publish_to_alert_s": summary(result.to_alert),
        "publish_to_alert_by_group_s": groups,
        "pushed_publish_to_alert_s": summary(result.pushed_to_alert),
        "missed_out_of_window": result.missed,
        "requests_per_feed_hour": round(per_feed_hour, 3),
        "requests_total": result.measured_requests,
        "hint_violations": result.hint_violations,
        "skip_hours_violations": result.skip_violations,
        "poll_decisions_by_rule": kinds,
        "median_interval_by_group_s": {
            group: round(percentile(values, 50) or 0, 1)
            for group, values in sorted(result.intervals.items())
            if not group.startswith("why:")
        },
    }


# -- the real per-article costs ----------------------------------------------------------------


async def measure_costs(entries: int, rate: float = 2.0, feeds: int = 6) -> dict[str, Any]:
    """Feed entries through the real connector (1 s fixed polling) and worker; per entry,
    poll start -> articles.raw and articles.raw -> alert, in seconds."""
    base = get_settings()
    processes: dict[str, Process] = {}
    logs = OUT.parent
    async with bench_namespace(base, prefix="feedlat", story_window=STORY_WINDOW) as run:
        ns, name = run.settings, run.name
        publisher = FeedPublisher(name, feeds)
        factory = ArticleFactory(name)
        tracker = Tracker(ns, run.es)
        try:
            await publisher.start()
            feeds_file = run.work / "feeds.yaml"
            publisher.write_feed_list(feeds_file, 1.0)
            processes["the worker"] = start_worker(ns, logs / "feed_latency-worker.log")
            processes["the connector"] = start_connector(
                ns, feeds_file, logs / "feed_latency-connector.log"
            )
            await tracker.start()
            await warm_up(tracker, ns, publisher, factory, processes)
            sent: list[tuple[Published, str]] = []
            for _ in range(entries):
                before = dict(publisher.published)
                entry = publish_entry(publisher, tracker, factory, share=1.0)
                feed = next(n for n, c in publisher.published.items() if c != before[n])
                sent.append((entry, feed))
                await asyncio.sleep(1 / rate)
                check_alive(processes)
            await wait_until(
                lambda: all(e.alerted_at is not None for e, _ in sent), 90.0, processes
            )
        finally:
            await tracker.watchers.stop()
            for label in ("the connector", "the worker"):
                if label in processes:
                    stop_process(processes[label])
            await publisher.stop()
        requests = {
            name: times
            for server in publisher.servers
            for name, times in server.request_times.items()
        }
    fetch_produce, raw_to_alert, publish_to_raw = [], [], []
    for entry, feed in sent:
        if entry.raw_at is None:
            continue
        publish_to_raw.append(entry.raw_at - entry.sent_at)
        polls = [t for t in requests.get(feed, []) if entry.sent_at <= t <= entry.raw_at]
        if polls:
            fetch_produce.append(entry.raw_at - polls[0])
        if entry.alerted_at is not None:
            raw_to_alert.append(entry.alerted_at - entry.raw_at)
    return {
        "entries": entries,
        "feeds": feeds,
        "fetch_produce_s": fetch_produce,
        "raw_to_alert_s": raw_to_alert,
        "publish_to_raw_1s_polling_s": summary(publish_to_raw),
        "not_on_raw": sum(1 for e, _ in sent if e.raw_at is None),
        "not_alerted": sum(1 for e, _ in sent if e.alerted_at is None),
    }


# -- the run -----------------------------------------------------------------------------------


def population_summary(feeds: Sequence[SimFeed], rhythms: Sequence[Rhythm]) -> dict[str, Any]:
    groups: dict[str, dict[str, Any]] = {}
    for feed in feeds:
        g = groups.setdefault(feed.group, {"feeds": 0, "entries": 0, "hub": 0, "cache": 0})
        g["feeds"] += 1
        g["entries"] += len(feed.published)
        g["hub"] += feed.hub
        g["cache"] += feed.max_age is not None or feed.expires
    return {
        "feeds": len(feeds),
        "groups": groups,
        "rhythms": {
            r.source: {
                "group": r.group,
                "entries_per_hour": round(r.rate, 3),
                "ttl": r.ttl,
                "sy": f"{r.period}/{r.frequency}" if r.period or r.frequency else None,
            }
            for r in rhythms
        },
        "with_ttl": sum(1 for f in feeds if rss_ttl(f.rhythm.ttl)),
        "with_update_period": sum(
            1 for f in feeds if update_period(f.rhythm.period, f.rhythm.frequency)
        ),
        "with_cache_control": sum(1 for f in feeds if f.max_age is not None),
        "with_expires": sum(1 for f in feeds if f.expires),
        "with_hub": sum(1 for f in feeds if f.hub),
    }


def run(
    feeds: int,
    days: float,
    real_entries: int,
    seed: int,
    out: Path | None = OUT,
    websub_report: Path = WEBSUB_REPORT,
) -> dict[str, Any]:
    started = time.perf_counter()
    rhythms = fit_rhythms()
    if not rhythms:
        raise SystemExit(f"no feed with {MIN_DATES}+ dated entries in {display_path(FEEDS_DIR)}")
    population = build_population(feeds, days, random.Random(seed), rhythms)
    if real_entries:
        print(f"real path: {real_entries} entries through connector -> Kafka -> worker ...")
        real = asyncio.run(measure_costs(real_entries))
    else:
        real = {"fetch_produce_s": [], "raw_to_alert_s": [], "entries": 0}
    costs = Costs(real["fetch_produce_s"], real["raw_to_alert_s"])
    push = PushModel.from_report(websub_report)
    print(f"push delivery: {push.source}")
    runs = {
        "fixed_15m": ("fixed", AdaptivePolicy()),
        "adaptive": ("adaptive", AdaptivePolicy()),
        "adaptive_no_time_of_day": (
            "adaptive",
            AdaptivePolicy(rhythm=RhythmPolicy(time_of_day=False)),
        ),
    }
    results = {}
    for label, (mode, policy) in runs.items():
        begun = time.perf_counter()
        result = simulate(population, mode, days, costs, seed, policy, push)
        results[label] = {
            **_figures(result, feeds, days),
            "sim_seconds": round(time.perf_counter() - begun, 1),
        }
        print(f"simulated {label} in {results[label]['sim_seconds']}s", flush=True)
    fixed, adaptive = results["fixed_15m"], results["adaptive"]
    ratios = {
        q: ratio(adaptive["publish_to_alert_s"][q], fixed["publish_to_alert_s"][q])
        for q in ("p50", "p95", "p99")
    }
    ratios["requests"] = ratio(adaptive["requests_per_feed_hour"], fixed["requests_per_feed_hour"])
    report = {
        "population": population_summary(population, rhythms),
        "days": days,
        "warmup_days": WARMUP_DAYS,
        "seed": seed,
        "defaults": {
            "min_interval_s": Bounds().min_interval,
            "max_interval_s": Bounds().max_interval,
            "budget_interval_s": AdaptivePolicy().budget_interval,
            "pushed_factor": AdaptivePolicy().pushed_factor,
        },
        "push_model": {
            "hub_median_s": HUB_MEDIAN_S,
            "hub_sigma": HUB_SIGMA,
            "measured": push.points is not None,
            "source": push.source,
            "points_s": push.points,
        },
        "real_costs": {
            "entries": real.get("entries", 0),
            "fetch_produce_s": summary(real["fetch_produce_s"]),
            "raw_to_alert_s": summary(real["raw_to_alert_s"]),
            **{
                k: v
                for k, v in real.items()
                if k in ("publish_to_raw_1s_polling_s", "not_on_raw", "not_alerted")
            },
        },
        "results": results,
        "adaptive_over_fixed": ratios,
        "targets": {
            "p50_alert_under_30s": (adaptive["publish_to_alert_s"]["p50"] or 1e9) < 30,
            "p95_alert_under_120s": (adaptive["publish_to_alert_s"]["p95"] or 1e9) < 120,
            "pushed_p99_under_5s": (adaptive["pushed_publish_to_alert_s"]["p99"] or 1e9) < 5,
            "requests_at_most_fixed": adaptive["requests_per_feed_hour"]
            <= fixed["requests_per_feed_hour"],
            "no_hint_violations": adaptive["hint_violations"] == 0,
        },
    }
    print_report(report)
    finish(report, out, started)
    return report


def print_report(report: dict[str, Any]) -> None:
    rows = []
    for label, figures in report["results"].items():
        for path in ("publish_to_articles_raw_s", "publish_to_alert_s"):
            stats = figures[path]
            rows.append(
                (
                    label,
                    path.removesuffix("_s").replace("_", " "),
                    stats["n"],
                    stats["p50"],
                    stats["p95"],
                    stats["p99"],
                    figures["requests_per_feed_hour"],
                    figures["hint_violations"],
                )
            )
    print_table(
        ("polling", "path", "n", "p50 s", "p95 s", "p99 s", "req/feed/h", "hint violations"), rows
    )
    print("adaptive / fixed:", report["adaptive_over_fixed"])
    print("targets:", report["targets"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--feeds", type=int, default=300, help="simulated feeds")
    parser.add_argument("--days", type=float, default=10.0, help="simulated days (2 warm-up)")
    parser.add_argument(
        "--real-entries", type=int, default=40, help="entries through the real path (0: none)"
    )
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--websub-report",
        type=Path,
        default=WEBSUB_REPORT,
        help="push latency measured by benchmarks.websub_latency (absent: modelled)",
    )
    args = parser.parse_args(argv)
    if args.days <= WARMUP_DAYS:
        raise SystemExit(f"--days: more than the {WARMUP_DAYS:g} warm-up days")
    run(args.feeds, args.days, args.real_entries, args.seed, args.out, args.websub_report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
