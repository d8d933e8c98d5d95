"""Bulk batching and the classification of bulk response items (streams/index/bulk.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from streams.index.bulk import IndexOperation, Outcome, chunks, item_outcome

pytestmark = pytest.mark.unit


def _op(doc_id: str, size: int = 10) -> IndexOperation[str]:
    return IndexOperation("idx", doc_id, json.dumps({"pad": "x" * size}).encode(), doc_id)


def test_chunks_respect_the_count_bound() -> None:
    ops = [_op(str(i)) for i in range(7)]
    assert [len(c) for c in chunks(ops, max_docs=3, max_bytes=10**6)] == [3, 3, 1]


def test_chunks_respect_the_byte_bound() -> None:
    ops = [_op(str(i), size=100) for i in range(5)]
    per_op = ops[0].size
    sizes = [len(c) for c in chunks(ops, max_docs=100, max_bytes=per_op * 2 + 1)]
    assert sizes == [2, 2, 1]
    for chunk in chunks(ops, max_docs=100, max_bytes=per_op * 2 + 1):
        assert sum(op.size for op in chunk) <= per_op * 2 + 1


def test_an_operation_larger_than_the_byte_bound_goes_alone() -> None:
    ops = [_op("small"), _op("huge", size=5000), _op("small2")]
    assert [[o.doc_id for o in c] for c in chunks(ops, 10, 1000)] == [
        ["small"],
        ["huge"],
        ["small2"],
    ]


def test_operation_size_counts_both_lines_and_newlines() -> None:
    op = _op("a")
    assert op.size == len(op.action_line) + len(op.source) + 2
    assert json.loads(op.action_line) == {"index": {"_index": "idx", "_id": "a"}}


@pytest.mark.parametrize(
    ("item", "outcome"),
    [
        ({"index": {"status": 201, "result": "created"}}, Outcome.acknowledged),
        ({"index": {"status": 200, "result": "updated"}}, Outcome.acknowledged),
        (
            {"index": {"status": 429, "error": {"type": "es_rejected_execution_exception"}}},
            Outcome.retry,
        ),
        (
            {"index": {"status": 503, "error": {"type": "unavailable_shards_exception"}}},
            Outcome.retry,
        ),
        ({"index": {"status": 403, "error": {"type": "cluster_block_exception"}}}, Outcome.retry),
        (
            {"index": {"status": 400, "error": {"type": "document_parsing_exception"}}},
            Outcome.rejected,
        ),
        (
            {"index": {"status": 400, "error": {"type": "mapper_parsing_exception"}}},
            Outcome.rejected,
        ),
    ],
)
def test_item_outcome(item: dict[str, Any], outcome: Outcome) -> None:
    assert item_outcome(item).outcome is outcome


def test_rejection_reason_includes_the_cause() -> None:
    result = item_outcome(
        {
            "index": {
                "status": 400,
                "error": {
                    "type": "document_parsing_exception",
                    "reason": "failed to parse field [x]",
                    "caused_by": {"type": "illegal_argument_exception", "reason": "bad number"},
                },
            }
        }
    )
    assert result.error_type == "document_parsing_exception"
    assert "failed to parse field [x]" in result.reason and "bad number" in result.reason
