"""``orbitwatch es reindex`` on the real Elasticsearch: indices from before ``search_text``
(no mapping for it, documents without it or with stale tokens, in two monthly indices behind
the alias, a story without its title's language) are brought up to date in place; a dry run
writes nothing; a second run changes nothing; search then finds inflected forms."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from typer.testing import CliRunner

from orbitwatch.cli import app as cli
from orbitwatch.core.settings import Settings, get_settings
from schemas import Article, Classification, ClassifiedEvent, Relation, Severity
from schemas.documents import EventDocument, StoryDocument
from schemas.indices.names import IndexNames
from schemas.indices.templates import index_templates

pytestmark = pytest.mark.integration

OCT = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)
NOV = datetime(2026, 11, 5, 8, 0, tzinfo=UTC)


def _event(aid: str, title: str, language: str, at: datetime) -> ClassifiedEvent:
    return ClassifiedEvent(
        article=Article(
            id=aid,
            feed_id="wire",
            title=title,
            summary="",
            language=language,
            published_at=at,
            fetched_at=at,
        ),
        classification=Classification(
            relevant=True,
            relation=Relation.cooperation,
            actors=["CN", "RU"],
            severity=Severity.medium,
            score=0.5,
            classifier_version="test",
        ),
        story_id=aid,
        classified_at=at,
    )


GLONASS = _event("ru-1", "Россия и Китай разместят наземные станции ГЛОНАСС", "ru", OCT)
BEIDOU = _event("zh-1", "中俄签署北斗与格洛纳斯地面站互设合作协议", "zh", NOV)
PLANT = _event("en-1", "Russia and China plan a nuclear power plant on the Moon", "en", NOV)


def _old(body: dict[str, Any], *fields: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in fields}


def _old_mappings(names: IndexNames, kind: str) -> dict[str, Any]:
    (spec,) = [s for s in index_templates(names) if s.kind == kind]
    mappings = json.loads(json.dumps(spec.body["template"]["mappings"]))
    del mappings["properties"]["search_text"]
    mappings["properties"].pop("title_language", None)
    return dict(mappings)


@pytest.fixture
def old_indices(isolated_settings: Settings, es_client: Elasticsearch) -> Iterator[IndexNames]:
    """Events in two monthly indices and a story, as an older release wrote them."""
    names = IndexNames(isolated_settings.index_prefix)
    for at in (OCT, NOV):
        es_client.indices.create(
            index=names.events_index(at),
            mappings=_old_mappings(names, "events"),
            aliases={names.events_alias: {}},
        )
    es_client.indices.create(
        index=names.stories_index,
        mappings=_old_mappings(names, "stories"),
        aliases={names.stories_alias: {}},
    )
    for event in (GLONASS, BEIDOU):
        body = _old(json.loads(EventDocument.from_event(event).to_bytes()), "search_text")
        es_client.index(
            index=names.events_index(event.article.fetched_at), id=event.id, document=body
        )
    stale = json.loads(EventDocument.from_event(PLANT).to_bytes()) | {"search_text": "stale"}
    es_client.index(index=names.events_index(NOV), id=PLANT.id, document=stale)
    story = json.loads(StoryDocument.start(GLONASS.id, GLONASS).to_bytes())
    es_client.index(
        index=names.stories_index,
        id=GLONASS.id,
        document=_old(story, "search_text", "title_language"),
    )
    es_client.indices.refresh(index=f"{names.events_alias},{names.stories_alias}")
    yield names


def _cli(settings: Settings, *args: str) -> Any:
    env = {"ORBITWATCH_INDEX_PREFIX": settings.index_prefix, "ORBITWATCH_ES_URL": settings.es_url}
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, list(args), env=env)
    finally:
        get_settings.cache_clear()


def _row(output: str, kind: str) -> list[str]:
    (line,) = [line for line in output.splitlines() if f" {kind} " in line]
    return line.replace("│", " ").split()[1:]


def _search_ids(settings: Settings, query: str) -> list[str]:
    result = _cli(settings, "search", query, "--json")
    assert result.exit_code == 0, result.output
    return [json.loads(line)["article_id"] for line in result.stdout.splitlines()]


def test_reindex_adds_search_text_in_place_and_is_idempotent(
    isolated_settings: Settings, es_client: Elasticsearch, old_indices: IndexNames
) -> None:
    names = old_indices
    settings = isolated_settings
    assert _search_ids(settings, "станция") == []  # the old documents know only "станции"

    dry = _cli(settings, "es", "reindex", "--dry-run")
    assert dry.exit_code == 0, dry.output
    # scanned, would update, unchanged, conflicts, failed, unreadable
    assert _row(dry.stdout, "events") == ["3", "3", "0", "0", "0", "0"]
    assert _row(dry.stdout, "stories") == ["1", "1", "0", "0", "0", "0"]
    assert "search_text" not in es_client.get(index=names.events_index(OCT), id="ru-1")["_source"]

    first = _cli(settings, "es", "reindex", "--batch-size", "2")
    assert first.exit_code == 0, first.output
    assert _row(first.stdout, "events") == ["3", "3", "0", "0", "0", "0"]
    assert _row(first.stdout, "stories") == ["1", "1", "0", "0", "0", "0"]

    # The mapping is on both monthly indices; documents stayed where they were, by id.
    for at in (OCT, NOV):
        mapping = es_client.indices.get_mapping(index=names.events_index(at)).body
        properties = mapping[names.events_index(at)]["mappings"]["properties"]
        assert properties["search_text"] == {"type": "text", "analyzer": "whitespace"}
    assert es_client.count(index=names.events_alias).body["count"] == 3
    for event in (GLONASS, BEIDOU, PLANT):
        hit = es_client.get(index=names.events_index(event.article.fetched_at), id=event.id)
        assert hit["_source"]["search_text"] == EventDocument.from_event(event).search_text
    story = es_client.get(index=names.stories_alias, id=GLONASS.id)["_source"]
    assert story["title_language"] == "ru"  # from its first article's event
    assert "станц" in story["search_text"].split()

    second = _cli(settings, "es", "reindex")
    assert second.exit_code == 0, second.output
    assert _row(second.stdout, "events") == ["3", "0", "3", "0", "0", "0"]
    assert _row(second.stdout, "stories") == ["1", "0", "1", "0", "0", "0"]

    assert _search_ids(settings, "станция") == ["ru-1"]
    assert _search_ids(settings, "格洛納斯") == ["zh-1"]
    assert _search_ids(settings, "plants") == ["en-1"]


def test_reindex_without_indices_reports_nothing(isolated_settings: Settings) -> None:
    result = _cli(isolated_settings, "es", "reindex")
    assert result.exit_code == 0, result.output
    assert _row(result.stdout, "events") == ["0", "0", "0", "0", "0", "0"]
