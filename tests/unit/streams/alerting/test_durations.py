"""Durations in rule files (streams/alerting/durations.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from streams.alerting.durations import format_duration, parse_duration

pytestmark = pytest.mark.unit


def test_durations() -> None:
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("7d") == timedelta(days=7)
    assert format_duration(timedelta(minutes=90)) == "1h30m"
    for bad in ("", "6", "six hours", "0s", "-1h"):
        with pytest.raises(ValueError):
            parse_duration(bad)
