"""Credentials never printed: one place that hides them in URLs, messages and log lines.

A URL may carry a password (``http://elastic:PASSWORD@host:9200``) or a token in its query
(``?token=...``). Notification service URLs (Apprise's: ``slack://TokenA/TokenB/TokenC``,
``tgram://bottoken/chat``, ``msteams://...``, ``mailtos://user:pass@host``) also carry tokens
in the host and the path, so for every scheme other than the plain ones (http, https, file,
the Kafka listener schemes) the host is kept only when it is a domain name or an address, and
every path segment is masked. :func:`redact_url` masks all of these in one URL;
:func:`redact_text` does it for every URL inside a longer text (an error message, a log
line); :class:`RedactUrls` is the structlog processor and :class:`RedactingFilter` the
standard-library logging filter that apply it to every log event.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"

# Query parameters whose value is a credential (compared lower-case, without - and _).
SECRET_PARAMS = frozenset(
    {
        "token",
        "accesstoken",
        "apikey",
        "apitoken",
        "bottoken",
        "key",
        "secret",
        "password",
        "pass",
        "pwd",
        "sig",
        "auth",
    }
)

# Schemes whose host and path are addresses, not credentials. Any other scheme is read as a
# notification service URL (Apprise has more than a hundred, so a list of those would leak
# the ones it missed): its host and path may be tokens.
PLAIN_SCHEMES = frozenset(
    {
        "http",
        "https",
        "ftp",
        "ftps",
        "file",
        "ws",
        "wss",
        "plaintext",
        "ssl",
        "sasl_plaintext",
        "sasl_ssl",
    }
)
# A host that is an address: a dotted name, an IP literal or localhost, with an optional port,
# or a bare name with a port (a compose service, json://receiver:8080). Tokens have neither.
_ADDRESS_HOST = re.compile(
    r"^((localhost|\[[0-9a-fA-F:.]+\]|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)(:\d{1,5})?"
    r"|[A-Za-z][A-Za-z0-9-]*:\d{1,5})$"
)

# scheme://userinfo@ : the userinfo is whatever comes before the last @ of the authority.
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+._-]*://)(?P<userinfo>[^/?#\s@'\"]+)@")
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+._-]*://[^\s'\"<>]+")


def _mask_userinfo(userinfo: str) -> str:
    user, colon, _password = userinfo.partition(":")
    # A user name alone may be a token (https://TOKEN@host): mask it too.
    return f"{user}:{MASK}" if colon else MASK


def _secret_param(name: str) -> bool:
    return name.lower().replace("-", "").replace("_", "") in SECRET_PARAMS


def redact_url(url: str) -> str:
    """``url`` with its password (or user-name token) and secret query values masked:
    ``http://elastic:pw@host:9200`` -> ``http://elastic:***@host:9200``. Text that is not a
    URL comes back unchanged except for anything shaped like ``scheme://user:pw@``."""
    text = _USERINFO.sub(
        lambda m: f"{m.group('scheme')}{_mask_userinfo(m.group('userinfo'))}@", url
    )
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    if parts.scheme and parts.scheme.lower() not in PLAIN_SCHEMES and parts.netloc:
        parts = _mask_service_url(parts)
        text = urlunsplit(parts)
    if not parts.query:
        return text
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(_secret_param(name) for name, _ in pairs):
        return text
    masked = [(name, MASK if _secret_param(name) else value) for name, value in pairs]
    return urlunsplit(parts._replace(query=urlencode(masked, safe="*")))


def _mask_service_url(parts: SplitResult) -> SplitResult:
    """A service URL's token-shaped host and every path segment masked (the user info was
    masked before): ``slack://T1/B2/C3`` -> ``slack://***/***/***``."""
    userinfo, at, host = parts.netloc.rpartition("@")
    if not _ADDRESS_HOST.match(host):
        host = MASK
    path = "/".join(MASK if segment else "" for segment in parts.path.split("/"))
    return parts._replace(netloc=f"{userinfo}{at}{host}", path=path)


def redact_text(text: str) -> str:
    """``text`` with every URL in it passed through :func:`redact_url`."""
    if "://" not in text:
        return text
    return _URL.sub(lambda m: redact_url(m.group(0)), text)


def redact_value(value: Any) -> Any:
    """Strings redacted, containers walked; anything else unchanged."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(item) for item in value)
    return value


class RedactUrls:
    """structlog processor: every URL in every value of the event loses its credentials."""

    def __call__(
        self, logger: Any, method: str, event_dict: MutableMapping[str, Any]
    ) -> dict[str, Any]:
        return {key: redact_value(value) for key, value in event_dict.items()}


class RedactingFilter(logging.Filter):
    """Logging filter for handlers outside structlog: the formatted message and exception
    text of a record lose URL credentials."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
