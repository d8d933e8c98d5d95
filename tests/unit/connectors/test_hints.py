"""Server hints: caching headers and the feed's own ttl/sy/skip elements, hostile values
included. A hint may lengthen the interval, never shorten it, never stop polling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.hints import (
    HINT_CAP,
    cache_control_max_age,
    http_freshness,
    read_hints,
    rss_ttl,
    skip_days,
    skip_hours,
    update_period,
)
from connectors.parse import ParsedFeed, parse_document
from schemas import FeedHints

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("max-age=300", 300.0),
        ("public, max-age=600", 600.0),
        ('max-age="120"', 120.0),
        ("max-age=0", None),
        ("max-age=-5", None),
        ("max-age=abc", None),
        ("max-age=99999999999", HINT_CAP),
        ("no-cache, max-age=600", None),
        ("no-store", None),
        ("max-age=60, max-age=120", None),  # conflicting: invalid, treated as stale
        ("max-age=60, max-age=60", 60.0),
        ("s-maxage=900", None),  # for shared caches only
        ("", None),
        (None, None),
    ],
)
def test_cache_control_max_age(value: str | None, expected: float | None) -> None:
    assert cache_control_max_age(value) == expected


def test_age_is_subtracted_and_max_age_wins_over_expires() -> None:
    headers = {
        "Cache-Control": "max-age=600",
        "Age": "200",
        "Expires": "Thu, 03 Dec 2026 14:00:00 GMT",
    }
    assert http_freshness(headers, NOW) == (400.0, "Cache-Control max-age=600")
    assert http_freshness({"Cache-Control": "max-age=100", "Age": "500"}, NOW) is None


def test_expires_is_measured_against_the_servers_date() -> None:
    # The server's clock is an hour behind ours: Expires is 10 minutes after its Date.
    headers = {
        "Date": "Thu, 03 Dec 2026 11:00:00 GMT",
        "Expires": "Thu, 03 Dec 2026 11:10:00 GMT",
    }
    assert http_freshness(headers, NOW) == (600.0, "Expires")
    assert http_freshness({"Expires": "Thu, 03 Dec 2026 12:05:00 GMT"}, NOW) == (300.0, "Expires")


@pytest.mark.parametrize(
    "expires",
    ["0", "-1", "yesterday", "Thu, 99 Foo 2026 99:00:00 GMT", "", "Thu, 03 Dec 1990 11:00:00 GMT"],
)
def test_garbage_or_past_expires_sets_no_floor(expires: str) -> None:
    assert http_freshness({"Expires": expires}, NOW) is None


def test_expires_far_away_is_capped() -> None:
    assert http_freshness({"Expires": "Fri, 01 Jan 2100 00:00:00 GMT"}, NOW) == (
        HINT_CAP,
        "Expires",
    )


def test_no_cache_overrides_expires() -> None:
    headers = {"Cache-Control": "no-cache", "Expires": "Thu, 03 Dec 2026 13:00:00 GMT"}
    assert http_freshness(headers, NOW) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", 1800.0),
        ("0", None),
        ("-10", None),
        ("abc", None),
        (None, None),
        ("9999999", HINT_CAP),
    ],
)
def test_rss_ttl(value: str | None, expected: float | None) -> None:
    assert rss_ttl(value) == expected


@pytest.mark.parametrize(
    ("period", "frequency", "expected"),
    [
        ("hourly", "1", 3600.0),
        ("hourly", "2", 1800.0),
        ("daily", None, 86400.0),
        (None, "4", 21600.0),  # the module's default period is daily
        ("HOURLY", "0", 3600.0),  # a frequency of 0 counts as 1
        ("hourly", "-3", 3600.0),
        ("hourly", "lots", 3600.0),
        ("fortnightly", "1", None),
        ("yearly", "1", HINT_CAP),
        (None, None, None),
    ],
)
def test_update_period(period: str | None, frequency: str | None, expected: float | None) -> None:
    assert update_period(period, frequency) == expected


def test_skip_lists_ignore_junk_and_refuse_never() -> None:
    assert skip_hours(["1", " 2 ", "24", "25", "-1", "x"]) == [0, 1, 2]
    assert skip_hours([str(h) for h in range(24)]) == []  # all day: would mean never
    assert skip_days(["Sunday", "saturday", "Funday"]) == [5, 6]
    week = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert skip_days(week) == []


RSS = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>
<title>t</title><link>https://example.org/</link><ttl>20</ttl>
<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>
<skipHours><hour>1</hour><hour>2</hour><hour>3</hour></skipHours>
<skipDays><day>Sunday</day></skipDays>
<item><title>a</title><link>https://example.org/a</link></item>
</channel></rss>"""


def test_the_parser_reads_the_documents_hints() -> None:
    parsed = parse_document(RSS)
    assert (parsed.ttl, parsed.update_period, parsed.update_frequency) == ("20", "hourly", "2")
    assert parsed.skip_hours == ["1", "2", "3"] and parsed.skip_days == ["Sunday"]


def test_read_hints_takes_the_longest_floor_and_keeps_document_hints_on_304() -> None:
    parsed = parse_document(RSS)
    hints = read_hints({"Cache-Control": "max-age=300"}, NOW, parsed)
    assert hints.not_before == NOW + timedelta(minutes=20)
    assert hints.not_before_reason == "RSS ttl=20"
    assert hints.update_period_s == 1800.0 and hints.skip_hours == [1, 2, 3]
    later = NOW + timedelta(hours=1)
    again = read_hints({"Cache-Control": "max-age=3600"}, later, None, hints)  # a 304
    assert again.not_before == later + timedelta(hours=1)
    assert again.skip_days == [6] and again.ttl_s == 1200.0
    bare = read_hints({}, later, ParsedFeed(version="rss20"), hints)  # new document, no hints
    assert bare == FeedHints()
