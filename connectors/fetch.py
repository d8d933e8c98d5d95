"""HTTP for feeds: conditional GET, compression, timeouts, size and redirect limits.

One :class:`Fetcher` is shared by all feeds (it pools connections). Every failure leaves
as one of the named errors in :mod:`connectors.errors`; nothing aiohttp-specific escapes.
Politeness (how often, how many at once per host) is the scheduler's business, not this
module's.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin

import aiohttp

from connectors.errors import (
    ConnectionFailed,
    EmptyBody,
    FeedError,
    FetchTimeout,
    ForbiddenAddress,
    HttpStatusError,
    InvalidFeedUrl,
    TooLarge,
    TooManyRedirects,
)
from orbitwatch.core import __version__
from orbitwatch.core.addresses import (
    ForbiddenResolution,
    NonPublicUrl,
    NotHttpUrl,
    PublicOnlyResolver,
    check_http_url,
)
from orbitwatch.core.http import parse_retry_after

PROJECT_URL = "https://github.com/orbitwatch/orbitwatch"
USER_AGENT = f"orbitwatch/{__version__} (+{PROJECT_URL}; RSS/Atom monitor)"

_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
# Response headers kept in FetchResult.headers: caching hints for the scheduler
# (connectors/hints.py) and Link, where WebSub hubs are announced.
KEPT_HEADERS = ("Cache-Control", "Expires", "Date", "Age", "Link")


@dataclass(frozen=True)
class FetchLimits:
    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # longest silence between two reads
    total_timeout: float = 60.0  # the whole poll, redirects included: stops slow drips
    max_bytes: int = 8 * 1024 * 1024  # after decompression: stops gzip bombs too
    max_redirects: int = 5
    max_connections: int = 100
    user_agent: str = USER_AGENT


@dataclass(frozen=True)
class Validators:
    """HTTP cache validators from the previous successful fetch."""

    etag: str | None = None
    last_modified: str | None = None

    def request_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class FetchResult:
    requested_url: str
    url: str  # after redirects; relative links in the document resolve against it
    status: int
    body: bytes
    validators: Validators
    content_type: str | None = None
    content_language: str | None = None
    redirects: list[tuple[int, str]] = field(default_factory=list)
    elapsed: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)  # KEPT_HEADERS that were sent
    links: tuple[str, ...] = ()  # Link header values (WebSub discovery reads rel=hub/self)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def permanent_redirect(self) -> str | None:
        """The new address when every hop was permanent (301/308): worth updating the list."""
        if self.redirects and all(status in (301, 308) for status, _ in self.redirects):
            return self.url
        return None


def _kept_headers(response: aiohttp.ClientResponse) -> dict[str, str]:
    kept = {}
    for name in KEPT_HEADERS:
        values = response.headers.getall(name, [])
        if values:
            kept[name] = ", ".join(v[:2000] for v in values[:20])
    return kept


def _check_url(url: str, allow_private: bool) -> None:
    try:
        check_http_url(url, allow_private)
    except NonPublicUrl as exc:
        raise ForbiddenAddress(str(exc)) from exc
    except NotHttpUrl as exc:
        raise InvalidFeedUrl(str(exc)) from exc


class Fetcher:
    """Fetches feed documents. Use as an async context manager, or call :meth:`close`."""

    def __init__(self, limits: FetchLimits | None = None) -> None:
        self.limits = limits or FetchLimits()
        self._public: aiohttp.ClientSession | None = None
        self._private: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        for session in (self._public, self._private):
            if session is not None:
                await session.close()
        self._public = self._private = None

    def _session(self, allow_private: bool) -> aiohttp.ClientSession:
        # Two sessions: the resolver is per connector, and the address rule depends on
        # the feed. Feeds that allow private addresses are rare (local/demo feeds).
        if allow_private and self._private is not None:
            return self._private
        if not allow_private and self._public is not None:
            return self._public
        limits = self.limits
        connector = aiohttp.TCPConnector(
            limit=limits.max_connections,
            ttl_dns_cache=300,
            resolver=None if allow_private else PublicOnlyResolver(),
        )
        session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=None, connect=limits.connect_timeout, sock_read=limits.read_timeout
            ),
            headers={
                "User-Agent": limits.user_agent,
                "Accept": _ACCEPT,
                "Accept-Encoding": "gzip, deflate",
            },
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
            auto_decompress=True,
        )
        if allow_private:
            self._private = session
        else:
            self._public = session
        return session

    async def fetch(
        self, url: str, *, validators: Validators | None = None, allow_private: bool = False
    ) -> FetchResult:
        """GET ``url`` following redirects; raise a :class:`FeedError` on any failure."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.limits.total_timeout):
                result = await self._fetch(url, validators or Validators(), allow_private)
        except FeedError:
            raise
        except TimeoutError as exc:
            raise FetchTimeout(
                f"no complete response within the time limits "
                f"(connect {self.limits.connect_timeout:g}s, read {self.limits.read_timeout:g}s, "
                f"total {self.limits.total_timeout:g}s)"
            ) from exc
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, ForbiddenResolution):
                raise ForbiddenAddress(str(exc.os_error)) from exc
            raise ConnectionFailed(
                f"cannot connect to {exc.host}:{exc.port}: {exc.strerror or exc}"
            ) from exc
        except aiohttp.InvalidURL as exc:
            raise InvalidFeedUrl(f"invalid URL: {exc}") from exc
        except aiohttp.ClientPayloadError as exc:
            raise ConnectionFailed(f"broken response body: {exc}") from exc
        except aiohttp.ClientResponseError as exc:
            raise ConnectionFailed(f"malformed HTTP response: {exc.message}") from exc
        except aiohttp.ClientError as exc:
            raise ConnectionFailed(f"{type(exc).__name__}: {exc}") from exc
        except OSError as exc:
            raise ConnectionFailed(f"{type(exc).__name__}: {exc}") from exc
        return dataclasses.replace(result, elapsed=time.monotonic() - started)

    async def _fetch(self, url: str, validators: Validators, allow_private: bool) -> FetchResult:
        session = self._session(allow_private)
        current = url
        visited = [url]
        redirects: list[tuple[int, str]] = []
        while True:
            _check_url(current, allow_private)
            async with session.get(
                current, headers=validators.request_headers(), allow_redirects=False
            ) as response:
                status = response.status
                if status in _REDIRECT_STATUSES:
                    location = response.headers.get("Location")
                    if not location:
                        raise HttpStatusError(status, f"HTTP {status} without a Location header")
                    target = urljoin(current, location.strip())
                    if target in visited:
                        chain = " -> ".join([*visited, target])
                        raise TooManyRedirects(f"redirect loop: {chain}")
                    if len(redirects) >= self.limits.max_redirects:
                        raise TooManyRedirects(
                            f"more than {self.limits.max_redirects} redirects from {url}"
                        )
                    redirects.append((status, target))
                    visited.append(target)
                    current = target
                    continue
                if status == 304:
                    return FetchResult(
                        url,
                        current,
                        304,
                        b"",
                        validators,
                        redirects=redirects,
                        headers=_kept_headers(response),
                    )
                if status >= 400 or status < 200:
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    reason = response.reason or ""
                    raise HttpStatusError(
                        status, f"HTTP {status} {reason}".strip(), retry_after=retry_after
                    )
                body = await self._read_limited(response)
                if not body.strip():
                    raise EmptyBody(f"HTTP {status} with an empty body")
                return FetchResult(
                    requested_url=url,
                    url=current,
                    status=status,
                    body=body,
                    validators=Validators(
                        etag=response.headers.get("ETag"),
                        last_modified=response.headers.get("Last-Modified"),
                    ),
                    content_type=response.headers.get("Content-Type"),
                    content_language=response.headers.get("Content-Language"),
                    redirects=redirects,
                    headers=_kept_headers(response),
                    links=tuple(response.headers.getall("Link", ())),
                )

    async def _read_limited(self, response: aiohttp.ClientResponse) -> bytes:
        limit = self.limits.max_bytes
        declared = response.content_length
        # Content-Length counts compressed bytes: a promise over the limit is refused early,
        # a small one proves nothing about the decompressed size, which is counted below.
        if declared is not None and declared > limit:
            raise TooLarge(f"Content-Length {declared} exceeds the limit of {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"body exceeds the limit of {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
