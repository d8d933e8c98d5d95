"""Bulk operations and the two pure decisions around a ``_bulk`` call.

1. How to cut pending operations into requests bounded by a document count and a body size
   (:func:`chunks`). A single operation larger than the byte bound goes alone rather than
   never.
2. What one item of a bulk response means (:func:`item_outcome`): acknowledged, worth
   sending again (429, 5xx, a cluster block), or refused for good (any other 4xx).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# Refusals caused by the cluster's state rather than the document: an index made read-only
# by an operator or a disk watermark comes back once the condition clears.
RETRIABLE_ERROR_TYPES = frozenset({"cluster_block_exception", "es_rejected_execution_exception"})


@dataclass(frozen=True)
class IndexOperation(Generic[T]):
    """Index (create or overwrite) one document. ``origin`` is the caller's handle on where
    the document came from (a Kafka event), handed back with the outcome."""

    index: str
    doc_id: str
    source: bytes
    origin: T

    @property
    def action_line(self) -> bytes:
        return json.dumps({"index": {"_index": self.index, "_id": self.doc_id}}).encode()

    @property
    def size(self) -> int:
        """Bytes this operation adds to a bulk body (two lines, two newlines)."""
        return len(self.action_line) + len(self.source) + 2


def chunks(
    operations: Sequence[IndexOperation[T]], max_docs: int, max_bytes: int
) -> Iterator[list[IndexOperation[T]]]:
    """Consecutive runs of operations, each within ``max_docs`` and ``max_bytes``."""
    chunk: list[IndexOperation[T]] = []
    size = 0
    for op in operations:
        if chunk and (len(chunk) >= max_docs or size + op.size > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(op)
        size += op.size
    if chunk:
        yield chunk


def bulk_body(operations: Sequence[IndexOperation[Any]]) -> list[bytes]:
    """NDJSON lines for the client; sources are the models' bytes, sent as they are."""
    lines: list[bytes] = []
    for op in operations:
        lines.append(op.action_line)
        lines.append(op.source)
    return lines


class Outcome(StrEnum):
    acknowledged = "acknowledged"
    retry = "retry"
    rejected = "rejected"


@dataclass(frozen=True)
class ItemResult:
    outcome: Outcome
    status: int
    error_type: str = ""
    reason: str = ""


def item_outcome(item: Mapping[str, Any]) -> ItemResult:
    """Classify one entry of a bulk response's ``items`` (``{"index": {...}}``)."""
    (result,) = item.values()
    status = int(result.get("status", 0))
    error = result.get("error") or {}
    if isinstance(error, str):  # very old servers sent a bare string
        error = {"type": "error", "reason": error}
    error_type = str(error.get("type", ""))
    reason = str(error.get("reason", ""))
    caused_by = error.get("caused_by") or {}
    if caused_by.get("reason"):
        reason = f"{reason}: {caused_by.get('type', '')}: {caused_by['reason']}"
    if 200 <= status < 300 and not error:
        return ItemResult(Outcome.acknowledged, status)
    if status == 429 or status >= 500 or error_type in RETRIABLE_ERROR_TYPES:
        return ItemResult(Outcome.retry, status, error_type, reason)
    return ItemResult(Outcome.rejected, status, error_type or "rejected", reason)
