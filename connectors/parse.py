"""Feed documents -> plain entries, with feedparser, off the event loop.

feedparser handles RSS 0.9x/1.0/2.0, RDF and Atom, encodings (declared, HTTP charset, BOM,
and a windows-1252 fallback) and broken XML (a lenient second pass). It is synchronous and
a large feed takes seconds, so :class:`ParserPool` runs it in worker processes.

What leaves this module is :class:`ParsedFeed`: small, picklable dataclasses holding raw
(still HTML) text. Turning entries into articles is :mod:`connectors.normalize`'s job.
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import io
import multiprocessing
import re
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any

import feedparser
from feedparser.exceptions import NonXMLContentType

from connectors.errors import EmptyBody, FeedError, NotAFeed, ParseFailed
from connectors.mojibake import repair_mojibake
from connectors.xmlguard import refuse_entity_declarations

# The first markup of an HTML page, after an optional BOM, XML declaration, comments or
# whitespace: enough to tell "the site served its home page" from a broken feed.
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    rb"<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)
_ABSOLUTE_HTTP = re.compile(r"^https?://", re.IGNORECASE)
_HTML_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
# feedparser keeps only the last <hour>/<day> of skipHours/skipDays: read them directly.
_SKIP_BLOCK = {
    "hour": re.compile(rb"<skipHours\b[^>]*>(.*?)</skipHours>", re.IGNORECASE | re.DOTALL),
    "day": re.compile(rb"<skipDays\b[^>]*>(.*?)</skipDays>", re.IGNORECASE | re.DOTALL),
}
_SKIP_ITEM = {
    name: re.compile(rb"<" + name.encode() + rb"\b[^>]*>\s*([^<]{0,20}?)\s*</" + name.encode())
    for name in ("hour", "day")
}


@dataclass
class RawEntry:
    guid: str | None = None
    link: str | None = None
    title: str = ""
    summary: str = ""  # may hold HTML
    content: str | None = None  # may hold HTML
    published: datetime | None = None  # UTC
    updated: datetime | None = None  # UTC
    date_text: str | None = None  # the original date string, when no date could be read
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    language: str | None = None  # xml:lang of the entry's text
    base: str | None = None  # xml:base in effect for the entry


@dataclass
class ParsedFeed:
    version: str  # feedparser's name, e.g. rss20, rss10, rss091u, atom10
    title: str = ""
    link: str | None = None
    language: str | None = None
    encoding: str | None = None
    entries: list[RawEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # recoverable oddities (bozo)
    repaired_mojibake: bool = False
    # The document's own polling hints, raw (connectors/hints.py reads them).
    ttl: str | None = None
    update_period: str | None = None  # sy:updatePeriod
    update_frequency: str | None = None  # sy:updateFrequency
    skip_hours: list[str] = field(default_factory=list)
    skip_days: list[str] = field(default_factory=list)
    # Feed-level (rel, href) links, e.g. atom:link rel="hub"/"self" for WebSub discovery.
    links: list[tuple[str, str]] = field(default_factory=list)


def _struct_to_utc(value: Any) -> datetime | None:
    # feedparser's *_parsed values are struct_time already converted to UTC.
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _text_to_utc(value: str | None) -> datetime | None:
    """Second chance for dates feedparser could not read: RFC 822 and ISO 8601."""
    if not value:
        return None
    value = value.strip()
    candidates: list[datetime | None] = []
    with contextlib.suppress(TypeError, ValueError, IndexError):
        candidates.append(parsedate_to_datetime(value))
    with contextlib.suppress(ValueError):
        candidates.append(datetime.fromisoformat(value.replace("Z", "+00:00")))
    for candidate in candidates:
        if candidate is not None:
            if candidate.tzinfo is None:
                candidate = candidate.replace(tzinfo=UTC)
            return candidate.astimezone(UTC)
    return None


class _Repairer:
    """Applies mojibake repair and remembers whether it changed anything."""

    def __init__(self) -> None:
        self.changed = False

    def __call__(self, text: str | None) -> str:
        if not text:
            return ""
        fixed = repair_mojibake(text)
        if fixed != text:
            self.changed = True
        return fixed


def _detail_language(entry: Any) -> str | None:
    for key in ("title_detail", "summary_detail"):
        detail = entry.get(key)
        if detail and detail.get("language"):
            return str(detail["language"])
    for content in entry.get("content") or []:
        if content.get("language"):
            return str(content["language"])
    return None


def _detail_base(entry: Any) -> str | None:
    for key in ("title_detail", "summary_detail"):
        detail = entry.get(key)
        if detail and detail.get("base"):
            return str(detail["base"])
    return None


def _entry(raw: Any, fix: _Repairer) -> RawEntry:
    contents = [c.get("value", "") for c in raw.get("content") or [] if c.get("value")]
    published = _struct_to_utc(raw.get("published_parsed")) or _text_to_utc(raw.get("published"))
    # dict.get: FeedParserDict.get("updated_parsed") falls back to published_parsed, with a
    # deprecation warning; the real value (or None) is what we want.
    updated = _struct_to_utc(dict.get(raw, "updated_parsed")) or _text_to_utc(
        dict.get(raw, "updated")
    )
    date_text = None
    if published is None and updated is None:
        date_text = raw.get("published") or raw.get("updated") or None
    authors = [fix(a.get("name", "")) for a in raw.get("authors") or [] if a.get("name")]
    if not authors and raw.get("author"):
        authors = [fix(raw.get("author"))]
    guid = (raw.get("id") or "").strip() or None
    link = (raw.get("link") or "").strip() or None
    if link is not None and link == guid and not _ABSOLUTE_HTTP.match(link):
        # feedparser copies a permalink GUID into a missing <link>; "12345" is no link.
        link = None
    return RawEntry(
        guid=guid,
        link=link,
        title=fix(raw.get("title")),
        summary=fix(raw.get("summary")),
        content=fix("\n".join(contents)) or None,
        published=published,
        updated=updated,
        date_text=date_text,
        authors=authors,
        tags=[fix(t.get("term")) for t in raw.get("tags") or [] if t.get("term")],
        language=_detail_language(raw),
        base=_detail_base(raw),
    )


def _html_title(body: bytes) -> str:
    match = _HTML_TITLE.search(body[:65536])
    if not match:
        return ""
    return re.sub(r"\s+", " ", match.group(1).decode("utf-8", "replace")).strip()[:120]


def _skip_list(body: bytes, name: str) -> list[str]:
    # Channel elements come before the items; 256 KiB is plenty and bounds the work.
    block = _SKIP_BLOCK[name].search(body[: 256 * 1024])
    if not block:
        return []
    items = _SKIP_ITEM[name].findall(block.group(1))[:50]
    return [item.decode("ascii", "replace") for item in items]


def _text_or_none(value: Any) -> str | None:
    return str(value).strip()[:100] if isinstance(value, str) and value.strip() else None


def _feed_links(feed: Any) -> list[tuple[str, str]]:
    links = []
    for link in feed.get("links") or []:
        rel, href = link.get("rel"), (link.get("href") or "").strip()
        if isinstance(rel, str) and href:
            links.append((rel.lower(), href))
    return links


def parse_document(
    body: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    content_language: str | None = None,
) -> ParsedFeed:
    """Parse one feed document. Raise :class:`EmptyBody`, :class:`NotAFeed`,
    :class:`UnsafeDocument` or :class:`ParseFailed` when it yields nothing usable."""
    if not body.strip():
        raise EmptyBody("the document is empty")
    refuse_entity_declarations(body)

    headers: dict[str, str] = {}
    if url:
        headers["content-location"] = url
    if content_type:
        headers["content-type"] = content_type
    if content_language:
        headers["content-language"] = content_language
    # Our own text cleaning (nh3) runs later, so feedparser's sanitizer and relative-URI
    # rewriting inside HTML would be wasted work.
    result = feedparser.parse(
        io.BytesIO(body),
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    version = result.get("version") or ""
    raw_entries = result.get("entries") or []
    problems: list[str] = []
    exc = result.get("bozo_exception")
    # Without an HTTP Content-Type (local files) feedparser complains that there is none:
    # true, and nothing wrong with the document.
    no_header_noise = content_type is None and isinstance(exc, NonXMLContentType)
    if result.get("bozo") and not no_header_noise:
        problems.append(f"{type(exc).__name__}: {exc}" if exc else "malformed document")

    if not raw_entries:
        if _HTML_START.match(body[:4096]):
            title = _html_title(body)
            raise NotAFeed("an HTML page, not a feed" + (f" (title: {title!r})" if title else ""))
        if not version:
            detail = f": {problems[0]}" if problems else ""
            raise NotAFeed(f"not an RSS, RDF or Atom document{detail}")
        if problems:
            raise ParseFailed(f"{version} document with no readable entry: {problems[0]}")

    fix = _Repairer()
    feed = result.get("feed") or {}
    entries = [_entry(raw, fix) for raw in raw_entries]
    parsed = ParsedFeed(
        version=version or "unknown",
        title=fix(feed.get("title")),
        link=(feed.get("link") or "").strip() or None,
        language=feed.get("language") or None,
        encoding=result.get("encoding") or None,
        entries=entries,
        problems=problems,
        ttl=_text_or_none(feed.get("ttl")),
        update_period=_text_or_none(feed.get("sy_updateperiod")),
        update_frequency=_text_or_none(feed.get("sy_updatefrequency")),
        skip_hours=_skip_list(body, "hour"),
        skip_days=_skip_list(body, "day"),
        links=_feed_links(feed),
    )
    if fix.changed:
        parsed.repaired_mojibake = True
        parsed.problems.append("double-encoded UTF-8 (mojibake) text repaired")
    return parsed


def _parse_in_worker(
    body: bytes, url: str | None, content_type: str | None, content_language: str | None
) -> ParsedFeed:
    return parse_document(
        body, url=url, content_type=content_type, content_language=content_language
    )


class ParserPool:
    """Runs :func:`parse_document` in worker processes (or threads) with a time limit.

    Processes, not threads, by default: feedparser is pure Python, so threads would still
    compete for the GIL with the event loop that serves Kafka and HTTP.
    """

    def __init__(self, workers: int = 2, *, use_processes: bool = True, timeout: float = 60.0):
        self.workers = max(1, workers)
        self.use_processes = use_processes
        self.timeout = timeout
        self._executor: Executor | None = None

    def _get_executor(self) -> Executor:
        if self._executor is None:
            if self.use_processes:
                # spawn: forking a process that runs an event loop and client threads
                # copies their locks in whatever state they are in.
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
                )
            else:
                self._executor = ThreadPoolExecutor(
                    max_workers=self.workers, thread_name_prefix="feedparse"
                )
        return self._executor

    async def parse(
        self,
        body: bytes,
        *,
        url: str | None = None,
        content_type: str | None = None,
        content_language: str | None = None,
    ) -> ParsedFeed:
        loop = asyncio.get_running_loop()
        call = partial(_parse_in_worker, body, url, content_type, content_language)
        started = time.monotonic()
        try:
            return await asyncio.wait_for(
                loop.run_in_executor(self._get_executor(), call), self.timeout
            )
        except FeedError:
            raise
        except TimeoutError as exc:
            raise ParseFailed(f"parsing took longer than {self.timeout:g}s") from exc
        except BrokenProcessPool as exc:
            # A worker died (out of memory, killed): start fresh pools for the next feed.
            self.close(wait=False)
            raise ParseFailed("the parser process died while reading this document") from exc
        except Exception as exc:  # feedparser bug on a pathological document
            elapsed = time.monotonic() - started
            raise ParseFailed(
                f"parser error after {elapsed:.1f}s: {type(exc).__name__}: {exc}"
            ) from exc

    def close(self, *, wait: bool = True) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=True)
            self._executor = None
