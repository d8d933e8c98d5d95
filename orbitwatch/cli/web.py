"""``orbitwatch web``: serve the analyst's desk (live alerts, stories, verdicts, search)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import typer

from orbitwatch.core.logs import configure_logging
from orbitwatch.core.redact import redact_url
from orbitwatch.core.settings import get_settings
from orbitwatch.web.auth import exposure_problem


def web(
    host: str | None = typer.Option(None, help="Address to bind (default ORBITWATCH_WEB_HOST)."),
    port: int | None = typer.Option(
        None, min=0, max=65535, help="Port (default ORBITWATCH_WEB_PORT, 8600)."
    ),
    demo: bool = typer.Option(
        False, "--demo", help="Show the demo's namespace (what `orbitwatch demo run` wrote)."
    ),
) -> None:
    """Serve the analyst's desk: live alerts, story pages, verdicts, overview and search.

    Binds 127.0.0.1 unless told otherwise; any other address needs ORBITWATCH_WEB_TOKEN or
    ORBITWATCH_WEB_USERNAME/ORBITWATCH_WEB_PASSWORD. /health, /ready and /metrics are served
    on the same port."""
    settings = get_settings()
    if demo:
        from deploy.local.demo_pipeline import demo_settings

        settings = demo_settings(settings)
    updates: dict[str, object] = {}
    if host is not None:
        updates["web_host"] = host
    if port is not None:
        updates["web_port"] = port
    settings = settings.model_copy(update=updates)
    problem = exposure_problem(settings)
    if problem:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2)
    configure_logging(settings)
    # The desk says when a server is away (page banner, /ready, one Outage line); the
    # clients' own per-request and per-failure lines would only repeat it.
    for name in ("elastic_transport", "aiokafka"):
        logging.getLogger(name).setLevel(logging.ERROR)

    from orbitwatch.web.server import DeskStartFailed, serve_desk

    def started(base: str) -> None:
        shown = redact_url(settings.web_public_url) if settings.web_public_url else base + "/"
        typer.echo(f"orbitwatch web: the analyst's desk at {shown} (Ctrl-C stops)")

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_desk(settings, started))
    except DeskStartFailed as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
