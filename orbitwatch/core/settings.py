"""The one settings model. Environment variables with the ``ORBITWATCH_`` prefix, or ``.env``.

Defaults point at the local infrastructure that ``orbitwatch infra up`` starts.
"""

from __future__ import annotations

import json
from datetime import timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class KafkaSecurityProtocol(StrEnum):
    PLAINTEXT = "PLAINTEXT"
    SSL = "SSL"
    SASL_PLAINTEXT = "SASL_PLAINTEXT"
    SASL_SSL = "SASL_SSL"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ORBITWATCH_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    # --- Kafka -------------------------------------------------------------------------
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:19092", description="Comma-separated host:port list of Kafka brokers"
    )
    kafka_security_protocol: KafkaSecurityProtocol = Field(
        KafkaSecurityProtocol.PLAINTEXT, description="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        None, description="SASL mechanism when the protocol is SASL_*"
    )
    kafka_sasl_username: str | None = Field(None, description="SASL user name")
    kafka_sasl_password: SecretStr | None = Field(None, description="SASL password")
    kafka_ssl_cafile: Path | None = Field(None, description="CA bundle for Kafka TLS")
    kafka_ssl_certfile: Path | None = Field(None, description="Client certificate (mutual TLS)")
    kafka_ssl_keyfile: Path | None = Field(None, description="Client key (mutual TLS)")

    # --- Elasticsearch -------------------------------------------------------------------
    es_url: str = Field("http://127.0.0.1:19200", description="Elasticsearch URL")
    es_username: str | None = Field(None, description="Basic-auth user")
    es_password: SecretStr | None = Field(None, description="Basic-auth password")
    es_api_key: SecretStr | None = Field(None, description="API key (instead of basic auth)")
    es_ca_file: Path | None = Field(None, description="CA bundle for Elasticsearch TLS")
    es_verify_certs: bool = Field(True, description="Verify the Elasticsearch TLS certificate")

    # --- Topics and indices --------------------------------------------------------------
    topic_articles_raw: str = Field("articles.raw", description="Connector output")
    topic_articles_dlq: str = Field("articles.dlq", description="Unreadable raw articles")
    topic_events_classified: str = Field("events.classified", description="Classified events")
    topic_events_dlq: str = Field("events.dlq", description="Events Elasticsearch rejected")
    topic_alerts: str = Field("alerts", description="Alerts for consumers")
    topic_alerts_dlq: str = Field("alerts.dlq", description="Webhook deliveries that failed")
    topic_feed_state: str = Field("connector.feed-state", description="Compacted feed state")
    topic_feed_health: str = Field("connector.feed-health", description="Feed health reports")
    topic_partitions: int = Field(4, ge=1, description="Partitions for topics orbitwatch creates")
    index_prefix: str = Field("orbitwatch", description="Prefix of every index and alias")

    # --- Worker --------------------------------------------------------------------------
    app_id: str = Field("orbitwatch", description="faust application id (consumer group)")
    data_dir: Path = Field(
        PROJECT_ROOT / ".local-infra" / "worker", description="faust table state directory"
    )
    dedupe_retention: timedelta = Field(
        timedelta(days=7), description="How long an article id is remembered for de-duplication"
    )
    story_window: timedelta = Field(
        timedelta(hours=72), description="How long a quiet story can still gain members"
    )
    watchlist: list[str] = Field(
        default_factory=lambda: ["RU", "CN", "KP", "IR"],
        description="States whose involvement raises severity (JSON list)",
    )
    classifier_model: Path | None = Field(
        None,
        description="Classifier model file (orbitwatch train); empty: the model shipped",
    )

    # --- Local infrastructure (orbitwatch infra) ------------------------------------------
    infra_home: Path = Field(
        PROJECT_ROOT / ".local-infra", description="Cache of downloads, data and logs"
    )
    kafka_version: str = Field("3.9.1", description="Kafka broker version fetched from Maven")
    es_version: str = Field("8.19.21", description="Elasticsearch version fetched from Maven")
    java_home: Path | None = Field(None, description="JDK for the local servers (auto-detect)")
    kafka_heap: str = Field("512m", description="Local Kafka heap")
    es_heap: str = Field("512m", description="Local Elasticsearch heap")
    es_user: str = Field("orbitwatch-es", description="Unprivileged user for Elasticsearch")

    # --- Observability -------------------------------------------------------------------
    metrics_host: str = Field("127.0.0.1", description="Address of /metrics, /health, /ready")
    metrics_port: int = Field(
        0, ge=0, le=65535, description="Port of /metrics, /health, /ready (0 turns them off)"
    )

    # --- Logging ------------------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO")
    log_format: Literal["json", "console"] = Field("console", description="Log line format")

    # --- Alerting and webhooks (streams/alerting, streams/notify) -------------------------
    topic_alert_silences: str = Field(
        "alerts.silences", description="Compacted topic of alert silences (by rule or story)"
    )
    topic_feedback: str = Field(
        "feedback.verdicts",
        description="Compacted topic of analysts' verdicts on classified articles (by article)",
    )
    alert_rules_file: Path = Field(
        PROJECT_ROOT / "deploy" / "rules.yaml", description="YAML file of alert rules"
    )
    alert_realert: timedelta = Field(
        timedelta(hours=6),
        description="Default quiet time before a story or group alerts again for the same rule",
    )
    alert_digest_interval: timedelta = Field(
        timedelta(hours=1), description="Default period of digests (rules with digest: true)"
    )
    alert_tick_interval: timedelta = Field(
        timedelta(seconds=30), description="How often digests and flatline rules are evaluated"
    )
    alert_flatline_feed_after: timedelta = Field(
        timedelta(hours=24), description="Default silence before a feed flatline alert"
    )
    alert_flatline_pipeline_after: timedelta = Field(
        timedelta(hours=1), description="Default silence before a pipeline flatline alert"
    )
    webhook_urls: list[str] = Field(
        default_factory=list, description="Webhook endpoints (JSON list of URLs)"
    )
    webhook_endpoints_file: Path | None = Field(
        None, description="YAML file of webhook endpoints with filters (instead of / besides URLs)"
    )
    webhook_secret: SecretStr | None = Field(
        None, description="HMAC-SHA256 key of the X-Orbitwatch-Signature header"
    )
    webhook_allow_private: bool = Field(
        False, description="Allow webhook URLs on loopback, private or link-local addresses"
    )
    webhook_timeout: timedelta = Field(
        timedelta(seconds=10), description="Time limit of one webhook request"
    )
    webhook_max_attempts: int = Field(
        6, ge=1, description="Attempts per delivery before it goes to the dead-letter topic"
    )
    webhook_backoff_initial: timedelta = Field(
        timedelta(seconds=1), description="First retry delay (doubles each attempt, jittered)"
    )
    webhook_backoff_max: timedelta = Field(
        timedelta(minutes=2), description="Longest retry delay, also the cap on Retry-After"
    )

    # --- Elasticsearch indexing (streams/index/) and Kibana (orbitwatch kibana) -------
    es_bulk_max_docs: int = Field(
        500, ge=1, description="Most events in one indexing batch and documents in one _bulk"
    )
    es_bulk_max_bytes: int = Field(
        5_000_000, ge=1024, description="Largest _bulk request body in bytes"
    )
    es_bulk_interval: timedelta = Field(
        timedelta(seconds=1), description="Longest wait before a partial batch is written"
    )
    es_retry_initial: timedelta = Field(
        timedelta(milliseconds=500), description="First retry delay when Elasticsearch fails"
    )
    es_retry_max: timedelta = Field(
        timedelta(seconds=30), description="Longest retry delay (retries never stop)"
    )
    es_retention_days: int | None = Field(
        None, ge=1, description="Where the cluster has ILM: delete event indices this old"
    )
    kibana_url: str = Field("http://127.0.0.1:5601", description="Kibana base URL")
    kibana_username: str | None = Field(None, description="Kibana basic-auth user")
    kibana_password: SecretStr | None = Field(None, description="Kibana basic-auth password")
    kibana_api_key: SecretStr | None = Field(None, description="Kibana API key (instead)")
    kibana_space: str | None = Field(None, description="Kibana space id (unset: default)")
    kibana_ca_file: Path | None = Field(None, description="CA bundle for Kibana TLS")

    def environment(self) -> dict[str, str]:
        """``ORBITWATCH_*`` variables that reproduce every explicitly set field in a child
        process (a worker or connector started by a benchmark or a test), secrets included:
        they are handed to the process, never printed."""
        env: dict[str, str] = {}
        dumped = self.model_dump(mode="json", include=self.model_fields_set)
        for name, value in dumped.items():
            raw = getattr(self, name)
            if isinstance(raw, SecretStr):
                value = raw.get_secret_value()
            if value is None:
                continue
            env[f"ORBITWATCH_{name.upper()}"] = (
                value if isinstance(value, str) else json.dumps(value)
            )
        return env

    @property
    def kafka_host_port(self) -> tuple[str, int]:
        host, _, port = self.kafka_bootstrap_servers.split(",")[0].strip().rpartition(":")
        return host, int(port)

    @property
    def es_host_port(self) -> tuple[str, int]:
        from urllib.parse import urlsplit

        parts = urlsplit(self.es_url)
        default = 443 if parts.scheme == "https" else 9200
        return parts.hostname or "127.0.0.1", parts.port or default


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
