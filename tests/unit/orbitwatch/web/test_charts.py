from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from orbitwatch.web.charts import bar_chart, line_chart

pytestmark = pytest.mark.unit

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def test_line_chart_is_valid_svg_with_a_line_per_type() -> None:
    buckets = [T0 + timedelta(hours=i) for i in range(4)]
    svg = str(line_chart(buckets, {"lunar": [0, 2, 1, 0], "nuclear": [1, 0, 0, 3]}))
    root = ET.fromstring(svg)
    lines = root.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 2
    assert "lunar (3)" in svg and "nuclear (4)" in svg
    assert len(lines[0].attrib["points"].split()) == 4


def test_labels_are_escaped() -> None:
    svg = str(bar_chart([("<script>x</script>", 3), ("CN-RU", 1)]))
    ET.fromstring(svg)
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_empty_charts_say_so() -> None:
    assert "no events" in str(line_chart([], {}))
    assert "no actor pairs" in str(bar_chart([]))
    ET.fromstring(str(line_chart([T0], {"lunar": [0]})))  # a zero peak does not divide by 0
