"""Matching, through the classifier (streams/classifier/matcher.py): inflection, word boundaries,
clitics, acronyms, disambiguation by longer matches, who counts as a party."""

from __future__ import annotations

import pytest

from schemas.classification import EventType, Severity
from streams.classifier import Classifier

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "form",
    ["Роскосмос", "Роскосмоса", "Роскосмосу", "Роскосмосом", "Роскосмосе"],
)
def test_russian_inflected_forms_are_found(classifier: Classifier, form: str) -> None:
    result = classifier.classify_text(f"Глава {form} выступил", "")
    assert any(e.value == "RU" and e.term == form for e in result.evidence)


def test_russian_short_stem_does_not_overmatch(classifier: Classifier) -> None:
    """ "Иран" is matched exactly: its stem would also match "Ирак"."""
    result = classifier.classify_text("Ирак и Сирия", "")
    assert not any(e.value == "IR" for e in result.evidence)


def test_latin_alias_needs_word_boundaries(classifier: Classifier) -> None:
    result = classifier.classify_text("Aerospace startups in Chinatown", "")
    terms = {e.term.lower() for e in result.evidence}
    assert "space" not in terms


def test_latin_alias_inside_chinese_text(classifier: Classifier) -> None:
    result = classifier.classify_text("SpaceX星链卫星接近中国空间站", "")
    assert {"US", "CN"} <= {e.value for e in result.evidence if e.kind == "actor"}


def test_arabic_clitics(classifier: Classifier) -> None:
    result = classifier.classify_text("والصين", "")
    assert any(e.value == "CN" for e in result.evidence)


def test_case_sensitive_acronyms(classifier: Classifier) -> None:
    upper = classifier.classify_text("US and UN officials", "")
    lower = classifier.classify_text("let us go", "")
    assert {"US", "UN"} <= {e.value for e in upper.evidence}
    assert not any(e.value == "US" for e in lower.evidence)


def test_longer_match_hides_the_moon_in_a_name(classifier: Classifier) -> None:
    result = classifier.classify_text("Moon Jae-in visits Washington", "")
    assert not any(e.kind == "event_type" and e.term == "Moon" for e in result.evidence)


def test_evidence_positions_point_into_the_fields(classifier: Classifier) -> None:
    title = "Russia and China sign lunar station agreement"
    text = "Roscosmos and CNSA signed the memorandum in Beijing."
    result = classifier.classify_text(title, text)
    assert result.relevant
    for evidence in result.evidence:
        if evidence.start < 0:
            continue
        source = title if evidence.field == "title" else text
        assert source[evidence.start : evidence.end] == evidence.term


def test_spaceport_host_is_not_a_party(classifier: Classifier) -> None:
    result = classifier.classify_text(
        "Soyuz rocket launches Iranian satellite from Baikonur, Kazakhstan",
        "Roscosmos placed the Iranian remote sensing satellite in orbit for Iran.",
    )
    assert result.relevant
    assert "KZ" not in result.actors
    assert {"IR", "RU"} <= set(result.actors)


def test_dateline_is_not_a_party(classifier: Classifier) -> None:
    result = classifier.classify_text(
        "India and Japan sign lunar exploration agreement",
        "LONDON (Wire) - ISRO and JAXA signed a cooperation agreement on a Moon rover.",
    )
    assert result.relevant
    assert "GB" not in result.actors


def test_watchlist_is_configurable() -> None:
    title = "India and Japan agree to cooperate on satellite navigation"
    text = "ISRO and JAXA will share navigation satellite ground stations."
    default = Classifier().classify_text(title, text)
    watching = Classifier(watchlist=["IN", "JP"]).classify_text(title, text)
    assert default.severity is Severity.low
    assert watching.severity is Severity.high
    assert EventType.navigation in watching.event_types


def test_threat_is_high_severity(classifier: Classifier) -> None:
    result = classifier.classify_text(
        "Russia tests anti-satellite missile, creating debris cloud",
        "US Space Command condemned the test, which destroyed an old Russian satellite.",
    )
    assert result.relevant
    assert result.severity is Severity.high
    assert EventType.counterspace in result.event_types
