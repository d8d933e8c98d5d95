"""Lease renewal timing and the pace of asking a silent hub again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.websub.renewal import MAX_RETRY, renew_at, renew_margin, retry_delay

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("lease", "margin"),
    [
        (10 * 86_400, 86_400),  # ten days: a day early (10% capped at a day)
        (86_400, 8_640),  # a day: 10%
        (600, 60),  # ten minutes: never less than a minute ...
        (90, 45),  # ... unless that is over half the lease
    ],
)
def test_renewal_margin(lease: int, margin: float) -> None:
    assert renew_margin(lease) == margin


def test_renewal_is_before_expiry_and_after_verification() -> None:
    verified = datetime(2026, 1, 1, tzinfo=UTC)
    for lease in (60, 3600, 86_400, 30 * 86_400):
        expires = verified + timedelta(seconds=lease)
        when = renew_at(expires, lease)
        assert verified < when < expires


def test_unanswered_requests_are_asked_again_with_a_doubling_capped_delay() -> None:
    delays = [retry_delay(600, attempt) for attempt in range(1, 8)]
    assert delays[:4] == [600, 1200, 2400, 4800]
    assert delays == sorted(delays) and max(delays) == MAX_RETRY
