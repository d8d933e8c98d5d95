"""Reclassify's Elasticsearch side without a server (orbitwatch/reclassify/store.py): time-range
queries and URLs without credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orbitwatch.reclassify.store import safe_url, time_range_query

pytestmark = pytest.mark.unit


T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


NOW = T0 + timedelta(days=3)


def test_time_range_and_urls_without_credentials() -> None:
    assert time_range_query(T0, None) == {
        "bool": {"filter": [{"range": {"@timestamp": {"gte": "2026-11-20T08:00:00+00:00"}}}]}
    }
    assert time_range_query(T0, NOW)["bool"]["filter"][0]["range"]["@timestamp"]["lte"] == (
        "2026-11-23T08:00:00+00:00"
    )
    assert safe_url("https://user:s3cret@es.example:9200/x") == "https://es.example:9200/x"
    assert safe_url("http://127.0.0.1:19200") == "http://127.0.0.1:19200"
