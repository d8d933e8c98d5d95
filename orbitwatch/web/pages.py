"""The desk's pages (GET): live alerts and their stream, a story, the overview, search.

A server that does not answer never fails a page: it says which one is away and what it
could still show.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import (
    Response,
    StreamingResponse,
)

from orbitwatch.core.errors import OrbitwatchError
from orbitwatch.core.kafka import kafka_address
from orbitwatch.query import EventQuery, parse_time
from orbitwatch.web import metrics
from orbitwatch.web.charts import bar_chart, line_chart
from orbitwatch.web.desk import Desk
from orbitwatch.web.highlight import highlight
from orbitwatch.web.sse import comment, frame, parse_since
from orbitwatch.web.store import RANGES, StoreUnavailable
from orbitwatch.web.views import AlertFilters
from schemas.base import utc_now
from schemas.silence import SilenceScope
from streams.alerting.silences import read_silences

KEEPALIVE_S = 15.0
SILENCE_READ_S = 5.0
SEARCH_LIMIT = 50


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
