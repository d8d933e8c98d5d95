"""The desk's shared state: settings, the Elasticsearch store, the live hub and the templates.

Pages and actions receive a :class:`Desk`; it renders templates with autoescaping (feed text
is hostile input) and turns each new alert from Kafka into one card pushed to open pages.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    Response,
)

from connectors.normalize import detect_language
from orbitwatch.core.kafka import kafka_address
from orbitwatch.core.settings import Settings
from orbitwatch.web import metrics
from orbitwatch.web.auth import Credentials
from orbitwatch.web.live import AlertFeed
from orbitwatch.web.sse import Hub
from orbitwatch.web.store import Store, StoreUnavailable, fallback_languages
from orbitwatch.web.views import AlertView, age, safe_link
from schemas.alert import Alert
from schemas.base import utc_now
from schemas.classification import EventType, Relation, Severity

HERE = Path(__file__).parent

LANGUAGE_LOOKUP_S = 0.3  # a pushed alert waits at most this long for its story's languages

SILENCE_CHOICES = ("1h", "6h", "24h", "7d")


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
