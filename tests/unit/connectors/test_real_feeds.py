"""The 41 real-world feed documents in ../shared/data/feeds: each yields valid articles or a
clear, named per-feed error. Never an unhandled exception."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from connectors.errors import EmptyBody, FeedError, NotAFeed
from connectors.feedlist import FeedConfig, slugify
from connectors.normalize import normalize_feed
from connectors.parse import parse_document
from orbitwatch.core.settings import PROJECT_ROOT
from schemas import Article, utc_now

pytestmark = pytest.mark.unit

FEEDS_DIR = PROJECT_ROOT.parent / "shared" / "data" / "feeds"
INDEX = FEEDS_DIR / "INDEX.tsv"

# Documents that are not feeds at all, and the error each must produce.
EXPECTED_ERRORS: dict[str, type[FeedError]] = {
    "dailytelegraph-empty.xml": EmptyBody,
    "marketwatch-document-moved.rss": NotAFeed,
}


def _rows() -> list[dict[str, str]]:
    if not INDEX.exists():
        return []
    with INDEX.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


ROWS = _rows()
skip_without_data = pytest.mark.skipif(
    not ROWS, reason=f"reference feeds not available ({FEEDS_DIR} is absent)"
)


def _articles(row: dict[str, str]) -> list[Article]:
    path = FEEDS_DIR / row["file"]
    body = path.read_bytes()
    feed = FeedConfig(
        id=slugify(path.stem),
        name=row["source site"],
        url=f"https://{slugify(path.stem)}.invalid/feed",
    )
    parsed = parse_document(body)
    return normalize_feed(parsed, feed, fetched_at=utc_now())


@skip_without_data
@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_every_document_yields_articles_or_a_named_error(row: dict[str, str]) -> None:
    expected = EXPECTED_ERRORS.get(row["file"])
    if expected is not None:
        with pytest.raises(expected) as info:
            _articles(row)
        assert info.value.kind and str(info.value)
        return
    articles = _articles(row)
    assert articles, "a feed document with entries must yield articles"
    for article in articles:
        assert Article.from_bytes(article.to_bytes()) == article
        assert article.title or article.summary
        assert "<" not in article.title
        if article.url:
            assert article.url.startswith(("http://", "https://"))
        assert article.published_at is not None and article.published_at <= article.fetched_at
    languages = [a.language for a in articles if a.language]
    if languages:  # declared or detected; machine-made text (USGS) may be neither
        assert max(set(languages), key=languages.count) == row["language"]


@skip_without_data
def test_index_lists_41_documents() -> None:
    assert len(ROWS) == 41


@skip_without_data
def test_mojibake_feed_is_repaired_to_cyrillic() -> None:
    (row,) = [r for r in ROWS if r["file"] == "yandex-news-moscow-mojibake.xml"]
    articles = _articles(row)
    assert any("Москв" in a.title for a in articles)
    assert not any("Ð" in a.title for a in articles)


@skip_without_data
def test_relative_links_are_resolved() -> None:
    for name in ("neverwinter-relative-urls.xml", "tpm-news.atom"):
        (row,) = [r for r in ROWS if r["file"] == name]
        assert all(a.url and a.url.startswith("http") for a in _articles(row))


@skip_without_data
def test_latin1_without_declaration_reads_accents() -> None:
    (row,) = [r for r in ROWS if r["file"] == "cercle-psy-no-xml-decl-latin1.xml"]
    text = " ".join(a.text for a in _articles(row))
    assert "é" in text and "Ã©" not in text


def test_data_folder_is_relative_to_the_project() -> None:
    assert Path(FEEDS_DIR).parts[-3:] == ("shared", "data", "feeds")


# General news (INDEX.tsv topics "other" and "geopolitics"): nearly nothing there is a
# strategic space event, so everything flagged is an alert someone has to dismiss. The
# target is 0.3%; this guard sits at 0.4% (3 of 902 today, one over the target: see
# docs/classifier.md) so that a change that adds false alarms fails here.
GENERAL_NEWS_TOPICS = ("topic=other", "topic=geopolitics")
MAX_FLAGGED_SHARE = 0.004


@skip_without_data
def test_few_general_news_entries_are_flagged() -> None:
    from streams.classifier import Classifier

    classifier = Classifier()
    entries = 0
    flagged: list[str] = []
    for row in ROWS:
        if not row["notes"].startswith(GENERAL_NEWS_TOPICS):
            continue
        if row["file"] in EXPECTED_ERRORS:
            continue
        for article in _articles(row):
            entries += 1
            if classifier.classify(article).relevant:
                flagged.append(f"{row['file']}: {article.title}")
    assert entries > 800
    share = len(flagged) / entries
    assert share <= MAX_FLAGGED_SHARE, f"{len(flagged)} of {entries} flagged:\n" + "\n".join(
        flagged
    )
