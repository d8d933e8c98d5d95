"""Prometheus metrics of the stories stage."""

from __future__ import annotations

from prometheus_client import Counter

STORIES_ASSIGNED = Counter(
    "orbitwatch_story_assignments_total", "Articles assigned to stories", ["outcome"]
)
