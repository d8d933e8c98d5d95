"""What re-classifying one stored event changes, and the counts over a whole run. Pure.

An event document carries its classification flattened into top-level fields (see
:class:`schemas.documents.EventDocument`). Re-classifying rewrites exactly those fields and
``classified_at``; everything else (ids, story, times, text, feed) stays as stored, so the
document keeps its ``_id`` and its monthly index.

Alerts are estimated with the same rule conditions the worker uses
(:meth:`streams.alerting.rules.When.matches`), on the event as stored before and as
re-classified. Only **match** rules are evaluated: they decide on one event at a time.
Frequency, spike and flatline rules count events in time windows, which depends on every
other event of the window and on the worker's state; they are listed as not evaluated.
The figures count (event, rule) pairs: the worker alerts once per story and rule (later
members only escalate or re-alert), honours silences, and sends digest rules' alerts in a
digest, so the number of notifications would be at most this.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from schemas import Article, Classification, ClassifiedEvent, FeedRef
from schemas.documents import EventDocument, classification_fields
from streams.alerting.query import QueryDocument
from streams.alerting.rules import RuleSet

# The EventDocument fields a classification fills (``actor_pairs`` is derived from actors).
CLASSIFICATION_FIELDS = frozenset(
    {
        "relevant",
        "relation",
        "actors",
        "actor_pairs",
        "event_types",
        "severity",
        "score",
        "evidence",
        "classifier_version",
    }
)
# Written on update: the classification plus when it was made.
UPDATED_FIELDS = CLASSIFICATION_FIELDS | {"classified_at"}


def stored_classification(document: EventDocument) -> Classification:
    """The classification as the stored document holds it."""
    return Classification(
        relevant=document.relevant,
        relation=document.relation,
        actors=document.actors,
        event_types=document.event_types,
        severity=document.severity,
        score=document.score,
        evidence=document.evidence,
        classifier_version=document.classifier_version,
    )


def reclassified_document(
    document: EventDocument, classification: Classification, at: datetime
) -> EventDocument:
    """The stored document with the new classification, validated like any new document."""
    data = document.model_dump(by_alias=True)
    data.update(classification_fields(classification), classified_at=at)
    return EventDocument.model_validate(data)


def update_body(document: EventDocument) -> dict[str, object]:
    """The partial document of an update: the classification fields, as JSON."""
    return document.model_dump(mode="json", by_alias=True, include=set(UPDATED_FIELDS))


def as_event(document: EventDocument, classification: Classification) -> ClassifiedEvent:
    """The classified event the alert rules would have seen, rebuilt from the document.

    The document keeps the feed's display name but not the feed's URL; the rules read only
    the name (``source:``), so the URL is left empty.
    """
    source = (
        FeedRef(feed_id=document.feed_id, name=document.feed_name, url="")
        if document.feed_name
        else None
    )
    article = Article(
        id=document.article_id,
        feed_id=document.feed_id,
        url=document.url,
        title=document.title,
        summary=document.summary,
        published_at=document.published_at,
        fetched_at=document.fetched_at,
        language=document.language,
        source=source,
    )
    return ClassifiedEvent(
        article=article,
        classification=classification,
        story_id=document.story_id,
        duplicate_of=document.duplicate_of,
        classified_at=document.classified_at,
    )


def matching_rules(rules: RuleSet, event: ClassifiedEvent) -> frozenset[str]:
    """Names of the enabled match rules whose conditions ``event`` meets."""
    query_document = QueryDocument.from_event(event)
    return frozenset(rule.name for rule in rules.match if rule.when.matches(event, query_document))


def windowed_rules(rules: RuleSet) -> list[str]:
    """Enabled rules this estimate cannot evaluate: they count events over time windows."""
    per_event = {rule.name for rule in rules.match}
    return [rule.name for rule in rules.enabled if rule.name not in per_event]


@dataclass(frozen=True)
class EventChange:
    """One event before and after re-classification."""

    article_id: str
    before: EventDocument
    after: EventDocument
    rules_before: frozenset[str]
    rules_after: frozenset[str]

    @property
    def changed(self) -> bool:
        """Whether the document needs writing: any classification field differs (a new
        classifier version alone counts, so the index records which model decided)."""
        fields = set(CLASSIFICATION_FIELDS)
        return self.before.model_dump(include=fields) != self.after.model_dump(include=fields)

    @property
    def relevance(self) -> Literal["gained", "lost"] | None:
        if self.before.relevant == self.after.relevant:
            return None
        return "gained" if self.after.relevant else "lost"

    @property
    def severity_shift(self) -> int:
        """Positive when raised, negative when lowered, in severity steps."""
        return self.after.severity.rank - self.before.severity.rank

    @property
    def newly_firing(self) -> frozenset[str]:
        return self.rules_after - self.rules_before

    @property
    def no_longer_firing(self) -> frozenset[str]:
        return self.rules_before - self.rules_after


def compare(
    document: EventDocument, classification: Classification, rules: RuleSet, at: datetime
) -> EventChange:
    """Diff one stored event against its new classification (``at``: the new
    ``classified_at``, used only if the document is written)."""
    after = reclassified_document(document, classification, at)
    before_event = as_event(document, stored_classification(document))
    after_event = as_event(document, classification)
    return EventChange(
        article_id=document.article_id,
        before=document,
        after=after,
        rules_before=matching_rules(rules, before_event),
        rules_after=matching_rules(rules, after_event),
    )


# -- the report -----------------------------------------------------------------------------


class RuleDelta(BaseModel):
    rule: str
    newly_firing: int = Field(description="Events the rule matches now and did not before")
    no_longer_firing: int = Field(description="Events the rule matched before and not now")


class ReclassifyReport(BaseModel):
    """What a run did (or, with ``dry_run``, would do)."""

    since: datetime
    until: datetime | None
    dry_run: bool
    classifier_version: str | None = Field(
        description="Version the classifier wrote (None when no event was scanned)"
    )
    scanned: int = 0
    unreadable: int = Field(0, description="Stored documents that do not parse; left as is")
    previous_versions: dict[str, int] = Field(
        default_factory=dict, description="classifier_version of the scanned events as stored"
    )
    changed: int = Field(0, description="Events whose classification differs (any field)")
    updated: int = Field(0, description="Documents written (0 in a dry run)")
    conflicts: int = Field(
        0, description="Documents rewritten by the worker meanwhile; left as the worker wrote"
    )
    failed: int = Field(0, description="Updates Elasticsearch refused")
    failure_reasons: list[str] = Field(default_factory=list, description="The first few")
    relevance_gained: int = 0
    relevance_lost: int = 0
    severity_raised: int = 0
    severity_lowered: int = 0
    alerts_newly_firing: int = Field(
        0, description="(event, match rule) pairs that match now and did not before"
    )
    alerts_no_longer_firing: int = Field(
        0, description="(event, match rule) pairs that matched before and do not now"
    )
    by_rule: list[RuleDelta] = Field(default_factory=list)
    rules_not_evaluated: list[str] = Field(
        default_factory=list, description="Frequency, spike and flatline rules (windowed)"
    )
    alerts_sent: Literal[0] = Field(0, description="Re-classification never sends alerts")


@dataclass
class Tally:
    """Adds up :class:`EventChange` values into a :class:`ReclassifyReport`."""

    rules: RuleSet
    scanned: int = 0
    unreadable: int = 0
    changed: int = 0
    versions_before: Counter[str] = field(default_factory=Counter)
    version_after: str | None = None
    relevance: Counter[str] = field(default_factory=Counter)
    severity_raised: int = 0
    severity_lowered: int = 0
    newly: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    updated: int = 0
    conflicts: int = 0
    failed: int = 0
    failure_reasons: list[str] = field(default_factory=list)

    def add(self, change: EventChange) -> None:
        self.scanned += 1
        self.versions_before[change.before.classifier_version] += 1
        self.version_after = change.after.classifier_version
        if not change.changed:
            return
        self.changed += 1
        if change.relevance is not None:
            self.relevance[change.relevance] += 1
        if change.severity_shift > 0:
            self.severity_raised += 1
        elif change.severity_shift < 0:
            self.severity_lowered += 1
        self.newly.update(change.newly_firing)
        self.dropped.update(change.no_longer_firing)

    def add_unreadable(self) -> None:
        self.scanned += 1
        self.unreadable += 1

    def report(self, since: datetime, until: datetime | None, dry_run: bool) -> ReclassifyReport:
        # Every enabled match rule is listed, in file order, so "0 / 0" reads as "checked".
        by_rule = [
            RuleDelta(
                rule=rule.name,
                newly_firing=self.newly[rule.name],
                no_longer_firing=self.dropped[rule.name],
            )
            for rule in self.rules.match
        ]
        return ReclassifyReport(
            since=since,
            until=until,
            dry_run=dry_run,
            classifier_version=self.version_after,
            scanned=self.scanned,
            unreadable=self.unreadable,
            previous_versions=dict(sorted(self.versions_before.items())),
            changed=self.changed,
            updated=self.updated,
            conflicts=self.conflicts,
            failed=self.failed,
            failure_reasons=self.failure_reasons,
            relevance_gained=self.relevance["gained"],
            relevance_lost=self.relevance["lost"],
            severity_raised=self.severity_raised,
            severity_lowered=self.severity_lowered,
            alerts_newly_firing=sum(self.newly.values()),
            alerts_no_longer_firing=sum(self.dropped.values()),
            by_rule=by_rule,
            rules_not_evaluated=windowed_rules(self.rules),
        )
