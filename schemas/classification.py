"""What the classifier decides about an article, and the event that carries both."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from schemas.article import Article
from schemas.base import Message, UtcDatetime


class Relation(StrEnum):
    cooperation = "cooperation"
    competition = "competition"
    threat = "threat"
    neutral = "neutral"
    none = "none"


class Severity(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"
    none = "none"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.none: 0, Severity.low: 1, Severity.medium: 2, Severity.high: 3}


class EventType(StrEnum):
    lunar = "lunar"
    nuclear = "nuclear"
    navigation = "navigation"
    counterspace = "counterspace"
    military = "military"
    launch = "launch"
    human_spaceflight = "human_spaceflight"
    science = "science"
    earth_observation = "earth_observation"
    satcom = "satcom"
    debris_ssa = "debris_ssa"
    agreements_policy = "agreements_policy"


ORGANISATIONS = frozenset({"ESA", "EU", "UN", "NATO", "BRICS", "SCO", "APSCO"})
ACTOR_PATTERN = r"^([A-Z]{2}|ESA|EU|UN|NATO|BRICS|SCO|APSCO)$"


class Evidence(Message):
    """One cue that fired: what matched, which gazetteer or rule, and where."""

    kind: str = Field(description="actor | event_type | relation | space | negative | rule")
    value: str = Field(description="What the cue stands for, e.g. RU, lunar, cooperation")
    term: str = Field(description="The text that matched (or the rule name)")
    field: Literal["title", "text"] = "text"
    start: int = Field(ge=-1, description="Character offset in the field; -1 for rules")
    end: int = Field(ge=-1)


class Classification(Message):
    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: Literal[1] = 1

    relevant: bool
    relation: Relation = Relation.none
    actors: list[str] = Field(default_factory=list, description="Sorted ISO alpha-2 / orgs")
    event_types: list[EventType] = Field(default_factory=list)
    severity: Severity = Severity.none
    score: float = Field(ge=0.0, le=1.0)
    evidence: list[Evidence] = Field(default_factory=list)
    classifier_version: str

    @field_validator("actors")
    @classmethod
    def _sorted_unique_actors(cls, value: list[str]) -> list[str]:
        import re

        for actor in value:
            if not re.match(ACTOR_PATTERN, actor):
                raise ValueError(f"not an actor code: {actor!r}")
        return sorted(set(value))

    @field_validator("event_types")
    @classmethod
    def _unique_event_types(cls, value: list[EventType]) -> list[EventType]:
        return sorted(set(value), key=lambda t: t.value)

    @property
    def actor_pairs(self) -> list[str]:
        """Every unordered pair of actors as ``A-B`` with A < B, e.g. ``CN-RU``."""
        acts = self.actors
        return [f"{a}-{b}" for i, a in enumerate(acts) for b in acts[i + 1 :]]


class ClassifiedEvent(Message):
    """An article with its classification, as published on ``events.classified``."""

    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: Literal[1] = 1

    article: Article
    classification: Classification
    story_id: str = Field(description="Id of the first article of the story this one joined")
    duplicate_of: str | None = Field(
        default=None, description="Set when the text is a near-duplicate of an earlier article"
    )
    classified_at: UtcDatetime

    @property
    def id(self) -> str:
        return self.article.id
