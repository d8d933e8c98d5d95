"""Webhook signatures (streams/notify/signing.py)."""

from __future__ import annotations

import pytest

from streams.notify.signing import sign, verify_signature

pytestmark = pytest.mark.unit


SECRET = "test-secret"


def test_sign_and_verify() -> None:
    body = b'{"alert_id": "al_1"}'
    header = sign(SECRET, body, timestamp=1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert verify_signature(SECRET, header, body, now=1_700_000_100)
    assert not verify_signature(SECRET, header, body + b" ", now=1_700_000_100)
    assert not verify_signature("other", header, body, now=1_700_000_100)
    assert not verify_signature(SECRET, header, body, tolerance=60, now=1_700_000_100)
    assert not verify_signature(SECRET, header, body, now=1_699_999_000)  # from the future
    for broken in (None, "", "v1=abc", "t=x,v1=abc", "t=1700000000", "garbage"):
        assert not verify_signature(SECRET, broken, body, now=1_700_000_000)


def test_any_of_several_signatures_may_match() -> None:
    body = b"{}"
    good = sign(SECRET, body, timestamp=100)
    rotated = f"{good},v1={'0' * 64}"
    assert verify_signature(SECRET, rotated, body, now=100)
