"""X-Hub-Signature: is this push from the hub we gave the secret to? (WebSub 7.1, 8)

The hub signs the exact body with HMAC under the secret we chose at subscription time and
sends ``X-Hub-Signature: <method>=<hex>``. The spec's methods are sha1, sha256, sha384 and
sha512. A push without a valid signature is dropped: the callback URL is public, and the
secret is the only thing that tells the hub from anyone else.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from connectors.errors import FeedError

ALGORITHMS = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}
_HEX = re.compile(r"^[0-9a-fA-F]+$")


class SignatureInvalid(FeedError):
    """A pushed body whose X-Hub-Signature is missing, malformed or wrong."""

    kind = "websub_signature"
    retriable = False


def sign(body: bytes, secret: str, method: str = "sha256") -> str:
    """The header value a hub would send for ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, ALGORITHMS[method]).hexdigest()
    return f"{method}={digest}"


def verify_signature(header: str | None, body: bytes, secret: str) -> str:
    """Return the method used, or raise :class:`SignatureInvalid` saying why (never the
    secret nor the expected digest)."""
    if not header:
        raise SignatureInvalid("no X-Hub-Signature header")
    method, sep, received = header.strip().partition("=")
    method = method.strip().lower()
    if not sep or method not in ALGORITHMS:
        raise SignatureInvalid(
            f"unsupported X-Hub-Signature method {method[:16]!r} "
            f"(expected one of {', '.join(ALGORITHMS)})"
        )
    received = received.strip()
    if not _HEX.match(received):
        raise SignatureInvalid("X-Hub-Signature digest is not hexadecimal")
    expected = hmac.new(secret.encode("utf-8"), body, ALGORITHMS[method]).hexdigest()
    # Constant time: the comparison must not tell a forger how many leading digits matched.
    if not hmac.compare_digest(expected, received.lower()):
        raise SignatureInvalid(f"X-Hub-Signature ({method}) does not match the body")
    return method
