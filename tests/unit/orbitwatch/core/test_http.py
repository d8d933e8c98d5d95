from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orbitwatch.core.http import MAX_RETRY_AFTER, parse_retry_after

pytestmark = pytest.mark.unit


def test_delta_seconds() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 1.5 ") == 1.5  # not in the RFC, but clear enough


def test_an_http_date_counts_from_now() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    now = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    assert parse_retry_after("Wed, 01 Jan 2020 00:00:00 GMT", now) == 0.0  # in the past


def test_absent_or_unreadable_is_none() -> None:
    for value in (None, "", "soon", "-3", "nan", "inf"):
        assert parse_retry_after(value) is None


def test_absurd_values_are_capped() -> None:
    assert parse_retry_after("99999999") == MAX_RETRY_AFTER == 24 * 3600
