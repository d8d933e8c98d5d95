"""The decision: relevance, relation, event types and severity from an article's signals.

Relevance follows the ontology: the story must be about space, and it must have an
international or strategic angle. So the score needs a space context first; then either
two or more parties (states, organisations, or a foreign party named in general terms)
engaged with each other, or a strategic framing (military space, counterspace, a race).
Off-topic senses (eclipses, Gaza rockets, power plants on Earth) pull the score down.

Severity is the ontology's alerting policy applied to the other fields and the watchlist.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

from schemas.classification import EventType, Relation, Severity
from streams.classifier.gazetteer import CueRelation
from streams.classifier.signals import Signals

# Space evidence below this means "not about space", whatever else the text says.
MIN_SPACE = 2.0
# Off-topic evidence counts up to this much (see relevance_score).
MAX_NEGATIVE = 2.5
# Score (0..1) at or above which an article is relevant.
RELEVANCE_THRESHOLD = 0.45
# A type's cues must add up to this to be reported (the strongest type always is).
TYPE_THRESHOLD = 2.0
# Event types sensitive enough that cooperation between two watched states is high severity.
SENSITIVE_TYPES = frozenset(
    {
        EventType.nuclear,
        EventType.navigation,
        EventType.military,
        EventType.counterspace,
        EventType.lunar,
    }
)
ARMED_TYPES = frozenset({EventType.nuclear, EventType.counterspace, EventType.military})
GREAT_POWERS = frozenset({"US", "CN", "RU"})
# Intergovernmental bodies of several member states: one of them alone is already
# international (a UN committee, a NATO meeting). ESA and the EU are left out: their own
# missions are often purely technical news.
MULTILATERAL = frozenset({"UN", "NATO", "BRICS", "SCO", "APSCO"})
# Hostile cues (threat words plus counterspace) from which a story is a threat.
THREAT_SCORE = 4.0
# Diplomacy cues (agreements_policy: vetoes, resolutions, talks, statements) from which a
# clash over weapons is read as a diplomatic contest (competition), not as a threat.
DIPLOMACY_SCORE = 4.0
# Event types whose stories set states against each other when no cue says otherwise.
RIVALRY_TYPES = frozenset({EventType.military, EventType.counterspace})


@dataclass(frozen=True, slots=True)
class Decision:
    relevant: bool
    score: float
    relation: Relation
    actors: list[str]
    event_types: list[EventType]
    severity: Severity
    rules: list[str]  # names of the rules that fired, for the evidence


def _party_count(signals: Signals) -> int:
    """States and organisations involved, plus one for a foreign party named generally."""
    count = len(signals.parties)
    if count == 1 and (signals.international >= 1.0 or signals.parties.keys() & MULTILATERAL):
        return 2
    return count


def _strategic_weight(signals: Signals) -> float:
    return signals.strategic + signals.relation_score(CueRelation.competition) / 2


def relevance_score(signals: Signals) -> tuple[float, list[str]]:
    """A score in [0, 1] and the rules behind it."""
    rules: list[str] = []
    if signals.space < MIN_SPACE:
        rules.append("no_space_context")
        return min(0.3, signals.space / 10), rules
    parties = _party_count(signals)
    engaged = sum(
        score
        for relation, score in signals.relations.items()
        if relation is not CueRelation.neutral
    )
    strategic = _strategic_weight(signals)

    logit = -4.0 + 0.4 * min(signals.space, 6.0)
    if parties >= 2:
        rules.append("international")
        logit += 2.0 + 0.3 * min(parties - 2, 2)
        if engaged > 0:
            rules.append("engaged")
            logit += 0.4 * min(engaged, 6.0)
    if strategic > 0 and parties >= 1:
        rules.append("strategic")
        logit += 0.6 * min(strategic, 6.0)
    if signals.negative > 0:
        # Capped: a passing "Star Wars" metaphor must not sink a story about space combat.
        rules.append("off_topic_sense")
        logit -= 1.2 * min(signals.negative, MAX_NEGATIVE)
    if parties == 0:
        rules.append("no_party")
        logit -= 2.0
    return 1.0 / (1.0 + math.exp(-logit)), rules


def decide_types(signals: Signals) -> list[EventType]:
    scored = sorted(signals.types.items(), key=lambda item: -item[1])
    kept = [event_type for event_type, score in scored if score >= TYPE_THRESHOLD]
    if not kept and scored:
        kept = [scored[0][0]]
    return kept


def decide_relation(
    signals: Signals,
    actors: list[str],
    watchlist: Collection[str],
    event_types: Collection[EventType] = (),
) -> Relation:
    cooperation = signals.relation_score(CueRelation.cooperation)
    competition = signals.relation_score(CueRelation.competition)
    threat = signals.relation_score(CueRelation.threat)
    neutral = signals.relation_score(CueRelation.neutral)
    hostile = threat + signals.types.get(EventType.counterspace, 0.0)
    diplomacy = signals.types.get(EventType.agreements_policy, 0.0)
    # A title that frames the story as a report, study or analysis: nobody acts on anybody.
    if signals.neutral_title:
        return Relation.neutral
    if hostile >= THREAT_SCORE and hostile > cooperation:
        # Vetoes, resolutions and statements about weapons: a diplomatic contest.
        if diplomacy >= DIPLOMACY_SCORE and competition > 0:
            return Relation.competition
        return Relation.threat
    if competition > 0 and competition >= cooperation:
        return Relation.competition
    if threat > 0 and threat > cooperation and set(actors) & set(watchlist):
        return Relation.threat
    if cooperation > 0 and _party_count(signals) >= 2:
        return Relation.cooperation
    if competition > 0 or threat > 0:
        return Relation.competition
    if neutral > 0:
        return Relation.neutral
    # No cue either way: states' military space programmes face each other; other
    # stories naming several states are joint ventures.
    if len(actors) >= 2 and RIVALRY_TYPES & set(event_types):
        return Relation.competition
    if len(actors) >= 2:
        return Relation.cooperation
    return Relation.neutral


def decide_severity(
    relation: Relation,
    actors: list[str],
    event_types: list[EventType],
    watchlist: Collection[str],
) -> Severity:
    """The ontology's alerting policy."""
    watched = set(actors) & set(watchlist)
    types = set(event_types)
    if relation is Relation.threat:
        return Severity.high
    if watched and types & ARMED_TYPES:
        return Severity.high
    if relation is Relation.cooperation and len(watched) >= 2 and types & SENSITIVE_TYPES:
        return Severity.high
    if watched and relation in (Relation.cooperation, Relation.competition):
        return Severity.medium
    if relation is Relation.competition and len(set(actors) & GREAT_POWERS) >= 2:
        return Severity.medium
    return Severity.low


def decide(signals: Signals, watchlist: Collection[str]) -> Decision:
    score, rules = relevance_score(signals)
    if score < RELEVANCE_THRESHOLD:
        return Decision(False, score, Relation.none, [], [], Severity.none, rules)
    actors = sorted(set(signals.parties) | signals.attributes)
    event_types = decide_types(signals)
    relation = decide_relation(signals, actors, watchlist, event_types)
    severity = decide_severity(relation, actors, event_types, watchlist)
    return Decision(True, score, relation, actors, event_types, severity, rules)
