"""Story clustering on hand-written articles: near-duplicates, same event, different events
(streams/stories/index.py; one test of the signatures of streams/stories/minhash.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from schemas import Article, Classification, EventType, Evidence, Relation, Severity
from streams.stories import StoryIndex, signature, similarity

T0 = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)


def _article(
    aid: str, title: str, summary: str, *, feed: str = "f1", lang: str = "en", at: datetime = T0
) -> Article:
    return Article(
        id=aid,
        feed_id=feed,
        title=title,
        summary=summary,
        language=lang,
        published_at=at,
        fetched_at=at,
    )


def _classified(
    actors: list[str],
    types: list[EventType],
    *,
    relevant: bool = True,
    severity: Severity = Severity.high,
    cues: tuple[str, ...] = (),
) -> Classification:
    return Classification(
        relevant=relevant,
        relation=Relation.cooperation if relevant else Relation.none,
        actors=actors if relevant else [],
        event_types=types if relevant else [],
        severity=severity if relevant else Severity.none,
        score=0.9 if relevant else 0.1,
        evidence=[Evidence(kind="programme", value=c, term=c, start=0, end=len(c)) for c in cues],
        classifier_version="test",
    )


LUNAR_EN = (
    "Moscow and Beijing to build nuclear reactor on the Moon",
    "The space agencies of Russia and China said on Tuesday that an automated power station "
    "for their joint lunar research station would be installed between 2033 and 2035.",
)
LUNAR_CLS = _classified(["CN", "RU"], [EventType.lunar, EventType.nuclear], cues=("ILRS",))


def test_signature_is_stable_and_similarity_tracks_overlap() -> None:
    a = signature(" ".join(LUNAR_EN))
    b = signature("Update: " + " ".join(LUNAR_EN))
    c = signature("A commercial operator put forty broadband satellites into low orbit today")
    assert a is not None and b is not None and c is not None
    assert a == signature(" ".join(LUNAR_EN))
    assert similarity(a, b) >= 0.5
    assert similarity(a, c) < 0.2
    assert signature("short") is None


def test_a_second_feeds_copy_joins_the_story_as_a_duplicate() -> None:
    index = StoryIndex({})
    first = index.assign(_article("a1", *LUNAR_EN), LUNAR_CLS)
    copy = index.assign(
        _article("b7", LUNAR_EN[0] + " - wire", LUNAR_EN[1], feed="f2", at=T0 + timedelta(hours=2)),
        LUNAR_CLS,
    )
    assert first.is_new_story and first.story_id == "a1"
    assert copy.story_id == "a1"
    assert copy.duplicate_of == "a1"
    assert copy.record.feeds == ["f1", "f2"]
    assert copy.record.article_count == 2


def test_the_same_event_in_another_language_joins_by_concepts() -> None:
    index = StoryIndex({})
    index.assign(_article("a1", *LUNAR_EN), LUNAR_CLS)
    russian = index.assign(
        _article(
            "r1",
            "Россия и Китай построят атомную электростанцию на Луне",
            "Роскосмос и CNSA установят реактор для лунной станции к 2035 году.",
            feed="tass",
            lang="ru",
            at=T0 + timedelta(hours=5),
        ),
        LUNAR_CLS,
    )
    assert russian.story_id == "a1"
    assert russian.duplicate_of is None
    assert russian.record.languages == ["en", "ru"]


def test_different_events_and_stale_stories_do_not_merge() -> None:
    index = StoryIndex({}, window=timedelta(hours=72))
    index.assign(_article("a1", *LUNAR_EN), LUNAR_CLS)
    other = index.assign(
        _article(
            "n1",
            "Navigation deal signed in Minsk",
            "Belarus will host ground stations of the Russian satellite navigation system.",
            at=T0 + timedelta(hours=1),
        ),
        _classified(["BY", "RU"], [EventType.navigation], cues=("GLONASS",)),
    )
    late = index.assign(_article("a9", *LUNAR_EN, feed="f3", at=T0 + timedelta(days=10)), LUNAR_CLS)
    assert other.story_id == "n1"
    assert late.story_id == "a9" and late.is_new_story


def test_irrelevant_articles_do_not_join_by_concepts() -> None:
    index = StoryIndex({})
    index.assign(
        _article(
            "g1",
            "Gas pipeline deal",
            "Russia and China agree on gas prices for "
            "the next decade, officials in both capitals said.",
        ),
        _classified([], [], relevant=False),
    )
    second = index.assign(
        _article(
            "g2",
            "Grain exports rise",
            "Wheat shipments from the Black Sea ports reached a record in March, traders said.",
        ),
        _classified([], [], relevant=False),
    )
    assert second.story_id == "g2"


def test_replayed_article_gets_its_story_again_and_is_counted_once() -> None:
    index = StoryIndex({})
    index.assign(_article("a1", *LUNAR_EN), LUNAR_CLS)
    again = index.assign(_article("a1", *LUNAR_EN), LUNAR_CLS)
    assert again.story_id == "a1"
    assert again.record.article_count == 1


def test_prune_forgets_stories_and_their_pointers() -> None:
    store: dict[str, str] = {}
    index = StoryIndex(store, window=timedelta(hours=1))
    index.assign(_article("a1", *LUNAR_EN), LUNAR_CLS)
    index.assign(
        _article(
            "z1",
            "Unrelated telescope picture of a nebula",
            "Astronomers released a new infrared image of a distant nebula.",
            at=T0 + timedelta(hours=3),
        ),
        _classified([], [], relevant=False),
    )
    assert index.prune() == 1
    assert "story:a1" not in store and "member:a1" not in store
    assert "actors:CN,RU" not in store  # its only story expired
    assert "story:z1" in store


@pytest.mark.parametrize("text", ["", "a b"])
def test_texts_too_short_get_their_own_story(text: str) -> None:
    index = StoryIndex({})
    first = index.assign(_article("s1", text, ""), _classified([], [], relevant=False))
    second = index.assign(_article("s2", text, ""), _classified([], [], relevant=False))
    assert first.story_id == "s1" and second.story_id == "s2"
