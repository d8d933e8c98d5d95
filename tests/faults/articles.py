"""A realistic stream of articles for the fault-injection tests.

Texts come from the project's labeled holdout (12 languages, relevant and hard-negative
items) and the demo feeds (parsed by the connector's own parser). Each article takes one base
item and appends paragraphs of other items in the same language, so lengths run from a
headline with a sentence to a few kilobytes of full text.

Relevant articles get publication times two minutes apart, far in the past: with the worker's
story window shortened below that (``STORY_WINDOW``), none joins another's story, so each
raises alerts of its own and many alerts are in flight whenever a fault strikes.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta

from benchmarks.corpus import Seed, holdout_seeds
from connectors.demo.server import DEMO_FEEDS, demo_documents
from connectors.feedlist import FeedConfig
from connectors.normalize import normalize_feed
from connectors.parse import parse_document
from schemas import Article, FeedRef, utc_now

STORY_WINDOW = timedelta(seconds=60)  # the worker's ORBITWATCH_STORY_WINDOW in these tests
RELEVANT_SPACING = timedelta(minutes=2)  # > STORY_WINDOW: one story per relevant article


def load_seeds() -> list[Seed]:
    seeds = holdout_seeds()
    # The demo feeds are space news, mostly strategic: counted with the relevant share.
    now = utc_now()
    for name, body in sorted(demo_documents().items()):
        feed = FeedConfig(id=name, name=name, url=f"http://demo.invalid/{name}")
        for article in normalize_feed(parse_document(body), feed, fetched_at=now):
            text = article.content or article.summary
            language = article.language or DEMO_FEEDS[name][2]
            seeds.append(Seed(language, article.title, text, relevant=True))
    return seeds


class ArticleStream:
    """Deterministic for a seed: the same run name and seed give the same articles."""

    def __init__(self, run: str, count: int, relevant_share: float = 0.05, seed: int = 11):
        self.run = run
        self.count = count
        self.relevant_share = relevant_share
        self.random = random.Random(seed)
        seeds = load_seeds()
        self.relevant = [s for s in seeds if s.relevant]
        self.ordinary = [s for s in seeds if not s.relevant]
        self.paragraphs: dict[str, list[str]] = defaultdict(list)
        for s in seeds:
            self.paragraphs[s.language].append(s.text)
        self.relevant_ids: list[str] = []
        self._past = utc_now() - RELEVANT_SPACING * (count + 10)

    def __iter__(self) -> Iterator[Article]:
        for i in range(self.count):
            yield self._make(i)

    def _make(self, i: int) -> Article:
        relevant = self.random.random() < self.relevant_share
        base = self.random.choice(self.relevant if relevant else self.ordinary)
        extra = self.random.choice((0, 0, 1, 2, 4, 12))  # mostly short, some long
        same_language = self.paragraphs[base.language]
        body = [base.text, *(self.random.choice(same_language) for _ in range(extra))]
        article_id = f"{self.run}-{i:06d}"
        feed_id = f"fault-{base.language}-{i % 5}"
        now = utc_now()
        published: datetime = now - timedelta(seconds=self.random.randint(0, 3600))
        if relevant:
            self.relevant_ids.append(article_id)
            published = self._past + RELEVANT_SPACING * len(self.relevant_ids)
        long_form = extra >= 4
        return Article(
            id=article_id,
            feed_id=feed_id,
            url=f"https://{feed_id}.example.org/news/{article_id}",
            title=base.title,
            summary=body[0] if long_form else "\n\n".join(body),
            content="\n\n".join(body) if long_form else None,
            published_at=published,
            fetched_at=now,
            language=base.language,
            source=FeedRef(
                feed_id=feed_id,
                name=f"Fault wire {base.language} {i % 5}",
                url=f"https://{feed_id}.example.org/rss",
                language=base.language,
            ),
        )
