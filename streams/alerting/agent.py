"""The alerting stage's faust wiring: two agents, their tables, a timer, the silence reader.

1. ``alert-stories`` runs on every partition of ``events.classified``, which is keyed by
   story id: all members of a story meet on one partition, so the per-story, per-rule state
   (table ``alert-stories``, JSON text keyed by story id) is partition-local. It publishes
   story alerts and forwards what needs a global view to the internal topic.
2. ``alert-global`` runs on the single partition of ``<app_id>-alert-signals``: it counts
   events per rule and group in faust windowed tables (one tumbling table per frequency or
   spike rule), keeps digests and feed activity in table ``alert-global``, and acts on the
   ticks a timer sends (digest periods ending, flatlines). Tables change only inside these
   streams; the timer only sends ticks.

Every table is changelog-backed, so a restarted worker neither forgets what it alerted
(no repeat) nor what it was about to (no loss); alert ids are deterministic, so the few
alerts a crash can make it re-emit are dropped by id downstream. Bad records are logged,
counted and skipped: they never stop the worker.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import faust
from faust.types import StreamT
from faust.types.tables import WindowWrapperT
from pydantic import BaseModel

from orbitwatch.core.errors import InvalidMessage
from orbitwatch.core.every import Every
from orbitwatch.core.settings import Settings
from schemas import Alert, ClassifiedEvent, FeedHealth, utc_now
from schemas.topics import ALERTS, EVENTS_CLASSIFIED, FEED_HEALTH
from streams import metrics as stage_metrics
from streams.alerting import metrics
from streams.alerting.aggregates import AggregateState, Samples, evaluate_aggregate
from streams.alerting.digest import DigestLedger, add_to_digest, due_digests
from streams.alerting.engine import StoryAlerter, StoryAlertState
from streams.alerting.flatline import PIPELINE, FlatlineState, evaluate_flatline, flatline_targets
from streams.alerting.rules import (
    FrequencyRule,
    MatchRule,
    RuleDefaults,
    RuleSet,
    SpikeRule,
    load_rules,
)
from streams.alerting.signals import Activity, AlertSignal, CountedEvent, DigestEntry, Tick
from streams.alerting.silences import SilenceBook, follow_silences
from streams.app import raw_topic

log = logging.getLogger(__name__)

_M = TypeVar("_M", bound=BaseModel)

PRUNE_EVERY = 1000
SILENCES_WAIT_S = 30.0
SILENCES_RETRY_S = 5.0
FEED_PREFIX = "activity:feed:"


class WindowedCounts:
    """:class:`streams.alerting.aggregates.BucketCounts` over a tumbling faust table, read
    relative to the event being processed (its Kafka timestamp is the counted event's time)."""

    def __init__(self, table: WindowWrapperT, key: str, bucket_seconds: float) -> None:
        self.table = table
        self.key = key
        self.bucket_seconds = bucket_seconds

    def bucket(self, back: int) -> int:
        return int(self.table[self.key].delta(back * self.bucket_seconds) or 0)


class Alerting:
    def __init__(
        self,
        app: faust.App,
        settings: Settings,
        rules: RuleSet | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.rules = rules or load_rules(
            settings.alert_rules_file, RuleDefaults.from_settings(settings)
        )
        self.clock = clock
        self.engine = StoryAlerter(self.rules)
        self.silences = SilenceBook()

        self.events = raw_topic(app, settings, EVENTS_CLASSIFIED)
        self.alerts = raw_topic(app, settings, ALERTS)
        self.feed_health = raw_topic(app, settings, FEED_HEALTH)
        self.signals = app.topic(
            f"{settings.app_id}-alert-signals",
            partitions=1,
            internal=True,
            key_serializer="raw",
            value_serializer="raw",
        )
        self.story_state = app.Table(
            "alert-stories",
            partitions=settings.topic_partitions,
            key_type=str,
            value_type=str,
            use_partitioner=True,  # the changelog partition follows the story id, as events do
        )
        self.global_state = app.Table("alert-global", partitions=1, key_type=str, value_type=str)
        self.counts: dict[str, WindowWrapperT] = {
            rule.name: app.Table(f"alert-counts-{rule.name}", default=int, partitions=1)
            .tumbling(rule.bucket_size, expires=rule.horizon)
            .relative_to_stream()
            for rule in self.rules.aggregate
        }
        # Stories quiet longer than this gain no members and need no state any more.
        self.story_retention = settings.story_window + self.rules.longest_realert()
        self.activity_every = settings.alert_tick_interval.total_seconds()
        self._activity_sent: dict[str | None, float] = {}
        self._prune = Every(PRUNE_EVERY)

        app.agent(self.events, name="alert-stories")(self._story_agent)
        app.agent(self.signals, name="alert-global")(self._global_agent)
        if any(r.target == "feed" for r in self.rules.flatline):
            app.agent(self.feed_health, name="alert-feed-health")(self._feed_health_agent)
        if self.rules.flatline or any(self.rules.digest_interval(r) for r in self.rules.match):
            app.timer(self.activity_every, name="alert-tick")(self._tick)
        app.task(self._follow_silences)

    # -- publishing -----------------------------------------------------------------------

    async def _publish(self, alert: Alert) -> None:
        await self.alerts.send(key=alert.alert_id.encode(), value=alert.to_bytes())
        metrics.ALERTS_PUBLISHED.labels(alert.kind.value, alert.rule, alert.severity.value).inc()
        stage_metrics.observe_since_fetch("alerted", alert.fetched_at, alert.alerted_at)
        log.info("alert %s %s [%s] %s", alert.alert_id, alert.rule, alert.severity, alert.title)

    async def _signal(self, signal: BaseModel, key: str, at: datetime | None = None) -> None:
        payload = AlertSignal.model_validate({"signal": signal}).to_bytes()
        await self.signals.send(
            key=key.encode(), value=payload, timestamp=at.timestamp() if at else None
        )

    # -- silences -------------------------------------------------------------------------

    async def _follow_silences(self) -> None:
        # The reader must outlive Kafka hiccups: restart it (it re-reads the compacted topic
        # from the beginning, which is idempotent) instead of running without new silences.
        while True:
            try:
                await follow_silences(self.settings, self.silences)
            except Exception:
                log.exception("silence reader failed; restarting in %.0fs", SILENCES_RETRY_S)
            await asyncio.sleep(SILENCES_RETRY_S)

    async def _silences_loaded(self) -> None:
        try:
            await asyncio.wait_for(self.silences.ready.wait(), SILENCES_WAIT_S)
        except TimeoutError:
            log.warning("silences not loaded after %.0fs; alerting without them", SILENCES_WAIT_S)

    # -- stage 1: per story ----------------------------------------------------------------

    async def _story_agent(self, stream: StreamT[bytes]) -> None:
        await self._silences_loaded()
        async for event in stream.events():
            try:
                classified = ClassifiedEvent.from_bytes(event.value)
            except InvalidMessage as exc:
                metrics.ALERTING_FAILURES.labels("stories", exc.reason).inc()
                log.warning("skipping an unreadable classified event: %s", exc)
                continue
            try:
                raw = self.story_state.get(classified.story_id)
                state = StoryAlertState.from_bytes(raw) if raw is not None else None
                outcome = self.engine.on_event(classified, state, self.silences, self.clock())
            except Exception as exc:  # a rule-evaluation bug must not stop the stream
                metrics.ALERTING_FAILURES.labels("stories", type(exc).__name__).inc()
                log.exception("alerting failed on %s", classified.id)
                continue
            for alert in outcome.alerts:
                await self._publish(alert)
            for entry in outcome.digest_entries:
                await self._signal(entry, key=entry.alert.rule)
            for counted in outcome.counted:
                await self._signal(counted, key=f"{counted.rule}|{counted.group}", at=counted.at)
            for rule, silence in outcome.suppressed:
                metrics.ALERTS_SUPPRESSED.labels(rule, silence.scope.value).inc()
            if outcome.state is not None:
                self.story_state[classified.story_id] = outcome.state.to_bytes().decode()
            if self.rules.flatline:
                await self._note_activity(None, classified.classified_at)
                await self._note_activity(classified.article.feed_id, classified.classified_at)
            self._prune_stories()

    async def _note_activity(self, feed_id: str | None, at: datetime) -> None:
        """Forward signs of life, at most one per target and tick interval (in memory only:
        after a restart the first event is forwarded again, which is harmless)."""
        now = time.monotonic()
        if now - self._activity_sent.get(feed_id, -1e12) < self.activity_every:
            return
        self._activity_sent[feed_id] = now
        await self._signal(Activity(feed_id=feed_id, at=at), key=feed_id or PIPELINE)

    def _prune_stories(self) -> None:
        if not self._prune.due():
            return
        horizon = self.clock() - self.story_retention
        for story_id, raw in list(self.story_state.items()):
            if StoryAlertState.from_bytes(raw).last_event_at < horizon:
                del self.story_state[story_id]

    async def _feed_health_agent(self, stream: StreamT[bytes]) -> None:
        async for event in stream.events():
            try:
                health = FeedHealth.from_bytes(event.value)
            except InvalidMessage as exc:
                metrics.ALERTING_FAILURES.labels("feed-health", exc.reason).inc()
                continue
            feed_id = health.feed_id or (event.key or b"").decode("utf-8", "replace")
            produced = health.articles_last_poll > 0 and health.last_success_at is not None
            at = health.last_success_at if produced else health.last_attempt_at
            if feed_id and at is not None:
                await self._signal(Activity(feed_id=feed_id, at=at, produced=produced), feed_id)

    async def _tick(self) -> None:
        await self._signal(Tick(at=self.clock()), key="tick")

    # -- stage 2: global view --------------------------------------------------------------

    async def _global_agent(self, stream: StreamT[bytes]) -> None:
        await self._silences_loaded()
        async for event in stream.events():
            try:
                signal = AlertSignal.from_bytes(event.value).signal
            except InvalidMessage as exc:
                metrics.ALERTING_FAILURES.labels("global", exc.reason).inc()
                log.warning("skipping an unreadable alert signal: %s", exc)
                continue
            try:
                alerts = self._on_signal(signal)
            except Exception as exc:
                metrics.ALERTING_FAILURES.labels("global", type(exc).__name__).inc()
                log.exception("alerting failed on a %s signal", signal.type)
                continue
            for alert in alerts:
                await self._publish(alert)

    def _on_signal(self, signal: CountedEvent | DigestEntry | Activity | Tick) -> list[Alert]:
        if isinstance(signal, CountedEvent):
            return self._on_counted(signal)
        if isinstance(signal, DigestEntry):
            return self._on_digest_entry(signal.alert)
        if isinstance(signal, Activity):
            self._on_activity(signal)
            return []
        return self._on_tick()

    def _load(self, key: str, model: type[_M]) -> _M | None:
        raw = self.global_state.get(key)
        return model.model_validate_json(raw) if raw is not None else None

    def _store(self, key: str, value: BaseModel) -> None:
        self.global_state[key] = value.model_dump_json()

    def _on_counted(self, counted: CountedEvent) -> list[Alert]:
        rule = self.rules.get(counted.rule)
        table = self.counts.get(counted.rule)
        if not isinstance(rule, FrequencyRule | SpikeRule) or table is None:
            return []  # the rule was removed or disabled since the event was forwarded
        key = f"{rule.name}|{counted.group}"
        table[key] += 1
        samples = (self._load(f"samples:{key}", Samples) or Samples()).plus(counted)
        self._store(f"samples:{key}", samples)
        outcome = evaluate_aggregate(
            rule,
            counted,
            WindowedCounts(table, key, rule.bucket_size.total_seconds()),
            state=self._load(f"aggregate:{key}", AggregateState),
            samples=samples,
            silences=self.silences,
            realert=self.rules.realert(rule),
            now=self.clock(),
        )
        if outcome.suppressed is not None:
            metrics.ALERTS_SUPPRESSED.labels(rule.name, outcome.suppressed.scope.value).inc()
        if outcome.state is not None:
            self._store(f"aggregate:{key}", outcome.state)
        return [outcome.alert] if outcome.alert else []

    def _on_digest_entry(self, alert: Alert) -> list[Alert]:
        rule = self.rules.get(alert.rule)
        interval = self.rules.digest_interval(rule) if isinstance(rule, MatchRule) else None
        if not isinstance(rule, MatchRule) or interval is None:
            return [alert]  # no longer a digest rule: deliver the alert on its own
        ledger = self._load(f"digest:{rule.name}", DigestLedger) or DigestLedger()
        sent, ledger = add_to_digest(ledger, rule, alert, interval, self.clock())
        self._store(f"digest:{rule.name}", ledger)
        return sent

    def _on_activity(self, activity: Activity) -> None:
        key = f"{FEED_PREFIX}{activity.feed_id}" if activity.feed_id else f"activity:{PIPELINE}"
        known = self.global_state.get(key)
        if known is None or (activity.produced and datetime.fromisoformat(known) < activity.at):
            self.global_state[key] = activity.at.isoformat()

    def _on_tick(self) -> list[Alert]:
        now = self.clock()
        alerts: list[Alert] = []
        for rule in self.rules.match:
            interval = self.rules.digest_interval(rule)
            ledger = self._load(f"digest:{rule.name}", DigestLedger)
            if interval is None or ledger is None:
                continue
            sent, updated = due_digests(ledger, rule, interval, now)
            if updated is not None:
                self._store(f"digest:{rule.name}", updated)
            alerts.extend(sent)
        known_feeds = [
            k.removeprefix(FEED_PREFIX) for k in self.global_state if k.startswith(FEED_PREFIX)
        ]
        for flat in self.rules.flatline:
            for target in flatline_targets(flat, known_feeds):
                key = f"activity:{PIPELINE}" if target == PIPELINE else f"{FEED_PREFIX}{target}"
                last = self.global_state.get(key)
                if last is None:  # never seen: the silence is counted from now on
                    self.global_state[key] = now.isoformat()
                    continue
                state_key = f"flatline:{flat.name}|{target}"
                outcome = evaluate_flatline(
                    flat,
                    target,
                    datetime.fromisoformat(last),
                    state=self._load(state_key, FlatlineState),
                    silences=self.silences,
                    silent_for=self.rules.silent_for(flat),
                    realert=self.rules.realert(flat),
                    now=now,
                )
                if outcome.state is not None:
                    self._store(state_key, outcome.state)
                if outcome.alert is not None:
                    alerts.append(outcome.alert)
        return alerts
