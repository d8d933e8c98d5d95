"""A small local feed server for the demo, the tests and the benchmark.

Serves the sample documents in this folder (or any documents given to it) on 127.0.0.1,
with ETag / Last-Modified and 304 answers like a well-behaved publisher, gzip when asked,
and lets a caller add an entry to a feed while it runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from aiohttp import web

from connectors.feedlist import FeedConfig

DEMO_DIR = Path(__file__).resolve().parent

# name -> (file, feed name, language, tags)
DEMO_FEEDS: dict[str, tuple[str, str, str, list[str]]] = {
    "orbital-herald": ("orbital-herald.xml", "Orbital Herald (demo)", "en", ["space", "demo"]),
    "kosmos-vestnik": ("kosmos-vestnik.xml", "Космический вестник (demo)", "ru", ["space", "demo"]),
    "tiangong-daily": ("tiangong-daily-atom.xml", "天宫日报 (demo)", "zh", ["space", "demo"]),
}


@dataclass
class Document:
    body: bytes
    content_type: str
    modified: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


def _content_type(body: bytes) -> str:
    return (
        "application/atom+xml"
        if b"http://www.w3.org/2005/Atom" in body[:2000]
        else "application/rss+xml"
    )


def demo_documents() -> dict[str, bytes]:
    return {name: (DEMO_DIR / file).read_bytes() for name, (file, *_rest) in DEMO_FEEDS.items()}


class DemoFeedServer:
    """``async with DemoFeedServer() as server:`` then ``server.url_for("orbital-herald")``."""

    def __init__(
        self,
        documents: dict[str, bytes] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
    ) -> None:
        self.host = host
        self.port = port
        self.latency = latency  # seconds before each answer, to imitate a distant site
        self.documents: dict[str, Document] = {
            name: Document(body, _content_type(body))
            for name, body in (demo_documents() if documents is None else documents).items()
        }
        self.hits: dict[str, int] = {}
        self.not_modified: dict[str, int] = {}
        # Extra response headers per feed (caching hints, Link), on 200 and 304 answers.
        self.headers: dict[str, dict[str, str]] = {}
        self.request_times: dict[str, list[float]] = {}  # perf_counter() of each request
        self._runner: web.AppRunner | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    async def __aenter__(self) -> DemoFeedServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/", self._index)
        app.router.add_get("/feeds/{name}", self._feed)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        # With port 0 the OS picked a free port: read it back from the bound socket.
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- what tests and the demo use --------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url_for(self, name: str) -> str:
        return f"{self.base_url}/feeds/{name}"

    def feed_configs(self, poll_interval: float = 60.0) -> list[FeedConfig]:
        """Feed-list entries for the served documents (``allow_private``: it is loopback)."""
        configs = []
        for name in self.documents:
            _file, title, language, tags = DEMO_FEEDS.get(name, ("", name, None, []))
            configs.append(
                FeedConfig(
                    id=name,
                    name=title,
                    url=self.url_for(name),
                    language=language,
                    tags=tags,
                    poll_interval=poll_interval,
                    allow_private=True,
                )
            )
        return configs

    def set_document(self, name: str, body: bytes) -> None:
        self.documents[name] = Document(
            body, _content_type(body), _next_second(self.documents.get(name))
        )

    def add_entry(
        self,
        name: str,
        *,
        title: str,
        link: str,
        summary: str,
        guid: str | None = None,
        published: datetime | None = None,
    ) -> None:
        """Insert a new first entry into feed ``name`` (RSS ``<item>`` or Atom ``<entry>``)."""
        document = self.documents[name]
        text = document.body.decode("utf-8")
        when = published or datetime.now(UTC)
        guid = guid or link
        if document.content_type == "application/atom+xml":
            snippet = (
                f'<entry><title>{escape(title)}</title><link href="{escape(link)}"/>'
                f"<id>{escape(guid)}</id><published>{when.isoformat()}</published>"
                f"<updated>{when.isoformat()}</updated>"
                f"<summary>{escape(summary)}</summary></entry>\n  "
            )
            anchor = re.search(r"<entry[\s>]", text) or re.search(r"</feed>", text)
        else:
            snippet = (
                f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
                f'<guid isPermaLink="false">{escape(guid)}</guid>'
                f"<pubDate>{format_datetime(when)}</pubDate>"
                f"<description>{escape(summary)}</description></item>\n    "
            )
            anchor = re.search(r"<item[\s>]", text) or re.search(r"</channel>", text)
        assert anchor is not None, f"{name} has no place for a new entry"
        updated = text[: anchor.start()] + snippet + text[anchor.start() :]
        self.set_document(name, updated.encode("utf-8"))

    # --- handlers --------------------------------------------------------------------------------

    async def _index(self, request: web.Request) -> web.Response:
        lines = [self.url_for(name) for name in sorted(self.documents)]
        return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")

    async def _feed(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        document = self.documents.get(name)
        if document is None:
            raise web.HTTPNotFound(text=f"no feed {name!r}\n")
        self.hits[name] = self.hits.get(name, 0) + 1
        self.request_times.setdefault(name, []).append(time.perf_counter())
        if self.latency:
            await asyncio.sleep(self.latency)
        headers = {
            "ETag": document.etag,
            "Last-Modified": format_datetime(document.modified, usegmt=True),
            **self.headers.get(name, {}),
        }
        if _is_fresh(request, document):
            self.not_modified[name] = self.not_modified.get(name, 0) + 1
            return web.Response(status=304, headers=headers)
        response = web.Response(body=document.body, headers=headers)
        response.content_type = document.content_type
        response.charset = "utf-8"
        response.enable_compression()
        return response


def _next_second(previous: Document | None) -> datetime:
    # Last-Modified has one-second resolution: a change within the same second as the last
    # one must still look newer, or If-Modified-Since would hide it.
    now = datetime.now(UTC).replace(microsecond=0)
    if previous is not None and now <= previous.modified:
        return previous.modified + timedelta(seconds=1)
    return now


def _is_fresh(request: web.Request, document: Document) -> bool:
    """True when the client's validators match (If-None-Match wins, per RFC 9110)."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip() for tag in if_none_match.split(",")}
        return document.etag in tags or "*" in tags
    if_modified_since = request.headers.get("If-Modified-Since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return document.modified <= since
    return False
