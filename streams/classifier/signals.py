"""From alias hits to the signals the decision reads.

A hit says "this alias of that entry is here". Signals add them up per article: which
states are parties, how much the text speaks of space, of strategy, of an off-topic sense,
which event types and relations its cues point to. Every hit also becomes an Evidence.

Two rules keep places from posing as parties: a dateline ("MOSCOW, April 26 -") names
where the story was filed, and a state that merely hosts a spaceport mentioned just before
it ("Baikonur, Kazakhstan") is not a party either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from schemas.classification import EventType
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
    neutral_title: bool = False  # the title frames the story as a report or analysis
    evidence: list[dict[str, object]] = field(default_factory=list)  # Evidence fields

    def relation_score(self, relation: CueRelation) -> float:
        return self.relations.get(relation, 0.0)


@dataclass(frozen=True, slots=True)
class EntryInfo:
    """What the per-hit loop needs of an entry, looked up once when the classifier is built."""

    actors: tuple[str, ...]
    is_attribute: bool
    hosted_in: frozenset[str]
    kind: str  # evidence kind
    value: str  # evidence value


def entry_infos(entries: list[GazetteerEntry]) -> list[EntryInfo]:
    return [
        EntryInfo(
            tuple(entry.actors),
            entry.actor_role is ActorRole.attribute,
            frozenset(entry.hosted_in),
            entry.cue_kind,
            entry.cue_value,
        )
        for entry in entries
    ]


def _is_dateline(start: int, term: str, text: str) -> bool:
    """An upper-case place at the very start of the lead, followed by a separator."""
    if start > 2 or not term.isupper():
        return False
    rest = text[start + len(term) : start + len(term) + 2].lstrip()
    return bool(rest) and rest[0] in _DATELINE_ENDINGS


def collect_signals(
    hits: list[Hit],
    normalized: NormalizedText,
    title: str,
    text: str,
    entries: list[GazetteerEntry],
    infos: list[EntryInfo],
) -> Signals:
    """Add up the hits found in ``normalized``: the title, one separator, then the text.

    Hits are in normalized coordinates, sorted by start; evidence points at the original
    title or text.
    """
    signals = Signals()
    title_length = len(title)
    text_offset = title_length + 1
    normalized_text = normalized.text
    mapped = normalized.offsets is not None
    # Per entry: the distinct aliases seen (by automaton key: the inflections of a Russian
    # stem count once), and whether one was in the title.
    terms: dict[int, set[str]] = {}
    in_title: set[int] = set()
    # Spaceports seen so far: (field is title, end, states hosting them).
    hosts: list[tuple[bool, int, frozenset[str]]] = []
    reported: set[tuple[int, bool, str]] = set()
    evidence = signals.evidence
    parties = signals.parties
    title_actors = signals.title_actors
    for entry_index, start, end, alias_key in hits:
        key = normalized_text[start:end]
        if mapped:
            start, end = normalized.original_span(start, end)
        is_title = start < title_length
        if is_title:
            term = title[start:end]
            in_title.add(entry_index)
        else:
            start -= text_offset
            end -= text_offset
            term = text[start:end]
        seen_terms = terms.get(entry_index)
        if seen_terms is None:
            terms[entry_index] = {alias_key}
        else:
            seen_terms.add(alias_key)
        info = infos[entry_index]
        # Each distinct cue is reported once per field, at its first position: enough to
        # explain the decision.
        marker = (entry_index, is_title, key)
        if marker not in reported:
            reported.add(marker)
            evidence.append(
                {
                    "kind": info.kind,
                    "value": info.value,
                    "term": term,
                    "field": "title" if is_title else "text",
                    "start": start,
                    "end": end,
                }
            )
        if info.hosted_in:
            hosts.append((is_title, end, info.hosted_in))
        if not info.actors:
            continue
        if not is_title and _is_dateline(start, term, text):
            continue
        if hosts and _is_host_location(is_title, start, info.actors, hosts):
            continue
        if info.is_attribute:
            signals.attributes.update(info.actors)
            continue
        weight = 2.0 if is_title else 1.0
        for actor in info.actors:
            parties[actor] = parties.get(actor, 0.0) + weight
            if is_title and actor not in title_actors:
                title_actors.append(actor)

    negatives: list[tuple[GazetteerEntry, float]] = []
    types = signals.types
    relations = signals.relations
    for entry_index, entry_terms in terms.items():
        entry = entries[entry_index]
        count = min(len(entry_terms), MAX_TERMS_PER_ENTRY)
        boost = 1.0 + (TITLE_BONUS if entry_index in in_title else 0.0)
        signals.space += entry.space * count
        signals.strategic += entry.strategic * count
        signals.international += entry.international * count
        if entry.negative:
            negatives.append((entry, entry.negative * count * boost))
        weight = entry.weight * count * boost
        for event_type in entry.event_types:
            types[event_type] = types.get(event_type, 0.0) + weight
        if entry.relation is not None:
            relations[entry.relation] = relations.get(entry.relation, 0.0) + weight
            if entry.relation is CueRelation.neutral and entry_index in in_title:
                signals.neutral_title = True
    for entry, weight in negatives:
        overridden = any(types.get(t, 0.0) >= OVERRIDE_TYPE_SCORE for t in entry.unless_types)
        if not overridden:
            signals.negative += weight
    return signals


def _is_host_location(
    is_title: bool,
    start: int,
    actors: tuple[str, ...],
    hosts: list[tuple[bool, int, frozenset[str]]],
) -> bool:
    """A state named just after a spaceport it hosts ("Baikonur, Kazakhstan")."""
    return any(
        host_title == is_title and 0 <= start - end <= HOST_WINDOW and codes.issuperset(actors)
        for host_title, end, codes in hosts
    )
