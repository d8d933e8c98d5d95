"""Repairing mojibake in feed text (connectors/mojibake.py).

A document repaired while parsing is in test_parse.py."""

from __future__ import annotations

import pytest

from connectors.mojibake import repair_mojibake

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text", ["café", "Größe", "naïve “quoted”", "Москва", "北京", "a Ã b"])
def test_genuine_text_is_not_touched_by_mojibake_repair(text: str) -> None:
    assert repair_mojibake(text) == text


def test_mojibake_of_chinese_is_repaired() -> None:
    original = "中俄联合月球站"
    garbled = "".join(chr(b) for b in original.encode("utf-8"))  # latin-1 style
    assert repair_mojibake(garbled) == original
