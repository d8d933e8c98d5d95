"""Recording verdicts (Elasticsearch look-up, Kafka, Elasticsearch index) and reading them back.

:func:`record_verdict` is the single path from an analyst's judgement to the stores: the CLI
calls it, and so will the analyst desk. The compacted topic is the source of truth: it is
written first, and :func:`read_verdicts` (behind ``orbitwatch feedback export``) reads it,
not the index. The index is a view for Kibana: a verdict whose indexing failed is still
recorded and exported, and recording it again (same article, last verdict wins) fixes the
view.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from elastic_transport import TransportError
from elasticsearch import ApiError, AsyncElasticsearch, NotFoundError

from orbitwatch.core.elastic import make_async_client, make_client
from orbitwatch.core.errors import InvalidMessage
from orbitwatch.core.kafka import (
    TopicReadFailed,
    TopicSpec,
    ensure_topics,
    kafka_client_options,
    read_topic_latest,
)
from orbitwatch.core.redact import redact_text, redact_url
from orbitwatch.core.settings import Settings
from orbitwatch.feedback.errors import FeedbackUnavailable, UnknownTarget
from orbitwatch.feedback.verdict import (
    Judgement,
    article_of_alert,
    build_verdict,
    check_target_id,
    is_alert_id,
)
from schemas.alert import Alert
from schemas.base import utc_now
from schemas.documents import EventDocument
from schemas.feedback import Verdict
from schemas.indices.names import IndexNames
from schemas.indices.setup import setup_indices
from schemas.topics import FEEDBACK

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 60.0


def feedback_topic(settings: Settings) -> TopicSpec:
    """The topic's spec as the registry declares it (compacted), for creating it on demand."""
    return FEEDBACK.spec(settings)


async def record_verdict(
    settings: Settings,
    target: str,
    judgement: Judgement,
    *,
    recorded_by: str = "",
    now: datetime | None = None,
) -> Verdict:
    """Judge the article ``target`` names (an article id, or an alert id whose article is
    meant): look its event up, build the verdict, publish it, index it. Returns the verdict.

    Raises :class:`~orbitwatch.feedback.errors.InvalidTarget`, ``UnknownTarget`` or
    ``InvalidLabel`` before anything is written, and ``FeedbackUnavailable`` when a server
    does not answer.
    """
    target_id = check_target_id(target)
    names = IndexNames(settings.index_prefix)
    client = make_async_client(settings)
    try:
        alert_id: str | None = None
        article_id = target_id
        if is_alert_id(target_id):
            alert = await _find_alert(client, names, target_id)
            if alert is None:
                raise UnknownTarget(f"no alert {target_id} in {names.alerts_alias}")
            alert_id, article_id = target_id, article_of_alert(alert)
        event = await _find_event(client, names, article_id)
        if event is None:
            via = f" (the article of alert {alert_id})" if alert_id else ""
            raise UnknownTarget(
                f"article {article_id}{via} was never classified: no event in {names.events_alias}"
            )
        verdict = build_verdict(
            event,
            judgement,
            recorded_at=now or utc_now(),
            alert_id=alert_id,
            recorded_by=recorded_by,
        )
        await publish_verdict(settings, verdict)
        await _index_verdict(settings, client, names, verdict)
    except (ApiError, TransportError) as exc:
        where = redact_url(settings.es_url)
        raise FeedbackUnavailable(f"Elasticsearch at {where}: {redact_text(_short(exc))}") from exc
    finally:
        await client.close()
    return verdict


async def publish_verdict(settings: Settings, verdict: Verdict) -> None:
    """The verdict on the compacted topic, keyed by article id, acknowledged by all replicas."""
    try:
        # Created here if missing: a broker with auto-creation would otherwise make it
        # without compaction, and older verdicts would then expire instead of being kept.
        await ensure_topics(settings, [feedback_topic(settings)])
        producer = AIOKafkaProducer(**kafka_client_options(settings), acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(
                settings.topic_feedback, verdict.to_bytes(), key=verdict.article_id.encode()
            )
        finally:
            await producer.stop()
    except KafkaError as exc:
        raise FeedbackUnavailable(
            f"Kafka at {settings.kafka_bootstrap_servers}: {_short(exc)}"
        ) from exc


async def read_verdicts(settings: Settings) -> list[Verdict]:
    """The latest verdict per article on the topic now (none when the topic does not exist)."""
    try:
        latest = await read_topic_latest(
            settings,
            settings.topic_feedback,
            Verdict.from_bytes,
            timeout=READ_TIMEOUT_S,
            on_invalid=_skip,
        )
    except (TopicReadFailed, KafkaError) as exc:
        raise FeedbackUnavailable(
            f"Kafka at {settings.kafka_bootstrap_servers}: {_short(exc)}"
        ) from exc
    return list(latest.values())


def _skip(value: bytes | None, exc: InvalidMessage) -> None:
    # A record another tool wrote badly must not stop an export of every good verdict.
    log.warning("skipping an unreadable verdict record: %s", exc)


async def _find_event(
    client: AsyncElasticsearch, names: IndexNames, article_id: str
) -> EventDocument | None:
    source = await _first_hit(
        client,
        names.events_alias,
        {"term": {"article_id": article_id}},
        sort=[{"classified_at": {"order": "desc"}}],
    )
    return EventDocument.from_obj(source) if source is not None else None


async def _find_alert(client: AsyncElasticsearch, names: IndexNames, alert_id: str) -> Alert | None:
    source = await _first_hit(client, names.alerts_alias, {"term": {"alert_id": alert_id}})
    return Alert.from_obj(source) if source is not None else None


async def _first_hit(
    client: AsyncElasticsearch,
    index: str,
    query: dict[str, Any],
    sort: list[dict[str, Any]] | None = None,
) -> dict[str, Any] | None:
    try:
        response = await client.search(index=index, query=query, size=1, sort=sort)
    except NotFoundError:  # no such alias yet: nothing was ever indexed there
        return None
    hits = response.body["hits"]["hits"]
    return hits[0]["_source"] if hits else None


async def _index_verdict(
    settings: Settings, client: AsyncElasticsearch, names: IndexNames, verdict: Verdict
) -> None:
    if not await client.indices.exists_alias(name=names.feedback_alias):
        # A deployment set up before feedback existed: install the templates now rather
        # than let the write auto-create an index without our mapping.
        await asyncio.to_thread(_setup_indices, settings, names)
    # Into the concrete index, never the alias name: a write to a missing alias name would
    # create an index of that name, which no template matches.
    await client.index(
        index=names.feedback_index,
        id=verdict.article_id,
        document=json.loads(verdict.to_bytes()),
        refresh="wait_for",  # the analyst's next look at Kibana shows it
    )


def _setup_indices(settings: Settings, names: IndexNames) -> None:
    client = make_client(settings)
    try:
        setup_indices(client, names, retention_days=settings.es_retention_days)
    finally:
        client.close()


def _short(exc: BaseException) -> str:
    """One line, whatever the client put in its message."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."
