"""Feed state: bounded seen ids, a changed feed URL (connectors/state.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.feedlist import FeedConfig
from connectors.state import SEEN_IDS_LIMIT, FeedStateStore, _bounded_seen
from schemas import FeedState

pytestmark = pytest.mark.unit


def test_seen_ids_are_bounded_and_keep_the_current_document() -> None:
    previous = [f"old{i}" for i in range(SEEN_IDS_LIMIT)]
    current = ["new1", "old5", "new2"]
    merged = _bounded_seen(previous, current)
    assert len(merged) == SEEN_IDS_LIMIT
    assert merged[-3:] == current
    assert "old0" not in merged and "old5" in merged
    huge = [f"id{i}" for i in range(SEEN_IDS_LIMIT + 500)]
    assert _bounded_seen([], huge) == huge  # a feed listing more than the limit keeps all


def test_changed_feed_url_drops_validators_but_keeps_seen_ids() -> None:
    feed = FeedConfig(id="f", name="f", url="https://new.example/rss")
    old = FeedState(
        feed_id="f",
        url="https://old.example/rss",
        etag='"x"',
        last_modified="yesterday",
        seen_ids=["a"],
        updated_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    store = FeedStateStore({"f": old})
    state = store.get(feed)
    assert state.url == feed.url and state.etag is None and state.last_modified is None
    assert state.seen_ids == ["a"]
