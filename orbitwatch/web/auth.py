"""Who may use the desk: a bearer token and/or HTTP basic auth from settings.

On loopback (the default bind address) nobody else can reach the page, so credentials are
optional; on any other address they are required and :func:`exposure_problem` names what is
missing, for ``orbitwatch web`` to refuse to start. Every comparison of a secret is constant
time (:func:`hmac.compare_digest`), whatever the length of what the client sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
from dataclasses import dataclass

from orbitwatch.core.settings import Settings

SESSION_COOKIE = "ow_session"
# Paths an orchestrator or Prometheus probes without credentials; they carry no feed text.
OPEN_PATHS = frozenset({"/health", "/ready", "/metrics", "/login"})
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost. An empty host or 0.0.0.0 binds every interface."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Credentials:
    token: str | None = None
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Credentials:
        token = settings.web_token.get_secret_value() if settings.web_token else None
        password = settings.web_password.get_secret_value() if settings.web_password else None
        return cls(token or None, settings.web_username or None, password or None)

    @property
    def required(self) -> bool:
        return bool(self.token or (self.username and self.password))

    def session_value(self) -> str:
        """What the session cookie holds after a token login: a MAC of the token, so the
        cookie never carries the token itself."""
        key = (self.token or "").encode()
        return hmac.new(key, b"orbitwatch-web-session", hashlib.sha256).hexdigest()

    def check_token(self, offered: str) -> bool:
        return bool(self.token) and _same(offered, self.token or "")

    def allows(self, authorization: str | None, session_cookie: str | None) -> bool:
        """True when the request carries a valid ``Authorization`` header (``Bearer`` token
        or ``Basic`` user and password) or the session cookie of a token login."""
        if not self.required:
            return True
        if self.token and session_cookie and _same(session_cookie, self.session_value()):
            return True
        scheme, _, value = (authorization or "").partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer" and self.token:
            return _same(value.strip(), self.token)
        if scheme == "basic" and self.username and self.password:
            user, password = _basic(value.strip())
            # Both compared, always: no early exit that would time the user name.
            user_ok = _same(user, self.username)
            password_ok = _same(password, self.password)
            return user_ok and password_ok
        return False


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _basic(value: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    user, _, password = decoded.partition(":")
    return user, password


def exposure_problem(settings: Settings) -> str | None:
    """One line saying why the desk must not start with these settings, or None."""
    creds = Credentials.from_settings(settings)
    if bool(settings.web_username) != bool(settings.web_password):
        return (
            "ORBITWATCH_WEB_USERNAME and ORBITWATCH_WEB_PASSWORD go together: "
            "set both for basic auth, or neither"
        )
    if not is_loopback(settings.web_host) and not creds.required:
        return (
            f"ORBITWATCH_WEB_HOST={settings.web_host} is not a loopback address: set "
            "ORBITWATCH_WEB_TOKEN or ORBITWATCH_WEB_USERNAME and ORBITWATCH_WEB_PASSWORD "
            "before exposing the desk"
        )
    return None
