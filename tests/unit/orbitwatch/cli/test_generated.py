"""The shared write-or-check step of the regenerating commands (orbitwatch/cli/generated.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import typer
from rich.console import Console

from orbitwatch.cli.generated import write_or_check

pytestmark = pytest.mark.unit


def _run(files: dict[Path, str], check: bool) -> tuple[str, int]:
    out = io.StringIO()
    console = Console(file=out, soft_wrap=True)
    try:
        write_or_check(console, files, check=check, command="orbitwatch x", current="all current")
    except typer.Exit as exc:
        return out.getvalue(), exc.exit_code
    return out.getvalue(), 0


def test_check_lists_drift_and_exits_1_then_write_fixes_it(tmp_path: Path) -> None:
    files = {tmp_path / "a.json": "a\n", tmp_path / "b.json": "b\n"}
    (tmp_path / "a.json").write_text("a\n", encoding="utf-8")
    output, code = _run(files, check=True)
    assert code == 1
    assert f"drifted: {tmp_path / 'b.json'}" in output and "a.json" not in output
    assert "run `orbitwatch x` and commit the result" in output
    output, code = _run(files, check=False)
    assert (code, output.strip()) == (0, f"wrote {tmp_path / 'b.json'}")
    assert _run(files, check=True) == ("all current\n", 0)
    assert _run(files, check=False) == ("already up to date\n", 0)
