"""The feed list in YAML (connectors/feedlist.py); OPML import is in test_opml.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from connectors.feedlist import (
    DEFAULT_POLL_INTERVAL,
    FeedListError,
    derive_feed_id,
    feeds_from_data,
    feeds_to_yaml,
    load_feed_list,
)
from orbitwatch.core.settings import PROJECT_ROOT

pytestmark = pytest.mark.unit


def test_minimal_entry_gets_defaults_and_derived_id() -> None:
    (feed,) = feeds_from_data(
        {"feeds": [{"name": "SpaceNews (Military)", "url": "https://spacenews.com/feed/"}]}
    )
    assert feed.id == "spacenews-military"
    assert feed.poll_interval == DEFAULT_POLL_INTERVAL
    assert feed.allow_private is False
    assert feed.language is None and feed.tags == []
    assert feed.host == "spacenews.com"


def test_non_latin_names_get_a_stable_id() -> None:
    first = derive_feed_id("ТАСС", "https://tass.ru/rss/v2.xml")
    assert first == derive_feed_id("ТАСС", "https://tass.ru/rss/v2.xml")
    assert first.startswith("tass-ru-")


def test_defaults_durations_languages_and_tags() -> None:
    data = {
        "defaults": {"poll_interval": "15m"},
        "feeds": [
            {
                "name": "A",
                "url": "https://a.example/rss",
                "language": "en-US",
                "tags": ["Space", " space "],
            },
            {"name": "B", "url": "https://b.example/rss", "poll_interval": 90},
            {"name": "C", "url": "https://c.example/rss", "poll_interval": "2h"},
        ],
    }
    a, b, c = feeds_from_data(data)
    assert (a.poll_interval, b.poll_interval, c.poll_interval) == (900, 90, 7200)
    assert a.language == "en"
    assert a.tags == ["space"]


def test_errors_name_file_entry_field_and_problem(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "feeds": [
                    {"name": "Good", "url": "https://good.example/rss"},
                    {"name": "Bad URL", "url": "ftp://bad.example/rss"},
                    {"name": "Typo", "url": "https://t.example/rss", "alow_private": True},
                    {"url": "https://noname.example/rss"},
                    {"name": "Slow", "url": "https://s.example/rss", "poll_interval": "often"},
                    {"name": "Good", "url": "https://dup.example/rss"},
                    "just a string",
                ]
            }
        )
    )
    with pytest.raises(FeedListError) as info:
        load_feed_list(path)
    message = str(info.value)
    problems = info.value.problems
    assert str(path) in message
    assert any(p.startswith("feed #2 (Bad URL): url:") and "http" in p for p in problems)
    assert any(p.startswith("feed #3 (Typo): alow_private:") for p in problems)
    assert any(p.startswith("feed #4: ") and "name" in p for p in problems)
    assert any(p.startswith("feed #5 (Slow): poll_interval:") for p in problems)
    assert any(p.startswith("feed #6 (Good): id: duplicate") for p in problems)
    assert any(p.startswith("feed #7: expected a mapping") for p in problems)
    assert len(problems) == 6


def test_unreadable_and_invalid_yaml(tmp_path: Path) -> None:
    with pytest.raises(FeedListError, match="cannot read"):
        load_feed_list(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("feeds: [ {name: x")
    with pytest.raises(FeedListError, match="not valid YAML"):
        load_feed_list(broken)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(FeedListError, match="feeds"):
        load_feed_list(empty)


def test_yaml_round_trip() -> None:
    feeds = feeds_from_data(
        [{"name": "Новости", "url": "https://n.example/rss", "language": "ru", "tags": ["world"]}]
    )
    assert feeds_from_data(yaml.safe_load(feeds_to_yaml(feeds))) == feeds


def test_the_shipped_feed_list_is_valid_and_covers_the_languages() -> None:
    feeds = load_feed_list(PROJECT_ROOT / "deploy" / "feeds.yaml")
    assert len(feeds) >= 30
    assert {"en", "ru", "zh"} <= {f.language for f in feeds}
    assert not any(f.allow_private for f in feeds)
    assert all(f.adaptive for f in feeds)  # adaptive polling by default


def test_adaptive_bounds_come_from_feed_then_host_then_defaults() -> None:
    data = {
        "defaults": {"polling": "adaptive", "max_interval": "3h"},
        "hosts": {"Wire.Example": {"min_interval": "5m"}},
        "feeds": [
            {"name": "A", "url": "https://wire.example/a"},
            {"name": "B", "url": "https://wire.example/b", "min_interval": "2m"},
            {"name": "C", "url": "https://other.example/c", "polling": "fixed"},
        ],
    }
    a, b, c = feeds_from_data(data)
    assert (a.min_interval, a.max_interval, a.adaptive) == (300.0, 10800.0, True)
    assert b.min_interval == 120.0
    assert (c.min_interval, c.adaptive) == (60.0, False)


def test_bad_bounds_and_host_settings_are_named() -> None:
    data = {
        "hosts": {"wire.example": {"min_interval": "5m", "tags": ["x"]}},
        "feeds": [{"name": "A", "url": "https://a.example/rss"}],
    }
    with pytest.raises(FeedListError) as caught:
        feeds_from_data(data)
    assert "hosts.wire.example: tags: not allowed here" in str(caught.value)
    data = {
        "feeds": [
            {
                "name": "A",
                "url": "https://a.example/rss",
                "min_interval": "2h",
                "max_interval": "1h",
            },
            {"name": "B", "url": "https://b.example/rss", "polling": "sometimes"},
            {"name": "C", "url": "https://c.example/rss", "max_interval": "-5m"},
        ]
    }
    with pytest.raises(FeedListError) as caught:
        feeds_from_data(data)
    text = str(caught.value)
    assert "feed #1 (A)" in text and "min_interval (7200s) is longer than max_interval" in text
    assert "feed #2 (B): polling" in text and "feed #3 (C): max_interval" in text
    with pytest.raises(FeedListError, match="hosts: expected a mapping"):
        feeds_from_data({"hosts": ["x"], "feeds": []})


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_poll_interval_is_refused_not_read_as_one_second(value: bool) -> None:
    data = {"feeds": [{"name": "A", "url": "https://a.example/rss", "poll_interval": value}]}
    with pytest.raises(FeedListError) as caught:
        feeds_from_data(data)
    assert "poll_interval" in str(caught.value)
    assert f"got {str(value).lower()}" in str(caught.value)
