"""Re-classification diffs and counts: what changed per event, which per-event alert rules
match before and after, and the totals of a run. Pure: no classifier, no servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orbitwatch.reclassify.diff import (
    UPDATED_FIELDS,
    Tally,
    compare,
    reclassified_document,
    update_body,
)
from schemas import Classification, EventType, Evidence, Relation, Severity
from schemas.documents import EventDocument
from tests.alert_factories import rule_set

pytestmark = pytest.mark.unit

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=3)
ASAT_TITLE = "Russia tests an anti-satellite missile against its own satellite"
ASAT_SUMMARY = "The ASAT strike left a debris cloud in low Earth orbit."

RULES = rule_set(
    {"name": "high", "kind": "match", "when": {"min_severity": "high"}},
    {"name": "asat-words", "kind": "match", "when": {"query": "ASAT OR anti-satellite"}},
    {"name": "any-event", "kind": "match", "when": {"relevant": None}},
    {"name": "switched-off", "kind": "match", "enabled": False},
    {
        "name": "burst",
        "kind": "frequency",
        "when": {"event_types_any": ["counterspace"]},
        "window": "6h",
        "threshold": 3,
    },
    {"name": "quiet", "kind": "flatline", "target": "pipeline", "silent_for": "2h"},
)


def document(
    article_id: str = "asat-1",
    *,
    relevant: bool = False,
    severity: Severity = Severity.none,
    actors: list[str] | None = None,
    event_types: list[EventType] | None = None,
    version: str = "old-0",
    title: str = ASAT_TITLE,
    summary: str = ASAT_SUMMARY,
) -> EventDocument:
    actors = actors or []
    return EventDocument(
        timestamp=T0,
        article_id=article_id,
        story_id=article_id,
        title=title,
        summary=summary,
        url=f"https://news.example/{article_id}",
        feed_id="wire-a",
        feed_name="Wire A",
        language="en",
        published_at=T0,
        fetched_at=T0 + timedelta(minutes=1),
        classified_at=T0 + timedelta(minutes=1),
        relevant=relevant,
        relation=Relation.threat if relevant else Relation.none,
        actors=actors,
        actor_pairs=[],
        event_types=event_types or [],
        severity=severity,
        score=0.9 if relevant else 0.1,
        classifier_version=version,
    )


def classification(
    *,
    relevant: bool = True,
    severity: Severity = Severity.high,
    actors: tuple[str, ...] = ("RU",),
    event_types: tuple[EventType, ...] = (EventType.counterspace,),
    version: str = "model-2",
    score: float = 0.97,
) -> Classification:
    return Classification(
        relevant=relevant,
        relation=Relation.threat if relevant else Relation.none,
        actors=list(actors),
        event_types=list(event_types),
        severity=severity,
        score=score,
        evidence=[Evidence(kind="event_type", value="counterspace", term="ASAT", start=4, end=8)]
        if relevant
        else [],
        classifier_version=version,
    )


def same_as_stored(doc: EventDocument) -> Classification:
    return Classification(
        relevant=doc.relevant,
        relation=doc.relation,
        actors=doc.actors,
        event_types=doc.event_types,
        severity=doc.severity,
        score=doc.score,
        evidence=doc.evidence,
        classifier_version=doc.classifier_version,
    )


def test_a_stale_irrelevant_asat_story_becomes_relevant_and_would_now_alert() -> None:
    change = compare(document(), classification(), RULES, NOW)
    assert change.changed
    assert change.relevance == "gained"
    assert change.severity_shift == 3
    # "asat-words" wants a relevant event (the default), so it did not match the stale one;
    # "any-event" matches whatever the classification: no difference.
    assert change.newly_firing == {"high", "asat-words"}
    assert change.no_longer_firing == frozenset()
    assert change.rules_before == {"any-event"}


def test_losing_relevance_counts_the_other_way() -> None:
    stored = document(
        relevant=True,
        severity=Severity.high,
        actors=["RU"],
        event_types=[EventType.counterspace],
        version="model-1",
    )
    change = compare(stored, classification(relevant=False, severity=Severity.none), RULES, NOW)
    assert change.relevance == "lost"
    assert change.severity_shift == -3
    assert change.newly_firing == frozenset()
    assert change.no_longer_firing == {"high", "asat-words"}


def test_the_same_classification_is_no_change_at_all() -> None:
    stored = document(relevant=True, severity=Severity.medium, actors=["RU"], version="model-2")
    change = compare(stored, same_as_stored(stored), RULES, NOW)
    assert not change.changed
    assert change.relevance is None and change.severity_shift == 0
    assert change.newly_firing == change.no_longer_firing == frozenset()
    # classified_at moves only when the document is written, which it will not be
    assert change.after.classified_at == NOW


def test_a_new_version_alone_is_a_change_worth_writing() -> None:
    stored = document(relevant=True, severity=Severity.medium, actors=["RU"], version="model-1")
    new = same_as_stored(stored).model_copy(update={"classifier_version": "model-2"})
    change = compare(stored, new, RULES, NOW)
    assert change.changed
    assert change.relevance is None and change.severity_shift == 0
    assert change.newly_firing == change.no_longer_firing == frozenset()


def test_the_updated_document_keeps_identity_text_and_time_and_derives_pairs() -> None:
    stored = document()
    after = reclassified_document(
        stored, classification(actors=("RU", "CN"), event_types=(EventType.lunar,)), NOW
    )
    for name in ("timestamp", "article_id", "story_id", "title", "summary", "url", "feed_id"):
        assert getattr(after, name) == getattr(stored, name)
    assert after.actors == ["CN", "RU"] and after.actor_pairs == ["CN-RU"]
    assert after.classifier_version == "model-2" and after.classified_at == NOW
    body = update_body(after)
    assert set(body) == set(UPDATED_FIELDS)
    assert body["classified_at"] == "2026-11-23T08:00:00Z"
    assert body["event_types"] == ["lunar"] and body["severity"] == "high"
    assert body["evidence"] == [
        {"kind": "event_type", "value": "counterspace", "term": "ASAT", "field": "text",
         "start": 4, "end": 8}
    ]  # fmt: skip
    # what Elasticsearch will hold after the partial update is still a valid document
    merged = {**stored.model_dump(mode="json", by_alias=True), **body}
    assert EventDocument.from_obj(merged) == after


def test_the_tally_adds_up_a_run_and_names_the_rules_it_did_not_evaluate() -> None:
    tally = Tally(RULES)
    gained = document("a")
    lost = document("b", relevant=True, severity=Severity.high, actors=["RU"], version="model-1")
    lowered = document("c", relevant=True, severity=Severity.high, actors=["RU"])
    kept = document("d", relevant=True, severity=Severity.high, actors=["RU"], version="model-2")
    tally.add(compare(gained, classification(), RULES, NOW))
    tally.add(compare(lost, classification(relevant=False, severity=Severity.none), RULES, NOW))
    tally.add(compare(lowered, classification(severity=Severity.medium), RULES, NOW))
    tally.add(compare(kept, same_as_stored(kept), RULES, NOW))
    tally.add_unreadable()
    report = tally.report(T0, None, dry_run=True)

    assert report.scanned == 5 and report.unreadable == 1
    assert report.changed == 3
    assert report.previous_versions == {"model-1": 1, "model-2": 1, "old-0": 2}
    assert report.classifier_version == "model-2"
    assert (report.relevance_gained, report.relevance_lost) == (1, 1)
    assert (report.severity_raised, report.severity_lowered) == (1, 2)
    # a: +high +asat-words; b: -high -asat-words; c: -high ("lowered" stays relevant)
    assert report.alerts_newly_firing == 2
    assert report.alerts_no_longer_firing == 3
    assert [(d.rule, d.newly_firing, d.no_longer_firing) for d in report.by_rule] == [
        ("high", 1, 2),
        ("asat-words", 1, 1),
        ("any-event", 0, 0),
    ]
    assert report.rules_not_evaluated == ["burst", "quiet"]
    assert report.updated == 0 and report.alerts_sent == 0


def test_an_empty_run_reports_zeros() -> None:
    report = Tally(RULES).report(T0, NOW, dry_run=False)
    assert report.scanned == report.changed == report.alerts_newly_firing == 0
    assert report.classifier_version is None
    assert [d.rule for d in report.by_rule] == ["high", "asat-words", "any-event"]
