"""Typed sink failures. Retry code reads ``retriable`` and ``retry_after``, never messages.

Two kinds of failure, handled differently:

- the destination did not process a request (overloaded, down, unreachable): retriable,
  the same operations are sent again after a pause; nothing is skipped;
- the destination processed a document and refused it for good (mapping conflict):
  :class:`DocumentRejected`, which goes to the dead-letter topic.
"""

from __future__ import annotations

from orbitwatch.core.errors import InvalidMessage, OrbitwatchError


class SinkError(OrbitwatchError):
    """The destination did not take (all of) a batch; send the rest again later."""

    retriable = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SinkBackpressure(SinkError):
    """The destination asks us to slow down (HTTP 429 for the request or some documents).

    ``retry_after`` is the pause it asked for (``Retry-After``), if it said.
    """


class SinkUnavailable(SinkError):
    """No usable answer: connection refused or reset, timeout, 5xx, or auth refused.

    Authentication and authorization failures are retried too: rotated credentials come
    back, and dropping every event because a password expired would lose data.
    """

    def __init__(
        self, message: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, retry_after)
        self.status = status


class DocumentRejected(InvalidMessage):
    """Elasticsearch refused one document for good (e.g. ``mapper_parsing_exception``).

    An :class:`InvalidMessage` because the payload does not fit the index's schema; its
    ``reason`` is Elasticsearch's error type, which lands in the dead-letter headers.
    """

    def __init__(self, error_type: str, message: str, status: int, index: str) -> None:
        super().__init__(error_type, message)
        self.status = status
        self.index = index
