"""Reading stored events page by page and updating them in place, in Elasticsearch.

Re-classification (:mod:`orbitwatch.reclassify.job`) and ``orbitwatch es reindex``
(:mod:`orbitwatch.reindex`) both page and write through here.

Paging uses a point in time with ``search_after`` (both are core features, present on the
minimal local server): the PIT freezes the set of documents, so the updates this run makes,
and events the worker indexes meanwhile, neither shift pages nor get read twice. Pages are
sorted by event time, then article id, which is unique across the monthly indices (an
article id always lands in the same index).

Updates are partial (``update`` with ``doc``) on the concrete index each hit came from, and
conditional on the sequence number read: when the worker rewrote a document in between (a
replay after a crash), the worker's version stands and the update counts as a conflict.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError

from orbitwatch.core.errors import InvalidMessage, OrbitwatchError
from orbitwatch.core.redact import redact_url
from orbitwatch.core.settings import Settings
from schemas.documents import EventDocument

PIT_KEEP_ALIVE = "5m"  # between two pages; classifying one page takes well under that
MAX_REASONS = 5


class StoreError(OrbitwatchError):
    """Elasticsearch cannot be reached or refused a request the run depends on."""

    retriable = True


class NoEventsIndex(StoreError):
    """The events alias does not exist (nothing indexed yet, or a wrong index prefix)."""

    retriable = False


@dataclass(frozen=True)
class StoredDocument:
    """Where a hit lives and the version read: what a conditional update needs."""

    index: str
    doc_id: str
    seq_no: int
    primary_term: int

    @classmethod
    def of(cls, hit: dict[str, Any]) -> StoredDocument:
        return cls(hit["_index"], hit["_id"], hit["_seq_no"], hit["_primary_term"])


@dataclass(frozen=True)
class StoredEvent(StoredDocument):
    """One event hit and the parsed document (None when the stored JSON no longer parses as
    an :class:`EventDocument`)."""

    document: EventDocument | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Update:
    stored: StoredDocument
    body: dict[str, Any]  # the partial document


@dataclass(frozen=True)
class WriteResult:
    updated: int = 0
    conflicts: int = 0
    failed: int = 0
    reasons: tuple[str, ...] = ()  # the first few refusals, for the report


def safe_url(url: str) -> str:
    """The URL without user information (``https://user:pass@host`` -> ``https://host``)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(redact_url(url))
    if "@" not in parts.netloc:
        return parts.geturl()
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def describe_failure(exc: Exception, settings: Settings) -> str:
    """One line about an Elasticsearch failure, without credentials."""
    where = f"Elasticsearch at {safe_url(settings.es_url)}"
    if isinstance(exc, ApiError):
        return f"{where} answered {exc.meta.status}: {exc.error}"
    # Transport errors repeat the urllib3 chain; its last words are the useful ones
    # ("Connection refused", "timed out", a certificate problem).
    reason = str(exc).rstrip(")").rsplit(": ", 1)[-1].strip() or type(exc).__name__
    return f"cannot reach {where} ({reason})"


def time_range_query(since: datetime, until: datetime | None) -> dict[str, Any]:
    bounds = {"gte": since.isoformat()}
    if until is not None:
        bounds["lte"] = until.isoformat()
    return {"bool": {"filter": [{"range": {"@timestamp": bounds}}]}}


def iter_pages(
    client: Elasticsearch,
    alias: str,
    since: datetime,
    until: datetime | None,
    page_size: int,
    settings: Settings,
) -> Iterator[list[StoredEvent]]:
    """Every event with ``since <= @timestamp <= until``, ``page_size`` at a time."""
    sort = [{"@timestamp": "asc"}, {"article_id": "asc"}]
    query = time_range_query(since, until)
    for hits in iter_hits(client, alias, query, sort, page_size, settings):
        yield [_stored(hit) for hit in hits]


def iter_hits(
    client: Elasticsearch,
    alias: str,
    query: dict[str, Any],
    sort: list[dict[str, str]],
    page_size: int,
    settings: Settings,
) -> Iterator[list[dict[str, Any]]]:
    """The raw hits of ``query`` on ``alias``, ``page_size`` at a time, in a point in time.
    ``sort`` must end with a field unique per document (the ``search_after`` tiebreaker)."""
    try:
        pit = client.open_point_in_time(index=alias, keep_alive=PIT_KEEP_ALIVE).body["id"]
    except NotFoundError as exc:
        raise NoEventsIndex(f"no index or alias {alias!r} (wrong index prefix?)") from exc
    except (ApiError, TransportError) as exc:
        raise StoreError(describe_failure(exc, settings)) from exc
    try:
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "query": query,
                "size": page_size,
                "sort": sort,
                "pit": {"id": pit, "keep_alive": PIT_KEEP_ALIVE},
                "seq_no_primary_term": True,
                "track_total_hits": False,
            }
            if after is not None:
                body["search_after"] = after
            try:
                response = client.search(**body).body
            except (ApiError, TransportError) as exc:
                raise StoreError(describe_failure(exc, settings)) from exc
            pit = response.get("pit_id", pit)  # the id may change between pages
            hits = response["hits"]["hits"]
            if not hits:
                return
            yield hits
            after = hits[-1]["sort"]
    finally:
        # A PIT left open expires on its own after PIT_KEEP_ALIVE.
        with contextlib.suppress(ApiError, TransportError):
            client.close_point_in_time(id=pit)


def _stored(hit: dict[str, Any]) -> StoredEvent:
    try:
        document: EventDocument | None = EventDocument.from_obj(hit.get("_source"))
        problem = None
    except InvalidMessage as exc:
        document, problem = None, str(exc)
    where = StoredDocument.of(hit)
    return StoredEvent(
        where.index, where.doc_id, where.seq_no, where.primary_term, document, problem
    )


def refresh(client: Elasticsearch, alias: str, settings: Settings) -> None:
    """Make the updates searchable now (a search right after the run, or a second run,
    must see them), instead of within the next refresh interval."""
    try:
        client.indices.refresh(index=alias)
    except (ApiError, TransportError) as exc:
        raise StoreError(describe_failure(exc, settings)) from exc


def write_updates(client: Elasticsearch, updates: list[Update], settings: Settings) -> WriteResult:
    """One ``_bulk`` of conditional partial updates."""
    if not updates:
        return WriteResult()
    operations: list[dict[str, Any]] = []
    for update in updates:
        stored = update.stored
        operations.append(
            {
                "update": {
                    "_index": stored.index,
                    "_id": stored.doc_id,
                    "if_seq_no": stored.seq_no,
                    "if_primary_term": stored.primary_term,
                }
            }
        )
        operations.append({"doc": update.body})
    try:
        response = client.bulk(operations=operations).body
    except (ApiError, TransportError) as exc:
        raise StoreError(describe_failure(exc, settings)) from exc
    updated = conflicts = failed = 0
    reasons: list[str] = []
    for item in response.get("items", []):
        result = item.get("update", {})
        status = result.get("status", 500)
        if 200 <= status < 300:
            updated += 1
        elif status == 409:
            conflicts += 1
        else:
            failed += 1
            if len(reasons) < MAX_REASONS:
                error = result.get("error") or {}
                reasons.append(f"{result.get('_id')}: {error.get('type')}: {error.get('reason')}")
    return WriteResult(updated, conflicts, failed, tuple(reasons))
