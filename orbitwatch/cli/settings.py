"""``orbitwatch settings``: the configuration reference generated from the settings model."""

from __future__ import annotations

import typer
from rich.console import Console

from orbitwatch.settings_docs import CONFIGURATION_DOC, README, is_current, write

app = typer.Typer(help="The settings model: ORBITWATCH_* environment variables.")
console = Console(soft_wrap=True)


@app.command()
def docs(
    check: bool = typer.Option(False, "--check", help="Only compare; exit 1 on drift."),
) -> None:
    """Write docs/configuration.md and the README's settings table from the model (or check)."""
    if check:
        if not is_current():
            console.print(f"drifted: {CONFIGURATION_DOC} or {README}", highlight=False)
            console.print("run `orbitwatch settings docs` and commit the result", highlight=False)
            raise typer.Exit(1)
        console.print(f"{CONFIGURATION_DOC} and {README} match the settings model", highlight=False)
        return
    changed = write()
    console.print(
        f"wrote {CONFIGURATION_DOC} and {README}" if changed else "already up to date",
        highlight=False,
    )
