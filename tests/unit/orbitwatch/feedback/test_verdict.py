"""Verdicts without servers: label parsing against the ontology, settling a verdict from an
event and the analyst's answer, alert-to-article, export lines that ``load_labeled`` reads,
and the index mapping of every verdict field (orbitwatch/feedback/verdict.py). The command's
one-line errors are in tests/unit/orbitwatch/cli/test_feedback.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orbitwatch.core.errors import InvalidMessage
from orbitwatch.feedback.errors import InvalidLabel, InvalidTarget, UnknownTarget
from orbitwatch.feedback.verdict import (
    Judgement,
    article_of_alert,
    build_verdict,
    check_target_id,
    export_lines,
    is_alert_id,
    labeled_line,
    parse_actors,
    parse_event_types,
    parse_relation,
)
from schemas import Alert, AlertKind, DigestMember, EventType, Relation, Severity
from schemas.documents import EventDocument
from schemas.feedback import Verdict
from schemas.indices.mapping import mapping_for
from schemas.indices.templates import VERDICT_TEXT_FIELDS
from streams.classifier.eval import load_labeled

pytestmark = pytest.mark.unit

AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
WATCHLIST = ["RU", "CN", "KP", "IR"]


def _event(relevant: bool = True, **changes: object) -> EventDocument:
    fields: dict[str, object] = {
        "timestamp": AT,
        "article_id": "a1",
        "story_id": "s1",
        "title": "Russia and China plan a nuclear power plant on the Moon",
        "summary": "Roscosmos and CNSA said the reactor would be built by 2035.",
        "url": "https://news.example/a1",
        "feed_id": "wire",
        "feed_name": "Wire",
        "language": "en",
        "published_at": AT,
        "fetched_at": AT,
        "classified_at": AT,
        "relevant": relevant,
        "relation": Relation.cooperation if relevant else Relation.none,
        "actors": ["CN", "RU"] if relevant else [],
        "event_types": [EventType.lunar, EventType.nuclear] if relevant else [],
        "severity": Severity.high if relevant else Severity.none,
        "score": 0.9 if relevant else 0.2,
        "classifier_version": "rules-7",
    }
    fields.update(changes)
    return EventDocument.model_validate(fields)


def _verdict(event: EventDocument, judgement: Judgement, **kwargs: object) -> Verdict:
    return build_verdict(event, judgement, recorded_at=AT, **kwargs)  # type: ignore[arg-type]


# -- labels against the ontology -------------------------------------------------------------


def test_event_types_parse_with_commas_or_blanks_and_either_spelling() -> None:
    assert parse_event_types("nuclear, lunar") == [EventType.lunar, EventType.nuclear]
    assert parse_event_types("Human-Spaceflight lunar,lunar") == [
        EventType.human_spaceflight,
        EventType.lunar,
    ]
    assert parse_event_types("") == []


def test_unknown_event_type_names_the_known_ones() -> None:
    with pytest.raises(InvalidLabel, match=r"unknown event type 'moon' \(known: lunar, "):
        parse_event_types("lunar,moon")


def test_actor_codes_are_upper_cased_sorted_and_checked() -> None:
    assert parse_actors("ru, cn ESA") == ["CN", "ESA", "RU"]
    for bad in ("Russia", "R", "C1", "OPEC"):
        with pytest.raises(InvalidLabel, match="not an actor code"):
            parse_actors(f"CN,{bad}")


def test_relations() -> None:
    assert parse_relation(" Threat ") is Relation.threat
    with pytest.raises(InvalidLabel, match="unknown relation 'hostile'"):
        parse_relation("hostile")


def test_labels_given_with_not_relevant_are_refused_not_dropped() -> None:
    with pytest.raises(InvalidLabel, match=r"--types, --relation contradict\(s\) --not-relevant"):
        Judgement.from_options(False, types="lunar", relation="threat")
    with pytest.raises(InvalidLabel, match="--relation none contradicts --relevant"):
        Judgement.from_options(True, relation="none")


def test_notes_are_one_line() -> None:
    judgement = Judgement.from_options(True, note="  wrong\n  pair:\tit is\nIN, not CN ")
    assert judgement.note == "wrong pair: it is IN, not CN"
    with pytest.raises(InvalidLabel, match="note too long"):
        Judgement.from_options(True, note="x" * 1001)


def test_ids() -> None:
    assert check_target_id("  3f2a9c  ") == "3f2a9c"
    for bad in ("", "   ", "a b", "a\x00b", "x" * 129):
        with pytest.raises(InvalidTarget):
            check_target_id(bad)
    assert is_alert_id("al_0123") and not is_alert_id("0123abc")


# -- settling the verdict --------------------------------------------------------------------


def test_relevant_without_corrections_keeps_the_prediction() -> None:
    verdict = _verdict(_event(), Judgement(relevant=True), recorded_by="ana")
    assert verdict.relation is Relation.cooperation
    assert verdict.actors == ["CN", "RU"]
    assert verdict.event_types == [EventType.lunar, EventType.nuclear]
    assert verdict.classifier_correct and verdict.corrections == []
    # Everything an export needs travels with the verdict.
    assert verdict.title.startswith("Russia and China")
    assert verdict.text.startswith("Roscosmos")
    assert (verdict.lang, verdict.classifier_version) == ("en", "rules-7")
    assert verdict.recorded_by == "ana"
    assert verdict.predicted.severity is Severity.high


def test_corrections_replace_only_what_is_given() -> None:
    judgement = Judgement.from_options(True, types="lunar", relation="competition")
    verdict = _verdict(_event(), judgement, alert_id="al_1")
    assert verdict.event_types == [EventType.lunar]
    assert verdict.relation is Relation.competition
    assert verdict.actors == ["CN", "RU"]  # kept from the prediction
    assert not verdict.classifier_correct
    assert verdict.corrections == ["relation", "event_types"]
    assert verdict.predicted.event_types == [EventType.lunar, EventType.nuclear]
    assert verdict.alert_id == "al_1"


def test_not_relevant_empties_the_labels_and_marks_a_false_alarm() -> None:
    verdict = _verdict(_event(), Judgement(relevant=False, note="a film review"))
    assert (verdict.relation, verdict.actors, verdict.event_types) == (Relation.none, [], [])
    assert verdict.corrections == ["relevant"] and not verdict.classifier_correct
    agreed = _verdict(_event(relevant=False), Judgement(relevant=False))
    assert agreed.classifier_correct


def test_a_missed_article_needs_every_label_from_the_analyst() -> None:
    missed = _event(relevant=False)
    with pytest.raises(InvalidLabel, match=r"classified not relevant.*give --types, --actors"):
        _verdict(missed, Judgement(relevant=True))
    with pytest.raises(InvalidLabel, match=r"give --relation$"):
        _verdict(missed, Judgement.from_options(True, types="counterspace", actors="RU"))
    verdict = _verdict(
        missed, Judgement.from_options(True, types="counterspace", actors="RU", relation="threat")
    )
    assert verdict.corrections == ["relevant"]
    assert verdict.predicted.relevant is False


def test_emptying_a_label_of_a_relevant_verdict_is_refused() -> None:
    with pytest.raises(InvalidLabel, match="needs event types, actors and a relation: give --act"):
        _verdict(_event(), Judgement.from_options(True, actors=""))


def test_an_event_without_language_gets_und() -> None:
    assert _verdict(_event(language=None), Judgement(relevant=True)).lang == "und"


def test_the_model_refuses_inconsistent_labels_and_rederives_corrections() -> None:
    good = json.loads(_verdict(_event(), Judgement(relevant=False)).to_bytes())
    with pytest.raises(InvalidMessage, match="not-relevant verdict has no relation"):
        Verdict.from_obj({**good, "actors": ["RU"]})
    lying = Verdict.from_obj({**good, "classifier_correct": True, "corrections": []})
    assert lying.corrections == ["relevant"] and not lying.classifier_correct


# -- alerts ------------------------------------------------------------------------------------


def _alert(kind: AlertKind, article_ids: list[str], **changes: object) -> Alert:
    return Alert(
        alert_id="al_x",
        kind=kind,
        rule="r",
        severity=Severity.high,
        title="t",
        article_ids=article_ids,
        alerted_at=AT,
        **changes,
    )


def test_a_story_alert_is_about_the_article_that_fired_it() -> None:
    assert article_of_alert(_alert(AlertKind.match, ["a0", "a1", "a2"], story_id="s")) == "a2"


def test_an_alert_about_one_article_is_about_that_article() -> None:
    member = DigestMember(
        alert_id="al_m", story_id="s", article_id="a5", title="t", severity=Severity.high
    )
    assert article_of_alert(_alert(AlertKind.digest, ["a5"], members=[member])) == "a5"


def test_alerts_about_many_or_no_articles_are_refused() -> None:
    with pytest.raises(UnknownTarget, match=r"frequency\) is about 3 articles: give the id"):
        article_of_alert(_alert(AlertKind.frequency, ["a", "b", "c"]))
    with pytest.raises(UnknownTarget, match=r"flatline\) is about no article"):
        article_of_alert(_alert(AlertKind.flatline, []))


# -- export --------------------------------------------------------------------------------------


def test_export_lines_have_the_labeled_files_fields_in_order() -> None:
    relevant = _verdict(_event(), Judgement(relevant=True, note="sure"))
    line = json.loads(labeled_line(relevant, WATCHLIST).to_json())
    assert list(line) == ["id", "lang", "title", "text", "source_url", "published", "label", "note"]
    assert line["published"] == "2026-11-24"
    assert line["label"] == {
        "relevant": True,
        "relation": "cooperation",
        "actors": ["CN", "RU"],
        "event_types": ["lunar", "nuclear"],
        "severity": "high",  # two watched states cooperating on a sensitive type
    }
    no_note = json.loads(labeled_line(_verdict(_event(), Judgement(relevant=False)), []).to_json())
    assert "note" not in no_note
    assert no_note["label"] == {
        "relevant": False,
        "relation": "none",
        "actors": [],
        "event_types": [],
        "severity": "none",
    }


def test_severity_follows_the_watchlist_given() -> None:
    verdict = _verdict(_event(), Judgement(relevant=True))
    assert labeled_line(verdict, WATCHLIST).label.severity is Severity.high
    assert labeled_line(verdict, []).label.severity is Severity.low


def test_export_is_ordered_and_load_labeled_reads_it(tmp_path: Path) -> None:
    later = build_verdict(
        _event(article_id="b2", published_at=None, language="ru"),
        Judgement.from_options(True, relation="threat"),
        recorded_at=AT + timedelta(minutes=5),
    )
    earlier = _verdict(_event(), Judgement(relevant=False, note="not about space"))
    lines = export_lines([later, earlier], WATCHLIST)
    path = tmp_path / "verdicts.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    items = load_labeled(path)
    assert [item.id for item in items] == ["a1", "b2"]
    assert items[0].label.relevant is False and items[0].lang == "en"
    assert items[1].label.relation is Relation.threat
    assert items[1].label.severity is Severity.high
    assert items[1].lang == "ru" and json.loads(lines[1])["published"] is None


def test_every_verdict_field_is_mapped_in_the_index() -> None:
    mapping = mapping_for(Verdict, text_fields=VERDICT_TEXT_FIELDS)["properties"]
    body = json.loads(_verdict(_event(), Judgement(relevant=True)).to_bytes())
    assert set(mapping) == set(body)
    assert set(mapping["predicted"]["properties"]) == set(body["predicted"])
    assert mapping["classifier_correct"] == {"type": "boolean"}
    assert mapping["recorded_at"] == {"type": "date"}
    assert mapping["text"]["type"] == "text" and mapping["corrections"]["type"] == "keyword"
