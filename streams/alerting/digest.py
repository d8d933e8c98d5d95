"""Digests: story alerts of a digest rule collected per period and sent as one alert (pure).

Periods are aligned to the interval (hourly digests close on the hour). An entry joins the
period of its event time, never a period already sent: late entries join the open period.
A digest goes out at the first tick after its period ends, or as soon as an entry for a
later period arrives. Entries already sent (a replay) are recognised by alert id and dropped.

The ledger is one table value, so one message on the table's changelog: it must stay well
below Kafka's message size limit (about 1 MB), or the worker crashes writing it, and crashes
again after every restart on the same entry. Members are therefore filed without their
classification evidence (a digest never shows it), and when the open period still outgrows
``MAX_LEDGER_BYTES`` (or ``MAX_MEMBERS``) its oldest members are dropped but still counted.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from schemas import Alert
from schemas.base import UtcDatetime
from streams.alerting.aggregates import bucket_start
from streams.alerting.build import digest_alert
from streams.alerting.rules import MatchRule

MAX_MEMBERS = 500
MAX_REMEMBERED_IDS = 2000
MAX_LEDGER_BYTES = 400_000  # of members; the changelog message must stay under ~1 MB


class DigestLedger(BaseModel):
    """Table value per digest rule: the open period and what was already sent."""

    period_start: UtcDatetime | None = None
    members: list[Alert] = Field(default_factory=list)
    overflow: int = Field(0, description="Members of the open period dropped to bound its size")
    sent_until: UtcDatetime | None = None
    sent_ids: list[str] = Field(
        default_factory=list,
        description="Alert ids accounted for (sent, or dropped as overflow), bounded",
    )

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
    members, dropped = _bounded([*ledger.members, alert.model_copy(update={"evidence": []})])
    start = ledger.period_start or period
    update: dict[str, object] = {"period_start": start, "members": members}
    if dropped:
        update["overflow"] = ledger.overflow + len(dropped)
        update["sent_ids"] = _remember(ledger.sent_ids, dropped)
    return sent, ledger.model_copy(update=update)


def _bounded(members: list[Alert]) -> tuple[list[Alert], list[Alert]]:
    """``members`` without their oldest ones, as many as the limits require; and those."""
    cut = max(0, len(members) - MAX_MEMBERS)
    dropped, kept = members[:cut], members[cut:]
    # Measured as the changelog holds it: faust JSON-encodes the table's text value, which
    # escapes every non-ASCII character (a Chinese title grows sixfold).
    sizes = [len(json.dumps(m.model_dump_json())) for m in kept]
    total = sum(sizes)
    while total > MAX_LEDGER_BYTES and len(kept) > 1:
        total -= sizes.pop(0)
        dropped.append(kept.pop(0))
    return kept, dropped


def _remember(ids: list[str], alerts: list[Alert]) -> list[str]:
    return [*ids, *(a.alert_id for a in alerts)][-MAX_REMEMBERED_IDS:]


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
        overflow=ledger.overflow,
    )
    return digest, DigestLedger(sent_until=end, sent_ids=_remember(ledger.sent_ids, ledger.members))
