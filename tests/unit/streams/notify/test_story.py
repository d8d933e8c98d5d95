"""The story's other languages picked from its members (streams/notify/story.py)."""

from __future__ import annotations

import pytest

from streams.notify.render import StoryTitle
from streams.notify.sample import sample_alert
from streams.notify.story import other_languages

pytestmark = pytest.mark.unit


def test_one_title_per_other_language_earliest_first() -> None:
    alert = sample_alert()
    members = [
        {"title": "Лунная станция", "language": "ru", "url": "https://ru.example.org/1"},
        {"title": alert.title, "language": "en"},
        {"title": "Another English take", "language": "en"},
        {"title": "Вторая статья", "language": "ru"},
        {"title": "月球电站", "language": "zh"},
        {"title": "", "language": "fr"},
        {"title": "no language"},
    ]
    assert other_languages(alert, members) == [
        StoryTitle("ru", "Лунная станция", "https://ru.example.org/1"),
        StoryTitle("zh", "月球电站"),
    ]


def test_nothing_else_when_the_story_has_one_language() -> None:
    alert = sample_alert()
    assert other_languages(alert, [{"title": alert.title, "language": "en"}]) == []
