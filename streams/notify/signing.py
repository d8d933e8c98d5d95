"""Webhook signatures: HMAC-SHA256 over the timestamp and the exact body bytes.

Every delivery carries::

    X-Orbitwatch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>
    Idempotency-Key: <alert id>

To verify a delivery (what :func:`verify_signature` does; any language can do the same):

1. take the raw request body as bytes, before any JSON parsing or re-encoding;
2. split the header on ``,`` into ``key=value`` pairs; read ``t`` and every ``v1``;
3. compute ``HMAC-SHA256(secret, f"{t}.".encode() + body)`` as lower-case hex;
4. accept if it equals one of the ``v1`` values (constant-time comparison) **and** ``t`` is
   within the tolerance of your clock (5 minutes by default), which defeats replays of
   captured requests;
5. de-duplicate on ``Idempotency-Key`` (the alert id): a delivery can be retried, or an
   alert re-emitted after a crash, and both carry the same id.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Orbitwatch-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_TOLERANCE_S = 300.0


def _digest(secret: str | bytes, timestamp: int, body: bytes) -> str:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, body: bytes, timestamp: int | None = None) -> str:
    """The signature header value for ``body`` at ``timestamp`` (default: now)."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={_digest(secret, t, body)}"


def verify_signature(
    secret: str | bytes,
    header: str | None,
    body: bytes,
    tolerance: float = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """True when ``header`` is a valid signature of ``body`` made within ``tolerance``
    seconds of ``now``. Malformed headers are simply not valid."""
    if not header:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = _digest(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
