"""``orbitwatch demo``: the offline demo feeds, served locally."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import typer
from rich.console import Console

from connectors.demo.server import DemoFeedServer
from connectors.feedlist import feeds_to_yaml

app = typer.Typer(help="Offline demo: sample feeds on a local HTTP server.")
console = Console(soft_wrap=True)


async def _serve(host: str, port: int, write_feeds: Path | None, interval: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with DemoFeedServer(host=host, port=port) as server:
        for name in server.documents:
            console.print(server.url_for(name), highlight=False)
        if write_feeds is not None:
            write_feeds.write_text(feeds_to_yaml(server.feed_configs(interval)), encoding="utf-8")
            console.print(f"feed list written to {write_feeds}", highlight=False)
        console.print("serving; Ctrl-C stops", highlight=False)
        await stop.wait()


@app.command()
def serve(
    port: int = typer.Option(8765, help="Port on 127.0.0.1 (0 picks a free one)."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    write_feeds: Path | None = typer.Option(
        None, "--write-feeds", help="Write a feed list pointing at this server, for --feeds."
    ),
    interval: float = typer.Option(30.0, help="Poll interval written into that feed list."),
) -> None:
    """Serve the demo feeds (English, Russian, Chinese) with ETag/Last-Modified support."""
    asyncio.run(_serve(host, port, write_feeds, interval))


@app.command()
def run(
    quiet: float = typer.Option(5.0, help="Stop after this many seconds without a new event."),
) -> None:
    """Run the whole pipeline once on the demo feeds and show the classified events."""
    from rich.markup import escape

    from deploy.local.demo_pipeline import run_demo
    from orbitwatch.core.settings import get_settings
    from schemas import ClassifiedEvent
    from schemas.alert import Alert

    colors = {"high": "red", "medium": "yellow", "low": "cyan", "none": "dim"}

    def show(event: ClassifiedEvent) -> None:
        c = event.classification
        color = colors[c.severity.value]
        detail = (
            f"{c.relation.value} {','.join(c.actors)} {','.join(t.value for t in c.event_types)}"
            if c.relevant
            else "not relevant"
        )
        console.print(
            f"[{color}]{c.severity.value:>6}[/{color}]  {detail:<48} "
            f"story {event.story_id[:8]}  {event.article.language or '??'}  "
            f"{event.article.title[:80]}",
            highlight=False,
        )

    def show_alert(alert: Alert) -> None:
        color = colors[alert.severity.value]
        latency = alert.latency.total_seconds() if alert.latency else None
        console.print(
            f"[bold {color}]ALERT {alert.severity.value}[/bold {color}] "
            f"{escape('[' + alert.rule + ']')} {escape(alert.title)}  "
            f"(story {str(alert.story_id)[:8]}, "
            f"{len(alert.article_ids)} article(s)"
            + (f", fetch->alert {latency:.2f} s)" if latency is not None else ")"),
            highlight=False,
        )

    settings = get_settings()
    outcome = asyncio.run(
        run_demo(
            settings, show, show_alert, lambda line: console.print(line, highlight=False), quiet
        )
    )
    relevant = sum(e.classification.relevant for e in outcome.events)
    stories = len({e.story_id for e in outcome.events})
    console.print(
        f"{len(outcome.events)} classified event(s), {relevant} relevant, {stories} stories, "
        f"{len(outcome.alerts)} alert(s). Search them: "
        f"ORBITWATCH_INDEX_PREFIX={outcome.settings.index_prefix} orbitwatch search 'moon'",
        highlight=False,
    )
    from orbitwatch.web.app import describe_address

    console.print(
        "Watch them in the analyst's desk: orbitwatch web --demo, then open "
        f"{describe_address(settings)}",
        highlight=False,
    )
    if outcome.failed_feeds:
        console.print(f"[red]feeds that failed:[/red] {', '.join(outcome.failed_feeds)}")
        raise typer.Exit(1)
