"""The classifier must not fall below the recorded floors.

Three kinds of figures are held to floors (``tests/quality_floor.json``):

- the **cross-validated** figures that ``orbitwatch train`` records in the shipped model file
  (out-of-fold predictions over ``../shared/data``'s labeled files: never a fit scored on its
  own training items). ``test_model_file.py`` checks that the file is what training produces
  from that data, so these figures cannot be edited by hand;
- the shipped model on the **holdout** sets kept in the repository: ``holdout-blind.jsonl``,
  written blind to the classifier, and the older ``holdout-synthetic.jsonl``;
- the same holdouts for the **rule-only** baseline, so a lexicon change that hurts the
  evidence the model reads is caught even when the model hides it.

Floors sit just below the figures reached; raise them when the classifier improves, never
lower them silently.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orbitwatch.core.settings import PROJECT_ROOT
from streams.classifier import Classifier, load_model
from streams.classifier.eval import Figures, evaluate, load_labeled

pytestmark = pytest.mark.unit

FLOORS: dict[str, Any] = json.loads(
    (PROJECT_ROOT / "tests" / "quality_floor.json").read_text(encoding="utf-8")
)
OTHER = "(other)"
MAIN_LANGUAGES = ("en", "ru", "zh")


def _below(values: dict[str, float], floors: dict[str, float], where: str) -> list[str]:
    return [
        f"{where} {name}: {values[name]:.4f} < floor {floor}"
        for name, floor in floors.items()
        if values[name] < floor
    ]


def _check(
    overall: dict[str, float],
    by_language: dict[str, dict[str, float]],
    floors: dict[str, Any],
    name: str,
) -> list[str]:
    failures = _below(overall, floors["overall"], f"{name} overall")
    for language, language_floors in floors.get("by_language", {}).items():
        failures += _below(by_language[language], language_floors, f"{name} {language}")
    return failures


def test_cross_validated_figures_of_the_shipped_model() -> None:
    figures = load_model().document.cross_validation
    assert figures, "the shipped model records no cross-validated figures"
    failures = _check(
        figures["overall"], figures["by_language"], FLOORS["cross_validation"], "cross-validated"
    )
    assert not failures, "\n".join(failures)


def _figures_by_language(classifier: Classifier, path: Path) -> tuple[Figures, dict[str, Any]]:
    items = load_labeled(path)
    predictions = [classifier.classify_text(i.title, i.text, i.lang) for i in items]
    report = evaluate(items, predictions)
    by_language = {k: v.model_dump() for k, v in report.by_language.items()}
    pairs = [
        (i, p) for i, p in zip(items, predictions, strict=True) if i.lang not in MAIN_LANGUAGES
    ]
    others = evaluate([i for i, _ in pairs], [p for _, p in pairs]).overall
    by_language[OTHER] = others.model_dump()
    return report.overall, by_language


@pytest.fixture(scope="module")
def classifiers() -> dict[str, Classifier]:
    return {"model": Classifier(), "rules": Classifier(rules_only=True)}


@pytest.mark.parametrize(
    ("set_name", "decision"),
    [(name, decision) for name in sorted(FLOORS["holdouts"]) for decision in ("model", "rules")],
)
def test_holdout_floors(classifiers: dict[str, Classifier], set_name: str, decision: str) -> None:
    spec = FLOORS["holdouts"][set_name]
    overall, by_language = _figures_by_language(classifiers[decision], PROJECT_ROOT / spec["path"])
    failures = _check(overall.model_dump(), by_language, spec[decision], f"{set_name} {decision}")
    assert not failures, "\n".join(failures)


def test_holdouts_were_never_training_items() -> None:
    trained = set(load_model().document.training_ids)
    for spec in FLOORS["holdouts"].values():
        ids = {item.id for item in load_labeled(PROJECT_ROOT / spec["path"])}
        assert not ids & trained, f"{spec['path']}: holdout items in the training set"
