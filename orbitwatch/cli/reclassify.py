"""``orbitwatch reclassify``: run the classifier again over recent events, in place.

For switching models safely: after the workers run a new model, re-classify the last days
so search, dashboards and story views agree with it, and see first (``--dry-run``) how many
events flip relevance or severity and how many alerts the new model would raise or drop.
Nothing is sent: the alert figures are counted, never published.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from orbitwatch.core.elastic import make_client
from orbitwatch.core.errors import ConfigError, OrbitwatchError
from orbitwatch.core.settings import Settings, get_settings
from orbitwatch.query import parse_time
from orbitwatch.reclassify.diff import ReclassifyReport
from orbitwatch.reclassify.job import reclassify
from schemas import utc_now
from streams.alerting.rules import RuleDefaults, RuleSet, load_rules
from streams.classifier import Classifier

err_console = Console(stderr=True, soft_wrap=True, highlight=False)


def build_classifier(settings: Settings, model: Path | None) -> Classifier:
    """The classifier the worker runs (same watchlist, same configured model), or the one of
    ``model`` when given: re-classifying with another model than the workers' is how a
    candidate is tried on real traffic with ``--dry-run``."""
    if model is not None and not model.is_file():
        raise ConfigError(f"model file not found: {model}")
    return Classifier(
        watchlist=settings.watchlist,
        model_path=model if model is not None else settings.classifier_model,
    )


def load_alert_rules(settings: Settings) -> RuleSet:
    return load_rules(settings.alert_rules_file, RuleDefaults.from_settings(settings))


def render(report: ReclassifyReport) -> str:
    """The short summary for people."""
    until = f"{report.until:%Y-%m-%d %H:%M}" if report.until else "now"
    mode = "dry run, nothing written" if report.dry_run else "documents updated in place"
    versions = ", ".join(f"{v} {n}" for v, n in report.previous_versions.items()) or "-"
    lines = [
        f"reclassify {report.since:%Y-%m-%d %H:%M} .. {until} UTC "
        f"with {report.classifier_version or '-'} ({mode})",
        f"  scanned    {report.scanned} events (stored versions: {versions})",
    ]
    written = (
        "would be updated"
        if report.dry_run
        else f"updated {report.updated}, conflicts {report.conflicts}, failed {report.failed}"
    )
    lines.append(f"  changed    {report.changed} ({written})")
    lines.append(
        f"  relevance  {report.relevance_gained} became relevant, "
        f"{report.relevance_lost} no longer relevant"
    )
    lines.append(f"  severity   {report.severity_raised} raised, {report.severity_lowered} lowered")
    if report.unreadable:
        lines.append(f"  unreadable {report.unreadable} stored documents skipped")
    lines.append(
        f"  alerts     {report.alerts_newly_firing} would now fire that did not, "
        f"{report.alerts_no_longer_firing} would no longer fire"
    )
    width = max((len(d.rule) for d in report.by_rule), default=0)
    for delta in report.by_rule:
        lines.append(f"    {delta.rule:<{width}}  +{delta.newly_firing}  -{delta.no_longer_firing}")
    lines.append(
        "  (per-event match rules only, one count per event and rule; story grouping, "
        "silences and digests not applied)"
    )
    if report.rules_not_evaluated:
        lines.append("  not evaluated (windowed rules): " + ", ".join(report.rules_not_evaluated))
    lines.extend(f"  refused: {reason}" for reason in report.failure_reasons)
    lines.append("  no alerts were sent")
    return "\n".join(lines)


def reclassify_command(
    since: str = typer.Option(..., help="Events from this time: ISO or relative (7d, 24h)"),
    until: str | None = typer.Option(None, help="Events up to this time (default: now)"),
    model: Path | None = typer.Option(
        None, "--model", help="Model file to classify with (default: the workers' model)"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Write nothing; print the counts"),
    batch_size: int = typer.Option(500, min=1, max=10_000, help="Events per page and _bulk"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON"),
) -> None:
    """Re-classify stored events in place and report what changed (no alerts are sent)."""
    settings = get_settings()
    try:
        now = utc_now()
        start = parse_time(since, now)
        end = parse_time(until, now) if until else None
        if end is not None and end <= start:
            raise ConfigError(f"--until ({until}) must be later than --since ({since})")
        rules = load_alert_rules(settings)
        classifier = build_classifier(settings, model)
    except OrbitwatchError as exc:
        err_console.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from None
    except OSError as exc:
        err_console.print(f"error: {exc.strerror or exc}: {exc.filename or ''}", markup=False)
        raise typer.Exit(2) from None

    client = make_client(settings)
    try:
        report = reclassify(
            client,
            settings,
            classifier,
            rules,
            since=start,
            until=end,
            dry_run=dry_run,
            batch_size=batch_size,
        )
    except OrbitwatchError as exc:
        err_console.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from None
    finally:
        client.close()
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        sys.stdout.write(render(report) + "\n")
    if report.failed:
        raise typer.Exit(1)
