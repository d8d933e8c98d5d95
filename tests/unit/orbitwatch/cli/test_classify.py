"""``orbitwatch classify`` through typer's CliRunner; ``eval`` is in test_model.py."""

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


def _run(stdin: str) -> tuple[int, list[dict[str, object]], str]:
    result = CliRunner().invoke(app, ["classify", "-"], input=stdin)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return result.exit_code, lines, result.stderr


def test_classify_writes_one_object_per_line_in_order() -> None:
    code, lines, _ = _run(json.dumps(GOOD) + "\n" + json.dumps(NEGATIVE) + "\n")
    assert code == 0
    assert [line["id"] for line in lines] == ["a1", "a2"]
    first = lines[0]
    assert first["relevant"] is True
    assert first["actors"] == ["CN", "RU"]
    event_types = first["event_types"]
    assert isinstance(event_types, list) and "lunar" in event_types
    for key in ("relation", "severity", "score", "evidence", "classifier_version"):
        assert key in first
    assert lines[1]["relevant"] is False
    assert lines[1]["severity"] == "none"


def test_malformed_lines_yield_error_objects_and_the_run_goes_on() -> None:
    stdin = "\n".join(
        [
            json.dumps(GOOD),
            "{not json",
            json.dumps({"id": "no-text", "title": "x"}),
            json.dumps(["a", "list"]),
            json.dumps(NEGATIVE),
        ]
    )
    code, lines, stderr = _run(stdin + "\n")
    assert code == 1
    assert len(lines) == 5
    assert lines[0]["id"] == "a1" and "relevant" in lines[0]
    assert lines[1]["line"] == 2 and "invalid JSON" in str(lines[1]["error"])
    assert "id" not in lines[1]
    assert lines[2] == {"line": 3, "error": lines[2]["error"], "id": "no-text"}
    assert "text" in str(lines[2]["error"])
    assert lines[3]["line"] == 4
    assert lines[4]["id"] == "a2" and lines[4]["relevant"] is False
    assert "line 2" in stderr and "line 3" in stderr


def test_classify_reads_a_file(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["classify", str(source)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["id"] == "a1"


def test_classify_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["classify", str(tmp_path / "absent.jsonl")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr
