"""The classifier must not fall below the recorded floors on the labeled development set.

The set lives outside the project (``../shared/data``, relative to the project root) and is
never copied in; where it is absent the test is skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.classifier import Classifier
from streams.classifier.eval import Figures, evaluate, load_labeled

pytestmark = pytest.mark.unit

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LABELED = PROJECT_ROOT.parent / "shared" / "data" / "labeled-dev.jsonl"
FLOORS = PROJECT_ROOT / "tests" / "quality_floor.json"


def _below(figures: Figures, floors: dict[str, float], where: str) -> list[str]:
    values = figures.model_dump()
    return [
        f"{where} {name}: {values[name]:.4f} < floor {floor}"
        for name, floor in floors.items()
        if values[name] < floor
    ]


def test_quality_floor() -> None:
    if not LABELED.is_file():
        pytest.skip(f"labeled dev set not found at {LABELED} (../shared/data is absent)")
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    items = load_labeled(LABELED)
    classifier = Classifier()
    report = evaluate(items, [classifier.classify_text(i.title, i.text, i.lang) for i in items])

    failures = _below(report.overall, floors["overall"], "overall")
    for language, language_floors in floors["by_language"].items():
        failures += _below(report.by_language[language], language_floors, language)
    assert not failures, "\n".join(failures)
