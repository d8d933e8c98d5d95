"""HTTP fetching against a real local aiohttp server on 127.0.0.1 (allow_private for loopback)."""

from __future__ import annotations

import asyncio
import gzip
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from aiohttp import web

from connectors.errors import (
    ConnectionFailed,
    EmptyBody,
    FetchTimeout,
    ForbiddenAddress,
    HttpStatusError,
    InvalidFeedUrl,
    TooLarge,
    TooManyRedirects,
)
from connectors.fetch import USER_AGENT, Fetcher, FetchLimits, Validators

pytestmark = pytest.mark.unit

Handler = Callable[[web.Request], Awaitable[web.Response]]

FEED = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"
LIMITS = FetchLimits(
    connect_timeout=2.0, read_timeout=0.5, total_timeout=1.5, max_bytes=100_000, max_redirects=3
)


class Server:
    def __init__(self) -> None:
        self.requests: list[web.Request] = []
        self.port = 0
        self.app = web.Application()
        self.app.middlewares.append(self._record)
        r = self.app.router
        r.add_get("/feed", self.feed)
        r.add_get("/gzip", self.gzipped)
        r.add_get("/big", self.big)
        r.add_get("/big-chunked", self.big_chunked)
        r.add_get("/gzip-bomb", self.gzip_bomb)
        r.add_get("/slow-drip", self.slow_drip)
        r.add_get("/stall", self.stall)
        r.add_get("/loop-a", self.redirects_to("/loop-b"))
        r.add_get("/loop-b", self.redirects_to("/loop-a"))
        r.add_get("/chain/{n}", self.chain)
        r.add_get("/moved", self.redirects_to("/feed", 301))
        r.add_get("/no-location", self.answers(web.Response(status=302)))
        r.add_get("/to-ftp", self.redirects_to("ftp://example.com/feed"))
        r.add_get("/status/{code}", self.status)
        r.add_get("/retry-date", self.retry_date)
        r.add_get("/empty", self.answers(web.Response(body=b"")))

    @web.middleware
    async def _record(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        self.requests.append(request)
        return await handler(request)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    async def feed(self, request: web.Request) -> web.Response:
        etag, modified = '"v1"', "Tue, 11 Mar 2025 09:30:00 GMT"
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        headers = {"ETag": etag, "Last-Modified": modified}
        return web.Response(body=FEED, headers=headers, content_type="application/rss+xml")

    async def gzipped(self, request: web.Request) -> web.Response:
        response = web.Response(body=FEED * 200, content_type="application/rss+xml")
        response.enable_compression()
        return response

    async def big(self, request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 200_000)

    async def big_chunked(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(50):
            await response.write(b"<item>" + b"x" * 10_000 + b"</item>")
        return response

    async def gzip_bomb(self, request: web.Request) -> web.Response:
        body = gzip.compress(b"\0" * 5_000_000)  # ~5 KB on the wire
        return web.Response(body=body, headers={"Content-Encoding": "gzip"})

    async def slow_drip(self, request: web.Request) -> web.StreamResponse:
        # One byte every 0.2 s: never silent long enough for the read timeout, so only the
        # total deadline can stop it.
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(100):
            await response.write(b" ")
            await asyncio.sleep(0.2)
        return response

    async def stall(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(b"<rss")
        await asyncio.sleep(3)
        return response

    def redirect(self, location: str, status: int = 302) -> web.Response:
        return web.Response(status=status, headers={"Location": location})

    def redirects_to(self, location: str, status: int = 302) -> Handler:
        async def handler(request: web.Request) -> web.Response:
            return self.redirect(location, status)

        return handler

    def answers(self, response: web.Response) -> Handler:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(status=response.status, body=response.body)

        return handler

    async def chain(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        return self.redirect(f"/chain/{n + 1}")

    async def status(self, request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        headers = {"Retry-After": "120"} if code in (429, 503) else {}
        return web.Response(status=code, text="nope", headers=headers)

    async def retry_date(self, request: web.Request) -> web.Response:
        when = datetime.now(UTC) + timedelta(minutes=10)
        return web.Response(status=503, headers={"Retry-After": format_datetime(when, usegmt=True)})


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    srv = Server()
    runner = web.AppRunner(srv.app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    srv.port = int(runner.addresses[0][1])
    yield srv
    await runner.cleanup()


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(LIMITS) as f:
        yield f


async def test_fetch_returns_body_validators_and_sends_identity(
    server: Server, fetcher: Fetcher
) -> None:
    result = await fetcher.fetch(server.url("/feed"), allow_private=True)
    assert result.status == 200 and result.body == FEED
    assert result.validators == Validators('"v1"', "Tue, 11 Mar 2025 09:30:00 GMT")
    request = server.requests[-1]
    assert request.headers["User-Agent"] == USER_AGENT
    assert "orbitwatch" in USER_AGENT and "https://" in USER_AGENT
    assert "gzip" in request.headers["Accept-Encoding"]


async def test_conditional_get_gives_304(server: Server, fetcher: Fetcher) -> None:
    first = await fetcher.fetch(server.url("/feed"), allow_private=True)
    second = await fetcher.fetch(
        server.url("/feed"), validators=first.validators, allow_private=True
    )
    assert second.not_modified and second.body == b""
    assert server.requests[-1].headers["If-None-Match"] == '"v1"'
    assert server.requests[-1].headers["If-Modified-Since"] == "Tue, 11 Mar 2025 09:30:00 GMT"


async def test_gzip_is_decompressed(server: Server, fetcher: Fetcher) -> None:
    result = await fetcher.fetch(server.url("/gzip"), allow_private=True)
    assert result.body == FEED * 200


@pytest.mark.parametrize("path", ["/big", "/big-chunked", "/gzip-bomb"])
async def test_bodies_over_the_limit_are_refused(
    server: Server, fetcher: Fetcher, path: str
) -> None:
    with pytest.raises(TooLarge):
        await fetcher.fetch(server.url(path), allow_private=True)


async def test_slow_drip_hits_the_total_deadline(server: Server, fetcher: Fetcher) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(FetchTimeout):
        await fetcher.fetch(server.url("/slow-drip"), allow_private=True)
    assert loop.time() - started < LIMITS.total_timeout + 1.0


async def test_stalled_body_hits_the_read_timeout(server: Server, fetcher: Fetcher) -> None:
    with pytest.raises(FetchTimeout):
        await fetcher.fetch(server.url("/stall"), allow_private=True)


async def test_redirect_loop_is_detected(server: Server, fetcher: Fetcher) -> None:
    with pytest.raises(TooManyRedirects, match="loop"):
        await fetcher.fetch(server.url("/loop-a"), allow_private=True)


async def test_redirect_limit(server: Server, fetcher: Fetcher) -> None:
    with pytest.raises(TooManyRedirects, match="more than 3"):
        await fetcher.fetch(server.url("/chain/0"), allow_private=True)


async def test_redirect_is_followed_and_permanent_move_reported(
    server: Server, fetcher: Fetcher
) -> None:
    result = await fetcher.fetch(server.url("/moved"), allow_private=True)
    assert result.body == FEED
    assert result.url == server.url("/feed")
    assert result.permanent_redirect == server.url("/feed")


async def test_redirect_without_location_or_to_other_scheme(
    server: Server, fetcher: Fetcher
) -> None:
    with pytest.raises(HttpStatusError):
        await fetcher.fetch(server.url("/no-location"), allow_private=True)
    with pytest.raises(InvalidFeedUrl):
        await fetcher.fetch(server.url("/to-ftp"), allow_private=True)


@pytest.mark.parametrize(
    ("code", "retriable"), [(404, False), (410, False), (403, False), (500, True), (502, True)]
)
async def test_http_errors_are_named(
    server: Server, fetcher: Fetcher, code: int, retriable: bool
) -> None:
    with pytest.raises(HttpStatusError) as info:
        await fetcher.fetch(server.url(f"/status/{code}"), allow_private=True)
    assert info.value.status == code
    assert info.value.retriable is retriable
    assert info.value.kind == "http_status"


@pytest.mark.parametrize("code", [429, 503])
async def test_retry_after_seconds(server: Server, fetcher: Fetcher, code: int) -> None:
    with pytest.raises(HttpStatusError) as info:
        await fetcher.fetch(server.url(f"/status/{code}"), allow_private=True)
    assert info.value.retry_after == 120
    assert info.value.retriable


async def test_retry_after_http_date(server: Server, fetcher: Fetcher) -> None:
    with pytest.raises(HttpStatusError) as info:
        await fetcher.fetch(server.url("/retry-date"), allow_private=True)
    assert info.value.retry_after is not None and 500 < info.value.retry_after <= 600


async def test_empty_body(server: Server, fetcher: Fetcher) -> None:
    with pytest.raises(EmptyBody):
        await fetcher.fetch(server.url("/empty"), allow_private=True)


async def test_loopback_ip_literal_is_forbidden_without_allow_private(
    server: Server, fetcher: Fetcher
) -> None:
    with pytest.raises(ForbiddenAddress):
        await fetcher.fetch(server.url("/feed"))
    assert server.requests == []  # refused before any connection


async def test_hostname_resolving_to_loopback_is_forbidden(
    server: Server, fetcher: Fetcher
) -> None:
    # The check runs on the resolved address, not on the host string.
    with pytest.raises(ForbiddenAddress, match=r"127\.0\.0\.1|::1"):
        await fetcher.fetch(server.url("/feed", host="localhost"))
    assert server.requests == []
    result = await fetcher.fetch(server.url("/feed", host="localhost"), allow_private=True)
    assert result.status == 200


async def test_connection_refused_is_connection_failed(fetcher: Fetcher) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ConnectionFailed) as info:
        await fetcher.fetch(f"http://127.0.0.1:{port}/feed", allow_private=True)
    assert info.value.retriable and info.value.kind == "connection"


async def test_unresolvable_host_is_connection_failed(fetcher: Fetcher) -> None:
    with pytest.raises((ConnectionFailed, FetchTimeout)):
        await fetcher.fetch("http://orbitwatch-test.invalid/feed")


@pytest.mark.parametrize("url", ["ftp://example.com/feed", "file:///etc/passwd", "/relative"])
async def test_non_http_urls_are_refused(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(InvalidFeedUrl):
        await fetcher.fetch(url)
