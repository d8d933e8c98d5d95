"""``orbitwatch eval`` through typer's CliRunner (orbitwatch/cli/model.py).

``orbitwatch train`` is tested with the fitting, in tests/unit/streams/classifier/test_training.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orbitwatch.cli.main import app

pytestmark = pytest.mark.unit

GOOD = {
    "id": "a1",
    "title": "Russia and China sign lunar station agreement",
    "text": "Roscosmos and CNSA signed a memorandum on the International Lunar Research Station.",
    "lang": "en",
}
NEGATIVE = {"id": "a2", "title": "Central bank raises rates", "text": "Inflation stays high."}


def _labeled(tmp_path: Path) -> Path:
    rows = [
        {
            **GOOD,
            "label": {
                "relevant": True,
                "relation": "cooperation",
                "actors": ["CN", "RU"],
                "event_types": ["lunar", "agreements_policy"],
                "severity": "high",
            },
        },
        {**NEGATIVE, "lang": "en", "label": {"relevant": False}},
    ]
    path = tmp_path / "labeled.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_eval_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", str(_labeled(tmp_path)), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["overall"]["relevance_f1"] == 1.0
    assert report["overall"]["items"] == 2
    assert set(report["by_language"]) == {"en"}


def test_eval_tables(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", str(_labeled(tmp_path))])
    assert result.exit_code == 0
    assert "overall" in result.stdout


def test_eval_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(path)])
    assert result.exit_code == 2
    assert "bad.jsonl:1" in result.stderr
