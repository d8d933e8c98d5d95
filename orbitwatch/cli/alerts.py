"""``orbitwatch alerts ...``: tail, silences, rule checks."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import typer
from aiokafka import AIOKafkaConsumer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from orbitwatch.core.errors import OrbitwatchError
from orbitwatch.core.kafka import (
    kafka_address,
    kafka_client_options,
    kafka_unreachable,
    probe_kafka,
    wait_for_kafka,
)
from orbitwatch.core.logs import configure_logging
from orbitwatch.core.settings import Settings, get_settings
from schemas import Alert, Severity, SilenceScope, utc_now
from streams.alerting.durations import format_duration, parse_duration
from streams.alerting.rules import RuleDefaults, RuleFileError, load_rules
from streams.alerting.silences import publish_silence, read_silences, silence_for

app = typer.Typer(help="Alerts: follow them, silence them, check rule files.", no_args_is_help=True)
rules_app = typer.Typer(help="Alert rule files.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

console = Console(soft_wrap=True, highlight=False)
log = logging.getLogger("orbitwatch.alerts")

T = TypeVar("T")

WAIT_OPTION = typer.Option(
    False, "--wait", help="If Kafka does not answer, wait for it (one line per try)."
)

SEVERITY_STYLE = {
    Severity.high: "bold red",
    Severity.medium: "yellow",
    Severity.low: "cyan",
    Severity.none: "dim",
}


def unreachable_exit(settings: Settings) -> typer.Exit:
    typer.echo(f"error: Kafka at {kafka_address(settings)} is unreachable", err=True)
    return typer.Exit(1)


def run_with_kafka(settings: Settings, work: Coroutine[Any, Any, T], *, wait: bool = False) -> T:
    """Run ``work`` once Kafka answers. Without ``wait``, a Kafka that does not answer ends
    the command with one line and exit 1; with it, the command waits (one line per try)."""

    async def probed() -> T:
        if wait:
            await wait_for_kafka(settings, log)
        else:
            await probe_kafka(settings)
        return await work

    if wait:
        configure_logging(settings)
    try:
        return asyncio.run(probed())
    except Exception as exc:
        if kafka_unreachable(exc):
            raise unreachable_exit(settings) from None
        raise
    finally:
        work.close()  # never awaited when the probe failed; a no-op otherwise


@dataclass(frozen=True)
class AlertFilter:
    min_severity: Severity | None = None
    rules: frozenset[str] = frozenset()
    actors: frozenset[str] = frozenset()

    def accepts(self, alert: Alert) -> bool:
        if self.min_severity is not None and alert.severity.rank < self.min_severity.rank:
            return False
        if self.rules and alert.rule not in self.rules:
            return False
        return not self.actors or bool(self.actors.intersection(alert.actors))


def render_alert(alert: Alert) -> Text:
    """One readable block: severity, rule, headline, who and what, story, link, latency."""
    style = SEVERITY_STYLE[alert.severity]
    text = Text()
    text.append(f"{alert.severity.value.upper():<6}", style=style)
    text.append(f" {alert.alerted_at:%Y-%m-%d %H:%M:%S}Z ", style="dim")
    text.append(alert.rule, style="bold")
    text.append(f" ({alert.kind.value})", style="dim")
    if alert.escalation and alert.previous_severity is not None:
        text.append(f"  escalated from {alert.previous_severity.value}", style=style)
    text.append(f"\n  {alert.title}")
    details = []
    if alert.actors:
        details.append("actors " + ", ".join(alert.actors))
    if alert.event_types:
        details.append("types " + ", ".join(t.value for t in alert.event_types))
    if alert.story_id:
        details.append(f"story {alert.story_id}")
    if alert.count is not None:
        details.append(f"count {alert.count}")
    if alert.latency is not None:
        details.append(f"fetch→alert {format_duration(alert.latency)}")
    if details:
        text.append("\n  " + " · ".join(details), style="dim")
    for url in alert.source_urls[:3]:
        text.append(f"\n  {url}", style="blue underline")
    return text


@app.command()
def tail(
    from_beginning: bool = typer.Option(False, "--from-beginning", help="Replay the topic."),
    severity: Severity | None = typer.Option(None, help="Minimum severity to show."),
    rule: list[str] = typer.Option([], help="Only these rules (repeatable)."),
    actor: list[str] = typer.Option([], help="Only alerts involving these actors (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
    wait: bool = WAIT_OPTION,
) -> None:
    """Follow the alerts topic (from now on, unless --from-beginning). Ctrl-C stops."""
    wanted = AlertFilter(severity, frozenset(rule), frozenset(a.upper() for a in actor))
    settings = get_settings()
    with contextlib.suppress(KeyboardInterrupt):
        run_with_kafka(settings, _tail(settings, from_beginning, wanted, as_json), wait=wait)


async def _tail(
    settings: Settings, from_beginning: bool, wanted: AlertFilter, as_json: bool
) -> None:
    consumer = AIOKafkaConsumer(
        settings.topic_alerts,
        **kafka_client_options(settings),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest" if from_beginning else "latest",
    )
    await consumer.start()
    try:
        async for record in consumer:
            try:
                alert = Alert.from_bytes(record.value)
            except OrbitwatchError as exc:
                console.print(f"[dim]unreadable record at offset {record.offset}: {exc}[/dim]")
                continue
            if not wanted.accepts(alert):
                continue
            if as_json:
                typer.echo(alert.model_dump_json())
            else:
                console.print(render_alert(alert))
    finally:
        await consumer.stop()


def _scope(rule: str | None, story: str | None) -> tuple[SilenceScope, str]:
    if (rule is None) == (story is None):
        raise typer.BadParameter("give exactly one of --rule or --story")
    return (SilenceScope.rule, rule) if rule is not None else (SilenceScope.story, story or "")


@app.command()
def silence(
    rule: str | None = typer.Option(None, help="Silence this rule."),
    story: str | None = typer.Option(None, help="Silence this story id."),
    duration: str = typer.Option(..., "--for", help="How long, e.g. 30m, 6h, 2d."),
    reason: str = typer.Option("", help="Why (shown by `alerts silences`)."),
    wait: bool = WAIT_OPTION,
) -> None:
    """Stop alerts for a rule or a story for a while."""
    scope, target = _scope(rule, story)
    try:
        span = parse_duration(duration)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--for") from exc
    settings = get_settings()
    record = run_with_kafka(
        settings,
        silence_for(settings, scope, target, span, reason=reason, created_by=_who()),
        wait=wait,
    )
    console.print(f"silenced {scope.value} {target} until {record.until:%Y-%m-%d %H:%M}Z")


@app.command()
def silences() -> None:
    """List the silences in force."""
    settings = get_settings()
    book = run_with_kafka(settings, read_silences(settings))
    active = book.active(utc_now())
    if not active:
        console.print("no active silences")
        return
    table = Table("scope", "target", "until (UTC)", "left", "reason", "by")
    now = utc_now()
    for item in active:
        table.add_row(
            item.scope.value,
            item.target,
            f"{item.until:%Y-%m-%d %H:%M}",
            format_duration(item.until - now),
            item.reason,
            item.created_by,
        )
    console.print(table)


@app.command()
def unsilence(
    rule: str | None = typer.Option(None, help="Lift the silence of this rule."),
    story: str | None = typer.Option(None, help="Lift the silence of this story id."),
) -> None:
    """Lift a silence before it ends."""
    scope, target = _scope(rule, story)
    settings = get_settings()
    current = run_with_kafka(settings, read_silences(settings)).get(scope, target)
    now = utc_now()
    if current is None or not current.active_at(now):
        console.print(f"{scope.value} {target} is not silenced")
        raise typer.Exit(1)
    lifted = current.model_copy(update={"lifted_at": now, "until": now})
    run_with_kafka(settings, publish_silence(settings, lifted))
    console.print(f"lifted the silence of {scope.value} {target}")


@rules_app.command("check")
def check_rules(file: Path = typer.Argument(..., help="Rule file to validate.")) -> None:
    """Validate a rule file (queries included); exit 1 listing every problem."""
    try:
        rules = load_rules(file, RuleDefaults.from_settings(get_settings()))
    except RuleFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    table = Table("name", "kind", "enabled", "description")
    for r in rules.rules:
        table.add_row(r.name, r.kind, "yes" if r.enabled else "no", r.description)
    console.print(table)
    console.print(f"{file}: {len(rules.rules)} rule(s), all valid")


def _who() -> str:
    try:
        return getpass.getuser()
    except OSError:
        return ""
