from __future__ import annotations

import pytest

from orbitwatch.web.highlight import highlight, spans
from schemas.classification import Evidence

pytestmark = pytest.mark.unit


def _ev(
    term: str, start: int, field: str = "title", kind: str = "actor", value: str = "RU"
) -> Evidence:
    return Evidence(
        kind=kind, value=value, term=term, field=field, start=start, end=start + len(term)
    )


def test_marks_the_evidence_at_its_offsets() -> None:
    title = "Russia and China plan a lunar plant"
    out = highlight(title, [_ev("Russia", 0), _ev("China", 11, value="CN")], "title")
    assert str(out) == (
        '<mark title="actor: RU">Russia</mark> and <mark title="actor: CN">China</mark>'
        " plan a lunar plant"
    )


def test_only_the_asked_field() -> None:
    assert str(highlight("Moon", [_ev("Moon", 0, field="text")], "title")) == "Moon"


def test_feed_text_is_escaped_around_and_inside_marks() -> None:
    title = '<script>alert(1)</script> Russia <img src=x onerror="alert(2)">'
    evidence = [_ev("Russia", title.index("Russia")), _ev("<img", title.index("<img"), value="x")]
    out = str(highlight(title, evidence, "title"))
    assert "<script>" not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert '<mark title="actor: x">&lt;img</mark>' in out
    assert "onerror=&#34;alert(2)&#34;" in out


def test_a_label_cannot_break_out_of_its_attribute() -> None:
    out = str(highlight("Moon", [_ev("Moon", 0, kind='x" onmouseover="a', value="y")], "title"))
    assert 'onmouseover="' not in out
    assert "&#34;" in out


def test_stale_offsets_fall_back_to_the_term() -> None:
    text = "The Moon base"
    assert spans(text, [_ev("Moon", 0)], "title") == [(4, 8, "actor: RU")]
    assert spans(text, [_ev("Mars", 0)], "title") == []


def test_overlaps_and_rules_without_offsets() -> None:
    text = "Roscosmos and Rosatom"
    evidence = [
        _ev("Roscosmos", 0),
        _ev("Ros", 0, value="other"),
        Evidence(kind="rule", value="r", term="rule-x", field="title", start=-1, end=-1),
    ]
    assert spans(text, evidence, "title") == [(0, 9, "actor: RU")]
