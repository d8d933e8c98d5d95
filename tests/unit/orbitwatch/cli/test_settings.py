"""``orbitwatch settings check``: every setting, and the watchlist against the gazetteer."""

from __future__ import annotations

from typer.testing import CliRunner

from orbitwatch.cli import app


def test_valid_settings_are_ok(runner: CliRunner) -> None:
    result = runner.invoke(app, ["settings", "check"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "settings ok"


def test_a_watchlist_code_the_gazetteer_does_not_know_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(app, ["settings", "check"], env={"ORBITWATCH_WATCHLIST": '["RU","ZZ"]'})
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        "error: ORBITWATCH_WATCHLIST: expected actor codes the gazetteer knows ("
    )
    assert line.endswith("got unknown ZZ")
    assert "RU" in line and "NATO" in line
