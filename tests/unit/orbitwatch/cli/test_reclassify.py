"""``orbitwatch reclassify`` without servers: its refusals (exit 2, one line, no traceback,
no credentials) and the summary text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orbitwatch.cli import app as cli
from orbitwatch.cli import reclassify as command
from orbitwatch.core.settings import Settings, get_settings
from orbitwatch.reclassify.diff import ReclassifyReport, RuleDelta
from schemas import Classification

pytestmark = pytest.mark.unit


class NeverCalled:
    def classify_text(self, title: str, text: str, lang: str | None = None) -> Classification:
        raise AssertionError("nothing should be classified")


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    # The classifier is not what these tests are about (and loading a model takes time).
    monkeypatch.setattr(command, "build_classifier", lambda settings, model: NeverCalled())
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _one_line_error(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "Traceback" not in output
    assert lines[0].startswith("error: ")
    return lines[0]


def test_a_bad_since_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["reclassify", "--since", "last tuesday"])
    assert result.exit_code == 2
    assert "not a time: 'last tuesday'" in _one_line_error(result.stderr)


def test_until_before_since_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["reclassify", "--since", "1d", "--until", "2d"])
    assert result.exit_code == 2
    assert "must be later than --since" in _one_line_error(result.stderr)


def test_a_missing_model_file_is_refused(tmp_path: Path) -> None:
    get_settings.cache_clear()
    try:
        missing = tmp_path / "nope.json"
        result = CliRunner().invoke(
            cli, ["reclassify", "--since", "7d", "--model", str(missing), "--dry-run"]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert _one_line_error(result.stderr) == f"error: model file not found: {missing}"


def test_unreachable_elasticsearch_is_one_line_without_the_password(runner: CliRunner) -> None:
    env = {"ORBITWATCH_ES_URL": "http://analyst:hunter2-secret@127.0.0.1:1"}
    result = runner.invoke(cli, ["reclassify", "--since", "7d", "--dry-run"], env=env)
    assert result.exit_code == 2
    line = _one_line_error(result.stderr)
    assert line.startswith("error: cannot reach Elasticsearch at http://127.0.0.1:1 (")
    assert "hunter2" not in result.output and "analyst" not in result.output


def test_the_summary_says_what_was_counted_and_that_nothing_was_sent() -> None:
    report = ReclassifyReport(
        since=datetime(2026, 11, 17, tzinfo=UTC),
        until=None,
        dry_run=True,
        classifier_version="model-2",
        scanned=12,
        previous_versions={"old-0": 12},
        changed=3,
        relevance_gained=2,
        relevance_lost=1,
        severity_raised=2,
        severity_lowered=1,
        alerts_newly_firing=2,
        alerts_no_longer_firing=1,
        by_rule=[RuleDelta(rule="high-severity", newly_firing=2, no_longer_firing=1)],
        rules_not_evaluated=["ru-cn-spike"],
    )
    text = command.render(report)
    assert "with model-2 (dry run, nothing written)" in text
    assert "scanned    12 events (stored versions: old-0 12)" in text
    assert "2 became relevant, 1 no longer relevant" in text
    assert "2 would now fire that did not, 1 would no longer fire" in text
    assert "high-severity  +2  -1" in text
    assert "per-event match rules only" in text
    assert "not evaluated (windowed rules): ru-cn-spike" in text
    assert text.endswith("no alerts were sent")


def test_the_rules_file_is_the_workers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text("rules:\n  - {name: only, kind: match}\n", encoding="utf-8")
    rules = command.load_alert_rules(Settings(alert_rules_file=rules_file))
    assert [r.name for r in rules.match] == ["only"]
