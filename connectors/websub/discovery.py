"""Where a feed's hub is: WebSub discovery (W3C WebSub, section 4).

A publisher names its hub(s) and the topic's canonical (self) URL either in HTTP ``Link``
headers or in the document itself (``atom:link`` / ``<link rel="hub">``). The spec gives
the headers precedence; the document is read only when the headers name no hub. The topic
is the self URL, not the URL we fetched: a hub distributes by the publisher's URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

# One link-value of RFC 8288: <target> followed by ;-separated parameters. Commas may
# appear inside the <...> target, so the target is matched as a unit.
_LINK_VALUE = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]*)*)")
_REL_PARAM = re.compile(r"""(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))""", re.IGNORECASE)


@dataclass(frozen=True)
class Discovery:
    hubs: tuple[str, ...] = ()
    self_url: str | None = None

    @property
    def hub(self) -> str | None:
        """The hub we subscribe at: the first one named (one is enough to be pushed)."""
        return self.hubs[0] if self.hubs else None

    @property
    def pushable(self) -> bool:
        return bool(self.hubs) and self.self_url is not None


def parse_link_header(values: Iterable[str], base: str) -> list[tuple[str, str]]:
    """``(rel, absolute url)`` pairs from ``Link`` header values, one per relation type
    (``rel="hub self"`` names both)."""
    links: list[tuple[str, str]] = []
    for value in values:
        for match in _LINK_VALUE.finditer(value):
            target, params = match.group(1).strip(), match.group(2)
            rel = _REL_PARAM.search(params)
            if not rel or not target:
                continue
            for name in (rel.group(1) or rel.group(2) or "").split():
                links.append((name.lower(), urljoin(base, target)))
    return links


def _http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _unique(urls: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(u for u in urls if _http(u)))


def discover(
    header_links: Sequence[tuple[str, str]],
    document_links: Sequence[tuple[str, str]],
    document_url: str,
) -> Discovery:
    """Hubs and self URL from the headers first, the document second (per relation)."""

    def of(links: Sequence[tuple[str, str]], rel: str) -> tuple[str, ...]:
        return _unique(urljoin(document_url, href) for name, href in links if name == rel)

    hubs = of(header_links, "hub") or of(document_links, "hub")
    selves = of(header_links, "self") or of(document_links, "self")
    return Discovery(hubs=hubs, self_url=selves[0] if selves else None)
