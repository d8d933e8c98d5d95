"""``orbitwatch es``: install and inspect orbitwatch's Elasticsearch indices."""

from __future__ import annotations

import typer
from elastic_transport import TransportError
from elasticsearch import ApiError
from rich.console import Console
from rich.table import Table

from orbitwatch.cli.generated import write_or_check
from orbitwatch.core.elastic import make_client
from orbitwatch.core.redact import redact_text, redact_url
from orbitwatch.core.settings import get_settings
from orbitwatch.es_status import cluster_status
from orbitwatch.reclassify.store import StoreError
from orbitwatch.reindex import reindex as reindex_documents
from schemas.indices.names import IndexNames
from schemas.indices.setup import SetupStep, setup_indices
from schemas.indices.templates import DEPLOY_DIR, deploy_files

app = typer.Typer(help="Elasticsearch indices: templates, aliases, status.")
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

_COLORS = {"created": "green", "updated": "yellow", "unchanged": "dim", "skipped": "dim"}


def _fail(exc: Exception) -> None:
    where = redact_url(get_settings().es_url)
    err_console.print(
        f"[red]error:[/red] Elasticsearch at {where}: {redact_text(str(exc))}", highlight=False
    )
    raise typer.Exit(1)


def _print_step(step: SetupStep) -> None:
    color = _COLORS.get(step.outcome, "white")
    detail = f" ({step.detail})" if step.detail else ""
    console.print(
        f"{step.kind:<10} {step.name}: [{color}]{step.outcome}[/{color}]{detail}", highlight=False
    )


@app.command()
def setup() -> None:
    """Install the index templates (and ILM policy where available), create the first
    indices and aliases. Safe to run again: prints what it created or updated."""
    settings = get_settings()
    client = make_client(settings)
    try:
        setup_indices(
            client,
            IndexNames(settings.index_prefix),
            retention_days=settings.es_retention_days,
            report=_print_step,
        )
    except (ApiError, TransportError) as exc:
        _fail(exc)
    finally:
        client.close()


@app.command()
def status() -> None:
    """Indices with their document counts, aliases and templates."""
    settings = get_settings()
    client = make_client(settings)
    try:
        state = cluster_status(client, IndexNames(settings.index_prefix))
    except (ApiError, TransportError) as exc:
        _fail(exc)
        return
    finally:
        client.close()
    table = Table("index", "health", "docs", "aliases")
    for index in state.indices:
        table.add_row(index.name, index.health, str(index.docs), ", ".join(index.aliases) or "-")
    console.print(table)
    aliases = Table("alias", "targets")
    for alias, targets in sorted(state.alias_targets().items()):
        aliases.add_row(alias, ", ".join(targets))
    console.print(aliases)
    console.print(f"templates: {', '.join(state.templates) or 'none'}", highlight=False)
    if not state.indices:
        console.print("no indices yet: run `orbitwatch es setup`", highlight=False)


@app.command()
def reindex(
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would change; write nothing"),
    batch_size: int = typer.Option(500, min=1, max=10_000, help="Documents per page and bulk"),
) -> None:
    """Rewrite the search_text of stored events and stories (after an upgrade that added or
    changed it), in place through the aliases. Safe to run again: current documents are
    left alone. Exit 1 when some documents could not be written."""
    settings = get_settings()
    client = make_client(settings)
    try:
        reports = reindex_documents(client, settings, dry_run=dry_run, batch_size=batch_size)
    except StoreError as exc:
        err_console.print(f"[red]error:[/red] {redact_text(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
    finally:
        client.close()
    verb = "would update" if dry_run else "updated"
    table = Table("documents", "scanned", verb, "unchanged", "conflicts", "failed", "unreadable")
    for r in reports:
        counts = (r.scanned, r.updated, r.unchanged, r.conflicts, r.failed, r.unreadable)
        table.add_row(r.kind, *map(str, counts))
    console.print(table)
    reasons = [reason for r in reports for reason in r.reasons]
    for reason in reasons:
        err_console.print(f"refused: {redact_text(reason)}", highlight=False)
    if any(r.conflicts for r in reports):
        console.print("conflicts: rewritten by the worker meanwhile; run again to finish")
    if any(r.failed for r in reports):
        raise typer.Exit(1)


@app.command()
def export(
    check: bool = typer.Option(False, "--check", help="Only compare; exit 1 on drift."),
) -> None:
    """Write deploy/elasticsearch/*.json from the document models (or check them)."""
    write_or_check(
        console,
        deploy_files(),
        check=check,
        command="orbitwatch es export",
        current=f"templates in {DEPLOY_DIR} match the models",
    )
