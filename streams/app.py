"""The faust application, configured from the settings model."""

from __future__ import annotations

from typing import Any

import faust
from faust.auth import SASLCredentials, SSLCredentials

from orbitwatch.kafka import DOWNSTREAM_RECORD_BYTES, build_ssl_context
from orbitwatch.settings import KafkaSecurityProtocol, Settings


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
        "consumer_auto_offset_reset": "earliest",
        "producer_acks": -1,
        # aiokafka keeps one open batch per partition and makes send() wait while it is
        # full, so the 16 KiB default (a handful of articles) stalls every agent that
        # publishes; larger batches and a short linger let one request carry hundreds.
        "producer_max_batch_size": 512 * 1024,
        "producer_linger": 0.005,
        # Article JSON compresses 3-4x; lz4 (cramjam) costs less CPU than pushing the
        # bytes through the socket, the broker and every consumer of the topic.
        "producer_compression_type": "lz4",
        "producer_max_request_size": DOWNSTREAM_RECORD_BYTES,
        "web_enabled": False,
    }
    options.update(overrides)
    return faust.App(settings.app_id, **options)
