"""Which network addresses a feed or a webhook may live on.

Feed URLs come from configuration and from redirects chosen by remote servers, so a feed
(or a hostile redirect) could point the connector at the machine itself or the internal
network; webhook URLs likewise. Unless a feed is marked ``allow_private`` (or webhooks are
allowed private addresses), only globally routable addresses are allowed. Host names are
checked on the *resolved* addresses, inside the HTTP client's resolver, so the address that
is checked is the address that is connected to (no DNS-rebinding gap); IP literals never
reach the resolver and are checked on the URL (:func:`check_http_url`).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver


def is_public_address(address: str) -> bool:
    """True for globally routable unicast addresses; False for loopback, private (RFC 1918,
    ULA), link-local, carrier-grade NAT, multicast, reserved and unspecified ones."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return ip.is_global and not ip.is_multicast


def literal_ip(host: str) -> str | None:
    """The host as an IP address string when it is an IP literal, else None."""
    try:
        return str(ipaddress.ip_address(host.strip("[]").split("%", 1)[0]))
    except ValueError:
        return None


class UnsafeUrl(ValueError):
    """A URL the project must not connect to; callers re-raise it as their own error."""


class NotHttpUrl(UnsafeUrl):
    """Not an absolute http(s) URL."""


class NonPublicUrl(UnsafeUrl):
    """The URL's host is an IP literal of a non-public address."""

    def __init__(self, url: str, address: str) -> None:
        super().__init__(f"{url!r} points at the non-public address {address}")
        self.address = address


def check_http_url(url: str, allow_private: bool) -> None:
    """Raise :class:`NotHttpUrl` or :class:`NonPublicUrl` for a URL the project must not
    connect to. Only IP literals are checked for the address: they never reach the resolver,
    host names are checked there (:class:`PublicOnlyResolver`)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotHttpUrl(f"{url!r} must be http(s)://host/...")
    address = literal_ip(parts.hostname)
    if address is not None and not allow_private and not is_public_address(address):
        raise NonPublicUrl(url, address)


class ForbiddenResolution(OSError):
    """Raised inside the resolver; an OSError so aiohttp wraps it as a connector error that
    the fetcher unwraps into :class:`connectors.errors.ForbiddenAddress`."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} resolves to non-public address {address}")
        self.host = host
        self.address = address


class PublicOnlyResolver(AbstractResolver):
    """Resolves like the default resolver, then refuses when *any* address is non-public
    (a name with one public and one private address is as dangerous as a private one)."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            if not is_public_address(result["host"]):
                raise ForbiddenResolution(host, result["host"])
        return results

    async def close(self) -> None:
        await self._inner.close()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"PublicOnlyResolver({self._inner!r})"
