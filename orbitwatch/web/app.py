"""The desk as an ASGI application: its routes, its lifespan and its probes.

One module per concern: :mod:`~orbitwatch.web.guard` (authentication, CSRF, security
headers on every request), :mod:`~orbitwatch.web.desk` (shared state and rendering),
:mod:`~orbitwatch.web.pages` (GET pages and the live stream), :mod:`~orbitwatch.web.actions`
(verdicts, silences, login: the same write paths as the CLI). A server that does not answer
never takes the process down: pages say which one is away and the process keeps reconnecting.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import partial

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    JSONResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from orbitwatch.core.elastic import make_async_client
from orbitwatch.core.redact import redact_url
from orbitwatch.core.settings import Settings
from orbitwatch.web import metrics
from orbitwatch.web.actions import login, post_silence, post_verdict
from orbitwatch.web.auth import Credentials
from orbitwatch.web.desk import HERE, Desk, templates, warm_up
from orbitwatch.web.guard import Guard
from orbitwatch.web.live import AlertFeed
from orbitwatch.web.pages import alert_stream, live_page, overview_page, search_page, story_page
from orbitwatch.web.sse import Hub
from orbitwatch.web.store import Store
from schemas.alert import Alert


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
