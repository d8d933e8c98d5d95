"""Connector state per feed: HTTP validators, recently seen article ids, health.

The truth lives in the compacted Kafka topic ``topic_feed_state`` (one ``FeedState`` per
feed id, the latest wins); this module keeps the in-memory copy and computes the next
state after a poll. Ordering that makes restarts exact is the runner's: articles first,
state only after Kafka acknowledged them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from connectors.feedlist import FeedConfig
from connectors.fetch import Validators
from connectors.poll import PollResult
from orbitwatch.core.errors import InvalidMessage
from orbitwatch.core.kafka import read_topic_latest
from orbitwatch.core.settings import Settings
from schemas import Article, FeedSchedule, FeedState, utc_now
from schemas.feed_state import WebSubSubscription

# Ids remembered per feed. Must exceed the number of entries a feed lists at once, or an
# entry that falls out of the window would be produced again; the window is widened
# automatically for feeds that list more.
SEEN_IDS_LIMIT = 2_000
MAX_PROBLEMS = 5


def _bounded_seen(previous: list[str], current: list[str]) -> list[str]:
    """Previous ids not listed now, then the ids listed now (newest last), bounded."""
    current_set = set(current)
    merged = [i for i in previous if i not in current_set] + current
    limit = max(SEEN_IDS_LIMIT, len(current))
    return merged[-limit:]


class FeedStateStore:
    """The in-memory copy of every feed's state."""

    def __init__(self, states: dict[str, FeedState] | None = None) -> None:
        self.states: dict[str, FeedState] = dict(states or {})
        self._seen_sets: dict[str, set[str]] = {}

    def get(self, feed: FeedConfig) -> FeedState:
        state = self.states.get(feed.id)
        if state is None:
            state = FeedState(feed_id=feed.id, url=feed.url, updated_at=utc_now())
            self.states[feed.id] = state
        elif state.url != feed.url:
            # The list now points elsewhere: validators belong to the old address, but the
            # seen ids still describe articles already produced.
            state = state.model_copy(update={"url": feed.url, "etag": None, "last_modified": None})
            self.states[feed.id] = state
        state.health.feed_id = feed.id
        state.health.feed_name = feed.name
        return state

    def validators(self, feed: FeedConfig) -> Validators:
        state = self.get(feed)
        return Validators(etag=state.etag, last_modified=state.last_modified)

    def seen(self, feed_id: str) -> set[str]:
        if feed_id not in self._seen_sets:
            state = self.states.get(feed_id)
            self._seen_sets[feed_id] = set(state.seen_ids) if state else set()
        return self._seen_sets[feed_id]

    def new_articles(self, result: PollResult) -> list[Article]:
        seen = self.seen(result.feed.id)
        return [a for a in result.articles if a.id not in seen]

    def after_success(
        self,
        result: PollResult,
        produced: int,
        next_poll_at: datetime,
        *,
        schedule: FeedSchedule | None = None,
        schedule_health: dict[str, object] | None = None,
    ) -> FeedState:
        """The state to write once the new articles are acknowledged; ``schedule`` and
        ``schedule_health`` (connectors/adaptive.py) replace the learned rhythm and the
        health's interval fields when given."""
        feed = result.feed
        state = self.get(feed)
        now = utc_now()
        health = state.health.model_copy(
            update={
                "last_attempt_at": result.started_at,
                "last_success_at": now,
                "consecutive_failures": 0,
                "dormant": False,
                "entries_seen": state.health.entries_seen + result.entries,
                "articles_produced": state.health.articles_produced + produced,
                "articles_last_poll": produced,
                "last_status": result.status,
                # A 304 re-read nothing, so the last parse's problems still stand.
                "problems": (
                    state.health.problems if result.not_modified else result.problems[:MAX_PROBLEMS]
                ),
                "next_poll_at": next_poll_at,
                **(schedule_health or {}),
            }
        )
        update: dict[str, object] = {"health": health, "updated_at": now}
        if schedule is not None:
            update["schedule"] = schedule
        if result.fetch is not None and not result.not_modified:
            update["etag"] = result.fetch.validators.etag
            update["last_modified"] = result.fetch.validators.last_modified
            update["seen_ids"] = _bounded_seen(
                state.seen_ids, [a.id for a in reversed(result.articles)]
            )
        new_state = state.model_copy(update=update)
        self.states[feed.id] = new_state
        self._seen_sets[feed.id] = set(new_state.seen_ids)
        return new_state

    def after_failure(
        self,
        result: PollResult,
        *,
        counted: bool,
        dormant: bool,
        next_poll_at: datetime,
        schedule: FeedSchedule | None = None,
        schedule_health: dict[str, object] | None = None,
    ) -> FeedState:
        """The state after a failed poll. ``counted`` is False during a network outage:
        the error is shown but does not push the feed towards dormancy."""
        state = self.get(result.feed)
        error = result.error
        failures = state.health.consecutive_failures + (1 if counted else 0)
        health = state.health.model_copy(
            update={
                "last_attempt_at": result.started_at,
                "last_error_at": utc_now(),
                "last_error_kind": error.kind if error else "unknown",
                "last_error": str(error) if error else None,
                "consecutive_failures": failures,
                "dormant": dormant,
                "articles_last_poll": 0,
                "last_status": result.status,
                "next_poll_at": next_poll_at,
                **(schedule_health or {}),
            }
        )
        update: dict[str, object] = {"health": health, "updated_at": utc_now()}
        if schedule is not None:
            update["schedule"] = schedule
        new_state = state.model_copy(update=update)
        self.states[result.feed.id] = new_state
        return new_state

    # --- WebSub push (connectors/websub) ---------------------------------------------------

    def set_websub(
        self, feed_id: str, sub: WebSubSubscription, shown: str | None
    ) -> FeedState | None:
        """Record a feed's subscription (and the status ``feeds health`` shows). A feed
        that left the list keeps its state until its unsubscribe is through."""
        state = self.states.get(feed_id)
        if state is None:
            return None
        health = state.health.model_copy(update={"websub": shown})
        new_state = state.model_copy(update={"websub": sub, "health": health})
        self.states[feed_id] = new_state
        return new_state

    def after_push(self, feed: FeedConfig, articles: list[Article], produced: int) -> FeedState:
        """The state once a pushed document's new articles are acknowledged: its ids join
        the seen ids, so a poll (or another push) carrying them produces nothing again.
        Validators stay: a push says nothing about what a conditional GET would get."""
        state = self.get(feed)
        health = state.health.model_copy(
            update={
                "entries_seen": state.health.entries_seen + len(articles),
                "articles_produced": state.health.articles_produced + produced,
            }
        )
        new_state = state.model_copy(
            update={
                "health": health,
                "updated_at": utc_now(),
                "seen_ids": _bounded_seen(state.seen_ids, [a.id for a in reversed(articles)]),
            }
        )
        self.states[feed.id] = new_state
        self._seen_sets[feed.id] = set(new_state.seen_ids)
        return new_state


async def restore_states(
    settings: Settings, log: Callable[[str], None] | None = None
) -> FeedStateStore:
    """The store as the compacted topic left it."""

    def report(_: bytes | None, exc: InvalidMessage) -> None:
        if log:
            log(f"skipping unreadable feed state: {exc}")

    states = await read_topic_latest(
        settings, settings.topic_feed_state, FeedState.from_bytes, on_invalid=report
    )
    return FeedStateStore(states)
