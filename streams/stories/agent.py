"""The stories stage: relevant classified articles -> one story id per event -> events.classified.

It runs on one partition: story clustering compares an article with every recent story, a
global decision. Only relevant articles get here (the classify stage publishes the rest
itself), so one partition keeps up with many classifying ones.
"""

from __future__ import annotations

import faust
from faust.types import StreamT, TopicT

from orbitwatch.core.errors import InvalidMessage
from orbitwatch.core.every import Every
from orbitwatch.core.settings import Settings
from schemas import ClassifiedEvent
from streams.deadletter import DeadLetters
from streams.publish import publish_classified
from streams.stories import metrics
from streams.stories.index import StoryIndex

# Story expiry runs inline (faust tables change only inside a stream), once per this many
# articles.
PRUNE_EVERY = 2000


class StoriesStage:
    def __init__(
        self,
        app: faust.App,
        settings: Settings,
        *,
        unclustered: TopicT,
        dead_letters: DeadLetters,
        classified: TopicT,
    ) -> None:
        self.dead_letters = dead_letters
        self.classified = classified
        self.story_store = app.Table("stories", partitions=1, key_type=str, value_type=str)
        self.stories = StoryIndex(self.story_store, window=settings.story_window)
        self._prune = Every(PRUNE_EVERY)
        app.agent(unclustered, name="stories")(self._agent)

    async def _agent(self, stream: StreamT[bytes]) -> None:
        async for event in stream.events():
            try:
                pending = ClassifiedEvent.from_bytes(event.value)
            except InvalidMessage as exc:
                await self.dead_letters.send(event, exc)
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
            await publish_classified(self.classified, final)
            if self._prune.due():
                self.stories.prune()
