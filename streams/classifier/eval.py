"""Evaluation of classifications against hand labels (pure functions, no I/O but loading).

How things are counted:

- relevance: precision, recall and F1 of ``relevant`` as the positive class;
- actors and event types: micro-averaged F1 over (item, actor) and (item, type) pairs,
  counted over every item where the gold label or the prediction is relevant (elsewhere
  both sets are empty by definition). A predicted actor on a gold-irrelevant item is a
  false positive; gold actors on a missed item are false negatives;
- relation and severity: accuracy over all items, ``none`` included: saying ``none`` for
  an irrelevant article is a right answer the classifier has to give;
- high alert: precision and recall of ``severity == high`` (predicted vs labeled), what
  the default alert rule pages people for.

Every figure is given overall and per language.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orbitwatch.core.errors import OrbitwatchError
from schemas.classification import Classification, EventType, Relation, Severity


class LabeledDataError(OrbitwatchError):
    """A labeled file is missing or a line of it is not a valid labeled item."""


class GoldLabel(BaseModel):
    model_config = ConfigDict(extra="ignore")

    relevant: bool
    relation: Relation = Relation.none
    actors: list[str] = Field(default_factory=list)
    event_types: list[EventType] = Field(default_factory=list)
    severity: Severity = Severity.none


class LabeledItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    lang: str = "und"
    title: str = ""
    text: str = ""
    label: GoldLabel


def load_labeled(path: Path) -> list[LabeledItem]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise LabeledDataError(f"{path}: cannot read: {exc}") from exc
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            items.append(LabeledItem.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise LabeledDataError(f"{path}:{number}: not a labeled item: {exc}") from exc
    return items


class Counts(BaseModel):
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add_sets(self, gold: set[str], predicted: set[str]) -> None:
        self.tp += len(gold & predicted)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)


class Figures(BaseModel):
    """The figures for one slice of the data (a language, or everything)."""

    items: int
    relevance_precision: float
    relevance_recall: float
    relevance_f1: float
    actors_f1: float
    event_types_f1: float
    relation_accuracy: float
    severity_accuracy: float
    high_alert_precision: float = 1.0
    high_alert_recall: float = 1.0
    high_alert_items: int = 0  # labeled high


class Miss(BaseModel):
    id: str
    lang: str
    kind: str  # false_positive | false_negative
    title: str
    score: float
    evidence: list[str]


class Report(BaseModel):
    overall: Figures
    by_language: dict[str, Figures]
    misses: list[Miss]


def _figures(pairs: Sequence[tuple[LabeledItem, Classification]]) -> Figures:
    relevance, actors, types, high = Counts(), Counts(), Counts(), Counts()
    relation_hits = severity_hits = 0
    for item, predicted in pairs:
        gold = item.label
        if gold.relevant and predicted.relevant:
            relevance.tp += 1
        elif predicted.relevant:
            relevance.fp += 1
        elif gold.relevant:
            relevance.fn += 1
        if gold.relevant or predicted.relevant:
            gold_actors = set(gold.actors) if gold.relevant else set()
            actors.add_sets(gold_actors, set(predicted.actors))
            gold_types = {t.value for t in gold.event_types} if gold.relevant else set()
            types.add_sets(gold_types, {t.value for t in predicted.event_types})
        relation_hits += gold.relation == predicted.relation
        high.add_sets(
            {"high"} if gold.severity is Severity.high else set(),
            {"high"} if predicted.severity is Severity.high else set(),
        )
        severity_hits += gold.severity == predicted.severity
    count = len(pairs)
    return Figures(
        items=count,
        relevance_precision=round(relevance.precision, 4),
        relevance_recall=round(relevance.recall, 4),
        relevance_f1=round(relevance.f1, 4),
        actors_f1=round(actors.f1, 4),
        event_types_f1=round(types.f1, 4),
        relation_accuracy=round(relation_hits / count, 4) if count else 0.0,
        severity_accuracy=round(severity_hits / count, 4) if count else 0.0,
        high_alert_precision=round(high.precision, 4),
        high_alert_recall=round(high.recall, 4),
        high_alert_items=high.tp + high.fn,
    )


def _misses(pairs: Iterable[tuple[LabeledItem, Classification]]) -> list[Miss]:
    misses = []
    for item, predicted in pairs:
        if item.label.relevant == predicted.relevant:
            continue
        misses.append(
            Miss(
                id=item.id,
                lang=item.lang,
                kind="false_positive" if predicted.relevant else "false_negative",
                title=item.title,
                score=predicted.score,
                evidence=[f"{e.kind}:{e.value}={e.term!r}" for e in predicted.evidence],
            )
        )
    return misses


def evaluate(items: Sequence[LabeledItem], predictions: Sequence[Classification]) -> Report:
    """Compare predictions (parallel to ``items``) with the gold labels."""
    if len(items) != len(predictions):
        raise ValueError("items and predictions must have the same length")
    pairs = list(zip(items, predictions, strict=True))
    languages = sorted({item.lang for item in items})
    return Report(
        overall=_figures(pairs),
        by_language={lang: _figures([p for p in pairs if p[0].lang == lang]) for lang in languages},
        misses=_misses(pairs),
    )
