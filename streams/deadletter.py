"""Dead-letter records: the original bytes plus why and where they failed, in headers.

Headers rather than a wrapper message keep the payload byte-exact for replay, and let
operators filter a DLQ by error type without parsing anything.
"""

from __future__ import annotations

from faust.types import EventT, TopicT

from orbitwatch.core.errors import InvalidMessage

HEADER_ERROR_TYPE = "orbitwatch.error.type"
HEADER_ERROR_MESSAGE = "orbitwatch.error.message"
HEADER_SOURCE = "orbitwatch.source"
MAX_MESSAGE_CHARS = 2000


def error_type(exc: BaseException) -> str:
    if isinstance(exc, InvalidMessage):
        return exc.reason
    return type(exc).__name__


def dead_letter_headers(event: EventT, exc: BaseException) -> list[tuple[str, bytes]]:
    message = event.message
    return [
        (HEADER_ERROR_TYPE, error_type(exc).encode()),
        (HEADER_ERROR_MESSAGE, str(exc)[:MAX_MESSAGE_CHARS].encode("utf-8", "replace")),
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
