"""The worker's producer keeps metadata for every topic it writes to.

Once aiokafka tracks any topic it refreshes metadata for the tracked ones only, so a topic the
worker had not written to yet dropped out of its metadata, and a batch for it waited for a
leader that never came back (CI once hung in the final flush of ``app.stop()``). See
``streams/producer_metadata.py``.
"""

from __future__ import annotations

import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from orbitwatch.core.kafka import ensure_topics, kafka_client_options
from orbitwatch.core.settings import Settings
from schemas.topics import topic_specs
from streams.worker import build_worker_app
from tests.integration.test_worker_pipeline import LAUNCH
from tests.kafka_io import drain, produce

pytestmark = pytest.mark.integration


async def _create_topic(settings: Settings, name: str) -> None:
    admin = AIOKafkaAdminClient(**kafka_client_options(settings))
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()


async def test_topics_not_yet_written_stay_in_the_producers_metadata(
    isolated_settings: Settings,
) -> None:
    settings = isolated_settings
    await ensure_topics(settings, topic_specs(settings))
    app, _ = build_worker_app(settings)
    await app.start()
    try:
        # An article through the pipeline: the worker is assigned and running.
        await produce(settings, settings.topic_articles_raw, [(b"launch-1", LAUNCH.to_bytes())])
        assert await drain(settings, settings.topic_events_classified, expect=1, quiet_s=0.5)

        # A write to a topic the producer has never seen makes aiokafka track topics...
        fresh = f"{settings.app_id}-fresh-{uuid.uuid4().hex[:6]}"  # wiped with the namespace
        await _create_topic(settings, fresh)
        await app.producer.send_and_wait(
            fresh, key=None, value=b"x", partition=None, timestamp=None, headers=None
        )
        client = app.producer._producer.client  # type: ignore[attr-defined]
        await client.force_metadata_update()

        # ...and a topic the worker has not written to yet (no dead letter so far) is
        # still known, so its first record would find a leader.
        assert client.cluster.partitions_for_topic(settings.topic_events_dlq) is not None
        assert client.cluster.partitions_for_topic(settings.topic_events_classified)
    finally:
        await app.stop()
