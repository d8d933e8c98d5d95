"""The life of one WebSub subscription, as pure decisions on its persisted record.

States (``WebSubSubscription.status``) and what moves them:

* ``requested``: we asked the hub to subscribe and wait for its verification of intent.
* ``active``: the hub verified a subscribe; pushes are expected until ``expires_at``.
  A renewal is a new subscribe while active (``awaiting == "subscribe"``).
* ``denied``: the hub said no (``hub.mode=denied``); asked again much later.
* ``unsubscribed``: the feed left the list and the hub verified the unsubscribe (or never
  answered it after a few tries; its lease then lapses on its own).

``awaiting`` names the one request whose verification we would answer: a hub (or anyone)
verifying a mode or topic we did not ask for gets a 404, so a subscription cannot be
created or dropped in our name.

Whether a feed counts as *pushed* (slow safety-net polling) or not (normal polling) is
:func:`is_pushed`: active, lease not over, and not silent for too long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from connectors.websub.renewal import renew_at, retry_delay
from schemas.feed_state import WebSubSubscription

Action = Literal["subscribe", "unsubscribe"]
MAX_UNSUBSCRIBE_ATTEMPTS = 3


@dataclass(frozen=True)
class WebSubPolicy:
    lease_seconds: int = 10 * 86_400  # asked of the hub; it may grant another
    verify_timeout: float = 600.0
    silent_after: float = 12 * 3600.0
    denied_retry: float = 86_400.0  # a denial is not forever, but it is not asked daily either


def new_subscription(
    hub: str, topic: str, token: str, secret: str, now: datetime
) -> WebSubSubscription:
    return WebSubSubscription(
        hub=hub,
        topic=topic,
        token=token,
        secret=secret,
        status="requested",
        awaiting="subscribe",
        requested_at=now,
        attempts=1,
    )


def requested(sub: WebSubSubscription, action: Action, now: datetime) -> WebSubSubscription:
    """The record once ``action`` has been (re)sent to the hub."""
    again = sub.awaiting == action
    return sub.model_copy(
        update={
            "awaiting": action,
            "requested_at": now,
            "attempts": sub.attempts + 1 if again else 1,
            "status": "requested" if sub.status in ("denied", "unsubscribed") else sub.status,
        }
    )


def request_failed(sub: WebSubSubscription, error: str) -> WebSubSubscription:
    """The hub refused or did not take the request: it stays awaited and is sent again
    after the retry delay; meanwhile the feed is polled as before."""
    return sub.model_copy(update={"last_error": error[:300]})


def answer_verification(
    sub: WebSubSubscription | None,
    mode: str,
    topic: str,
    lease_seconds: int | None,
    now: datetime,
    default_lease: int,
) -> WebSubSubscription | None:
    """The record after a verification we accept, or None: refuse (404) anything we did
    not ask for."""
    if sub is None or sub.awaiting is None or mode != sub.awaiting or topic != sub.topic:
        return None
    if mode == "unsubscribe":
        return sub.model_copy(
            update={"status": "unsubscribed", "awaiting": None, "attempts": 0, "last_error": None}
        )
    # hub.lease_seconds is required for subscribe; a hub that leaves it out is taken at
    # the lease we asked for rather than refused (we renew before that anyway).
    lease = lease_seconds if lease_seconds and lease_seconds > 0 else default_lease
    return sub.model_copy(
        update={
            "status": "active",
            "awaiting": None,
            "attempts": 0,
            "verified_at": now,
            "lease_seconds": lease,
            "expires_at": now + timedelta(seconds=lease),
            "last_error": None,
        }
    )


def denied(
    sub: WebSubSubscription | None, topic: str, reason: str | None, now: datetime
) -> WebSubSubscription | None:
    """The record after a denial notice for a subscription we have, or None (404)."""
    if sub is None or topic != sub.topic or sub.status == "unsubscribed":
        return None
    return sub.model_copy(
        update={
            "status": "denied",
            "awaiting": None,
            "requested_at": now,
            "last_error": f"denied by the hub: {reason}" if reason else "denied by the hub",
        }
    )


def pushed(sub: WebSubSubscription, now: datetime) -> WebSubSubscription:
    return sub.model_copy(update={"last_push_at": now, "pushes": sub.pushes + 1})


def push_rejected(sub: WebSubSubscription) -> WebSubSubscription:
    return sub.model_copy(update={"rejected_pushes": sub.rejected_pushes + 1})


def expired(sub: WebSubSubscription, now: datetime) -> bool:
    return sub.expires_at is not None and sub.expires_at <= now


def silent(sub: WebSubSubscription, now: datetime, policy: WebSubPolicy) -> bool:
    last = sub.last_push_at or sub.verified_at
    if sub.last_push_at and sub.verified_at:
        last = max(sub.last_push_at, sub.verified_at)
    return last is not None and (now - last).total_seconds() > policy.silent_after


def is_pushed(sub: WebSubSubscription | None, now: datetime, policy: WebSubPolicy) -> bool:
    """True while pushes can be relied on: the feed may be polled at the safety-net pace."""
    return (
        sub is not None
        and sub.status == "active"
        and not expired(sub, now)
        and not silent(sub, now, policy)
    )


def status_text(sub: WebSubSubscription | None, now: datetime, policy: WebSubPolicy) -> str | None:
    """What ``orbitwatch feeds health`` shows."""
    if sub is None:
        return None
    if sub.status == "active":
        if expired(sub, now):
            return "expired"
        if silent(sub, now, policy):
            return "silent"
        return "renewing" if sub.awaiting == "subscribe" else "active"
    if sub.status == "requested":
        return "pending"
    return sub.status


def next_action(
    sub: WebSubSubscription, now: datetime, policy: WebSubPolicy
) -> tuple[Action | None, datetime | None]:
    """What to send the hub now (if anything), and else when to look again (None: never)."""
    if sub.awaiting is not None:
        assert sub.requested_at is not None
        resend = sub.requested_at + timedelta(
            seconds=retry_delay(policy.verify_timeout, sub.attempts)
        )
        if sub.awaiting == "unsubscribe" and sub.attempts >= MAX_UNSUBSCRIBE_ATTEMPTS:
            return None, None  # given up; the lease lapses at the hub by itself
        if now >= resend:
            return sub.awaiting, None
        return None, resend
    if sub.status == "unsubscribed":
        return None, None
    if sub.status == "denied":
        when = (sub.requested_at or now) + timedelta(seconds=policy.denied_retry)
        return ("subscribe", None) if now >= when else (None, when)
    if sub.status == "active" and sub.expires_at is not None:
        when = renew_at(sub.expires_at, sub.lease_seconds or policy.lease_seconds)
        return ("subscribe", None) if now >= when else (None, when)
    return "subscribe", None  # requested with nothing awaited: ask
