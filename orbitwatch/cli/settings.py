"""``orbitwatch settings``: the configuration reference generated from the settings model."""

from __future__ import annotations

import os
import traceback
from typing import NoReturn

import typer
from rich.console import Console

from orbitwatch.cli.failure import fail
from orbitwatch.cli.generated import write_or_check
from orbitwatch.core.errors import SettingsError
from orbitwatch.core.settings import Settings, env_name, get_settings
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


def exit_on_settings_error(exc: SettingsError, *, debug: bool = False) -> NoReturn:
    """The one way a command ends on bad settings: one ``error:`` line per problem on
    stderr (a JSON event each with ORBITWATCH_LOG_FORMAT=json), exit code 2; the traceback
    only with ``--debug`` or ORBITWATCH_LOG_LEVEL=DEBUG."""
    if debug or os.environ.get("ORBITWATCH_LOG_LEVEL", "").strip().upper() == "DEBUG":
        traceback.print_exception(exc)
    fail(None, "\n".join(exc.problems), 2, logger="orbitwatch.settings")


def check_watchlist(settings: Settings) -> None:
    """Refuse watchlist codes the classifier's gazetteer does not know (``ZZ``): such a code
    never matches, and the severity it should raise silently stays low."""
    from streams.classifier.gazetteer import load_gazetteer

    known = load_gazetteer().actor_codes()
    unknown = [code for code in settings.watchlist if code not in known]
    if unknown:
        raise SettingsError(
            [
                f"{env_name('watchlist')}: expected actor codes the gazetteer knows "
                f"({', '.join(sorted(known))}), got unknown {', '.join(unknown)}"
            ]
        )


@app.command()
def check() -> None:
    """Validate every setting (and the watchlist against the gazetteer); exit 2 if invalid."""
    try:
        check_watchlist(get_settings())
    except SettingsError as exc:
        exit_on_settings_error(exc)
    console.print("settings ok", highlight=False)
