"""``orbitwatch reclassify`` on the real Elasticsearch: stale classifications are rewritten
in place (same ids, same monthly indices), the counts and the alert estimate are right, a
second run and a dry run change nothing, and a document the worker rewrote meanwhile wins."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from typer.testing import CliRunner

from orbitwatch.cli import app as cli
from orbitwatch.core.elastic import make_client
from orbitwatch.core.settings import Settings, get_settings
from orbitwatch.reclassify.diff import update_body
from orbitwatch.reclassify.job import reclassify
from orbitwatch.reclassify.store import Update, iter_pages, write_updates
from schemas import Classification, EventType, Relation, Severity, utc_now
from schemas.documents import EventDocument
from schemas.indices.names import IndexNames
from schemas.indices.setup import setup_indices
from streams.alerting.rules import load_rules
from streams.classifier import Classifier

pytestmark = pytest.mark.integration

RULES_YAML = """
rules:
  - name: high
    kind: match
    when: {min_severity: high}
  - name: watchlist-counterspace
    kind: match
    when: {actors_any: [RU, CN, KP, IR], event_types_any: [counterspace]}
  - name: burst
    kind: frequency
    when: {event_types_any: [counterspace]}
    window: 6h
    threshold: 3
"""

ASAT_TITLE = "Russia destroys its own satellite in anti-satellite missile test"
ASAT_SUMMARY = (
    "Russia's defence ministry confirmed a direct-ascent anti-satellite (ASAT) missile test "
    "that destroyed the Kosmos 1408 satellite and left a cloud of debris in low Earth orbit."
)
BAKERY_TITLE = "Local bakery wins regional prize for its sourdough"
BAKERY_SUMMARY = "The bakery on Main Street was praised by the jury for its crust."
MOON_TITLE = "Russia and China to build a nuclear power plant on the Moon"
MOON_SUMMARY = "Roscosmos and CNSA plan a lunar reactor for their joint research station."


class KeywordClassifier:
    """A stand-in with fixed answers, so the function test can assert exact figures."""

    version = "stub-2"

    def classify_text(self, title: str, text: str, lang: str | None = None) -> Classification:
        if "anti-satellite" in title:
            return _classification(True, Severity.high, ["RU"], [EventType.counterspace])
        if "Moon" in title:
            return _classification(True, Severity.medium, ["CN", "RU"], [EventType.lunar])
        return _classification(False, Severity.none, [], [])


def _classification(
    relevant: bool, severity: Severity, actors: list[str], types: list[EventType]
) -> Classification:
    return Classification(
        relevant=relevant,
        relation=Relation.threat if relevant else Relation.none,
        actors=actors,
        event_types=types,
        severity=severity,
        score=0.95 if relevant else 0.05,
        classifier_version=KeywordClassifier.version,
    )


def _document(
    article_id: str, title: str, summary: str, at: datetime, c: Classification
) -> EventDocument:
    return EventDocument(
        timestamp=at,
        article_id=article_id,
        story_id=article_id,
        title=title,
        summary=summary,
        url=f"https://news.example/{article_id}",
        feed_id="wire-a",
        feed_name="Wire A",
        language="en",
        published_at=at,
        fetched_at=at,
        classified_at=at,
        relevant=c.relevant,
        relation=c.relation,
        actors=c.actors,
        actor_pairs=c.actor_pairs,
        event_types=c.event_types,
        severity=c.severity,
        score=c.score,
        evidence=c.evidence,
        classifier_version=c.classifier_version,
    )


STALE_IRRELEVANT = Classification(relevant=False, score=0.1, classifier_version="old-0")
STALE_ALARM = Classification(
    relevant=True,
    relation=Relation.threat,
    actors=["RU"],
    event_types=[EventType.counterspace],
    severity=Severity.high,
    score=0.8,
    classifier_version="old-0",
)


@pytest.fixture
def settings(isolated_settings: Settings, tmp_path: Path, es_client: Elasticsearch) -> Settings:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(RULES_YAML, encoding="utf-8")
    configured = isolated_settings.model_copy(update={"alert_rules_file": rules_file})
    setup_indices(es_client, IndexNames(configured.index_prefix))
    return configured


@pytest.fixture
def client(settings: Settings) -> Iterator[Elasticsearch]:
    es = make_client(settings)
    yield es
    es.close()


def _put(es: Elasticsearch, settings: Settings, *documents: EventDocument) -> None:
    names = IndexNames(settings.index_prefix)
    for doc in documents:
        es.index(
            index=names.events_index(doc.timestamp),
            id=doc.article_id,
            document=json.loads(doc.to_bytes()),
        )
    es.indices.refresh(index=names.events_alias)


def _stored(es: Elasticsearch, settings: Settings) -> dict[str, dict[str, Any]]:
    """article id -> {index, seq_no, source} for every event document."""
    alias = IndexNames(settings.index_prefix).events_alias
    es.indices.refresh(index=alias)
    hits = es.search(index=alias, size=100, seq_no_primary_term=True).body["hits"]["hits"]
    return {
        h["_id"]: {"index": h["_index"], "seq_no": h["_seq_no"], "source": h["_source"]}
        for h in hits
    }


def test_reclassify_rewrites_stale_events_in_place_and_counts_what_changed(
    settings: Settings, client: Elasticsearch
) -> None:
    now = utc_now()
    stub = KeywordClassifier()
    moon = _document(
        "moon", MOON_TITLE, MOON_SUMMARY, now - timedelta(days=2),
        stub.classify_text(MOON_TITLE, MOON_SUMMARY),
    )  # fmt: skip
    _put(
        client,
        settings,
        _document("asat", ASAT_TITLE, ASAT_SUMMARY, now - timedelta(days=1), STALE_IRRELEVANT),
        _document("bakery", BAKERY_TITLE, BAKERY_SUMMARY, now - timedelta(hours=3), STALE_ALARM),
        moon,  # already what the classifier says
        # outside the window: never read, never written
        _document("old", ASAT_TITLE, ASAT_SUMMARY, now - timedelta(days=10), STALE_IRRELEVANT),
    )
    rules = load_rules(settings.alert_rules_file)
    before = _stored(client, settings)

    def run(dry_run: bool) -> Any:
        return reclassify(
            client,
            settings,
            stub,
            rules,
            since=now - timedelta(days=7),
            dry_run=dry_run,
            batch_size=2,  # several pages
        )

    dry = run(dry_run=True)
    assert _stored(client, settings) == before  # nothing written
    assert dry.scanned == 3 and dry.changed == 2 and dry.updated == 0
    assert dry.previous_versions == {"old-0": 2, "stub-2": 1}
    assert (dry.relevance_gained, dry.relevance_lost) == (1, 1)
    assert (dry.severity_raised, dry.severity_lowered) == (1, 1)
    # asat now matches both match rules; the bakery no longer matches either
    assert (dry.alerts_newly_firing, dry.alerts_no_longer_firing) == (2, 2)
    assert [(d.rule, d.newly_firing, d.no_longer_firing) for d in dry.by_rule] == [
        ("high", 1, 1),
        ("watchlist-counterspace", 1, 1),
    ]
    assert dry.rules_not_evaluated == ["burst"]

    real = run(dry_run=False)
    assert real.model_dump(exclude={"dry_run", "updated"}) == dry.model_dump(
        exclude={"dry_run", "updated"}
    )
    assert real.updated == 2 and real.conflicts == 0 and real.failed == 0
    after = _stored(client, settings)
    assert after.keys() == before.keys()
    for article_id in after:  # same ids, same monthly indices
        assert after[article_id]["index"] == before[article_id]["index"]
    asat = EventDocument.from_obj(after["asat"]["source"])
    assert asat.relevant and asat.severity is Severity.high and asat.actors == ["RU"]
    assert asat.event_types == [EventType.counterspace]
    assert asat.classifier_version == "stub-2" and asat.classified_at >= now
    assert asat.title == ASAT_TITLE and asat.story_id == "asat"
    bakery = EventDocument.from_obj(after["bakery"]["source"])
    assert not bakery.relevant and bakery.severity is Severity.none and bakery.actors == []
    assert bakery.actor_pairs == [] and bakery.classifier_version == "stub-2"
    assert after["moon"] == before["moon"] and after["old"] == before["old"]

    again = run(dry_run=False)
    assert again.scanned == 3 and again.changed == 0 and again.updated == 0
    assert again.alerts_newly_firing == again.alerts_no_longer_firing == 0
    assert _stored(client, settings) == after

    # No alert was indexed (nor published: the run has no Kafka client at all).
    alerts = IndexNames(settings.index_prefix).alerts_alias
    client.indices.refresh(index=alerts)
    assert client.count(index=alerts).body["count"] == 0


def test_a_document_the_worker_rewrote_meanwhile_is_left_as_the_worker_wrote_it(
    settings: Settings, client: Elasticsearch
) -> None:
    at = utc_now() - timedelta(hours=1)
    stale = _document("asat", ASAT_TITLE, ASAT_SUMMARY, at, STALE_IRRELEVANT)
    _put(client, settings, stale)
    alias = IndexNames(settings.index_prefix).events_alias
    [[stored]] = list(iter_pages(client, alias, at - timedelta(1), None, 10, settings))
    _put(client, settings, stale.model_copy(update={"classifier_version": "worker-3"}))
    assert stored.document is not None
    result = write_updates(client, [Update(stored, update_body(stored.document))], settings)
    assert (result.updated, result.conflicts, result.failed) == (0, 1, 0)
    kept = _stored(client, settings)["asat"]["source"]
    assert kept["classifier_version"] == "worker-3"


def test_the_command_with_the_default_model(settings: Settings, client: Elasticsearch) -> None:
    """The CLI end to end with the real classifier: a clear Russian ASAT test stored as
    irrelevant by "old-0" is relevant now, and the alerts it would raise are counted."""
    now = utc_now()
    _put(
        client,
        settings,
        _document("asat", ASAT_TITLE, ASAT_SUMMARY, now - timedelta(days=1), STALE_IRRELEVANT),
        _document("bakery", BAKERY_TITLE, BAKERY_SUMMARY, now - timedelta(hours=3), STALE_ALARM),
    )
    fresh = Classifier(watchlist=settings.watchlist).classify_text(ASAT_TITLE, ASAT_SUMMARY, "en")
    assert fresh.relevant and "RU" in fresh.actors  # the premise of this test
    env = {
        "ORBITWATCH_INDEX_PREFIX": settings.index_prefix,
        "ORBITWATCH_ES_URL": settings.es_url,
        "ORBITWATCH_ALERT_RULES_FILE": str(settings.alert_rules_file),
    }
    runner = CliRunner()
    get_settings.cache_clear()
    try:
        before = _stored(client, settings)
        dry = runner.invoke(cli, ["reclassify", "--since", "7d", "--dry-run", "--json"], env=env)
        assert dry.exit_code == 0, dry.output
        assert _stored(client, settings) == before
        report = json.loads(dry.stdout)
        assert report["dry_run"] and report["scanned"] == 2 and report["changed"] == 2
        assert report["relevance_gained"] == 1 and report["relevance_lost"] == 1
        # the bakery no longer matches either rule; the ASAT test matches "high" if the
        # model calls it high, and "watchlist-counterspace" if it calls it counterspace
        expected_new = int(fresh.severity is Severity.high) + int(
            EventType.counterspace in fresh.event_types
        )
        assert expected_new >= 1
        assert report["alerts_newly_firing"] == expected_new
        assert report["alerts_no_longer_firing"] == 2
        assert report["rules_not_evaluated"] == ["burst"]

        result = runner.invoke(cli, ["reclassify", "--since", "7d"], env=env)
        assert result.exit_code == 0, result.output
        assert "scanned    2 events" in result.stdout
        assert f"{expected_new} would now fire that did not, 2 would no longer fire" in (
            result.stdout
        )
        assert "per-event match rules only" in result.stdout
        assert "not evaluated (windowed rules): burst" in result.stdout
        assert "no alerts were sent" in result.stdout
        after = _stored(client, settings)
        asat = EventDocument.from_obj(after["asat"]["source"])
        assert asat.relevant and asat.classifier_version == fresh.classifier_version
        assert asat.classifier_version != "old-0"
        assert asat.severity is fresh.severity and asat.event_types == fresh.event_types

        again = runner.invoke(cli, ["reclassify", "--since", "7d", "--json"], env=env)
        assert again.exit_code == 0, again.output
        assert json.loads(again.stdout)["changed"] == 0
        assert _stored(client, settings) == after
    finally:
        get_settings.cache_clear()
