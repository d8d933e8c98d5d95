"""The classify stage: articles.raw -> de-duplicate -> classify -> the stories stage, or
straight to events.classified.

It runs on every partition of ``articles.raw`` (keyed by article id, so copies of one
article meet on one partition). It drops repeated relevant ids and classifies. Relevant
articles go on to the stories stage through an internal single-partition topic; the rest
(the vast majority of a news stream) are published at once as stories of their own.

Bad records never stop the agent: they go to ``articles.dlq`` with the reason in headers.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

import faust
from aiokafka.partitioner import murmur2
from faust.types import StreamT, TopicT

from orbitwatch.core.errors import InvalidMessage
from orbitwatch.core.every import Every
from orbitwatch.core.settings import Settings
from schemas import Article, Classification, ClassifiedEvent, utc_now
from streams.classifier import metrics
from streams.deadletter import DeadLetters
from streams.publish import publish_classified

log = logging.getLogger(__name__)

# Expiry runs inline (faust tables can only change inside a stream), once per this many
# relevant articles of a partition.
EXPIRE_EVERY = 2000


class ArticleClassifier(Protocol):
    def classify(self, article: Article) -> Classification: ...


def _partition_of(article_id: str, partitions: int) -> int:
    return (murmur2(article_id.encode()) & 0x7FFFFFFF) % partitions


class ClassifyStage:
    def __init__(
        self,
        app: faust.App,
        settings: Settings,
        classifier: ArticleClassifier,
        *,
        raw: TopicT,
        dead_letters: DeadLetters,
        unclustered: TopicT,
        classified: TopicT,
    ) -> None:
        self.classifier = classifier
        self.dead_letters = dead_letters
        self.unclustered = unclustered
        self.classified = classified
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
        self._expiry = Every(EXPIRE_EVERY)  # counted per partition
        self.dedupe_retention = settings.dedupe_retention
        app.agent(raw, name="classify")(self._agent)

    async def _agent(self, stream: StreamT[bytes]) -> None:
        async for event in stream.events():
            metrics.ARTICLES_CONSUMED.inc()
            try:
                article = Article.from_bytes(event.value)
            except InvalidMessage as exc:
                await self.dead_letters.send(event, exc)
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
                await self.dead_letters.send(event, exc)
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
                await publish_classified(self.classified, pending)

    def _expire_first_seen(self, partition: int) -> None:
        """Forget ids older than the retention, on the partition being processed only.

        faust writes a table change to the changelog partition of the *current* event, so a
        key may only be deleted while processing its own partition; keys are placed by the
        producer's default partitioner (murmur2 of the article id), as on ``articles.raw``.
        """
        if not self._expiry.due(partition):
            return
        horizon = time.time() - self.dedupe_retention.total_seconds()
        partitions = self.first_seen.partitions or 1
        for key, value in list(self.first_seen.items()):
            seen_at = float(value.rpartition("@")[2])
            if seen_at < horizon and _partition_of(key, partitions) == partition:
                del self.first_seen[key]
