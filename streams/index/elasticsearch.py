"""A bulk sink for Elasticsearch: ``add`` operations, then ``flush`` until every one of them
is either acknowledged or refused for good.

The contract the indexing agent relies on:

- :meth:`BulkSink.flush` returns only when Elasticsearch has answered for every pending
  operation; the return value lists the documents it refused (to dead-letter). Requests
  that fail as a whole (connection errors, timeouts, 429, 5xx) and items that failed
  transiently are sent again with capped exponential backoff, for as long as the worker
  runs. Nothing is skipped; cancelling the flush (worker stopping) leaves the operations
  unacknowledged.
- :meth:`BulkSink.write_once` is one pass: it sends what is pending in chunks bounded by
  count and bytes, keeps what still needs sending, and raises a typed
  :class:`~streams.index.errors.SinkError` (with ``retry_after`` when the server asked for
  a pause) if anything is left.

Document ids are chosen by the caller and deterministic, so sending an operation twice
(after a timeout whose request did reach the cluster) overwrites, never duplicates.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from elastic_transport import TransportError
from elasticsearch import ApiError, AsyncElasticsearch

from orbitwatch.core.http import parse_retry_after
from orbitwatch.core.retry import Backoff, OnRetry, Sleep, retry_forever
from streams.index.bulk import IndexOperation, Outcome, bulk_body, chunks, item_outcome
from streams.index.errors import SinkBackpressure, SinkError, SinkUnavailable

T = TypeVar("T")


@dataclass(frozen=True)
class Rejection(Generic[T]):
    operation: IndexOperation[T]
    status: int
    error_type: str
    reason: str


def request_failure(exc: Exception) -> SinkError:
    """Translate a failed ``_bulk`` request into a typed, retriable sink error."""
    if isinstance(exc, ApiError):
        status = exc.meta.status
        headers = exc.meta.headers
        retry_after = parse_retry_after(headers.get("retry-after") if headers is not None else None)
        if status == 429:
            return SinkBackpressure(f"Elasticsearch is overloaded (HTTP 429): {exc}", retry_after)
        return SinkUnavailable(
            f"Elasticsearch refused the bulk request (HTTP {status}): {exc}", status, retry_after
        )
    return SinkUnavailable(f"Elasticsearch is unreachable: {type(exc).__name__}: {exc}")


class BulkSink(Generic[T]):
    def __init__(
        self,
        client: AsyncElasticsearch,
        *,
        max_docs: int,
        max_bytes: int,
        backoff: Backoff | None = None,
        sleep: Sleep = asyncio.sleep,
        on_retry: OnRetry | None = None,
        on_chunk: Callable[[int, int], None] = lambda docs, size: None,
        give_up: Callable[[], bool] = lambda: False,
    ) -> None:
        self.client = client
        self.max_docs = max_docs
        self.max_bytes = max_bytes
        self.backoff = backoff or Backoff()
        self.sleep = sleep
        self.on_retry = on_retry
        self.on_chunk = on_chunk
        self.give_up = give_up
        self._pending: list[IndexOperation[T]] = []
        self._rejected: list[Rejection[T]] = []

    @property
    def pending(self) -> int:
        return len(self._pending)

    def add(self, operation: IndexOperation[T]) -> None:
        self._pending.append(operation)

    def clear(self) -> None:
        """Forget pending operations (their batch was abandoned and will be read again)."""
        self._pending, self._rejected = [], []

    async def flush(self) -> list[Rejection[T]]:
        """Send everything pending; retry until all is answered. Returns the refusals.

        Raises :class:`~orbitwatch.core.retry.RetryAbandoned` if ``give_up()`` said so after a
        failed attempt; the operations not yet answered stay pending.
        """
        if self._pending:
            kwargs: dict[str, Any] = {"sleep": self.sleep, "give_up": self.give_up}
            if self.on_retry is not None:
                kwargs["on_retry"] = self.on_retry
            await retry_forever(self.write_once, self.backoff, **kwargs)
        rejected, self._rejected = self._rejected, []
        return rejected

    async def write_once(self) -> None:
        """One pass over the pending operations (see the module docstring)."""
        still_pending: list[IndexOperation[T]] = []
        failure: SinkError | None = None
        request_failed = False
        for chunk in chunks(self._pending, self.max_docs, self.max_bytes):
            if request_failed:
                still_pending.extend(chunk)  # the cluster is away or overloaded: stop here
                continue
            try:
                self.on_chunk(len(chunk), sum(op.size for op in chunk))
                # The client sends bytes lines as they are (its type hints only mention dicts).
                lines: Any = bulk_body(chunk)
                response = await self.client.bulk(operations=lines)
            except (ApiError, TransportError) as exc:
                failure, request_failed = request_failure(exc), True
                still_pending.extend(chunk)
                continue
            items = response.body.get("items", [])
            if len(items) != len(chunk):
                failure, request_failed = (
                    SinkUnavailable(
                        f"bulk response has {len(items)} items for {len(chunk)} operations"
                    ),
                    True,
                )
                still_pending.extend(chunk)
                continue
            throttled = 0
            for op, item in zip(chunk, items, strict=True):
                result = item_outcome(item)
                if result.outcome is Outcome.rejected:
                    self._rejected.append(
                        Rejection(op, result.status, result.error_type, result.reason)
                    )
                elif result.outcome is Outcome.retry:
                    throttled += 1
                    still_pending.append(op)
            if throttled and failure is None:
                failure = SinkBackpressure(
                    f"Elasticsearch deferred {throttled} of {len(chunk)} documents"
                )
        self._pending = still_pending
        if still_pending:
            assert failure is not None
            raise failure
