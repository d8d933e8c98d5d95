"""The connector: polls every feed on its schedule and publishes what is new.

Per successful poll, in this order:

1. produce the new articles to ``articles.raw`` and wait for Kafka's acknowledgement;
2. write the feed's new state (validators, seen ids, health) to the compacted state topic;
3. publish the feed's health to the health topic.

A crash between 1 and 2 re-emits that poll's articles after a restart (at-least-once;
consumers key by article id); it can never lose one. Failures are accounted for at the end
of each round, so that a round where *every* feed failed on the network (our outage, not
theirs) is not counted against the feeds.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog

from connectors import metrics
from connectors.adaptive import (
    AdaptivePolicy,
    Bounds,
    FeedPlan,
    PollDecision,
    after_poll,
    budget_scale,
    health_fields,
    requests_per_hour_at,
)
from connectors.errors import HttpStatusError, InternalError
from connectors.feedlist import FeedConfig
from connectors.fetch import Fetcher, FetchLimits
from connectors.hints import HINT_CAP
from connectors.parse import ParserPool
from connectors.poll import PollResult, poll_feed
from connectors.producer import DeliveryFailed
from connectors.rhythm import record_attempt
from connectors.schedule import BackoffPolicy, ConcurrencyLimiter, is_network_outage
from connectors.state import FeedStateStore
from connectors.websub.bridge import ConnectorHost
from connectors.websub.discovery import discover, parse_link_header
from connectors.websub.subscriber import Subscriber, WebSubConfig
from schemas import Article, FeedHealth, FeedState, utc_now

log = structlog.get_logger("orbitwatch.connector")


class Sink(Protocol):
    """Where the connector's messages go: :class:`connectors.producer.KafkaSink`."""

    async def send_articles(self, articles: Sequence[Article]) -> None: ...

    async def send_state(self, state: FeedState) -> None: ...

    async def send_health(self, feed_id: str, health: FeedHealth) -> None: ...


@dataclass(frozen=True)
class ConnectorOptions:
    concurrency: int = 20
    host_gap: float = 1.0  # seconds between two request starts on one host
    per_host: int = 1  # requests in flight per host
    parser_workers: int = 2
    parser_processes: bool = True
    shutdown_grace: float = 10.0  # in-flight polls get this long to finish on SIGTERM
    fetch: FetchLimits = field(default_factory=FetchLimits)
    backoff: BackoffPolicy = field(default_factory=BackoffPolicy)
    adaptive: AdaptivePolicy = field(default_factory=AdaptivePolicy)
    budget_every: float = 300.0  # seconds between two re-computations of the budget scale


@dataclass
class RoundReport:
    results: list[PollResult] = field(default_factory=list)
    produced: int = 0
    outage: bool = False
    delivery_failures: int = 0

    @property
    def failed(self) -> list[PollResult]:
        return [r for r in self.results if not r.ok]

    @property
    def not_modified(self) -> int:
        return sum(1 for r in self.results if r.not_modified)


class Connector:
    """Use as an async context manager; it owns the HTTP client and the parser pool."""

    def __init__(
        self,
        feeds: Sequence[FeedConfig],
        sink: Sink,
        store: FeedStateStore | None = None,
        options: ConnectorOptions | None = None,
        *,
        seed: int | None = None,
        websub: WebSubConfig | None = None,
    ) -> None:
        self.feeds = list(feeds)
        self.sink = sink
        self.store = store or FeedStateStore()
        self.options = options or ConnectorOptions()
        self.fetcher = Fetcher(self.options.fetch)
        self.parsers = ParserPool(
            self.options.parser_workers, use_processes=self.options.parser_processes
        )
        self.limiter = ConcurrencyLimiter(
            self.options.concurrency, self.options.host_gap, self.options.per_host
        )
        self._rng = random.Random(seed)
        self._next_due: dict[str, float] = {feed.id: 0.0 for feed in self.feeds}
        # Feeds whose poll has not been rescheduled yet, and the round that owns each. Rounds
        # overlap: a feed that finished is polled again on its own schedule, even while a
        # round it belonged to is still waiting for a slow feed.
        self._in_flight: dict[str, RoundReport] = {}
        self._released = asyncio.Event()
        self._outage_rounds = 0
        self._stopping = asyncio.Event()
        self._commits: set[asyncio.Task[None]] = set()
        # Feeds whose push subscription is active (see set_pushed), and the budget scale of
        # adaptive polling with when it was computed (connectors/adaptive.py).
        self.pushed: set[str] = set()
        self._scale: float | None = None
        self._scale_at = 0.0
        # Polls and pushes of one feed commit one at a time: an entry carried by both is
        # then produced once, by whichever commits first.
        self._feed_locks: dict[str, asyncio.Lock] = {}
        self.websub = Subscriber(websub, ConnectorHost(self, websub.policy)) if websub else None

    async def __aenter__(self) -> Connector:
        if self.websub is not None:
            listed = {feed.id for feed in self.feeds}
            await self.websub.start(retired=[f for f in self.store.states if f not in listed])
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self.websub is not None:
            await self.websub.stop()
        await self._drain_commits()
        await self.fetcher.close()
        self.parsers.close(wait=True)

    def feed_lock(self, feed_id: str) -> asyncio.Lock:
        return self._feed_locks.setdefault(feed_id, asyncio.Lock())

    def feed_by_id(self, feed_id: str) -> FeedConfig | None:
        return next((feed for feed in self.feeds if feed.id == feed_id), None)

    # --- scheduling ----------------------------------------------------------------------

    def resume_schedule(self) -> None:
        """Honour back-off chosen before a restart (never waiting longer than the feed's
        interval), so a restart loop does not hammer failing feeds."""
        now_wall, now_mono = utc_now(), time.monotonic()
        for feed in self.feeds:
            state = self.store.states.get(feed.id)
            next_at = state.health.next_poll_at if state else None
            if next_at is not None and next_at > now_wall:
                # Adaptive decisions honour server hints (up to a day) and skip hours.
                longest = HINT_CAP if feed.adaptive else feed.poll_interval
                wait = min((next_at - now_wall).total_seconds(), longest)
                self._next_due[feed.id] = now_mono + wait

    def catch_up_pushed(self) -> None:
        """Pushes that came while the connector was down are lost to it (a hub retries for a
        while, then gives up), so a feed that was pushed when it stopped is polled at start,
        as soon as its server's caching hints allow, not after its long safety-net wait."""
        now_wall, now_mono = utc_now(), time.monotonic()
        for feed in self.feeds:
            state = self.store.states.get(feed.id)
            if state is None or state.websub is None or state.websub.status != "active":
                continue
            not_before = state.schedule.hints.not_before
            wait = max((not_before - now_wall).total_seconds(), 0.0) if not_before else 0.0
            self._next_due[feed.id] = min(self._next_due[feed.id], now_mono + wait)

    def due_feeds(self) -> list[FeedConfig]:
        now = time.monotonic()
        return [
            feed
            for feed in self.feeds
            if feed.id not in self._in_flight and self._next_due[feed.id] <= now
        ]

    def seconds_until_next_due(self) -> float:
        waiting = [due for fid, due in self._next_due.items() if fid not in self._in_flight]
        if not waiting:
            return 3600.0  # everything is in flight: a released feed wakes the loop
        return max(0.0, min(waiting) - time.monotonic())

    def _claim(self, feeds: Sequence[FeedConfig], report: RoundReport) -> None:
        for feed in feeds:
            self._in_flight[feed.id] = report

    def _release(self, feed_ids: Iterable[str], report: RoundReport) -> None:
        # Only the owner releases: the feed may already be in flight again in a later round.
        for feed_id in feed_ids:
            if self._in_flight.get(feed_id) is report:
                del self._in_flight[feed_id]
        self._released.set()

    def set_pushed(self, feed_id: str, pushed: bool) -> None:
        """The push-delivery hook (WebSub): ``pushed=True`` once the feed's subscription is
        active (verified, lease valid), False when it is pending, denied, expired or the
        hub fell silent. A pushed adaptive feed is polled only as a safety net (x4 its
        learned interval, at most its maximum bound); un-pushing brings the next poll
        forward to the normal adaptive interval at once. Fixed-interval feeds keep their
        interval; ``orbitwatch feeds health`` shows the flag either way."""
        if (feed_id in self.pushed) == pushed:
            return
        if pushed:
            self.pushed.add(feed_id)
        else:
            self.pushed.discard(feed_id)
        self._scale = None  # the budget freed or taken by this feed goes to the others
        feed = next((f for f in self.feeds if f.id == feed_id), None)
        if feed is not None and feed.adaptive and not pushed and feed_id in self._next_due:
            state = self.store.states.get(feed_id)
            interval = state.health.poll_interval_s if state else None
            if interval:
                normal = time.monotonic() + interval / self.options.adaptive.pushed_factor
                self._next_due[feed_id] = min(self._next_due[feed_id], normal)

    def budget_scale(self) -> float:
        """The adaptive feeds' budget scale, re-computed every ``budget_every`` seconds."""
        now = time.monotonic()
        if self._scale is None or now - self._scale_at >= self.options.budget_every:
            plans = self._plans()
            policy = self.options.adaptive
            self._scale = budget_scale(plans, utc_now(), policy)
            self._scale_at = now
            metrics.POLL_BUDGET.set(len(plans) * policy.budget_per_feed_hour)
            metrics.POLL_PLANNED.set(requests_per_hour_at(plans, self._scale, utc_now(), policy))
        return self._scale

    def _plans(self) -> list[FeedPlan]:
        return [
            FeedPlan(self.store.get(f).schedule, Bounds.of(f), f.id in self.pushed)
            for f in self.feeds
            if f.adaptive
        ]

    def _plan_success(
        self, feed: FeedConfig, result: PollResult, new: Sequence[Article]
    ) -> tuple[float, dict[str, Any]]:
        """Seconds until the next poll, and the state fields that record why."""
        policy = self.options.adaptive
        pushed = feed.id in self.pushed
        schedule = self.store.get(feed).schedule
        if not feed.adaptive:
            delay = self.options.backoff.after_success(feed.poll_interval, self._rng)
            schedule = record_attempt(schedule, result.started_at, policy.rhythm)
            decision = PollDecision(delay, "fixed", f"fixed every {feed.poll_interval:g}s")
        else:
            schedule, decision = after_poll(
                schedule,
                Bounds.of(feed),
                now=result.started_at,
                new_dates=[a.published_at for a in new],
                listed_dates=[e.published or e.updated for e in result.parsed.entries]
                if result.parsed
                else [],
                headers=result.fetch.headers if result.fetch else {},
                parsed=None if result.not_modified else result.parsed,
                scale=self.budget_scale(),
                pushed=pushed,
                policy=policy,
            )
            delay = decision.delay
        fields = health_fields(schedule, decision, pushed, policy)
        metrics.observe_schedule(feed.id, fields)
        return delay, {"schedule": schedule, "schedule_health": fields}

    def _plan_failure(
        self, feed: FeedConfig, result: PollResult, delay: float, why: str
    ) -> dict[str, Any]:
        policy = self.options.adaptive
        schedule = record_attempt(self.store.get(feed).schedule, result.started_at, policy.rhythm)
        pushed = feed.id in self.pushed
        fields = health_fields(schedule, PollDecision(delay, "backoff", why), pushed, policy)
        metrics.observe_schedule(feed.id, fields)
        return {"schedule": schedule, "schedule_health": fields}

    def _interval(self, feed: FeedConfig) -> float:
        """The feed's current interval: fixed, or the last adaptive decision."""
        if not feed.adaptive:
            return feed.poll_interval
        state = self.store.states.get(feed.id)
        last = state.health.poll_interval_s if state else None
        return Bounds.of(feed).clamp(last) if last else feed.min_interval

    def _schedule(self, feed: FeedConfig, delay: float) -> datetime:
        self._next_due[feed.id] = time.monotonic() + delay
        return utc_now() + timedelta(seconds=delay)

    # --- one round ------------------------------------------------------------------------

    async def poll_round(self, feeds: Sequence[FeedConfig] | None = None) -> RoundReport:
        """Poll ``feeds`` (default: all) concurrently, commit, and account for failures."""
        feeds = self.feeds if feeds is None else feeds
        report = RoundReport()
        self._claim(feeds, report)
        return await self._poll_claimed(feeds, report)

    async def _poll_claimed(self, feeds: Sequence[FeedConfig], report: RoundReport) -> RoundReport:
        try:
            results = await self.limiter.run(
                feeds, lambda f: f.host, lambda f: self._poll(f, report)
            )
            report.results = [r for r in results if r is not None]
            await self._account_failures(report)
        finally:
            self._release([feed.id for feed in feeds], report)
        return report

    async def _poll(self, feed: FeedConfig, report: RoundReport) -> PollResult | None:
        if self._stopping.is_set():
            return None  # shutting down: start nothing new
        try:
            result = await poll_feed(feed, self.fetcher, self.parsers, self.store.validators(feed))
        except Exception as exc:
            log.exception("unexpected error while polling", feed=feed.id)
            result = PollResult(feed=feed, started_at=utc_now())
            result.error = InternalError(f"{type(exc).__name__}: {exc}")
        if result.ok:
            # Shielded: once articles are on their way, the state write must follow even
            # if shutdown cancels the poll; otherwise a restart would emit them again.
            await asyncio.shield(self._track(self._commit_success(result, report)))
            # Rescheduled: free to be polled again without waiting for the round's slowest
            # feed. (Failures are rescheduled when the round is accounted for.)
            self._release([feed.id], report)
        return result

    def _track(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coro)
        self._commits.add(task)
        task.add_done_callback(self._commits.discard)
        return task

    async def _drain_commits(self) -> None:
        if self._commits:
            await asyncio.gather(*self._commits, return_exceptions=True)

    async def _commit_success(self, result: PollResult, report: RoundReport) -> None:
        async with self.feed_lock(result.feed.id):
            await self._commit_success_locked(result, report)
        if self.websub is not None and result.fetch is not None and result.parsed is not None:
            url = result.fetch.url
            found = discover(parse_link_header(result.fetch.links, url), result.parsed.links, url)
            self.websub.notice(result.feed.id, found, result.feed.allow_private)

    async def _commit_success_locked(self, result: PollResult, report: RoundReport) -> None:
        feed = result.feed
        new = self.store.new_articles(result)
        try:
            if new:
                await self.sink.send_articles(new)
                metrics.ARTICLES_PRODUCED.inc(len(new))
            report.produced += len(new)
            delay, planned = self._plan_success(feed, result, new)
            state = self.store.after_success(
                result, len(new), self._schedule(feed, delay), **planned
            )
            await self.sink.send_state(state)
            await self.sink.send_health(feed.id, state.health)
        except DeliveryFailed as exc:
            # Kafka's trouble, not the feed's. If the articles did not go out, the state did
            # not move either, so the next poll fetches and produces them again.
            report.delivery_failures += 1
            self._schedule(feed, self.options.backoff.retry_base)
            log.warning("delivery failed", feed=feed.id, error=str(exc))
            return
        metrics.FEEDS_POLLED.labels("not_modified" if result.not_modified else "fetched").inc()
        log.info(
            "feed polled",
            feed=feed.id,
            status=result.status,
            entries=result.entries,
            new=len(new),
            problems=len(result.problems),
        )

    async def _account_failures(self, report: RoundReport) -> None:
        failed = report.failed
        report.outage = is_network_outage([r.error for r in report.results])
        if report.outage:
            self._outage_rounds += 1
            log.warning("network outage suspected: every feed failed", feeds=len(failed))
        elif report.results and len(failed) < len(report.results):
            self._outage_rounds = 0
        policy = self.options.backoff
        for result in failed:
            feed, error = result.feed, result.error
            assert error is not None
            metrics.FEEDS_POLLED.labels("failed").inc()
            metrics.FETCH_ERRORS.labels(error.kind).inc()
            previous = self.store.get(feed).health.consecutive_failures
            failures = previous if report.outage else previous + 1
            if report.outage:
                delay = policy.after_outage(self._outage_rounds, self._rng)
                why = f"back-off: network outage (round {self._outage_rounds})"
            else:
                delay = policy.after_failure(self._interval(feed), failures, error, self._rng)
                why = f"back-off: {failures} failure(s), {error.kind}"
                if isinstance(error, HttpStatusError) and error.retry_after is not None:
                    why += f", Retry-After {error.retry_after:g}s"
            state = self.store.after_failure(
                result,
                counted=not report.outage,
                dormant=policy.is_dormant(failures),
                next_poll_at=self._schedule(feed, delay),
                **self._plan_failure(feed, result, delay, f"{delay:.0f}s: {why}"),
            )
            log.warning(
                "feed failed",
                feed=feed.id,
                kind=error.kind,
                error=str(error),
                failures=failures,
                retry_in=round(delay, 1),
            )
            try:
                await self.sink.send_state(state)
                await self.sink.send_health(feed.id, state.health)
            except DeliveryFailed as exc:
                report.delivery_failures += 1
                log.warning("delivery failed", feed=feed.id, error=str(exc))

    # --- forever --------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Poll feeds as they fall due until ``stop`` is set, then finish gracefully.

        A round is started for whatever is due, without waiting for the previous round to
        end: a feed that hangs until its timeout must not hold up the next polls of the
        feeds that answered (they are never in two rounds at once).
        """
        self.resume_schedule()
        if self.websub is not None:
            self.catch_up_pushed()
        stop_waiter = asyncio.create_task(stop.wait())
        rounds: set[asyncio.Task[RoundReport]] = set()
        try:
            while not stop.is_set():
                # Cleared before looking: a feed released from here on wakes the wait below.
                self._released.clear()
                due = self.due_feeds()
                if due:
                    report = RoundReport()
                    self._claim(due, report)
                    rounds.add(asyncio.create_task(self._poll_claimed(due, report)))
                released = asyncio.create_task(self._released.wait())
                try:
                    done, _ = await asyncio.wait(
                        {stop_waiter, released, *rounds},
                        timeout=self.seconds_until_next_due(),
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                finally:
                    released.cancel()
                for task in done & rounds:
                    rounds.discard(task)
                    task.result()  # re-raises a bug in a round instead of looping on it
        finally:
            stop_waiter.cancel()
            if rounds:
                await self._finish_rounds(rounds)
            await self._drain_commits()

    async def _finish_rounds(self, rounds: set[asyncio.Task[RoundReport]]) -> None:
        self._stopping.set()
        log.info("stopping: letting polls in flight finish", grace=self.options.shutdown_grace)
        _, pending = await asyncio.wait(rounds, timeout=self.options.shutdown_grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*rounds, return_exceptions=True)
