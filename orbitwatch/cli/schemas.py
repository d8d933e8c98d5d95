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


@app.command()
def asyncapi(
    check: bool = typer.Option(False, "--check", help="Only compare; exit 1 on drift."),
) -> None:
    """Write docs/asyncapi.yaml (every topic and its message schema), or check it."""
    # Imported here: the generator loads every message model, which `export` does not need.
    from schemas.asyncapi import ASYNCAPI_PATH, is_current, write

    if check:
        if not is_current():
            console.print(f"drifted: {ASYNCAPI_PATH}", highlight=False)
            console.print(
                "run `orbitwatch schemas asyncapi` and commit the result", highlight=False
            )
            raise typer.Exit(1)
        console.print(f"{ASYNCAPI_PATH} matches the models and topics", highlight=False)
        return
    changed = write()
    console.print(
        f"wrote {ASYNCAPI_PATH}" if changed else f"{ASYNCAPI_PATH} already up to date",
        highlight=False,
    )
