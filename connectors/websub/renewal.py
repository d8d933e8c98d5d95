"""When to renew a lease and when to ask a silent hub again. Pure arithmetic, no IO.

A hub drops a subscription when its lease ends (WebSub 5.1, ``hub.lease_seconds``), so the
subscriber must ask again before then. Renewing at a fixed fraction of the lease, bounded
on both sides, leaves time for a slow or retrying hub without renewing absurdly early on
long leases (a day of margin is plenty) or too late on short ones (half the lease at most).
"""

from __future__ import annotations

from datetime import datetime, timedelta

RENEW_FRACTION = 0.1  # of the lease left when we renew
MIN_MARGIN = 60.0  # seconds
MAX_MARGIN = 86_400.0
MAX_RETRY = 6 * 3600.0  # slowest pace of asking an unresponsive hub again


def renew_margin(lease_seconds: float) -> float:
    """Seconds before expiry at which the renewal is sent."""
    margin = min(max(lease_seconds * RENEW_FRACTION, MIN_MARGIN), MAX_MARGIN)
    return min(margin, lease_seconds / 2)


def renew_at(expires_at: datetime, lease_seconds: float) -> datetime:
    return expires_at - timedelta(seconds=renew_margin(lease_seconds))


def retry_delay(verify_timeout: float, attempts: int) -> float:
    """How long a request waits for its verification before it is sent again: the timeout,
    doubling with every unanswered attempt, capped (a hub that never answers is asked
    again a few times a day, not hammered)."""
    exponent = min(max(attempts - 1, 0), 20)
    return min(verify_timeout * 2**exponent, max(MAX_RETRY, verify_timeout))
