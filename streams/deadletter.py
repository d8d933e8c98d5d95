"""Dead-letter records: the original bytes plus why and where they failed, in headers.

Headers rather than a wrapper message keep the payload byte-exact for replay, and let
operators filter a DLQ by error type without parsing anything. The header names and what
they hold are defined once, in the topic registry (``schemas/topics.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from faust.types import EventT, TopicT

from orbitwatch.core.errors import InvalidMessage
from orbitwatch.core.retry import Backoff, retry_forever
from schemas.topics import (
    HEADER_ERROR_MESSAGE,
    HEADER_ERROR_TYPE,
    HEADER_SOURCE,
    MAX_ERROR_MESSAGE_CHARS,
)
from streams import metrics


def error_type(exc: BaseException) -> str:
    if isinstance(exc, InvalidMessage):
        return exc.reason
    return type(exc).__name__


def dead_letter_headers(event: EventT, exc: BaseException) -> list[tuple[str, bytes]]:
    message = event.message
    return [
        (HEADER_ERROR_TYPE, error_type(exc).encode()),
        (HEADER_ERROR_MESSAGE, str(exc)[:MAX_ERROR_MESSAGE_CHARS].encode("utf-8", "replace")),
        (HEADER_SOURCE, f"{message.topic}/{message.partition}/{message.offset}".encode()),
    ]


async def deliver_dead_letter(
    topic: TopicT, event: EventT, headers: list[tuple[str, bytes]]
) -> None:
    """Publish the original record with ``headers`` and wait until Kafka has it: the source
    offset is committed once the agent moves on, so an unconfirmed dead letter could vanish.
    Callers wrap this in their retry loop."""
    delivery = await topic.send(key=event.message.key, value=event.message.value, headers=headers)
    await delivery


class DeadLetters:
    """A dead-letter topic and the one way records reach it: counted, logged, and delivered
    with retries until Kafka has them (the source offset is committed once the agent moves
    on, so a dead letter must be safe before that)."""

    def __init__(
        self,
        topic: TopicT,
        log: logging.Logger,
        retry: Callable[[Callable[[], Awaitable[None]]], Awaitable[None]] | None = None,
    ) -> None:
        self.topic = topic
        self._log = log
        self._retry = retry or _retry_until_delivered

    async def send(
        self, event: EventT, exc: BaseException, extra: Sequence[tuple[str, bytes]] = ()
    ) -> None:
        reason = error_type(exc)
        headers = [*dead_letter_headers(event, exc), *extra]
        await self._retry(lambda: deliver_dead_letter(self.topic, event, headers))
        metrics.DEAD_LETTERS.labels(self.topic.get_topic_name(), reason).inc()
        message = event.message
        self._log.warning(
            "dead-lettered %s/%s/%s (%s): %s",
            message.topic,
            message.partition,
            message.offset,
            reason,
            exc,
        )


async def _retry_until_delivered(deliver: Callable[[], Awaitable[None]]) -> None:
    await retry_forever(deliver, Backoff(maximum=10.0))
