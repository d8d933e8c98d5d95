"""Assembles the command groups into one typer application."""

from __future__ import annotations

from typing import Any

import typer
from typer import _click
from typer.core import TyperGroup

from orbitwatch import __version__
from orbitwatch.cli.settings import exit_on_settings_error
from orbitwatch.core.errors import SettingsError
from orbitwatch.core.settings import get_settings


class _Group(TyperGroup):
    """Notes whether help was asked for anywhere on the command line: help needs no valid
    settings, so the callback does not check them then."""

    def invoke(self, ctx: _click.Context) -> Any:
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        ctx.meta["orbitwatch.help"] = "--help" in rest
        return super().invoke(ctx)


app = typer.Typer(
    cls=_Group,
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
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of failures."),
) -> None:
    """orbitwatch command line."""
    # Settings are validated once, before any command runs (help needs none).
    if ctx.meta.get("orbitwatch.help"):
        return
    try:
        get_settings()
    except SettingsError as exc:
        exit_on_settings_error(exc, debug=debug)


# Command groups. Imports sit here, after ``app`` exists, so each module stays independent.
from orbitwatch.cli import infra as _infra  # noqa: E402

app.add_typer(_infra.app, name="infra")

from orbitwatch.cli import connector as _connector  # noqa: E402
from orbitwatch.cli import demo as _demo  # noqa: E402
from orbitwatch.cli import feeds as _feeds  # noqa: E402
from orbitwatch.cli import schemas as _schemas  # noqa: E402

app.add_typer(_connector.app, name="connector")
app.add_typer(_feeds.app, name="feeds")
app.add_typer(_schemas.app, name="schemas")
app.add_typer(_demo.app, name="demo")

from orbitwatch.cli import worker as _worker  # noqa: E402

app.command(name="worker")(_worker.worker)


from orbitwatch.cli.classify import register as _register_classify  # noqa: E402

_register_classify(app)

from orbitwatch.cli.model import register as _register_model  # noqa: E402

_register_model(app)

from orbitwatch.cli import settings as _settings_cli  # noqa: E402

app.add_typer(_settings_cli.app, name="settings")

from orbitwatch.cli import es as _es  # noqa: E402
from orbitwatch.cli import kibana as _kibana  # noqa: E402
from orbitwatch.cli import search as _search  # noqa: E402

app.add_typer(_es.app, name="es")
app.add_typer(_kibana.app, name="kibana")
app.command(name="search")(_search.search)

from orbitwatch.cli import alerts as _alerts  # noqa: E402

app.add_typer(_alerts.app, name="alerts")
from orbitwatch.cli import notify as _notify  # noqa: E402

app.add_typer(_notify.app, name="notify")

from orbitwatch.cli import status as _status  # noqa: E402

app.command(name="status")(_status.status)

from orbitwatch.cli import reclassify as _reclassify  # noqa: E402

app.command(name="reclassify")(_reclassify.reclassify_command)

from orbitwatch.cli import feedback as _feedback  # noqa: E402
from orbitwatch.cli import web as _web  # noqa: E402

app.add_typer(_feedback.app, name="feedback")
app.command(name="web")(_web.web)
