"""The desk's routes (Starlette): pages, the live stream, verdicts, silences, probes.

Layout of a request: :class:`Guard` (an ASGI middleware) authenticates, issues the CSRF
cookie and adds the security headers to every answer; the endpoints below read through
:class:`~orbitwatch.web.store.Store`, write through the same functions as the CLI
(:func:`orbitwatch.feedback.store.record_verdict`, :func:`streams.alerting.silences.silence_for`)
and render Jinja templates with autoescaping. A server that does not answer never takes the
process down: the page says which one is away and the process keeps reconnecting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from functools import partial
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from connectors.normalize import detect_language
from orbitwatch.core.elastic import make_async_client
from orbitwatch.core.errors import OrbitwatchError
from orbitwatch.core.kafka import kafka_address
from orbitwatch.core.redact import redact_url
from orbitwatch.core.settings import Settings
from orbitwatch.feedback.errors import FeedbackError, FeedbackUnavailable
from orbitwatch.feedback.store import record_verdict
from orbitwatch.feedback.verdict import Judgement
from orbitwatch.query import EventQuery, parse_time
from orbitwatch.web import metrics
from orbitwatch.web.auth import OPEN_PATHS, SESSION_COOKIE, Credentials
from orbitwatch.web.charts import bar_chart, line_chart
from orbitwatch.web.csrf import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, new_token, same_origin
from orbitwatch.web.csrf import valid_token as csrf_valid
from orbitwatch.web.highlight import highlight
from orbitwatch.web.live import AlertFeed
from orbitwatch.web.sse import Hub, comment, frame, parse_since
from orbitwatch.web.store import RANGES, Store, StoreUnavailable, fallback_languages
from orbitwatch.web.views import AlertFilters, AlertView, age, safe_link
from schemas.alert import Alert
from schemas.base import utc_now
from schemas.classification import EventType, Relation, Severity
from schemas.silence import SilenceScope
from streams.alerting.durations import parse_duration
from streams.alerting.silences import read_silences, silence_for

log = logging.getLogger("orbitwatch.web")

HERE = Path(__file__).parent
KEEPALIVE_S = 15.0
LANGUAGE_LOOKUP_S = 0.3  # a pushed alert waits at most this long for its story's languages
SILENCE_READ_S = 5.0
SILENCE_CHOICES = ("1h", "6h", "24h", "7d")
MAX_FORM_BYTES = 16_384
SEARCH_LIMIT = 50

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


def templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        severities=[s.value for s in Severity],
        event_types=[t.value for t in EventType],
        relations=[r.value for r in Relation if r is not Relation.none],
        silence_choices=SILENCE_CHOICES,
        safe_link=safe_link,
        age=age,
    )
    return env


def warm_up(env: Environment) -> None:
    """Compile the templates and load the language detector once, at start-up."""
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)
    detect_language("Russia and China plan a nuclear power plant on the Moon")


@dataclass
class Desk:
    settings: Settings
    store: Store
    hub: Hub
    feed: AlertFeed
    env: Environment
    credentials: Credentials

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("csrf", request.scope.get("state", {}).get("csrf", ""))
        context.setdefault("now", utc_now())
        context.setdefault("status", self.status())
        context.setdefault("path", request.url.path)
        body = self.env.get_template(name).render(**context)
        return HTMLResponse(body, status_code=status, headers={"cache-control": "no-store"})

    def status(self) -> dict[str, Any]:
        return {
            "kafka": self.feed.kafka_up,
            "kafka_address": kafka_address(self.settings),
        }

    def card(self, alert: Alert, languages: list[str], csrf: str = "") -> str:
        view = AlertView.of(alert, languages)
        return self.env.get_template("_alert.html").render(a=view, now=utc_now(), csrf=csrf)

    async def on_alert(self, alert: Alert) -> None:
        if self.hub.seen(alert.alert_id):
            metrics.ALERT_REPEATS.inc()
            self.hub.duplicates += 1
            return
        try:
            found = await asyncio.wait_for(self.store.languages([alert]), LANGUAGE_LOOKUP_S)
            languages = found.get(alert.alert_id, [])
        except (TimeoutError, StoreUnavailable):
            languages = fallback_languages(alert)
        if await self.hub.publish(alert.alert_id, (alert, self.card(alert, languages))):
            metrics.ALERTS_PUSHED.inc()


def build_app(settings: Settings) -> Starlette:
    """The ASGI application. The Kafka consumer and the Elasticsearch client live as long
    as the application (its lifespan)."""
    client = make_async_client(settings)
    hub = Hub()
    desk_ref: list[Desk] = []

    async def on_alert(alert: Alert) -> None:
        await desk_ref[0].on_alert(alert)

    desk = Desk(
        settings=settings,
        store=Store(settings, client),
        hub=hub,
        feed=AlertFeed(settings, on_alert),
        env=templates(),
        credentials=Credentials.from_settings(settings),
    )
    desk_ref.append(desk)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Loaded before the first alert, not while it waits to be pushed (about 2 s here).
        await asyncio.to_thread(warm_up, desk.env)
        desk.feed.start()
        try:
            yield
        finally:
            await desk.feed.stop()
            await client.close()

    routes = [
        Route("/", partial(live_page, desk), name="live"),
        Route("/events/alerts", partial(alert_stream, desk), name="stream"),
        Route("/stories/{story_id}", partial(story_page, desk), name="story"),
        Route("/verdicts", partial(post_verdict, desk), methods=["POST"]),
        Route("/silences", partial(post_silence, desk), methods=["POST"]),
        Route("/overview", partial(overview_page, desk)),
        Route("/search", partial(search_page, desk)),
        Route("/login", partial(login, desk), methods=["GET", "POST"]),
        Route("/health", partial(health, desk)),
        Route("/ready", partial(ready, desk)),
        Route("/metrics", metrics_endpoint),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.desk = desk
    app.add_middleware(Guard, credentials=desk.credentials)
    return app


# -- the guard ---------------------------------------------------------------------------------

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
                    extra.append((b"set-cookie", _cookie(CSRF_COOKIE, csrf or "").encode()))
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


def _cookie(name: str, value: str, max_age: int | None = None) -> str:
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


# -- pages -------------------------------------------------------------------------------------


async def live_page(desk: Desk, request: Request) -> Response:
    filters = AlertFilters.from_query(parse_qs(request.url.query))
    since = desk.hub.seq  # before reading the index: anything newer is replayed, then deduped
    error = None
    page = None
    try:
        page = await desk.store.alert_page(filters, request.query_params.get("before"))
    except StoreUnavailable as exc:
        error = str(exc)
    cards = []
    if page is not None:
        csrf = request.scope["state"]["csrf"]
        cards = [desk.card(a, page.languages.get(a.alert_id, []), csrf) for a in page.alerts]
    return desk.render(
        request,
        "live.html",
        status=200,
        filters=filters,
        page=page,
        cards=cards,
        since=since,
        error=error,
        older=request.query_params.get("before") is not None,
        said=request.query_params.get("said"),
    )


async def alert_stream(desk: Desk, request: Request) -> Response:
    filters = AlertFilters.from_query(parse_qs(request.url.query))
    start = parse_since(request.headers.get("last-event-id"))
    if start is None:
        start = parse_since(request.query_params.get("since"))
    if start is None or start > desk.hub.seq:
        start = desk.hub.seq  # a stale number (the desk restarted): from now on

    async def events() -> AsyncIterator[str]:
        metrics.SSE_CLIENTS.inc()
        seq = start
        status = desk.status()
        try:
            yield "retry: 2000\n\n"
            yield frame(status, event="status")
            if missed := desk.hub.missed(seq):
                yield frame({"missed": missed}, event="gap")
            while True:
                for item in desk.hub.after(seq):
                    seq = item.seq
                    alert, html = item.payload
                    if filters.accepts(alert):
                        yield frame(
                            {"id": alert.alert_id, "html": html}, event="alert", event_id=seq
                        )
                woke = await desk.hub.wait(seq, KEEPALIVE_S if status["kafka"] else 2.0)
                current = desk.status()
                if current != status:
                    status = current
                    yield frame(status, event="status")
                elif not woke:
                    yield comment("keepalive")
        finally:
            metrics.SSE_CLIENTS.dec()

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )


async def story_page(desk: Desk, request: Request) -> Response:
    story_id = request.path_params["story_id"]
    error = None
    story = None
    try:
        story = await desk.store.story(story_id)
    except StoreUnavailable as exc:
        error = str(exc)
    silences = []
    silence_error = None
    try:
        book = await asyncio.wait_for(read_silences(desk.settings), SILENCE_READ_S)
        now = utc_now()
        rules = {a.rule for a in story.alerts} if story else set()
        silences = [
            s
            for s in book.active(now)
            if (s.scope is SilenceScope.story and s.target == story_id)
            or (s.scope is SilenceScope.rule and s.target in rules)
        ]
    except Exception as exc:  # Kafka away: the rest of the page still helps
        silence_error = (
            f"silences unavailable: Kafka at {kafka_address(desk.settings)} ({type(exc).__name__})"
        )
    found = story is not None and (story.articles or story.document)
    articles = []
    if story is not None:
        for doc in story.articles:
            articles.append(
                {
                    "doc": doc,
                    "title": highlight(doc.title, doc.evidence, "title"),
                    "text": highlight(doc.summary, doc.evidence, "text"),
                }
            )
    cards = []
    if story is not None and story.alerts:
        languages = sorted({d.language for d in story.articles if d.language})
        csrf = request.scope["state"]["csrf"]
        cards = [desk.card(a, languages, csrf) for a in story.alerts]
    return desk.render(
        request,
        "story.html",
        status=200 if found or error else 404,
        story_id=story_id,
        story=story,
        articles=articles,
        cards=cards,
        silences=silences,
        silence_error=silence_error,
        error=error,
        said=request.query_params.get("said"),
    )


async def overview_page(desk: Desk, request: Request) -> Response:
    range_name = request.query_params.get("range", "7d")
    if range_name not in RANGES:
        range_name = "7d"
    error = None
    line = bar = None
    total = 0
    try:
        buckets, series, pairs, total = await desk.store.overview(range_name)
        line = line_chart(buckets, series, title="relevant events over time by type")
        bar = bar_chart(pairs, title="top actor pairs")
    except StoreUnavailable as exc:
        error = str(exc)
    return desk.render(
        request,
        "overview.html",
        range_name=range_name,
        ranges=list(RANGES),
        line=line,
        bar=bar,
        total=total,
        error=error,
    )


async def search_page(desk: Desk, request: Request) -> Response:
    params = request.query_params
    text = params.get("q", "").strip()
    words = {name: params.get(name, "").strip() for name in ("actor", "pair", "since", "until")}
    types = [t for t in params.getlist("type") if t]
    severities = [s for s in params.getlist("severity") if s]
    form: dict[str, Any] = {"q": text, **words, "type": types, "severity": severities}
    results = None
    total = 0
    error = None
    if text or any(words.values()) or types or severities:
        try:
            query = EventQuery(
                text=text or None,
                actors=_split(words["actor"]),
                pairs=_split(words["pair"]),
                event_types=types,
                severities=severities,
                since=parse_time(words["since"]) if words["since"] else None,
                until=parse_time(words["until"]) if words["until"] else None,
                limit=SEARCH_LIMIT,
            )
            results, total = await desk.store.search(query)
        except OrbitwatchError as exc:  # Elasticsearch away, or a filter that cannot match
            error = str(exc)
    return desk.render(request, "search.html", form=form, results=results, total=total, error=error)


def _split(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]


# -- actions -----------------------------------------------------------------------------------


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
        "set-cookie", _cookie(SESSION_COOKIE, desk.credentials.session_value(), 12 * 3600)
    )
    return response


# -- probes ------------------------------------------------------------------------------------


async def health(desk: Desk, request: Request) -> Response:
    return JSONResponse({"status": "ok", "checks": {}})


async def ready(desk: Desk, request: Request) -> Response:
    checks = {
        "kafka": desk.feed.positioned.is_set() and desk.feed.kafka_up,
        "elasticsearch": await desk.store.ping(),
    }
    ok = all(checks.values())
    return JSONResponse(
        {"status": "ready" if ok else "not_ready", "checks": checks}, status_code=200 if ok else 503
    )


async def metrics_endpoint(request: Request) -> Response:
    metrics.KAFKA_UP.set(1 if request.app.state.desk.feed.kafka_up else 0)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def describe_address(settings: Settings) -> str:
    """Where people open the desk: the public URL, else the bound address."""
    if settings.web_public_url:
        return redact_url(settings.web_public_url.rstrip("/")) + "/"
    host = settings.web_host
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{settings.web_port}/"
