"""Publishing a classified event on ``events.classified``: what the classify and stories
stages both end with."""

from __future__ import annotations

from faust.types import TopicT

from schemas import ClassifiedEvent
from streams import metrics


async def publish_classified(topic: TopicT, event: ClassifiedEvent) -> None:
    # Keyed by story: every member of a story lands on one partition downstream, so
    # per-story decisions (one alert per story and rule, story documents) stay local.
    await topic.send(key=event.story_id.encode(), value=event.to_bytes())
    metrics.observe_since_fetch("classified", event.article.fetched_at, event.classified_at)
