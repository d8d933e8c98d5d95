"""``orbitwatch search``: find indexed events by words and facets."""

from __future__ import annotations

import sys

import typer
from elastic_transport import TransportError
from elasticsearch import ApiError, NotFoundError
from rich.console import Console
from rich.table import Table

from orbitwatch.core.elastic import make_client
from orbitwatch.core.errors import OrbitwatchError
from orbitwatch.core.redact import redact_text, redact_url
from orbitwatch.core.settings import get_settings
from orbitwatch.query import EventQuery, parse_time
from schemas.documents import EventDocument
from schemas.indices.names import IndexNames

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

_SEVERITY_COLORS = {"high": "red", "medium": "yellow", "low": "cyan", "none": "dim"}


def search(
    query: str = typer.Argument(
        "",
        help='Words over title and summary, any language and inflection, e.g. "moon AND reactor"',
    ),
    actor: list[str] = typer.Option([], "--actor", help="Actor code (repeatable), e.g. RU"),
    pair: list[str] = typer.Option([], "--pair", help="Actor pair (repeatable), e.g. CN-RU"),
    event_type: list[str] = typer.Option([], "--type", help="Event type (repeatable)"),
    severity: list[str] = typer.Option([], "--severity", help="high, medium, low, none"),
    since: str | None = typer.Option(None, help="ISO time or relative: 24h, 7d"),
    until: str | None = typer.Option(None, help="ISO time or relative: 1h"),
    limit: int = typer.Option(20, min=1, max=10_000, help="Most results to show"),
    as_json: bool = typer.Option(False, "--json", help="One JSON document per line"),
) -> None:
    """Search the indexed events, newest first."""
    settings = get_settings()
    try:
        request = EventQuery(
            text=query or None,
            actors=actor,
            pairs=pair,
            event_types=event_type,
            severities=severity,
            since=parse_time(since) if since else None,
            until=parse_time(until) if until else None,
            limit=limit,
        )
        body = request.body()
    except OrbitwatchError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    client = make_client(settings)
    try:
        response = client.search(index=IndexNames(settings.index_prefix).events_alias, **body)
    except NotFoundError:
        err_console.print("no events index yet: run `orbitwatch es setup` and the worker")
        raise typer.Exit(1) from None
    except (ApiError, TransportError) as exc:
        err_console.print(
            f"[red]error:[/red] Elasticsearch at {redact_url(settings.es_url)}: "
            f"{redact_text(str(exc))}",
            highlight=False,
        )
        raise typer.Exit(1) from None
    finally:
        client.close()
    hits = response.body["hits"]["hits"]
    documents = [EventDocument.from_obj(hit["_source"]) for hit in hits]
    if as_json:
        for document in documents:
            sys.stdout.write(document.model_dump_json() + "\n")
        return
    table = Table("time", "severity", "actors", "types", "title", "feed", "id")
    for doc in documents:
        color = _SEVERITY_COLORS.get(doc.severity.value, "white")
        table.add_row(
            f"{doc.timestamp:%Y-%m-%d %H:%M}",
            f"[{color}]{doc.severity.value}[/{color}]",
            ", ".join(doc.actors),
            ", ".join(t.value for t in doc.event_types),
            doc.title,
            doc.feed_name,
            doc.article_id,
        )
    console.print(table)
    total = response.body["hits"]["total"]
    console.print(f"{len(documents)} shown of {total['value']}", highlight=False)
