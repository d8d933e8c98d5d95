"""The subscription state machine: what is verified, denied, pushed, renewed and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.websub import subscription as m
from connectors.websub.subscription import WebSubPolicy

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POLICY = WebSubPolicy(lease_seconds=86_400, verify_timeout=600, silent_after=3600)
HUB, TOPIC = "https://hub.example/", "https://pub.example/feed"


def _new() -> m.WebSubSubscription:
    return m.new_subscription(HUB, TOPIC, token="tok", secret="sec", now=T0)


def _active(lease: int = 86_400) -> m.WebSubSubscription:
    sub = m.answer_verification(_new(), "subscribe", TOPIC, lease, T0, POLICY.lease_seconds)
    assert sub is not None
    return sub


def test_a_subscribe_we_asked_for_is_verified_and_pushed() -> None:
    sub = _new()
    assert m.status_text(sub, T0, POLICY) == "pending" and not m.is_pushed(sub, T0, POLICY)
    active = _active(3600)
    assert active.status == "active" and active.awaiting is None
    assert active.expires_at == T0 + timedelta(seconds=3600)
    assert m.is_pushed(active, T0 + timedelta(minutes=1), POLICY)


@pytest.mark.parametrize(
    ("mode", "topic"),
    [
        ("subscribe", "https://pub.example/other"),  # a topic never requested
        ("unsubscribe", TOPIC),  # a mode never requested: nobody drops us in our name
        ("publish", TOPIC),
    ],
)
def test_a_verification_we_did_not_ask_for_is_refused(mode: str, topic: str) -> None:
    assert m.answer_verification(_new(), mode, topic, 3600, T0, 86_400) is None
    assert m.answer_verification(None, "subscribe", TOPIC, 3600, T0, 86_400) is None
    # Once active, nothing is awaited: a replayed verification is refused too.
    assert m.answer_verification(_active(), "subscribe", TOPIC, 3600, T0, 86_400) is None


def test_a_hub_that_never_answers_leaves_the_subscription_pending_and_asked_again() -> None:
    sub = _new()
    action, when = m.next_action(sub, T0 + timedelta(minutes=5), POLICY)
    assert action is None and when == T0 + timedelta(seconds=600)
    later = T0 + timedelta(seconds=601)
    assert m.next_action(sub, later, POLICY)[0] == "subscribe"
    again = m.requested(sub, "subscribe", later)
    assert again.attempts == 2 and again.status == "requested"
    assert m.next_action(again, later + timedelta(seconds=1199), POLICY)[0] is None
    assert not m.is_pushed(again, later, POLICY)  # meanwhile: polled as usual


def test_a_denial_stops_push_and_is_asked_again_only_much_later() -> None:
    sub = m.denied(_active(), TOPIC, "not allowed", T0)
    assert sub is not None and sub.status == "denied" and "not allowed" in (sub.last_error or "")
    assert not m.is_pushed(sub, T0, POLICY) and m.status_text(sub, T0, POLICY) == "denied"
    assert m.next_action(sub, T0 + timedelta(hours=23), POLICY)[0] is None
    assert m.next_action(sub, T0 + timedelta(hours=24), POLICY)[0] == "subscribe"
    assert m.denied(_active(), "https://pub.example/other", None, T0) is None


def test_lease_is_renewed_before_expiry_and_push_goes_on_while_renewing() -> None:
    sub = _active(86_400)
    action, when = m.next_action(sub, T0 + timedelta(hours=1), POLICY)
    assert action is None and when == T0 + timedelta(seconds=86_400 - 8_640)
    assert m.next_action(sub, when, POLICY)[0] == "subscribe"
    renewing = m.requested(m.pushed(sub, when - timedelta(minutes=1)), "subscribe", when)
    assert renewing.status == "active" and m.status_text(renewing, when, POLICY) == "renewing"
    renewed = m.answer_verification(renewing, "subscribe", TOPIC, 86_400, when, 86_400)
    assert renewed is not None and renewed.expires_at == when + timedelta(seconds=86_400)


def test_an_expired_or_silent_subscription_is_not_relied_on() -> None:
    sub = _active(7200)
    assert m.status_text(sub, T0 + timedelta(hours=2, seconds=1), POLICY) == "expired"
    quiet = T0 + timedelta(seconds=3601)
    assert m.status_text(sub, quiet, POLICY) == "silent" and not m.is_pushed(sub, quiet, POLICY)
    pushed = m.pushed(sub, T0 + timedelta(minutes=30))
    assert m.is_pushed(pushed, quiet, POLICY) and pushed.pushes == 1


def test_a_lease_left_out_by_the_hub_is_taken_as_the_lease_asked_for() -> None:
    sub = m.answer_verification(_new(), "subscribe", TOPIC, None, T0, 3600)
    assert sub is not None and sub.lease_seconds == 3600


def test_unsubscribe_is_verified_then_final_and_given_up_after_a_few_tries() -> None:
    sub = m.requested(_active(), "unsubscribe", T0)
    done = m.answer_verification(sub, "unsubscribe", TOPIC, None, T0, 86_400)
    assert done is not None and done.status == "unsubscribed"
    assert m.next_action(done, T0 + timedelta(days=30), POLICY) == (None, None)
    for attempt in range(2, m.MAX_UNSUBSCRIBE_ATTEMPTS + 1):
        sub = m.requested(sub, "unsubscribe", T0 + timedelta(hours=attempt))
    assert m.next_action(sub, T0 + timedelta(days=30), POLICY) == (None, None)
