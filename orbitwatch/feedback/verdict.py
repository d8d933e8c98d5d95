"""The decisions behind a verdict, apart from any I/O.

How a verdict's labels are settled (see :func:`build_verdict`):

- ``--not-relevant``: no relation, actors or event types; giving any of them is a
  contradiction and refused rather than silently dropped;
- ``--relevant``: each of relation, actors and event types is the analyst's value when
  given, else the classifier's prediction, which stands only if the classifier found the
  article relevant too. A relevant verdict must end up with a relation other than ``none``,
  at least one actor and at least one event type, like every relevant item of the labeled
  sets; when the classifier missed the article the analyst has to say all three.

An export line has exactly the fields of the labeled files (``../shared/data/README.md``);
its severity is not asked from the analyst but computed by the ontology's policy
(:func:`streams.classifier.decide.decide_severity`) with the current watchlist, as for every
labeled item.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from orbitwatch.feedback.errors import InvalidLabel, InvalidTarget, UnknownTarget
from schemas.alert import ALERT_ID_PREFIX, Alert, AlertKind
from schemas.classification import ACTOR_PATTERN, ORGANISATIONS, EventType, Relation, Severity
from schemas.documents import EventDocument
from schemas.feedback import Prediction, Verdict
from streams.classifier.decide import decide_severity

MAX_ID_LENGTH = 128  # Article.id's limit; alert ids are shorter
MAX_NOTE_LENGTH = 1000
_SEPARATORS = re.compile(r"[,\s]+")
# Relations a relevant verdict may carry: "none" is the relation of irrelevant articles.
RELEVANT_RELATIONS = tuple(r for r in Relation if r is not Relation.none)


# -- the analyst's input -----------------------------------------------------------------------


def _items(text: str) -> list[str]:
    return [item for item in _SEPARATORS.split(text.strip()) if item]


def parse_event_types(text: str) -> list[EventType]:
    """``lunar,nuclear`` (commas or blanks; ``human-spaceflight`` means ``human_spaceflight``)."""
    known = {t.value: t for t in EventType}
    types = []
    for item in _items(text):
        name = item.lower().replace("-", "_")
        if name not in known:
            raise InvalidLabel(
                f"unknown event type {item!r} (known: {', '.join(t.value for t in EventType)})"
            )
        types.append(known[name])
    return sorted(set(types), key=lambda t: t.value)


def parse_actors(text: str) -> list[str]:
    """``CN,RU`` (any case): ISO 3166 alpha-2 codes or the ontology's organisations."""
    actors = []
    for item in _items(text):
        code = item.upper()
        if not re.match(ACTOR_PATTERN, code):
            raise InvalidLabel(
                f"not an actor code: {item!r} (ISO 3166 alpha-2 like CN, RU, US, "
                f"or one of {', '.join(sorted(ORGANISATIONS))})"
            )
        actors.append(code)
    return sorted(set(actors))


def parse_relation(text: str) -> Relation:
    try:
        return Relation(text.strip().lower())
    except ValueError:
        raise InvalidLabel(
            f"unknown relation {text!r} (known: {', '.join(r.value for r in Relation)})"
        ) from None


def one_line(note: str) -> str:
    """Notes are one line, like the labeled files' ``note``: blanks and newlines collapse."""
    text = " ".join(note.split())
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidLabel(f"note too long: {len(text)} characters (at most {MAX_NOTE_LENGTH})")
    return text


class Judgement(BaseModel):
    """What the analyst said: relevant or not, and the labels they corrected (None: keep)."""

    model_config = ConfigDict(frozen=True)

    relevant: bool
    event_types: list[EventType] | None = None
    actors: list[str] | None = None
    relation: Relation | None = None
    note: str = ""

    @classmethod
    def from_options(
        cls,
        relevant: bool,
        *,
        types: str | None = None,
        actors: str | None = None,
        relation: str | None = None,
        note: str = "",
    ) -> Judgement:
        """From text as a person types it (command-line options, a form's fields)."""
        judgement = cls(
            relevant=relevant,
            event_types=parse_event_types(types) if types is not None else None,
            actors=parse_actors(actors) if actors is not None else None,
            relation=parse_relation(relation) if relation is not None else None,
            note=one_line(note),
        )
        check_consistent(judgement)
        return judgement


def check_target_id(target: str) -> str:
    """The id, stripped, or :class:`InvalidTarget` if it cannot be an id at all."""
    value = target.strip()
    if not value:
        raise InvalidTarget("empty id: give an article id or an alert id (al_...)")
    if len(value) > MAX_ID_LENGTH or any(c.isspace() or not c.isprintable() for c in value):
        raise InvalidTarget(f"not an article or alert id: {target!r}")
    return value


def is_alert_id(target: str) -> bool:
    # Article ids are hex digests (connectors/normalize.py) and never carry the prefix.
    return target.startswith(ALERT_ID_PREFIX)


def article_of_alert(alert: Alert) -> str:
    """The article an alert is a verdict on: the one that fired a story alert, or the only
    article of any other alert. Aggregates and digests over several articles are refused: a
    verdict on "the alert" would not say which article was wrong."""
    if alert.kind is AlertKind.match and alert.article_ids:
        return alert.article_ids[-1]  # the engine lists the triggering article last
    ids = list(dict.fromkeys([*alert.article_ids, *(m.article_id for m in alert.members)]))
    if len(ids) == 1:
        return ids[0]
    if not ids:
        raise UnknownTarget(f"alert {alert.alert_id} ({alert.kind.value}) is about no article")
    raise UnknownTarget(
        f"alert {alert.alert_id} ({alert.kind.value}) is about {len(ids)} articles: "
        "give the id of the article you judge instead"
    )


# -- the verdict -------------------------------------------------------------------------------


def prediction_of(event: EventDocument) -> Prediction:
    return Prediction(
        relevant=event.relevant,
        relation=event.relation,
        actors=event.actors,
        event_types=event.event_types,
        severity=event.severity,
        score=event.score,
    )


def check_consistent(judgement: Judgement) -> None:
    """Refuse labels that contradict the analyst's own relevant / not-relevant answer. Needs
    no event, so a front end can refuse them before looking anything up."""
    if not judgement.relevant:
        given = [
            option
            for option, value in (
                ("--types", judgement.event_types),
                ("--actors", judgement.actors),
                ("--relation", judgement.relation),
            )
            if value is not None
        ]
        if given:
            raise InvalidLabel(
                f"{', '.join(given)} contradict(s) --not-relevant: "
                "a not-relevant article has no relation, actors or event types"
            )
    elif judgement.relation is Relation.none:
        raise InvalidLabel(
            "--relation none contradicts --relevant "
            f"(use one of {', '.join(r.value for r in RELEVANT_RELATIONS)})"
        )


def settle_labels(
    judgement: Judgement, predicted: Prediction, article_id: str
) -> tuple[Relation, list[str], list[EventType]]:
    """Relation, actors and event types of the verdict (rules in the module docstring)."""
    check_consistent(judgement)
    if not judgement.relevant:
        return Relation.none, [], []
    kept = predicted.relevant
    relation = judgement.relation or (predicted.relation if kept else Relation.none)
    actors = judgement.actors if judgement.actors is not None else predicted.actors
    types = judgement.event_types if judgement.event_types is not None else predicted.event_types
    if not kept:
        actors = judgement.actors or []
        types = judgement.event_types or []
    missing = [
        option
        for option, empty in (
            ("--types", not types),
            ("--actors", not actors),
            ("--relation", relation is Relation.none),
        )
        if empty
    ]
    if missing:
        why = (
            f"article {article_id} was classified not relevant, so no predicted labels stand"
            if not kept
            else "a relevant verdict needs event types, actors and a relation"
        )
        raise InvalidLabel(f"{why}: give {', '.join(missing)}")
    return relation, actors, types


def build_verdict(
    event: EventDocument,
    judgement: Judgement,
    *,
    recorded_at: datetime,
    alert_id: str | None = None,
    recorded_by: str = "",
) -> Verdict:
    """The verdict on ``event``; :class:`InvalidLabel` when the labels do not hold together."""
    predicted = prediction_of(event)
    relation, actors, types = settle_labels(judgement, predicted, event.article_id)
    return Verdict(
        article_id=event.article_id,
        alert_id=alert_id,
        story_id=event.story_id,
        relevant=judgement.relevant,
        relation=relation,
        actors=actors,
        event_types=types,
        note=judgement.note,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
        classifier_version=event.classifier_version,
        predicted=predicted,
        title=event.title,
        text=event.summary,
        lang=event.language or "und",
        url=event.url,
        published_at=event.published_at,
    )


# -- export as labeled items ---------------------------------------------------------------------


class ExportLabel(BaseModel):
    """The ``label`` object of the labeled files, fields in their order."""

    relevant: bool
    relation: Relation
    actors: list[str]
    event_types: list[EventType]
    severity: Severity


class LabeledLine(BaseModel):
    """One line of the labeled files (``streams.classifier.eval.load_labeled`` reads it)."""

    id: str
    lang: str
    title: str
    text: str
    source_url: str | None
    published: str | None = Field(description="YYYY-MM-DD or null, as in the labeled files")
    label: ExportLabel
    note: str | None = Field(default=None, description="Left out when the analyst gave none")

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=False, exclude={"note"} if not self.note else None)


def labeled_line(verdict: Verdict, watchlist: Collection[str]) -> LabeledLine:
    if verdict.relevant:
        severity = decide_severity(verdict.relation, verdict.actors, verdict.event_types, watchlist)
    else:
        severity = Severity.none
    return LabeledLine(
        id=verdict.article_id,
        lang=verdict.lang,
        title=verdict.title,
        text=verdict.text,
        source_url=verdict.url,
        published=verdict.published_at.date().isoformat() if verdict.published_at else None,
        label=ExportLabel(
            relevant=verdict.relevant,
            relation=verdict.relation,
            actors=verdict.actors,
            event_types=verdict.event_types,
            severity=severity,
        ),
        note=verdict.note or None,
    )


def export_lines(verdicts: Iterable[Verdict], watchlist: Collection[str]) -> list[str]:
    """JSON Lines of the verdicts, oldest verdict first (ties by article id), so two exports
    of the same topic are byte-identical."""
    ordered = sorted(verdicts, key=lambda v: (v.recorded_at, v.article_id))
    return [labeled_line(v, watchlist).to_json() for v in ordered]
