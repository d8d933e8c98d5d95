"""faust codecs for the message models, so agents send and receive them directly.

Importing this module registers one codec per model under a short name::

    import schemas.codec  # noqa: F401  (registers "article", "classified_event", ...)

    raw = app.topic(settings.topic_articles_raw, value_serializer="article")

    @app.agent(raw)
    async def classify(articles):
        async for article in articles:  # schemas.Article instances
            ...

Decoding goes through :meth:`schemas.Message.from_bytes`, so a bad payload raises
:class:`orbitwatch.core.errors.InvalidMessage` with its ``reason``; faust wraps it in
``ValueDecodeError`` with the ``InvalidMessage`` as ``__cause__``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from faust.serializers import codecs

from orbitwatch.core.errors import InvalidMessage
from schemas.article import Article
from schemas.base import Message
from schemas.classification import Classification, ClassifiedEvent
from schemas.feed_state import FeedHealth, FeedState


class MessageCodec(codecs.Codec):
    """JSON codec bound to one :class:`Message` model (set ``model`` in a subclass)."""

    model: ClassVar[type[Message]]

    def _dumps(self, obj: Any) -> bytes:
        if isinstance(obj, self.model):
            return obj.to_bytes()
        if isinstance(obj, dict):
            # A dict is accepted only if it is a valid message: nothing unchecked goes out.
            return self.model.from_obj(obj).to_bytes()
        raise InvalidMessage(
            "schema", f"{self.model.__name__} codec cannot encode a {type(obj).__name__}"
        )

    def _loads(self, s: bytes) -> Message:
        return self.model.from_bytes(s)


class ArticleCodec(MessageCodec):
    model = Article


class ClassificationCodec(MessageCodec):
    model = Classification


class ClassifiedEventCodec(MessageCodec):
    model = ClassifiedEvent


class FeedStateCodec(MessageCodec):
    model = FeedState


class FeedHealthCodec(MessageCodec):
    model = FeedHealth


CODECS: dict[str, type[MessageCodec]] = {
    "article": ArticleCodec,
    "classification": ClassificationCodec,
    "classified_event": ClassifiedEventCodec,
    "feed_state": FeedStateCodec,
    "feed_health": FeedHealthCodec,
}


def register_codecs() -> None:
    """Register every codec with faust (idempotent; done on import)."""
    for name, codec_class in CODECS.items():
        codecs.register(name, codec_class())


register_codecs()
