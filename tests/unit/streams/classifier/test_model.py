"""The learned model (streams/classifier/model.py): the model file, inference, and the decision
around it. Its features are in test_features.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemas.classification import EventType, Relation, Severity
from streams.classifier import Classifier, ModelError, load_model
from streams.classifier.features import ArticleFeatures
from streams.classifier.model import (
    RELATIONS,
    TYPES,
    LearnedModel,
    ModelFile,
    TrainingRecord,
    read_model_file,
    write_model_file,
)

pytestmark = pytest.mark.unit

HEADS = [
    "relevance",
    *(f"type:{t.value}" for t in TYPES),
    *(f"relation:{r.value}" for r in RELATIONS),
]


def _document(weights: dict[str, list[float]], intercepts: list[float] | None = None) -> ModelFile:
    return ModelFile(
        format=1,
        version="learned-test",
        training=TrainingRecord(files=[], items=0, sha256="x", seed=1, params={}, library="t"),
        thresholds={"relevance": 0.5},
        heads=HEADS,
        intercepts=intercepts or [0.0] * len(HEADS),
        weights=weights,
    )


def _row(**values: float) -> list[float]:
    row = [0.0] * len(HEADS)
    for head, value in values.items():
        row[HEADS.index(head.replace("__", ":"))] = value
    return row


def _features(*names: str) -> ArticleFeatures:
    """Features named as in a model file (``w:x``, ``tw:x``, ``s:x``), all 1.0."""
    numeric = {n: 1.0 for n in names if not n.startswith(("w:", "tw:"))}
    title = frozenset(n[3:] for n in names if n.startswith("tw:"))
    words = frozenset(n[2:] for n in names if n.startswith("w:"))
    return ArticleFeatures(numeric, title, words)


def test_prediction_sums_the_weights_of_known_features() -> None:
    model = LearnedModel(
        _document(
            {
                "w:satell": _row(relevance=3.0, type__satcom=4.0, relation__threat=2.0),
                "w:unused": _row(relevance=-9.0),
            }
        )
    )
    prediction = model.predict(_features("w:satell", "w:nobody_knows_me"))
    assert prediction.relevance == pytest.approx(1 / (1 + 2.718281828**-3.0), rel=1e-6)
    assert prediction.types[EventType.satcom] > 0.98
    assert max(prediction.relation, key=prediction.relation.__getitem__) is Relation.threat
    assert sum(prediction.relation.values()) == pytest.approx(1.0)
    # Nothing known: the intercepts alone decide.
    assert model.predict(_features()).relevance == pytest.approx(0.5)


def test_the_most_probable_type_is_kept_when_none_passes_its_threshold() -> None:
    model = LearnedModel(_document({"w:x": _row(type__lunar=-1.0, type__science=-3.0)}))
    prediction = model.predict(_features("w:x"))
    # Every type is below 0.5; those with weight 0 sit exactly at 0.5 and pass.
    assert EventType.lunar not in model.decide_types(prediction)
    model.type_thresholds = dict.fromkeys(TYPES, 0.99)
    assert model.decide_types(prediction) == [max(prediction.types, key=prediction.types.get)]  # type: ignore[arg-type]


def test_model_files_round_trip_and_bad_files_get_one_line(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    write_model_file(_document({"w:a": _row(relevance=1.0)}), path)
    assert read_model_file(path).weights["w:a"][0] == 1.0
    with pytest.raises(ModelError, match="no such model file"):
        read_model_file(tmp_path / "absent.json")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(ModelError, match="not JSON"):
        read_model_file(tmp_path / "broken.json")
    (tmp_path / "other.json").write_text(json.dumps({"format": 1}), encoding="utf-8")
    with pytest.raises(ModelError, match="not a model file"):
        read_model_file(tmp_path / "other.json")
    wrong_width = _document({"w:a": [1.0, 2.0]})
    with pytest.raises(ModelError, match="values per feature"):
        LearnedModel(wrong_width)
    newer = _document({})
    newer.format = 99
    with pytest.raises(ModelError, match="format 99"):
        LearnedModel(newer)


def test_classifier_names_a_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"absent\.json"):
        Classifier(model_path=tmp_path / "absent.json")


def test_every_event_carries_the_model_version() -> None:
    classifier = Classifier()
    result = classifier.classify_text("Russia tests an anti-satellite missile", "")
    assert result.classifier_version == load_model().version == classifier.version
    assert Classifier(rules_only=True).classify_text("x", "y").classifier_version == "rules-1.1"


def test_text_without_space_words_is_not_relevant_unless_the_model_is_sure() -> None:
    # A model that finds everything relevant still cannot pass an article with no space
    # context below the ungated probability.
    eager = LearnedModel(_document({}, intercepts=_row(relevance=1.0)))
    classifier = Classifier(model=eager)
    result = classifier.classify_text("Central bank raises rates", "Inflation stays high.")
    assert not result.relevant
    assert any(e.value == "no_space_context" for e in result.evidence)
    sure = LearnedModel(_document({}, intercepts=_row(relevance=5.0)))
    assert Classifier(model=sure).classify_text("Central bank raises rates", "").relevant


def test_severity_is_the_policy_over_the_model_fields_and_the_watchlist() -> None:
    # A model that says: relevant, military, neutral. With a watched actor that is high;
    # when the operator drops that state from the watchlist, it is low.
    intercepts = _row(relevance=5.0, type__military=5.0, relation__neutral=5.0)
    for t in TYPES:
        if t is not EventType.military:
            intercepts[HEADS.index(f"type:{t.value}")] = -5.0
    model = LearnedModel(_document({}, intercepts=intercepts))
    title, text = "Iran launches a military satellite", "The IRGC put the satellite in orbit."
    watched = Classifier(model=model).classify_text(title, text)
    assert watched.actors == ["IR"] and watched.event_types == [EventType.military]
    assert watched.severity is Severity.high
    unwatched = Classifier(model=model, watchlist=["RU"]).classify_text(title, text)
    assert unwatched.severity is Severity.low
