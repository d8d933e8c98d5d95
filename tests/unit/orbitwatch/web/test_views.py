from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest

from orbitwatch.web.views import AlertFilters, AlertView, age, safe_link
from schemas.alert import Alert, AlertKind
from schemas.classification import EventType, Relation, Severity

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def make_alert(**overrides: object) -> Alert:
    fields: dict[str, object] = {
        "alert_id": "al_1",
        "kind": AlertKind.match,
        "rule": "high-severity",
        "severity": Severity.high,
        "title": "Russia and China plan a nuclear power plant on the Moon",
        "story_id": "story-1",
        "article_ids": ["a-1", "a-2"],
        "actors": ["CN", "RU"],
        "event_types": [EventType.lunar, EventType.nuclear],
        "relation": Relation.cooperation,
        "published_at": NOW - timedelta(minutes=5),
        "alerted_at": NOW,
        "source_urls": ["https://news.example/1", "javascript:alert(1)"],
    }
    fields.update(overrides)
    return Alert(**fields)


def test_filters_from_the_query_string_and_back() -> None:
    params = parse_qs("severity=high&severity=bogus&actor=ru&type=lunar&type=nope&rule=r1")
    filters = AlertFilters.from_query(params)
    assert filters == AlertFilters(("high",), ("r1",), ("RU",), ("lunar",))
    assert AlertFilters.from_query(parse_qs(filters.query_string())) == filters
    assert filters.active and not AlertFilters().active
    # What the page's text boxes send: several values in one box.
    boxes = AlertFilters.from_query(parse_qs("rule=r1+r2&actor=ru,+cn"))
    assert boxes.rules == ("r1", "r2") and boxes.actors == ("RU", "CN")


def test_filters_accept() -> None:
    alert = make_alert()
    assert AlertFilters().accepts(alert)
    assert AlertFilters(severities=("high",), actors=("RU",), types=("lunar",)).accepts(alert)
    assert not AlertFilters(severities=("medium",)).accepts(alert)
    assert not AlertFilters(rules=("other",)).accepts(alert)
    assert not AlertFilters(actors=("US",)).accepts(alert)
    assert not AlertFilters(types=("launch",)).accepts(alert)


def test_filters_as_elasticsearch_terms() -> None:
    assert AlertFilters().es_filters() == []
    assert AlertFilters(severities=("high",), actors=("RU", "CN")).es_filters() == [
        {"terms": {"severity": ["high"]}},
        {"terms": {"actors": ["RU", "CN"]}},
    ]


def test_age() -> None:
    assert age(None, NOW) == "time unknown"
    assert age(NOW - timedelta(seconds=20), NOW) == "just now"
    assert age(NOW - timedelta(minutes=5), NOW) == "5 min ago"
    assert age(NOW - timedelta(hours=3), NOW) == "3 h ago"
    assert age(NOW - timedelta(days=2), NOW) == "2 d ago"
    assert age(NOW + timedelta(hours=1), NOW) == "in the future"


def test_view_of_an_alert() -> None:
    view = AlertView.of(make_alert(), ["ru", "en", "ru"])
    assert view.languages == ["en", "ru"]
    assert view.article_id == "a-2"  # the newest article
    assert view.types == ["lunar", "nuclear"] and view.relation == "cooperation"
    assert view.source_urls == ["https://news.example/1"]  # never a javascript: link


def test_safe_link() -> None:
    assert safe_link("https://x.example") and safe_link("HTTP://x.example")
    assert not safe_link("javascript:alert(1)") and not safe_link("") and not safe_link(None)
