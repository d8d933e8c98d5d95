"""Free text rewritten word by word to look in search_text too (orbitwatch/query_text.py)."""

from __future__ import annotations

import pytest
from luqum.parser import parser

from orbitwatch.query import EventQuery, InvalidQuery, text_query
from orbitwatch.query_text import fallback_terms, rewrite

pytestmark = pytest.mark.unit


def test_a_word_searches_title_summary_and_its_normalized_forms() -> None:
    assert rewrite("станции") == (
        "(title:станции OR summary:станции OR search_text:(станц OR станции))"
    )


def test_boolean_structure_and_field_qualified_terms_are_kept() -> None:
    assert rewrite("станции AND NOT actors:US") == (
        "(title:станции OR summary:станции OR search_text:(станц OR станции)) AND NOT actors:US"
    )
    assert rewrite("title:станции") == "title:станции"
    # the result parses again
    parser.parse(rewrite('(луна OR Moon) AND -reactor "наземных станций"'))


def test_phrases_become_phrases_of_tokens() -> None:
    rewritten = rewrite('"наземных станций"')
    assert 'search_text:("наземных станций" OR "наземн станц")' in rewritten
    assert rewrite("北斗與格洛納斯").endswith('search_text:"北斗 斗与 与格 格洛 洛纳 纳斯")')


def test_search_text_qualified_terms_are_normalized() -> None:
    assert rewrite("search_text:станции") == "search_text:(станц OR станции)"


def test_wildcards_are_folded_not_stemmed_and_fuzzy_terms_left_alone() -> None:
    assert rewrite("Спутник*") == "(title:Спутник* OR summary:Спутник* OR search_text:спутник*)"
    assert rewrite("moon~2") == "moon~2"
    assert rewrite("@timestamp:[2026-01-01 TO 2026-02-01]") == (
        "@timestamp:[2026-01-01 TO 2026-02-01]"
    )


def test_unparsable_text_goes_as_written_or_ed_with_its_normalized_words() -> None:
    query = text_query("станции ((")
    should = query["bool"]["should"]
    assert should[0]["query_string"]["query"] == "станции (("
    assert should[1]["query_string"] == {
        "query": "(станц OR станции)",
        "fields": ["search_text"],
        "default_operator": "AND",
    }
    assert fallback_terms("(( ))") is None


def test_unknown_fields_are_still_refused() -> None:
    with pytest.raises(InvalidQuery, match="unknown field 'actor'"):
        EventQuery(text="actor:RU станции").body()
    # the new field is known
    EventQuery(text="search_text:станц").body()
