"""Gazetteers: the classifier's knowledge, as YAML files an analyst can extend.

Each file holds a list of entries. An entry is one thing (a state, an agency, a programme,
a cue such as "anti-satellite") with its aliases per language and what a mention of it
implies: an actor, event types, a relation, and how much it says about a space context, a
strategic framing or an off-topic sense of a word. File-level ``defaults`` apply to every
entry of the file (an entry overrides them), so ``agencies.yaml`` states once that an
agency mention signals a space context.

Alias syntax (see ``gazetteers/README.md``): ``word*`` matches any word starting with
``word``; in Russian every word is stemmed and matched as a prefix unless written
``=word``; ``^WORD`` is matched case-sensitively (``^US``, ``^UN``, ``^ESA``), for
acronyms that are ordinary words in lower case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from orbitwatch.core.errors import ConfigError
from schemas.classification import ACTOR_PATTERN, EventType

# Languages an alias may be filed under. ``any`` is for acronyms and names written the
# same everywhere (NASA, GLONASS); the language only decides how the alias is normalized
# (stemming), never which articles it is matched against.
LANGUAGES = frozenset(
    {
        "any",
        "en",
        "ru",
        "uk",
        "zh",
        "ja",
        "ko",
        "es",
        "fr",
        "de",
        "it",
        "pt",
        "ar",
        "fa",
        "hi",
        "vi",
        "tr",
    }
)


class GazetteerError(ConfigError):
    """A gazetteer file is missing, unreadable or invalid."""


class ActorRole(StrEnum):
    party = "party"  # a state, organisation, agency, company or official acting itself
    attribute = "attribute"  # a programme or spacecraft: implies its state, weakly


class CueRelation(StrEnum):
    cooperation = "cooperation"
    competition = "competition"
    threat = "threat"
    neutral = "neutral"  # a report, study or analysis framing: neither side acts on the other


class GazetteerEntry(BaseModel):
    """One named thing or cue, with everything a mention of it implies."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    actors: list[str] = Field(
        default_factory=list, description="ISO alpha-2 codes or organisations it stands for"
    )
    actor_role: ActorRole = ActorRole.party
    hosted_in: list[str] = Field(
        default_factory=list,
        description="States a spaceport stands in without them being a party (Baikonur: KZ)",
    )
    event_types: list[EventType] = Field(default_factory=list)
    relation: CueRelation | None = None
    weight: float = Field(default=1.0, ge=0, le=10, description="Weight of type/relation cues")
    space: float = Field(default=0.0, ge=0, le=10, description="Space-context evidence")
    strategic: float = Field(default=0.0, ge=0, le=10, description="Strategic framing")
    international: float = Field(default=0.0, ge=0, le=10, description="A foreign party")
    negative: float = Field(default=0.0, ge=0, le=10, description="Off-topic sense")
    unless_types: list[EventType] = Field(
        default_factory=list,
        description="The negative weight does not count when one of these types is present "
        "(a nuclear power plant is off-topic, unless it is on the Moon)",
    )
    aliases: dict[str, list[str]] = Field(min_length=1)

    @field_validator("actors")
    @classmethod
    def _known_actors(cls, value: list[str]) -> list[str]:
        for code in value:
            if not re.match(ACTOR_PATTERN, code):
                raise ValueError(
                    f"actor {code!r} is neither an ISO 3166-1 alpha-2 code nor one of "
                    "ESA, EU, UN, NATO, BRICS, SCO, APSCO"
                )
        return value

    @field_validator("hosted_in")
    @classmethod
    def _known_hosts(cls, value: list[str]) -> list[str]:
        for code in value:
            if not re.match(ACTOR_PATTERN, code):
                raise ValueError(f"hosted_in {code!r} is not an actor code")
        return value

    @field_validator("aliases")
    @classmethod
    def _known_languages_and_nonempty(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for language, aliases in value.items():
            if language not in LANGUAGES:
                raise ValueError(
                    f"unknown language {language!r} (expected one of {sorted(LANGUAGES)})"
                )
            if not isinstance(aliases, list) or not aliases:
                raise ValueError(f"aliases for {language!r} must be a non-empty list")
            for alias in aliases:
                if not isinstance(alias, str) or not alias.strip(" *=^"):
                    raise ValueError(f"empty alias under {language!r}")
        return value

    @cached_property
    def cue_kind(self) -> str:
        """What the evidence calls a mention of this entry."""
        if self.actors:
            return "actor"
        if self.negative > 0 or not (
            self.event_types or self.relation or self.space or self.strategic or self.international
        ):
            return "negative"
        if self.event_types:
            return "event_type"
        if self.relation:
            return "relation"
        if self.space:
            return "space"
        return "rule"

    @cached_property
    def cue_value(self) -> str:
        """What a mention stands for, e.g. ``RU``, ``lunar``, ``cooperation``."""
        if self.actors:
            return ",".join(self.actors)
        if self.event_types:
            return ",".join(t.value for t in self.event_types)
        if self.relation:
            return self.relation.value
        return self.id


class GazetteerFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    defaults: dict[str, Any] = Field(default_factory=dict)
    entries: list[dict[str, Any]] = Field(min_length=1)


class Gazetteer(BaseModel):
    """All entries of all files, each remembering the file it came from."""

    entries: list[GazetteerEntry]
    sources: list[str] = Field(description="File name of each entry, parallel to entries")

    def actor_codes(self) -> set[str]:
        """Every actor code the gazetteer can recognise (what a watchlist may name)."""
        return {code for entry in self.entries for code in entry.actors}


DEFAULT_DIRECTORY = resources.files("streams.classifier") / "gazetteers"


def _describe_error(error: ValidationError) -> str:
    parts = []
    for detail in error.errors():
        where = ".".join(str(p) for p in detail.get("loc", ())) or "<entry>"
        parts.append(f"{where}: {detail.get('msg')}")
    return "; ".join(parts)


def parse_file(name: str, content: str) -> list[GazetteerEntry]:
    """Parse one gazetteer document; ``name`` only appears in error messages."""
    try:
        raw = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        raise GazetteerError(f"{name}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise GazetteerError(f"{name}: expected a mapping with an 'entries' list")
    try:
        document = GazetteerFile.model_validate(raw)
    except ValidationError as exc:
        raise GazetteerError(f"{name}: {_describe_error(exc)}") from exc

    entries: list[GazetteerEntry] = []
    for position, raw_entry in enumerate(document.entries, start=1):
        label = f"entry #{position}"
        if isinstance(raw_entry, dict) and raw_entry.get("id"):
            label += f" ({raw_entry['id']!r})"
        if not isinstance(raw_entry, dict):
            raise GazetteerError(f"{name}: {label}: expected a mapping")
        try:
            entries.append(GazetteerEntry.model_validate({**document.defaults, **raw_entry}))
        except ValidationError as exc:
            raise GazetteerError(f"{name}: {label}: {_describe_error(exc)}") from exc
    return entries


def _yaml_files(directory: Path | Any) -> Iterable[tuple[str, str]]:
    try:
        children = sorted(directory.iterdir(), key=lambda p: p.name)
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise GazetteerError(f"gazetteer directory not found: {directory}") from exc
    for child in children:
        if child.name.endswith((".yaml", ".yml")):
            try:
                yield child.name, child.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise GazetteerError(f"{child.name}: cannot read: {exc}") from exc


def load_gazetteer(directory: Path | None = None) -> Gazetteer:
    """Load and validate every ``*.yaml`` file of ``directory`` (default: the bundled set).

    Entry ids must be unique across files: they name the cue in the evidence.
    """
    entries: list[GazetteerEntry] = []
    sources: list[str] = []
    seen: dict[str, str] = {}
    for name, content in _yaml_files(directory if directory is not None else DEFAULT_DIRECTORY):
        for entry in parse_file(name, content):
            if entry.id in seen:
                raise GazetteerError(
                    f"{name}: entry {entry.id!r} is already defined in {seen[entry.id]}"
                )
            seen[entry.id] = name
            entries.append(entry)
            sources.append(name)
    if not entries:
        raise GazetteerError(f"no gazetteer entries found in {directory or DEFAULT_DIRECTORY}")
    return Gazetteer(entries=entries, sources=sources)
