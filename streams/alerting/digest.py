"""Digests: story alerts of a digest rule collected per period and sent as one alert (pure).

Periods are aligned to the interval (hourly digests close on the hour). An entry joins the
period of its event time, never a period already sent: late entries join the open period.
A digest goes out at the first tick after its period ends, or as soon as an entry for a
later period arrives. Entries already sent (a replay) are recognised by alert id and dropped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from schemas import Alert
from schemas.base import UtcDatetime
from streams.alerting.aggregates import bucket_start
from streams.alerting.build import digest_alert
from streams.alerting.rules import MatchRule

MAX_MEMBERS = 500
MAX_REMEMBERED_IDS = 2000


class DigestLedger(BaseModel):
    """Table value per digest rule: the open period and what was already sent."""

    period_start: UtcDatetime | None = None
    members: list[Alert] = Field(default_factory=list)
    sent_until: UtcDatetime | None = None
    sent_ids: list[str] = Field(default_factory=list, description="Alert ids sent, bounded")

    def knows(self, alert_id: str) -> bool:
        return alert_id in self.sent_ids or any(m.alert_id == alert_id for m in self.members)


def add_to_digest(
    ledger: DigestLedger, rule: MatchRule, alert: Alert, interval: timedelta, now: datetime
) -> tuple[list[Alert], DigestLedger]:
    """File ``alert``; returns digests that must go out now (a period that just closed)."""
    if ledger.knows(alert.alert_id):
        return [], ledger
    at = alert.classified_at or alert.alerted_at
    if ledger.sent_until is not None:
        at = max(at, ledger.sent_until)
    period = bucket_start(at, interval)
    sent: list[Alert] = []
    if ledger.period_start is not None and period > ledger.period_start:
        digest, ledger = _send(ledger, rule, interval, now)
        sent.append(digest)
    members = [*ledger.members, alert][-MAX_MEMBERS:]
    start = ledger.period_start or period
    return sent, ledger.model_copy(update={"period_start": start, "members": members})


def due_digests(
    ledger: DigestLedger, rule: MatchRule, interval: timedelta, now: datetime
) -> tuple[list[Alert], DigestLedger | None]:
    """At a tick: the digest whose period has ended, if any (and the new ledger)."""
    if ledger.period_start is None or now < ledger.period_start + interval:
        return [], None
    digest, ledger = _send(ledger, rule, interval, now)
    return [digest], ledger


def _send(
    ledger: DigestLedger, rule: MatchRule, interval: timedelta, now: datetime
) -> tuple[Alert, DigestLedger]:
    assert ledger.period_start is not None
    end = ledger.period_start + interval
    digest = digest_alert(
        rule,
        members=ledger.members,
        period_start=ledger.period_start,
        period_end=end,
        alerted_at=now,
    )
    sent_ids = [*ledger.sent_ids, *(m.alert_id for m in ledger.members)][-MAX_REMEMBERED_IDS:]
    return digest, DigestLedger(sent_until=end, sent_ids=sent_ids)
