"""Evaluation metrics on a tiny hand-made labeled set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemas.classification import Classification, EventType, Relation, Severity
from streams.classifier.eval import LabeledDataError, LabeledItem, evaluate, load_labeled

pytestmark = pytest.mark.unit


def _item(item_id: str, lang: str, **label: object) -> LabeledItem:
    return LabeledItem.model_validate(
        {"id": item_id, "lang": lang, "title": item_id, "label": label}
    )


def _prediction(relevant: bool, **fields: object) -> Classification:
    return Classification(
        relevant=relevant, score=0.9 if relevant else 0.1, classifier_version="test", **fields
    )


ITEMS = [
    _item(
        "tp",
        "en",
        relevant=True,
        relation="cooperation",
        actors=["CN", "RU"],
        event_types=["lunar"],
        severity="high",
    ),
    _item(
        "fn",
        "en",
        relevant=True,
        relation="threat",
        actors=["US"],
        event_types=["counterspace"],
        severity="high",
    ),
    _item("fp", "ru", relevant=False),
    _item("tn", "ru", relevant=False),
]
PREDICTIONS = [
    _prediction(
        True,
        relation=Relation.cooperation,
        actors=["CN", "RU", "US"],
        event_types=[EventType.lunar, EventType.launch],
        severity=Severity.high,
    ),
    _prediction(False),
    _prediction(
        True,
        relation=Relation.competition,
        actors=["RU"],
        event_types=[EventType.launch],
        severity=Severity.medium,
    ),
    _prediction(False),
]


def test_overall_figures() -> None:
    report = evaluate(ITEMS, PREDICTIONS)
    overall = report.overall
    # relevance: tp=1, fp=1, fn=1
    assert overall.relevance_precision == 0.5
    assert overall.relevance_recall == 0.5
    assert overall.relevance_f1 == 0.5
    # actors over items where gold or prediction is relevant:
    # tp item: tp=2 (CN, RU), fp=1 (US); fn item: fn=1 (US); fp item: fp=1 (RU)
    assert overall.actors_f1 == round(2 * (2 / 4) * (2 / 3) / ((2 / 4) + (2 / 3)), 4)
    # types: tp item: tp=1, fp=1; fn item: fn=1; fp item: fp=1 -> P=1/3, R=1/2
    assert overall.event_types_f1 == round(2 * (1 / 3) * (1 / 2) / ((1 / 3) + (1 / 2)), 4)
    # relation right on tp and tn; severity right on tp and tn
    assert overall.relation_accuracy == 0.5
    assert overall.severity_accuracy == 0.5


def test_per_language_and_misses() -> None:
    report = evaluate(ITEMS, PREDICTIONS)
    assert set(report.by_language) == {"en", "ru"}
    assert report.by_language["en"].relevance_recall == 0.5
    assert report.by_language["ru"].relevance_precision == 0.0
    assert {(m.id, m.kind) for m in report.misses} == {
        ("fn", "false_negative"),
        ("fp", "false_positive"),
    }


def test_perfect_predictions() -> None:
    report = evaluate(
        ITEMS[:1] + ITEMS[3:],
        [
            PREDICTIONS[0].model_copy(
                update={"actors": ["CN", "RU"], "event_types": [EventType.lunar]}
            ),
            PREDICTIONS[3],
        ],
    )
    assert report.overall.relevance_f1 == 1.0
    assert report.overall.actors_f1 == 1.0
    assert report.overall.event_types_f1 == 1.0
    assert report.overall.relation_accuracy == 1.0
    assert report.misses == []


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError):
        evaluate(ITEMS, PREDICTIONS[:1])


def test_load_labeled(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    path.write_text(
        json.dumps(
            {"id": "a", "lang": "fr", "title": "t", "text": "x", "label": {"relevant": False}}
        )
        + "\n\n",
        encoding="utf-8",
    )
    items = load_labeled(path)
    assert [i.id for i in items] == ["a"]
    path.write_text("{broken\n", encoding="utf-8")
    with pytest.raises(LabeledDataError, match=r"l\.jsonl:1"):
        load_labeled(path)
