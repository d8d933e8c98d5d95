"""Lucene-style rule queries, parsed with luqum and evaluated against one event."""

from __future__ import annotations

import pytest

from schemas import EventType, Severity
from streams.alerting.query import QueryDocument, QueryError, compile_query
from tests.alert_factories import make_event

pytestmark = pytest.mark.unit

LUNAR = QueryDocument.from_event(make_event())
ASAT = QueryDocument.from_event(
    make_event(
        "asat-1",
        title="Russia tests a direct-ascent anti-satellite missile",
        summary="The Nudol interceptor destroyed the old Kosmos 1408 satellite.",
        actors=("RU",),
        event_types=(EventType.counterspace,),
        severity=Severity.medium,
        feed_id="tass-en",
        language="ru",
    )
)
CHINESE = QueryDocument.from_event(
    make_event("zh-1", title="中俄将在月球建设核电站", summary="国际月球科研站", language="zh")
)


@pytest.mark.parametrize(
    ("query", "lunar", "asat"),
    [
        ("moon", True, False),
        ("MOON", True, False),  # case-insensitive
        ("mo", False, False),  # whole words only
        ('"nuclear power plant"', True, False),
        ('"power nuclear plant"', False, False),  # phrase order matters
        ("moon AND reactor", True, False),
        ("moon reactor", True, False),  # side by side: both required
        ("moon OR interceptor", True, True),
        ("russia AND NOT moon", False, True),
        ("russia -moon", False, True),
        ("+russia +missile", False, True),
        ("(moon OR missile) AND russia", True, True),
        ("lun*", True, False),
        ("anti-sat*", False, True),
        ("kosmos ?408", False, True),
        ("title:moon", True, False),
        ("summary:moon", False, False),
        ("summary:(reactor OR interceptor)", True, True),
        ("actor:CN", True, False),
        ("actors:ru", True, True),
        ("pair:RU-CN", True, False),  # either order
        ("pair:CN-RU", True, False),
        ("event_type:counterspace", False, True),
        ("type:lun*", True, False),
        ("severity:high", True, False),
        ("relation:cooperation", True, True),
        ("feed:tass-en", False, True),
        ("language:ru", False, True),
        ('source:"Example Wire"', True, True),
        ("relevant:true", True, True),
        ("moon^2", True, False),  # boosts are ignored
    ],
)
def test_query_evaluation(query: str, lunar: bool, asat: bool) -> None:
    compiled = compile_query(query)
    assert compiled.matches(LUNAR) is lunar
    assert compiled.matches(ASAT) is asat


def test_accents_are_folded() -> None:
    doc = QueryDocument.from_event(make_event(title="Chang'É-7 lands near the lunar south pole"))
    assert compile_query("chang'e").matches(doc)
    assert compile_query('"chang e 7"').matches(doc)


def test_text_without_spaces_matches_as_substring() -> None:
    assert compile_query("月球").matches(CHINESE)
    assert compile_query('"核电站"').matches(CHINESE)
    assert not compile_query("火星").matches(CHINESE)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("moon AND (", "cannot parse query"),
        ("moon~2", "a fuzzy term (~) is not supported"),
        ('"nuclear plant"~3', "a proximity search (~) is not supported"),
        ("year:[2030 TO 2035]", "unknown field 'year'"),
        ("title:[a TO b]", "a range is not supported"),
        ("/moo.*/", "a regular expression is not supported"),
        ("planet:mars", "unknown field 'planet'"),
        ("   ", "empty query"),
        ('"!!"', "has no letters or digits"),
    ],
)
def test_bad_queries_are_refused_with_a_reason(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compile_query(query)
