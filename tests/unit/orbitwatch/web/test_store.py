from __future__ import annotations

import pytest

from orbitwatch.web.store import decode_cursor, encode_cursor, fallback_languages
from tests.unit.orbitwatch.web.test_views import make_alert

pytestmark = pytest.mark.unit


def test_languages_of_a_pushed_alert_before_its_story_is_indexed() -> None:
    alert = make_alert(
        titles=[
            "Russia and China plan a nuclear power plant on the Moon by 2035",
            "Росатом и Роскосмос: лунная электростанция с Китаем к 2033–2035 годам",
            "俄罗斯和中国同意在彼此领土上部署格洛纳斯和北斗地面站",
        ]
    )
    assert fallback_languages(alert) == ["en", "ru", "zh"]


def test_cursor_round_trip_and_tampering() -> None:
    sort = [1764000000000, "al_0123"]
    assert decode_cursor(encode_cursor(sort)) == sort
    assert decode_cursor(None) is None
    assert decode_cursor("not-base64!") is None
    assert decode_cursor(encode_cursor([{"script": 1}, 2])) is None  # not a sort value
    assert decode_cursor(encode_cursor([1, 2, 3])) is None
