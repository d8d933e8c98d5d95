"""``orbitwatch es reindex``: bring stored documents' ``search_text`` up to date, in place.

Documents indexed before ``search_text`` existed (or by an older normalizer, PyStemmer or
OpenCC) lack it or hold stale tokens. Every event and story is read page by page through its
alias (all monthly indices), parsed with its model, and ``search_text`` computed again
(:mod:`schemas.indices.search_text`); where it differs from what is stored, a partial update
on the concrete index the hit came from, by the same ``_id``, conditional on the version
read. Documents already current are left alone, so a second run writes nothing; a
document the worker rewrote meanwhile counts as a conflict (the worker wrote the field
itself) and a later run picks up whatever is left.

Before the documents, the field's mapping goes onto the existing indices (templates shape new
indices only; adding a field is allowed on a live index).

Stories written before they recorded their title's language get it from their first
article's event, so their title is stemmed in its language rather than by script alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch

from orbitwatch.core.errors import InvalidMessage
from orbitwatch.core.settings import Settings
from orbitwatch.reclassify.store import (
    MAX_REASONS,
    StoredDocument,
    StoreError,
    Update,
    describe_failure,
    iter_hits,
    refresh,
    write_updates,
)
from schemas.documents import EventDocument, StoryDocument
from schemas.indices.names import IndexNames
from schemas.indices.templates import index_templates

log = logging.getLogger(__name__)

SEARCH_FIELD = "search_text"


@dataclass
class KindReport:
    """What one run did to one kind of document (events or stories)."""

    kind: str
    scanned: int = 0
    updated: int = 0  # written (or, in a dry run, that would be)
    unchanged: int = 0
    conflicts: int = 0
    failed: int = 0
    unreadable: int = 0
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Kind:
    name: str
    alias: str
    sort: list[dict[str, str]]
    parse: Callable[[Any], EventDocument | StoryDocument]


def _kinds(names: IndexNames) -> list[_Kind]:
    return [
        _Kind(
            "events",
            names.events_alias,
            [{"@timestamp": "asc"}, {"article_id": "asc"}],
            EventDocument.from_obj,
        ),
        _Kind(
            "stories",
            names.stories_alias,
            [{"story_id": "asc"}],
            StoryDocument.from_obj,
        ),
    ]


def add_mappings(client: Elasticsearch, names: IndexNames, settings: Settings) -> None:
    """Put the current events and stories mappings on their existing indices (additive)."""
    for spec in index_templates(names):
        if spec.kind not in ("events", "stories"):
            continue
        pattern = spec.body["index_patterns"][0]
        properties = spec.body["template"]["mappings"]["properties"]
        try:
            client.indices.put_mapping(index=pattern, properties=properties, allow_no_indices=True)
        except (ApiError, TransportError) as exc:
            raise StoreError(describe_failure(exc, settings)) from exc


def _languages(client: Elasticsearch, alias: str, article_ids: list[str]) -> dict[str, str]:
    """Article id -> language of the stored events among ``article_ids``."""
    if not article_ids:
        return {}
    response = client.search(
        index=alias,
        query={"ids": {"values": article_ids}},
        source_includes=["language"],
        size=len(article_ids),
    ).body
    found: dict[str, str] = {}
    for hit in response["hits"]["hits"]:
        language = hit["_source"].get("language")
        if language:
            found[hit["_id"]] = language
    return found


def _reindex_kind(
    client: Elasticsearch,
    settings: Settings,
    names: IndexNames,
    kind: _Kind,
    *,
    dry_run: bool,
    batch_size: int,
) -> KindReport:
    report = KindReport(kind.name)
    if not client.indices.exists_alias(name=kind.alias):
        return report
    for hits in iter_hits(client, kind.alias, {"match_all": {}}, kind.sort, batch_size, settings):
        parsed: list[tuple[dict[str, Any], EventDocument | StoryDocument]] = []
        for hit in hits:
            report.scanned += 1
            try:
                parsed.append((hit, kind.parse(hit.get("_source"))))
            except InvalidMessage as exc:
                log.warning("skipping unreadable %s %s: %s", kind.name, hit["_id"], exc)
                report.unreadable += 1
        untold = [
            document.first_article_id
            for _, document in parsed
            if isinstance(document, StoryDocument) and document.title_language is None
        ]
        languages = _languages(client, names.events_alias, untold) if untold else {}
        updates: list[Update] = []
        for hit, document in parsed:
            body: dict[str, Any] = {}
            language = languages.get(getattr(document, "first_article_id", ""))
            if isinstance(document, StoryDocument) and not document.title_language and language:
                document.title_language = language
                body["title_language"] = language
            wanted = document.search_text
            if hit["_source"].get(SEARCH_FIELD) != wanted:
                body[SEARCH_FIELD] = wanted
            if body:
                updates.append(Update(StoredDocument.of(hit), body))
            else:
                report.unchanged += 1
        if dry_run:
            report.updated += len(updates)
            continue
        result = write_updates(client, updates, settings)
        report.updated += result.updated
        report.conflicts += result.conflicts
        report.failed += result.failed
        report.reasons.extend(result.reasons[: MAX_REASONS - len(report.reasons)])
    if not dry_run and report.updated:
        refresh(client, kind.alias, settings)
    return report


def reindex(
    client: Elasticsearch,
    settings: Settings,
    *,
    dry_run: bool = False,
    batch_size: int = 500,
) -> list[KindReport]:
    """Rewrite ``search_text`` where it is missing or stale, events then stories.

    Raises :class:`orbitwatch.reclassify.store.StoreError` when Elasticsearch fails."""
    names = IndexNames(settings.index_prefix)
    if not dry_run:
        add_mappings(client, names, settings)
    try:
        return [
            _reindex_kind(client, settings, names, kind, dry_run=dry_run, batch_size=batch_size)
            for kind in _kinds(names)
        ]
    except (ApiError, TransportError) as exc:
        raise StoreError(describe_failure(exc, settings)) from exc
