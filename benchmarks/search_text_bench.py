"""What ``search_text`` costs the index stage: the normalizer's throughput, and indexing into
the real Elasticsearch with and without the field, in the same run.

Run: ``.venv/bin/python -m benchmarks.search_text_bench [--docs 3000] [--rounds 3]``

Inputs: the benchmark corpus (:func:`benchmarks.corpus.generate`: the multilingual holdout
and demo texts, padded to realistic lengths, plus real news feeds from ``../shared`` when
present). Three measures, each in alternating rounds (medians reported):

- the normalizer alone (:func:`schemas.indices.search_text.document_search_text` over
  title and summary), with its word cache emptied before the round (cold) and kept (warm,
  as in a running worker);
- building the document JSON the index stage sends, without the field and with it;
- the index stage's write path against Elasticsearch: JSON, ``_bulk`` in pages of 500,
  refresh; once into an index mapped without ``search_text`` and documents without it, once
  with both. Skipped when no cluster answers at ``ORBITWATCH_ES_URL``.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch

from benchmarks.corpus import generate
from benchmarks.harness.report import out_path, write_report
from benchmarks.harness.stats import alternating_rounds, median, per_second
from orbitwatch.core.elastic import make_client
from orbitwatch.core.settings import get_settings
from schemas import Classification, ClassifiedEvent, Relation, Severity, utc_now
from schemas.documents import EventDocument
from schemas.indices.mapping import mapping_for
from schemas.indices.search_text import clear_caches, document_search_text

OUT = out_path("search_text")
BULK_PAGE = 500


def _documents(count: int) -> list[EventDocument]:
    now = utc_now()
    classification = Classification(
        relevant=False,
        relation=Relation.none,
        severity=Severity.none,
        score=0.0,
        classifier_version="bench",
    )
    return [
        EventDocument.from_event(
            ClassifiedEvent(
                article=article,
                classification=classification,
                story_id=article.id,
                classified_at=now,
            )
        )
        for article in generate(count)
    ]


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _normalize_all(documents: list[EventDocument], cold: bool) -> float:
    if cold:
        clear_caches()
    return _timed(
        lambda: [document_search_text((d.title, d.summary), d.language) for d in documents]
    )


def _json(documents: list[EventDocument], with_field: bool) -> list[bytes]:
    if with_field:
        return [d.to_bytes() for d in documents]
    return [d.model_dump_json(exclude={"search_text"}).encode() for d in documents]


def _index(
    client: Elasticsearch, index: str, documents: list[EventDocument], with_field: bool
) -> float:
    mappings = mapping_for(EventDocument)
    if not with_field:
        del mappings["properties"]["search_text"]
    client.options(ignore_status=404).indices.delete(index=index)
    client.indices.create(index=index, mappings=mappings, settings={"number_of_shards": 1})

    def write() -> None:
        bodies = _json(documents, with_field)
        for start in range(0, len(documents), BULK_PAGE):
            lines: list[bytes] = []
            for document, body in zip(
                documents[start : start + BULK_PAGE], bodies[start : start + BULK_PAGE], strict=True
            ):
                lines.append(
                    json.dumps({"index": {"_index": index, "_id": document.article_id}}).encode()
                )
                lines.append(body)
            payload = b"\n".join(lines) + b"\n"
            response = client.bulk(operations=payload).body  # type: ignore[arg-type]
            if response["errors"]:
                raise RuntimeError(f"bulk refused documents in {index}")
        client.indices.refresh(index=index)

    try:
        return _timed(write)
    finally:
        client.indices.delete(index=index)


def _cluster() -> Elasticsearch | None:
    client = make_client(get_settings())
    try:
        client.cluster.health()
    except (ApiError, TransportError):
        client.close()
        return None
    return client


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    documents = _documents(args.docs)
    count = len(documents)
    chars = sum(len(d.title) + len(d.summary) for d in documents) / count
    languages = len({d.language for d in documents})
    print(f"{count} documents, {languages} languages, {chars:.0f} characters of text each")

    measures: dict[str, Callable[[], float]] = {
        "normalize_cold": lambda: _normalize_all(documents, cold=True),
        "normalize_warm": lambda: _normalize_all(documents, cold=False),
        "json_without": lambda: _timed(lambda: _json(documents, with_field=False)),
        "json_with": lambda: _timed(lambda: _json(documents, with_field=True)),
    }
    client = _cluster()
    run = uuid.uuid4().hex[:8]
    if client is not None:
        measures["index_without"] = lambda: _index(
            client, f"bench-search-text-{run}-without", documents, with_field=False
        )
        measures["index_with"] = lambda: _index(
            client, f"bench-search-text-{run}-with", documents, with_field=True
        )
    rounds = alternating_rounds(measures, args.rounds)
    if client is not None:
        client.close()
    rates = {name: per_second(count, median(seconds)) for name, seconds in rounds.items()}

    print(
        f"normalizer alone:   {rates['normalize_cold']:>9,.0f} docs/s cold cache, "
        f"{rates['normalize_warm']:>9,.0f} docs/s warm"
    )
    print(
        f"document JSON:      {rates['json_without']:>9,.0f} docs/s without search_text, "
        f"{rates['json_with']:>9,.0f} docs/s with it"
    )
    report: dict[str, Any] = {
        "documents": count,
        "languages": languages,
        "characters_per_document": round(chars),
        "rounds": args.rounds,
        "docs_per_second": rates,
    }
    if client is None:
        print("indexing: skipped (no Elasticsearch answers at ORBITWATCH_ES_URL)")
    else:
        without, with_field = rates["index_without"], rates["index_with"]
        overhead = (without / with_field - 1) if with_field else None
        report["indexing_overhead"] = round(overhead, 3) if overhead is not None else None
        print(
            f"index into ES:      {without:>9,.0f} docs/s without search_text, "
            f"{with_field:>9,.0f} docs/s with it"
            + (f" (+{overhead:.0%} time)" if overhead is not None else "")
        )
    write_report(OUT, report)
    return report


if __name__ == "__main__":
    main()
