"""What a server says about how often to ask: HTTP caching headers and the feed's own hints.

Read into :class:`schemas.FeedHints`, which the scheduler (:mod:`connectors.adaptive`) turns
into a floor on the polling interval and into hours/days to skip. Pure functions, no IO.

Hostile or broken values never shorten the interval and never stop polling for good:

* unreadable values are ignored (as if absent);
* freshness is capped at :data:`HINT_CAP` (a server asking for a month is more likely
  misconfigured than meaning it; the same cap as ``Retry-After``);
* ``skipHours`` listing all 24 hours (or ``skipDays`` all seven days) would mean "never";
  it is ignored rather than obeyed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from connectors.parse import ParsedFeed
from orbitwatch.core.http import MAX_RETRY_AFTER
from schemas import FeedHints

HINT_CAP = MAX_RETRY_AFTER  # longest freshness taken literally (24 h)

_MAX_AGE = re.compile(r"^\s*max-age\s*=\s*\"?\s*(-?\d+)\s*\"?\s*$", re.IGNORECASE)
_INTEGER = re.compile(r"^\s*(-?\d{1,12})\s*$")
_PERIODS = {
    "hourly": 3600.0,
    "daily": 86400.0,
    "weekly": 7 * 86400.0,
    "monthly": 30 * 86400.0,
    "yearly": 365 * 86400.0,
}
_DAYS = {
    name: index
    for index, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _http_date(value: str | None) -> datetime | None:
    if not value or not value.strip():
        return None
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def cache_control_max_age(value: str | None) -> float | None:
    """Seconds of freshness from ``Cache-Control``; None when it gives none.

    ``no-cache``/``no-store`` (and ``max-age=0``) mean "revalidate every time": that
    allows a conditional request whenever we like, so they set no floor. ``s-maxage`` is
    for shared caches; we are a private client. Two different ``max-age`` values make the
    header invalid (RFC 9111, 4.2.1: treat as stale): no floor either."""
    if not value:
        return None
    ages: set[int] = set()
    for directive in value.split(","):
        name = directive.split("=", 1)[0].strip().lower()
        if name in ("no-cache", "no-store"):
            return None
        if name == "max-age":
            match = _MAX_AGE.match(directive)
            if not match:
                return None  # max-age=abc: unreadable, ignored
            ages.add(int(match.group(1)))
    if len(ages) != 1:
        return None
    age = ages.pop()
    if age <= 0:
        return None
    return min(float(age), HINT_CAP)


def http_freshness(headers: Mapping[str, str], now: datetime) -> tuple[float, str] | None:
    """Seconds the response stays fresh and which header says so, or None.

    ``max-age`` wins over ``Expires`` (RFC 9111); ``Age`` (time already spent in caches
    upstream) is subtracted. ``Expires`` is measured against the server's ``Date`` when
    there is one, so that a wrong clock on either side does not matter."""
    cache_control = _header(headers, "Cache-Control")
    age_match = _INTEGER.match(_header(headers, "Age") or "")
    already = max(0, int(age_match.group(1))) if age_match else 0
    max_age = cache_control_max_age(cache_control)
    if max_age is not None:
        fresh = max_age - already
        if fresh <= 0:
            return None
        return min(fresh, HINT_CAP), f"Cache-Control max-age={int(max_age)}"
    if cache_control and any(
        d.split("=", 1)[0].strip().lower() in ("no-cache", "no-store", "max-age")
        for d in cache_control.split(",")
    ):
        return None  # Cache-Control decides; Expires is only for caches that ignore it
    expires_text = _header(headers, "Expires")
    expires = _http_date(expires_text)
    if expires is None:
        return None  # absent, "0", "-1" or garbage: already expired, no floor
    reference = _http_date(_header(headers, "Date")) or now
    fresh = (expires - reference).total_seconds() - already
    if fresh <= 0:
        return None
    return min(fresh, HINT_CAP), "Expires"


def rss_ttl(value: str | None) -> float | None:
    """RSS ``<ttl>`` (minutes) in seconds; None for absent, zero, negative or garbage."""
    match = _INTEGER.match(value or "")
    if not match:
        return None
    minutes = int(match.group(1))
    if minutes <= 0:
        return None
    return min(minutes * 60.0, HINT_CAP)


def update_period(period: str | None, frequency: str | None) -> float | None:
    """``sy:updatePeriod`` / ``sy:updateFrequency`` in seconds (the module's defaults:
    daily, once). An unknown period is ignored; a frequency that is not a positive integer
    counts as 1."""
    if period is None and frequency is None:
        return None
    seconds = _PERIODS.get((period or "daily").strip().lower())
    if seconds is None:
        return None
    match = _INTEGER.match(frequency or "")
    times = int(match.group(1)) if match else 1
    if times <= 0:
        times = 1
    return min(seconds / times, HINT_CAP)


def skip_hours(values: Sequence[str]) -> list[int]:
    """RSS ``skipHours`` as UTC hours 0-23 (24 read as midnight); all 24 -> none."""
    hours: set[int] = set()
    for value in values:
        match = _INTEGER.match(value)
        if match and 0 <= int(match.group(1)) <= 24:
            hours.add(int(match.group(1)) % 24)
    return [] if len(hours) >= 24 else sorted(hours)


def skip_days(values: Sequence[str]) -> list[int]:
    """RSS ``skipDays`` as weekday numbers (0 = Monday); all seven -> none."""
    days = {_DAYS[v.strip().lower()] for v in values if v.strip().lower() in _DAYS}
    return [] if len(days) >= 7 else sorted(days)


def read_hints(
    headers: Mapping[str, str],
    now: datetime,
    parsed: ParsedFeed | None,
    previous: FeedHints | None = None,
) -> FeedHints:
    """The hints of one response. On a 304 (``parsed`` None: no document was sent) the
    last document's ttl, update period and skip lists still stand; HTTP headers always
    come from this response."""
    if parsed is None:
        base = previous or FeedHints()
        hints = FeedHints(
            ttl_s=base.ttl_s,
            update_period_s=base.update_period_s,
            skip_hours=list(base.skip_hours),
            skip_days=list(base.skip_days),
        )
    else:
        hints = FeedHints(
            ttl_s=rss_ttl(parsed.ttl),
            update_period_s=update_period(parsed.update_period, parsed.update_frequency),
            skip_hours=skip_hours(parsed.skip_hours),
            skip_days=skip_days(parsed.skip_days),
        )
    floors: list[tuple[float, str]] = []
    fresh = http_freshness(headers, now)
    if fresh is not None:
        floors.append(fresh)
    if hints.ttl_s is not None:
        floors.append((hints.ttl_s, f"RSS ttl={int(hints.ttl_s // 60)}"))
    if floors:
        seconds, reason = max(floors)
        hints.not_before = now + timedelta(seconds=seconds)
        hints.not_before_reason = reason
    return hints
