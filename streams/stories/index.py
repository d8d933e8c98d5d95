"""Assigns each classified article to a story, remembering stories in a key-value store.

The store is a faust table in the worker (so the index survives restarts through its
changelog) and a plain dict in unit tests. Values are the models' JSON text; keys are
namespaced:

- ``story:<story_id>``  -> :class:`StoryRecord`
- ``band:<band>``       -> :class:`StoryPointers` (stories with a member text in that band)
- ``actors:<A,B,...>``  -> :class:`StoryPointers` (relevant stories with exactly these actors)
- ``member:<article>``  -> story id (so a replayed article lands in the same story again)

An article joins a story when its text is a near-duplicate of a recent member (any feed), or
when it is relevant, has the same actors and shares most language-independent concepts with
the story's first article (the same event told in another language or by another outlet).
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from schemas import Article, Classification
from schemas.story import StoryPointers, StoryRecord
from streams.stories.minhash import Signature, band_keys, signature, similarity

MAX_MEMBER_IDS = 500
MAX_SIGNATURES = 8
MAX_POINTERS = 50


@dataclass(frozen=True)
class Assignment:
    story_id: str
    duplicate_of: str | None
    record: StoryRecord
    is_new_story: bool


def concepts_of(classification: Classification) -> set[str]:
    """Cues that do not depend on the language the article was written in."""
    found = {f"actor:{a}" for a in classification.actors}
    found |= {f"type:{t.value}" for t in classification.event_types}
    found |= {
        f"{e.kind}:{e.value}"
        for e in classification.evidence
        if e.kind not in ("negative", "rule", "space")
    }
    return found


class StoryIndex:
    def __init__(
        self,
        store: MutableMapping[str, str],
        window: timedelta = timedelta(hours=72),
        duplicate_similarity: float = 0.5,
        concept_overlap: float = 0.6,
    ) -> None:
        self.store = store
        self.window = window
        self.duplicate_similarity = duplicate_similarity
        self.concept_overlap = concept_overlap
        self.watermark: datetime | None = None

    # -- lookups ----------------------------------------------------------------------------

    def story(self, story_id: str) -> StoryRecord | None:
        raw = self.store.get(f"story:{story_id}")
        return StoryRecord.from_bytes(raw) if raw is not None else None

    def _pointers(self, key: str) -> list[str]:
        raw = self.store.get(key)
        return StoryPointers.from_bytes(raw).story_ids if raw is not None else []

    def _live(self, story_ids: Iterable[str], at: datetime) -> Iterable[StoryRecord]:
        for story_id in dict.fromkeys(story_ids):
            record = self.story(story_id)
            if record is not None and abs(at - record.last_seen) <= self.window:
                yield record

    def _near_duplicate(self, sig: Signature, at: datetime) -> tuple[StoryRecord, str] | None:
        candidates = [sid for key in band_keys(sig) for sid in self._pointers(f"band:{key}")]
        best: tuple[float, StoryRecord, str] | None = None
        for record in self._live(candidates, at):
            for member_id, member_sig in record.signatures.items():
                score = similarity(sig, tuple(member_sig))
                if score >= self.duplicate_similarity and (best is None or score > best[0]):
                    best = (score, record, member_id)
        return (best[1], best[2]) if best else None

    def _same_event(
        self, classification: Classification, concepts: set[str], at: datetime
    ) -> StoryRecord | None:
        if not classification.relevant or not classification.actors:
            return None
        key = "actors:" + ",".join(classification.actors)
        for record in self._live(reversed(self._pointers(key)), at):
            seed = set(record.concepts)
            if seed and len(concepts & seed) / len(concepts | seed) >= self.concept_overlap:
                return record
        return None

    # -- assignment -------------------------------------------------------------------------

    def assign(self, article: Article, classification: Classification) -> Assignment:
        at = article.published_at or article.fetched_at
        self.watermark = max(self.watermark or at, at)
        known = self.store.get(f"member:{article.id}")
        known_record = self.story(known) if known is not None else None
        if known_record is not None:
            return Assignment(known_record.story_id, None, known_record, is_new_story=False)

        sig = signature(article.text)
        concepts = concepts_of(classification)
        duplicate_of: str | None = None
        record: StoryRecord | None = None
        if sig is not None and (match := self._near_duplicate(sig, at)):
            record, duplicate_of = match
        if record is None:
            record = self._same_event(classification, concepts, at)
        is_new = record is None
        if record is None:
            record = StoryRecord(
                story_id=article.id,
                first_seen=at,
                last_seen=at,
                concepts=sorted(concepts),
                actors=classification.actors,
            )
            if classification.relevant and classification.actors:
                self._file("actors:" + ",".join(classification.actors), record.story_id)
        self._add_member(record, article, classification, sig, at)
        return Assignment(record.story_id, duplicate_of, record, is_new_story=is_new)

    def _add_member(
        self,
        record: StoryRecord,
        article: Article,
        classification: Classification,
        sig: Signature | None,
        at: datetime,
    ) -> None:
        record.last_seen = max(record.last_seen, at)
        record.first_seen = min(record.first_seen, at)
        record.article_ids = [*record.article_ids, article.id][-MAX_MEMBER_IDS:]
        record.article_count += 1
        if article.language and article.language not in record.languages:
            record.languages = [*record.languages, article.language]
        if article.feed_id not in record.feeds:
            record.feeds = [*record.feeds, article.feed_id]
        if classification.severity.rank > record.max_severity.rank:
            record.max_severity = classification.severity
        if sig is not None:
            record.signatures[article.id] = list(sig)
            while len(record.signatures) > MAX_SIGNATURES:
                record.signatures.pop(next(iter(record.signatures)))
            for key in band_keys(sig):
                self._file(f"band:{key}", record.story_id)
        self.store[f"story:{record.story_id}"] = record.model_dump_json()
        self.store[f"member:{article.id}"] = record.story_id

    def _file(self, key: str, story_id: str) -> None:
        ids = [sid for sid in self._pointers(key) if sid != story_id]
        ids = [*ids, story_id][-MAX_POINTERS:]
        self.store[key] = StoryPointers(story_ids=ids).model_dump_json()

    # -- expiry -----------------------------------------------------------------------------

    def prune(self) -> int:
        """Forget stories quiet for longer than the window (by event time); returns count."""
        if self.watermark is None:
            return 0
        horizon = self.watermark - self.window
        expired: set[str] = set()
        for key in list(self.store.keys()):
            if key.startswith("story:"):
                record = StoryRecord.from_bytes(self.store[key])
                if record.last_seen < horizon:
                    expired.add(record.story_id)
                    for member in record.article_ids:
                        self.store.pop(f"member:{member}", None)
                    del self.store[key]
        if expired:
            for key in list(self.store.keys()):
                if key.startswith(("band:", "actors:")):
                    kept = [sid for sid in self._pointers(key) if sid not in expired]
                    if kept:
                        self.store[key] = StoryPointers(story_ids=kept).model_dump_json()
                    else:
                        del self.store[key]
        return len(expired)
