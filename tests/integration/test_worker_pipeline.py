"""The worker on the real Kafka: duplicates dropped, near-duplicates share a story, poison
messages land in the dead-letter topic with their reason, and nothing else is lost."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orbitwatch.core.kafka import ensure_topics
from orbitwatch.core.settings import Settings
from schemas import Article, ClassifiedEvent
from schemas.topics import topic_specs
from streams.deadletter import HEADER_ERROR_TYPE
from streams.worker import build_worker_app
from tests.kafka_io import drain, produce

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _article(aid: str, feed: str, title: str, summary: str) -> Article:
    return Article(
        id=aid,
        feed_id=feed,
        title=title,
        summary=summary,
        language="en",
        published_at=NOW,
        fetched_at=NOW,
    )


LUNAR = _article(
    "lunar-1",
    "wire-a",
    "Russia and China to build a nuclear power plant on the Moon by 2035",
    "Roscosmos head said the reactor would power the International Lunar Research Station "
    "that Russia and China are building together; installation is planned for 2033-2035.",
)
LUNAR_COPY = _article(
    "lunar-2",
    "wire-b",
    "Russia, China to build a nuclear power plant on the Moon by 2035",
    "Roscosmos head said the reactor would power the International Lunar Research Station "
    "that Russia and China are building together; installation is planned for 2033-2035.",
)
LAUNCH = _article(
    "launch-1",
    "wire-a",
    "Falcon 9 lifts off with 23 Starlink satellites",
    "SpaceX launched another batch of its broadband satellites from Cape Canaveral on Monday.",
)
LAUNCH_COPY = _article(
    "launch-2",
    "wire-b",
    "Falcon 9 lifts off with 23 Starlink satellites",
    "SpaceX launched another batch of its broadband satellites from Cape Canaveral on Monday.",
)


async def test_worker_dedupes_clusters_and_dead_letters(isolated_settings: Settings) -> None:
    settings = isolated_settings
    await ensure_topics(settings, topic_specs(settings))
    app, _ = build_worker_app(settings)
    await app.start()
    try:
        await produce(
            settings,
            settings.topic_articles_raw,
            [
                (b"lunar-1", LUNAR.to_bytes()),
                (b"lunar-1", LUNAR.to_bytes()),  # the same article delivered twice
                (b"lunar-2", LUNAR_COPY.to_bytes()),
                (b"launch-1", LAUNCH.to_bytes()),
                (b"launch-1", LAUNCH.to_bytes()),  # irrelevant: not remembered, passed on
                (b"launch-2", LAUNCH_COPY.to_bytes()),
                (b"junk", b"{this is not json"),
                (b"wrong", b'{"id": "x", "title": 5}'),
            ],
        )
        events = await drain(settings, settings.topic_events_classified, expect=5)
        dead = await drain(settings, settings.topic_articles_dlq, expect=2, quiet_s=1.0)
    finally:
        await app.stop()

    parsed = [ClassifiedEvent.from_bytes(r.value) for r in events]
    by_id = {e.article.id: e for e in parsed}
    # The relevant article delivered twice is dropped the second time; a repeated irrelevant
    # one is passed on (its document is overwritten by id, nothing else depends on it).
    assert sorted(e.article.id for e in parsed) == [
        "launch-1",
        "launch-1",
        "launch-2",
        "lunar-1",
        "lunar-2",
    ]
    assert by_id["lunar-2"].story_id == by_id["lunar-1"].story_id == "lunar-1"
    assert by_id["lunar-2"].duplicate_of == "lunar-1"
    assert by_id["lunar-1"].classification.relevant
    assert not by_id["launch-1"].classification.relevant
    # Stories are for space events: an irrelevant copy skips clustering, its own story.
    assert by_id["launch-1"].story_id == "launch-1"
    assert (by_id["launch-2"].story_id, by_id["launch-2"].duplicate_of) == ("launch-2", None)

    reasons = sorted(dict(r.headers)[HEADER_ERROR_TYPE].decode() for r in dead)
    assert reasons == ["invalid_json", "schema"]
    assert sorted(r.key for r in dead) == [b"junk", b"wrong"]


LUNAR_LATE_COPY = _article(
    "lunar-3",
    "wire-c",
    "Russia and China will build a nuclear power plant on the Moon by 2035",
    "Roscosmos head said the reactor would power the International Lunar Research Station "
    "that Russia and China are building together; installation is planned for 2033-2035.",
)


async def test_restarted_worker_recovers_its_tables(isolated_settings: Settings) -> None:
    """Regression: list-valued table entries could not be restored from the changelog, and
    faust retried recovery forever. A second worker must see what the first one stored."""
    settings = isolated_settings
    await ensure_topics(settings, topic_specs(settings))
    first_app, _ = build_worker_app(settings)
    await first_app.start()
    try:
        await produce(settings, settings.topic_articles_raw, [(b"lunar-1", LUNAR.to_bytes())])
        assert len(await drain(settings, settings.topic_events_classified, 1, 1.0)) == 1
    finally:
        await first_app.stop()

    second_app, _ = build_worker_app(settings)
    await second_app.start()
    try:
        await produce(
            settings,
            settings.topic_articles_raw,
            [(b"lunar-1", LUNAR.to_bytes()), (b"lunar-3", LUNAR_LATE_COPY.to_bytes())],
        )
        events = await drain(settings, settings.topic_events_classified, expect=2)
    finally:
        await second_app.stop()

    # The topic holds the first worker's event and the second's; lunar-1 must not reappear.
    parsed = {ClassifiedEvent.from_bytes(r.value).article.id: r for r in events}
    assert sorted(parsed) == ["lunar-1", "lunar-3"] and len(events) == 2
    late = ClassifiedEvent.from_bytes(parsed["lunar-3"].value)
    assert late.story_id == "lunar-1"  # the story index came back from its changelog
