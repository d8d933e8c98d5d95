"""The request ``orbitwatch search`` sends: times, facets, pairs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orbitwatch.query import EventQuery, InvalidQuery, normalize_pair, parse_time

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", NOW - timedelta(hours=24)),
        ("7d", NOW - timedelta(days=7)),
        ("30m", NOW - timedelta(minutes=30)),
        ("2w", NOW - timedelta(weeks=2)),
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01T10:00:00+02:00", datetime(2026, 11, 1, 8, tzinfo=UTC)),
    ],
)
def test_parse_time(text: str, expected: datetime) -> None:
    assert parse_time(text, now=NOW) == expected


def test_parse_time_refuses_nonsense() -> None:
    with pytest.raises(InvalidQuery, match="not a time"):
        parse_time("yesterday-ish", now=NOW)


def test_pairs_are_normalized_to_the_stored_order() -> None:
    assert normalize_pair("ru-cn") == "CN-RU"
    assert normalize_pair("RU/CN") == "CN-RU"
    assert normalize_pair("CN-RU") == "CN-RU"
    with pytest.raises(InvalidQuery):
        normalize_pair("RU")


def test_body_combines_text_facets_and_time() -> None:
    body = EventQuery(
        text="moon AND reactor",
        actors=["ru"],
        pairs=["ru-cn"],
        event_types=["lunar"],
        severities=["high"],
        since=NOW - timedelta(days=1),
        until=NOW,
        limit=5,
    ).body()
    query = body["query"]["bool"]
    assert query["must"][0]["query_string"]["query"] == (
        "(title:moon OR summary:moon OR search_text:moon) AND "
        "(title:reactor OR summary:reactor OR search_text:(react OR reactor))"
    )
    assert query["must"][0]["query_string"]["fields"] == ["title", "summary"]
    assert {"terms": {"actors": ["RU"]}} in query["filter"]
    assert {"terms": {"actor_pairs": ["CN-RU"]}} in query["filter"]
    assert {"terms": {"event_types": ["lunar"]}} in query["filter"]
    assert {"terms": {"severity": ["high"]}} in query["filter"]
    time_range = next(f["range"]["@timestamp"] for f in query["filter"] if "range" in f)
    assert time_range == {"gte": "2026-11-23T12:00:00+00:00", "lte": "2026-11-24T12:00:00+00:00"}
    assert body["size"] == 5
    assert body["sort"][0] == {"@timestamp": {"order": "desc"}}


def test_no_text_matches_everything() -> None:
    body = EventQuery().body()
    assert body["query"]["bool"] == {"must": [{"match_all": {}}], "filter": []}


@pytest.mark.parametrize(
    "text",
    [
        "moon",
        "title:moon AND summary:reactor",
        "title.keyword:Moon OR evidence.term:x",
        "_exists_:url",
        "actors:RU AND severity:high",
        "title*:moon",
        "moon AND (",  # not luqum's to judge: Elasticsearch answers with its own error
    ],
)
def test_fields_of_the_events_mapping_are_accepted(text: str) -> None:
    EventQuery(text=text).check()


def test_an_unknown_field_is_refused_with_the_known_ones() -> None:
    with pytest.raises(InvalidQuery) as caught:
        EventQuery(text="moon AND nosuchfield:x").body()
    message = str(caught.value)
    assert message.startswith("unknown field 'nosuchfield' in the query (known: ")
    assert "actors" in message and "title.keyword" in message and "@timestamp" in message


def test_unknown_severities_types_and_actors_are_refused_with_the_allowed_values() -> None:
    with pytest.raises(InvalidQuery, match="--severity: expected one of high, medium, low, none"):
        EventQuery(severities=["critical"]).check()
    with pytest.raises(InvalidQuery, match=r"--type: expected one of lunar, .*got telepathy"):
        EventQuery(event_types=["telepathy"]).check()
    with pytest.raises(InvalidQuery, match=r"--actor: .*got Russia"):
        EventQuery(actors=["Russia"]).check()
    EventQuery(actors=["ru", "NATO"], severities=["high"], event_types=["lunar"]).check()


def test_since_after_until_is_refused() -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    with pytest.raises(InvalidQuery, match=r"--since \(2026-11-20T00:00:00Z\) is after --until"):
        EventQuery(since=now, until=now - timedelta(days=1)).check()
    EventQuery(since=now, until=now).check()
