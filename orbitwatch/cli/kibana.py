"""``orbitwatch kibana``: load the data views, saved searches and dashboard into Kibana."""

from __future__ import annotations

import typer
from rich.console import Console

from orbitwatch.core.settings import get_settings
from orbitwatch.kibana import KibanaError, import_saved_objects

app = typer.Typer(help="Kibana saved objects (deploy/kibana/saved_objects.ndjson).")
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


@app.command(name="import")
def import_objects(
    url: str | None = typer.Option(None, "--url", help="Kibana URL (default: settings)"),
) -> None:
    """Import (overwrite) orbitwatch's saved objects through Kibana's _import API."""
    settings = get_settings()
    try:
        result = import_saved_objects(settings, base_url=url)
    except KibanaError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None
    for name in result.imported:
        console.print(f"imported {name}", highlight=False)
    console.print(f"{result.success_count} saved objects imported", highlight=False)
