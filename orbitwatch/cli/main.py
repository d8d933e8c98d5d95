"""Assembles the command groups into one typer application."""

from __future__ import annotations

import typer

from orbitwatch import __version__

app = typer.Typer(
    name="orbitwatch",
    help="Real-time monitoring of strategic space events (RSS/Atom -> Kafka -> Elasticsearch).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"orbitwatch {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """orbitwatch command line."""


# Command groups. Imports sit here, after ``app`` exists, so each module stays independent.
from orbitwatch.cli import infra as _infra  # noqa: E402

app.add_typer(_infra.app, name="infra")
