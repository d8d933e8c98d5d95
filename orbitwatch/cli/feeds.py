"""``orbitwatch feeds``: check, parse and inspect feeds without running the connector."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from connectors.errors import FeedError
from connectors.feedlist import FeedConfig, FeedListError, feeds_to_yaml, slugify
from connectors.fetch import Fetcher
from connectors.normalize import normalize_feed
from connectors.opml import load_opml
from connectors.parse import ParserPool, parse_document
from connectors.poll import PollResult, poll_feed
from connectors.schedule import ConcurrencyLimiter
from orbitwatch.cli.connector import DEFAULT_FEEDS, load_feeds_or_exit
from orbitwatch.core.kafka import TopicReadFailed, read_topic_latest
from orbitwatch.core.settings import get_settings
from schemas import FeedHealth, utc_now

app = typer.Typer(help="Check, parse and inspect feeds.")
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def _status_cell(result: PollResult) -> str:
    if result.error is not None:
        return f"[red]{result.error.kind}[/red]"
    if result.not_modified:
        return "[cyan]304[/cyan]"
    return "[green]ok[/green]"


async def _check(feeds: list[FeedConfig], concurrency: int) -> list[PollResult]:
    parsers = ParserPool(2)
    limiter = ConcurrencyLimiter(concurrency, host_gap=1.0)
    try:
        async with Fetcher() as fetcher:
            return await limiter.run(
                feeds, lambda f: f.host, lambda f: poll_feed(f, fetcher, parsers)
            )
    finally:
        parsers.close()


@app.command()
def check(
    feeds: Path = typer.Option(DEFAULT_FEEDS, "--feeds", help="Feed-list YAML file."),
    concurrency: int = typer.Option(20, help="Feeds fetched at the same time."),
    allow_failures: int = typer.Option(
        0, "--allow-failures", min=0, help="Exit 0 while at most this many feeds fail."
    ),
) -> None:
    """Fetch and parse every feed once (no Kafka) and show what each one yields.

    Exits 1 when more than --allow-failures feeds (default: none) cannot be read."""
    feed_list = load_feeds_or_exit(feeds)
    results = asyncio.run(_check(feed_list, concurrency))
    table = Table("feed", "status", "HTTP", "entries", "articles", "seconds", "problems / error")
    for result in results:
        elapsed = f"{result.fetch.elapsed:.1f}" if result.fetch else "-"
        note = str(result.error) if result.error else "; ".join(result.problems)
        table.add_row(
            result.feed.id,
            _status_cell(result),
            str(result.status or "-"),
            str(result.entries),
            str(len(result.articles)),
            elapsed,
            note,
        )
    console.print(table)
    failed = sum(1 for r in results if not r.ok)
    console.print(f"{len(results) - failed} of {len(results)} feed(s) readable", highlight=False)
    if failed > allow_failures:
        err_console.print(
            f"[red]error:[/red] {failed} feed(s) failed, more than --allow-failures "
            f"{allow_failures}",
            highlight=False,
        )
        raise typer.Exit(1)


@app.command()
def parse(
    files: list[Path] = typer.Argument(..., help="Feed documents (RSS, RDF, Atom)."),
    url: str | None = typer.Option(
        None, help="Address the documents came from (resolves relative links)."
    ),
) -> None:
    """Parse local feed documents and print their articles as JSON Lines."""
    failures = 0
    for path in files:
        feed = FeedConfig(
            id=slugify(path.stem) or "local",
            name=path.name,
            url=url or f"https://local.invalid/{path.name}",
        )
        try:
            body = path.read_bytes()
            parsed = parse_document(body, url=url)
        except OSError as exc:
            failures += 1
            print(f"{path}: unreadable: {exc.strerror or exc}", file=sys.stderr)
            continue
        except FeedError as exc:
            failures += 1
            print(f"{path}: {exc.kind}: {exc}", file=sys.stderr)
            continue
        for article in normalize_feed(parsed, feed, fetched_at=utc_now(), document_url=url):
            sys.stdout.write(article.model_dump_json() + "\n")
    if failures:
        raise typer.Exit(1)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f}h"
    if seconds >= 60:
        return f"{seconds / 60:.1f}m"
    return f"{seconds:.0f}s"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _push_cell(pushed: bool, websub: str | None) -> str:
    """Whether pushes are relied on, with the WebSub subscription's state when the feed has
    one: "yes (active)", "no (pending)", "no (denied)", or "no" for a feed without a hub
    (or with push off)."""
    if pushed:
        return f"[cyan]yes[/cyan] ({websub or 'active'})"
    return f"no ([yellow]{websub}[/yellow])" if websub else "no"


@app.command()
def health() -> None:
    """Show the latest health report of every feed, from the health topic: its state,
    whether a push subscription delivers it, its current polling interval and why
    (learned rate, server hint, back-off, pushed, fixed) and its requests per hour."""
    settings = get_settings()
    try:
        latest = asyncio.run(
            read_topic_latest(
                settings, settings.topic_feed_health, FeedHealth.from_bytes, timeout=30
            )
        )
    except TopicReadFailed as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    if not latest:
        console.print(f"no health reports on {settings.topic_feed_health} yet")
        return
    table = Table(
        "feed",
        "state",
        "pushed",
        "interval",
        "why",
        "req/h",
        "new/h",
        "last success",
        "failures",
        "last error",
        "articles",
        "next poll",
    )

    def when(value: object) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else "-"

    for feed_id, report in sorted(latest.items()):
        if report.dormant:
            state = "[red]dormant[/red]"
        elif report.consecutive_failures:
            state = "[yellow]failing[/yellow]"
        else:
            state = "[green]ok[/green]"
        error = f"{report.last_error_kind}: {report.last_error}" if report.last_error_kind else ""
        reason = report.interval_reason or ""
        table.add_row(
            report.feed_name or feed_id,
            state,
            _push_cell(report.pushed, report.websub),
            _duration(report.poll_interval_s),
            reason.split(": ", 1)[1] if ": " in reason else reason,
            _number(report.requests_per_hour),
            _number(report.entries_per_hour),
            when(report.last_success_at),
            str(report.consecutive_failures),
            error,
            str(report.articles_produced),
            when(report.next_poll_at),
        )
    console.print(table)
    rates = [r.requests_per_hour for r in latest.values() if r.requests_per_hour is not None]
    if rates:
        console.print(
            f"{sum(rates):.1f} requests/h to {len(rates)} feed(s), "
            f"{sum(rates) / len(rates):.2f} per feed (fixed 15-minute polling: 4.00)",
            highlight=False,
        )


@app.command("import-opml")
def import_opml(
    file: Path = typer.Argument(..., help="OPML export of a feed reader."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here, not stdout."),
) -> None:
    """Convert an OPML subscription list to feed-list YAML."""
    try:
        feeds = load_opml(file)
    except FeedListError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    text = feeds_to_yaml(feeds)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {len(feeds)} feed(s) to {output}", highlight=False)
