"""The demo feed server: real HTTP on 127.0.0.1, validators, runtime changes."""

from __future__ import annotations

import aiohttp
import pytest

from connectors.demo.server import DEMO_FEEDS, DemoFeedServer
from connectors.feedlist import FeedConfig
from connectors.normalize import normalize_feed
from connectors.parse import parse_document
from schemas import utc_now

pytestmark = pytest.mark.unit


async def test_serves_every_demo_feed_with_validators(server: DemoFeedServer) -> None:
    assert server.port > 0
    async with aiohttp.ClientSession() as session:
        for name in DEMO_FEEDS:
            async with session.get(server.url_for(name)) as response:
                assert response.status == 200
                assert response.headers["ETag"] and response.headers["Last-Modified"]
                etag = response.headers["ETag"]
                modified = response.headers["Last-Modified"]
            async with session.get(server.url_for(name), headers={"If-None-Match": etag}) as again:
                assert again.status == 304
            async with session.get(
                server.url_for(name), headers={"If-Modified-Since": modified}
            ) as since:
                assert since.status == 304
        async with session.get(server.url_for("missing")) as missing:
            assert missing.status == 404


async def test_add_entry_changes_validators_and_content(server: DemoFeedServer) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(server.url_for("tiangong-daily")) as response:
            etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
        server.add_entry(
            "tiangong-daily",
            title="新条目",
            link="https://tiangong-daily.example/new",
            summary="测试",
            guid="tag:tiangong-daily.example,2025:new",
        )
        async with session.get(
            server.url_for("tiangong-daily"),
            headers={"If-None-Match": etag, "If-Modified-Since": modified},
        ) as response:
            assert response.status == 200
            body = await response.read()
    parsed = parse_document(body)
    assert parsed.entries[0].title == "新条目"
    assert len(parsed.entries) == 4


def test_demo_content_covers_languages_alerts_and_a_shared_story() -> None:
    feeds = {
        name: FeedConfig(id=name, name=name, url="https://demo.invalid/") for name in DEMO_FEEDS
    }
    server = DemoFeedServer()
    articles = []
    for name, document in server.documents.items():
        parsed = parse_document(document.body)
        articles += normalize_feed(parsed, feeds[name], fetched_at=utc_now())
    assert {a.language for a in articles} == {"en", "ru", "zh"}
    text = " ".join(a.text for a in articles)
    for cue in ("2033", "ГЛОНАСС", "北斗", "anti-satellite", "Starlink", "Газпром", "telescope"):
        assert cue in text
    lunar = [a for a in articles if "2033" in a.text]
    assert len({a.feed_id for a in lunar}) == 2  # one story, two feeds
