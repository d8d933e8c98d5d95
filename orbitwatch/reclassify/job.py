"""One re-classification run: page through the events, classify again, diff, write.

The classifier reads what the worker read, as far as the document keeps it: the title and
the lead (``summary``). Nothing is published to Kafka and no alert is sent; the alert
figures are an estimate from the rules (see :mod:`orbitwatch.reclassify.diff`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from elasticsearch import Elasticsearch

from orbitwatch.core.settings import Settings
from orbitwatch.reclassify.diff import ReclassifyReport, Tally, compare, update_body
from orbitwatch.reclassify.store import MAX_REASONS, Update, iter_pages, refresh, write_updates
from schemas import Classification, utc_now
from schemas.indices.names import IndexNames
from streams.alerting.rules import RuleSet

log = logging.getLogger(__name__)


class TextClassifier(Protocol):
    def classify_text(self, title: str, text: str, lang: str | None = None) -> Classification: ...


def reclassify(
    client: Elasticsearch,
    settings: Settings,
    classifier: TextClassifier,
    rules: RuleSet,
    *,
    since: datetime,
    until: datetime | None = None,
    dry_run: bool = False,
    batch_size: int = 500,
    clock: Callable[[], datetime] = utc_now,
) -> ReclassifyReport:
    """Re-classify the events of ``[since, until]`` in place; the report says what changed.

    With ``dry_run`` nothing is written and the report gives the same figures (``updated``
    stays 0). Raises :class:`orbitwatch.reclassify.store.StoreError` when Elasticsearch fails.
    """
    alias = IndexNames(settings.index_prefix).events_alias
    tally = Tally(rules)
    for page in iter_pages(client, alias, since, until, batch_size, settings):
        at = clock()
        updates: list[Update] = []
        for stored in page:
            if stored.document is None:
                log.warning("skipping unreadable event %s: %s", stored.doc_id, stored.problem)
                tally.add_unreadable()
                continue
            document = stored.document
            classification = classifier.classify_text(
                document.title, document.summary, document.language
            )
            change = compare(document, classification, rules, at)
            tally.add(change)
            if change.changed:
                updates.append(Update(stored, update_body(change.after)))
        if updates and not dry_run:
            result = write_updates(client, updates, settings)
            tally.updated += result.updated
            tally.conflicts += result.conflicts
            tally.failed += result.failed
            tally.failure_reasons.extend(result.reasons[: MAX_REASONS - len(tally.failure_reasons)])
    if tally.updated:
        refresh(client, alias, settings)
    return tally.report(since, until, dry_run)
