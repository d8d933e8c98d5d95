"""The worker's agents: articles.raw -> de-duplicate -> classify -> stories -> events.classified.

Two stages, because they scale differently:

1. ``classify`` runs on every partition of ``articles.raw`` (keyed by article id, so copies of
   one article meet on one partition). It drops repeated relevant ids and classifies. Relevant
   articles go on to an internal single-partition topic; the rest (the vast majority of a
   news stream) are published at once as stories of their own.
2. ``stories`` runs on that one partition: story clustering compares an article with every
   recent story, a global decision. Only relevant articles get here, so one partition keeps
   up with many classifying ones.

Bad records never stop an agent: they go to ``articles.dlq`` with the reason in headers.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

import faust
from aiokafka.partitioner import murmur2
from faust.types import EventT, StreamT

from orbitwatch.core.errors import InvalidMessage
from orbitwatch.core.kafka import DOWNSTREAM_RECORD_BYTES
from orbitwatch.core.settings import Settings
from schemas import Article, Classification, ClassifiedEvent, utc_now
from streams import metrics
from streams.deadletter import dead_letter_headers, deliver_dead_letter, error_type
from streams.sinks.retry import Backoff, retry_forever
from streams.stories import StoryIndex

log = logging.getLogger(__name__)

PRUNE_EVERY = 2000  # expiry runs inline: faust tables can only change inside a stream


def _partition_of(article_id: str, partitions: int) -> int:
    return (murmur2(article_id.encode()) & 0x7FFFFFFF) % partitions


class ArticleClassifier(Protocol):
    def classify(self, article: Article) -> Classification: ...


class Pipeline:
    def __init__(self, app: faust.App, settings: Settings, classifier: ArticleClassifier) -> None:
        self.app = app
        self.classifier = classifier
        self.raw = app.topic(
            settings.topic_articles_raw, key_serializer="raw", value_serializer="raw"
        )
        self.dlq = app.topic(
            settings.topic_articles_dlq, key_serializer="raw", value_serializer="raw"
        )
        self.unclustered = app.topic(
            f"{settings.app_id}-unclustered",
            partitions=1,
            internal=True,
            key_serializer="raw",
            value_serializer="raw",
            config={"max.message.bytes": str(DOWNSTREAM_RECORD_BYTES)},
        )
        self.classified = app.topic(
            settings.topic_events_classified, key_serializer="raw", value_serializer="raw"
        )
        # article id -> "partition/offset@epoch" of the record that first carried it. A
        # replay of that same record (after a crash) is processed again; another record with
        # the same id is a true duplicate and is dropped. Only relevant articles are
        # remembered: they are the ones that join stories and raise alerts, while a repeated
        # irrelevant article merely overwrites its own document (same id), and one changelog
        # write per article was a tenth of the worker's time. (Plain strings: faust can
        # restore str values from the changelog, but not lists.)
        self.first_seen = app.Table(
            "first-seen", partitions=settings.topic_partitions, key_type=str, value_type=str
        )
        self.story_store = app.Table("stories", partitions=1, key_type=str, value_type=str)
        self.stories = StoryIndex(self.story_store, window=settings.story_window)
        self._since_prune = 0
        self._since_expiry: dict[int, int] = {}
        self.dedupe_retention = settings.dedupe_retention
        app.agent(self.raw, name="classify")(self._classify_agent)
        app.agent(self.unclustered, name="stories")(self._stories_agent)

    async def _dead_letter(self, event: EventT, exc: BaseException) -> None:
        metrics.DEAD_LETTERS.labels(self.dlq.get_topic_name(), error_type(exc)).inc()
        log.warning(
            "dead-lettered %s/%s/%s: %s",
            event.message.topic,
            event.message.partition,
            event.message.offset,
            exc,
        )
        headers = dead_letter_headers(event, exc)
        await retry_forever(
            lambda: deliver_dead_letter(self.dlq, event, headers), Backoff(maximum=10.0)
        )

    async def _classify_agent(self, stream: StreamT[bytes]) -> None:
        async for event in stream.events():
            metrics.ARTICLES_CONSUMED.inc()
            try:
                article = Article.from_bytes(event.value)
            except InvalidMessage as exc:
                await self._dead_letter(event, exc)
                continue
            origin = f"{event.message.partition}/{event.message.offset}"
            first = self.first_seen.get(article.id)
            if first is not None and first.partition("@")[0] != origin:
                metrics.ARTICLES_DUPLICATE.inc()
                continue
            try:
                classification = self.classifier.classify(article)
            except Exception as exc:  # a classifier bug must not stop the stream
                log.exception("classifier failed on %s", article.id)
                await self._dead_letter(event, exc)
                continue
            metrics.ARTICLES_CLASSIFIED.labels(str(classification.relevant).lower()).inc()
            pending = ClassifiedEvent(
                article=article,
                classification=classification,
                story_id=article.id,
                classified_at=utc_now(),
            )
            if classification.relevant:
                if first is None:
                    self.first_seen[article.id] = f"{origin}@{time.time():.0f}"
                    self._expire_first_seen(event.message.partition)
                await self.unclustered.send(key=article.id.encode(), value=pending.to_bytes())
            else:
                # Not a space event: it is its own story, and skipping the single-partition
                # stories stage keeps that stage (and its table writes) for the few percent
                # of articles that are events.
                await self._publish(pending)

    async def _publish(self, event: ClassifiedEvent) -> None:
        # Keyed by story: every member of a story lands on one partition downstream, so
        # per-story decisions (one alert per story and rule, story documents) stay local.
        await self.classified.send(key=event.story_id.encode(), value=event.to_bytes())
        metrics.observe_since_fetch("classified", event.article.fetched_at, event.classified_at)

    def _expire_first_seen(self, partition: int) -> None:
        """Forget ids older than the retention, on the partition being processed only.

        faust writes a table change to the changelog partition of the *current* event, so a
        key may only be deleted while processing its own partition; keys are placed by the
        producer's default partitioner (murmur2 of the article id), as on ``articles.raw``.
        """
        self._since_expiry[partition] = self._since_expiry.get(partition, 0) + 1
        if self._since_expiry[partition] < PRUNE_EVERY:
            return
        self._since_expiry[partition] = 0
        horizon = time.time() - self.dedupe_retention.total_seconds()
        partitions = self.first_seen.partitions or 1
        for key, value in list(self.first_seen.items()):
            seen_at = float(value.rpartition("@")[2])
            if seen_at < horizon and _partition_of(key, partitions) == partition:
                del self.first_seen[key]

    async def _stories_agent(self, stream: StreamT[bytes]) -> None:
        async for event in stream.events():
            try:
                pending = ClassifiedEvent.from_bytes(event.value)
            except InvalidMessage as exc:
                await self._dead_letter(event, exc)
                continue
            assignment = self.stories.assign(pending.article, pending.classification)
            outcome = (
                "duplicate"
                if assignment.duplicate_of
                else "new"
                if assignment.is_new_story
                else "joined"
            )
            metrics.STORIES_ASSIGNED.labels(outcome).inc()
            final = pending.model_copy(
                update={"story_id": assignment.story_id, "duplicate_of": assignment.duplicate_of}
            )
            await self._publish(final)
            self._since_prune += 1
            if self._since_prune >= PRUNE_EVERY:
                self._since_prune = 0
                self.stories.prune()
