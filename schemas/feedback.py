"""An analyst's verdict on one classified article, the raw material of the next model.

Verdicts travel on a compacted topic keyed by article id, so the latest verdict per article
is the one that counts, and are indexed by article id for Kibana. Each carries what an
export needs to become a labeled training item (title, text, language) and what the
classifier said (``predicted``), so a verdict can be read and exported without looking the
event up again, even after the event's index has been deleted.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Self

from pydantic import Field, field_validator, model_validator

from schemas.base import Message, UtcDatetime
from schemas.classification import ACTOR_PATTERN, EventType, Relation, Severity

# What ``corrections`` can name: the fields of a label an analyst can contradict.
CORRECTABLE = ("relevant", "relation", "actors", "event_types")


def _actor_codes(value: list[str]) -> list[str]:
    for actor in value:
        if not re.match(ACTOR_PATTERN, actor):
            raise ValueError(f"not an actor code: {actor!r}")
    return sorted(set(value))


def _event_types(value: list[EventType]) -> list[EventType]:
    return sorted(set(value), key=lambda t: t.value)


class Prediction(Message):
    """The classifier's decision the analyst judged (evidence left out: it stays on the event)."""

    relevant: bool
    relation: Relation = Relation.none
    actors: list[str] = Field(default_factory=list)
    event_types: list[EventType] = Field(default_factory=list)
    severity: Severity = Severity.none
    score: float = Field(default=0.0, ge=0.0, le=1.0)

    @field_validator("actors")
    @classmethod
    def _sorted_actors(cls, value: list[str]) -> list[str]:
        return _actor_codes(value)

    @field_validator("event_types")
    @classmethod
    def _sorted_types(cls, value: list[EventType]) -> list[EventType]:
        return _event_types(value)


class Verdict(Message):
    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: Literal[1] = 1

    article_id: str = Field(min_length=1, max_length=128, description="Record key and doc id")
    alert_id: str | None = Field(default=None, description="Set when judged from an alert")
    story_id: str | None = None
    relevant: bool = Field(description="The analyst's answer: a strategic space event or not")
    relation: Relation = Relation.none
    actors: list[str] = Field(default_factory=list, description="Sorted ISO alpha-2 / orgs")
    event_types: list[EventType] = Field(default_factory=list)
    note: str = Field(default="", description="The analyst's reason, one line")
    recorded_at: UtcDatetime
    recorded_by: str = ""
    classifier_version: str = Field(description="Version that made the judged decision")
    predicted: Prediction
    classifier_correct: bool = Field(
        default=True, description="The prediction agreed on every field (derived)"
    )
    corrections: list[str] = Field(
        default_factory=list, description="Fields the analyst contradicted (derived)"
    )
    title: str = ""
    text: str = Field(default="", description="Summary or lead of the article")
    lang: str = Field(default="und", description="ISO 639-1 code, und when unknown")
    url: str | None = None
    published_at: UtcDatetime | None = None

    @field_validator("actors")
    @classmethod
    def _sorted_actors(cls, value: list[str]) -> list[str]:
        return _actor_codes(value)

    @field_validator("event_types")
    @classmethod
    def _sorted_types(cls, value: list[EventType]) -> list[EventType]:
        return _event_types(value)

    @model_validator(mode="after")
    def _consistent_label(self) -> Self:
        # A verdict is a training label: it must look like the labeled sets' items, where a
        # relevant item always names actors, types and a relation and an irrelevant one none.
        if self.relevant:
            if self.relation is Relation.none or not self.actors or not self.event_types:
                raise ValueError("a relevant verdict needs a relation, actors and event types")
        elif self.relation is not Relation.none or self.actors or self.event_types:
            raise ValueError("a not-relevant verdict has no relation, actors or event types")
        # Derived here rather than by the caller, so a record can never claim the
        # classifier was right while its fields say otherwise.
        self.corrections = corrections(self, self.predicted)
        self.classifier_correct = not self.corrections
        return self


def corrections(verdict: Verdict, predicted: Prediction) -> list[str]:
    """Names of the label fields where the analyst and the classifier differ."""
    if verdict.relevant != predicted.relevant:
        return ["relevant"]
    if not verdict.relevant:
        return []
    differ = []
    if verdict.relation is not predicted.relation:
        differ.append("relation")
    if set(verdict.actors) != set(predicted.actors):
        differ.append("actors")
    if set(verdict.event_types) != set(predicted.event_types):
        differ.append("event_types")
    return differ
