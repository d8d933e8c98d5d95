"""Which addresses count as public (orbitwatch/core/addresses.py)."""

from __future__ import annotations

import pytest

from orbitwatch.core.addresses import NonPublicUrl, NotHttpUrl, check_http_url, is_public_address

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2a00:1450:4001:80b::200e", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata endpoint
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("224.0.0.1", False),
        ("not an ip", False),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "https://[::1]:8080/",
        "http://10.0.0.7/hook",
        "http://[fe80::1%25eth0]/",
    ],
)
def test_urls_on_private_address_literals_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(NonPublicUrl, match="non-public address"):
        check_http_url(url, allow_private=False)
    check_http_url(url, allow_private=True)


@pytest.mark.parametrize("url", ["ftp://example.org/x", "example.org/feed", "http:///path", ""])
def test_only_absolute_http_urls_pass(url: str) -> None:
    with pytest.raises(NotHttpUrl, match="must be http"):
        check_http_url(url, allow_private=True)


def test_host_names_are_left_to_the_resolver() -> None:
    check_http_url("https://localhost/feed", allow_private=False)  # PublicOnlyResolver's job
    check_http_url("https://8.8.8.8/feed", allow_private=False)
