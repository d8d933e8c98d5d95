"""Named failures of one feed poll.

Every way a poll can fail maps to one of these, so health reports and the scheduler can
say *what* went wrong (``kind``) and decide *whether to hurry back* (``retriable``) without
reading message text. A broken feed raises one of these; the other feeds go on.
"""

from __future__ import annotations

from orbitwatch.core.errors import OrbitwatchError


class FeedError(OrbitwatchError):
    """Base of every per-feed failure. ``kind`` is the short name shown in health tables."""

    kind: str = "feed_error"
    retriable: bool = False


# --- Network -------------------------------------------------------------------------------


class FetchTimeout(FeedError):
    """Connecting, reading or the whole request took longer than allowed (slow drip too)."""

    kind = "timeout"
    retriable = True


class ConnectionFailed(FeedError):
    """DNS failure, refused connection, reset, TLS failure: the host could not be talked to."""

    kind = "connection"
    retriable = True


class HttpStatusError(FeedError):
    """The server answered with a status that carries no feed (4xx other than 304, 5xx)."""

    kind = "http_status"

    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        # 408/425/429 and 5xx are transient by definition; 404, 410, 401, 403 are not.
        self.retriable = status >= 500 or status in (408, 425, 429)


class TooLarge(FeedError):
    """The body (after decompression) exceeded the configured maximum."""

    kind = "too_large"


class TooManyRedirects(FeedError):
    """More redirects than allowed, or a redirect loop."""

    kind = "redirects"


class ForbiddenAddress(FeedError):
    """The URL resolves to a loopback, private, link-local or otherwise non-public address,
    and the feed is not marked ``allow_private``."""

    kind = "forbidden_address"


class InvalidFeedUrl(FeedError):
    """The URL (or a redirect target) is not an absolute http(s) URL."""

    kind = "invalid_url"


# --- Content -------------------------------------------------------------------------------


class EmptyBody(FeedError):
    """The server answered 200 with nothing (or only whitespace) in the body."""

    kind = "empty_body"
    retriable = True  # often a transient glitch of a caching proxy


class NotAFeed(FeedError):
    """The document is something else, typically an HTML page served at the feed address."""

    kind = "not_a_feed"


class UnsafeDocument(FeedError):
    """The document declares XML entities (entity-expansion bombs, external entities)."""

    kind = "unsafe_xml"


class ParseFailed(FeedError):
    """The document looks like a feed but no usable entry could be read from it."""

    kind = "parse_failed"


class InternalError(FeedError):
    """A bug met while handling this feed. Reported like any feed failure (with the
    traceback in the log) so that one odd document cannot stop the other feeds."""

    kind = "internal"
