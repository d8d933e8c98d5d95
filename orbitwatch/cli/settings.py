"""``orbitwatch settings``: the configuration reference generated from the settings model."""

from __future__ import annotations

import typer
from rich.console import Console

from orbitwatch.cli.generated import write_or_check
from orbitwatch.settings_docs import CONFIGURATION_DOC, README, rendered_files

app = typer.Typer(help="The settings model: ORBITWATCH_* environment variables.")
console = Console(soft_wrap=True)


@app.command()
def docs(
    check: bool = typer.Option(False, "--check", help="Only compare; exit 1 on drift."),
) -> None:
    """Write docs/configuration.md and the README's settings table from the model (or check)."""
    write_or_check(
        console,
        rendered_files(),
        check=check,
        command="orbitwatch settings docs",
        current=f"{CONFIGURATION_DOC} and {README} match the settings model",
    )
