"""The desk on the real Kafka and Elasticsearch, over HTTP (the browser tests are in
tests/integration/test_web_browser.py): alerts pushed by Server-Sent Events once per id,
the alert page paged through the index, story pages, verdicts and silences landing on their
topics, search through the same query module as ``orbitwatch search``."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from elasticsearch import Elasticsearch, helpers

from orbitwatch.core.kafka import ensure_topics
from orbitwatch.core.settings import Settings
from orbitwatch.web.csrf import CSRF_COOKIE
from orbitwatch.web.server import running_desk
from schemas import Alert, AlertKind, EventType, Relation, Severity, utc_now
from schemas.documents import EventDocument
from schemas.feedback import Verdict
from schemas.indices.names import IndexNames
from schemas.indices.setup import setup_indices
from schemas.silence import SilenceScope
from schemas.topics import topic_specs
from streams.alerting.silences import read_silences
from tests.integration.test_alerting_worker import lunar_event
from tests.kafka_io import drain, produce

pytestmark = pytest.mark.integration


def make_alert(n: int, **overrides: object) -> Alert:
    now = utc_now()
    fields: dict[str, object] = {
        "alert_id": f"al_{n:032x}",
        "kind": AlertKind.match,
        "rule": "high-severity",
        "severity": Severity.high,
        "title": f"Alert number {n}: Russia and China plan a lunar reactor",
        "titles": [f"Alert number {n}: Russia and China plan a lunar reactor"],
        "story_id": f"story-{n}",
        "article_ids": [f"article-{n}"],
        "actors": ["CN", "RU"],
        "event_types": [EventType.lunar, EventType.nuclear],
        "relation": Relation.cooperation,
        "published_at": now - timedelta(minutes=3),
        "fetched_at": now - timedelta(minutes=1),
        "alerted_at": now - timedelta(seconds=10_000 - n),
    }
    fields.update(overrides)
    return Alert(**fields)


@pytest.fixture
async def desk(isolated_settings: Settings, es_client: Elasticsearch) -> AsyncIterator[str]:
    settings = isolated_settings.model_copy(update={"web_port": 0})
    await ensure_topics(settings, topic_specs(settings))
    setup_indices(es_client, IndexNames(settings.index_prefix))
    async with running_desk(settings) as base:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            for _ in range(200):  # the consumer is positioned: nothing produced now is missed
                if (await client.get("/ready")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            else:
                pytest.fail("the desk never became ready")
        yield base


async def _alert_events(base: str, want: int, quiet_s: float, **params: str) -> list[dict]:
    """Alert events of the live stream until ``want`` arrived and ``quiet_s`` passed."""
    got: list[dict] = []

    async def read() -> None:
        async with (
            httpx.AsyncClient(base_url=base, timeout=None) as client,
            client.stream("GET", "/events/alerts", params=params) as response,
        ):
            assert response.headers["content-type"].startswith("text/event-stream")
            event = None
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "alert":
                    got.append(json.loads(line[6:]))

    task = asyncio.create_task(read())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while len(got) < want and loop.time() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(quiet_s)
    task.cancel()
    return got


async def test_pushed_alerts_are_shown_once_per_id(isolated_settings: Settings, desk: str) -> None:
    first, second = make_alert(1), make_alert(2, severity=Severity.medium)
    reader = asyncio.create_task(_alert_events(desk, want=2, quiet_s=2.0))
    await asyncio.sleep(0.5)  # the stream is open
    records = [(a.alert_id.encode(), a.to_bytes()) for a in (first, first, second, first)]
    await produce(isolated_settings, isolated_settings.topic_alerts, records)
    got = await reader
    assert [g["id"] for g in got] == [first.alert_id, second.alert_id]
    assert "Alert number 1" in got[0]["html"] and 'data-alert-id="' in got[0]["html"]


async def test_the_stream_applies_the_page_filters(isolated_settings: Settings, desk: str) -> None:
    reader = asyncio.create_task(_alert_events(desk, want=1, quiet_s=2.0, severity="medium"))
    await asyncio.sleep(0.5)
    alerts = [make_alert(3), make_alert(4, severity=Severity.medium)]
    await produce(
        isolated_settings,
        isolated_settings.topic_alerts,
        [(a.alert_id.encode(), a.to_bytes()) for a in alerts],
    )
    assert [g["id"] for g in await reader] == [alerts[1].alert_id]


async def test_a_page_opened_late_gets_what_fired_since_its_number(
    isolated_settings: Settings, desk: str
) -> None:
    async with httpx.AsyncClient(base_url=desk) as client:
        page = (await client.get("/")).text
    since = re.search(r'data-since="(\d+)"', page)
    assert since is not None
    alert = make_alert(5)
    await produce(isolated_settings, isolated_settings.topic_alerts, [(b"k", alert.to_bytes())])
    await asyncio.sleep(1.5)  # fired before the page's stream connects
    got = await _alert_events(desk, want=1, quiet_s=0.5, since=since.group(1))
    assert [g["id"] for g in got] == [alert.alert_id]


async def test_ten_thousand_alerts_are_paged_never_loaded_whole(
    isolated_settings: Settings, es_client: Elasticsearch, desk: str
) -> None:
    names = IndexNames(isolated_settings.index_prefix)
    alerts = [make_alert(n) for n in range(10_000)]
    helpers.bulk(
        es_client,
        (
            {
                "_index": names.alerts_index(a.alerted_at),
                "_id": a.alert_id,
                "_source": json.loads(a.to_bytes()),
            }
            for a in alerts
        ),
        refresh="wait_for",
        chunk_size=2000,
    )
    async with httpx.AsyncClient(base_url=desk, timeout=30) as client:
        first = (await client.get("/")).text
        ids = re.findall(r'data-alert-id="(al_[0-9a-f]+)"', first)
        assert len(ids) == 50
        assert ids[0] == alerts[-1].alert_id  # newest first
        assert '<span id="alert-count">10000</span> alert(s)' in first
        older = re.search(r'href="/\?(before=[^"]+)"', first)
        assert older is not None
        second = (await client.get("/?" + older.group(1).replace("&amp;", "&"))).text
        more = re.findall(r'data-alert-id="(al_[0-9a-f]+)"', second)
        assert more == [a.alert_id for a in reversed(alerts[-100:-50])]
        medium = (await client.get("/", params={"severity": "medium"})).text
        assert '<span id="alert-count">0</span> alert(s) matching' in medium


async def _csrf(client: httpx.AsyncClient) -> str:
    await client.get("/health")
    token = client.cookies.get(CSRF_COOKIE)
    assert token
    return token


async def test_silence_buttons_publish_like_the_cli_and_the_story_page_lists_them(
    isolated_settings: Settings, desk: str
) -> None:
    async with httpx.AsyncClient(base_url=desk, timeout=30) as client:
        token = await _csrf(client)
        headers = {"x-csrf-token": token, "accept": "application/json"}
        # An alert card offers its rule and its story; the button names which.
        answer = await client.post(
            "/silences",
            data={"scope": "story", "rule": "high-severity", "story": "story-7", "duration": "6h"},
            headers=headers,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["message"].startswith("silenced story story-7 until ")
        answer = await client.post(
            "/silences",
            data={"scope": "rule", "rule": "quiet-rule", "duration": "1h"},
            headers=headers,
        )
        assert answer.status_code == 200, answer.text
        book = await read_silences(isolated_settings)
        story = book.get(SilenceScope.story, "story-7")
        assert story is not None and story.created_by == "web"
        assert timedelta(hours=5, minutes=59) < story.until - story.created_at <= timedelta(hours=6)
        assert book.get(SilenceScope.rule, "quiet-rule") is not None
        page = (await client.get("/stories/story-7")).text
        assert "silenced: story story-7 until" in page
        bad = await client.post(
            "/silences", data={"scope": "story", "story": "s", "duration": "soon"}, headers=headers
        )
        assert bad.status_code == 400 and "not a duration" in bad.json()["message"]


async def test_search_page_runs_the_query_module_of_orbitwatch_search(
    isolated_settings: Settings, es_client: Elasticsearch, desk: str
) -> None:
    names = IndexNames(isolated_settings.index_prefix)
    event = lunar_event("moon-article-1", "moon-story-1", Severity.high)
    document = EventDocument.from_event(event)
    es_client.index(
        index=names.events_index(document.timestamp),
        id=document.article_id,
        document=json.loads(document.to_bytes()),
        refresh="wait_for",
    )
    async with httpx.AsyncClient(base_url=desk, timeout=30) as client:
        found = (await client.get("/search", params={"q": "reactor", "pair": "RU-CN"})).text
        assert "Russia and China to build a nuclear power plant on the Moon" in found
        assert 'href="/stories/moon-story-1"' in found
        none = (await client.get("/search", params={"q": "reactor", "type": "launch"})).text
        assert "0 shown of 0" in none
        refused = (await client.get("/search", params={"actor": "R1"})).text
        assert "--actor: expected an ISO 3166-1 alpha-2 code" in refused
        story = (await client.get("/stories/moon-story-1")).text
        assert "<mark" in story or "Russia and China" in story


async def test_a_correction_is_recorded_like_orbitwatch_feedback_and_the_overview_charts_it(
    isolated_settings: Settings, es_client: Elasticsearch, desk: str
) -> None:
    names = IndexNames(isolated_settings.index_prefix)
    document = EventDocument.from_event(
        lunar_event("moon-article-2", "moon-story-2", Severity.high)
    )
    es_client.index(
        index=names.events_index(document.timestamp),
        id=document.article_id,
        document=json.loads(document.to_bytes()),
        refresh="wait_for",
    )
    async with httpx.AsyncClient(base_url=desk, timeout=60) as client:
        token = await _csrf(client)
        answer = await client.post(
            "/verdicts",
            data={
                "target": "moon-article-2",
                "relevant": "1",
                "types": "lunar",
                "relation": "competition",
            },
            headers={"x-csrf-token": token, "accept": "application/json"},
        )
        assert answer.status_code == 200, answer.text
        assert "corrected" in answer.json()["message"]
        overview = (await client.get("/overview", params={"range": "30d"})).text
        assert "<polyline" in overview and "lunar (1)" in overview and ">CN-RU<" in overview
    records = await drain(isolated_settings, isolated_settings.topic_feedback, expect=1, quiet_s=1)
    verdict = Verdict.from_bytes(records[-1].value)
    assert verdict.article_id == "moon-article-2" and verdict.recorded_by == "web"
    assert [t.value for t in verdict.event_types] == ["lunar"]
    assert verdict.relation == "competition"
    assert set(verdict.corrections) >= {"event_types", "relation"}
