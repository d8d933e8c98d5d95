"""Analysts' verdicts on the real Kafka and Elasticsearch: the worker indexes two events and
alerts on one; verdicts recorded by article id and by alert id land on the compacted topic
(the latest per article wins) and in the feedback index; the export is labeled data that
``load_labeled`` reads; bad ids, unclassified articles and bad labels are one-line errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from elasticsearch import Elasticsearch
from typer.testing import CliRunner

from orbitwatch.cli import app as cli
from orbitwatch.core.kafka import ensure_topics, kafka_client_options
from orbitwatch.core.namespace import topic_fields
from orbitwatch.core.settings import Settings, get_settings
from orbitwatch.feedback.errors import FeedbackUnavailable, UnknownTarget
from orbitwatch.feedback.store import read_verdicts, record_verdict
from orbitwatch.feedback.verdict import Judgement
from schemas import (
    Alert,
    AlertKind,
    Article,
    Classification,
    ClassifiedEvent,
    EventType,
    Relation,
    Severity,
    utc_now,
)
from schemas.documents import EventDocument
from schemas.feedback import Verdict
from schemas.indices.names import IndexNames
from schemas.indices.setup import setup_indices
from schemas.topics import topic_specs
from streams.classifier.eval import load_labeled
from streams.worker import build_worker_app
from tests.kafka_io import drain, produce

pytestmark = pytest.mark.integration


def _event(aid: str, title: str, summary: str, classification: Classification) -> ClassifiedEvent:
    now = utc_now()
    return ClassifiedEvent(
        article=Article(
            id=aid,
            feed_id="wire-a",
            url=f"https://news.example.org/{aid}",
            title=title,
            summary=summary,
            language="en",
            published_at=now - timedelta(minutes=5),
            fetched_at=now - timedelta(seconds=30),
        ),
        classification=classification,
        story_id=aid,
        classified_at=now,
    )


LUNAR = _event(
    "fb-lunar",
    "Russia and China to build a nuclear power plant on the Moon",
    "Roscosmos said the reactor would power the International Lunar Research Station.",
    Classification(
        relevant=True,
        relation=Relation.cooperation,
        actors=["CN", "RU"],
        event_types=[EventType.lunar, EventType.nuclear],
        severity=Severity.high,
        score=0.9,
        classifier_version="test-1",
    ),
)
# A miss: the classifier found nothing strategic in an anti-satellite test.
MISSED = _event(
    "fb-missed",
    "Missile destroys old satellite in orbit, debris cloud tracked",
    "The test created more than 1,500 pieces of trackable debris.",
    Classification(relevant=False, score=0.3, classifier_version="test-1"),
)


async def _wait_for(check: Callable[[], bool], limit_s: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not check():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.5)


def _count(es: Elasticsearch, index: str) -> int:
    es.options(ignore_status=404).indices.refresh(index=index)
    return int(es.options(ignore_status=404).count(index=index).body.get("count", 0))


async def _index_through_the_worker(settings: Settings, es: Elasticsearch) -> Alert:
    """Both events indexed and the lunar one alerted on by the worker; its story alert."""
    names = IndexNames(settings.index_prefix)
    await ensure_topics(settings, topic_specs(settings))
    app, _ = build_worker_app(settings)
    await app.start()
    try:
        await produce(
            settings,
            settings.topic_events_classified,
            [(e.story_id.encode(), e.to_bytes()) for e in (LUNAR, MISSED)],
        )
        await _wait_for(
            lambda: _count(es, names.events_alias) == 2 and _count(es, names.alerts_alias) >= 1
        )
    finally:
        await app.stop()
    hits = es.search(index=names.alerts_alias, query={"term": {"story_id": LUNAR.story_id}})
    return Alert.from_obj(hits.body["hits"]["hits"][0]["_source"])


async def _cleanup_policy(settings: Settings, topic: str) -> str:
    admin = AIOKafkaAdminClient(**kafka_client_options(settings))
    await admin.start()
    try:
        (response,) = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic)]
        )
    finally:
        await admin.close()
    (described,) = response.resources
    configs = {entry[0]: entry[1] for entry in described[4]}
    return str(configs["cleanup.policy"])


@pytest.fixture
def cli_env(isolated_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The CLI reads its settings from the environment: point it at the test's namespace."""
    for field in [*topic_fields(), "index_prefix", "app_id"]:
        monkeypatch.setenv(f"ORBITWATCH_{field.upper()}", str(getattr(isolated_settings, field)))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


# Synchronous tests: the CLI runs its own event loop, as the entry point it is.
def test_verdicts_by_article_and_alert_reach_topic_index_and_export(
    isolated_settings: Settings, es_client: Elasticsearch, cli_env: None, tmp_path: Path
) -> None:
    settings = isolated_settings
    names = IndexNames(settings.index_prefix)
    alert = asyncio.run(_index_through_the_worker(settings, es_client))
    assert alert.kind is AlertKind.match and alert.article_ids[-1] == LUNAR.id

    # 1. By article id: relevant, but not nuclear (the analyst narrows the types).
    first = asyncio.run(
        record_verdict(
            settings, LUNAR.id, Judgement.from_options(True, types="lunar"), recorded_by="ana"
        )
    )
    assert first.event_types == [EventType.lunar] and first.actors == ["CN", "RU"]
    assert first.corrections == ["event_types"] and first.alert_id is None
    assert first.classifier_version == "test-1" and first.title == LUNAR.article.title

    # 2. By alert id, through the CLI: the analyst changes their mind; this one must win.
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["feedback", alert.alert_id, "--not-relevant", "--note", "a feasibility study, no plan"],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"recorded: article {LUNAR.id} via alert {alert.alert_id}")
    assert "classifier wrong on relevant" in result.output

    # 3. A missed article: relevant, with every label given.
    result = runner.invoke(
        cli,
        ["feedback", MISSED.id, "--relevant", "--types", "counterspace,debris_ssa",
         "--actors", "ru", "--relation", "threat", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    missed = Verdict.from_bytes(result.output.strip())
    assert missed.actors == ["RU"] and missed.predicted.relevant is False

    # The topic: compacted, three records, the latest per article wins.
    assert asyncio.run(_cleanup_policy(settings, settings.topic_feedback)) == "compact"
    records = asyncio.run(drain(settings, settings.topic_feedback, expect=3, quiet_s=1.0))
    assert [r.key.decode() for r in records if r.key] == [LUNAR.id, LUNAR.id, MISSED.id]
    latest = {v.article_id: v for v in asyncio.run(read_verdicts(settings))}
    assert set(latest) == {LUNAR.id, MISSED.id}
    assert latest[LUNAR.id].relevant is False
    assert latest[LUNAR.id].alert_id == alert.alert_id
    assert latest[LUNAR.id].note == "a feasibility study, no plan"

    # The index: one document per article (the latest), and Kibana's question answered.
    assert _count(es_client, names.feedback_alias) == 2
    doc = es_client.get(index=names.feedback_index, id=LUNAR.id).body["_source"]
    assert doc["relevant"] is False and doc["alert_id"] == alert.alert_id
    wrong = es_client.search(
        index=names.feedback_alias,
        query={"bool": {"filter": [{"term": {"classifier_correct": False}},
                                   {"exists": {"field": "alert_id"}}]}},
    )  # fmt: skip
    assert [h["_id"] for h in wrong.body["hits"]["hits"]] == [LUNAR.id]

    # The export: labeled items in the labeled files' format, read from the topic.
    out = tmp_path / "verdicts.jsonl"
    result = runner.invoke(cli, ["feedback", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 2 labeled verdict(s)" in result.output
    items = {item.id: item for item in load_labeled(out)}
    assert set(items) == {LUNAR.id, MISSED.id}
    lunar_label = items[LUNAR.id].label
    assert (lunar_label.relevant, lunar_label.relation, lunar_label.severity) == (
        False,
        Relation.none,
        Severity.none,
    )
    missed_label = items[MISSED.id].label
    assert missed_label.relation is Relation.threat and missed_label.severity is Severity.high
    assert missed_label.event_types == [EventType.counterspace, EventType.debris_ssa]
    assert items[MISSED.id].title == MISSED.article.title
    assert items[MISSED.id].text == MISSED.article.summary
    lines = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["note"] == "a feasibility study, no plan"  # oldest first: lunar


def test_unknown_ids_and_bad_labels_are_one_line_errors(
    isolated_settings: Settings, es_client: Elasticsearch, cli_env: None
) -> None:
    settings = isolated_settings
    names = IndexNames(settings.index_prefix)
    setup_indices(es_client, names)
    event = EventDocument.from_event(LUNAR)
    es_client.index(
        index=names.events_index(event.timestamp),
        id=event.article_id,
        document=json.loads(event.to_bytes()),
        refresh=True,
    )
    aggregate = Alert(
        alert_id="al_aggregate",
        kind=AlertKind.frequency,
        rule="many",
        severity=Severity.medium,
        title="3 events on CN-RU in 24 h",
        article_ids=["x1", "x2", "x3"],
        alerted_at=utc_now(),
    )
    es_client.index(
        index=names.alerts_index(aggregate.alerted_at),
        id=aggregate.alert_id,
        document=json.loads(aggregate.to_bytes()),
        refresh=True,
    )

    runner = CliRunner()
    cases = [
        (["never-classified", "--relevant"], "error: article never-classified was never"),
        (["al_0000", "--not-relevant"], f"error: no alert al_0000 in {names.alerts_alias}"),
        (["al_aggregate", "--not-relevant"], "error: alert al_aggregate (frequency) is about 3"),
        ([LUNAR.id, "--relevant", "--types", "moon"], "error: unknown event type 'moon'"),
        ([LUNAR.id, "--relevant", "--actors", ""], "error: a relevant verdict needs"),
        (["bad id", "--relevant"], "error: not an article or alert id"),
    ]
    for args, message in cases:
        result = runner.invoke(cli, ["feedback", *args])
        assert result.exit_code == 2, (args, result.output)
        assert result.output.startswith(message), (args, result.output)
        assert result.output.count("\n") == 1, result.output

    # Nothing was written by a refused verdict: no topic records, no documents.
    assert asyncio.run(read_verdicts(settings)) == []
    assert _count(es_client, names.feedback_alias) == 0

    # The same function the CLI calls raises the typed error.
    with pytest.raises(UnknownTarget):
        asyncio.run(record_verdict(settings, "never-classified", Judgement(relevant=False)))


def test_servers_that_do_not_answer_exit_1(
    isolated_settings: Settings, cli_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = isolated_settings.model_copy(update={"es_url": "http://127.0.0.1:9"})
    with pytest.raises(FeedbackUnavailable, match=r"^Elasticsearch at http://127.0.0.1:9: "):
        asyncio.run(record_verdict(down, "a1", Judgement(relevant=False)))
    monkeypatch.setenv("ORBITWATCH_ES_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["feedback", "a1", "--not-relevant"])
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
