"""faust codecs for the message models."""

from __future__ import annotations

import faust
import pytest
from faust.exceptions import ValueDecodeError
from faust.serializers import codecs
from faust.serializers.registry import Registry

import schemas.codec  # noqa: F401  (registers the codecs)
from orbitwatch.core.errors import InvalidMessage
from schemas import Article, Classification, ClassifiedEvent, FeedState, utc_now
from schemas.codec import CODECS, ArticleCodec

pytestmark = pytest.mark.unit


def _article() -> Article:
    return Article(id="a1", feed_id="f", title="Луна", fetched_at=utc_now())


def test_every_codec_is_registered_under_its_name() -> None:
    for name, codec_class in CODECS.items():
        assert isinstance(codecs.get_codec(name), codec_class)
    assert set(CODECS) >= {"article", "classification", "classified_event", "feed_state"}


def test_round_trip_through_faust_dumps_and_loads() -> None:
    article = _article()
    payload = codecs.dumps("article", article)
    assert payload == article.to_bytes()
    assert codecs.loads("article", payload) == article


def test_other_models_round_trip() -> None:
    classification = Classification(
        relevant=True, score=0.9, classifier_version="t", actors=["RU", "CN"]
    )
    event = ClassifiedEvent(
        article=_article(), classification=classification, story_id="a1", classified_at=utc_now()
    )
    state = FeedState(feed_id="f", url="https://e.example/", updated_at=utc_now())
    for name, message in (
        ("classification", classification),
        ("classified_event", event),
        ("feed_state", state),
    ):
        assert codecs.loads(name, codecs.dumps(name, message)) == message


def test_dicts_are_validated_before_they_are_sent() -> None:
    good = _article().model_dump(mode="json")
    assert codecs.loads("article", codecs.dumps("article", good)).id == "a1"
    with pytest.raises(InvalidMessage) as info:
        codecs.dumps("article", {"id": "x"})
    assert info.value.reason == "schema"
    with pytest.raises(InvalidMessage):
        codecs.dumps("article", 42)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json", "invalid_json"),
        (b"[1, 2]", "schema"),
        (b'{"id": "x"}', "schema"),
        (b"\xff\xfe", "encoding"),
        (
            b'{"schema_version": 99, "id": "x", "feed_id": "f", '
            b'"fetched_at": "2025-01-01T00:00:00Z"}',
            "schema_version",
        ),
    ],
)
def test_invalid_payloads_raise_invalid_message_with_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(InvalidMessage) as info:
        codecs.loads("article", payload)
    assert info.value.reason == reason


def test_faust_value_decoding_uses_the_codec_and_keeps_the_reason() -> None:
    registry = Registry(value_serializer="article")
    article = _article()
    assert registry.loads_value(None, article.to_bytes()) == article
    with pytest.raises(ValueDecodeError) as info:
        registry.loads_value(None, b'{"id": 1}')
    assert isinstance(info.value.__cause__, InvalidMessage)
    assert info.value.__cause__.reason == "schema"


def test_faust_topic_accepts_the_codec_by_name() -> None:
    app = faust.App("orbitwatch-codec-test", broker="memory://", store="memory://")
    topic = app.topic("articles.raw", value_serializer="article")
    assert topic.value_serializer == "article"  # type: ignore[attr-defined]
    article = _article()
    assert app.serializers.dumps_value(None, article, serializer="article") == article.to_bytes()
    assert isinstance(codecs.get_codec("article"), ArticleCodec)
