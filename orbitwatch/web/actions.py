"""The desk's actions (POST): verdicts, silences and the token login.

They write through the same functions as the CLI (one code path):
:func:`orbitwatch.feedback.store.record_verdict` and
:func:`streams.alerting.silences.silence_for`.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import (
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

from orbitwatch.core.kafka import kafka_address
from orbitwatch.feedback.errors import FeedbackError, FeedbackUnavailable
from orbitwatch.feedback.store import record_verdict
from orbitwatch.feedback.verdict import Judgement
from orbitwatch.web import metrics
from orbitwatch.web.auth import SESSION_COOKIE
from orbitwatch.web.desk import Desk
from orbitwatch.web.guard import Refused, checked_form, cookie
from schemas.silence import SilenceScope
from streams.alerting.durations import parse_duration
from streams.alerting.silences import silence_for

log = logging.getLogger("orbitwatch.web")


def _answer(
    request: Request, fields: dict[str, str], ok: bool, message: str, status: int = 200
) -> Response:
    """JSON for the page's script; otherwise back where the form was (plain HTML forms)."""
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"ok": ok, "message": message}, status_code=status if not ok else 200)
    target = fields.get("next", "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"  # never an open redirect
    sep = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{sep}{urlencode({'said': message})}", status_code=303)


def _who(desk: Desk, request: Request) -> str:
    return f"web:{desk.credentials.username}" if desk.credentials.username else "web"


async def post_verdict(desk: Desk, request: Request) -> Response:
    try:
        fields = await checked_form(request)
    except Refused as exc:
        return PlainTextResponse(exc.message, status_code=exc.status)

    def given(name: str) -> str | None:
        value = fields.get(name, "").strip()
        return value or None

    try:
        judgement = Judgement.from_options(
            fields.get("relevant") == "1",
            types=given("types"),
            actors=given("actors"),
            relation=given("relation"),
            note=fields.get("note", ""),
        )
        verdict = await record_verdict(
            desk.settings, fields.get("target", ""), judgement, recorded_by=_who(desk, request)
        )
    except FeedbackError as exc:
        status = 503 if isinstance(exc, FeedbackUnavailable) else 400
        return _answer(request, fields, False, str(exc), status)
    metrics.POSTS.labels("verdict").inc()
    said = "relevant" if verdict.relevant else "not relevant"
    corrected = f", corrected {', '.join(verdict.corrections)}" if verdict.corrections else ""
    return _answer(
        request, fields, True, f"recorded: article {verdict.article_id} {said}{corrected}"
    )


async def post_silence(desk: Desk, request: Request) -> Response:
    try:
        fields = await checked_form(request)
    except Refused as exc:
        return PlainTextResponse(exc.message, status_code=exc.status)
    scope_name = fields.get("scope", "")
    # A story page names the target; an alert card offers its rule and its story.
    target = (fields.get("target") or fields.get(scope_name) or "").strip()
    try:
        scope = SilenceScope(scope_name)
        duration = parse_duration(fields.get("duration", "6h"))
        if not target:
            raise ValueError("nothing to silence: no rule or story given")
    except ValueError as exc:
        return _answer(request, fields, False, f"cannot silence: {exc}", 400)
    try:
        record = await silence_for(
            desk.settings,
            scope,
            target,
            duration,
            reason=" ".join(fields.get("reason", "").split())[:500],
            created_by=_who(desk, request),
        )
    except Exception as exc:
        log.warning("silence not recorded: %s", type(exc).__name__)
        return _answer(
            request,
            fields,
            False,
            f"not recorded: Kafka at {kafka_address(desk.settings)} did not answer",
            503,
        )
    metrics.POSTS.labels("silence").inc()
    return _answer(
        request,
        fields,
        True,
        f"silenced {record.scope.value} {record.target} until {record.until:%Y-%m-%d %H:%M}Z",
    )


async def login(desk: Desk, request: Request) -> Response:
    if request.method == "GET" or not desk.credentials.token:
        return desk.render(request, "login.html", said=None, enabled=bool(desk.credentials.token))
    try:
        fields = await checked_form(request)
    except Refused as exc:
        return PlainTextResponse(exc.message, status_code=exc.status)
    if not desk.credentials.check_token(fields.get("token", "")):
        metrics.REFUSED.labels("login").inc()
        return desk.render(request, "login.html", status=401, said="wrong token", enabled=True)
    response = RedirectResponse("/", status_code=303)
    response.headers.append(
        "set-cookie", cookie(SESSION_COOKIE, desk.credentials.session_value(), 12 * 3600)
    )
    return response
