"""Text normalization for matching (streams/classifier/normalize.py): scripts and offsets."""

from __future__ import annotations

import pytest

from streams.classifier.normalize import normalize

pytestmark = pytest.mark.unit


def test_traditional_chinese_is_folded_to_simplified() -> None:
    assert normalize("衛星導航").text == normalize("卫星导航").text


def test_offsets_survive_length_changes() -> None:
    normalized = normalize("Straße ﬁ Roscosmos")
    start = normalized.text.index("roscosmos")
    assert normalized.original_span(start, start + 9) == (9, 18)
