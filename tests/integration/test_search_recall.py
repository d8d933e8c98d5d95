"""Search recall on the real Elasticsearch: every demo article, every holdout item and the
article titles other tests build are found by a query with another inflected form of a
content word of their title.

The forms are a hand-written table (``tests/data/search-forms.tsv``), never derived with the
normalizer. Documents are built and written as the index stage writes them
(``EventDocument.from_event``, its JSON), into indices made by ``orbitwatch es setup``; the
queries are those of ``orbitwatch search`` (:class:`orbitwatch.query.EventQuery`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from typer.testing import CliRunner

from connectors.demo.server import DEMO_FEEDS, demo_documents
from connectors.feedlist import FeedConfig
from connectors.normalize import normalize_feed
from connectors.parse import parse_document
from orbitwatch.cli import app as cli
from orbitwatch.core.settings import PROJECT_ROOT, Settings, get_settings
from orbitwatch.query import TEXT_FIELDS, EventQuery
from schemas import Article, Classification, ClassifiedEvent, Relation, Severity
from schemas.documents import EventDocument
from schemas.indices.names import IndexNames
from schemas.indices.setup import setup_indices

pytestmark = pytest.mark.integration

DATA = PROJECT_ROOT / "tests" / "data"
FORMS_FILE = DATA / "search-forms.tsv"
HOLDOUTS = (DATA / "holdout-blind.jsonl", DATA / "holdout-synthetic.jsonl")
AT = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
_CJK = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True)
class Form:
    key: str
    word: str  # as written in the title
    other: str  # another form of it: what the query says


def forms() -> list[Form]:
    rows = []
    for line in FORMS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, word, other = line.split("\t")
            rows.append(Form(key, word, other))
    return rows


def demo_articles() -> Iterator[tuple[str, Article]]:
    for name, body in sorted(demo_documents().items()):
        feed = FeedConfig(id=name, name=name, url=f"http://demo.invalid/{name}")
        for article in normalize_feed(parse_document(body), feed, fetched_at=AT):
            assert article.url
            slug = article.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
            language = article.language or DEMO_FEEDS[name][2]
            yield f"demo:{slug}", article.model_copy(update={"language": language})


def holdout_articles() -> Iterator[tuple[str, Article]]:
    for path in HOLDOUTS:
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            yield (
                item["id"],
                Article(
                    id=f"holdout-{item['id']}",
                    feed_id=f"holdout-{item['lang']}",
                    title=item["title"],
                    summary=item["text"],
                    language=item["lang"],
                    published_at=AT,
                    fetched_at=AT,
                ),
            )


# Article titles other tests build by hand (language, title), keyed for the forms table.
FIXTURE_TITLES = {
    "fixture:connector-kafka": (
        "ru",
        "Роскосмос сообщил о новом испытании противоспутникового оружия",
    ),
    "fixture:normalize-ru": ("ru", "Россия и Китай построят атомную электростанцию на Луне"),
    "fixture:runner-spaceplane": ("en", "China tests a reusable spaceplane"),
    "fixture:runner-asat": ("en", "Second ASAT test reported"),
    "fixture:query-asat": ("en", "Russia tests a direct-ascent anti-satellite missile"),
    "fixture:query-zh": ("zh", "中俄将在月球建设核电站"),
    "fixture:query-change": ("en", "Chang'É-7 lands near the lunar south pole"),
    "fixture:indexing-lunar": ("en", "Russia and China to build a nuclear power plant on the Moon"),
    "fixture:indexing-reactor": ("en", "Moon reactor: Roscosmos and CNSA sign plan"),
    "fixture:indexing-asat": ("en", "Anti-satellite missile test creates debris cloud"),
    "fixture:indexing-weather": ("en", "Storm warning for the coast"),
    "fixture:demo-server-zh": ("zh", "新条目"),
}


def fixture_articles() -> Iterator[tuple[str, Article]]:
    for key, (language, title) in FIXTURE_TITLES.items():
        slug = key.removeprefix("fixture:")
        yield (
            key,
            Article(id=slug, feed_id="fixtures", title=title, language=language, fetched_at=AT),
        )


def _event(article: Article) -> ClassifiedEvent:
    classification = Classification(
        relevant=False,
        relation=Relation.none,
        severity=Severity.none,
        score=0.0,
        classifier_version="recall-test",
    )
    return ClassifiedEvent(
        article=article, classification=classification, story_id=article.id, classified_at=AT
    )


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def _index_all(client: Elasticsearch, settings: Settings, articles: dict[str, Article]) -> str:
    names = IndexNames(settings.index_prefix)
    setup_indices(client, names, now=AT)
    operations: list[dict[str, object]] = []
    for article in articles.values():
        document = EventDocument.from_event(_event(article))
        operations.append({"index": {"_index": names.events_index(AT), "_id": article.id}})
        operations.append(json.loads(document.to_bytes()))
    response = client.bulk(operations=operations, refresh=True).body
    assert not response["errors"]
    return names.events_alias


def _finds(client: Elasticsearch, alias: str, query: Mapping[str, Any], article_id: str) -> bool:
    body = {"bool": {"must": [query], "filter": [{"ids": {"values": [article_id]}}]}}
    return bool(client.count(index=alias, query=body).body["count"])


def test_every_article_is_found_by_another_form_of_a_title_word(
    isolated_settings: Settings, es_client: Elasticsearch
) -> None:
    articles = dict(demo_articles()) | dict(holdout_articles()) | dict(fixture_articles())
    table = forms()
    # The table covers every article, with words of its title and forms it does not hold.
    assert {row.key for row in table} == set(articles), "articles without a form (or stale keys)"
    for row in table:
        article = articles[row.key]
        text = f"{article.title} {article.summary}"
        assert row.word.casefold() in article.title.casefold(), row
        assert row.other.casefold() != row.word.casefold(), row
        if _CJK.search(row.other):
            assert row.other not in text, row
        else:
            assert row.other.casefold() not in _words(text), row

    alias = _index_all(es_client, isolated_settings, articles)
    missed, plain_hits, matched = [], 0, 0
    for row in table:
        article_id = articles[row.key].id
        query = EventQuery(text=row.other).body()["query"]
        if not _finds(es_client, alias, query, article_id):
            missed.append(row)
        matched += es_client.count(index=alias, query=query).body["count"]
        # What the standard analyzer alone (before search_text) would find, for the report.
        plain = {"query_string": {"query": row.other, "fields": list(TEXT_FIELDS)}}
        plain_hits += _finds(es_client, alias, plain, article_id)
    found = len(table) - len(missed)
    print(
        f"\nsearch recall: {len(articles)} articles, {len(table)} queries, {found} found "
        f"({found / len(table):.1%}); title and summary alone: {plain_hits}; "
        f"articles matched per query: {matched / len(table):.1f}"
    )
    assert not missed, "\n".join(f"{r.key}: {r.other!r} (title word {r.word!r})" for r in missed)


@pytest.mark.parametrize("query", ["станция", "станции", "Станцию"])
def test_orbitwatch_search_finds_the_glonass_beidou_article_by_any_case(
    query: str, isolated_settings: Settings, es_client: Elasticsearch
) -> None:
    articles = dict(demo_articles())
    _index_all(es_client, isolated_settings, articles)
    env = {
        "ORBITWATCH_INDEX_PREFIX": isolated_settings.index_prefix,
        "ORBITWATCH_ES_URL": isolated_settings.es_url,
    }
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["search", query, "--json"], env=env)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    titles = [json.loads(line)["title"] for line in result.stdout.splitlines()]
    glonass = articles["demo:glonass-beidou-stations"].title
    assert "наземных станций ГЛОНАСС и BeiDou" in glonass
    assert glonass in titles
    # The lunar article speaks of a "станцию" too; the English and Chinese ones do not.
    assert len(titles) == 2, titles
