"""The classifier must not fall below the recorded floors on the labeled sets.

Two sets are checked (``tests/quality_floor.json``): the development set, which lives
outside the project (``../shared/data``, relative to the project root) and is never copied
in, so its check is skipped where it is absent; and the synthetic holdout set, written
blind to the classifier and kept in the repository, so its check always runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from streams.classifier import Classifier
from streams.classifier.eval import Figures, evaluate, load_labeled

pytestmark = pytest.mark.unit

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FLOORS = PROJECT_ROOT / "tests" / "quality_floor.json"
SETS: dict[str, dict[str, Any]] = json.loads(FLOORS.read_text(encoding="utf-8"))["sets"]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


def _below(figures: Figures, floors: dict[str, float], where: str) -> list[str]:
    values = figures.model_dump()
    return [
        f"{where} {name}: {values[name]:.4f} < floor {floor}"
        for name, floor in floors.items()
        if values[name] < floor
    ]


def test_both_sets_have_floors() -> None:
    assert {"dev", "holdout"} <= SETS.keys()
    assert SETS["holdout"]["required"], "the holdout set ships with the repository"


@pytest.mark.parametrize("name", sorted(SETS))
def test_quality_floor(classifier: Classifier, name: str) -> None:
    floors = SETS[name]
    path = (PROJECT_ROOT / floors["path"]).resolve()
    if not path.is_file():
        if floors["required"]:
            pytest.fail(f"labeled set {name!r} missing at {path}")
        pytest.skip(f"labeled set {name!r} not found at {path} (../shared/data is absent)")
    items = load_labeled(path)
    report = evaluate(items, [classifier.classify_text(i.title, i.text, i.lang) for i in items])

    failures = _below(report.overall, floors["overall"], f"{name} overall")
    for language, language_floors in floors["by_language"].items():
        failures += _below(report.by_language[language], language_floors, f"{name} {language}")
    assert not failures, "\n".join(failures)
