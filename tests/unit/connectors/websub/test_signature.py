"""X-Hub-Signature: every method of the spec, and what a forger might send."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from connectors.websub.signature import ALGORITHMS, SignatureInvalid, sign, verify_signature

pytestmark = pytest.mark.unit

BODY = b"<feed>pushed</feed>"
SECRET = "s3cret-for-this-subscription"


@pytest.mark.parametrize("method", ["sha1", "sha256", "sha384", "sha512"])
def test_each_method_of_the_spec_verifies(method: str) -> None:
    digest = hmac.new(SECRET.encode(), BODY, getattr(hashlib, method)).hexdigest()
    assert verify_signature(f"{method}={digest}", BODY, SECRET) == method
    assert verify_signature(f"{method.upper()}={digest.upper()}", BODY, SECRET) == method
    assert sign(BODY, SECRET, method) == f"{method}={digest}"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256",
        "md5=" + hashlib.md5(BODY).hexdigest(),
        "sha256=not-hex",
        sign(BODY, "another secret", "sha256"),  # forged: right shape, wrong key
        sign(BODY + b" ", SECRET, "sha256"),  # body altered after signing
        sign(BODY, SECRET, "sha256")[:-2],  # truncated digest
    ],
)
def test_missing_forged_or_malformed_signatures_are_refused(header: str | None) -> None:
    with pytest.raises(SignatureInvalid) as caught:
        verify_signature(header, BODY, SECRET)
    assert SECRET not in str(caught.value)
    assert caught.value.kind == "websub_signature"


def test_the_methods_are_exactly_the_specs() -> None:
    assert set(ALGORITHMS) == {"sha1", "sha256", "sha384", "sha512"}
