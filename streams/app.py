"""The faust application, configured from the settings model."""

from __future__ import annotations

import logging
from typing import Any

import faust
from faust.auth import SASLCredentials, SSLCredentials
from faust.types import TransportT

from orbitwatch.core.kafka import DOWNSTREAM_RECORD_BYTES, build_ssl_context
from orbitwatch.core.settings import KafkaSecurityProtocol, Settings
from schemas.topics import Topic
from streams.consumer import Transport
from streams.producer_metadata import track_output_topics

log = logging.getLogger(__name__)


def _credentials(settings: Settings) -> faust.types.auth.CredentialsT | None:
    protocol = settings.kafka_security_protocol
    if protocol is KafkaSecurityProtocol.PLAINTEXT:
        return None
    if protocol is KafkaSecurityProtocol.SSL:
        return SSLCredentials(build_ssl_context(settings))
    return SASLCredentials(
        username=settings.kafka_sasl_username,
        password=(
            settings.kafka_sasl_password.get_secret_value()
            if settings.kafka_sasl_password
            else None
        ),
        mechanism=settings.kafka_sasl_mechanism or "PLAIN",
        ssl_context=(
            build_ssl_context(settings) if protocol is KafkaSecurityProtocol.SASL_SSL else None
        ),
    )


def raw_topic(app: faust.App, settings: Settings, topic: Topic) -> faust.TopicT:
    """A topic of the registry on ``app``, named by the settings, keys and values as bytes:
    every stage decodes (and dead-letters) records itself."""
    return app.topic(topic.name(settings), key_serializer="raw", value_serializer="raw")


def create_app(settings: Settings, **overrides: Any) -> faust.App:
    """A faust app for orbitwatch's agents. ``overrides`` go straight to ``faust.App``."""
    brokers = [f"kafka://{hp.strip()}" for hp in settings.kafka_bootstrap_servers.split(",")]
    options: dict[str, Any] = {
        "broker": brokers,
        "broker_credentials": _credentials(settings),
        # Tables live in memory and are rebuilt from their changelog topics at start-up;
        # they are bounded (pruned by event time), so recovery stays short.
        "store": "memory://",
        "datadir": str(settings.data_dir),
        "topic_partitions": settings.topic_partitions,
        # faust's changelogs and internal topics, replicated like the pipeline's own.
        "topic_replication_factor": settings.topic_replication_factor,
        "consumer_auto_offset_reset": "earliest",
        "producer_acks": -1,
        # After a crash (kill -9, OOM) the group waits this long for the dead member before
        # handing its partitions on; faust's 60 s default stalled every partition for a
        # minute in the fault tests. Heartbeats come from the consumer's own thread, so a
        # busy agent does not make a live worker miss them.
        "broker_session_timeout": 20.0,
        # aiokafka keeps one open batch per partition and makes send() wait while it is
        # full, so the 16 KiB default (a handful of articles) stalls every agent that
        # publishes; larger batches and a short linger let one request carry hundreds.
        "producer_max_batch_size": 512 * 1024,
        "producer_linger": 0.005,
        # Article JSON compresses 3-4x; lz4 (cramjam) costs less CPU than pushing the
        # bytes through the socket, the broker and every consumer of the topic.
        "producer_compression_type": "lz4",
        "producer_max_request_size": DOWNSTREAM_RECORD_BYTES,
        # On shutdown and on every rebalance faust empties the agents' input buffers and
        # then, by default, waits until every event it delivered is acknowledged. Events
        # held by a batching agent (the indexers' partial batches) are never acknowledged
        # after that, so the wait never ended: stop() and rebalances hung for good. Not
        # waiting is safe because every write is idempotent: events not acknowledged are
        # not committed, and are processed again after the restart or rebalance.
        "stream_wait_empty": False,
        "web_enabled": False,
    }
    options.update(overrides)
    app = App(settings.app_id, **options)
    app.on_rebalance_complete.connect(track_output_topics(settings))
    return app


class App(faust.App):
    """faust's app consuming through :class:`streams.consumer.Consumer`, whose seek after a
    rebalance also rewinds the partitions the group never committed (faust drops records
    fetched during the rebalance and relies on that seek to read them again)."""

    def _new_transport(self) -> TransportT:
        return Transport(self.conf.broker_consumer, self)
