"""Feed servers that misbehave on purpose, for the connector's fault tests.

Every feed listens on an address of its own in 127.0.0.0/8 (Linux routes the whole block to
the loopback interface): to the connector each is a different host, as misbehaving feeds are
in real life, so its per-host politeness (one request at a time per host) is not what keeps
a healthy feed waiting behind a broken one.

* ``hang``: accepts the connection, reads the request, never answers.
* ``reset``: reads the request and resets the connection (RST, not a clean close).
* ``error500``: answers ``500 Internal Server Error`` with a small HTML page.
* ``garbage``: answers 200 with an RSS content type and random bytes.
* ``huge``: answers 200 with a 50 MB RSS document, streamed without a Content-Length.
* ``laughs``: answers 200 with a "billion laughs" entity-expansion bomb.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import socket
import struct
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from aiohttp import web

from connectors.feedlist import FeedConfig

HUGE_BYTES = 50 * 1024 * 1024
_CHUNK = 256 * 1024
_FEED_HEAD = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
    b"<title>Endless Orbit</title><link>https://endless.example/</link>"
    b"<description>a feed that never ends</description>\n"
)
# Ten levels of ten references: 10^9 "lol"s, about 3 GB once expanded.
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n  <!ENTITY lol "lol">\n'
    + b"".join(
        f'  <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b']>\n<rss version="2.0"><channel><title>Laughs</title>'
    b"<item><title>&lol9;</title><link>https://laughs.example/1</link></item>"
    b"</channel></rss>\n"
)


def rss_document(feed: str, items: list[tuple[str, str, str]], host: str) -> bytes:
    """An RSS 2.0 document with ``items`` as (guid, title, summary), newest first."""
    now = format_datetime(datetime.now(UTC))
    entries = "".join(
        f"<item><title>{escape(title)}</title>"
        f"<link>https://{host}/news/{escape(guid)}</link>"
        f'<guid isPermaLink="false">{escape(guid)}</guid><pubDate>{now}</pubDate>'
        f"<description>{escape(summary)}</description></item>\n"
        for guid, title, summary in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(feed)}</title><link>https://{host}/</link>"
        f"<description>generated for the fault tests</description><language>en</language>\n"
        f"{entries}</channel></rss>\n"
    ).encode()


@dataclass
class BadFeed:
    name: str
    host: str
    port: int = 0
    requests: int = 0
    bytes_sent: int = 0
    last_request_at: float | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/feeds/{self.name}"


@dataclass
class MisbehavingFeeds:
    """``async with MisbehavingFeeds("127.77.2") as bad:``, then ``bad.feed_configs(...)``."""

    network: str  # the first three octets; feed i listens on <network>.<i + 1>
    huge_bytes: int = HUGE_BYTES
    feeds: dict[str, BadFeed] = field(default_factory=dict)
    huge_completed: int = 0  # huge documents sent to the end: the client read 50 MB
    _runner: web.AppRunner | None = None
    _servers: list[asyncio.Server] = field(default_factory=list)
    _hanging: set[asyncio.StreamWriter] = field(default_factory=set)

    NAMES = ("hang", "reset", "error500", "garbage", "huge", "laughs")

    async def __aenter__(self) -> MisbehavingFeeds:
        for i, name in enumerate(self.NAMES):
            self.feeds[name] = BadFeed(name, f"{self.network}.{i + 1}")
        for name in ("hang", "reset"):
            feed = self.feeds[name]
            handler = self._hang if name == "hang" else self._reset
            server = await asyncio.start_server(functools.partial(handler, feed), feed.host, 0)
            feed.port = int(server.sockets[0].getsockname()[1])
            self._servers.append(server)
        app = web.Application()
        app.router.add_get("/feeds/{name}", self._http)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        for name in ("error500", "garbage", "huge", "laughs"):
            feed = self.feeds[name]
            await web.TCPSite(self._runner, feed.host, 0).start()
            feed.port = next(int(a[1]) for a in self._runner.addresses if a[0] == feed.host)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for writer in list(self._hanging):
            writer.close()
        for server in self._servers:
            server.close()
            await server.wait_closed()
        if self._runner is not None:
            await self._runner.cleanup()

    def feed_configs(self, poll_interval: float) -> list[FeedConfig]:
        return [
            FeedConfig(
                id=f"bad-{feed.name}",
                name=f"Misbehaving feed: {feed.name}",
                url=feed.url,
                poll_interval=poll_interval,
                allow_private=True,
            )
            for feed in self.feeds.values()
        ]

    @staticmethod
    def _count(feed: BadFeed) -> None:
        feed.requests += 1
        feed.last_request_at = time.monotonic()

    async def _read_request(self, reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            await reader.readuntil(b"\r\n\r\n")

    async def _hang(
        self, feed: BadFeed, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._count(feed)
        await self._read_request(reader)
        self._hanging.add(writer)
        try:
            await reader.read()  # until the client gives up and closes
        except ConnectionError:
            pass
        finally:
            self._hanging.discard(writer)
            writer.close()

    async def _reset(
        self, feed: BadFeed, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._count(feed)
        await self._read_request(reader)
        sock = writer.get_extra_info("socket")
        # Linger on, timeout zero: close() sends RST instead of FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    async def _http(self, request: web.Request) -> web.StreamResponse:
        feed = self.feeds[request.match_info["name"]]
        self._count(feed)
        if feed.name == "error500":
            return web.Response(
                status=500,
                text="<html><body>upstream exploded</body></html>",
                content_type="text/html",
            )
        if feed.name == "garbage":
            body = random.Random(feed.requests).randbytes(64 * 1024)
            feed.bytes_sent += len(body)
            return web.Response(body=body, content_type="application/rss+xml")
        if feed.name == "laughs":
            feed.bytes_sent += len(BILLION_LAUGHS)
            return web.Response(body=BILLION_LAUGHS, content_type="application/rss+xml")
        return await self._huge(feed, request)

    async def _huge(self, feed: BadFeed, request: web.Request) -> web.StreamResponse:
        """A well-formed RSS document of ``huge_bytes``, chunked: no Content-Length tells the
        client in advance, only counting what it reads can stop it."""
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        item = sent = 0
        try:
            await response.write(_FEED_HEAD)
            sent += len(_FEED_HEAD)
            while sent < self.huge_bytes:
                chunk = bytearray()
                while len(chunk) < _CHUNK:
                    item += 1
                    chunk += (
                        f"<item><title>Endless item {item}</title>"
                        f"<link>https://endless.example/{item}</link>"
                        f"<description>{'orbit ' * 40}</description></item>\n"
                    ).encode()
                await response.write(bytes(chunk))
                sent += len(chunk)
            await response.write(b"</channel></rss>\n")
            await response.write_eof()
            self.huge_completed += 1
        except (ConnectionError, RuntimeError):
            pass  # the client stopped reading: what it should do
        finally:
            feed.bytes_sent += sent
        return response
