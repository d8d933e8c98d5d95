"""Index mappings agree with the document models (schemas/indices/mapping.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas import Article, Classification, ClassifiedEvent, EventType, Evidence, Relation
from schemas.alert import Alert, AlertKind
from schemas.classification import Severity
from schemas.documents import EventDocument, StoryDocument
from schemas.indices.mapping import field_mapping, mapping_for

pytestmark = pytest.mark.unit


AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _full_event() -> ClassifiedEvent:
    """An event with every optional field set, so its documents have every key."""
    return ClassifiedEvent(
        article=Article(
            id="a1",
            feed_id="wire",
            url="https://x.example/a1",
            title="t",
            summary="s",
            language="en",
            published_at=AT,
            fetched_at=AT,
        ),
        classification=Classification(
            relevant=True,
            relation=Relation.threat,
            actors=["CN", "RU"],
            event_types=[EventType.counterspace],
            severity=Severity.high,
            score=0.9,
            evidence=[Evidence(kind="actor", value="RU", term="Russia", start=0, end=6)],
            classifier_version="v1",
        ),
        story_id="a1",
        duplicate_of="a0",
        classified_at=AT,
    )


def _unmapped_paths(body: Any, properties: dict[str, Any], path: str = "") -> list[str]:
    """Keys of a JSON document that the mapping does not declare (recursively)."""
    missing: list[str] = []
    items = body if isinstance(body, list) else [body]
    for item in items:
        if not isinstance(item, dict):
            continue
        for key, value in item.items():
            where = f"{path}{key}"
            if key not in properties:
                missing.append(where)
            elif "properties" in properties[key]:
                missing += _unmapped_paths(value, properties[key]["properties"], where + ".")
    return missing


@pytest.mark.parametrize(
    "document",
    [
        EventDocument.from_event(_full_event()),
        StoryDocument.start("a1", _full_event()),
    ],
    ids=["event", "story"],
)
def test_every_field_of_a_document_is_mapped_and_nothing_else(document: Any) -> None:
    mapping = mapping_for(type(document))
    body = json.loads(document.to_bytes())
    assert _unmapped_paths(body, mapping["properties"]) == []
    assert set(mapping["properties"]) == set(body)  # no mapped field the model lacks


def test_field_types() -> None:
    props = mapping_for(EventDocument)["properties"]
    assert props["@timestamp"] == {"type": "date"}
    for keyword in ("actors", "actor_pairs", "event_types", "relation", "severity", "feed_id",
                    "feed_name", "language", "story_id", "classifier_version", "url",
                    "duplicate_of", "article_id"):  # fmt: skip
        assert props[keyword]["type"] == "keyword", keyword
    assert props["relevant"] == {"type": "boolean"}
    assert props["score"] == {"type": "float"}
    for text in ("title", "summary"):
        assert props[text]["type"] == "text"
        assert props[text]["fields"]["keyword"]["type"] == "keyword"
    assert props["evidence"]["properties"]["value"]["type"] == "keyword"
    assert props["evidence"]["properties"]["start"]["type"] == "long"
    assert mapping_for(EventDocument)["dynamic"] == "false"


def test_alert_mapping_comes_from_the_alert_model() -> None:
    props = mapping_for(Alert, text_fields=("title",))["properties"]
    assert set(props) == set(Alert.model_fields)
    assert props["alerted_at"] == {"type": "date"}
    assert props["title"]["type"] == "text"
    assert props["members"]["properties"]["story_id"]["type"] == "keyword"
    alert = Alert(
        alert_id="al_1",
        kind=AlertKind.match,
        rule="r",
        severity=Severity.high,
        title="t",
        alerted_at=AT,
    )
    assert _unmapped_paths(json.loads(alert.to_bytes()), props) == []


def test_unmappable_types_are_refused() -> None:
    with pytest.raises(TypeError):
        field_mapping(dict[str, int])
    with pytest.raises(TypeError):
        field_mapping(int | str)


def test_search_text_is_computed_and_mapped_for_the_whitespace_analyzer() -> None:
    for model in (EventDocument, StoryDocument):
        mapping = mapping_for(model)["properties"]["search_text"]
        assert mapping == {"type": "text", "analyzer": "whitespace"}
