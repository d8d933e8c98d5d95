"""Story clustering: one ``story_id`` for the same event across feeds and languages."""

from streams.stories.index import Assignment, StoryIndex
from streams.stories.minhash import signature, similarity

__all__ = ["Assignment", "StoryIndex", "signature", "similarity"]
