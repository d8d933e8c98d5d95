"""``orbitwatch alerts``: tail filters and rendering, rule checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from orbitwatch.cli import app
from orbitwatch.cli.alerts import AlertFilter, render_alert
from orbitwatch.core.settings import PROJECT_ROOT
from schemas import Alert, Severity
from streams.alerting.engine import StoryAlerter
from streams.alerting.silences import SilenceBook
from tests.alert_factories import T0, make_event, rule_set

pytestmark = pytest.mark.unit


def escalated_alert() -> Alert:
    rules = rule_set({"name": "ru-cn", "kind": "match", "when": {"actors_all": ["RU", "CN"]}})
    engine = StoryAlerter(rules)
    first = engine.on_event(make_event(severity=Severity.medium), None, SilenceBook(), T0)
    second = engine.on_event(make_event("moon-2", "moon-1"), first.state, SilenceBook(), T0)
    [alert] = second.alerts
    return alert


def test_filters() -> None:
    alert = escalated_alert()
    assert AlertFilter().accepts(alert)
    assert AlertFilter(min_severity=Severity.high).accepts(alert)
    assert not AlertFilter(rules=frozenset({"other"})).accepts(alert)
    assert AlertFilter(actors=frozenset({"CN", "US"})).accepts(alert)
    assert not AlertFilter(actors=frozenset({"US"})).accepts(alert)


def test_rendering_shows_what_matters() -> None:
    console = Console(width=200, record=True, color_system=None)
    console.print(render_alert(escalated_alert()))
    text = console.export_text()
    for expected in (
        "HIGH",
        "ru-cn (match)",
        "escalated from medium",
        "Russia and China to build",
        "actors CN, RU",
        "story moon-1",
        "fetch→alert 1m",
        "https://news.example.org/moon-2",
    ):
        assert expected in text


def test_rules_check_command(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["alerts", "rules", "check", str(PROJECT_ROOT / "deploy/rules.yaml")])
    assert ok.exit_code == 0 and "all valid" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - name: x\n    kind: match\n    when: {query: 'a~2'}\n")
    failed = runner.invoke(app, ["alerts", "rules", "check", str(bad)])
    assert failed.exit_code == 1
    assert "rules[0] (x): when.query:" in failed.output
