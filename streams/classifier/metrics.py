"""Prometheus metrics of the classify stage."""

from __future__ import annotations

from prometheus_client import Counter

ARTICLES_CONSUMED = Counter("orbitwatch_articles_consumed_total", "Records read from articles.raw")
ARTICLES_DUPLICATE = Counter(
    "orbitwatch_articles_duplicate_total", "Articles dropped because their id was seen before"
)
ARTICLES_CLASSIFIED = Counter(
    "orbitwatch_articles_classified_total", "Articles classified", ["relevant"]
)
