"""How a command or service ends when it cannot start: one line per problem on stderr (a JSON
event each with ORBITWATCH_LOG_FORMAT=json, even when the settings are what failed), then an
exit code scripts can trust (2: bad configuration or files; 1: a server is away)."""

from __future__ import annotations

from typing import NoReturn

import typer

from orbitwatch.core.logs import report_startup_failure, requested_log_format
from orbitwatch.core.settings import Settings


def fail(settings: Settings | None, message: str, code: int, *, logger: str) -> NoReturn:
    """``settings`` gives the log format; None when they could not be read (bad settings)."""
    log_format = settings.log_format if settings is not None else requested_log_format()
    report_startup_failure(message.splitlines(), json_lines=log_format == "json", logger=logger)
    raise typer.Exit(code)
