"""Prometheus metrics of the worker's stages."""

from __future__ import annotations

from prometheus_client import Counter

ARTICLES_CONSUMED = Counter("orbitwatch_articles_consumed_total", "Records read from articles.raw")
ARTICLES_DUPLICATE = Counter(
    "orbitwatch_articles_duplicate_total", "Articles dropped because their id was seen before"
)
ARTICLES_CLASSIFIED = Counter(
    "orbitwatch_articles_classified_total", "Articles classified", ["relevant"]
)
DEAD_LETTERS = Counter(
    "orbitwatch_dead_letters_total", "Records sent to a dead-letter topic", ["topic", "reason"]
)
STORIES_ASSIGNED = Counter(
    "orbitwatch_story_assignments_total", "Articles assigned to stories", ["outcome"]
)
