"""``orbitwatch schemas``: the JSON Schema files generated from the message models."""

from __future__ import annotations

import typer
from rich.console import Console

from orbitwatch.cli.generated import write_or_check
from schemas.jsonschema_export import SCHEMA_DIR, rendered_files

app = typer.Typer(help="JSON Schemas of the messages on Kafka.")
console = Console(soft_wrap=True)


@app.command()
def export(
    check: bool = typer.Option(False, "--check", help="Only compare; exit 1 on drift."),
) -> None:
    """Write schemas/json/<Model>.schema.json from the models (or check them)."""
    write_or_check(
        console,
        rendered_files(),
        check=check,
        command="orbitwatch schemas export",
        current=f"schemas in {SCHEMA_DIR} match the models",
    )


@app.command()
def asyncapi(
    check: bool = typer.Option(False, "--check", help="Only compare; exit 1 on drift."),
) -> None:
    """Write docs/asyncapi.yaml (every topic and its message schema), or check it."""
    # Imported here: the generator loads every message model, which `export` does not need.
    from schemas.asyncapi import ASYNCAPI_PATH, render

    write_or_check(
        console,
        {ASYNCAPI_PATH: render()},
        check=check,
        command="orbitwatch schemas asyncapi",
        current=f"{ASYNCAPI_PATH} matches the models and topics",
    )
