"""HTTP details shared by every client of the project (feed fetcher, webhook delivery,
Elasticsearch sink)."""

from __future__ import annotations

import re
import time
from datetime import UTC
from email.utils import parsedate_to_datetime

# Longest Retry-After we take literally; a server asking for a week is more likely wrong.
MAX_RETRY_AFTER = 24 * 3600.0
_SECONDS = re.compile(r"\d+(\.\d+)?")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta seconds or an HTTP date (``now``
    is the current Unix time, for tests), at most :data:`MAX_RETRY_AFTER`; None when the
    header is absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if _SECONDS.fullmatch(value):
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return min(max(when.timestamp() - current, 0.0), MAX_RETRY_AFTER)
