"""``orbitwatch infra``: the local Kafka and Elasticsearch, without Docker."""

from __future__ import annotations

from collections.abc import Callable

import typer
from rich.console import Console
from rich.table import Table

from deploy.local.errors import InfraError, StartupFailed
from deploy.local.manager import LocalInfra
from orbitwatch.core.settings import get_settings

app = typer.Typer(help="Run a local Kafka and Elasticsearch on 127.0.0.1 (no Docker needed).")
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)  # one error, one line


def _fail(exc: InfraError) -> None:
    err_console.print(f"[red]error:[/red] {exc}")
    if isinstance(exc, StartupFailed) and exc.log_tail:
        err_console.print("[dim]--- last log lines ---[/dim]")
        err_console.print(exc.log_tail, markup=False, highlight=False)
    raise typer.Exit(1)


def _run(step: Callable[[LocalInfra, Callable[[str], None]], object]) -> None:
    infra = LocalInfra(get_settings())
    try:
        step(infra, lambda line: console.print(line, highlight=False))
    except InfraError as exc:
        _fail(exc)


@app.command()
def up() -> None:
    """Fetch (once) and start Kafka and Elasticsearch; wait until both are ready."""
    _run(lambda infra, report: infra.up(report=report))


@app.command()
def fetch() -> None:
    """Download Kafka and Elasticsearch from Maven Central into the cache (once)."""
    _run(lambda infra, report: infra.fetch(report=report))


@app.command()
def down() -> None:
    """Stop the servers orbitwatch started."""
    _run(lambda infra, report: infra.down(report=report))


@app.command()
def status() -> None:
    """Show whether each server runs, where, its version and its log."""
    infra = LocalInfra(get_settings())
    table = Table("service", "state", "address", "pid", "version", "log")
    states = infra.status()
    for s in states:
        color = {"running": "green", "external": "cyan", "starting": "yellow"}.get(s.state, "red")
        table.add_row(
            s.name,
            f"[{color}]{s.state.value}[/{color}]",
            s.address,
            str(s.pid or "-"),
            s.version or "-",
            str(s.log),
        )
    console.print(table)
    if any(s.state.value in ("stopped", "starting") for s in states):
        raise typer.Exit(3)
