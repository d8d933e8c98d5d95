"""News feeds that keep publishing during a test: the connector's input under faults.

A few RSS feeds (one per language) on the demo feed server, starting empty; a background
task adds an entry every so often, with texts from the same seeds as the article stream, and
remembers each entry's link, so a test can check that every one of them reached
Elasticsearch.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import yaml

from connectors.demo.server import DemoFeedServer
from tests.faults.articles import Seed, load_seeds

LANGUAGES = ("en", "ru", "zh", "fr")


def _empty_feed(language: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Fault wire ({language})</title><link>https://wire-{language}.example.org/</link>"
        f"<description>entries added while the test runs</description><language>{language}"
        "</language>\n</channel></rss>\n"
    ).encode()


class WireFeeds:
    """``async with WireFeeds(run).serving() as wire:`` then ``wire.publish_every(0.1)``."""

    def __init__(self, run: str, seed: int = 5) -> None:
        self.run = run
        self.random = random.Random(seed)
        self.server = DemoFeedServer({f"wire-{lang}": _empty_feed(lang) for lang in LANGUAGES})
        seeds = load_seeds()
        self.seeds: dict[str, list[Seed]] = {
            lang: [s for s in seeds if s.language == lang] or seeds for lang in LANGUAGES
        }
        self.links: list[str] = []  # every entry published, in order

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[WireFeeds]:
        async with self.server:
            yield self

    def write_feed_list(self, path: Path, poll_interval: str = "2s") -> Path:
        feeds = [
            {
                "id": name,
                "name": f"Fault wire {name}",
                "url": self.server.url_for(name),
                "language": name.removeprefix("wire-"),
                "poll_interval": poll_interval,
                "allow_private": True,  # the server is on 127.0.0.1
            }
            for name in self.server.documents
        ]
        path.write_text(yaml.safe_dump({"feeds": feeds}, allow_unicode=True), encoding="utf-8")
        return path

    def publish_one(self) -> str:
        n = len(self.links)
        language = LANGUAGES[n % len(LANGUAGES)]
        seed = self.random.choice(self.seeds[language])
        link = f"https://wire-{language}.example.org/{self.run}/{n:05d}"
        self.server.add_entry(
            f"wire-{language}", title=seed.title, link=link, summary=seed.text, guid=link
        )
        self.links.append(link)
        return link

    async def publish_every(self, interval_s: float, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.publish_one()
            await asyncio.sleep(interval_s)
