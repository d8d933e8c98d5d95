"""From alias hits to the signals the decision reads.

A hit says "this alias of that entry is here". Signals add them up per article: which
states are parties, how much the text speaks of space, of strategy, of an off-topic sense,
which event types and relations its cues point to. Every hit also becomes an Evidence.

Two rules keep places from posing as parties: a dateline ("MOSCOW, April 26 -") names
where the story was filed, and a state that merely hosts a spaceport mentioned just before
it ("Baikonur, Kazakhstan") is not a party either.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from schemas.classification import EventType, Evidence
from streams.classifier.gazetteer import ActorRole, CueRelation, GazetteerEntry
from streams.classifier.matcher import Hit
from streams.classifier.normalize import NormalizedText

Field = Literal["title", "text"]

# Distinct aliases of one entry that still add up; more say nothing new.
MAX_TERMS_PER_ENTRY = 2
# A mention in the title weighs this much more than one in the lead.
TITLE_BONUS = 0.5
# How far (characters) after a spaceport a hosting state is taken as its location.
HOST_WINDOW = 40
# An event type this strong cancels negatives that list it in ``unless_types``.
OVERRIDE_TYPE_SCORE = 2.0
_DATELINE_ENDINGS = frozenset(",(-:.—–/")


@dataclass(frozen=True, slots=True)
class Mention:
    entry: GazetteerEntry
    field: Field
    start: int  # offsets in the original field text
    end: int
    term: str  # the original text that matched
    key: str  # the normalized text that matched, to count distinct terms


@dataclass(slots=True)
class Signals:
    """Everything the decision needs, summed over the title and the text."""

    parties: dict[str, float] = field(default_factory=dict)  # actor -> weight
    attributes: set[str] = field(default_factory=set)  # actors implied by programmes
    title_actors: list[str] = field(default_factory=list)  # in order of appearance
    space: float = 0.0
    strategic: float = 0.0
    international: float = 0.0
    negative: float = 0.0
    types: dict[EventType, float] = field(default_factory=dict)
    relations: dict[CueRelation, float] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)

    def relation_score(self, relation: CueRelation) -> float:
        return self.relations.get(relation, 0.0)


def mentions_in(
    field_name: Field,
    original: str,
    normalized: NormalizedText,
    hits: list[Hit],
    entries: list[GazetteerEntry],
) -> list[Mention]:
    mentions = []
    for hit in hits:
        start, end = normalized.original_span(hit.start, hit.end)
        mentions.append(
            Mention(
                entries[hit.entry],
                field_name,
                start,
                end,
                original[start:end],
                normalized.text[hit.start : hit.end],
            )
        )
    return mentions


def _is_dateline(mention: Mention, original: str) -> bool:
    """An upper-case place at the very start of the lead, followed by a separator."""
    if mention.field != "text" or mention.start > 2 or not mention.term.isupper():
        return False
    rest = original[mention.end : mention.end + 2].lstrip()
    return bool(rest) and rest[0] in _DATELINE_ENDINGS


def _hosted_places(mentions: list[Mention]) -> list[tuple[Field, int, set[str]]]:
    return [(m.field, m.end, set(m.entry.hosted_in)) for m in mentions if m.entry.hosted_in]


def _is_host_location(mention: Mention, hosts: list[tuple[Field, int, set[str]]]) -> bool:
    return any(
        field_name == mention.field
        and 0 <= mention.start - end <= HOST_WINDOW
        and set(mention.entry.actors) <= codes
        for field_name, end, codes in hosts
    )


def collect_signals(mentions: list[Mention], text_original: str) -> Signals:
    signals = Signals()
    hosts = _hosted_places(mentions)
    # Per entry id: the distinct terms seen and whether one was in the title.
    terms: dict[str, set[str]] = defaultdict(set)
    in_title: dict[str, bool] = defaultdict(bool)
    by_id: dict[str, GazetteerEntry] = {}

    reported: set[tuple[str, str, str]] = set()
    for mention in mentions:
        entry = mention.entry
        by_id[entry.id] = entry
        terms[entry.id].add(mention.key)
        if mention.field == "title":
            in_title[entry.id] = True
        # Each distinct cue is reported once per field, at its first position: enough to
        # explain the decision, and building evidence objects is the costly part.
        marker = (entry.id, mention.field, mention.key)
        if marker not in reported:
            reported.add(marker)
            signals.evidence.append(
                Evidence(
                    kind=entry.cue_kind,
                    value=entry.cue_value,
                    term=mention.term,
                    field=mention.field,
                    start=mention.start,
                    end=mention.end,
                )
            )
        if not entry.actors:
            continue
        if _is_dateline(mention, text_original) or _is_host_location(mention, hosts):
            continue
        if entry.actor_role is ActorRole.attribute:
            signals.attributes.update(entry.actors)
            continue
        weight = 2.0 if mention.field == "title" else 1.0
        for actor in entry.actors:
            signals.parties[actor] = signals.parties.get(actor, 0.0) + weight
            if mention.field == "title" and actor not in signals.title_actors:
                signals.title_actors.append(actor)

    negatives: list[tuple[GazetteerEntry, float]] = []
    for entry_id, entry in by_id.items():
        count = min(len(terms[entry_id]), MAX_TERMS_PER_ENTRY)
        boost = 1.0 + (TITLE_BONUS if in_title[entry_id] else 0.0)
        signals.space += entry.space * count
        signals.strategic += entry.strategic * count
        signals.international += entry.international * count
        if entry.negative:
            negatives.append((entry, entry.negative * count * boost))
        for event_type in entry.event_types:
            signals.types[event_type] = signals.types.get(event_type, 0.0) + (
                entry.weight * count * boost
            )
        if entry.relation is not None:
            signals.relations[entry.relation] = signals.relations.get(entry.relation, 0.0) + (
                entry.weight * count * boost
            )
    for entry, weight in negatives:
        overridden = any(
            signals.types.get(t, 0.0) >= OVERRIDE_TYPE_SCORE for t in entry.unless_types
        )
        if not overridden:
            signals.negative += weight
    return signals
