"""The topic registry: every Kafka topic of the pipeline, described once.

Each :class:`Topic` says which setting names it (operators rename topics through
``ORBITWATCH_TOPIC_*``; the names stay settings), how it is partitioned, whether it is
compacted, how large a record may be, what its key and value hold, whether it is a
dead-letter topic and which headers it then carries, which consumer groups read it, and the
prose of its AsyncAPI channel. Everything that needs the list reads it from here:

- topic creation: :func:`topic_specs` builds the core's
  :class:`~orbitwatch.core.kafka.TopicSpec` for :func:`orbitwatch.core.kafka.ensure_topics`
  (the worker, the connector, the feedback store, ``deploy/compose_setup.py``);
- consumer lag (``orbitwatch status``, the worker's lag gauge): :func:`consumer_groups`
  hands :func:`orbitwatch.core.lag.topic_statuses` the topics and the groups that read them;
- the agents: ``streams.app.raw_topic(app, settings, ARTICLES_RAW)``;
- the dead-letter writers (``streams/deadletter.py``, ``streams/notify``): the header names;
- ``docs/asyncapi.yaml`` (:mod:`schemas.asyncapi`).

A ``topic_*`` setting without an entry here fails a unit test. faust's internal topics
(``<app_id>-unclustered``, ``<app_id>-alert-signals``, table changelogs) are not listed:
the worker declares them itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from orbitwatch.core.kafka import DOWNSTREAM_RECORD_BYTES, TopicSpec
from orbitwatch.core.settings import Settings
from schemas.alert import Alert
from schemas.article import Article
from schemas.base import Message
from schemas.classification import ClassifiedEvent
from schemas.delivery import Delivery
from schemas.feed_state import FeedHealth, FeedState
from schemas.feedback import Verdict
from schemas.silence import Silence

# --- Headers of dead-letter records ------------------------------------------------------

HEADER_ERROR_TYPE = "orbitwatch.error.type"
HEADER_ERROR_MESSAGE = "orbitwatch.error.message"
HEADER_SOURCE = "orbitwatch.source"
MAX_ERROR_MESSAGE_CHARS = 2000

# What the notifier adds to an alert it could not deliver.
HEADER_WEBHOOK_ENDPOINT = "orbitwatch.webhook.endpoint"
HEADER_WEBHOOK_URL = "orbitwatch.webhook.url"
HEADER_WEBHOOK_ATTEMPTS = "orbitwatch.webhook.attempts"
HEADER_WEBHOOK_STATUS = "orbitwatch.webhook.status"


@dataclass(frozen=True)
class Header:
    name: str
    description: str
    required: bool = True


DEAD_LETTER_HEADERS: tuple[Header, ...] = (
    Header(
        HEADER_ERROR_TYPE,
        "Named reason, e.g. invalid_json, encoding, schema, schema_version, oversized, or "
        "the exception class name",
    ),
    Header(
        HEADER_ERROR_MESSAGE,
        f"Human-readable error, at most {MAX_ERROR_MESSAGE_CHARS} characters, UTF-8",
    ),
    Header(HEADER_SOURCE, "Where the record was read: <topic>/<partition>/<offset>"),
)

WEBHOOK_HEADERS: tuple[Header, ...] = (
    Header(HEADER_WEBHOOK_ENDPOINT, "Name of the endpoint that failed"),
    Header(HEADER_WEBHOOK_URL, "Its URL, credentials and tokens masked"),
    Header(HEADER_WEBHOOK_ATTEMPTS, "Delivery attempts made"),
    Header(HEADER_WEBHOOK_STATUS, "Last HTTP status, when there was an answer", required=False),
)


# --- Consumer groups and partitioning ----------------------------------------------------


@dataclass(frozen=True)
class ConsumerGroup:
    """A consumer group of ours; its id is the app id plus ``suffix``."""

    suffix: str

    def group_id(self, settings: Settings) -> str:
        return f"{settings.app_id}{self.suffix}"


WORKER_GROUP = ConsumerGroup("")  # every agent of `orbitwatch worker` (one faust app)
NOTIFIER_GROUP = ConsumerGroup("-notifier")  # `orbitwatch notify`


class Partitions(Enum):
    CONFIGURED = "configured"  # ORBITWATCH_TOPIC_PARTITIONS: the topics the worker scales on
    ONE = "one"

    def count(self, settings: Settings) -> int:
        return settings.topic_partitions if self is Partitions.CONFIGURED else 1


# --- The registry ------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    """One topic of the pipeline: everything orbitwatch needs to know about it but its name."""

    setting: str  # the Settings field that names the topic, e.g. "topic_articles_raw"
    key: str  # what the record key holds
    model: type[Message] | None  # the value; None: the original bytes, whatever they are
    # AsyncAPI: channel id (camelCase), message name, and what the topic is for.
    channel_id: str
    message_name: str
    summary: str
    partitions: Partitions = Partitions.ONE
    compacted: bool = False
    max_record_bytes: int | None = None  # None: the broker's default (about 1 MiB)
    retention_days: int | None = None  # None: the broker's default (compacted: forever)
    dead_letter: bool = False  # records carry DEAD_LETTER_HEADERS (and extra_headers)
    extra_headers: tuple[Header, ...] = ()
    consumer_groups: tuple[ConsumerGroup, ...] = ()  # whose lag `orbitwatch status` shows
    # Who writes and reads it (the roles are explained in schemas.asyncapi.ROLES).
    senders: tuple[str, ...] = ()
    receivers: tuple[str, ...] = ()

    def name(self, settings: Settings) -> str:
        name = getattr(settings, self.setting)
        assert isinstance(name, str), f"{self.setting} is not a topic name"
        return name

    @property
    def headers(self) -> tuple[Header, ...]:
        return (*DEAD_LETTER_HEADERS, *self.extra_headers) if self.dead_letter else ()

    def spec(self, settings: Settings) -> TopicSpec:
        return TopicSpec(
            self.name(settings),
            self.partitions.count(settings),
            compacted=self.compacted,
            max_record_bytes=self.max_record_bytes,
            retention_ms=self.retention_days * 86_400_000 if self.retention_days else None,
            replication=settings.topic_replication_factor,
        )

    def group_ids(self, settings: Settings) -> list[str]:
        return [group.group_id(settings) for group in self.consumer_groups]


# A raw record the broker accepted (up to about 1 MiB) must fit downstream too: as a
# classified event (article + classification) or as a dead letter (bytes + headers).
_WIDE = DOWNSTREAM_RECORD_BYTES

ARTICLES_RAW = Topic(
    setting="topic_articles_raw",
    key="Article id (UTF-8); every copy of an article lands on one partition",
    model=Article,
    partitions=Partitions.CONFIGURED,
    consumer_groups=(WORKER_GROUP,),
    channel_id="articlesRaw",
    message_name="article",
    summary="Normalized articles, one record per new feed entry.",
    senders=("connector",),
    receivers=("worker",),
)
ARTICLES_DLQ = Topic(
    setting="topic_articles_dlq",
    key="The original record's key, unchanged",
    model=None,
    max_record_bytes=_WIDE,
    dead_letter=True,
    channel_id="articlesDlq",
    message_name="articleDeadLetter",
    summary=(
        "Records the worker could not read or classify, byte-exact for replay. The "
        "payload is the original value (often not a valid Article: that is why it is here)."
    ),
    senders=("worker",),
)
EVENTS_CLASSIFIED = Topic(
    setting="topic_events_classified",
    key="Story id (UTF-8): all members of a story land on one partition",
    model=ClassifiedEvent,
    partitions=Partitions.CONFIGURED,
    max_record_bytes=_WIDE,
    consumer_groups=(WORKER_GROUP,),
    channel_id="eventsClassified",
    message_name="classifiedEvent",
    summary="Every article with its classification and story id, after de-duplication.",
    senders=("worker",),
    receivers=("indexer", "alerting"),
)
EVENTS_DLQ = Topic(
    setting="topic_events_dlq",
    key="The original record's key (story id)",
    model=ClassifiedEvent,
    max_record_bytes=_WIDE,
    dead_letter=True,
    channel_id="eventsDlq",
    message_name="classifiedEventDeadLetter",
    summary="Classified events Elasticsearch rejected, with the reason in headers.",
    senders=("indexer",),
)
ALERTS = Topic(
    setting="topic_alerts",
    key="Alert id (UTF-8)",
    model=Alert,
    consumer_groups=(NOTIFIER_GROUP,),
    channel_id="alerts",
    message_name="alert",
    summary="Alerts raised by the rules; consumers de-duplicate on alert_id.",
    senders=("alerting",),
    receivers=("notifier", "cli"),
)
ALERTS_DLQ = Topic(
    setting="topic_alerts_dlq",
    key="Alert id (UTF-8)",
    model=Alert,
    dead_letter=True,
    extra_headers=WEBHOOK_HEADERS,
    channel_id="alertsDlq",
    message_name="alertDeadLetter",
    summary=(
        "Alerts whose delivery to an endpoint failed after every attempt or was refused "
        "for good; the alert record unchanged, with the endpoint and attempts in headers."
    ),
    senders=("notifier",),
)
NOTIFY_DELIVERED = Topic(
    setting="topic_notify_delivered",
    key="<alert id>:<endpoint name>",
    model=Delivery,
    compacted=True,
    # A re-emitted alert comes within minutes of the first (a worker's replay after a
    # crash); a month of memory is plenty and keeps the read at start-up short.
    retention_days=30,
    channel_id="notifyDelivered",
    message_name="delivery",
    summary=(
        "One record per finished delivery (delivered or dead-lettered) of an alert to a "
        "notification endpoint; compacted, read back when the notifier starts so that no "
        "alert reaches an endpoint twice across notifier restarts."
    ),
    senders=("notifier",),
    receivers=("notifier",),
)
ALERT_SILENCES = Topic(
    setting="topic_alert_silences",
    key="rule:<rule name> or story:<story id>",
    model=Silence,
    compacted=True,
    channel_id="alertSilences",
    message_name="silence",
    summary="Alert silences; compacted, so the latest record per target is in force.",
    senders=("cli",),
    receivers=("alerting",),
)
FEEDBACK = Topic(
    setting="topic_feedback",
    key="Article id (UTF-8)",
    model=Verdict,
    # One partition: verdicts are few, and export then reads them in recording order.
    compacted=True,
    channel_id="feedbackVerdicts",
    message_name="verdict",
    summary=(
        "Analysts' verdicts on classified articles (relevant or not, corrected labels); "
        "compacted, so the latest verdict per article counts. `orbitwatch feedback "
        "export` turns them into labeled training items."
    ),
    senders=("cli",),
    receivers=("cli",),
)
FEED_STATE = Topic(
    setting="topic_feed_state",
    key="Feed id (UTF-8)",
    model=FeedState,
    compacted=True,
    channel_id="feedState",
    message_name="feedState",
    summary=(
        "Per-feed connector state (HTTP validators, recent ids, health); compacted, read "
        "back when the connector starts so it resumes where it stopped."
    ),
    senders=("connector",),
    receivers=("connector",),
)
FEED_HEALTH = Topic(
    setting="topic_feed_health",
    key="Feed id (UTF-8)",
    model=FeedHealth,
    channel_id="feedHealth",
    message_name="feedHealth",
    summary="Feed health reports after each poll, for dashboards and flatline alerts.",
    senders=("connector",),
    receivers=("alerting", "cli"),
)

TOPICS: tuple[Topic, ...] = (
    ARTICLES_RAW,
    ARTICLES_DLQ,
    EVENTS_CLASSIFIED,
    EVENTS_DLQ,
    ALERTS,
    ALERTS_DLQ,
    NOTIFY_DELIVERED,
    ALERT_SILENCES,
    FEEDBACK,
    FEED_STATE,
    FEED_HEALTH,
)

# The topics `orbitwatch connector run` writes (and creates when they are missing).
CONNECTOR_TOPICS: tuple[Topic, ...] = (ARTICLES_RAW, FEED_STATE, FEED_HEALTH)
# The topics `orbitwatch notify` reads and writes (created when they are missing).
NOTIFIER_TOPICS: tuple[Topic, ...] = (ALERTS, ALERTS_DLQ, NOTIFY_DELIVERED)


def topic_specs(settings: Settings, topics: Iterable[Topic] = TOPICS) -> list[TopicSpec]:
    """What :func:`orbitwatch.core.kafka.ensure_topics` creates: every topic unless told."""
    return [topic.spec(settings) for topic in topics]


def topic_names(settings: Settings) -> list[str]:
    return [topic.name(settings) for topic in TOPICS]


def consumer_groups(settings: Settings) -> dict[str, list[str]]:
    """Every topic name, in registry order, with the ids of our groups that read it: what
    :func:`orbitwatch.core.lag.topic_statuses` reports on."""
    return {topic.name(settings): topic.group_ids(settings) for topic in TOPICS}
