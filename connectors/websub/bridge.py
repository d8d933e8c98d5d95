"""The connector as the subscriber's host: subscriptions in the feed state, pushes in the
same parse -> normalize -> de-duplicate -> produce path as polls.

A pushed document is treated as a poll's would be: the same parser pool, the same
:func:`connectors.normalize.normalize_feed` (so the same deterministic article ids), the
same seen-ids check (:meth:`FeedStateStore.new_articles`), articles acknowledged by Kafka
before the state that remembers them. Pushes and polls of one feed take the feed's lock,
so an entry carried by both is produced once, whichever comes first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from connectors import metrics as connector_metrics
from connectors.errors import FeedError
from connectors.normalize import normalize_feed
from connectors.poll import PollResult
from connectors.producer import DeliveryFailed
from connectors.websub import metrics
from connectors.websub import subscription as machine
from connectors.websub.callback import DeliveryError
from schemas import utc_now
from schemas.feed_state import WebSubSubscription

if TYPE_CHECKING:
    from connectors.runner import Connector
    from connectors.websub.subscription import WebSubPolicy

log = structlog.get_logger("orbitwatch.connector.websub")


class ConnectorHost:
    """:class:`connectors.websub.subscriber.SubscriptionHost` over a running connector."""

    def __init__(self, connector: Connector, policy: WebSubPolicy) -> None:
        self.connector = connector
        self.policy = policy

    def subscription(self, feed_id: str) -> WebSubSubscription | None:
        state = self.connector.store.states.get(feed_id)
        return state.websub if state is not None else None

    def subscriptions(self) -> dict[str, WebSubSubscription]:
        return {
            feed_id: state.websub
            for feed_id, state in self.connector.store.states.items()
            if state.websub is not None
        }

    def put_subscription(self, feed_id: str, sub: WebSubSubscription) -> None:
        """Record the subscription and tell the scheduler whether pushes can be relied on
        (active, lease valid, not silent): it then polls the feed as a safety net only."""
        now = utc_now()
        self.connector.store.set_websub(feed_id, sub, machine.status_text(sub, now, self.policy))
        self.connector.set_pushed(feed_id, machine.is_pushed(sub, now, self.policy))

    async def persist(self, feed_id: str) -> None:
        async with self.connector.feed_lock(feed_id):
            state = self.connector.store.states.get(feed_id)
            if state is None:
                return
            try:
                await self.connector.sink.send_state(state)
                await self.connector.sink.send_health(feed_id, state.health)
            except DeliveryFailed as exc:
                # The next write of this feed's state carries the subscription too.
                log.warning("websub state not written", feed=feed_id, error=str(exc))

    async def ingest_push(self, feed_id: str, body: bytes, content_type: str | None) -> int:
        """Produce a pushed document's new articles; the number produced."""
        feed = self.connector.feed_by_id(feed_id)
        sub = self.subscription(feed_id)
        if feed is None or sub is None:
            metrics.PUSHES.labels("unknown").inc()
            return 0  # a feed that left the list: its unsubscribe is on its way
        result = PollResult(feed=feed, started_at=utc_now())
        try:
            result.parsed = await self.connector.parsers.parse(
                body, url=sub.topic, content_type=content_type
            )
            result.articles = normalize_feed(
                result.parsed, feed, fetched_at=result.started_at, document_url=sub.topic
            )
        except FeedError as exc:
            # Sending it again would not make it readable: acknowledged and dropped; the
            # safety-net poll still reads the feed itself.
            metrics.PUSHES.labels("unreadable").inc()
            log.warning("push dropped: unreadable", feed=feed_id, kind=exc.kind, error=str(exc))
            return 0
        async with self.connector.feed_lock(feed_id):
            new = self.connector.store.new_articles(result)
            try:
                if new:
                    await self.connector.sink.send_articles(new)
                    connector_metrics.ARTICLES_PRODUCED.inc(len(new))
                state = self.connector.store.after_push(feed, result.articles, len(new))
                await self.connector.sink.send_state(state)
                await self.connector.sink.send_health(feed_id, state.health)
            except DeliveryFailed as exc:
                raise DeliveryError(str(exc)) from exc
        metrics.PUSHES.labels("accepted").inc()
        log.info("feed pushed", feed=feed_id, entries=len(result.articles), new=len(new))
        return len(new)
