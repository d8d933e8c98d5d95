"""``orbitwatch schemas``: the JSON Schema files generated from the message models."""

from __future__ import annotations

import typer
from rich.console import Console

from schemas.jsonschema_export import SCHEMA_DIR, drifted_files, export_schemas

app = typer.Typer(help="JSON Schemas of the messages on Kafka.")
console = Console(soft_wrap=True)


@app.command()
def export(
    check: bool = typer.Option(False, "--check", help="Only compare; exit 1 on drift."),
) -> None:
    """Write schemas/json/<Model>.schema.json from the models (or check them)."""
    if check:
        drifted = drifted_files()
        for path in drifted:
            console.print(f"drifted: {path}", highlight=False)
        if drifted:
            console.print("run `orbitwatch schemas export` and commit the result", highlight=False)
            raise typer.Exit(1)
        console.print(f"schemas in {SCHEMA_DIR} match the models", highlight=False)
        return
    changed = export_schemas()
    for path in changed:
        console.print(f"wrote {path}", highlight=False)
    if not changed:
        console.print("schemas already up to date", highlight=False)
