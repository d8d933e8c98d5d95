"""Rule files: validation errors name the file, the rule and the field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from orbitwatch.core.settings import PROJECT_ROOT
from schemas import Severity
from streams.alerting.rules import (
    FlatlineRule,
    FrequencyRule,
    MatchRule,
    RuleDefaults,
    RuleFileError,
    SpikeRule,
    load_rules,
    parse_rules,
)
from tests.alert_factories import make_event, rule_set

pytestmark = pytest.mark.unit


def problems_of(data: object) -> list[str]:
    with pytest.raises(RuleFileError) as caught:
        parse_rules(data, "rules.yaml")
    assert str(caught.value).startswith("rules.yaml: ")
    return caught.value.problems


def test_the_default_rule_file_is_valid_and_has_every_kind() -> None:
    rules = load_rules(PROJECT_ROOT / "deploy" / "rules.yaml")
    kinds = {type(r) for r in rules.rules}
    assert kinds == {MatchRule, FrequencyRule, SpikeRule, FlatlineRule}
    high = rules.get("high-severity")
    assert isinstance(high, MatchRule) and high.when.min_severity is Severity.high


def test_errors_name_rule_index_name_and_field() -> None:
    problems = problems_of(
        {
            "rules": [
                {"name": "ok", "kind": "match"},
                {"name": "sev", "kind": "match", "when": {"min_severity": "huge"}},
                {"name": "q", "kind": "match", "when": {"query": "moon AND (lunar"}},
                {"name": "typo", "kind": "match", "whne": {}},
                {"kind": "frequency", "name": "freq", "window": "6h", "threshold": 0},
                {"name": "what", "kind": "sometimes"},
            ]
        }
    )
    assert problems[0].startswith("rules[1] (sev): when.min_severity: Input should be")
    assert problems[1].startswith("rules[2] (q): when.query: cannot parse query")
    assert problems[2] == "rules[3] (typo): whne: unknown field"
    assert problems[3].startswith("rules[4] (freq): threshold: ")
    assert problems[4] == "rules[5] (what): kind: must be one of match, frequency, spike, flatline"


def test_unsupported_query_syntax_and_unknown_fields_fail_at_load_time() -> None:
    problems = problems_of(
        {
            "rules": [
                {"name": "fuzzy", "kind": "match", "when": {"query": "moon~2"}},
                {"name": "field", "kind": "match", "when": {"query": "planet:mars"}},
            ]
        }
    )
    assert "a fuzzy term (~) is not supported" in problems[0]
    assert "unknown field 'planet'" in problems[1]


def test_duplicate_names_bad_names_and_shape() -> None:
    problems = problems_of(
        {"rules": [{"name": "a", "kind": "match"}, {"name": "a", "kind": "match"}]}
    )
    assert problems == ["rule name 'a' is used more than once"]
    assert problems_of({"rules": [{"name": "Has Spaces", "kind": "match"}]})[0].startswith(
        "rules[0] (Has Spaces): name: String should match pattern"
    )
    assert problems_of([{"name": "a"}]) == ["the file must be a mapping with one key, rules: [...]"]


def test_buckets_must_divide_windows() -> None:
    problems = problems_of(
        {"rules": [{"name": "s", "kind": "spike", "window": "5h", "bucket": "2h"}]}
    )
    assert problems == [
        "rules[0] (s): <rule>: window must be a whole number of buckets (2:00:00 each)"
    ]


def test_yaml_syntax_errors_give_the_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - name: a\n    kind: [match\n", encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        load_rules(path)
    assert str(path) in str(caught.value)
    assert "line 4" in caught.value.problems[0] or "line 3" in caught.value.problems[0]


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="cannot read the file"):
        load_rules(tmp_path / "absent.yaml")


def test_defaults_fill_in_realert_digest_and_flatline_limits() -> None:
    rules = rule_set(
        {"name": "d", "kind": "match", "digest": True},
        {"name": "d2", "kind": "match", "digest": "15m", "realert": "2h"},
        {"name": "p", "kind": "flatline", "target": "pipeline"},
        {"name": "f", "kind": "flatline", "target": "feed", "silent_for": "3h"},
        realert=timedelta(hours=5),
        digest_interval=timedelta(minutes=30),
        flatline_pipeline_after=timedelta(minutes=45),
    )
    d, d2, p, f = rules.rules
    assert isinstance(d, MatchRule) and isinstance(d2, MatchRule)
    assert isinstance(p, FlatlineRule) and isinstance(f, FlatlineRule)
    assert rules.digest_interval(d) == timedelta(minutes=30)
    assert rules.digest_interval(d2) == timedelta(minutes=15)
    assert rules.realert(d) == timedelta(hours=5) and rules.realert(d2) == timedelta(hours=2)
    assert rules.silent_for(p) == timedelta(minutes=45)
    assert rules.silent_for(f) == timedelta(hours=3)
    assert rules.defaults == RuleDefaults(
        realert=timedelta(hours=5),
        digest_interval=timedelta(minutes=30),
        flatline_pipeline_after=timedelta(minutes=45),
    )


def test_conditions_on_an_event() -> None:
    rules = rule_set(
        {
            "name": "pair",
            "kind": "match",
            "when": {"actor_pairs": ["RU-CN"], "event_types_all": ["lunar", "nuclear"]},
        },
        {"name": "us", "kind": "match", "when": {"actors_any": ["US"]}},
        {"name": "lang", "kind": "match", "when": {"languages": ["ru"], "relevant": None}},
        {"name": "threat", "kind": "match", "when": {"relations": ["threat"]}},
        {"name": "sev", "kind": "match", "when": {"min_severity": "medium"}},
    )
    event = make_event(severity=Severity.low)
    matched = [r.name for r in rules.match if r.when.matches(event)]
    assert matched == ["pair"]
    irrelevant_ru = make_event(relevant=False, language="ru")
    assert [r.name for r in rules.match if r.when.matches(irrelevant_ru)] == ["lang"]
