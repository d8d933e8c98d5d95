"""Security settings reach the Kafka and faust clients as configured (orbitwatch/core/kafka.py
and the worker's faust credentials in streams/app.py; Elasticsearch: test_elastic.py).

The local servers run without authentication, so these check the client configuration the
settings produce; the compose deployment exercises the authenticated path."""

from __future__ import annotations

import ssl
from pathlib import Path

import certifi
import pytest
from faust.auth import SASLCredentials, SSLCredentials
from pydantic import SecretStr

from orbitwatch.core.kafka import kafka_client_options
from orbitwatch.core.settings import KafkaSecurityProtocol, Settings
from streams.app import _credentials, create_app

CA = Path(certifi.where())


def test_plaintext_kafka_has_no_credentials() -> None:
    settings = Settings()
    options = kafka_client_options(settings)
    assert options["security_protocol"] == "PLAINTEXT"
    assert "sasl_mechanism" not in options and "ssl_context" not in options
    assert _credentials(settings) is None


def test_sasl_ssl_with_scram_reaches_aiokafka_and_faust() -> None:
    settings = Settings(
        kafka_security_protocol=KafkaSecurityProtocol.SASL_SSL,
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="orbitwatch",
        kafka_sasl_password=SecretStr("s3cret-pass"),
        kafka_ssl_cafile=CA,
    )
    options = kafka_client_options(settings)
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "orbitwatch"
    assert options["sasl_plain_password"] == "s3cret-pass"
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    assert options["ssl_context"].verify_mode == ssl.CERT_REQUIRED
    credentials = _credentials(settings)
    assert isinstance(credentials, SASLCredentials)
    assert credentials.username == "orbitwatch"
    assert credentials.mechanism.value == "SCRAM-SHA-512"
    assert credentials.ssl_context is not None


def test_tls_only_kafka_uses_an_ssl_context() -> None:
    settings = Settings(kafka_security_protocol=KafkaSecurityProtocol.SSL, kafka_ssl_cafile=CA)
    assert isinstance(kafka_client_options(settings)["ssl_context"], ssl.SSLContext)
    assert isinstance(_credentials(settings), SSLCredentials)


def test_missing_ca_file_is_an_error_not_a_silent_default(tmp_path: Path) -> None:
    settings = Settings(
        kafka_security_protocol=KafkaSecurityProtocol.SSL, kafka_ssl_cafile=tmp_path / "nope.pem"
    )
    with pytest.raises(FileNotFoundError):
        kafka_client_options(settings)


def test_kafka_unreachable_is_waiting_material_only_for_connection_errors() -> None:
    import socket

    from aiokafka.errors import KafkaConnectionError, TopicAuthorizationFailedError

    from orbitwatch.core.kafka import kafka_unreachable

    assert kafka_unreachable(KafkaConnectionError("Unable to bootstrap"))
    assert kafka_unreachable(ConnectionRefusedError())
    assert kafka_unreachable(socket.gaierror("Name or service not known"))
    assert kafka_unreachable(TimeoutError())
    assert not kafka_unreachable(TopicAuthorizationFailedError())
    assert not kafka_unreachable(PermissionError("no"))
    assert not kafka_unreachable(ValueError("bug"))


def test_faust_replicates_its_own_topics_like_the_pipeline_topics(tmp_path: Path) -> None:
    settings = Settings.model_construct(topic_replication_factor=3, data_dir=tmp_path)
    assert create_app(settings).conf.topic_replication_factor == 3
