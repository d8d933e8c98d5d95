"""``orbitwatch alerts``: tail filters and rendering, rule checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from aiokafka.errors import KafkaConnectionError
from rich.console import Console
from typer.testing import CliRunner

from orbitwatch.cli import alerts as alerts_cli
from orbitwatch.cli import app
from orbitwatch.cli.alerts import AlertFilter, render_alert
from orbitwatch.core.settings import PROJECT_ROOT, Settings
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


def _settings(**values: object) -> Settings:
    return Settings(kafka_bootstrap_servers="kafka.example:9092", **values)  # type: ignore[arg-type]


def test_run_with_kafka_unreachable_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def refused(settings: Settings, timeout: float = 10.0) -> None:
        raise KafkaConnectionError("Unable to bootstrap from [('kafka.example', 9092)]")

    async def work() -> str:
        raise AssertionError("must not run without Kafka")

    monkeypatch.setattr(alerts_cli, "probe_kafka", refused)
    with pytest.raises(typer.Exit) as exit_info:
        alerts_cli.run_with_kafka(_settings(), work())
    assert exit_info.value.exit_code == 1
    assert capsys.readouterr().err == "error: Kafka at kafka.example:9092 is unreachable\n"


def test_run_with_kafka_runs_the_work_once_kafka_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    probes: list[str] = []

    async def answers(settings: Settings, timeout: float = 10.0) -> None:
        probes.append(settings.kafka_bootstrap_servers)

    async def work() -> str:
        return "done"

    monkeypatch.setattr(alerts_cli, "probe_kafka", answers)
    assert alerts_cli.run_with_kafka(_settings(), work()) == "done"
    assert probes == ["kafka.example:9092"]
