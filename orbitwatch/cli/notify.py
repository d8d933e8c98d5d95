"""``orbitwatch notify``: deliver alerts to the configured endpoints; ``notify test``."""

from __future__ import annotations

import asyncio
import logging
import signal

import typer
from rich.console import Console

from orbitwatch.cli.failure import fail
from orbitwatch.core.errors import OrbitwatchError
from orbitwatch.core.health_server import HealthServer
from orbitwatch.core.kafka import kafka_reachable, wait_for_kafka
from orbitwatch.core.logs import configure_logging
from orbitwatch.core.redact import redact_text
from orbitwatch.core.settings import get_settings
from streams.notify.channels import AppriseSender
from streams.notify.delivery import DeliveryError, WebhookClient
from streams.notify.endpoints import Channel, Endpoint, load_endpoints
from streams.notify.notifier import Notifier
from streams.notify.render import Renderer
from streams.notify.sample import sample_alert, sample_story

app = typer.Typer(
    help="Deliver alerts to webhooks, e-mail and chat (signed; retried; dead-lettered).",
    invoke_without_command=True,
)
console = Console(soft_wrap=True, highlight=False)
log = logging.getLogger("orbitwatch.notify")


@app.callback()
def notify(
    ctx: typer.Context,
    from_beginning: bool = typer.Option(
        False, "--from-beginning", help="A new consumer group starts at the oldest alert."
    ),
) -> None:
    """Deliver alerts to the configured endpoints (signed webhooks, Apprise URLs)."""
    if ctx.invoked_subcommand is not None:
        return
    settings = get_settings()
    configure_logging(settings)
    try:
        notifier = Notifier(settings, from_beginning=from_beginning)
    except OrbitwatchError as exc:
        fail(settings, str(exc), 2, logger=log.name)
    shown = ", ".join(f"{e.name} ({e.channel.value})" for e in notifier.endpoints)
    console.print(f"delivering alerts to {shown}")
    asyncio.run(_run_until_signal(notifier))


async def _run_until_signal(notifier: Notifier) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    async def has_partitions() -> bool:
        return notifier.ready.is_set()

    settings = notifier.settings
    health = HealthServer(
        settings.metrics_host,
        settings.metrics_port,
        {"kafka": has_partitions, "kafka_reachable": kafka_reachable(settings)},
    )
    if settings.metrics_port:
        await health.start()
    try:
        # /ready stays false meanwhile: the notifier has no partitions yet.
        if await wait_for_kafka(settings, log, stop):
            await notifier.run(stop)
    finally:
        await health.stop()


@app.command("test")
def test_endpoint(
    endpoint: str = typer.Argument(..., help="Name of a configured endpoint."),
) -> None:
    """Send a sample alert (rendered like a real one) to one endpoint; exit 1 on failure."""
    settings = get_settings()
    try:
        endpoints = load_endpoints(settings)
        target = next((e for e in endpoints if e.name == endpoint), None)
        if target is None:
            names = ", ".join(e.name for e in endpoints) or "none configured"
            raise typer.BadParameter(f"no endpoint named {endpoint!r} (endpoints: {names})")
        renderer = Renderer(settings, [target])
    except OrbitwatchError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except typer.BadParameter as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    try:
        asyncio.run(_send_sample(settings.webhook_timeout.total_seconds(), target, renderer))
    except DeliveryError as exc:
        typer.echo(f"failed: {target.name} ({target.shown_url}): {redact_text(str(exc))}", err=True)
        raise typer.Exit(1) from exc
    console.print(f"sent a sample alert to {target.name} ({target.shown_url})")


async def _send_sample(timeout: float, endpoint: Endpoint, renderer: Renderer) -> None:
    """One attempt, no retries: the point is to see at once whether the endpoint works."""
    settings = get_settings()
    if endpoint.channel is Channel.webhook:
        if settings.webhook_secret is None:
            raise DeliveryError(
                "config", "ORBITWATCH_WEBHOOK_SECRET is required to sign", retriable=False
            )
        client = WebhookClient(
            settings.webhook_secret.get_secret_value(),
            timeout=timeout,
            allow_private=settings.webhook_allow_private,
        )
        try:
            await client.send(endpoint, sample_alert(), 1)
        finally:
            await client.close()
        return
    sender = AppriseSender([endpoint], renderer, timeout=timeout)
    await sender.send_message(endpoint, renderer.render(endpoint, sample_alert(), sample_story()))
