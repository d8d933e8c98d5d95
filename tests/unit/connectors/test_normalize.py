"""Entries -> Articles: ids, URLs, text, dates, language, duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.feedlist import FeedConfig
from connectors.normalize import (
    article_id,
    canonical_url,
    detect_language,
    identity_key,
    normalize_entry,
    normalize_feed,
    normalize_language,
)
from connectors.parse import ParsedFeed, RawEntry, parse_document
from connectors.textclean import html_to_text
from schemas import Article

pytestmark = pytest.mark.unit

FETCHED = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)
FEED = FeedConfig(id="herald", name="Herald", url="https://herald.example/feed.xml")
OTHER = FeedConfig(id="wire", name="Wire", url="https://wire.example/rss")


def _parsed(*entries: RawEntry, link: str | None = "https://herald.example/") -> ParsedFeed:
    return ParsedFeed(version="rss20", link=link, entries=list(entries))


def _one(entry: RawEntry, feed: FeedConfig = FEED, document_url: str | None = None) -> Article:
    parsed = _parsed(entry)
    article = normalize_entry(entry, feed, parsed, fetched_at=FETCHED, document_url=document_url)
    assert article is not None
    return article


# --- URLs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "HTTPS://News.Example.COM:443/a/b?utm_source=rss&id=7&fbclid=x#top",
            "https://news.example.com/a/b?id=7",
        ),
        ("http://example.com", "http://example.com/"),
        ("http://example.com:8080/x?gclid=1&utm_medium=feed", "http://example.com:8080/x"),
        ("https://e.com/p?b=2&a=1&UTM_Campaign=z", "https://e.com/p?b=2&a=1"),
        ("ftp://example.com/file", None),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_canonical_url(raw: str, expected: str | None) -> None:
    assert canonical_url(raw) == expected


def test_relative_links_resolve_against_base() -> None:
    assert canonical_url("/news/1", "https://site.example/feed/") == "https://site.example/news/1"
    assert canonical_url("2", "https://site.example/feed/") == "https://site.example/feed/2"


def test_relative_entry_link_resolves_against_entry_base_then_document() -> None:
    with_base = _one(RawEntry(title="t", link="item/1", base="https://base.example/dir/"))
    assert with_base.url == "https://base.example/dir/item/1"
    from_document = _one(
        RawEntry(title="t", link="/item/2"), document_url="https://moved.example/rss"
    )
    assert from_document.url == "https://moved.example/item/2"


# --- ids ---------------------------------------------------------------------------------------


def test_id_is_a_short_stable_hash() -> None:
    entry = RawEntry(guid="abc-123", title="t")
    first, second = _one(entry), _one(entry)
    assert first.id == second.id
    assert len(first.id) == 32 and int(first.id, 16) >= 0


def test_opaque_guids_are_scoped_by_feed() -> None:
    entry = RawEntry(guid="1", title="t")
    assert _one(entry, FEED).id != _one(entry, OTHER).id


def test_same_url_on_two_feeds_is_one_article() -> None:
    a = _one(RawEntry(title="t", link="https://site.example/a?utm_source=x"), FEED)
    b = _one(RawEntry(title="other title", link="https://SITE.example/a#comments"), OTHER)
    assert a.id == b.id


def test_url_guid_keeps_its_fragment_but_link_does_not() -> None:
    a = RawEntry(guid="http://liftoff.example/2003/06/03.html#item573", title="a")
    b = RawEntry(guid="http://liftoff.example/2003/06/03.html#item574", title="b")
    assert _one(a).id != _one(b).id


def test_guid_wins_over_link_and_link_over_hash() -> None:
    with_guid = RawEntry(guid="g", link="https://e.example/x", title="t")
    assert identity_key(with_guid, "f", "https://e.example/x") == "guid:f:g"
    no_guid = RawEntry(link="https://e.example/x", title="t")
    assert identity_key(no_guid, "f", "https://e.example/x") == "url:https://e.example/x"
    bare = RawEntry(title="t", summary="s")
    assert identity_key(bare, "f", None).startswith("hash:f:")


def test_entries_without_guid_or_link_get_a_content_hash_id() -> None:
    one = _one(RawEntry(title="Same", summary="text one"))
    two = _one(RawEntry(title="Same", summary="text two"))
    assert one.id != two.id
    assert one.url is None


def test_article_id_function() -> None:
    assert article_id("url:https://e.example/") == article_id("url:https://e.example/")
    assert article_id("a") != article_id("b")


# --- text ----------------------------------------------------------------------------------------


def test_html_is_cleaned_to_text() -> None:
    entry = RawEntry(
        title="<b>Launch</b> &amp; landing",
        summary="<p>First&nbsp;para</p><p>Second <a href='x'>link</a></p><script>bad()</script>",
    )
    article = _one(entry)
    assert article.title == "Launch & landing"
    assert article.summary == "First para\nSecond link"
    assert "<" not in article.summary and "bad()" not in article.summary


def test_double_escaped_html_is_cleaned() -> None:
    assert html_to_text("&lt;p&gt;Hello &amp;amp; bye&lt;/p&gt;") == "Hello & bye"


def test_whitespace_is_collapsed() -> None:
    assert html_to_text("  a\n\n   b\t c  ") == "a b c"


def test_summary_falls_back_to_content_and_duplicate_content_is_dropped() -> None:
    only_content = _one(RawEntry(title="t", content="<p>Full text here</p>"))
    assert only_content.summary == "Full text here"
    assert only_content.content is None
    both = _one(RawEntry(title="t", summary="Lead.", content="<p>Lead.</p><p>More text.</p>"))
    assert both.summary == "Lead."
    assert both.content == "Lead.\nMore text."


def test_long_summary_is_truncated_on_a_word() -> None:
    article = _one(RawEntry(title="t", summary="word " * 1000))
    assert len(article.summary) <= 2001 and article.summary.endswith("…")


# --- dates ----------------------------------------------------------------------------------------


def test_dates_are_utc() -> None:
    published = datetime(2025, 3, 11, 9, 30, tzinfo=UTC)
    assert _one(RawEntry(title="t", published=published)).published_at == published


def test_missing_date_falls_back_to_fetch_time() -> None:
    article = _one(RawEntry(title="t"))
    assert article.published_at == FETCHED
    assert article.fetched_at == FETCHED


def test_updated_is_used_when_published_is_missing() -> None:
    updated = datetime(2025, 3, 1, tzinfo=UTC)
    assert _one(RawEntry(title="t", updated=updated)).published_at == updated


def test_far_future_dates_are_clamped_to_fetch_time() -> None:
    future = _one(RawEntry(title="t", published=datetime(2099, 1, 1, tzinfo=UTC)))
    assert future.published_at == FETCHED
    skew = FETCHED + timedelta(minutes=3)  # a little clock skew is believed
    assert _one(RawEntry(title="t", published=skew)).published_at == skew


# --- language -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("en-US", "en"),
        ("en_us", "en"),
        ("zh-Hans", "zh"),
        ("IT-it", "it"),
        ("", None),
        ("x1", None),
    ],
)
def test_normalize_language(raw: str, code: str | None) -> None:
    assert normalize_language(raw) == code


def test_language_precedence_entry_then_config_then_document_then_detection() -> None:
    ru_feed = FeedConfig(id="ru", name="ru", url="https://ru.example/", language="ru")
    entry_lang = RawEntry(title="hello there general", language="en-GB")
    assert _one(entry_lang, ru_feed).language == "en"
    assert _one(RawEntry(title="whatever"), ru_feed).language == "ru"
    document_lang = ParsedFeed(version="rss20", language="de-DE", entries=[RawEntry(title="x")])
    articles = normalize_feed(document_lang, FEED, fetched_at=FETCHED)
    assert articles[0].language == "de"


def test_language_is_detected_when_nobody_says() -> None:
    article = _one(
        RawEntry(
            title="Россия и Китай построят атомную электростанцию на Луне",
            summary="Роскосмос и CNSA подписали меморандум о сотрудничестве.",
        )
    )
    assert article.language == "ru"
    assert detect_language("中国和俄罗斯将在月球上共同建设核电站，为国际月球科研站供电。") == "zh"
    assert detect_language("ok") is None  # too short to say


# --- whole feeds ---------------------------------------------------------------------------------


def test_duplicate_guids_in_one_feed_give_one_article() -> None:
    body = b"""<rss version="2.0"><channel><title>t</title>
    <item><title>New version</title><guid>same</guid></item>
    <item><title>Old version</title><guid>same</guid></item>
    <item><title>Other</title><guid>other</guid></item></channel></rss>"""
    articles = normalize_feed(parse_document(body), FEED, fetched_at=FETCHED)
    assert [a.title for a in articles] == ["New version", "Other"]


def test_entries_without_anything_are_skipped_and_partial_ones_kept() -> None:
    body = b"""<rss version="2.0"><channel><title>t</title>
    <item></item>
    <item><description>No title, no link, no date</description></item>
    <item><title>Title only</title></item></channel></rss>"""
    articles = normalize_feed(parse_document(body), FEED, fetched_at=FETCHED)
    assert [(a.title, a.summary) for a in articles] == [
        ("", "No title, no link, no date"),
        ("Title only", ""),
    ]
    assert all(a.published_at == FETCHED for a in articles)


def test_numeric_guid_is_not_mistaken_for_a_link() -> None:
    body = b"""<rss version="2.0"><channel><title>t</title><link>https://e.example/</link>
    <item><title>x</title><guid>12345</guid></item></channel></rss>"""
    (article,) = normalize_feed(parse_document(body), FEED, fetched_at=FETCHED)
    assert article.url is None


def test_articles_validate_and_carry_their_source() -> None:
    feed = FeedConfig(
        id="herald", name="Herald", url="https://herald.example/feed", language="en", tags=["space"]
    )
    article = _one(RawEntry(title="t", link="https://herald.example/1", authors=["A", "a"]), feed)
    assert Article.from_bytes(article.to_bytes()) == article
    assert article.source is not None and article.source.tags == ["space"]
    assert article.authors == ["A"]
