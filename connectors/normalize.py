"""Feed entries -> :class:`schemas.Article`: stable ids, clean text, UTC dates, language.

Article identity
----------------
The id is the first 32 hex digits (128 bits) of the SHA-256 of an identity key:

* ``url:<canonical URL>`` when the GUID is an absolute http(s) URL, or else the entry has a
  link. **Not scoped by feed**: a URL names one document whichever feed carries it (a
  site's "world" and "top stories" feeds often list the same article), so both copies get
  one id and Elasticsearch holds one document. GUID URLs keep their fragment
  (``/2003/06/03.html#item573`` and ``#item574`` are different entries); links lose it.
* ``guid:<feed id>:<guid>`` for other GUIDs (``12345``, ``tag:...``, URNs). **Scoped by
  feed**: RSS only promises a GUID is unique within its feed, and small numbers collide.
* ``hash:<feed id>:<title>|<text>|<date>`` when there is neither. Scoped by feed too:
  generic titles ("Daily briefing") recur across unrelated feeds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from connectors.feedlist import FeedConfig
from connectors.parse import ParsedFeed, RawEntry
from connectors.textclean import html_to_text, truncate
from schemas import Article, FeedRef

ID_HEX_DIGITS = 32
SUMMARY_MAX_CHARS = 2_000
CONTENT_MAX_CHARS = 100_000
TITLE_MAX_CHARS = 500
# Publication dates later than the fetch by more than this are not believed (clock skew of
# a few minutes is normal; "2099-01-01" is a publisher's bug).
FUTURE_TOLERANCE = timedelta(minutes=10)
LANGUAGE_MIN_CONFIDENCE = 0.5

_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ocid",
        "cmpid",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "rss",
        "rssfeed",
        "feedtype",
        "cmp",
    }
)
_TRACKING_PREFIXES = ("utm_", "at_", "ns_", "pk_", "mtm_", "hsa_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


# --- URLs ---------------------------------------------------------------------------------


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def canonical_url(
    url: str | None, base: str | None = None, *, keep_fragment: bool = False
) -> str | None:
    """Absolute http(s) URL with tracking parameters and the fragment removed, scheme and
    host lowercased, default port dropped. None when it is not an http(s) URL."""
    if not url:
        return None
    url = url.strip()
    if base and not _is_http_url(url):  # most links are absolute: skip the costly join
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, v) for k, v in pairs if not _is_tracking(k)])
    fragment = parts.fragment if keep_fragment else ""
    return urlunsplit((scheme, netloc, parts.path or "/", query, fragment))


_HTTP_URL = re.compile(r"^https?://[^\s/]+", re.IGNORECASE)


def _is_http_url(value: str) -> bool:
    return bool(_HTTP_URL.match(value))


# --- Identity ------------------------------------------------------------------------------


def identity_key(entry: RawEntry, feed_id: str, link: str | None) -> str:
    """The string an article id is the hash of (see the module docstring)."""
    guid = (entry.guid or "").strip()
    if guid and _is_http_url(guid):
        canonical_guid = canonical_url(guid, keep_fragment=True)
        if canonical_guid:
            return f"url:{canonical_guid}"
    if guid:
        return f"guid:{feed_id}:{guid}"
    if link:
        return f"url:{link}"
    date = entry.published or entry.updated
    body = entry.summary or entry.content or ""
    return f"hash:{feed_id}:{entry.title.strip()}|{body.strip()}|{date.isoformat() if date else ''}"


def article_id(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:ID_HEX_DIGITS]


# --- Language -------------------------------------------------------------------------------


def normalize_language(value: str | None) -> str | None:
    """``en-US``, ``en_us``, ``zh-Hans``, ``IT-it`` -> ``en``, ``en``, ``zh``, ``it``."""
    if not value:
        return None
    code = re.split(r"[-_\s]", value.strip().lower(), maxsplit=1)[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


@lru_cache(maxsize=1)
def _language_identifier() -> Any:
    # Loading the model takes about half a second: once per process, on first use.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text`` when the detector is confident, else None."""
    sample = text[:1000]
    if sum(ch.isalpha() for ch in sample) < 12:
        return None
    code, probability = _language_identifier().classify(sample)
    return str(code) if probability >= LANGUAGE_MIN_CONFIDENCE else None


# --- Dates ------------------------------------------------------------------------------------


def publication_time(entry: RawEntry, fetched_at: datetime) -> datetime:
    """The entry's date in UTC; fetch time when it has none or claims to be from the future."""
    date = entry.published or entry.updated
    if date is None or date > fetched_at + FUTURE_TOLERANCE:
        return fetched_at
    return date


# --- Entries -> articles --------------------------------------------------------------------


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        cleaned = html_to_text(value)
        if cleaned and cleaned.lower() not in (s.lower() for s in seen):
            seen[cleaned] = None
    return list(seen)


def normalize_entry(
    entry: RawEntry,
    feed: FeedConfig,
    parsed: ParsedFeed,
    *,
    fetched_at: datetime,
    document_url: str | None = None,
    content_language: str | None = None,
) -> Article | None:
    """One entry as an Article, or None when it carries nothing to show (no title, link or
    text at all)."""
    base = entry.base or document_url or parsed.link or feed.url
    link = canonical_url(entry.link, base)
    if link is None and entry.guid and _is_http_url(entry.guid):
        link = canonical_url(entry.guid)  # RSS permalink GUIDs stand in for a missing link
    title = truncate(html_to_text(entry.title), TITLE_MAX_CHARS)
    summary_text = html_to_text(entry.summary, keep_paragraphs=True)
    content_text = html_to_text(entry.content, keep_paragraphs=True) if entry.content else ""
    if not (title or link or summary_text or content_text):
        return None
    if not summary_text and content_text:
        summary_text = content_text
    content: str | None = truncate(content_text, CONTENT_MAX_CHARS) if content_text else None
    if (
        content is not None
        and content.startswith(summary_text[:200])
        and len(content) <= len(summary_text)
    ):
        content = None  # same text twice adds nothing
    summary = truncate(summary_text, SUMMARY_MAX_CHARS)

    language = (
        normalize_language(entry.language)
        or feed.language
        or normalize_language(parsed.language)
        or normalize_language(content_language)
        or detect_language(f"{title}\n{summary}")
    )
    source = FeedRef(
        feed_id=feed.id,
        name=feed.name,
        url=feed.url,
        site_url=canonical_url(parsed.link, document_url or feed.url) if parsed.link else None,
        language=feed.language,
        tags=list(feed.tags),
    )
    return Article(
        id=article_id(identity_key(entry, feed.id, link)),
        feed_id=feed.id,
        url=link,
        title=title,
        summary=summary,
        content=content,
        published_at=publication_time(entry, fetched_at),
        fetched_at=fetched_at,
        language=language,
        authors=_unique(entry.authors),
        tags=_unique(entry.tags),
        source=source,
    )


def normalize_feed(
    parsed: ParsedFeed,
    feed: FeedConfig,
    *,
    fetched_at: datetime,
    document_url: str | None = None,
    content_language: str | None = None,
) -> list[Article]:
    """Every usable entry as an Article, in feed order, one article per id (a feed that
    lists the same GUID twice yields it once: the first occurrence, usually the newest)."""
    articles: dict[str, Article] = {}
    for entry in parsed.entries:
        article = normalize_entry(
            entry,
            feed,
            parsed,
            fetched_at=fetched_at,
            document_url=document_url,
            content_language=content_language,
        )
        if article is not None and article.id not in articles:
            articles[article.id] = article
    return list(articles.values())
