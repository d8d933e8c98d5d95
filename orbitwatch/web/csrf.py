"""Cross-site request forgery protection for every POST.

A random token per browser session lives in a ``SameSite=Strict`` HttpOnly cookie; every page
puts the same value in its forms (hidden field) and in a ``<meta>`` tag the script sends as a
header. A POST is accepted only when the value it carries equals the cookie's (constant-time)
and, when the browser names an ``Origin``, that origin is the desk itself: another site can
make a browser send the cookie but can neither read it nor add the matching field.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

CSRF_COOKIE = "ow_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def valid_token(cookie: str | None, offered: str | None) -> bool:
    if not cookie or not offered:
        return False
    return hmac.compare_digest(cookie.encode("utf-8"), offered.encode("utf-8"))


def same_origin(origin: str | None, host: str | None) -> bool:
    """No ``Origin`` header (old browsers, same-origin GET-initiated forms in some) is left
    to the token; a present one must name the host the request was sent to."""
    if origin is None:
        return True
    if origin == "null" or not host:
        return False
    return urlsplit(origin).netloc.lower() == host.lower()
