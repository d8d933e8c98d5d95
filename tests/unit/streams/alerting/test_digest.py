"""Digests (streams/alerting/digest.py): collecting a period and sending it, and a ledger that
must fit in one Kafka message, whatever a period brings.

Regression: the ledger kept up to 500 whole story alerts, evidence included (about 4 KB each,
more for non-Latin titles once JSON-escaped). A burst of a few hundred counterspace stories
in one hour made the ``alert-global`` changelog message exceed 1 MB: the worker crashed with
``MessageSizeTooLargeError``, and again after every restart on the same entry.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from schemas import Alert, AlertKind, Evidence
from streams.alerting.digest import DigestLedger, add_to_digest, due_digests
from streams.alerting.engine import StoryAlerter
from streams.alerting.rules import MatchRule
from streams.alerting.silences import SilenceBook
from tests.alert_factories import T0, make_event, rule_set

pytestmark = pytest.mark.unit

KAFKA_MESSAGE_LIMIT = 1_000_000  # faust's producer_max_request_size; the broker allows ~1 MB
RULES = rule_set({"name": "burst", "kind": "match", "digest": "1h"})
[RULE] = RULES.match
INTERVAL = timedelta(hours=1)
TITLE = "俄罗斯进行反卫星导弹试验 在近地轨道上产生大量碎片" * 4  # long, and escaped sixfold


def heavy_alert(n: int) -> Alert:
    at = T0 + timedelta(seconds=n)
    event = make_event(f"burst-{n:04d}", at=at, title=TITLE)
    [entry] = StoryAlerter(RULES).on_event(event, None, SilenceBook(), at).digest_entries
    evidence = [
        Evidence(kind="event_type", value="counterspace", term="反卫星导弹", start=i, end=i + 5)
        for i in range(40)
    ]
    return entry.alert.model_copy(update={"evidence": evidence})


def changelog_size(ledger: DigestLedger) -> int:
    # The worker stores model_dump_json() text; faust JSON-encodes it once more.
    return len(json.dumps(ledger.model_dump_json()).encode())


def test_a_burst_keeps_the_ledger_under_the_message_limit_and_counts_everything() -> None:
    alerts = [heavy_alert(n) for n in range(700)]
    assert len(json.dumps(alerts[0].model_dump_json())) > 4000  # as heavy as real ones
    ledger = DigestLedger()
    largest = 0
    for alert in alerts:
        sent, ledger = add_to_digest(ledger, RULE, alert, INTERVAL, T0)
        assert sent == []
        largest = max(largest, changelog_size(ledger))
    assert largest < KAFKA_MESSAGE_LIMIT / 2, largest
    assert all(m.evidence == [] for m in ledger.members)
    assert ledger.overflow > 0 and ledger.overflow + len(ledger.members) == len(alerts)

    # A replayed entry that was dropped as overflow is not counted twice.
    again, replayed = add_to_digest(ledger, RULE, alerts[0], INTERVAL, T0)
    assert again == [] and replayed.overflow == ledger.overflow

    [digest], emptied = due_digests(ledger, RULE, INTERVAL, T0 + timedelta(hours=1, minutes=1))
    assert digest.count == len(alerts)
    assert digest.title.startswith(f"burst: {len(alerts)} alert(s) on ")
    assert [m.article_id for m in digest.members][-1] == alerts[-1].article_ids[-1]
    assert emptied is not None and emptied.overflow == 0 and emptied.members == []


def test_a_small_period_is_kept_whole() -> None:
    ledger = DigestLedger()
    for n in range(3):
        _, ledger = add_to_digest(ledger, RULE, heavy_alert(n), INTERVAL, T0)
    assert ledger.overflow == 0 and len(ledger.members) == 3
    [digest], _ = due_digests(ledger, RULE, INTERVAL, T0 + timedelta(hours=2))
    assert digest.count == 3 and digest.title == "burst: 3 alert(s) on 3 story(ies)"


# -- collecting and sending, with an injected clock ----------------------------------------

NO_SILENCES = SilenceBook()


def digest_rule() -> tuple[MatchRule, timedelta]:
    rules = rule_set({"name": "daily", "kind": "match", "digest": "1h"})
    [rule] = rules.match
    interval = rules.digest_interval(rule)
    assert interval is not None
    return rule, interval


def story_alert(article_id: str, at: datetime) -> Alert:
    rules = rule_set({"name": "daily", "kind": "match", "digest": "1h"})
    outcome = StoryAlerter(rules).on_event(make_event(article_id, at=at), None, NO_SILENCES, at)
    [entry] = outcome.digest_entries
    return entry.alert


def test_digest_collects_a_period_and_sends_it_at_the_first_tick_after() -> None:
    rule, interval = digest_rule()
    ledger = DigestLedger()
    for minute, article in ((5, "a"), (20, "b"), (50, "c")):
        sent, ledger = add_to_digest(
            ledger, rule, story_alert(article, T0 + timedelta(minutes=minute)), interval, T0
        )
        assert sent == []
    sent, updated = due_digests(ledger, rule, interval, T0 + timedelta(minutes=59))
    assert sent == [] and updated is None
    sent, updated = due_digests(ledger, rule, interval, T0 + timedelta(minutes=61))
    [digest] = sent
    assert digest.kind is AlertKind.digest and digest.count == 3
    assert [m.article_id for m in digest.members] == ["a", "b", "c"]
    assert digest.window_start == T0 and digest.window_end == T0 + timedelta(hours=1)
    assert updated is not None and updated.members == [] and updated.sent_until == digest.window_end

    # a replayed entry after sending is recognised; a late one joins the next period
    again, updated = add_to_digest(
        updated, rule, story_alert("a", T0 + timedelta(minutes=5)), interval, T0
    )
    assert again == [] and updated.members == []
    _, updated = add_to_digest(
        updated, rule, story_alert("late", T0 + timedelta(minutes=58)), interval, T0
    )
    assert updated.period_start == T0 + timedelta(hours=1)


def test_an_entry_for_a_later_period_sends_the_open_digest() -> None:
    rule, interval = digest_rule()
    _, ledger = add_to_digest(DigestLedger(), rule, story_alert("a", T0), interval, T0)
    sent, ledger = add_to_digest(
        ledger, rule, story_alert("b", T0 + timedelta(hours=2)), interval, T0
    )
    assert [d.count for d in sent] == [1]
    assert ledger.period_start == T0 + timedelta(hours=2)
    assert [m.article_ids for m in ledger.members] == [["b"]]
    # the digest id depends only on rule and period
    again, _ = add_to_digest(DigestLedger(), rule, story_alert("x", T0), interval, T0)
    assert again == []
