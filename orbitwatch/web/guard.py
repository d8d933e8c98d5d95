"""Every HTTP request passes the guard: authentication, the CSRF cookie, security headers.

State-changing endpoints read their form through :func:`checked_form`, which enforces the
CSRF token and the same-origin check before any field is used.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import (
    PlainTextResponse,
)

from orbitwatch.web import metrics
from orbitwatch.web.auth import OPEN_PATHS, SESSION_COOKIE, Credentials
from orbitwatch.web.csrf import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, new_token, same_origin
from orbitwatch.web.csrf import valid_token as csrf_valid

MAX_FORM_BYTES = 16_384

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class Guard:
    """Authentication, the CSRF cookie and security headers, for every HTTP request."""

    def __init__(
        self, app: Callable[[Scope, Receive, Send], Awaitable[None]], credentials: Credentials
    ) -> None:
        self.app = app
        self.credentials = credentials

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        cookies = _cookies(headers.get("cookie", ""))
        path = scope["path"]
        route = path.strip("/").split("/", 1)[0] or "live"
        csrf = cookies.get(CSRF_COOKIE)
        issue = csrf is None or len(csrf) < 20
        if issue:
            csrf = new_token()
        scope.setdefault("state", {})["csrf"] = csrf
        public = path in OPEN_PATHS or path.startswith("/static/")
        if not public and not self.credentials.allows(
            headers.get("authorization"), cookies.get(SESSION_COOKIE)
        ):
            metrics.REFUSED.labels("auth").inc()
            await self._refuse(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = list(SECURITY_HEADERS)
                if issue:
                    extra.append((b"set-cookie", cookie(CSRF_COOKIE, csrf or "").encode()))
                message["headers"] = [*message.get("headers", []), *extra]
                metrics.REQUESTS.labels(
                    route if route in KNOWN_ROUTES else "other", str(message["status"])
                ).inc()
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {"cache-control": "no-store"}
        if self.credentials.username:
            headers["www-authenticate"] = 'Basic realm="orbitwatch", charset="UTF-8"'
        body = "authentication required"
        if self.credentials.token:
            body += ": sign in at /login or send Authorization: Bearer <token>"
        response = PlainTextResponse(body, status_code=401, headers=headers)
        for name, value in SECURITY_HEADERS:
            response.headers[name.decode()] = value.decode()
        await response(scope, receive, send)


KNOWN_ROUTES = frozenset(
    {
        "live",
        "events",
        "stories",
        "verdicts",
        "silences",
        "overview",
        "search",
        "login",
        "health",
        "ready",
        "metrics",
        "static",
    }
)


def _cookies(header: str) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed Cookie header: as if there were none
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def cookie(name: str, value: str, max_age: int | None = None) -> str:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts)


async def checked_form(request: Request) -> dict[str, str]:
    """The POST's form fields, after the CSRF check (raises :class:`Refused`)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise Refused(413, "form too large")
    fields = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    offered = request.headers.get(CSRF_HEADER) or fields.get(CSRF_FIELD)
    if not csrf_valid(request.cookies.get(CSRF_COOKIE), offered):
        metrics.REFUSED.labels("csrf").inc()
        raise Refused(403, "missing or wrong CSRF token: reload the page and try again")
    if not same_origin(request.headers.get("origin"), request.headers.get("host")):
        metrics.REFUSED.labels("origin").inc()
        raise Refused(403, "cross-origin request refused")
    return fields


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
