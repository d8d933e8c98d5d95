"""The indexing agent on the real Kafka and Elasticsearch: events and stories indexed by id,
replays change nothing, refused documents and bad payloads land in events.dlq, and
``orbitwatch es setup`` / ``orbitwatch search`` work against what the worker wrote."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from elasticsearch import Elasticsearch
from typer.testing import CliRunner

from orbitwatch.cli import app as cli
from orbitwatch.core.kafka import ensure_topics
from orbitwatch.core.settings import Settings, get_settings
from schemas import Article, Classification, ClassifiedEvent, EventType, Relation, Severity
from schemas.documents import StoryDocument
from schemas.indices.names import IndexNames
from schemas.topics import topic_specs
from streams.deadletter import HEADER_ERROR_TYPE
from streams.index.agent import HEADER_ES_STATUS
from streams.worker import build_worker_app
from tests.kafka_io import drain, produce

pytestmark = pytest.mark.integration

NOV = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
MARCH_2025 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


def _event(
    aid: str,
    story: str,
    title: str,
    at: datetime,
    actors: list[str],
    types: list[EventType],
    severity: Severity = Severity.high,
    duplicate_of: str | None = None,
    feed: str = "wire-a",
    relevant: bool = True,
) -> ClassifiedEvent:
    return ClassifiedEvent(
        article=Article(
            id=aid,
            feed_id=feed,
            url=f"https://news.example/{aid}",
            title=title,
            summary=f"{title}. More words about it.",
            language="en",
            published_at=at,
            fetched_at=at,
        ),
        classification=Classification(
            relevant=relevant,
            relation=Relation.cooperation,
            actors=actors,
            event_types=types,
            severity=severity,
            score=0.9,
            classifier_version="test-1",
        ),
        story_id=story,
        duplicate_of=duplicate_of,
        classified_at=at,
    )


LUNAR = _event(
    "lunar-1",
    "lunar-1",
    "Russia and China to build a nuclear power plant on the Moon",
    NOV,
    ["CN", "RU"],
    [EventType.lunar, EventType.nuclear],
)

LUNAR_2 = _event(
    "lunar-2",
    "lunar-1",
    "Moon reactor: Roscosmos and CNSA sign plan",
    NOV.replace(hour=11),
    ["CN", "RU"],
    [EventType.lunar, EventType.agreements_policy],
    severity=Severity.medium,
    feed="wire-b",
)
ASAT = _event(
    "asat-1",
    "asat-1",
    "Anti-satellite missile test creates debris cloud",
    NOV.replace(day=20),
    ["RU"],
    [EventType.counterspace],
)
# Not a space event: indexed as an event, but it gets no story document.
WEATHER = _event(
    "weather-1",
    "weather-1",
    "Storm warning for the coast",
    NOV,
    [],
    [],
    severity=Severity.low,
    relevant=False,
)


async def _produce(settings: Settings, records: list[tuple[bytes, bytes]]) -> None:
    await produce(settings, settings.topic_events_classified, records)


def _record(event: ClassifiedEvent) -> tuple[bytes, bytes]:
    return event.story_id.encode(), event.to_bytes()


async def _wait_for(check: Callable[[], bool], limit_s: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not check():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.5)


def _count(es: Elasticsearch, index: str) -> int:
    es.options(ignore_status=404).indices.refresh(index=index)
    response = es.options(ignore_status=404).count(index=index)
    return int(response.body.get("count", 0))


async def test_worker_indexes_events_and_stories_and_replays_change_nothing(
    isolated_settings: Settings, es_client: Elasticsearch
) -> None:
    settings = isolated_settings
    names = IndexNames(settings.index_prefix)
    await ensure_topics(settings, topic_specs(settings))
    app, _ = build_worker_app(settings)
    await app.start()
    try:
        await _produce(
            settings, [_record(LUNAR), _record(LUNAR_2), _record(ASAT), _record(WEATHER)]
        )
        await _wait_for(
            lambda: (
                _count(es_client, names.events_alias) == 4
                and _count(es_client, names.stories_alias) == 2
            )
        )
        # Replaying the same events (a consumer reset, a producer retry) changes nothing.
        await _produce(settings, [_record(LUNAR), _record(LUNAR_2), _record(ASAT)])
        await asyncio.sleep(6)  # more than the batch interval: the replay got indexed
    finally:
        await app.stop()

    assert _count(es_client, names.events_alias) == 4
    assert _count(es_client, names.stories_alias) == 2  # none for the irrelevant event

    doc = es_client.get(index=names.events_index(NOV), id="lunar-1").body["_source"]
    assert doc["actor_pairs"] == ["CN-RU"]
    assert doc["@timestamp"].startswith("2026-11-24T09:00:00")

    by_pair = es_client.search(index=names.events_alias, query={"term": {"actor_pairs": "CN-RU"}})
    assert sorted(h["_id"] for h in by_pair.body["hits"]["hits"]) == ["lunar-1", "lunar-2"]
    by_type = es_client.search(
        index=names.events_alias, query={"term": {"event_types": "counterspace"}}
    )
    assert [h["_id"] for h in by_type.body["hits"]["hits"]] == ["asat-1"]
    by_words = es_client.search(
        index=names.events_alias, query={"match_phrase": {"title": "power plant"}}
    )
    assert {h["_id"] for h in by_words.body["hits"]["hits"]} == {"lunar-1"}
    by_evidence_free = es_client.search(
        index=names.events_alias, query={"term": {"evidence.value": "RU"}}
    )
    assert by_evidence_free.body["hits"]["total"]["value"] == 0  # no evidence in these events

    story = StoryDocument.from_obj(
        es_client.get(index=names.stories_alias, id="lunar-1").body["_source"]
    )
    assert story.article_count == 2
    assert story.article_ids == ["lunar-1", "lunar-2"]
    assert story.title == LUNAR.article.title
    assert story.feed_ids == ["wire-a", "wire-b"]
    assert story.first_seen == NOV and story.last_seen == NOV.replace(hour=11)
    assert story.max_severity is Severity.high
    assert story.latest_classification.article_id == "lunar-2"
    assert set(story.event_types) == {
        EventType.lunar,
        EventType.nuclear,
        EventType.agreements_policy,
    }
    assert story.actor_pairs == ["CN-RU"]

    # orbitwatch search finds them through the alias (the CLI reads settings from the env).
    env = {"ORBITWATCH_INDEX_PREFIX": settings.index_prefix, "ORBITWATCH_ES_URL": settings.es_url}
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        result = runner.invoke(
            cli, ["search", '"power plant"', "--pair", "ru-cn", "--json"], env=env
        )
        assert result.exit_code == 0, result.output
        found = [json.loads(line) for line in result.stdout.splitlines()]
        assert [d["article_id"] for d in found] == ["lunar-1"]
        result = runner.invoke(
            cli, ["search", "--type", "counterspace", "--since", "2026-11-01"], env=env
        )
        assert result.exit_code == 0, result.output
        assert "asat-1" in result.stdout and "lunar-1" not in result.stdout
    finally:
        get_settings.cache_clear()


async def test_refused_documents_and_bad_payloads_go_to_the_dead_letter_topic(
    isolated_settings: Settings, es_client: Elasticsearch
) -> None:
    settings = isolated_settings
    names = IndexNames(settings.index_prefix)
    # A month index created by hand with duplicate_of as a number: a document carrying a
    # duplicate_of string cannot go in; one without it can.
    es_client.indices.create(
        index=names.events_index(MARCH_2025),
        mappings={"properties": {"duplicate_of": {"type": "long"}}},
    )
    clash = _event(
        "clash-1", "story-x", "Launch report", MARCH_2025, ["US"], [], duplicate_of="launch-0"
    )
    fine = _event("fine-1", "story-y", "Another launch report", MARCH_2025, ["US"], [])
    await ensure_topics(settings, topic_specs(settings))
    app, _ = build_worker_app(settings)
    await app.start()
    try:
        await _produce(
            settings,
            [_record(clash), _record(fine), (b"junk", b"{not json"), _record(LUNAR)],
        )
        dead = await drain(settings, settings.topic_events_dlq, expect=2, quiet_s=2.0)
        await _wait_for(lambda: _count(es_client, names.events_alias) == 2)
    finally:
        await app.stop()

    by_key = {r.key: dict(r.headers) for r in dead}
    assert sorted(by_key) == [b"junk", b"story-x"]
    assert by_key[b"junk"][HEADER_ERROR_TYPE] == b"invalid_json"
    refused = by_key[b"story-x"]
    assert refused[HEADER_ERROR_TYPE] in (
        b"document_parsing_exception",
        b"mapper_parsing_exception",
    )
    assert refused[HEADER_ES_STATUS] == b"400"
    assert next(r.value for r in dead if r.key == b"story-x") == clash.to_bytes()
    # A GET by id needs the concrete index (the alias spans months): search by ids instead.
    found = es_client.search(
        index=names.events_alias, query={"ids": {"values": ["fine-1", "lunar-1", "clash-1"]}}
    )
    assert sorted(h["_id"] for h in found.body["hits"]["hits"]) == ["fine-1", "lunar-1"]


def test_es_setup_twice_is_idempotent(
    isolated_settings: Settings, es_client: Elasticsearch
) -> None:
    env = {
        "ORBITWATCH_INDEX_PREFIX": isolated_settings.index_prefix,
        "ORBITWATCH_ES_URL": isolated_settings.es_url,
    }
    names = IndexNames(isolated_settings.index_prefix)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        first = runner.invoke(cli, ["es", "setup"], env=env)
        assert first.exit_code == 0, first.output
        assert "template" in first.stdout and "created" in first.stdout
        second = runner.invoke(cli, ["es", "setup"], env=env)
        assert second.exit_code == 0, second.output
        assert "created" not in second.stdout and "updated" not in second.stdout
        status = runner.invoke(cli, ["es", "status"], env=env)
        assert status.exit_code == 0, status.output
        assert names.stories_index in status.stdout
    finally:
        get_settings.cache_clear()

    template = es_client.indices.get_index_template(name=names.template("events"))
    assert template.body["index_templates"][0]["index_template"]["index_patterns"] == [
        names.events_pattern
    ]
    aliases = es_client.indices.get_alias(name=names.stories_alias).body
    assert list(aliases) == [names.stories_index]
