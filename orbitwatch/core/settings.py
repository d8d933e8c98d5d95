"""The one settings model. Environment variables with the ``ORBITWATCH_`` prefix, or ``.env``.

Defaults point at the local infrastructure that ``orbitwatch infra up`` starts.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from enum import StrEnum
from functools import lru_cache
from io import StringIO
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as PydanticSettingsError

from orbitwatch.core.errors import SettingsError
from orbitwatch.core.redact import MASK, redact_text

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENV_FILE = ".env"
ENV_PREFIX = "ORBITWATCH_"

log = logging.getLogger(__name__)

# Actors of the ontology a watchlist may name: ISO 3166-1 alpha-2 codes and organisations
# (schemas.classification.ACTOR_PATTERN; the core cannot import schemas). Codes the
# classifier's gazetteer does not know are refused where the gazetteer is loaded (worker).
WATCHLIST_ORGANISATIONS = ("ESA", "EU", "UN", "NATO", "BRICS", "SCO", "APSCO")
_WATCHLIST_CODE = re.compile(rf"^([A-Z]{{2}}|{'|'.join(WATCHLIST_ORGANISATIONS)})$")
_HOST_PORT = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")

_BEFORE_AT = re.compile(r"[^\s\"',\[\]/*]+@")

DURATION_EXPECTED = "expected a positive duration such as PT72H, P1D or 06:00:00"


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
    topic_replication_factor: int = Field(
        1,
        ge=1,
        description="Replicas of every topic orbitwatch and faust create (3 on a cluster)",
    )
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
    watchlist: Annotated[list[str], NoDecode] = Field(
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
    webhook_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Notification endpoints: JSON list of webhook (http/https) or Apprise URLs",
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
    topic_notify_delivered: str = Field(
        "notify.delivered",
        description="Compacted topic of the notifier's finished deliveries (by endpoint and alert)",
    )
    notify_templates_dir: Path | None = Field(
        None,
        description="Folder of message templates overriding the defaults by name "
        "(chat.md.j2, email.txt.j2)",
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

    # --- Analyst's desk (orbitwatch web) -------------------------------------------------
    web_host: str = Field(
        "127.0.0.1",
        description="Address of the desk; any non-loopback address requires a token or basic auth",
    )
    web_port: int = Field(8600, ge=0, le=65535, description="Port of the desk (0: any free one)")
    web_public_url: str | None = Field(
        None, description="URL people reach the desk at (links in alert messages); unset: local"
    )
    web_token: SecretStr | None = Field(
        None, description="Bearer token the desk requires (header, or its login page)"
    )
    web_username: str | None = Field(None, description="Basic-auth user of the desk")
    web_password: SecretStr | None = Field(None, description="Basic-auth password of the desk")

    # --- WebSub push (connectors/websub/) ----------------------------------------------
    websub_callback_url: str | None = Field(
        None,
        description=(
            "Public http(s) address of the connector's WebSub callback server, as hubs reach"
            " it (through a reverse proxy); each subscription adds a path segment. Unset: push"
            " is off and every feed is polled"
        ),
    )
    websub_bind_host: str = Field(
        "127.0.0.1", description="Address the WebSub callback server listens on"
    )
    websub_bind_port: int = Field(
        8089, ge=0, le=65535, description="Port of the WebSub callback server (0: any free port)"
    )
    websub_max_body: int = Field(
        4 * 1024 * 1024,
        ge=1024,
        description="Largest pushed body in bytes; a larger one is refused (413) unread",
    )
    websub_lease: timedelta = Field(
        timedelta(days=10), description="Lease asked of hubs (hub.lease_seconds); hubs may cap it"
    )
    websub_verify_timeout: timedelta = Field(
        timedelta(minutes=10),
        description="How long a subscription request waits for the hub's verification before"
        " it is asked again (with back-off)",
    )
    websub_silent_after: timedelta = Field(
        timedelta(hours=12),
        description="A subscription with no push for this long counts as silent: the feed is"
        " polled at its normal pace again",
    )

    # --- Values, not only types -----------------------------------------------------------
    @field_validator("watchlist", "webhook_urls", mode="before")
    @classmethod
    def _json_list(cls, value: Any, info: Any) -> Any:
        if not isinstance(value, str):
            return value
        example = '["RU","CN"]' if info.field_name == "watchlist" else '["https://hooks.example/a"]'
        what = "country codes" if info.field_name == "watchlist" else "URLs"
        try:
            parsed = json.loads(value) if value.strip() else []
        except ValueError:
            parsed = None
        if not isinstance(parsed, list) or not all(isinstance(v, str) for v in parsed):
            raise ValueError(f"expected a JSON list of {what} such as {example}")
        return parsed

    @field_validator("watchlist")
    @classmethod
    def _watchlist_codes(cls, value: list[str]) -> list[str]:
        codes = [code.strip().upper() for code in value]
        bad = [code for code in codes if not _WATCHLIST_CODE.match(code)]
        if bad:
            raise ValueError(
                'expected ISO 3166-1 alpha-2 country codes such as ["RU","CN"] or one of '
                f"{', '.join(WATCHLIST_ORGANISATIONS)}; not a code: {', '.join(bad)}"
            )
        return codes

    @field_validator("websub_callback_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        # ORBITWATCH_WEBSUB_CALLBACK_URL= (empty) turns push off, like leaving it out.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("es_url", "kibana_url", "web_public_url", "websub_callback_url")
    @classmethod
    def _http_url(cls, value: str | None, info: Any) -> str | None:
        if value is not None:
            check_url(value, URL_EXAMPLES[info.field_name])
        return value

    @field_validator("webhook_urls")
    @classmethod
    def _http_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            # Another scheme is an Apprise URL (slack://, mailtos://, ...): the notifier asks
            # Apprise about it when it loads its endpoints (the core does not know Apprise).
            scheme, sep, rest = url.strip().partition("://")
            if not sep or not rest or scheme.lower() in ("http", "https"):
                check_url(url, URL_EXAMPLES["webhook_urls"])
        return value

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _host_ports(cls, value: str) -> str:
        servers = [part.strip() for part in value.split(",")]
        for server in servers:
            match = _HOST_PORT.match(server)
            if not match or not 1 <= int(match.group(2)) <= 65535:
                raise ValueError(
                    "expected comma-separated host:port pairs such as 127.0.0.1:19092,kafka-2:9092"
                )
        return value

    @field_validator("*")
    @classmethod
    def _positive_durations(cls, value: Any) -> Any:
        if isinstance(value, timedelta) and value <= timedelta(0):
            raise ValueError(DURATION_EXPECTED)
        return value

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


URL_EXAMPLES = {
    "es_url": "http://127.0.0.1:19200",
    "kibana_url": "http://127.0.0.1:5601",
    "webhook_urls": "https://hooks.example/orbitwatch",
    "web_public_url": "https://desk.example:8600",
    "websub_callback_url": "https://orbitwatch.example/websub",
}
URL_FIELDS = frozenset(URL_EXAMPLES)


def check_url(url: str, example: str = "https://host.example:8443") -> None:
    """Raise ``ValueError`` unless ``url`` is an http(s) URL with a host (and a valid port)."""
    expected = f"expected an http or https URL such as {example}"
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError(expected) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(expected)


def env_name(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


def _shown(field: str | None, value: Any) -> str:
    """A rejected value as the user typed it, with secrets and URL credentials masked."""
    info = Settings.model_fields.get(field or "")
    if info is not None and "SecretStr" in str(info.annotation):
        return "**********"
    if isinstance(value, SecretStr):
        return "**********"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if not text:
        return '""'
    text = redact_text(text)
    if field in URL_FIELDS:
        # Not a URL redact_text recognises (no scheme://): whatever precedes an @ may still
        # be a credential.
        text = _BEFORE_AT.sub(f"{MASK}@", text)
    return text


def _expected(error: Any) -> str:
    """What a pydantic error says was expected, in the words of a settings reference."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in ("enum", "literal_error"):
        allowed = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"expected one of {allowed}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<="}
        limit = next(iter(ctx.values()), "?")
        return f"expected a number {sign.get(kind, '<')} {limit}"
    if kind in ("int_parsing", "int_from_float"):
        return "expected a whole number such as 4"
    if kind == "bool_parsing":
        return "expected true or false"
    if kind.startswith("time_delta"):
        return DURATION_EXPECTED
    if kind in ("float_parsing",):
        return "expected a number such as 1.5"
    return f"expected {error['msg'][0].lower()}{error['msg'][1:]}"


def settings_error(exc: ValidationError) -> SettingsError:
    """One ``ORBITWATCH_X: expected ..., got ...`` problem per invalid setting."""
    problems = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else None
        name = env_name(field) if field else "settings"
        problems.append(f"{name}: {_expected(error)}, got {_shown(field, error.get('input'))}")
    return SettingsError(problems)


class _DotenvParseFilter(logging.Filter):
    """python-dotenv's own warning does not name the file; ours (in load_settings) does."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "could not parse statement" not in record.getMessage()


logging.getLogger("dotenv.main").addFilter(_DotenvParseFilter())


def _check_env_file(path: Path) -> None:
    """Refuse a ``.env`` that is not UTF-8 text; warn (naming the file and line, never the
    line's text, which may hold a secret) about lines that are not ``NAME=value``."""
    if not path.is_file():
        return
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start : exc.start + 1].hex()
        raise SettingsError(
            [f"{path.resolve()}: expected UTF-8 text, got byte 0x{byte} at offset {exc.start}"]
        ) from None
    from dotenv.parser import parse_stream

    for binding in parse_stream(StringIO(text)):
        if binding.error:
            log.warning(
                "%s line %d: not a NAME=value line; skipped", path.resolve(), binding.original.line
            )


def load_settings(**values: Any) -> Settings:
    """The settings from the environment and ``.env``, validated once. Every problem is
    reported together as a :class:`SettingsError`, never as a pydantic traceback."""
    env_file = values.get("_env_file", ENV_FILE)
    if env_file is not None:
        _check_env_file(Path(env_file))
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise settings_error(exc) from None
    except PydanticSettingsError as exc:
        match = re.search(r'field "(\w+)"', str(exc))
        name = env_name(match.group(1)) if match else "settings"
        raise SettingsError([f"{name}: cannot be read ({exc})"]) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
